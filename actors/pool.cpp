// SPDX-License-Identifier: Apache-2.0
// The pool actor.
//
//   start -> initial design dispatched -> (all initial results in)
//         -> main phase: ask / dispatch / results ... -> budget spent and
//            nothing in flight -> finish
#include "actors/pool.hpp"

#include <cmath>
#include <cstdio>

namespace asyncbo::actors {

pool_snapshot pool_state::snapshot() const {
  pool_snapshot s;
  for (auto& [addr, sl] : evaluators)
    s.busy += sl.job ? 1 : 0;
  s.evaluators = static_cast<std::uint32_t>(evaluators.size());
  s.queued = static_cast<std::uint32_t>(queue.size());
  s.last_ask_ms = last_ask_ms;
  return s;
}

namespace {

using self_ptr = pool_actor::stateful_pointer<pool_state>;

void on_result(self_ptr self, caf::actor_addr addr, result_msg r);
void on_lost(self_ptr self, const caf::actor_addr& addr, const std::string& why);
void maybe_ask(self_ptr self);
void check_done(self_ptr self);

/// Integrates evaluator capacity (evaluator-seconds) over the main phase.
void account(pool_state& st) {
  double t = st.now();
  if (st.main_started && t > st.capacity_t)
    st.capacity_s += double(st.evaluators.size()) * (t - st.capacity_t);
  st.capacity_t = t;
}

void send_stats(self_ptr self, const std::string& status, const std::string& msg);

/// Ends the run: tells every remote worker to stop (waiting at most 2 s for
/// each to confirm), then hands the statistics to the collector.
void finish(self_ptr self, const std::string& status, const std::string& msg) {
  auto& st = self->state;
  if (st.done)
    return;
  st.done = true;
  account(st);
  if (st.workers.empty()) {
    send_stats(self, status, msg);
    return;
  }
  auto left = std::make_shared<std::size_t>(st.workers.size());
  for (auto& [node, w] : st.workers) {
    self->request(w.first, std::chrono::seconds(2), stop_atom::value)
      .then(
        [self, left, status, msg](bool) {
          if (--*left == 0)
            send_stats(self, status, msg);
        },
        [self, left, status, msg](caf::error&) {
          if (--*left == 0)
            send_stats(self, status, msg);
        });
  }
}

void send_stats(self_ptr self, const std::string& status, const std::string& msg) {
  auto& st = self->state;
  pool_stats ps;
  ps.ask_ms = st.ask_ms;
  ps.dispatch_ms = st.dispatch_ms;
  ps.main_start_s = st.main_start_s;
  ps.last_dispatch_s = st.last_dispatch_s;
  ps.end_s = st.now();
  ps.capacity_seconds = st.capacity_s;
  ps.capacity_seconds_steady = st.capacity_steady_s;
  ps.requeued = st.requeued;
  ps.retried = st.retried;
  ps.rejected = st.rejected;
  ps.transport_ms = st.transport_ms;
  ps.nodes = st.nodes_joined;
  ps.status = status;
  ps.message = msg;
  self->send(st.collector, finish_atom::value, std::move(ps));
}

void start_main_phase(self_ptr self) {
  auto& st = self->state;
  if (st.main_started)
    return;
  st.main_started = true;
  st.main_start_s = st.now();
  st.capacity_t = st.main_start_s;
  st.free_since_s = st.main_start_s;
}

void dispatch(self_ptr self) {
  auto& st = self->state;
  while (!st.done && !st.idle.empty() && !st.queue.empty()) {
    auto addr = st.idle.front();
    st.idle.pop_front();
    auto it = st.evaluators.find(addr);
    if (it == st.evaluators.end() || it->second.job)
      continue;
    auto& sl = it->second;
    proposal_msg p = std::move(st.queue.front());
    st.queue.pop_front();
    const double t = st.now();
    sl.job = p;
    sl.dispatched_s = t;
    if (!p.initial) {
      account(st);
      st.last_dispatch_s = t;
      st.capacity_steady_s = st.capacity_s;
    }
    self->send(st.collector, dispatch_atom::value, p, t);
    self->request(sl.handle, caf::infinite, evaluate_atom::value, p)
      .then([self, addr](result_msg& r) { on_result(self, addr, std::move(r)); },
            [self, addr](caf::error& e) {
              on_lost(self, addr, "request failed: " + self->system().render(e));
            });
  }
}

void on_result(self_ptr self, caf::actor_addr addr, result_msg r) {
  auto& st = self->state;
  if (st.done)
    return;
  auto it = st.evaluators.find(addr);
  if (it == st.evaluators.end() || !it->second.job || it->second.job->id != r.id
      || it->second.job->attempt != r.attempt) {
    // A late answer for a point already re-dispatched (its evaluator was
    // declared lost), or a reply that matches nothing: never told twice.
    ++st.rejected;
    return;
  }
  auto& sl = it->second;
  proposal_msg p = std::move(*sl.job);
  sl.job.reset();
  const double t = st.now();
  if (auto tr = st.trigger_of.find({p.id, p.attempt}); tr != st.trigger_of.end()) {
    // Same host only: CLOCK_MONOTONIC is shared by the processes of a host.
    auto host = [](const caf::node_id& n) {
      auto s = caf::to_string(n);
      return s.substr(0, s.find('#'));
    };
    if (r.received_ns > 0 && host(addr.node()) == host(self->node()))
      st.transport_ms.push_back(1000.0 * (st.since_start(r.received_ns) - tr->second.first)
                                - tr->second.second);
    st.trigger_of.erase(tr);
  }
  // Results from other processes are checked, never trusted.
  if (r.status == "ok" && !std::isfinite(r.value)) {
    r.status = "not_finite";
    r.reason = "objective returned a non-finite value";
  }
  if (r.x.size() != p.x.size() && r.status == "ok") {
    r.status = "bad_output";
    r.reason = "result has " + std::to_string(r.x.size()) + " coordinates, expected "
               + std::to_string(p.x.size());
  }
  r.x = p.x;
  if (r.worker.empty())
    r.worker = sl.name;
  record_msg rec;
  rec.initial = p.initial;
  rec.batch = p.batch;
  rec.dispatch_s = sl.dispatched_s;
  rec.end_s = t;
  rec.start_s = std::max(sl.dispatched_s, t - std::max(0.0, r.duration_s));
  const bool ok = r.status == "ok";
  rec.final = ok || p.attempt >= st.cfg.max_retries;
  if (!rec.final) {
    proposal_msg again = p;
    ++again.attempt;
    st.queue.push_front(std::move(again));
    ++st.retried;
  } else {
    if (!ok)
      ++st.failed_points;
    if (p.initial) {
      if (st.initial_outstanding > 0 && --st.initial_outstanding == 0)
        start_main_phase(self);
    } else {
      ++st.finished_points;
    }
  }
  rec.result = std::move(r);
  st.idle.push_back(addr);
  st.free_since_s = t;
  self->send(st.collector, result_atom::value, std::move(rec), st.snapshot());
  const std::uint64_t total = st.cfg.total_points > 0 ? st.cfg.total_points
                                                      : st.cfg.initial + st.cfg.budget;
  if (double(st.failed_points) > st.cfg.max_failure_fraction * double(total)) {
    char frac[32];
    std::snprintf(frac, sizeof(frac), "%g", st.cfg.max_failure_fraction);
    finish(self, "failed",
           std::to_string(st.failed_points) + " of " + std::to_string(total)
             + " points failed, more than objective.max-failure-fraction = " + frac);
    return;
  }
  dispatch(self);
  maybe_ask(self);
  check_done(self);
}

void on_lost(self_ptr self, const caf::actor_addr& addr, const std::string& why) {
  auto& st = self->state;
  auto it = st.evaluators.find(addr);
  if (it == st.evaluators.end())
    return;
  account(st);
  if (it->second.job && !st.done) {
    auto& sl = it->second;
    proposal_msg p = std::move(*sl.job);
    record_msg rec;
    rec.result.id = p.id;
    rec.result.attempt = p.attempt;
    rec.result.x = p.x;
    rec.result.status = "lost";
    rec.result.reason = why;
    rec.result.worker = sl.name;
    rec.initial = p.initial;
    rec.batch = p.batch;
    rec.dispatch_s = sl.dispatched_s;
    rec.start_s = sl.dispatched_s;
    rec.end_s = st.now();
    rec.final = false;
    ++p.attempt;
    st.queue.push_front(std::move(p));
    ++st.requeued;
    self->send(st.collector, result_atom::value, std::move(rec), st.snapshot());
  }
  st.evaluators.erase(it);
  for (auto i = st.idle.begin(); i != st.idle.end();)
    i = *i == addr ? st.idle.erase(i) : i + 1;
  dispatch(self);
  maybe_ask(self);
  check_done(self);
}

void maybe_ask(self_ptr self) {
  auto& st = self->state;
  if (st.done || !st.main_started || st.ask_outstanding || st.to_request == 0)
    return;
  const std::size_t idle = st.idle.size();
  const std::size_t queued = st.queue.size();
  if (idle <= queued)
    return;
  const std::uint64_t free = idle - queued;
  const std::uint64_t need = std::min<std::uint64_t>(st.cfg.batch_size, st.to_request);
  if (free < need && !st.fresh_capacity)
    return;
  const auto k = static_cast<std::uint32_t>(std::min<std::uint64_t>(free, st.to_request));
  st.to_request -= k;
  st.ask_outstanding = true;
  st.fresh_capacity = false;
  const double trigger = st.free_since_s;
  self->request(st.collector, caf::infinite, ask_atom::value, k)
    .then(
      [self, k, trigger](proposal_batch& b) {
        auto& st = self->state;
        st.ask_outstanding = false;
        if (st.done)
          return;
        st.ask_ms.push_back(b.ask_ms);
        st.last_ask_ms = b.ask_ms;
        if (b.points.size() < k)
          st.to_request += k - b.points.size();
        for (auto& p : b.points) {
          st.trigger_of[{p.id, p.attempt}] = {trigger, b.ask_ms};
          st.queue.push_back(std::move(p));
        }
        dispatch(self);
        st.dispatch_ms.push_back(1000.0 * (st.now() - trigger));
        maybe_ask(self);
        check_done(self);
      },
      [self](caf::error& e) {
        self->state.ask_outstanding = false;
        finish(self, "failed", "ask failed: " + self->system().render(e));
      });
}

void check_done(self_ptr self) {
  auto& st = self->state;
  if (st.done || !st.main_started || st.ask_outstanding || st.to_request > 0
      || !st.queue.empty())
    return;
  for (auto& [addr, sl] : st.evaluators)
    if (sl.job)
      return;
  finish(self, "completed", "");
}

} // namespace

void note(pool_actor::stateful_pointer<pool_state> self, const std::string& text) {
  self->send(self->state.collector, note_atom::value, text);
}

namespace {

/// True if the current message comes from this process (or has no sender,
/// as anon_send from the runner).
bool local_sender(self_ptr self) {
  auto& s = self->current_sender();
  return !s || s->node() == self->node();
}

void add_evaluators(self_ptr self, const std::vector<evaluator_actor>& evs,
                    const std::string& node) {
  auto& st = self->state;
  account(st);
  for (auto& ev : evs) {
    if (!ev)
      continue;
    auto addr = ev.address();
    if (st.evaluators.count(addr))
      continue;
    self->monitor(ev);
    pool_state::slot sl;
    sl.handle = ev;
    sl.node = node;
    sl.name = node + "/" + std::to_string(st.evaluator_seq++);
    st.evaluators.emplace(addr, std::move(sl));
    st.idle.push_back(addr);
  }
  st.free_since_s = st.now();
  if (st.main_started)
    st.fresh_capacity = true;
  dispatch(self);
  maybe_ask(self);
}

} // namespace

pool_actor::behavior_type pool(pool_actor::stateful_pointer<pool_state> self,
                               pool_config cfg, optimizer_actor optimizer,
                               collector_actor collector) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.optimizer = std::move(optimizer);
  st.collector = std::move(collector);
  st.failed_points = st.cfg.failed_before;
  st.to_request = st.cfg.budget > st.cfg.requested_before
                    ? st.cfg.budget - st.cfg.requested_before
                    : 0;
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.workers.begin(); it != st.workers.end(); ++it)
      if (it->second.first.address() == dm.source) {
        note(self, "node " + it->second.second + " left: "
                     + self->system().render(dm.reason));
        st.workers.erase(it);
        return;
      }
    on_lost(self, dm.source, "evaluator down: " + self->system().render(dm.reason));
  });
  return {
    [self](start_atom) {
      auto& st = self->state;
      if (!local_sender(self) || st.started)
        return;
      st.started = true;
      for (auto& p : st.cfg.requeue) {
        if (p.initial)
          ++st.initial_outstanding;
        st.queue.push_back(p);
      }
      st.initial_outstanding += st.cfg.initial;
      if (st.initial_outstanding == 0) {
        start_main_phase(self);
        dispatch(self);
        maybe_ask(self);
        check_done(self);
        return;
      }
      dispatch(self);
      if (st.cfg.initial == 0)
        return;
      self->request(st.optimizer, caf::infinite, initial_atom::value,
                    static_cast<std::uint32_t>(st.cfg.initial))
        .then(
          [self](proposal_batch& b) {
            for (auto& p : b.points)
              self->state.queue.push_back(std::move(p));
            dispatch(self);
          },
          [self](caf::error& e) {
            finish(self, "failed", "initial design failed: " + self->system().render(e));
          });
    },
    [self](register_atom, const std::string& secret, const std::string& node,
           worker_actor& controller) -> caf::result<objective_spec> {
      auto& st = self->state;
      auto sender = self->current_sender();
      const std::string from = sender ? caf::to_string(sender->node()) : "?";
      if (secret != st.cfg.secret) {
        ++st.rejected;
        note(self, "rejected a registration from " + node + " (" + from
                     + "): wrong cluster secret");
        return caf::make_error(caf::sec::runtime_error,
                               "registration rejected: wrong cluster secret");
      }
      if (st.done)
        return caf::make_error(caf::sec::runtime_error, "the run is over");
      if (controller) {
        self->monitor(controller);
        st.workers[controller.node()] = {controller, node};
      }
      ++st.nodes_joined;
      note(self, "node " + node + " (" + from + ") registered");
      return st.cfg.spec;
    },
    [self](join_atom, const std::string& secret, const std::string& node,
           const std::vector<evaluator_actor>& evs) {
      auto& st = self->state;
      auto sender = self->current_sender();
      const bool local = local_sender(self);
      bool ok = secret == st.cfg.secret;
      if (ok && !local) {
        // Only a registered node, and only its own evaluators.
        ok = st.workers.count(sender->node()) > 0;
        for (auto& ev : evs)
          ok = ok && ev && ev.node() == sender->node();
      }
      if (!ok) {
        ++st.rejected;
        note(self, "rejected " + std::to_string(evs.size()) + " evaluators from " + node
                     + ": wrong secret, unregistered node or foreign evaluators");
        return;
      }
      if (!local)
        note(self, "node " + node + " offers " + std::to_string(evs.size())
                     + " evaluators");
      add_evaluators(self, evs, node);
    },
    [self](abort_atom, const std::string& status, const std::string& why) {
      if (local_sender(self))
        finish(self, status, why);
    },
  };
}

} // namespace asyncbo::actors
