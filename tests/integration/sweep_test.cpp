// SPDX-License-Identifier: Apache-2.0
// asyncbo sweep and asyncbo report end to end, on the virtual clock.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <cmath>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

using namespace asyncbo::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> sweep_args(const std::string& dir) {
  return {binary(), "sweep", source_dir() + "/config/branin-async.ini",
          "--sweep.acquisition.rule=[\"sync\",\"async-joint\"]",
          "--sweep.experiment.batch-size=[2,8]", "--sweep.seeds=2",
          "--sweep.at-evaluations=[10,20]", "--sweep.target-regret=0.01", "--sweep.jobs=2",
          "--experiment.num-observations=10", "--acquisition.samples=256",
          "--delay.clock=\"virtual\"", "--delay.ask-cost=0.05", "--output.dir=" + dir};
}

} // namespace

BOOST_AUTO_TEST_SUITE(sweep_end_to_end)

BOOST_AUTO_TEST_CASE(a_sweep_runs_skips_resumes_and_rebuilds_its_report) {
  temp_dir d;
  const std::string dir = d.path + "/sw";
  auto r = run_program(sweep_args(dir));
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  // batch 8 > 4 workers: listed with the reason, not fatal.
  BOOST_TEST(r.err.find("sweep: skipping rule=sync, batch-size=8: experiment.batch-size: "
                        "must be <= experiment.num-workers (4), got 8")
               != std::string::npos,
             r.err);
  auto rows = parse_csv(read_file(dir + "/sweep.csv"));
  BOOST_TEST_REQUIRE(rows.size() == 5u); // header + 2 combinations x 2 seeds
  for (std::size_t i = 1; i < rows.size(); ++i) {
    BOOST_TEST(rows[i][5] == "completed", rows[i][0]);
    BOOST_TEST(fs::exists(dir + "/runs/" + rows[i][0] + "/observations.csv"));
  }
  const std::string report = read_file(dir + "/report.md");
  BOOST_TEST(report.find("| rule=sync, batch-size=2 | 2 |") != std::string::npos, report);
  BOOST_TEST(report.find("| rule=async-joint, batch-size=2 | 2 |") != std::string::npos);
  BOOST_TEST(report.find("Skipped combinations:") != std::string::npos);
  BOOST_TEST(read_file(dir + "/report.svg").rfind("<svg", 0) == 0u);

  // Half-finished: one run lost its folder, another died mid-way (a log, no
  // summary). Only those two run again; the others are not touched.
  fs::remove_all(dir + "/runs/c01-s1");
  fs::remove(dir + "/runs/c03-s0/summary.json");
  const auto kept = fs::last_write_time(dir + "/runs/c03-s1/summary.json");
  auto again = run_program(sweep_args(dir));
  BOOST_TEST_REQUIRE(again.code == 0, again.err);
  BOOST_TEST(again.err.find("4 runs (4 combinations x 2 seeds), 2 already finished")
               != std::string::npos,
             again.err);
  BOOST_CHECK(fs::last_write_time(dir + "/runs/c03-s1/summary.json") == kept);
  BOOST_TEST(read_file(dir + "/runs/c03-s0/run.log").find("resuming in") != std::string::npos);
  BOOST_TEST(fs::exists(dir + "/runs/c01-s1/summary.json"));

  // asyncbo report rebuilds the same report from the folder.
  const std::string before = read_file(dir + "/report.md");
  fs::remove(dir + "/report.md");
  auto rep = run_program({binary(), "report", dir});
  BOOST_TEST_REQUIRE(rep.code == 0, rep.err);
  BOOST_TEST(read_file(dir + "/report.md") == before);

  // Another plan in the same folder is refused.
  auto other = sweep_args(dir);
  other.push_back("--sweep.seeds=3");
  auto refused = run_program(other);
  BOOST_TEST(refused.code == 2);
  BOOST_TEST(refused.err.find("holds a different sweep") != std::string::npos, refused.err);
  auto missing = run_program({binary(), "report", d.path + "/nothing"});
  BOOST_TEST(missing.code == 2);
}

BOOST_AUTO_TEST_CASE(on_a_noisy_objective_the_sweep_and_its_runs_report_the_same_figures) {
  // One definition of each figure: sweep.csv's regret and best_regret are
  // the runs' summary.json figures (recommendation's and best observed
  // point's true regret), and the curve at the last evaluation is the best
  // observed point's true regret, not its noisy value minus the minimum
  // (15 evaluations = 3 initial + 12).
  temp_dir d;
  const std::string dir = d.path + "/noisy";
  auto r = run_program({binary(), "sweep", source_dir() + "/config/branin-async.ini",
                        "--sweep.seeds=3", "--sweep.at-evaluations=[15]", "--sweep.jobs=2",
                        "--experiment.num-observations=12", "--experiment.noise=0.2",
                        "--acquisition.samples=256", "--delay.clock=\"virtual\"",
                        "--output.dir=" + dir});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(dir + "/sweep.csv"));
  BOOST_TEST_REQUIRE(rows.size() == 4u);
  std::map<std::string, std::size_t> col;
  for (std::size_t k = 0; k < rows[0].size(); ++k)
    col[rows[0][k]] = k;
  BOOST_TEST_REQUIRE(col.count("regret") == 1u);
  BOOST_TEST_REQUIRE(col.count("best_regret") == 1u);
  BOOST_TEST_REQUIRE(col.count("at_evaluations_15") == 1u);
  bool noise_showed = false;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto s = nlohmann::json::parse(read_file(dir + "/runs/" + rows[i][0] + "/summary.json"));
    BOOST_TEST_REQUIRE(s["regret"].is_number());
    BOOST_TEST_REQUIRE(s["best_regret"].is_number());
    const double regret = std::stod(rows[i][col["regret"]]);
    const double best_regret = std::stod(rows[i][col["best_regret"]]);
    const double at_end = std::stod(rows[i][col["at_evaluations_15"]]);
    BOOST_TEST(regret == s["regret"].get<double>(), boost::test_tools::tolerance(1e-8));
    BOOST_TEST(best_regret == s["best_regret"].get<double>(),
               boost::test_tools::tolerance(1e-8));
    BOOST_TEST(at_end == best_regret, boost::test_tools::tolerance(1e-8));
    BOOST_TEST(best_regret >= 0.0); // a true regret is never negative
    const double observed_gap = s["best_value"].get<double>() - s["minimum"].get<double>();
    noise_showed = noise_showed || std::abs(observed_gap - best_regret) > 1e-3;
  }
  BOOST_TEST(noise_showed); // the noise is there, and the figures did not take it
  const std::string report = read_file(dir + "/report.md");
  BOOST_TEST(report.find("final regret (recommended)") != std::string::npos, report);
}

BOOST_AUTO_TEST_SUITE_END()
