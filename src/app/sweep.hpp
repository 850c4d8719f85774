// SPDX-License-Identifier: Apache-2.0
// Config-file tuned experiments: `asyncbo sweep CONFIG` runs the cross
// product of a [sweep] section x seeds, each as its own `asyncbo run`
// process, writes sweep.csv, report.md and report.svg; `asyncbo report DIR`
// rebuilds the report. The plan and the figures are plain functions, tested
// without processes; run_sweep() is the only part that spawns anything.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
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

/// What one finished run shows, read from its folder.
struct run_figures {
  std::string status;                     ///< summary.json's, or "missing"
  double wall_time_s = 0.0;
  double busy_fraction = 0.0;
  double median_ask_ms = 0.0;
  std::size_t evaluations = 0;            ///< ok evaluations
  std::optional<double> best_value;
  std::optional<double> regret;           ///< final best-observed regret
  std::vector<std::optional<double>> at_evaluations;  ///< regret (or best) there
  std::vector<std::optional<double>> at_times;
  std::optional<double> time_to_target;   ///< first end time with regret <= target
  /// The best-so-far curve: (ok evaluation count or end time, regret/best).
  std::vector<std::pair<double, double>> by_count, by_time;
  bool has_minimum = false;
};

/// Reads DIR's summary.json and events.jsonl. Throws std::runtime_error
/// naming the file if either cannot be read.
run_figures read_run_figures(const std::string& run_dir, const sweep_options& o);

/// The p-quantile (0..1) of `v`, linear between order statistics (the
/// "type 7" definition of R and numpy). NaN if empty.
double quantile(std::vector<double> v, double p);

/// sweep.csv: one row per run (settings and figures), in plan order.
std::string sweep_csv(const sweep_plan& plan, const sweep_options& o,
                      const std::vector<std::optional<run_figures>>& figures);

/// report.md and report.svg from the plan and the runs' figures.
std::string sweep_report_md(const sweep_plan& plan, const sweep_options& o,
                            const std::vector<std::optional<run_figures>>& figures,
                            const std::string& title);
std::string sweep_report_svg(const sweep_plan& plan,
                             const std::vector<std::optional<run_figures>>& figures,
                             const std::string& title);

/// What `asyncbo sweep` needs beyond the plan.
struct sweep_request {
  std::string binary;           ///< the asyncbo executable to run
  std::string config;           ///< CONFIG
  std::vector<std::string> overrides;  ///< the user's --section.key=value (not sweep.*)
  std::string dir;              ///< output.dir of the sweep
  std::string title;
  std::function<void(const std::string&)> log;
  bool tty = false;             ///< progress with \r on a terminal
};

/// Runs what is not finished yet (a run is finished once its summary.json
/// exists; one with a log and no summary is resumed), `jobs` at a time,
/// rewriting sweep.csv after each, then writes the report. Returns the exit
/// code: 0 all ran, 1 some run failed, 130 interrupted (resumable).
int run_sweep(const sweep_request& req, const sweep_plan& plan, const sweep_options& o);

/// Rebuilds report.md and report.svg in DIR from sweep.json (the plan the
/// sweep wrote) and the run folders. Returns an exit code.
int rebuild_report(const std::string& dir, const std::function<void(const std::string&)>& log);

} // namespace asyncbo::app
