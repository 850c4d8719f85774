// SPDX-License-Identifier: Apache-2.0
// End-to-end tests of the asyncbo binary: the seed experiment, outputs,
// configuration errors and the help text.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "core/objectives.hpp"
#include "core/space.hpp"
#include "support/process.hpp"

using namespace asyncbo::test;

BOOST_AUTO_TEST_SUITE(cli_end_to_end)

BOOST_AUTO_TEST_CASE(seed_experiment_writes_three_outputs_and_beats_random_search) {
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--delay.time-scale=0.002", "--output.dir=" + d.path,
                        "--acquisition.samples=2048"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  // observations.csv: header + 3 initial + 30 asked, every id once, all ok.
  auto rows = parse_csv(read_file(d.path + "/observations.csv"));
  BOOST_REQUIRE(rows.size() == 34u);
  BOOST_TEST(rows[0][0] == "id");
  BOOST_TEST(rows[0].size() == 13u);
  std::set<std::string> ids;
  int initial = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    BOOST_TEST(rows[i].size() == 13u);
    ids.insert(rows[i][0]);
    initial += rows[i][2] == "initial" ? 1 : 0;
    BOOST_TEST(rows[i][6] == "ok");
  }
  BOOST_TEST(ids.size() == 33u);
  BOOST_TEST(initial == 3);
  // summary.json
  auto s = nlohmann::json::parse(read_file(d.path + "/summary.json"));
  for (auto k : {"best_value", "best_point", "regret", "observations", "failed",
                 "wall_time_s", "busy_fraction", "ask_ms", "dispatch_ms"})
    BOOST_TEST(s.contains(k), k);
  BOOST_TEST(s["observations"].get<int>() == 30);
  BOOST_TEST(s["failed"].get<int>() == 0);
  BOOST_TEST(s["ask_ms"]["median"].get<double>() > 0.0);
  BOOST_TEST(s["best_point"].contains("x0"));
  // plot.svg
  auto svg = read_file(d.path + "/plot.svg");
  BOOST_TEST(svg.rfind("<svg", 0) == 0u);
  // Regret beats random search with the same 33 evaluations: better than the
  // median of 21 random-search runs.
  const auto& f = *asyncbo::find_test_function("scaled-branin");
  std::vector<double> rnd;
  for (std::uint64_t seed = 0; seed < 21; ++seed) {
    asyncbo::rng_type rng(seed);
    auto U = asyncbo::uniform_unit(2, 33, rng);
    double best = 1e300;
    for (int j = 0; j < 33; ++j)
      best = std::min(best, f(U.col(j)));
    rnd.push_back(best - f.minimum);
  }
  std::sort(rnd.begin(), rnd.end());
  BOOST_TEST(s["regret"].get<double>() < rnd[10],
             "regret " << s["regret"] << " random median " << rnd[10]);
  // The output directory is never overwritten.
  auto again = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                            "--output.dir=" + d.path});
  BOOST_TEST(again.code == 2);
  BOOST_TEST(again.err.find("already holds a run") != std::string::npos, again.err);
}

