// SPDX-License-Identifier: Apache-2.0
// The virtual clock end to end: the product's own actors on simulated time.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

using namespace asyncbo::test;

namespace {

/// observations.csv without its worker column (which evaluator got a job
/// may differ; nothing else may).
std::string without_worker(const std::string& csv) {
  auto rows = parse_csv(csv);
  std::string out;
  for (auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i)
      if (i != 8)
        out += r[i] + ",";
    out += "\n";
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(virtual_clock_end_to_end)

BOOST_AUTO_TEST_CASE(a_scripted_schedule_runs_in_simulated_time_order) {
  // Constant delay 1 s, ask cost 0.5 s, 2 workers, k = 1: the schedule is
  // known in advance. The initial design (2 points) costs nothing; at t = 0 an
  // ask for 2 answers at 0.5; both end at 1.5 (a tie, released in id order);
  // the first frees a worker and an ask for 1 begins at 1.5; the second
  // completes during it; its answer at 2.0 sends id 4, and an ask for the last
  // point begins, answered at 2.5; id 4 ends at 3.0, id 5 at 3.5. (The
  // tutorial's policy: no fallback points; the next case has them.)
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--experiment.fallback=\"none\"",
                        "--experiment.num-workers=2", "--experiment.batch-size=1",
                        "--experiment.num-initial-points=2",
                        "--experiment.num-observations=4", "--acquisition.samples=256",
                        "--delay.model=\"constant\"", "--delay.factor=1.0",
                        "--delay.clock=\"virtual\"", "--delay.ask-cost=0.5",
                        "--output.dir=" + d.path});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(d.path + "/observations.csv"));
  BOOST_REQUIRE(rows.size() == 7u);
  BOOST_TEST(rows[0][10] == "dispatch_s");
  BOOST_TEST(rows[0][12] == "end_s");
  struct times {
    std::string dispatch, end;
  };
  const std::map<std::string, times> want{{"0", {"0.000000", "0.000000"}},
                                          {"1", {"0.000000", "0.000000"}},
                                          {"2", {"0.500000", "1.500000"}},
                                          {"3", {"0.500000", "1.500000"}},
                                          {"4", {"2.000000", "3.000000"}},
                                          {"5", {"2.500000", "3.500000"}}};
  std::vector<std::string> order;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& id = rows[i][0];
    order.push_back(id);
    BOOST_REQUIRE(want.count(id));
    BOOST_TEST(rows[i][10] == want.at(id).dispatch, "id " << id);
    BOOST_TEST(rows[i][12] == want.at(id).end, "id " << id);
  }
  // Rows are written in completion order, ties by id.
  BOOST_TEST(order == (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}),
             boost::test_tools::per_element());
  auto s = nlohmann::json::parse(read_file(d.path + "/summary.json"));
  BOOST_TEST(s["clock"] == "virtual");
  BOOST_TEST(s["wall_time_s"].get<double>() == 3.5);
  // Busy: 4 evaluator-seconds of work in 2 x 3.5 evaluator-seconds.
  BOOST_TEST(s["busy_fraction"].get<double>() == 4.0 / 7.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(an_evaluator_freed_during_a_slow_ask_gets_a_fallback_point) {
  // The schedule above with fallbacks (the default). At 0 the ask is for one
  // point (one batch); the other evaluator's fallback finds no model yet and
  // waits. Asks answer at 0.5 (id 2) and 1.0 (id 3); at 1.5 id 2 ends and an
  // ask for 1 begins (id 4, answered at 2.0). At 2.0 id 3 ends while that ask
  // is outstanding: its evaluator gets a Thompson draw on the model of the
  // ask answered at 1.0 (id 5), charged no time, instead of waiting 0.5 s
  // for another ask. The run ends at 3.0 instead of 3.5.
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--experiment.num-workers=2", "--experiment.batch-size=1",
                        "--experiment.num-initial-points=2",
                        "--experiment.num-observations=4", "--acquisition.samples=256",
                        "--delay.model=\"constant\"", "--delay.factor=1.0",
                        "--delay.clock=\"virtual\"", "--delay.ask-cost=0.5",
                        "--output.dir=" + d.path});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(d.path + "/observations.csv"));
  BOOST_REQUIRE(rows.size() == 7u);
  const std::map<std::string, std::pair<std::string, std::string>> want{
    {"2", {"0.500000", "1.500000"}},
    {"3", {"1.000000", "2.000000"}},
    {"4", {"2.000000", "3.000000"}},
    {"5", {"2.000000", "3.000000"}}};
  for (std::size_t i = 3; i < rows.size(); ++i) {
    BOOST_REQUIRE(want.count(rows[i][0]));
    BOOST_TEST(rows[i][10] == want.at(rows[i][0]).first, "id " << rows[i][0]);
    BOOST_TEST(rows[i][12] == want.at(rows[i][0]).second, "id " << rows[i][0]);
  }
  // The event log marks the fallback point, and only it.
  std::set<std::uint64_t> fallback;
  std::ifstream in(d.path + "/events.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["event"] == "dispatch" && j.value("fallback", false))
      fallback.insert(j["id"].get<std::uint64_t>());
  }
  BOOST_TEST(fallback == (std::set<std::uint64_t>{5}));
  auto s = nlohmann::json::parse(read_file(d.path + "/summary.json"));
  BOOST_TEST(s["wall_time_s"].get<double>() == 3.0);
  BOOST_TEST(s["observations"] == 4);
  BOOST_TEST(s["fallback"]["enabled"] == true);
  BOOST_TEST(s["fallback"]["requests"] == 2);  // the one at 0 found no model
  BOOST_TEST(s["fallback"]["empty"] == 1);
  BOOST_TEST(s["fallback"]["points"] == 1);
}

