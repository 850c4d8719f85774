// SPDX-License-Identifier: Apache-2.0
// Every message type of the actor runtime: atoms and serialisable structs.
// Points travel as std::vector<double>; Eigen stays inside the core.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <caf/all.hpp>

namespace asyncbo::actors {

// -- doubles on the wire ------------------------------------------------------------

/// CAF 0.17 serialises doubles with its own IEEE-754 packing
/// (caf/detail/ieee_754.hpp, pack754), which turns subnormal numbers into
/// garbage (-2.5e-310 arrives as -8e306), loops forever on an infinity, and
/// takes one loop iteration per power of two of the exponent. Every double
/// of our messages therefore travels as its 64-bit pattern: exact for every
/// value, NaN and infinity included.
namespace wire {

inline std::uint64_t bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof(u));
  return u;
}

inline double real(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof(d));
  return d;
}

inline std::vector<std::uint64_t> bits(const std::vector<double>& v) {
  std::vector<std::uint64_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = bits(v[i]);
  return out;
}

inline std::vector<double> reals(const std::vector<std::uint64_t>& v) {
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = real(v[i]);
  return out;
}

} // namespace wire

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
using note_atom = caf::atom_constant<caf::atom("note")>;

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
  std::vector<std::uint64_t> xb, ub;
  if constexpr (Inspector::reads_state) {
    xb = wire::bits(x.x);
    ub = wire::bits(x.unit);
  }
  return f(caf::meta::type_name("asyncbo_proposal"), x.id, x.attempt, x.initial,
           x.batch, xb, ub, caf::meta::load_callback([&]() -> caf::error {
             x.x = wire::reals(xb);
             x.unit = wire::reals(ub);
             return caf::none;
           }));
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
  /// When the evaluator received the proposal: CLOCK_MONOTONIC nanoseconds of
  /// the evaluator's host (comparable with the head's only on one host; used
  /// to measure transport latency on loopback).
  std::int64_t received_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_msg& x) {
  std::vector<std::uint64_t> xb;
  std::uint64_t value = 0, duration = 0;
  if constexpr (Inspector::reads_state) {
    xb = wire::bits(x.x);
    value = wire::bits(x.value);
    duration = wire::bits(x.duration_s);
  }
  return f(caf::meta::type_name("asyncbo_result"), x.id, x.attempt, xb, value,
           x.status, x.reason, x.worker, duration, x.received_ns,
           caf::meta::load_callback([&]() -> caf::error {
             x.x = wire::reals(xb);
             x.value = wire::real(value);
             x.duration_s = wire::real(duration);
             return caf::none;
           }));
}

/// Points from one ask (or the initial design), with the engine's timing.
struct proposal_batch {
  std::vector<proposal_msg> points;
  double ask_ms = 0.0;           ///< time spent in the engine
  std::string status = "ok";     ///< the engine's ask status
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proposal_batch& x) {
  std::uint64_t ask = 0;
  if constexpr (Inspector::reads_state)
    ask = wire::bits(x.ask_ms);
  return f(caf::meta::type_name("asyncbo_batch"), x.points, ask, x.status,
           caf::meta::load_callback([&]() -> caf::error {
             x.ask_ms = wire::real(ask);
             return caf::none;
           }));
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
  std::vector<std::uint64_t> t;
  if constexpr (Inspector::reads_state)
    t = wire::bits(std::vector<double>{x.dispatch_s, x.start_s, x.end_s});
  return f(caf::meta::type_name("asyncbo_record"), x.result, x.initial, x.batch, t,
           x.final, caf::meta::load_callback([&]() -> caf::error {
             if (t.size() != 3)
               return caf::sec::invalid_argument;
             x.dispatch_s = wire::real(t[0]);
             x.start_s = wire::real(t[1]);
             x.end_s = wire::real(t[2]);
             return caf::none;
           }));
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
  std::uint64_t ask = 0;
  if constexpr (Inspector::reads_state)
    ask = wire::bits(x.last_ask_ms);
  return f(caf::meta::type_name("asyncbo_snapshot"), x.busy, x.evaluators, x.queued, ask,
           caf::meta::load_callback([&]() -> caf::error {
             x.last_ask_ms = wire::real(ask);
             return caf::none;
           }));
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
  std::uint64_t rejected = 0;           ///< refused registrations and replies
  /// Head-side result arrival -> proposal received by the evaluator, minus the
  /// ask time (only for evaluators on the head's host).
  std::vector<double> transport_ms;
  std::uint64_t nodes = 0;              ///< remote nodes that joined
  std::string status = "completed";     ///< completed | failed
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_stats& x) {
  std::vector<std::uint64_t> ask, dispatch, transport, t;
  if constexpr (Inspector::reads_state) {
    ask = wire::bits(x.ask_ms);
    dispatch = wire::bits(x.dispatch_ms);
    transport = wire::bits(x.transport_ms);
    t = wire::bits(std::vector<double>{x.main_start_s, x.last_dispatch_s, x.end_s,
                                       x.capacity_seconds, x.capacity_seconds_steady});
  }
  return f(caf::meta::type_name("asyncbo_stats"), ask, dispatch, t, x.requeued,
           x.retried, x.rejected, transport, x.nodes, x.status, x.message,
           caf::meta::load_callback([&]() -> caf::error {
             if (t.size() != 5)
               return caf::sec::invalid_argument;
             x.ask_ms = wire::reals(ask);
             x.dispatch_ms = wire::reals(dispatch);
             x.transport_ms = wire::reals(transport);
             x.main_start_s = wire::real(t[0]);
             x.last_dispatch_s = wire::real(t[1]);
             x.end_s = wire::real(t[2]);
             x.capacity_seconds = wire::real(t[3]);
             x.capacity_seconds_steady = wire::real(t[4]);
             return caf::none;
           }));
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
  std::vector<std::uint64_t> r;
  if constexpr (Inspector::reads_state)
    r = wire::bits(std::vector<double>{x.delay_factor, x.time_scale, x.timeout});
  return f(caf::meta::type_name("asyncbo_objective"), x.name, x.names, x.delay_model, r,
           x.command, x.input, x.workdir, caf::meta::load_callback([&]() -> caf::error {
             if (r.size() != 3)
               return caf::sec::invalid_argument;
             x.delay_factor = wire::real(r[0]);
             x.time_scale = wire::real(r[1]);
             x.timeout = wire::real(r[2]);
             return caf::none;
           }));
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