BOOST_AUTO_TEST_CASE(a_finite_space_is_evaluated_once_per_point_and_the_run_says_it_ran_out) {
  // branin-grid has 100 points; a budget of 200 with the product's
  // defaults (fallback draws included, 100x faster delays): every point
  // once, the exact minimum found, exit 0, and the summary and the closing
  // report say the space ran out.
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--experiment.objective=\"branin-grid\"",
                        "--experiment.num-observations=200", "--delay.time-scale=0.001",
                        "--output.dir=" + d.path});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto rows = parse_csv(read_file(d.path + "/observations.csv"));
  BOOST_REQUIRE(rows.size() == 101u);
  std::set<std::pair<std::string, std::string>> points;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    BOOST_TEST(rows[i][6] == "ok");
    points.insert({rows[i][3], rows[i][4]});
  }
  BOOST_TEST(points.size() == 100u);
  auto s = nlohmann::json::parse(read_file(d.path + "/summary.json"));
  BOOST_TEST(s["status"].get<std::string>() == "completed");
  BOOST_TEST(s["regret"].get<double>() == 0.0);
  const std::string why = "every one of the search space's 100 points has been evaluated";
  BOOST_TEST(s["message"].get<std::string>().find(why) != std::string::npos, s.dump());
  BOOST_TEST(r.err.find(why) != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(configuration_errors_exit_2_with_exact_messages) {
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--experiment.batch-size=5", "--acquisition.rule=greedy",
                        "--output.dir=" + d.path});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("experiment.batch-size") == std::string::npos,
             "cross-key rules only run once every key is valid");
  BOOST_TEST(r.err.find("1 configuration error:\n  acquisition.rule: must be one of "
                        "async-joint, async-greedy, sync, random, got \"greedy\"")
               != std::string::npos,
             r.err);
  auto r2 = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                         "--experiment.batch-size=5", "--output.dir=" + d.path});
  BOOST_TEST(r2.code == 2);
  BOOST_TEST(r2.err.find("experiment.batch-size: must be <= experiment.num-workers (4), "
                         "got 5")
               != std::string::npos,
             r2.err);
  // Nothing ran: no log was created.
  BOOST_TEST(!std::filesystem::exists(d.path + "/observations.csv"));
  // A wrongly typed INI value (CAF would silently ignore it) is an error.
  std::ofstream(d.path + "/bad.ini") << "[experiment]\nnum-workers=\"four\"\n[delay]\n"
                                        "speed=3\n";
  auto r3 = run_program({binary(), "run", d.path + "/bad.ini"});
  BOOST_TEST(r3.code == 2);
  BOOST_TEST(r3.err.find("experiment.num-workers: must be an integer, got \"four\"")
               != std::string::npos,
             r3.err);
  BOOST_TEST(r3.err.find("delay.speed: unknown key") != std::string::npos, r3.err);
  auto r4 = run_program({binary(), "run", d.path + "/missing.ini"});
  BOOST_TEST(r4.code == 2);
  BOOST_TEST(r4.err.find("cannot read config file") != std::string::npos, r4.err);
  std::ofstream(d.path + "/syntax.ini") << "[experiment]\nobjective=branin\n";
  auto r5 = run_program({binary(), "run", d.path + "/syntax.ini"});
  BOOST_TEST(r5.code == 2);
  BOOST_TEST(r5.err.find("not a valid INI file") != std::string::npos, r5.err);
  // A directory or a binary file named as CONFIG is an error naming the
  // path, before anything runs (it used to run the default experiment).
  auto r6 = run_program({binary(), "run", d.path + "/", "--output.dir=" + d.path + "/out6"});
  BOOST_TEST(r6.code == 2);
  BOOST_TEST(r6.err.find("config file " + d.path + "/ is a directory") != std::string::npos,
             r6.err);
  auto r7 = run_program({binary(), "run", binary(), "--output.dir=" + d.path + "/out7"});
  BOOST_TEST(r7.code == 2);
  BOOST_TEST(r7.err.find("config file " + binary() + " is not text") != std::string::npos,
             r7.err);
  BOOST_TEST(!std::filesystem::exists(d.path + "/out6"));
  BOOST_TEST(!std::filesystem::exists(d.path + "/out7"));
}

BOOST_AUTO_TEST_CASE(help_and_version_tell_the_truth) {
  auto h = run_program({binary(), "--help"});
  BOOST_TEST(h.code == 0);
  BOOST_TEST(h.out.find("asyncbo run CONFIG") != std::string::npos);
  BOOST_TEST(h.out.find("batch-size = 2") != std::string::npos);
  BOOST_TEST(h.out.find("Exit codes") != std::string::npos);
  auto v = run_program({binary(), "--version"});
  BOOST_TEST(v.code == 0);
  BOOST_TEST(v.out.rfind("asyncbo ", 0) == 0u);
  auto u = run_program({binary(), "fly"});
  BOOST_TEST(u.code == 2);
  auto n = run_program({binary()});
  BOOST_TEST(n.code == 2);
}

