// SPDX-License-Identifier: Apache-2.0
// Config-file tuned experiments: `asyncbo sweep CONFIG` runs the cross
// product of a [sweep] section x seeds, each as its own `asyncbo run`
// process (app/process_runner.hpp), writes sweep.csv, report.md and
// report.svg; `asyncbo report DIR` rebuilds the report. The plan
// (app/sweep_plan.hpp) and the report (app/sweep_report.hpp) are plain
// functions, tested without processes; run_sweep() is the only part that
// spawns anything.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/sweep_plan.hpp"
#include "app/sweep_report.hpp"

namespace asyncbo::app {

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
