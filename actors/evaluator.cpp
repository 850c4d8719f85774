// SPDX-License-Identifier: Apache-2.0
// In-process evaluators.
#include "actors/evaluator.hpp"

#include <cmath>

#include "core/format.hpp"
#include "io/command.hpp"
#include "io/persistent.hpp"

namespace asyncbo::actors {

point_function builtin_function(const test_function& f) {
  return [&f](const std::vector<double>& x) {
    return f(Eigen::Map<const vec>(x.data(), static_cast<Eigen::Index>(x.size())));
  };
}

evaluation_fn point_evaluation(point_function fn, std::string worker) {
  return [fn = std::move(fn), worker = std::move(worker)](const job& j) {
    return evaluate_point(fn, j, worker);
  };
}

namespace {

/// The result of a program's evaluation of `j`.
result_msg result_of(const job& j, const std::string& worker, const io::command_outcome& out) {
  result_msg r;
  r.id = j.id;
  r.attempt = j.attempt;
  r.worker = worker;
  r.value = out.value;
  r.status = out.status;
  r.reason = out.reason;
  return r;
}

} // namespace

evaluation_fn evaluation_from_spec(const io::objective_spec& spec, const std::string& worker,
                                   const std::string& log_dir) {
  if (spec.is_command() && spec.persistent) {
    // One program per evaluator, owned by its evaluation function (and so
    // by the evaluator actor: it ends with the actor).
    auto program = std::make_shared<io::persistent_program>(spec, worker, log_dir);
    return [program, worker](const job& j) {
      return result_of(j, worker, program->evaluate(j.x, j.id, j.attempt));
    };
  }
  if (spec.is_command())
    return [spec, worker, log_dir](const job& j) {
      return result_of(j, worker, io::run_command(spec, log_dir, j.x, j.id, j.attempt, worker));
    };
  const test_function* f = spec.builtin();
  if (!f)
    throw std::invalid_argument("unknown built-in objective \"" + spec.name + "\"");
  if (spec.noise.sd == 0.0 && spec.noise.failure_rate == 0.0)
    return point_evaluation(builtin_function(*f), worker);
  return [fn = builtin_function(*f), noise = spec.noise, worker](const job& j) {
    result_msg r = evaluate_point(fn, j, worker);
    if (r.status != attempt_status::ok)
      return r;
    r.value = noise.apply(r.value, j.id, j.attempt);
    if (!std::isfinite(r.value)) {
      r.status = attempt_status::error;
      r.reason = "simulated failure (experiment.failure-rate)";
    }
    return r;
  };
}

result_msg evaluate_point(const point_function& fn, const job& j, const std::string& worker) {
  result_msg r;
  r.id = j.id;
  r.attempt = j.attempt;
  r.worker = worker;
  try {
    r.value = fn(j.x);
    if (!std::isfinite(r.value)) {
      r.status = attempt_status::not_finite;
      r.reason = "objective returned " + exact(r.value);
    }
  } catch (const std::exception& e) {
    r.status = attempt_status::exception;
    r.reason = e.what();
  } catch (...) {
    r.status = attempt_status::exception;
    r.reason = "unknown exception";
  }
  return r;
}

evaluator_actor::behavior_type
evaluator(evaluator_actor::stateful_pointer<evaluator_state> self, std::string worker,
          evaluation_fn run, delay_model delay, bool virtual_time) {
  self->state.worker = std::move(worker);
  self->state.run = std::move(run);
  self->state.delay = delay;
  self->state.virtual_time = virtual_time;
  return {
    [self](evaluate_atom, job& j) -> caf::result<result_msg> {
      auto& st = self->state;
      auto t0 = std::chrono::steady_clock::now();
      result_msg r = st.run(j);
      r.received_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        t0.time_since_epoch())
                        .count();
      Eigen::Map<const vec> u(j.unit.data(), static_cast<Eigen::Index>(j.unit.size()));
      double secs = j.initial ? 0.0 : st.delay.seconds(u, j.id, j.attempt);
      if (st.virtual_time) {
        r.duration_s = secs; // simulated: the pool's clock waits, not this actor
        return r;
      }
      if (!(secs > 0.0)) {
        r.duration_s = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - t0)
                         .count();
        return r;
      }
      auto token = st.next_token++;
      auto promise = self->make_response_promise<result_msg>();
      st.waiting.emplace(token, evaluator_state::pending{promise, std::move(r), t0});
      self->delayed_send(self,
                         std::chrono::duration_cast<caf::timespan>(
                           std::chrono::duration<double>(secs)),
                         tick_atom::value, token);
      return promise;
    },
    [self](tick_atom, std::uint64_t token) {
      auto& st = self->state;
      auto i = st.waiting.find(token);
      if (i == st.waiting.end())
        return;
      auto& w = i->second;
      w.result.duration_s = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - w.t0)
                              .count();
      w.promise.deliver(std::move(w.result));
      st.waiting.erase(i);
    },
  };
}

} // namespace asyncbo::actors
