// SPDX-License-Identifier: Apache-2.0
// The process-per-run runner shared by `asyncbo sweep` and asyncbo-bench's
// product runs: tasks 0..n-1, each one child process, at most `jobs` at a
// time. One home for the three things that are easy to get wrong:
//
// * SIGINT/SIGTERM (with `watch_signals`): no task starts after the signal
//   and every running child gets SIGTERM. The flag is read and written under
//   the same mutex as the table of running children, so a child is either
//   never started or is in the table when the kill loop runs.
// * An exception from a hook: every running child gets SIGTERM (SIGKILL
//   after `grace_s`) and is reaped before the exception leaves run().
// * Every child is waited for: no zombies, no orphans holding run locks.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace asyncbo::app {

/// Starts `argv` with stdout and stderr appended to `log` and stdin from
/// /dev/null, the signal mask and SIGINT/SIGTERM/SIGPIPE dispositions reset.
/// Returns the pid, or -1 with the reason in `why`.
pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log, std::string& why);

/// The exit code of a wait status: the code, or 128 + the signal.
int exit_code_of(int wait_status);

struct process_runner_hooks {
  /// Starts task i: returns its pid, or -1 with the reason in `why` (the
  /// task then counts as finished with `failed_to_start`).
  std::function<pid_t(std::size_t i, std::string& why)> start;
  /// Task i ended with `code` (exit_code_of), or could not start
  /// (failed_to_start, `why` says why). Called on the runner's thread.
  std::function<void(std::size_t i, int code, const std::string& why)> finished;
};

/// The code passed to `finished` for a task that could not start.
inline constexpr int failed_to_start = -1;

struct process_runner_options {
  std::size_t jobs = 1;          ///< children at once (>= 1)
  bool watch_signals = false;    ///< SIGINT/SIGTERM stop the run (app/signals.hpp)
  double grace_s = 10.0;         ///< SIGTERM -> SIGKILL on an exception
};

/// Runs `tasks` in order. Returns true if every task ran, false if a signal
/// stopped it (tasks not started are left for a later call). Rethrows an
/// exception of a hook once every child is gone.
bool run_processes(std::size_t tasks, const process_runner_hooks& hooks,
                   const process_runner_options& opts);

} // namespace asyncbo::app
