// SPDX-License-Identifier: Apache-2.0
// Every typed actor interface of the runtime, and the registration of all
// message types with CAF (the same names on every node).
//
// One evaluation's trip:
//   optimizer --proposal_batch--> pool --evaluate(job)--> evaluator
//   evaluator --result_msg--> pool --evaluation_record--> collector (logged)
//   collector --tell--> optimizer;  pool --ask--> collector --delegate--> optimizer
// The pool's asks go through the collector so that the optimizer always sees
// the tells of every result before the ask they triggered.
#pragma once

#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace asyncbo::actors {

/// Evaluates one job at a time.
using evaluator_actor = caf::typed_actor<
  /// Evaluate a job; the response arrives when the evaluation (and its
  /// simulated delay, if any) is over. Failures are results with a status,
  /// never errors.
  caf::replies_to<evaluate_atom, job>::with<result_msg>,
  /// Internal: the simulated delay of evaluation `token` is over.
  caf::reacts_to<tick_atom, std::uint64_t>>;

/// Owns the ask/tell engine; runs detached so that fitting and acquisition
/// optimisation never block the scheduler threads.
using optimizer_actor = caf::typed_actor<
  /// The initial design of n points.
  caf::replies_to<initial_atom, std::uint32_t>::with<proposal_batch>,
  /// k new points, asked as split_ask(k, batch-size) engine asks (each
  /// conditioned on the pending set, which includes earlier ones).
  caf::replies_to<ask_atom, std::uint32_t>::with<proposal_batch>,
  /// A point's final outcome: ok results are told, point failures become
  /// failure data, lost or cancelled attempts are forgotten.
  caf::reacts_to<tell_atom, io::evaluation_record>,
  /// A fallback point was dispatched: it joins the pending set under its id
  /// (engine::restore_pending), so later asks treat it as running.
  caf::reacts_to<pending_atom, job>,
  /// An asked point that no evaluator will run (fallback points took its
  /// place at the end of the budget): it leaves the pending set.
  caf::reacts_to<forget_atom, point_id>,
  /// The point to report: the observed point with the lowest posterior mean.
  caf::replies_to<recommend_atom>::with<io::recommendation>>;

/// Makes results durable and keeps the optimizer's input in order.
using collector_actor = caf::typed_actor<
  /// A job was sent to an evaluator at time t (events.jsonl).
  caf::reacts_to<dispatch_atom, job, double>,
  /// An asked point that will never be dispatched: forwarded to the
  /// optimizer (after every earlier message, like a tell).
  caf::reacts_to<forget_atom, point_id>,
  /// An attempt ended: written to observations.csv and events.jsonl, then
  /// (if final) forwarded to the optimizer.
  caf::reacts_to<result_atom, io::evaluation_record, pool_snapshot>,
  /// An ask, forwarded to the optimizer after every earlier tell.
  caf::replies_to<ask_atom, std::uint32_t>::with<proposal_batch>,
  /// The run is over: write summary.json and plot.svg, report the outcome.
  caf::reacts_to<finish_atom, io::run_stats>,
  /// Something the user should know (a node joined or left, a registration
  /// was rejected): printed on stderr and kept in events.jsonl.
  caf::reacts_to<note_atom, std::string>>;

/// Draws fallback points (non-blocking dispatch) while the optimizer is busy
/// with an ask; detached, like the optimizer. Answers with no point when the
/// request has no source or the draw fails.
using sampler_actor = caf::typed_actor<
  caf::replies_to<fallback_atom, fallback_request>::with<proposal_batch>>;

/// A worker process's controller: the head tells it when the run is over.
using worker_actor = caf::typed_actor<
  /// The run is over: shut down (answered before the worker exits).
  caf::replies_to<stop_atom>::with<bool>>;

/// Owns the evaluators (local and remote) and drives the dispatch policy
/// (core/dispatch). Published on cluster.port for workers.
using pool_actor = caf::typed_actor<
  /// Begin: request the initial design (local sender only).
  caf::reacts_to<start_atom>,
  /// Step 1 of joining: a node presents the shared secret and its
  /// controller; the reply is the objective to build. Wrong secret: an error,
  /// logged, and the node is never sent work.
  caf::replies_to<register_atom, std::string, std::string,
                  worker_actor>::with<io::objective_spec>,
  /// Step 2: the node's evaluators (secret again; every evaluator must live
  /// on the sender's node). Local evaluators join the same way.
  caf::reacts_to<join_atom, std::string, std::string, std::vector<evaluator_actor>>,
  /// Stop the run now with a status and a reason (local sender only).
  caf::reacts_to<abort_atom, io::run_status, std::string>,
  /// The pool's current state.
  caf::replies_to<status_atom>::with<pool_snapshot>,
  /// Internal (local sender only): hand the dashboard the state now (the
  /// pool publishes at most every 50 ms, and this delayed message makes the
  /// last change of a burst arrive too).
  caf::reacts_to<publish_atom>>;

/// Registers every message type under its network name. Call on every
/// actor_system_config before the actor system is built.
inline void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<job>("asyncbo_job");
  cfg.add_message_type<std::vector<job>>("asyncbo_jobs");
  cfg.add_message_type<result_msg>("asyncbo_result");
  cfg.add_message_type<proposal_batch>("asyncbo_batch");
  cfg.add_message_type<io::evaluation_record>("asyncbo_record");
  cfg.add_message_type<pool_snapshot>("asyncbo_snapshot");
  cfg.add_message_type<io::run_stats>("asyncbo_stats");
  cfg.add_message_type<io::objective_spec>("asyncbo_objective");
  cfg.add_message_type<io::recommendation>("asyncbo_recommendation");
  cfg.add_message_type<io::run_status>("asyncbo_run_status");
  cfg.add_message_type<run_outcome>("asyncbo_outcome");
  cfg.add_message_type<evaluator_actor>("asyncbo_evaluator");
  cfg.add_message_type<std::vector<evaluator_actor>>("asyncbo_evaluators");
  cfg.add_message_type<pool_actor>("asyncbo_pool");
  cfg.add_message_type<worker_actor>("asyncbo_worker");
}

} // namespace asyncbo::actors
