// SPDX-License-Identifier: Apache-2.0
// Every message type of the actor runtime: atoms, the messages of our own,
// and the inspect() of every core and io struct that travels as it is (jobs,
// evaluation records, run statistics, the objective description).
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "core/attempt.hpp"
#include "core/dispatch.hpp"
#include "core/fallback.hpp"
#include "core/objectives.hpp"
#include "io/objective.hpp"
#include "io/records.hpp"
#include "io/summary.hpp"

// -- doubles on the wire ------------------------------------------------------------

/// CAF 0.17 serialises doubles with its own IEEE-754 packing
/// (caf/detail/ieee_754.hpp, pack754), which turns subnormal numbers into
/// garbage (-2.5e-310 arrives as -8e306), loops forever on an infinity, and
/// takes one loop iteration per power of two of the exponent. Every double
/// of our messages therefore travels as its 64-bit pattern, exact for every
/// value, NaN and infinity included: inspect() functions write
/// `wire::bits(x.value)` or `wire::bits(x.values)` where they would write the
/// double or the vector of doubles.
namespace asyncbo::wire {

inline std::uint64_t to_bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof(u));
  return u;
}

inline double from_bits(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof(d));
  return d;
}

/// A double, inspected as its bit pattern.
struct real_bits {
  double& ref;
};

/// A vector of doubles, inspected as bit patterns.
struct reals_bits {
  std::vector<double>& ref;
};

inline real_bits bits(double& x) {
  return {x};
}

inline reals_bits bits(std::vector<double>& x) {
  return {x};
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, real_bits& x) {
  std::uint64_t u = 0;
  if constexpr (Inspector::reads_state)
    u = to_bits(x.ref);
  return f(u, caf::meta::load_callback([&]() -> caf::error {
             x.ref = from_bits(u);
             return caf::none;
           }));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reals_bits& x) {
  std::vector<std::uint64_t> u;
  if constexpr (Inspector::reads_state) {
    u.reserve(x.ref.size());
    for (double d : x.ref)
      u.push_back(to_bits(d));
  }
  return f(u, caf::meta::load_callback([&]() -> caf::error {
             x.ref.resize(u.size());
             for (std::size_t i = 0; i < u.size(); ++i)
               x.ref[i] = from_bits(u[i]);
             return caf::none;
           }));
}

} // namespace asyncbo::wire

// -- core and io structs that travel as they are -----------------------------------

namespace asyncbo {

/// A point to evaluate (pool -> evaluator, and in the event log).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job& x) {
  return f(caf::meta::type_name("asyncbo_job"), x.id, x.attempt, x.initial, x.batch,
           x.fallback, wire::bits(x.x), wire::bits(x.unit));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, objective_noise& x) {
  return f(caf::meta::type_name("asyncbo_noise"), wire::bits(x.sd),
           wire::bits(x.failure_rate), x.seed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delay_model& x) {
  return f(caf::meta::type_name("asyncbo_delay"), x.type, wire::bits(x.factor),
           wire::bits(x.low), wire::bits(x.high), wire::bits(x.median), wire::bits(x.sigma),
           wire::bits(x.straggler_fraction), wire::bits(x.straggler_factor),
           wire::bits(x.time_scale), x.seed);
}

} // namespace asyncbo

namespace asyncbo::io {

/// One attempt as the head records it (pool -> collector -> optimizer).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, evaluation_record& x) {
  return f(caf::meta::type_name("asyncbo_record"), x.id, x.attempt, x.initial, x.batch,
           wire::bits(x.x), wire::bits(x.value), x.status, x.reason, x.worker,
           wire::bits(x.dispatch_time), wire::bits(x.start_time),
           wire::bits(x.end_time), x.final);
}

/// What the pool measured (pool -> collector at the end of the run).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_stats& x) {
  return f(caf::meta::type_name("asyncbo_stats"), x.status, x.message,
           wire::bits(x.ask_ms), wire::bits(x.dispatch_ms), wire::bits(x.wall_time_s),
           wire::bits(x.main_start_s), wire::bits(x.last_dispatch_s),
           wire::bits(x.capacity_seconds), wire::bits(x.capacity_seconds_steady),
           x.requeued, x.retried, x.resumed, x.rejected, x.nodes,
           wire::bits(x.transport_ms), x.virtual_clock, x.fallback, x.fallback_requests,
           x.fallback_points, x.fallback_empty, wire::bits(x.fallback_ms));
}

/// The run's result (optimizer -> collector at the end).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recommendation& x) {
  return f(caf::meta::type_name("asyncbo_recommendation"), x.found, wire::bits(x.x),
           wire::bits(x.mean), wire::bits(x.sd), wire::bits(x.observed),
           wire::bits(x.noise_variance), x.failures);
}

