// SPDX-License-Identifier: Apache-2.0
// In-process evaluators.
#include "actors/evaluator.hpp"

#include <cmath>

namespace asyncbo::actors {

point_function builtin_function(const test_function& f) {
  return [&f](const std::vector<double>& x) {
    return f(Eigen::Map<const vec>(x.data(), static_cast<Eigen::Index>(x.size())));
  };
}

evaluation_fn point_evaluation(point_function fn, std::string worker) {
  return [fn = std::move(fn), worker = std::move(worker)](const proposal_msg& p) {
    return evaluate_point(fn, p, worker);
  };
}

evaluation_fn command_evaluation(io::command_spec spec, std::string worker) {
  return [spec = std::move(spec), worker = std::move(worker)](const proposal_msg& p) {
    result_msg r;
    r.id = p.id;
    r.attempt = p.attempt;
    r.x = p.x;
    r.worker = worker;
    auto out = io::run_command(spec, p.x, p.id, p.attempt, worker);
    r.value = out.value;
    r.status = out.status;
    r.reason = out.reason;
    return r;
  };
}

io::command_spec command_from_spec(const objective_spec& spec, const std::string& log_dir) {
  io::command_spec c;
  c.argv = spec.command;
  c.names = spec.names;
  c.json_stdin = spec.input == "json";
  c.timeout = spec.timeout;
  c.workdir = spec.workdir;
  c.log_dir = log_dir;
  return c;
}

evaluation_fn evaluation_from_spec(const objective_spec& spec, const std::string& worker,
                                   const std::string& log_dir) {
  if (spec.name == "command")
    return command_evaluation(command_from_spec(spec, log_dir), worker);
  const test_function* f = find_test_function(spec.name);
  if (!f)
    throw std::invalid_argument("unknown built-in objective \"" + spec.name + "\"");
  return point_evaluation(builtin_function(*f), worker);
}

bool blocking_objective(const objective_spec& spec) {
  return spec.name == "command";
}

delay_model delay_from_spec(const objective_spec& spec) {
  delay_model d;
  if (!delay_model::parse(spec.delay_model, d.type))
    throw std::invalid_argument("unknown delay model \"" + spec.delay_model + "\"");
  d.factor = spec.delay_factor;
  d.time_scale = spec.time_scale;
  return d;
}

result_msg evaluate_point(const point_function& fn, const proposal_msg& p,
                          const std::string& worker) {
  result_msg r;
  r.id = p.id;
  r.attempt = p.attempt;
  r.x = p.x;
  r.worker = worker;
  try {
    r.value = fn(p.x);
    if (!std::isfinite(r.value)) {
      r.status = "not_finite";
      r.reason = "objective returned " + std::to_string(r.value);
    }
  } catch (const std::exception& e) {
    r.status = "exception";
    r.reason = e.what();
  } catch (...) {
    r.status = "exception";
    r.reason = "unknown exception";
  }
  return r;
}

evaluator_actor::behavior_type
evaluator(evaluator_actor::stateful_pointer<evaluator_state> self, std::string worker,
          evaluation_fn run, delay_model delay) {
  self->state.worker = std::move(worker);
  self->state.run = std::move(run);
  self->state.delay = delay;
  return {
    [self](evaluate_atom, proposal_msg& p) -> caf::result<result_msg> {
      auto& st = self->state;
      auto t0 = std::chrono::steady_clock::now();
      result_msg r = st.run(p);
      r.received_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        t0.time_since_epoch())
                        .count();
      Eigen::Map<const vec> u(p.unit.data(), static_cast<Eigen::Index>(p.unit.size()));
      double secs = p.initial ? 0.0 : st.delay.seconds(u);
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
