// SPDX-License-Identifier: Apache-2.0
// The optimizer actor.
#include "actors/optimizer.hpp"

#include <chrono>

namespace asyncbo::actors {

optimizer_actor::behavior_type
optimizer(optimizer_actor::stateful_pointer<optimizer_state> self,
          std::shared_ptr<engine> eng, std::size_t batch_size, bool fallback) {
  self->state.eng = std::move(eng);
  self->state.batch_size = std::max<std::size_t>(1, batch_size);
  self->state.fallback = fallback;
  return {
    [self](initial_atom, std::uint32_t n) -> caf::result<proposal_batch> {
      proposal_batch out;
      try {
        for (auto& p : self->state.eng->initial_design(n))
          out.points.push_back(to_job(p, 0));
      } catch (const std::exception& e) {
        return caf::make_error(caf::sec::runtime_error, std::string(e.what()));
      }
      out.status = "initial";
      return out;
    },
    [self](ask_atom, std::uint32_t k) -> caf::result<proposal_batch> {
      auto& st = self->state;
      proposal_batch out;
      auto t0 = std::chrono::steady_clock::now();
      try {
        for (auto chunk : split_ask(k, st.batch_size)) {
          auto ps = st.eng->ask(chunk);
          ++st.batches;
          for (auto& p : ps)
            out.points.push_back(to_job(p, st.batches));
          out.status = to_string(st.eng->last_ask().status);
          out.message = st.eng->last_ask().message;
          if (st.eng->last_ask().status == ask_status::space_exhausted)
            break;
        }
      } catch (const std::exception& e) {
        return caf::make_error(caf::sec::runtime_error, std::string(e.what()));
      }
      out.repeats_allowed = st.eng->repeats_worth_it();
      if (auto rec = st.eng->current_recommendation())
        out.recommended_mean = rec->mean;
      if (st.fallback)
        out.source = st.eng->snapshot();
      out.ask_ms = std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
      return out;
    },
    [self](tell_atom, const io::evaluation_record& r) {
      auto& e = *self->state.eng;
      try {
        vec x = Eigen::Map<const vec>(r.x.data(), static_cast<Eigen::Index>(r.x.size()));
        std::optional<point_id> id;
        if (e.pending().count(r.id))
          id = r.id;
        if (r.ok())
          e.tell({observation{id, x, r.value}});
        else if (is_point_failure(r.status))
          e.tell_failure(id, x);   // the point failed: failure data
        else
          e.forget(r.id);          // lost or interrupted: says nothing
      } catch (const std::exception&) {
        // The pool validates results before they get here; a tell the engine
        // still rejects is counted and the point forgotten, never a crash.
        ++self->state.rejected_tells;
        e.forget(r.id);
      }
    },
    [self](pending_atom, const job& j) {
      try {
        vec x = Eigen::Map<const vec>(j.x.data(), static_cast<Eigen::Index>(j.x.size()));
        self->state.eng->restore_pending(j.id, x);
      } catch (const std::exception&) {
        // Its result is still told (as a point that was never asked).
        ++self->state.rejected_pending;
      }
    },
    [self](forget_atom, point_id id) { self->state.eng->forget(id); },
    [self](recommend_atom) {
      io::recommendation out;
      try {
        if (auto r = self->state.eng->recommend()) {
          out.found = true;
          out.x.assign(r->x.data(), r->x.data() + r->x.size());
          out.mean = r->mean;
          out.sd = r->sd;
          out.observed = r->observed;
          out.noise_variance = self->state.eng->noise_variance();
          out.failures = self->state.eng->num_failures();
        }
      } catch (const std::exception&) {
        out.found = false; // the summary falls back to the best observation
      }
      return out;
    },
  };
}

} // namespace asyncbo::actors
