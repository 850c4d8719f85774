// SPDX-License-Identifier: Apache-2.0
// Sweeps without processes: the [sweep] section, the expansion, quantiles,
// and the report's numbers against sweep.csv.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "app/sweep.hpp"
#include "core/stats.hpp"

using namespace asyncbo::app;
using nlohmann::json;

namespace {

json base_config() {
  return json::parse(R"({"experiment": {"objective": "scaled-branin", "num-workers": 4,
                         "seed": 10}})");
}

std::vector<std::vector<std::string>> parse_csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted) {
        row.push_back(cell);
        cell.clear();
      } else
        cell += c;
    }
    row.push_back(cell);
    rows.push_back(row);
  }
  return rows;
}

/// The report's number format.
std::string g4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

/// Type-7 quantile, written again for the test.
double q7(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  double h = (v.size() - 1) * p;
  auto lo = static_cast<std::size_t>(h);
  if (lo + 1 >= v.size() || h == double(lo))
    return v[lo];
  if (std::isinf(v[lo + 1])) // part of the way to "never": never
    return v[lo + 1];
  return v[lo] + (h - lo) * (v[lo + 1] - v[lo]);
}

} // namespace

BOOST_AUTO_TEST_SUITE(sweep_plan_suite)

BOOST_AUTO_TEST_CASE(ini_sub_sections_and_command_line_keys_read_the_same) {
  // INI: [sweep] seeds=3 / [sweep.acquisition] rule=[...]; CLI: flat keys.
  json ini = base_config();
  ini["sweep"] = json::parse(R"({"seeds": 3, "at-evaluations": [20, 10, 20],
                                 "target-regret": 0.05,
                                 "acquisition": {"rule": ["sync", "async-joint"]}})");
  json cli = base_config();
  cli["sweep"] = json::parse(R"({"seeds": 3, "at-evaluations": [10, 20],
                                 "target-regret": 0.05,
                                 "acquisition.rule": ["sync", "async-joint"]})");
  sweep_options a, b;
  std::vector<std::string> errors;
  BOOST_TEST_REQUIRE(parse_sweep(ini, a, errors));
  BOOST_TEST_REQUIRE(parse_sweep(cli, b, errors));
  BOOST_TEST(!ini.contains("sweep"));
  BOOST_TEST(a.seeds == 3u);
  BOOST_TEST(a.axes.size() == 1u);
  BOOST_TEST(a.axes[0].key == "acquisition.rule");
  BOOST_TEST(a.axes[0].values.size() == 2u);
  BOOST_TEST(a.at_evaluations == (std::vector<double>{10, 20}), boost::test_tools::per_element());
  BOOST_TEST(b.axes[0].key == a.axes[0].key);
  BOOST_TEST(b.at_evaluations == a.at_evaluations, boost::test_tools::per_element());
  BOOST_TEST(*a.target_regret == 0.05);
}

BOOST_AUTO_TEST_CASE(errors_name_the_sweep_key_and_the_rule) {
  json raw = base_config();
  raw["sweep"] = json::parse(R"({"seeds": 0, "colour": 3, "experiment.seed": [1, 2],
                                 "output.dir": ["a"], "acquisition.flavour": [1],
                                 "at-times": [-1]})");
  sweep_options o;
  std::vector<std::string> errors;
  BOOST_TEST(!parse_sweep(raw, o, errors));
  std::string all;
  for (auto& e : errors)
    all += e + "\n";
  for (auto want : {"sweep.seeds: must be an integer >= 1, got 0",
                    "sweep.colour: unknown key",
                    "sweep.experiment.seed: the seeds of a sweep are sweep.seeds",
                    "sweep.output.dir: output keys cannot be swept",
                    "sweep.acquisition.flavour: acquisition.flavour is not a configuration key",
                    "sweep.at-times: must be a positive number or a list of them"})
    BOOST_TEST(all.find(want) != std::string::npos, want << " in\n" << all);
}

