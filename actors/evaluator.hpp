// SPDX-License-Identifier: Apache-2.0
// Evaluators: built-in test functions and C++ callables in process, external
// programs through io::run_command; simulated delays as CAF delayed messages.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "core/objectives.hpp"
#include "io/command.hpp"

namespace asyncbo::actors {

/// A black-box function of space coordinates. It reports failure by
/// throwing; a non-finite value is a failure too.
using point_function = std::function<double(const std::vector<double>&)>;

/// Evaluates one proposal synchronously and returns its result with the
/// status set (ok, not_finite, exception, error, timeout, bad_output).
using evaluation_fn = std::function<result_msg(const proposal_msg&)>;

/// The function of a built-in test function (throws on a wrong dimension).
point_function builtin_function(const test_function& f);

/// Runs fn on one proposal and fills the status of the result. Exposed for
/// tests.
result_msg evaluate_point(const point_function& fn, const proposal_msg& p,
                          const std::string& worker);

/// An in-process evaluation of fn.
evaluation_fn point_evaluation(point_function fn, std::string worker);

/// An external program per evaluation (io::run_command).
evaluation_fn command_evaluation(io::command_spec spec, std::string worker);

/// The command description of an objective_spec; `log_dir` keeps the
/// programs' output ("" = discard).
io::command_spec command_from_spec(const objective_spec& spec, const std::string& log_dir);

/// Builds the evaluation an objective description asks for: a built-in by
/// name, or "command". Throws std::invalid_argument for unknown built-ins.
evaluation_fn evaluation_from_spec(const objective_spec& spec, const std::string& worker,
                                   const std::string& log_dir);

/// True if evaluations of this objective block (run them on detached
/// evaluators): external programs.
bool blocking_objective(const objective_spec& spec);

/// The delay model of an objective description.
delay_model delay_from_spec(const objective_spec& spec);

struct evaluator_state {
  static inline const char* name = "asyncbo.evaluator";
  std::string worker;
  evaluation_fn run;
  delay_model delay;
  struct pending {
    caf::typed_response_promise<result_msg> promise;
    result_msg result;
    std::chrono::steady_clock::time_point t0;
  };
  std::uint64_t next_token = 0;
  std::map<std::uint64_t, pending> waiting;
};

/// Evaluates each proposal with `run`, then answers after the simulated delay
/// (none for the initial design). Spawn it detached when `run` blocks, so that
/// it blocks its own thread, not the scheduler.
evaluator_actor::behavior_type
evaluator(evaluator_actor::stateful_pointer<evaluator_state> self, std::string worker,
          evaluation_fn run, delay_model delay);

} // namespace asyncbo::actors