BOOST_AUTO_TEST_CASE(a_fixed_ask_cost_makes_runs_identical_whatever_the_thread_count) {
  temp_dir d;
  std::vector<std::string> csv;
  for (int threads : {1, 2}) {
    const std::string out = d.path + "/t" + std::to_string(threads);
    auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                          "--experiment.num-observations=12", "--acquisition.samples=512",
                          "--delay.model=\"log-normal\"", "--delay.median=2.0",
                          "--delay.sigma=0.5", "--delay.clock=\"virtual\"",
                          "--delay.ask-cost=0.1",
                          "--acquisition.threads=" + std::to_string(threads),
                          "--output.dir=" + out});
    BOOST_TEST_REQUIRE(r.code == 0, r.err);
    csv.push_back(without_worker(read_file(out + "/observations.csv")));
  }
  BOOST_TEST(csv[0].size() > 100u);
  BOOST_TEST(csv[0] == csv[1]);
}

BOOST_AUTO_TEST_CASE(k_of_n_on_the_virtual_clock_keeps_n_running_and_each_takes_its_delay) {
  // The dispatch policy's properties, on the product: 3 workers, k = 2,
  // linear-sum delays 3 (x0 + x1) s on ScaledBranin's unit square, free asks.
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--experiment.num-workers=3", "--experiment.num-observations=15",
                        "--acquisition.samples=256", "--delay.clock=\"virtual\"",
                        "--delay.ask-cost=0", "--output.dir=" + d.path});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(d.path + "/observations.csv"));
  BOOST_REQUIRE(rows.size() == 1u + 3u + 15u);
  struct span {
    double start, end;
  };
  std::vector<span> spans;
  std::set<std::string> ids;
  double last_end = 0.0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ids.insert(rows[i][0]);
    const double x0 = std::stod(rows[i][3]), x1 = std::stod(rows[i][4]);
    const double start = std::stod(rows[i][11]), end = std::stod(rows[i][12]);
    BOOST_TEST(end >= last_end, "rows in completion order");
    last_end = end;
    if (rows[i][2] == "asked")
      BOOST_TEST(end - start == 3.0 * (x0 + x1), boost::test_tools::tolerance(1e-5));
    else
      BOOST_TEST(end == 0.0);
    spans.push_back({start, end});
  }
  BOOST_TEST(ids.size() == 18u);
  for (auto& a : spans) {
    int overlapping = 0;
    bool at_result = a.start == 0.0;
    for (auto& b : spans) {
      overlapping += b.start <= a.start && a.start < b.end ? 1 : 0;
      at_result = at_result || std::abs(b.end - a.start) < 1e-5;
    }
    BOOST_TEST(overlapping <= 3);
    BOOST_TEST(at_result, "a point starts when a result frees its evaluator");
  }
}

BOOST_AUTO_TEST_CASE(failures_on_the_virtual_clock_are_counted_and_told) {
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/cliff3-async.ini",
                        "--experiment.num-observations=12", "--acquisition.samples=256",
                        "--delay.clock=\"virtual\"", "--delay.ask-cost=0.01",
                        "--output.dir=" + d.path});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(d.path + "/observations.csv"));
  const auto status = static_cast<std::size_t>(
    std::find(rows[0].begin(), rows[0].end(), "status") - rows[0].begin());
  BOOST_REQUIRE(status < rows[0].size());
  std::size_t failed = 0;
  for (std::size_t i = 1; i < rows.size(); ++i)
    failed += rows[i][status] == "ok" ? 0 : 1;
  auto s = nlohmann::json::parse(read_file(d.path + "/summary.json"));
  // Every failed attempt has its row; the points that failed for good (after
  // their retries) became failure data.
  BOOST_TEST(failed > 0u);
  BOOST_TEST(s["failed_attempts"].get<std::size_t>() == failed);
  BOOST_TEST(s["failed"].get<std::size_t>() > 0u);
  BOOST_TEST(s["failures_learned"].get<std::size_t>() == s["failed"].get<std::size_t>());
}

BOOST_AUTO_TEST_CASE(the_virtual_clock_refuses_programs_and_remote_workers) {
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/command-example.ini",
                        "--delay.clock=\"virtual\"", "--output.dir=" + d.path});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("delay.clock: the virtual clock simulates built-in objectives only")
               != std::string::npos,
             r.err);
  auto r2 = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                         "--delay.clock=\"virtual\"", "--cluster.port=0",
                         "--output.dir=" + d.path});
  BOOST_TEST(r2.code == 2);
  BOOST_TEST(r2.err.find("delay.clock: the virtual clock runs local evaluators only")
               != std::string::npos,
             r2.err);
  auto r3 = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                         "--delay.ask-cost=-0.5", "--output.dir=" + d.path});
  BOOST_TEST(r3.code == 2);
  BOOST_TEST(r3.err.find("delay.ask-cost: must be >= 0, or -1 for the measured time")
               != std::string::npos,
             r3.err);
}

BOOST_AUTO_TEST_SUITE_END()
