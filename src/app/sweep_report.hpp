// SPDX-License-Identifier: Apache-2.0
// What a sweep reports: one row per run, read from the run's folder with
// the figures of io/run_figures.hpp (so a sweep and the summaries of its
// runs agree), and sweep.csv, report.md and report.svg.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/sweep_plan.hpp"

namespace asyncbo::app {

/// What one finished run shows, read from its folder: summary.json's figures
/// and the best-so-far curve of its records (io::best_so_far).
struct sweep_row {
  std::string status;                     ///< summary.json's, or "missing"
  double wall_time_s = 0.0;
  double busy_fraction = 0.0;
  double median_ask_ms = 0.0;
  std::size_t evaluations = 0;            ///< points finished, initial design included
  std::optional<double> best_value;       ///< best observed value
  std::optional<double> regret;           ///< summary.json's: the recommendation's true regret
  std::optional<double> best_regret;      ///< summary.json's: the best observation's true regret
  /// The curve's value (best_regret, or best_value without a minimum) after
  /// that many points and at that time.
  std::vector<std::optional<double>> at_evaluations;
  std::vector<std::optional<double>> at_times;
  std::optional<double> time_to_target;   ///< first end time with best_regret <= target
  /// The curve: (points finished or end time, best_regret or best_value).
  std::vector<std::pair<double, double>> by_count, by_time;
  bool has_minimum = false;
};

/// Reads DIR's summary.json and events.jsonl. Throws std::runtime_error
/// naming the file if either cannot be read.
sweep_row read_sweep_row(const std::string& run_dir, const sweep_options& o);

/// The rows of the plan's runs that have finished (summary.json exists);
/// unreadable ones are reported through `log` and left empty.
std::vector<std::optional<sweep_row>> read_sweep_rows(const std::string& dir,
                                                      const sweep_plan& plan,
                                                      const sweep_options& o,
                                                      const std::function<void(const std::string&)>& log);
/// The row of run `r` alone (nullopt until it has finished).
std::optional<sweep_row> read_finished_row(const std::string& dir, const sweep_run& r,
                                           const sweep_options& o,
                                           const std::function<void(const std::string&)>& log);

/// sweep.csv: one row per run (settings and figures), in plan order.
std::string sweep_csv(const sweep_plan& plan, const sweep_options& o,
                      const std::vector<std::optional<sweep_row>>& rows);

/// report.md and report.svg from the plan and the runs' rows.
std::string sweep_report_md(const sweep_plan& plan, const sweep_options& o,
                            const std::vector<std::optional<sweep_row>>& rows,
                            const std::string& title);
std::string sweep_report_svg(const sweep_plan& plan,
                             const std::vector<std::optional<sweep_row>>& rows,
                             const std::string& title);

/// Writes sweep.csv, and with `report` also report.md and report.svg, into
/// DIR atomically. Throws std::runtime_error naming the file.
void write_sweep_outputs(const std::string& dir, const sweep_plan& plan, const sweep_options& o,
                         const std::vector<std::optional<sweep_row>>& rows,
                         const std::string& title, bool report);

} // namespace asyncbo::app
