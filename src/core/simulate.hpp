// SPDX-License-Identifier: Apache-2.0
// A virtual-clock run of the dispatch policy (core/dispatch) for benchmarks
// and for reproducing numerical behaviour without actors.
#pragma once

#include <functional>
#include <vector>

#include "core/engine.hpp"
#include "core/objectives.hpp"

namespace asyncbo {

/// The policy of the actor runtime on a virtual clock: evaluations take
/// delay.seconds(unit x) of simulated time (none for the initial design),
/// the optimizer takes none.
struct simulation_options {
  std::size_t workers = 4;
  std::size_t batch_size = 2;
  std::size_t initial = 3;
  std::size_t budget = 30;   ///< evaluations after the initial design
};

/// One finished evaluation in simulated order.
struct simulated_eval {
  point_id id;
  vec x;
  double y;                  ///< NaN: the evaluation failed
  double start, end;         ///< simulated seconds
  bool initial;
  bool ok() const { return y == y; }
};

/// The objective of a simulation: called with the point, its id and attempt
/// (for reproducible noise); a non-finite value is a failure of the point.
using simulated_objective = std::function<double(const vec& x, point_id id)>;

/// Drives a dispatcher with `opts.workers` evaluators: every assignment
/// finishes after its delay, completions are processed in time order (ties
/// by id), each result is told to the engine as it arrives (a failure with
/// engine::tell_failure), and every ask
/// the dispatcher makes is answered at once with split_ask's engine asks.
/// Returns the evaluations in completion order. Deterministic.
std::vector<simulated_eval> simulate(engine& e, const simulated_objective& f,
                                     const delay_model& delay,
                                     const simulation_options& opts);

} // namespace asyncbo
