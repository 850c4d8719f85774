// SPDX-License-Identifier: Apache-2.0
// Evaluators for in-process objectives (built-in test functions and C++
// callables), with simulated delays as CAF delayed messages.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "core/objectives.hpp"

namespace asyncbo::actors {

/// A black-box function of space coordinates. It reports failure by
/// throwing; a non-finite value is a failure too.
using point_function = std::function<double(const std::vector<double>&)>;

/// The function of a built-in test function (throws on a wrong dimension).
point_function builtin_function(const test_function& f);

/// Builds an evaluator's function from an objective description; throws
/// std::invalid_argument for unknown built-ins. (Commands are handled by the
/// process evaluator, not here.)
point_function function_from_spec(const objective_spec& spec);

/// The delay model of an objective description.
delay_model delay_from_spec(const objective_spec& spec);

struct evaluator_state {
  static inline const char* name = "asyncbo.evaluator";
  std::string worker;
  point_function fn;
  delay_model delay;
  struct pending {
    caf::typed_response_promise<result_msg> promise;
    result_msg result;
    std::chrono::steady_clock::time_point t0;
  };
  std::uint64_t next_token = 0;
  std::map<std::uint64_t, pending> waiting;
};

/// Evaluates fn at each proposal, then answers after the simulated delay
/// (none for the initial design). Spawn it detached when fn is expensive, so
/// that it blocks its own thread, not the scheduler.
evaluator_actor::behavior_type
evaluator(evaluator_actor::stateful_pointer<evaluator_state> self, std::string worker,
          point_function fn, delay_model delay);

/// Runs fn on one proposal and fills the status of the result (ok,
/// not_finite, exception). Exposed for tests.
result_msg evaluate_point(const point_function& fn, const proposal_msg& p,
                          const std::string& worker);

} // namespace asyncbo::actors
