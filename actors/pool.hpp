// SPDX-License-Identifier: Apache-2.0
// The pool actor: evaluators, the proposal queue, the budget and the
// batching rule.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/actors.hpp"

namespace asyncbo::actors {

struct pool_config {
  std::size_t batch_size = 1;
  std::uint64_t budget = 0;        ///< points to ask after the initial design
  std::uint64_t initial = 0;       ///< initial points still to generate
  std::uint32_t max_retries = 0;   ///< re-dispatches of a failed point
  /// Stop when more than this fraction of all points (initial + budget)
  /// have failed for good.
  double max_failure_fraction = 1.0;
  std::size_t dim = 0;             ///< coordinates of every result
  std::string secret;              ///< remote registrations must match
  objective_spec spec;             ///< sent to remote workers
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  /// Resume: points in flight when the previous run died, dispatched first
  /// (initial ones count towards the initial design).
  std::vector<proposal_msg> requeue;
  std::uint64_t requested_before = 0;  ///< budget already asked before resume
  /// Points of the whole run for the failure fraction (initial + budget);
  /// 0 = initial + budget of this config.
  std::uint64_t total_points = 0;
  std::uint64_t failed_before = 0;     ///< points that failed before resume
};

struct pool_state {
  static inline const char* name = "asyncbo.pool";

  struct slot {
    evaluator_actor handle;
    std::string name;
    std::string node;
    std::optional<proposal_msg> job;
    double dispatched_s = 0.0;
  };

  pool_config cfg;
  optimizer_actor optimizer;
  collector_actor collector;
  std::map<caf::actor_addr, slot> evaluators;
  /// Controllers of registered remote nodes, by node.
  std::map<caf::node_id, std::pair<worker_actor, std::string>> workers;
  /// Ask trigger time (s since start) and ask time (ms) per (id, attempt),
  /// for the transport latency of evaluators on this host.
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::pair<double, double>> trigger_of;
  std::vector<double> transport_ms;
  std::uint64_t nodes_joined = 0;
  bool started = false;
  std::deque<caf::actor_addr> idle;
  std::deque<proposal_msg> queue;
  std::uint64_t to_request = 0;
  std::uint64_t initial_outstanding = 0;
  bool main_started = false;
  bool ask_outstanding = false;
  bool fresh_capacity = false;
  bool done = false;
  double main_start_s = 0.0;
  double free_since_s = 0.0;       ///< when idle capacity last grew
  std::uint64_t failed_points = 0;
  std::uint64_t finished_points = 0;
  std::uint64_t evaluator_seq = 0;
  // statistics
  std::vector<double> ask_ms, dispatch_ms;
  double last_ask_ms = 0.0;
  double last_dispatch_s = 0.0;
  double capacity_s = 0.0, capacity_steady_s = 0.0, capacity_t = 0.0;
  std::uint64_t requeued = 0, retried = 0, rejected = 0;

  double now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - cfg.t0).count();
  }
  /// A steady-clock reading (ns since its epoch) as seconds since the start.
  double since_start(std::int64_t steady_ns) const {
    return std::chrono::duration<double>(std::chrono::nanoseconds(steady_ns)
                                         - cfg.t0.time_since_epoch())
      .count();
  }
  pool_snapshot snapshot() const;
};

/// Prints and records a note (registrations, rejections, lost nodes).
void note(pool_actor::stateful_pointer<pool_state> self, const std::string& text);

/// Dispatches proposals to idle evaluators; asks for new points when at
/// least batch-size evaluators are free (all of them at once if more came
/// free meanwhile), when capacity joins, or when the rest of the budget is
/// smaller; re-dispatches points of lost evaluators; ends the run when the
/// budget is spent and nothing is in flight.
pool_actor::behavior_type pool(pool_actor::stateful_pointer<pool_state> self,
                               pool_config cfg, optimizer_actor optimizer,
                               collector_actor collector);

} // namespace asyncbo::actors
