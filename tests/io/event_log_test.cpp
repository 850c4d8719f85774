// SPDX-License-Identifier: Apache-2.0
// events.jsonl: every event the writer writes reads back, and damage is an
// error naming the line (except a cut last line, which is dropped).
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "io/event_log.hpp"
#include "support/process.hpp"

using namespace asyncbo;
using namespace asyncbo::io;

namespace {

evaluation_record result(std::uint64_t id, std::uint32_t attempt, double value,
                         attempt_status st, bool final, double t) {
  evaluation_record r;
  r.id = id;
  r.attempt = attempt;
  r.batch = 1;
  r.x = {0.25, 1.0};
  r.value = value;
  r.status = st;
  r.reason = st == attempt_status::ok ? "" : "exit 3";
  r.final = final;
  r.end_time = t;
  return r;
}

/// One of each event; the point has a categorical coordinate.
std::string write_every_event(const std::string& dir) {
  const std::string path = dir + "/events.jsonl";
  event_log ev(path, true, {{}, {"adam", "sgd"}});
  ev.header({{"experiment", {{"seed", 7}}}}, {"lr", "opt"});
  ev.dispatch(0, 0, {0.25, 1.0}, false, 1, 0.5, /*fallback=*/true);
  ev.result(result(0, 0, 0.0, attempt_status::error, false, 0.75));
  ev.dispatch(0, 1, {0.25, 1.0}, false, 1, 0.8);
  ev.note("node n1 registered", 0.9);
  ev.resume(1.0);
  ev.result(result(0, 1, 2.5, attempt_status::ok, true, 1.25));
  return path;
}

} // namespace

BOOST_AUTO_TEST_SUITE(event_log_round_trip)

BOOST_AUTO_TEST_CASE(every_event_written_reads_back) {
  asyncbo::test::temp_dir d;
  const auto path = write_every_event(d.path);
  // Categorical coordinates are strings in the file.
  const auto text = asyncbo::test::read_file(path);
  BOOST_TEST(text.find("\"x\":[0.25,\"sgd\"]") != std::string::npos, text);
  const auto log = read_event_log(path);
  BOOST_TEST(log.config["experiment"]["seed"] == 7);
  BOOST_TEST(log.names == std::vector<std::string>({"lr", "opt"}));
  BOOST_REQUIRE(log.choices.size() == 2u);
  BOOST_TEST(log.choices[1] == std::vector<std::string>({"adam", "sgd"}));
  BOOST_REQUIRE(log.points.size() == 1u);
  const auto& p = log.points[0];
  BOOST_TEST(p.x == std::vector<double>({0.25, 1.0}));
  BOOST_TEST(p.next_attempt == 2u);
  BOOST_TEST(p.fallback);
  BOOST_TEST(!p.open);
  BOOST_TEST(p.final);
  BOOST_TEST(p.ok);
  BOOST_TEST(p.value == 2.5);
  BOOST_REQUIRE(log.records.size() == 2u);
  BOOST_CHECK(log.records[0].status == attempt_status::error);
  BOOST_TEST(log.records[0].reason == "exit 3");
  BOOST_TEST(log.records[1].value == 2.5);
  BOOST_TEST(log.notes == std::vector<std::string>({"node n1 registered"}));
  BOOST_TEST(log.resumes == 1u);
  BOOST_TEST(log.last_time == 1.25);
  BOOST_TEST(log.warnings.empty());
}

BOOST_AUTO_TEST_CASE(damage_is_an_error_naming_the_line_except_a_cut_last_line) {
  asyncbo::test::temp_dir d;
  const auto path = write_every_event(d.path);
  {
    std::ofstream(path, std::ios::app) << "{\"event\":\"result\",\"id\":4";
  }
  auto log = read_event_log(path);
  BOOST_REQUIRE(log.warnings.size() == 1u);
  BOOST_TEST(log.warnings[0].find("events.jsonl:8: dropped a truncated last line") == 0u,
             log.warnings[0]);
  std::string text = asyncbo::test::read_file(path);
  text.insert(text.find('\n') + 1, "not json\n");
  std::ofstream(path, std::ios::trunc) << text;
  BOOST_CHECK_EXCEPTION(read_event_log(path), std::runtime_error, [](const auto& e) {
    return std::string(e.what()) == "events.jsonl:2: not a JSON object; the log is damaged";
  });
  std::ofstream(path, std::ios::trunc) << "{\"event\":\"dispatch\",\"id\":0}\n";
  BOOST_CHECK_EXCEPTION(read_event_log(path), std::runtime_error, [](const auto& e) {
    return std::string(e.what()).find("the log must start with a header line")
           != std::string::npos;
  });
  std::ofstream(path, std::ios::trunc) << text.substr(0, text.find('\n') + 1)
                                       << "{\"event\":\"checkpoint\"}\n";
  BOOST_CHECK_EXCEPTION(read_event_log(path), std::runtime_error, [](const auto& e) {
    return std::string(e.what()) == "events.jsonl:2: unknown event \"checkpoint\"";
  });
}

BOOST_AUTO_TEST_CASE(a_second_final_result_for_an_id_is_damage) {
  asyncbo::test::temp_dir d;
  const auto path = write_every_event(d.path);
  {
    event_log ev(path, false, {{}, {"adam", "sgd"}});
    ev.result(result(0, 2, 0.5, attempt_status::ok, true, 2.0));
  }
  BOOST_CHECK_EXCEPTION(read_event_log(path), std::runtime_error, [](const auto& e) {
    return std::string(e.what()).find("a second final result for id 0")
           != std::string::npos;
  });
}

BOOST_AUTO_TEST_SUITE_END()
