// SPDX-License-Identifier: Apache-2.0
// The pool actor: evaluator handles, monitors, admission of remote nodes and
// messaging around the dispatch policy (core/dispatch), which decides what
// runs where and when to ask.
#pragma once

#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "core/dispatch.hpp"
#include "core/virtual_clock.hpp"
#include "io/live.hpp"

namespace asyncbo::actors {

struct pool_config {
  dispatch_options dispatch;
  /// Resume: points in flight when the previous run died, dispatched first.
  std::vector<job> requeue;
  std::string secret;              ///< remote registrations must match
  io::objective_spec spec;         ///< sent to remote workers
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  /// The dashboard's view (null: none): the pool publishes its evaluators,
  /// queue and latencies after every event.
  std::shared_ptr<io::live_view> live;
  /// delay.clock = "virtual": evaluators answer at once with their simulated
  /// duration and results are released in simulated-time order.
  bool virtual_clock = false;
  /// Virtual clock: simulated seconds per ask; < 0 = the measured ask time.
  double ask_cost = -1.0;
  /// Virtual clock: simulated time at the start (a resumed run continues).
  double virtual_start = 0.0;
  /// Draws fallback points (dispatch.fallback); without one there are none.
  /// Virtual clock: a fallback costs its measured time, or none when
  /// ask_cost is set (then a run is reproducible).
  sampler_actor sampler;
  /// Set when the run ends, so that an ask nobody waits for stops early
  /// (engine::set_cancel); may be null.
  std::shared_ptr<std::atomic<bool>> cancel;
};

struct pool_state {
  static inline const char* name = "asyncbo.pool";

  struct member {
    evaluator_actor handle;
    std::string name;
    std::string node;
  };

  pool_config cfg;
  std::optional<dispatcher> disp;
  optimizer_actor optimizer;
  collector_actor collector;
  std::map<slot_id, member> members;
  std::map<caf::actor_addr, slot_id> slot_of;
  /// Controllers of registered remote nodes, by node.
  std::map<caf::node_id, std::pair<worker_actor, std::string>> workers;
  /// Ask trigger time (s since start) and ask time (ms) per (id, attempt),
  /// for the transport latency of evaluators on this host.
  std::map<std::pair<std::uint64_t, std::uint32_t>, std::pair<double, double>> trigger_of;
  std::vector<double> transport_ms;
  std::vector<double> ask_ms;
  double last_ask_ms = 0.0;
  /// Why the run ended early though it completed (the search space ran
  /// out of points), for the summary.
  std::string end_message;
  double recommended_mean = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t nodes_joined = 0;
  std::uint64_t rejected = 0;      ///< refused registrations and joins
  std::uint64_t evaluator_seq = 0;
  bool started = false;
  /// The virtual clock (delay.clock = "virtual"), the results and answers it
  /// holds until simulated time reaches them, and the ticket of each busy slot.
  std::optional<asyncbo::virtual_clock> sim;
  std::map<asyncbo::virtual_clock::ticket, std::function<void()>> held;
  std::map<slot_id, asyncbo::virtual_clock::ticket> slot_ticket;
  std::uint64_t asks_started = 0;
  /// The snapshot of the last answered ask, and its batch: what fallbacks
  /// draw from.
  std::shared_ptr<const fallback_source> source;
  std::uint64_t last_batch = 0;
  /// Final ok results in the order told: a fallback request brings the
  /// sampler those it lacks (core/fallback).
  fallback_feed feed;
  std::vector<double> fallback_ms;
  std::chrono::steady_clock::time_point last_live{};  ///< last dashboard publication
  bool live_scheduled = false;                        ///< a publish_atom is on its way

  double now() const {
    if (sim)
      return sim->now();
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

/// Runs the dispatch policy over local and remote evaluators: sends the
/// dispatcher's assignments, makes its asks (through the collector, so that
/// tells come first), turns results into records, re-dispatches the points
/// of lost evaluators, and ends the run when the dispatcher is done.
pool_actor::behavior_type pool(pool_actor::stateful_pointer<pool_state> self,
                               pool_config cfg, optimizer_actor optimizer,
                               collector_actor collector);

} // namespace asyncbo::actors
