// SPDX-License-Identifier: Apache-2.0
// The collector actor.
#include "actors/collector.hpp"

#include <cstdio>

namespace asyncbo::actors {

io::evaluation_record to_record(const record_msg& m) {
  io::evaluation_record r;
  r.id = m.result.id;
  r.attempt = m.result.attempt;
  r.initial = m.initial;
  r.batch = m.batch;
  r.x = m.result.x;
  r.value = m.result.value;
  r.status = m.result.status;
  r.reason = m.result.reason;
  r.worker = m.result.worker;
  r.dispatch_time = m.dispatch_s;
  r.start_time = m.start_s;
  r.end_time = m.end_s;
  r.final = m.final;
  return r;
}

namespace {

void print_progress(collector_state& st, const pool_snapshot& snap, bool final) {
  auto now = std::chrono::steady_clock::now();
  if (!final && now - st.last_progress < std::chrono::milliseconds(100))
    return;
  st.last_progress = now;
  char best[64] = "-";
  if (st.have_best)
    std::snprintf(best, sizeof(best), "%.6g", st.best);
  std::fprintf(stderr, "%s[asyncbo] observations %zu/%zu  best %s  busy %u/%u  last ask %.1f ms%s",
               st.cfg.tty ? "\r\033[K" : "", st.ok, st.cfg.total_points, best, snap.busy,
               snap.evaluators, snap.last_ask_ms, st.cfg.tty && !final ? "" : "\n");
  std::fflush(stderr);
}

void fail(collector_actor::stateful_pointer<collector_state> self, const std::string& msg) {
  if (self->state.failed)
    return;
  self->state.failed = true;
  caf::anon_send(self->state.main, done_atom::value, run_outcome{1, "failed", msg});
}

} // namespace

collector_actor::behavior_type
collector(collector_actor::stateful_pointer<collector_state> self, collector_config cfg,
          optimizer_actor optimizer, caf::actor main) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.optimizer = std::move(optimizer);
  st.main = std::move(main);
  st.records = st.cfg.previous;
  for (auto& r : st.records)
    if (r.ok()) {
      ++st.ok;
      if (!st.have_best || r.value < st.best) {
        st.best = r.value;
        st.have_best = true;
      }
    }
  return {
    [self](dispatch_atom, const proposal_msg& p, double t) {
      auto& st = self->state;
      if (!st.cfg.events)
        return;
      try {
        st.cfg.events->dispatch(p.id, p.attempt, p.x, p.initial, p.batch, t);
      } catch (const std::exception& e) {
        fail(self, e.what());
      }
    },
    [self](result_atom, record_msg& m, const pool_snapshot& snap) {
      auto& st = self->state;
      auto rec = to_record(m);
      // Durable first: the log line is written before anything else happens.
      try {
        if (st.cfg.csv)
          st.cfg.csv->write(rec);
        if (st.cfg.events)
          st.cfg.events->result(rec);
      } catch (const std::exception& e) {
        fail(self, e.what());
      }
      st.records.push_back(rec);
      if (rec.ok()) {
        ++st.ok;
        if (!st.have_best || rec.value < st.best) {
          st.best = rec.value;
          st.have_best = true;
        }
      }
      if (m.final)
        self->send(st.optimizer, tell_atom::value, std::move(m.result), rec.ok());
      st.last_snapshot = snap;
      if (st.cfg.progress)
        print_progress(st, snap, false);
    },
    [self](note_atom, const std::string& text) {
      auto& st = self->state;
      if (st.cfg.tty && st.cfg.progress)
        std::fprintf(stderr, "\r\033[K");
      std::fprintf(stderr, "asyncbo: %s\n", text.c_str());
      if (st.cfg.events) {
        try {
          double t = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                   - st.started)
                       .count();
          st.cfg.events->note(text, t);
        } catch (const std::exception& e) {
          fail(self, e.what());
        }
      }
    },
    [self](ask_atom, std::uint32_t k) {
      return self->delegate(self->state.optimizer, ask_atom::value, k);
    },
    [self](finish_atom, const pool_stats& ps) {
      auto& st = self->state;
      io::run_stats rs;
      rs.status = ps.status;
      rs.message = ps.message;
      rs.ask_ms = ps.ask_ms;
      rs.dispatch_ms = ps.dispatch_ms;
      rs.wall_time_s = ps.end_s;
      rs.main_start_s = ps.main_start_s;
      rs.last_dispatch_s = ps.last_dispatch_s;
      rs.capacity_seconds = ps.capacity_seconds;
      rs.capacity_seconds_steady = ps.capacity_seconds_steady;
      rs.requeued = ps.requeued;
      rs.retried = ps.retried;
      rs.resumed = st.cfg.resumed;
      rs.rejected = ps.rejected;
      rs.nodes = ps.nodes;
      rs.transport_ms = ps.transport_ms;
      if (st.cfg.progress) {
        auto snap = st.last_snapshot;
        snap.busy = 0;
        print_progress(st, snap, true);
      }
      run_outcome out{ps.status == "completed" ? 0 : ps.status == "interrupted" ? 130 : 1,
                      ps.status, ps.message};
      try {
        if (st.cfg.dir.empty())
          throw std::logic_error("no output directory");
        auto summary = io::make_summary(st.records, st.cfg.names, st.cfg.minimum, rs,
                                        st.cfg.config);
        io::write_file_atomic(st.cfg.dir + "/summary.json", summary.dump(2) + "\n");
        if (st.cfg.plot)
          io::write_file_atomic(st.cfg.dir + "/plot.svg",
                                io::make_plot_svg(st.records, st.cfg.names,
                                                  st.cfg.function, st.cfg.minimum,
                                                  st.cfg.title));
      } catch (const std::logic_error&) {
        // no output directory (tests, library use without files)
      } catch (const std::exception& e) {
        out = run_outcome{1, "failed", std::string("writing the summary: ") + e.what()};
      }
      if (!st.failed)
        caf::anon_send(st.main, done_atom::value, std::move(out));
      st.failed = true;
    },
  };
}

} // namespace asyncbo::actors
