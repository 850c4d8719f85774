// SPDX-License-Identifier: Apache-2.0
// The plan of a sweep: the [sweep] section, its cross (or zip) product with
// the seeds, and sweep.json, the plan a sweep folder keeps. Plain functions,
// tested without processes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace asyncbo::app {

/// One swept key ("section.key") and its values.
struct sweep_axis {
  std::string key;
  std::vector<nlohmann::json> values;
};

/// The [sweep] section. In an INI file, swept keys sit in sub-sections
/// ([sweep.acquisition] rule=["sync", "async-joint"]); on the command line
/// they are --sweep.acquisition.rule=["sync","async-joint"].
struct sweep_options {
  std::vector<sweep_axis> axes;
  std::uint64_t seeds = 5;              ///< sweep.seeds: runs per combination
  std::int64_t jobs = 0;                ///< sweep.jobs: runs at once (0 = cores)
  std::vector<double> at_evaluations;   ///< sweep.at-evaluations (ok evaluations)
  std::vector<double> at_times;         ///< sweep.at-times (s, as the run's clock)
  std::optional<double> target_regret;  ///< sweep.target-regret
  /// sweep.mode: "cross" (every combination) or "zip" (the i-th values of
  /// every axis together: policies that differ in several keys at once).
  bool zip = false;
};

/// Takes the sweep part out of `raw` (the parsed INI plus overrides) into
/// `out`. False with messages naming sweep.KEY and the rule.
bool parse_sweep(nlohmann::json& raw, sweep_options& out, std::vector<std::string>& errors);

/// A combination of swept values; `skipped` says why it does not run
/// (its settings do not validate), empty if it does.
struct sweep_combination {
  std::string label;                                     ///< "rule=sync, batch-size=2"
  std::vector<std::pair<std::string, nlohmann::json>> values;
  std::string skipped;
};

struct sweep_run {
  std::string name;            ///< folder under DIR/runs, e.g. "c01-s3"
  std::size_t combination = 0;
  std::uint64_t seed = 0;
  /// --section.key=value overrides of this run (combination and seed).
  std::vector<std::string> overrides;
};

struct sweep_plan {
  std::vector<sweep_combination> combinations;
  std::vector<sweep_run> runs;   ///< combination-major, seeds inner
};

/// The cross product of the axes (first axis slowest; with zip, the i-th
/// values of all axes together), each with seeds
/// experiment.seed, +1, ... Every combination is validated with the whole
/// configuration; an invalid one is listed with the reason and gets no runs.
sweep_plan expand_sweep(const nlohmann::json& raw, const sweep_options& o);

/// sweep.json: the plan with the options it was made with.
nlohmann::json plan_json(const sweep_plan& plan, const sweep_options& o, const std::string& title,
                         const std::string& config);
/// The inverse of plan_json. Throws nlohmann::json::exception on a bad file.
void plan_from_json(const nlohmann::json& j, sweep_plan& plan, sweep_options& o,
                    std::string& title);

/// A swept value as it reads in a label and a csv cell: strings unquoted.
std::string show_value(const nlohmann::json& v);

} // namespace asyncbo::app
