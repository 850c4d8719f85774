// SPDX-License-Identifier: Apache-2.0
// The collector actor.
#include "actors/collector.hpp"

#include <cstdio>

#include "io/plot.hpp"

namespace asyncbo::actors {

namespace {

using self_ptr = collector_actor::stateful_pointer<collector_state>;

void print_progress(collector_state& st, const pool_snapshot& snap, bool final) {
  auto now = std::chrono::steady_clock::now();
  if (!final && now - st.last_progress < std::chrono::milliseconds(100))
    return;
  st.last_progress = now;
  char best[64] = "-", rec[64] = "-", eta[32] = "-";
  if (st.have_best)
    std::snprintf(best, sizeof(best), "%.6g", st.best);
  if (snap.recommended_mean == snap.recommended_mean)
    std::snprintf(rec, sizeof(rec), "%.6g", snap.recommended_mean);
  // ETA from this process's pace (results since it started).
  const double elapsed = std::chrono::duration<double>(now - st.started).count();
  if (auto left = io::eta_seconds(elapsed, st.ok, st.ok_at_start, st.cfg.total_points))
    std::snprintf(eta, sizeof(eta), "%.0f s", *left);
  // A bar on a terminal.
  std::string bar;
  if (st.cfg.tty && st.cfg.total_points > 0) {
    const std::size_t width = 20;
    const std::size_t full = std::min(width, st.ok * width / st.cfg.total_points);
    bar = "[" + std::string(full, '#') + std::string(width - full, '.') + "] ";
  }
  std::fprintf(stderr,
               "%s[asyncbo] %sobservations %zu/%zu  ETA %s  best %s  recommended %s  "
               "busy %u/%u  last ask %.1f ms%s",
               st.cfg.tty ? "\r\033[K" : "", bar.c_str(), st.ok, st.cfg.total_points, eta,
               best, rec, snap.busy, snap.evaluators, snap.last_ask_ms,
               st.cfg.tty && !final ? "" : "\n");
  std::fflush(stderr);
}

/// Reports the outcome to the runner, once.
void report(self_ptr self, run_outcome out) {
  if (self->state.reported)
    return;
  self->state.reported = true;
  if (auto& live = self->state.cfg.live)
    live->finish(out.status, out.message);
  caf::anon_send(self->state.main, done_atom::value, std::move(out));
}

void fail(self_ptr self, const std::string& msg) {
  report(self, run_outcome{io::run_status::failed, msg, {}});
}

void count(collector_state& st, const io::evaluation_record& r) {
  if (!r.ok())
    return;
  ++st.ok;
  if (!st.have_best || r.value < st.best) {
    st.best = r.value;
    st.have_best = true;
  }
}

/// summary.json and plot.svg; throws std::runtime_error naming the file.
void write_summary(const collector_state& st, const io::run_stats& rs,
                   io::recommendation rec) {
  const auto& obj = st.cfg.objective;
  const auto answer = io::known_answer_of(obj.name, obj.minimum);
  auto summary
    = io::make_summary(st.records, obj.names, answer, rs, st.cfg.config, rec, obj.choices);
  io::write_file_atomic(st.cfg.dir + "/summary.json", summary.dump(2) + "\n");
  if (!st.cfg.plot)
    return;
  const test_function* contour = obj.builtin() && obj.names.size() == 2 ? obj.builtin()
                                                                        : nullptr;
  io::write_file_atomic(st.cfg.dir + "/plot.svg",
                        io::make_plot_svg(st.records, obj.names, contour, answer,
                                          st.cfg.title, rec.found ? rec.x : std::vector<double>{},
                                          obj.choices));
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
    count(st, r);
  st.ok_at_start = st.ok;
  return {
    [self](dispatch_atom, const job& j, double t) {
      auto& st = self->state;
      // A fallback point joins the optimizer's pending set first; its
      // result, which comes through here too, is told after.
      if (j.fallback && j.attempt == 0)
        self->send(st.optimizer, pending_atom::value, j);
      if (!st.cfg.events)
        return;
      try {
        st.cfg.events->dispatch(j.id, j.attempt, j.x, j.initial, j.batch, t, j.fallback);
      } catch (const std::exception& e) {
        fail(self, e.what());
      }
    },
    [self](result_atom, io::evaluation_record& rec, const pool_snapshot& snap) {
      auto& st = self->state;
      // Durable first: the log lines are written before anything else, the
      // checkpoint (events.jsonl) before the table (a resume rebuilds the
      // table from the checkpoint, so a failure between the two loses
      // nothing and doubles nothing).
      try {
        if (st.cfg.events)
          st.cfg.events->result(rec);
        if (st.cfg.csv)
          st.cfg.csv->write(rec);
      } catch (const std::exception& e) {
        fail(self, e.what());
        return;
      }
      count(st, rec);
      if (st.cfg.live)
        st.cfg.live->add_record(rec);
      if (rec.final)
        self->send(st.optimizer, tell_atom::value, rec);
      st.records.push_back(std::move(rec));
      st.last_snapshot = snap;
      if (st.cfg.progress)
        print_progress(st, snap, false);
    },
    [self](forget_atom, point_id id) { self->send(self->state.optimizer, forget_atom::value, id); },
    [self](note_atom, const std::string& text) {
      auto& st = self->state;
      if (st.cfg.tty && st.cfg.progress)
        std::fprintf(stderr, "\r\033[K");
      std::fprintf(stderr, "asyncbo: %s\n", text.c_str());
      if (!st.cfg.events)
        return;
      try {
        double t = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                 - st.started)
                     .count();
        st.cfg.events->note(text, t);
      } catch (const std::exception& e) {
        fail(self, e.what());
      }
    },
    [self](ask_atom, std::uint32_t k) {
      return self->delegate(self->state.optimizer, ask_atom::value, k);
    },
    [self](finish_atom, io::run_stats& rs) {
      auto& st = self->state;
      rs.resumed = st.cfg.resumed;
      if (st.cfg.progress) {
        auto snap = st.last_snapshot;
        snap.busy = 0;
        print_progress(st, snap, true);
      }
      if (st.cfg.dir.empty()) {
        report(self, run_outcome{rs.status, rs.message, {}});
        return;
      }
      // The recommendation comes from the model; without an answer in time
      // the summary reports the best observation.
      auto finish = [self, rs](io::recommendation rec) {
        if (auto& live = self->state.cfg.live)
          live->set_recommendation(rec);
        run_outcome out{rs.status, rs.message, {}};
        try {
          write_summary(self->state, rs, std::move(rec));
        } catch (const std::exception& e) {
          out = run_outcome{io::run_status::failed,
                            std::string("writing the summary: ") + e.what(), {}};
        }
        report(self, std::move(out));
      };
      self->request(st.optimizer, std::chrono::seconds(60), recommend_atom::value)
        .then([finish](io::recommendation& rec) { finish(std::move(rec)); },
              [finish](caf::error&) { finish(io::recommendation{}); });
    },
  };
}

} // namespace asyncbo::actors