BOOST_AUTO_TEST_CASE(no_secret_appears_in_any_output_file) {
  temp_dir d;
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--delay.time-scale=0", "--output.dir=" + d.path + "/out",
                        "--experiment.num-observations=4", "--acquisition.samples=256",
                        "--cluster.port=0", "--cluster.secret=ZebraTopSecret42",
                        "--cluster.tls-passphrase=PassPhraseQuux",
                        "--output.dashboard-port=0", "--output.dashboard-token=DashTokenWombat"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  std::size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(d.path + "/out")) {
    if (!e.is_regular_file())
      continue;
    ++files;
    const std::string text = read_file(e.path().string());
    BOOST_TEST(text.find("ZebraTopSecret42") == std::string::npos, e.path());
    BOOST_TEST(text.find("PassPhraseQuux") == std::string::npos, e.path());
    BOOST_TEST(text.find("DashTokenWombat") == std::string::npos, e.path());
  }
  BOOST_TEST(files >= 4u);
  BOOST_TEST(r.err.find("ZebraTopSecret42") == std::string::npos);
  BOOST_TEST(r.err.find("DashTokenWombat") == std::string::npos);
  BOOST_TEST(r.err.find("warning: output.dashboard-token on the command line") != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("warning: cluster.secret on the command line can be read by other "
                        "users")
               != std::string::npos,
             r.err);
  auto s = nlohmann::json::parse(read_file(d.path + "/out/summary.json"));
  BOOST_TEST(s["config"]["cluster"]["secret"] == "(set, not recorded)");
  BOOST_TEST(s["config"]["output"]["dashboard-token"] == "(set, not recorded)");
}

BOOST_AUTO_TEST_CASE(the_closing_report_says_what_summary_json_says) {
  temp_dir d;
  const std::string out = d.path + "/out";
  auto r = run_program({binary(), "run", source_dir() + "/config/branin-async.ini",
                        "--delay.time-scale=0", "--output.dir=" + out,
                        "--experiment.num-observations=6", "--acquisition.samples=256"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  auto fmt = [](double v, const char* f) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), f, v);
    return std::string(buf);
  };
  BOOST_TEST(r.err.find("asyncbo: completed\n") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("  best         " + fmt(s["best_value"].get<double>(), "%.6g"))
               != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("  recommended  " + fmt(s["recommended"]["value"].get<double>(),
                                                "%.6g"))
               != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("  regret       " + fmt(s["regret"].get<double>(), "%.3g"))
               != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("  evaluations  6 ok + 3 initial, 0 points failed")
               != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("median ask " + fmt(s["ask_ms"]["median"].get<double>(), "%.1f")
                        + " ms")
               != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("  outputs      " + out + "/") != std::string::npos, r.err);
  // asyncbo status prints the same report.
  auto st = run_program({binary(), "status", out});
  BOOST_TEST(st.code == 0);
  BOOST_TEST(r.err.find(st.out.substr(0, st.out.size() - 1)) != std::string::npos,
             st.out);
  // Without a summary (a run still going, or killed), from the event log.
  std::filesystem::remove(out + "/summary.json");
  st = run_program({binary(), "status", out});
  BOOST_TEST(st.code == 0);
  BOOST_TEST(st.out.find("running (or stopped without a summary)") != std::string::npos);
  BOOST_TEST(st.out.find("  evaluations  6 ok + 3 initial") != std::string::npos, st.out);
  BOOST_TEST(run_program({binary(), "status", d.path}).code == 2);
}

BOOST_AUTO_TEST_SUITE_END()
