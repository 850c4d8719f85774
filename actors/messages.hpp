// SPDX-License-Identifier: Apache-2.0
// Every message type of the actor runtime: atoms and serialisable structs.
// Points travel as std::vector<double>; Eigen stays inside the core.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

namespace asyncbo::actors {

// -- atoms (at most 10 characters) ---------------------------------------------

using evaluate_atom = caf::atom_constant<caf::atom("evaluate")>;
using initial_atom = caf::atom_constant<caf::atom("initial")>;
using ask_atom = caf::atom_constant<caf::atom("ask")>;
using tell_atom = caf::atom_constant<caf::atom("tell")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using dispatch_atom = caf::atom_constant<caf::atom("dispatch")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using abort_atom = caf::atom_constant<caf::atom("abort")>;

// -- points and results ----------------------------------------------------------

/// A point to evaluate. `id` is unique in the run; `attempt` counts
/// re-dispatches of the same point (retries after failures, or after the
/// evaluator holding it was lost).
struct proposal_msg {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  bool initial = false;          ///< initial design: evaluated without delay
  std::uint64_t batch = 0;       ///< the ask that produced it
  std::vector<double> x;         ///< space coordinates
  std::vector<double> unit;      ///< unit coordinates (for delay models)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proposal_msg& x) {
  return f(caf::meta::type_name("asyncbo_proposal"), x.id, x.attempt, x.initial,
           x.batch, x.x, x.unit);
}

/// An evaluator's answer for one proposal.
struct result_msg {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  std::vector<double> x;         ///< the point evaluated (echoed)
  double value = 0.0;
  std::string status = "ok";     ///< ok | error | timeout | bad_output |
                                 ///< not_finite | exception
  std::string reason;
  std::string worker;            ///< evaluator name
  double duration_s = 0.0;       ///< evaluation time measured by the evaluator
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_msg& x) {
  return f(caf::meta::type_name("asyncbo_result"), x.id, x.attempt, x.x, x.value,
           x.status, x.reason, x.worker, x.duration_s);
}

/// Points from one ask (or the initial design), with the engine's timing.
struct proposal_batch {
  std::vector<proposal_msg> points;
  double ask_ms = 0.0;           ///< time spent in the engine
  std::string status = "ok";     ///< the engine's ask status
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proposal_batch& x) {
  return f(caf::meta::type_name("asyncbo_batch"), x.points, x.ask_ms, x.status);
}

/// One attempt as the head records it: the result plus the head's clock
/// (seconds since the run started).
struct record_msg {
  result_msg result;
  bool initial = false;
  std::uint64_t batch = 0;
  double dispatch_s = 0.0;
  double start_s = 0.0;
  double end_s = 0.0;
  /// Final outcome of the point (ok, or failed with no retry left): the
  /// optimizer is told (ok) or forgets the point (failure).
  bool final = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_msg& x) {
  return f(caf::meta::type_name("asyncbo_record"), x.result, x.initial, x.batch,
           x.dispatch_s, x.start_s, x.end_s, x.final);
}

/// The pool's state, attached to every record for the progress line.
struct pool_snapshot {
  std::uint32_t busy = 0;
  std::uint32_t evaluators = 0;
  std::uint32_t queued = 0;
  double last_ask_ms = 0.0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_snapshot& x) {
  return f(caf::meta::type_name("asyncbo_snapshot"), x.busy, x.evaluators, x.queued,
           x.last_ask_ms);
}

/// What the pool measured, sent to the collector at the end of the run.
struct pool_stats {
  std::vector<double> ask_ms;
  std::vector<double> dispatch_ms;
  double main_start_s = 0.0;
  double last_dispatch_s = 0.0;
  double end_s = 0.0;
  double capacity_seconds = 0.0;        ///< evaluator-seconds after main start
  double capacity_seconds_steady = 0.0; ///< ... until the last dispatch
  std::uint64_t requeued = 0;
  std::uint64_t retried = 0;
  std::string status = "completed";     ///< completed | failed
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_stats& x) {
  return f(caf::meta::type_name("asyncbo_stats"), x.ask_ms, x.dispatch_ms,
           x.main_start_s, x.last_dispatch_s, x.end_s, x.capacity_seconds,
           x.capacity_seconds_steady, x.requeued, x.retried, x.status, x.message);
}

/// How to build the objective where an evaluator lives: a built-in by name
/// with its delay model, or an external command. Sent to remote workers in
/// the registration reply, so a worker needs no config file.
struct objective_spec {
  std::string name;                  ///< built-in name or "command"
  std::vector<std::string> names;    ///< dimension names
  std::string delay_model = "none";
  double delay_factor = 0.0;
  double time_scale = 1.0;
  std::vector<std::string> command;
  std::string input = "args";
  double timeout = 0.0;
  std::string workdir;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, objective_spec& x) {
  return f(caf::meta::type_name("asyncbo_objective"), x.name, x.names, x.delay_model,
           x.delay_factor, x.time_scale, x.command, x.input, x.timeout, x.workdir);
}

/// How an attempt ended, as the run reports it to its caller.
struct run_outcome {
  int exit_code = 0;
  std::string status = "completed";
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_outcome& x) {
  return f(caf::meta::type_name("asyncbo_outcome"), x.exit_code, x.status, x.message);
}

} // namespace asyncbo::actors