/// The objective (pool -> remote workers, in the registration reply).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, objective_spec& x) {
  double minimum = x.minimum ? *x.minimum : std::numeric_limits<double>::quiet_NaN();
  return f(caf::meta::type_name("asyncbo_objective"), x.name, x.names, x.delay,
           x.command, x.json_stdin, x.persistent, x.choices, wire::bits(x.timeout), x.workdir,
           wire::bits(minimum), x.noise, x.log_limit, caf::meta::load_callback([&]() -> caf::error {
             x.minimum = minimum == minimum ? std::optional<double>(minimum)
                                            : std::nullopt;
             return caf::none;
           }));
}

} // namespace asyncbo::io

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
using note_atom = caf::atom_constant<caf::atom("note")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using recommend_atom = caf::atom_constant<caf::atom("recommend")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using pending_atom = caf::atom_constant<caf::atom("pending")>;
using fallback_atom = caf::atom_constant<caf::atom("fallback")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;

// -- messages of the runtime ----------------------------------------------------------

/// An evaluator's answer for one job.
struct result_msg {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  double value = 0.0;
  attempt_status status = attempt_status::ok;
  std::string reason;
  std::string worker;            ///< evaluator name
  double duration_s = 0.0;       ///< evaluation time measured by the evaluator
  /// When the evaluator received the job: CLOCK_MONOTONIC nanoseconds of the
  /// evaluator's host (comparable with the head's only on one host; used to
  /// measure transport latency on loopback).
  std::int64_t received_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, result_msg& x) {
  return f(caf::meta::type_name("asyncbo_result"), x.id, x.attempt, wire::bits(x.value),
           x.status, x.reason, x.worker, wire::bits(x.duration_s), x.received_ns);
}

/// Points from one ask (or the initial design), with the engine's timing.
struct proposal_batch {
  std::vector<job> points;
  double ask_ms = 0.0;           ///< time spent in the engine
  std::string status = "ok";     ///< the engine's ask status (to_string)
  std::string message;           ///< the engine's ask message, if any
  /// A lattice point evaluated before may be proposed again
  /// (engine::repeats_worth_it); the dispatcher drops other repeats.
  bool repeats_allowed = false;
  /// The model's current recommendation (engine::current_recommendation):
  /// its posterior mean, NaN before the first fit. For the progress line.
  double recommended_mean = std::numeric_limits<double>::quiet_NaN();
  /// After an ask with experiment.fallback: what fallback draws need of the
  /// engine now (engine::snapshot). Shared in-process only: not inspected,
  /// so it never travels (a batch never leaves the head node).
  std::shared_ptr<const fallback_source> source;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, proposal_batch& x) {
  return f(caf::meta::type_name("asyncbo_batch"), x.points, wire::bits(x.ask_ms),
           x.status, x.message, x.repeats_allowed, wire::bits(x.recommended_mean));
}

/// A fallback (pool -> sampler): k points drawn from `source`, the snapshot
/// of the last answered ask. In-process only (a shared, immutable model).
struct fallback_request {
  std::shared_ptr<const fallback_source> source;
  std::uint32_t k = 0;
  std::uint64_t batch = 0;  ///< the ask the source came with (the jobs' batch)
  /// Results told, in the pool's order, from row `from` on (unit points,
  /// one after the other, and their values); the source's model holds the
  /// first `told_at_source`. The sampler extends its posterior by those it
  /// lacks.
  std::vector<double> units;
  std::vector<double> values;
  std::uint64_t from = 0;
  std::uint64_t told_at_source = 0;
};

/// The pool's state: attached to every record (the progress line) and the
/// answer to a status query.
struct pool_snapshot {
  std::uint32_t busy = 0;
  std::uint32_t evaluators = 0;
  std::uint32_t queued = 0;
  std::uint64_t asks = 0;        ///< asks answered so far
  std::uint64_t to_request = 0;  ///< budget not yet asked
  bool ask_outstanding = false;
  std::uint64_t requeued = 0;
  std::uint64_t retried = 0;
  std::uint64_t rejected = 0;    ///< refused joins, registrations, stale replies
  double last_ask_ms = 0.0;
  /// Posterior mean of the recommended point after the last ask (NaN: none).
  double recommended_mean = std::numeric_limits<double>::quiet_NaN();
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_snapshot& x) {
  return f(caf::meta::type_name("asyncbo_snapshot"), x.busy, x.evaluators, x.queued,
           x.asks, x.to_request, x.ask_outstanding, x.requeued, x.retried, x.rejected,
           wire::bits(x.last_ask_ms), wire::bits(x.recommended_mean));
}

/// How a run ended, as the runtime reports it to its caller.
struct run_outcome {
  io::run_status status = io::run_status::completed;
  std::string message;
  std::string dir;   ///< where the outputs are ("" if nothing ran)
  int exit_code() const { return io::exit_code(status); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_outcome& x) {
  return f(caf::meta::type_name("asyncbo_outcome"), x.status, x.message, x.dir);
}

} // namespace asyncbo::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(asyncbo::actors::fallback_request)
