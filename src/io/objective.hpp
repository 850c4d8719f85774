// SPDX-License-Identifier: Apache-2.0
// The one description of an experiment's objective: what the pool sends to
// remote workers, what local evaluators are built from, and what the
// collector reports against (the known minimum, the 2-D contour).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/objectives.hpp"

namespace asyncbo::io {

/// How to build the objective where an evaluator lives: a built-in by name
/// with its delay model, or an external command ("command"). Custom C++
/// callables (library use) have a name of their own and no command.
struct objective_spec {
  std::string name = "scaled-branin";  ///< built-in name, "command" or custom
  std::vector<std::string> names;      ///< dimension names, in point order
  /// Per dimension, the choices of a categorical parameter (empty: numeric).
  std::vector<std::vector<std::string>> choices;
  delay_model delay;                   ///< simulated delays (built-ins)
  std::vector<std::string> command;    ///< argv of an external program
  bool json_stdin = false;             ///< objective.input = "json"
  /// objective.mode = "persistent": one long-lived program per evaluator,
  /// one JSON request and reply per line (io/persistent.hpp).
  bool persistent = false;
  double timeout = 0.0;                ///< seconds per evaluation; 0 = none
  std::string workdir;                 ///< per-evaluation directory root
  std::uint64_t log_limit = std::uint64_t{1} << 20; ///< bytes per log file; 0 = none
  std::optional<double> minimum;       ///< known global minimum (regret)
  /// Benchmark variants of built-ins: noise and random failures.
  objective_noise noise;

  /// The built-in test function, or nullptr.
  const test_function* builtin() const { return find_test_function(name); }
  /// True for external programs: their evaluators block a thread each.
  bool is_command() const { return name == "command"; }
};

} // namespace asyncbo::io