BOOST_AUTO_TEST_CASE(the_cross_product_times_seeds_with_invalid_combinations_skipped) {
  json raw = base_config();
  raw["sweep"] = json::parse(R"({"seeds": 2, "acquisition": {"rule": ["sync", "async-joint"]},
                                 "experiment": {"batch-size": [2, 8]}})");
  sweep_options o;
  std::vector<std::string> errors;
  BOOST_TEST_REQUIRE(parse_sweep(raw, o, errors));
  auto plan = expand_sweep(raw, o);
  BOOST_TEST_REQUIRE(plan.combinations.size() == 4u);
  // The first axis (in key order: acquisition before experiment) is the slowest.
  BOOST_TEST(plan.combinations[0].label == "rule=sync, batch-size=2");
  BOOST_TEST(plan.combinations[1].label == "rule=sync, batch-size=8");
  BOOST_TEST(plan.combinations[2].label == "rule=async-joint, batch-size=2");
  // A batch larger than the workers is skipped with the validator's reason.
  for (std::size_t c : {1u, 3u})
    BOOST_TEST(plan.combinations[c].skipped.find(
                 "experiment.batch-size: must be <= experiment.num-workers (4), got 8")
                 != std::string::npos,
               plan.combinations[c].skipped);
  BOOST_TEST(plan.combinations[0].skipped.empty());
  // 2 valid combinations x 2 seeds, seeds from experiment.seed = 10.
  BOOST_TEST_REQUIRE(plan.runs.size() == 4u);
  BOOST_TEST(plan.runs[0].name == "c01-s10");
  BOOST_TEST(plan.runs[1].name == "c01-s11");
  BOOST_TEST(plan.runs[2].name == "c03-s10");
  BOOST_TEST(plan.runs[3].combination == 2u);
  const std::vector<std::string> want{"--acquisition.rule=\"async-joint\"",
                                      "--experiment.batch-size=2", "--experiment.seed=11"};
  BOOST_TEST(plan.runs[3].overrides == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zip_pairs_the_values_and_needs_equal_lengths) {
  json raw = base_config();
  raw["sweep"] = json::parse(R"({"seeds": 1, "mode": "zip",
                                 "acquisition": {"rule": ["sync", "async-joint", "random"]},
                                 "experiment": {"batch-size": [4, 2, 1]}})");
  sweep_options o;
  std::vector<std::string> errors;
  BOOST_TEST_REQUIRE(parse_sweep(raw, o, errors));
  auto plan = expand_sweep(raw, o);
  BOOST_TEST_REQUIRE(plan.combinations.size() == 3u);
  BOOST_TEST(plan.combinations[0].label == "rule=sync, batch-size=4");
  BOOST_TEST(plan.combinations[1].label == "rule=async-joint, batch-size=2");
  BOOST_TEST(plan.combinations[2].label == "rule=random, batch-size=1");
  json bad = base_config();
  bad["sweep"] = json::parse(R"({"mode": "zip", "acquisition": {"rule": ["sync", "random"]},
                                 "experiment": {"batch-size": [4, 2, 1]}})");
  BOOST_TEST(!parse_sweep(bad, o, errors));
  BOOST_TEST(errors.back().find("sweep.experiment.batch-size: sweep.mode = \"zip\" needs "
                                "lists of one length; acquisition.rule has 2 values")
               != std::string::npos,
             errors.back());
}

BOOST_AUTO_TEST_CASE(no_axes_is_one_combination_of_the_base_config) {
  json raw = base_config();
  raw["sweep"] = json::parse(R"({"seeds": 3})");
  sweep_options o;
  std::vector<std::string> errors;
  BOOST_TEST_REQUIRE(parse_sweep(raw, o, errors));
  auto plan = expand_sweep(raw, o);
  BOOST_TEST(plan.combinations.size() == 1u);
  BOOST_TEST(plan.combinations[0].label == "base");
  BOOST_TEST(plan.runs.size() == 3u);
}

