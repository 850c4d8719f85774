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
#include "io/objective.hpp"

namespace asyncbo::actors {

/// A black-box function of space coordinates. It reports failure by
/// throwing; a non-finite value is a failure too.
using point_function = std::function<double(const std::vector<double>&)>;

/// Evaluates one job synchronously and returns its result with the status
/// set.
using evaluation_fn = std::function<result_msg(const job&)>;

/// The function of a built-in test function (throws on a wrong dimension).
point_function builtin_function(const test_function& f);

/// Runs fn on one job and fills the status of the result (ok, not_finite,
/// exception).
result_msg evaluate_point(const point_function& fn, const job& j, const std::string& worker);

/// An in-process evaluation of fn.
evaluation_fn point_evaluation(point_function fn, std::string worker);

/// Builds the evaluation an objective description asks for: a built-in by
/// name, or an external program (its output kept in `log_dir`, "" =
/// discarded). Throws std::invalid_argument for unknown objectives.
evaluation_fn evaluation_from_spec(const io::objective_spec& spec, const std::string& worker,
                                   const std::string& log_dir);

struct evaluator_state {
  static inline const char* name = "asyncbo.evaluator";
  std::string worker;
  evaluation_fn run;
  delay_model delay;
  bool virtual_time = false;
  struct pending {
    caf::typed_response_promise<result_msg> promise;
    result_msg result;
    std::chrono::steady_clock::time_point t0;
  };
  std::uint64_t next_token = 0;
  std::map<std::uint64_t, pending> waiting;
};

/// Evaluates each job with `run`, then answers after the simulated delay
/// (none for the initial design). With `virtual_time` (delay.clock =
/// "virtual") it answers at once and reports the delay as the evaluation's
/// duration: the pool's virtual clock releases the result when simulated
/// time reaches its end. Spawn it detached when `run` blocks, so that it
/// blocks its own thread, not the scheduler.
evaluator_actor::behavior_type
evaluator(evaluator_actor::stateful_pointer<evaluator_state> self, std::string worker,
          evaluation_fn run, delay_model delay, bool virtual_time);

} // namespace asyncbo::actors
