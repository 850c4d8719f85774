// SPDX-License-Identifier: Apache-2.0
// The pool actor.
#include "actors/pool.hpp"

#include <algorithm>
#include <cmath>

#include "core/engine.hpp"

namespace asyncbo::actors {

pool_snapshot pool_state::snapshot() const {
  pool_snapshot s;
  s.busy = static_cast<std::uint32_t>(disp->busy());
  s.evaluators = static_cast<std::uint32_t>(disp->evaluators());
  s.queued = static_cast<std::uint32_t>(disp->queued());
  s.asks = ask_ms.size();
  s.to_request = disp->to_request();
  s.ask_outstanding = disp->ask_outstanding();
  s.requeued = disp->stats().requeued;
  s.retried = disp->stats().retried;
  s.rejected = rejected + disp->stats().stale;
  s.last_ask_ms = last_ask_ms;
  s.recommended_mean = recommended_mean;
  return s;
}

namespace {

using self_ptr = pool_actor::stateful_pointer<pool_state>;

void step(self_ptr self);
void publish_live(pool_state& st);

// -- the virtual clock (delay.clock = "virtual") ------------------------------

/// A ticket for something that begins now, on the virtual clock only.
std::optional<virtual_clock::ticket> begin_event(pool_state& st) {
  if (!st.sim)
    return std::nullopt;
  return st.sim->begin();
}

/// Runs every held event the clock can release, in simulated-time order.
void release(self_ptr self) {
  auto& st = self->state;
  if (!st.sim)
    return;
  while (auto t = st.sim->next()) {
    auto it = st.held.find(*t);
    if (it == st.held.end())
      continue;
    auto fn = std::move(it->second);
    st.held.erase(it);
    fn();
  }
}

/// Runs `fn` at simulated time `at` (virtual clock), or now (real clock).
void when(self_ptr self, std::optional<virtual_clock::ticket> t, double at,
          virtual_clock::tie order, std::function<void()> fn) {
  auto& st = self->state;
  if (!t || !st.sim) {
    fn();
    return;
  }
  if (st.sim->known(*t, at, order)) {
    st.held.emplace(*t, std::move(fn));
    release(self);
  }
}

/// `t` will not end (its evaluator is gone, its ask failed).
void cancel_event(self_ptr self, std::optional<virtual_clock::ticket> t) {
  auto& st = self->state;
  if (!t || !st.sim)
    return;
  st.sim->cancel(*t);
  st.held.erase(*t);
  release(self);
}

void note(self_ptr self, const std::string& text) {
  self->send(self->state.collector, note_atom::value, text);
}

void send_stats(self_ptr self, io::run_status status, const std::string& msg) {
  auto& st = self->state;
  const auto& ds = st.disp->stats();
  io::run_stats rs;
  rs.status = status;
  rs.message = msg;
  rs.ask_ms = st.ask_ms;
  for (double s : ds.dispatch_latency)
    rs.dispatch_ms.push_back(1000.0 * s);
  rs.wall_time_s = st.now();
  rs.main_start_s = ds.main_start;
  rs.last_dispatch_s = ds.last_dispatch;
  rs.capacity_seconds = ds.capacity;
  rs.capacity_seconds_steady = ds.capacity_steady;
  rs.requeued = ds.requeued;
  rs.retried = ds.retried;
  rs.rejected = st.rejected + ds.stale;
  rs.nodes = st.nodes_joined;
  rs.transport_ms = st.transport_ms;
  rs.virtual_clock = st.sim.has_value();
  rs.fallback = st.disp->options().fallback;
  rs.fallback_requests = ds.fallback_requests;
  rs.fallback_points = ds.fallback_points;
  rs.fallback_empty = ds.fallback_empty;
  rs.fallback_ms = st.fallback_ms;
  self->send(st.collector, finish_atom::value, std::move(rs));
}

/// Ends the run: tells every remote worker to stop (waiting at most 2 s for
/// each to confirm), then hands the statistics to the collector.
void finish(self_ptr self, io::run_status status, const std::string& msg) {
  auto& st = self->state;
  if (st.disp->stopped())
    return;
  st.disp->stop(st.now());
  if (st.cfg.cancel)
    st.cfg.cancel->store(true);
  publish_live(st);
  if (st.workers.empty()) {
    send_stats(self, status, msg);
    return;
  }
  auto left = std::make_shared<std::size_t>(st.workers.size());
  auto one_done = [self, left, status, msg] {
    if (--*left == 0)
      send_stats(self, status, msg);
  };
  for (auto& [node, w] : st.workers)
    self->request(w.first, std::chrono::seconds(2), stop_atom::value)
      .then([one_done](bool) { one_done(); }, [one_done](caf::error&) { one_done(); });
}

/// The record of an attempt of `j` that ended at `t`.
io::evaluation_record record_of(const job& j, double dispatched, double t) {
  io::evaluation_record rec;
  rec.id = j.id;
  rec.attempt = j.attempt;
  rec.initial = j.initial;
  rec.batch = j.batch;
  rec.x = j.x;
  rec.dispatch_time = dispatched;
  rec.start_time = dispatched;
  rec.end_time = t;
  return rec;
}

void on_lost(self_ptr self, slot_id slot, const std::string& why) {
  auto& st = self->state;
  auto m = st.members.find(slot);
  if (m == st.members.end())
    return;
  const double dispatched = st.disp->assigned_at(slot);
  if (auto lost = st.disp->remove_evaluator(slot, st.now())) {
    auto rec = record_of(*lost, dispatched, st.now());
    rec.status = attempt_status::lost;
    rec.reason = why;
    rec.worker = m->second.name;
    rec.final = false;
    self->send(st.collector, result_atom::value, std::move(rec), st.snapshot());
  }
  st.slot_of.erase(m->second.handle.address());
  st.members.erase(m);
  std::optional<virtual_clock::ticket> t;
  if (auto i = st.slot_ticket.find(slot); i != st.slot_ticket.end()) {
    t = i->second;
    st.slot_ticket.erase(i);
  }
  step(self);
  cancel_event(self, t);
}

/// Transport latency: result that triggered the ask -> job received by an
/// evaluator on this host, minus the ask time.
void account_transport(self_ptr self, slot_id slot, const result_msg& r) {
  auto& st = self->state;
  if (st.sim)
    return; // simulated times: no transport to measure
  auto tr = st.trigger_of.find({r.id, r.attempt});
  if (tr == st.trigger_of.end())
    return;
  // Same host only: CLOCK_MONOTONIC is shared by the processes of a host.
  auto host = [](const caf::node_id& n) {
    auto s = caf::to_string(n);
    return s.substr(0, s.find('#'));
  };
  const auto& handle = st.members[slot].handle;
  if (r.received_ns > 0 && host(handle.node()) == host(self->node()))
    st.transport_ms.push_back(1000.0 * (st.since_start(r.received_ns) - tr->second.first)
                              - tr->second.second);
  st.trigger_of.erase(tr);
}

void on_result(self_ptr self, slot_id slot, result_msg r) {
  auto& st = self->state;
  // Results from other processes are checked, never trusted.
  if (r.status == attempt_status::ok && !std::isfinite(r.value)) {
    r.status = attempt_status::not_finite;
    r.reason = "objective returned a non-finite value";
  }
  // The job and its dispatch time, before the dispatcher retires it.
  const job* current = st.disp->in_flight(slot);
  const std::optional<job> j = current ? std::optional<job>(*current) : std::nullopt;
  const double dispatched = st.disp->assigned_at(slot);
  const double t = st.now();
  const auto verdict
    = st.disp->result(slot, r.id, r.attempt, r.status == attempt_status::ok, t);
  // A late answer for a point already re-dispatched (its evaluator was
  // declared lost), or a reply that matches nothing: never told twice.
  if (verdict == result_verdict::stale)
    return;
  account_transport(self, slot, r);
  auto rec = record_of(*j, dispatched, t);
  rec.start_time = std::max(rec.dispatch_time, t - std::max(0.0, r.duration_s));
  rec.value = r.value;
  rec.status = r.status;
  rec.reason = std::move(r.reason);
  rec.worker = r.worker.empty() ? st.members[slot].name : std::move(r.worker);
  rec.final = verdict == result_verdict::final;
  auto why = st.disp->failure_limit();
  if (why && !rec.ok())
    *why += "; the last (point " + std::to_string(rec.id) + ", attempt "
            + std::to_string(rec.attempt) + ", " + rec.worker + "): "
            + to_string(rec.status) + ": " + rec.reason;
  if (st.cfg.sampler && rec.ok() && rec.final)
    st.feed.told(j->unit, rec.value);
  self->send(st.collector, result_atom::value, std::move(rec), st.snapshot());
  if (why) {
    finish(self, io::run_status::failed, *why);
    return;
  }
  step(self);
}

void send_assignments(self_ptr self) {
  auto& st = self->state;
  for (auto& a : st.disp->assign(st.now())) {
    const slot_id slot = a.slot;
    const double dispatched = st.disp->assigned_at(slot);
    self->send(st.collector, dispatch_atom::value, a.work, dispatched);
    const auto t = begin_event(st);
    if (t)
      st.slot_ticket[slot] = *t;
    self->request(st.members[slot].handle, caf::infinite, evaluate_atom::value,
                  std::move(a.work))
      .then(
        [self, slot, t, dispatched](result_msg& r) {
          // Virtual clock: the result counts when simulated time reaches the
          // end of its (simulated) duration; ties in point-id order.
          const double end = dispatched + std::max(0.0, r.duration_s);
          const virtual_clock::tie order{0, r.id};
          when(self, t, end, order, [self, slot, r = std::move(r)]() mutable {
            self->state.slot_ticket.erase(slot);
            on_result(self, slot, std::move(r));
          });
        },
        [self, slot](caf::error& e) {
          on_lost(self, slot, "request failed: " + self->system().render(e));
        });
  }
}

void maybe_ask(self_ptr self) {
  auto& st = self->state;
  auto k = st.disp->ask(st.now());
  if (!k)
    return;
  const auto t = begin_event(st);
  const double started = st.now();
  const std::uint64_t n = ++st.asks_started;
  const std::uint64_t told = st.feed.size();
  self->request(st.collector, caf::infinite, ask_atom::value, *k)
    .then(
      [self, t, started, n, told](proposal_batch& b) {
        // Virtual clock: the answer comes ask-cost (or the measured time)
        // after the ask began; results before then are told first.
        const double cost
          = self->state.cfg.ask_cost >= 0.0 ? self->state.cfg.ask_cost : b.ask_ms / 1000.0;
        when(self, t, started + cost, {1, n}, [self, told, b = std::move(b)]() mutable {
          auto& st = self->state;
          if (st.disp->stopped())
            return;
          st.ask_ms.push_back(b.ask_ms);
          st.last_ask_ms = b.ask_ms;
          st.recommended_mean = b.recommended_mean;
          if (b.source) {
            st.source = std::move(b.source);
            st.feed.new_source(told); // the model holds every result told before the ask
          }
          for (auto& p : b.points)
            st.last_batch = std::max(st.last_batch, p.batch);
          std::vector<std::pair<std::uint64_t, std::uint32_t>> keys;
          for (auto& p : b.points)
            keys.emplace_back(p.id, p.attempt);
          // Points that fallbacks made unnecessary (the budget is spent),
          // and repeats of points a fallback just drew (lattice spaces),
          // are never dispatched: the optimizer stops counting them as
          // pending. Their ids stay unused.
          std::vector<job> surplus;
          st.disp->allow_repeats(b.repeats_allowed);
          const bool exhausted = b.status == to_string(ask_status::space_exhausted);
          if (exhausted && st.end_message.empty())
            st.end_message = b.message;
          const double trigger
            = st.disp->answered(std::move(b.points), st.now(), &surplus, exhausted);
          for (auto& j : surplus)
            self->send(st.collector, forget_atom::value, j.id);
          for (auto& key : keys)
            st.trigger_of[key] = {trigger, b.ask_ms};
          step(self);
        });
      },
      [self, t](caf::error& e) {
        self->state.disp->ask_failed();
        finish(self, io::run_status::failed, "ask failed: " + self->system().render(e));
        cancel_event(self, t);
      });
}

/// Non-blocking dispatch: while an ask is outstanding, evaluators it will not
/// serve get Thompson draws on the last answered ask's model.
void maybe_fallback(self_ptr self) {
  auto& st = self->state;
  auto k = st.disp->fallback(st.now());
  if (!k)
    return;
  const auto t = begin_event(st);
  const double started = st.now();
  const std::uint64_t n = ++st.asks_started;
  fallback_request req;
  req.source = st.source;
  req.k = *k;
  req.batch = st.last_batch;
  req.told_at_source = st.feed.held_by_source();
  if (st.source) {
    auto b = st.feed.next();
    req.units = std::move(b.units);
    req.values = std::move(b.values);
    req.from = b.from;
  }
  self->request(st.cfg.sampler, caf::infinite, fallback_atom::value, std::move(req))
    .then(
      [self, t, started, n](proposal_batch& b) {
        const double cost = self->state.cfg.ask_cost >= 0.0 ? 0.0 : b.ask_ms / 1000.0;
        when(self, t, started + cost, {1, n}, [self, b = std::move(b)]() mutable {
          auto& st = self->state;
          if (st.disp->stopped())
            return;
          if (!b.points.empty())
            st.fallback_ms.push_back(b.ask_ms);
          st.disp->fallback_answered(std::move(b.points), st.now());
          step(self);
        });
      },
      [self, t](caf::error&) {
        // The sampler is gone: wait for the asks, as without the option.
        auto& st = self->state;
        st.disp->fallback_answered({}, st.now());
        cancel_event(self, t);
        step(self);
      });
}

/// Hands the dashboard a copy of what the pool knows (a short lock, no I/O).
void publish_live(pool_state& st) {
  if (!st.cfg.live)
    return;
  io::live_pool p;
  for (auto& [slot, m] : st.members) {
    io::live_evaluator e;
    e.name = m.name;
    e.node = m.node;
    if (const job* j = st.disp->in_flight(slot)) {
      e.busy = true;
      e.id = j->id;
      e.attempt = j->attempt;
      e.x = j->x;
      e.since = st.disp->assigned_at(slot);
    }
    p.evaluators.push_back(std::move(e));
  }
  for (auto& j : st.disp->queue())
    p.queued.push_back(j.x);
  p.asks = st.ask_ms.size();
  p.retried = st.disp->stats().retried;
  p.requeued = st.disp->stats().requeued;
  p.ask_outstanding = st.disp->ask_outstanding();
  p.last_ask_ms = st.last_ask_ms;
  // The same medians as summary.json's.
  p.median_ask_ms = io::summarize(st.ask_ms).median;
  p.median_dispatch_ms = 1000.0 * io::summarize(st.disp->stats().dispatch_latency).median;
  p.recommended_mean = st.recommended_mean;
  st.cfg.live->set_pool(std::move(p));
}

/// Publishes at most every 50 ms: with a thousand evaluators, copying them
/// after every event would cost more than the dispatch itself.
void maybe_publish_live(self_ptr self) {
  auto& st = self->state;
  if (!st.cfg.live || st.live_scheduled)
    return;
  constexpr auto period = std::chrono::milliseconds(50);
  const auto now = std::chrono::steady_clock::now();
  if (now - st.last_live >= period) {
    st.last_live = now;
    publish_live(st);
    return;
  }
  st.live_scheduled = true;
  self->delayed_send(self, period - (now - st.last_live), publish_atom::value);
}

/// After every event: send what can run, ask if an ask is due, end if done.
void step(self_ptr self) {
  auto& st = self->state;
  if (st.disp->stopped())
    return;
  send_assignments(self);
  maybe_ask(self);
  maybe_fallback(self);
  maybe_publish_live(self);
  if (st.disp->done())
    finish(self, io::run_status::completed, st.end_message);
}

/// True if the current message comes from this process (or has no sender,
/// as anon_send from the runner).
bool local_sender(self_ptr self) {
  auto& s = self->current_sender();
  return !s || s->node() == self->node();
}

void add_evaluators(self_ptr self, const std::vector<evaluator_actor>& evs,
                    const std::string& node) {
  auto& st = self->state;
  for (auto& ev : evs) {
    if (!ev || st.slot_of.count(ev.address()))
      continue;
    self->monitor(ev);
    const slot_id slot = st.disp->add_evaluator(st.now());
    st.slot_of[ev.address()] = slot;
    st.members[slot] = {ev, node + "/" + std::to_string(st.evaluator_seq++), node};
  }
  step(self);
}

} // namespace

pool_actor::behavior_type pool(pool_actor::stateful_pointer<pool_state> self,
                               pool_config cfg, optimizer_actor optimizer,
                               collector_actor collector) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.cfg.dispatch.fallback = st.cfg.dispatch.fallback && st.cfg.sampler;
  st.disp.emplace(st.cfg.dispatch, std::move(st.cfg.requeue));
  if (st.cfg.virtual_clock)
    st.sim.emplace(st.cfg.virtual_start);
  st.optimizer = std::move(optimizer);
  st.collector = std::move(collector);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.workers.begin(); it != st.workers.end(); ++it)
      if (it->second.first.address() == dm.source) {
        note(self, "node " + it->second.second + " left: "
                     + self->system().render(dm.reason));
        st.workers.erase(it);
        return;
      }
    if (auto s = st.slot_of.find(dm.source); s != st.slot_of.end())
      on_lost(self, s->second, "evaluator down: " + self->system().render(dm.reason));
  });
  return {
    [self](start_atom) {
      auto& st = self->state;
      if (!local_sender(self) || st.started)
        return;
      st.started = true;
      const auto n = st.disp->start(st.now());
      step(self);
      if (n == 0)
        return;
      const auto t = begin_event(st);
      self->request(st.optimizer, caf::infinite, initial_atom::value,
                    static_cast<std::uint32_t>(n))
        .then(
          [self, t](proposal_batch& b) {
            // The initial design costs no simulated time.
            when(self, t, self->state.now(), {1, 0}, [self, b = std::move(b)]() mutable {
              self->state.disp->add_initial(std::move(b.points));
              step(self);
            });
          },
          [self, t](caf::error& e) {
            finish(self, io::run_status::failed,
                   "initial design failed: " + self->system().render(e));
            cancel_event(self, t);
          });
    },
    [self](register_atom, const std::string& secret, const std::string& node,
           worker_actor& controller) -> caf::result<io::objective_spec> {
      auto& st = self->state;
      auto sender = self->current_sender();
      const std::string from = sender ? caf::to_string(sender->node()) : "?";
      if (!io::equal_constant_time(secret, st.cfg.secret)) {
        ++st.rejected;
        note(self, "rejected a registration from " + node + " (" + from
                     + "): wrong cluster secret");
        return caf::make_error(caf::sec::runtime_error,
                               "registration rejected: wrong cluster secret");
      }
      if (st.disp->stopped())
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
      bool ok = io::equal_constant_time(secret, st.cfg.secret);
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
    [self](abort_atom, io::run_status status, const std::string& why) {
      if (local_sender(self))
        finish(self, status, why);
    },
    [self](status_atom) { return self->state.snapshot(); },
    [self](publish_atom) {
      auto& st = self->state;
      if (!local_sender(self))
        return;
      st.live_scheduled = false;
      st.last_live = std::chrono::steady_clock::now();
      publish_live(st);
    },
  };
}

} // namespace asyncbo::actors