BOOST_AUTO_TEST_CASE(report_numbers_are_the_quantiles_of_sweep_csv) {
  json raw = base_config();
  raw["sweep"] = json::parse(R"({"seeds": 5, "at-evaluations": [10], "at-times": [30],
                                 "target-regret": 0.01,
                                 "acquisition": {"rule": ["sync", "async-joint"]}})");
  sweep_options o;
  std::vector<std::string> errors;
  BOOST_TEST_REQUIRE(parse_sweep(raw, o, errors));
  auto plan = expand_sweep(raw, o);
  BOOST_TEST_REQUIRE(plan.runs.size() == 10u);
  // Figures as read_sweep_row would give them, varied per run.
  std::vector<std::optional<sweep_row>> figs(plan.runs.size());
  for (std::size_t i = 0; i < figs.size(); ++i) {
    sweep_row f;
    f.status = "completed";
    f.has_minimum = true;
    f.wall_time_s = 40.0 + 3.0 * double(i % 5) + double(i / 5);
    f.busy_fraction = 0.9;
    f.evaluations = 33;
    f.regret = std::pow(10.0, -1.0 - 0.37 * double(i));
    f.best_value = -1.0 + *f.regret;
    f.at_evaluations = {std::pow(10.0, -0.5 - 0.21 * double((i * 7) % 10))};
    f.at_times = {i == 3 ? std::nullopt : std::optional<double>(0.1 / double(i + 1))};
    if (i % 3 != 0)
      f.time_to_target = 10.0 + double(i);
    figs[i] = f;
  }
  const auto csv = parse_csv_rows(sweep_csv(plan, o, figs));
  const auto md = sweep_report_md(plan, o, figs, "t");
  BOOST_TEST_REQUIRE(csv.size() == 11u);
  std::map<std::string, std::size_t> col;
  for (std::size_t k = 0; k < csv[0].size(); ++k)
    col[csv[0][k]] = k;
  for (auto c : {"at_evaluations_10", "at_time_30", "time_to_target", "regret", "wall_time_s"})
    BOOST_TEST_REQUIRE(col.count(c), c);
  for (const std::string combo : {"rule=sync", "rule=async-joint"}) {
    std::map<std::string, std::vector<double>> v;
    for (std::size_t r = 1; r < csv.size(); ++r) {
      if (csv[r][col["combination"]] != combo)
        continue;
      for (auto c : {"at_evaluations_10", "at_time_30", "time_to_target", "regret",
                     "wall_time_s"}) {
        const auto& cell = csv[r][col[c]];
        if (!cell.empty())
          v[c].push_back(cell == "inf" ? std::numeric_limits<double>::infinity()
                                       : std::stod(cell));
      }
    }
    BOOST_TEST(v["at_time_30"].size() == (combo == "rule=sync" ? 4u : 5u));
    std::string row = "| " + combo + " | 5 |";
    for (auto c : {"at_evaluations_10", "at_time_30", "time_to_target"}) {
      auto& x = v[c];
      auto show = [](double q) {
        return std::isinf(q) ? std::string("inf") : g4(q);
      };
      row += " " + show(q7(x, 0.5)) + " [" + show(q7(x, 0.25)) + ", " + show(q7(x, 0.75))
             + "] |";
      if (std::string(c) == "time_to_target") {
        std::size_t reached = 0;
        for (double t : x)
          reached += std::isinf(t) ? 0 : 1;
        row += " " + std::to_string(reached) + "/5 |";
      }
    }
    auto& fin = v["regret"];
    row += " " + g4(q7(fin, 0.5)) + " [" + g4(q7(fin, 0.25)) + ", " + g4(q7(fin, 0.75)) + "] |";
    auto& wall = v["wall_time_s"];
    row += " " + g4(q7(wall, 0.5)) + " [" + g4(q7(wall, 0.25)) + ", " + g4(q7(wall, 0.75))
           + "] |";
    BOOST_TEST(md.find(row) != std::string::npos, row << "\nnot in\n" << md);
  }
}

BOOST_AUTO_TEST_SUITE_END()
