// SPDX-License-Identifier: Apache-2.0
// Runs an external program as an objective: no shell, its own process group,
// a timeout that kills the whole group, and a strict output protocol.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace asyncbo::io {

/// How to run the program.
struct command_spec {
  /// argv; "{name}" in any argument is replaced by that parameter's value,
  /// written so that it reads back exactly ("{{" and "}}" are literal braces).
  std::vector<std::string> argv;
  std::vector<std::string> names;  ///< parameter names, in point order
  bool json_stdin = false;         ///< also write {"name": value, ...} to stdin
  double timeout = 0.0;            ///< seconds; 0 = none
  /// Root of per-evaluation working directories (<root>/<id>-<attempt>);
  /// "" = run in the current directory.
  std::string workdir;
  /// Where stdout/stderr of each evaluation are kept (<dir>/<id>-<attempt>.out
  /// and .err); "" = not kept.
  std::string log_dir;
};

/// What happened.
struct command_outcome {
  std::string status = "ok";  ///< ok | error | timeout | bad_output | not_finite |
                              ///< cancelled
  std::string reason;
  double value = 0.0;
  double seconds = 0.0;       ///< wall time of the process
};

/// Substitutes the placeholders. Throws std::invalid_argument for an unknown
/// {name} or an unmatched brace, naming the argument.
std::vector<std::string> expand_argv(const command_spec& spec,
                                     const std::vector<double>& x);

/// Parses the program's stdout: the last non-empty line must be a number or a
/// JSON object with a numeric "value". Fills status/reason/value.
void parse_output(const std::string& stdout_text, command_outcome& out);

/// Runs one evaluation and blocks the calling thread until it ends (call it
/// from a detached actor). The program gets ASYNCBO_ID, ASYNCBO_ATTEMPT,
/// ASYNCBO_WORKER and ASYNCBO_PARAMS (the point as JSON) in its environment.
/// On timeout the process group gets SIGTERM, then SIGKILL 0.5 s later; every
/// process of the group is reaped before returning.
command_outcome run_command(const command_spec& spec, const std::vector<double>& x,
                            std::uint64_t id, std::uint32_t attempt,
                            const std::string& worker);

/// Asks every running and future run_command to stop: their process groups
/// are killed within 50 ms and the outcome is "cancelled". For SIGINT/SIGTERM.
void cancel_commands();
bool commands_cancelled();

/// Prepares the process for running objectives: makes it a child subreaper
/// (Linux), so that processes an objective leaves behind are re-parented to us
/// and reaped, never zombies; ignores SIGPIPE.
void prepare_process();

} // namespace asyncbo::io
