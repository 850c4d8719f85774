// SPDX-License-Identifier: Apache-2.0
// The command protocol of external-program objectives: how a point becomes
// an argument vector and an environment, and how the program's output
// becomes a value. The processes themselves are supervised by io/process.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/attempt.hpp"
#include "io/objective.hpp"

namespace asyncbo::io {

/// What happened.
struct command_outcome {
  attempt_status status = attempt_status::ok;
  std::string reason;
  double value = 0.0;
  double seconds = 0.0;       ///< wall time of the process
};

/// Substitutes "{name}" in every argument by that parameter's value, written
/// so that it reads back exactly ("{{" and "}}" are literal braces). Throws
/// std::invalid_argument for an unknown {name} or an unmatched brace, naming
/// the argument.
/// A categorical parameter is replaced by its choice.
std::vector<std::string> expand_argv(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& names,
                                     const std::vector<double>& x,
                                     const std::vector<std::vector<std::string>>& choices = {});

/// The point as a JSON object {"name": value, ...} (one line); categorical
/// parameters as their choice (a string).
std::string point_json(const std::vector<std::string>& names, const std::vector<double>& x,
                       const std::vector<std::vector<std::string>>& choices = {});

/// Parses the program's stdout: the last non-empty line must be a number or a
/// JSON object with a numeric "value". Fills status/reason/value.
void parse_output(const std::string& stdout_text, command_outcome& out);

/// Runs one evaluation of spec.command and blocks the calling thread until it
/// ends (call it from a detached actor). The program gets ASYNCBO_ID,
/// ASYNCBO_ATTEMPT, ASYNCBO_WORKER and ASYNCBO_PARAMS (the point as JSON) in
/// its environment, and with spec.json_stdin the point on stdin. Its output
/// is kept in `log_dir`/<id>-<attempt>.out and .err ("" = not kept); with
/// spec.workdir it runs in <workdir>/<id>-<attempt>/.
command_outcome run_command(const objective_spec& spec, const std::string& log_dir,
                            const std::vector<double>& x, std::uint64_t id,
                            std::uint32_t attempt, const std::string& worker);

} // namespace asyncbo::io
