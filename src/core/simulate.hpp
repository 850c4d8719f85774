// SPDX-License-Identifier: Apache-2.0
// A virtual-clock simulation of the asynchronous k-of-n dispatch policy, for
// benchmarks and for reproducing numerical behaviour without actors.
#pragma once

#include <functional>
#include <vector>

#include "core/engine.hpp"
#include "core/objectives.hpp"

namespace asyncbo {

/// The dispatch policy of the actor runtime on a virtual clock: evaluations
/// take delay.seconds(x) of simulated time, the optimizer takes none.
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
  double y;
  double start, end;         ///< simulated seconds
  bool initial;
};

/// Runs the policy: the initial design is evaluated at t = 0 and told; then
/// every worker gets a point; whenever at least min(batch, remaining budget)
/// workers are free, every result so far is told and as many points as free
/// workers are asked (in chunks of batch_size). Returns the evaluations in
/// completion order. Deterministic.
std::vector<simulated_eval> simulate(engine& e, const std::function<double(const vec&)>& f,
                                     const delay_model& delay,
                                     const simulation_options& opts);

} // namespace asyncbo
