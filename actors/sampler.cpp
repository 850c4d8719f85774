// SPDX-License-Identifier: Apache-2.0
// The sampler actor.
#include "actors/sampler.hpp"

#include <chrono>

#include "core/engine.hpp"

namespace asyncbo::actors {

sampler_actor::behavior_type sampler(sampler_actor::stateful_pointer<sampler_state> self) {
  return {
    [self](fallback_atom, const fallback_request& req) {
      auto& st = self->state;
      proposal_batch out;
      out.status = "fallback";
      const auto t0 = std::chrono::steady_clock::now();
      try {
        if (req.source && req.k > 0) {
          // A newer snapshot with the same hyper-parameters adds nothing
          // the results below do not: keep extending (cheap) instead of
          // building on it (a build costs tens of ms at n = 2 000).
          if (!st.draws
              || (&st.draws->source() != req.source.get()
                  && !st.draws->can_continue(*req.source))) {
            st.draws = std::make_unique<thompson_fallback>(req.source);
            st.have = req.told_at_source;
            ++st.builds;
          }
          const std::uint64_t n = req.values.size();
          if (n > 0 && st.have >= req.from && st.have < req.from + n) {
            const auto skip = static_cast<Eigen::Index>(st.have - req.from);
            const auto k = static_cast<Eigen::Index>(n) - skip;
            const auto D = static_cast<Eigen::Index>(req.units.size() / n);
            st.draws->observe(Eigen::Map<const mat>(req.units.data() + skip * D, D, k),
                              Eigen::Map<const vec>(req.values.data() + skip, k));
            st.have = req.from + n;
          }
          for (auto& p : st.draws->draw(req.k)) {
            job j = to_job(p, req.batch);
            j.fallback = true;
            out.points.push_back(std::move(j));
          }
        }
      } catch (const std::exception& e) {
        // A fallback is an optimisation: without it the evaluators wait for
        // the ask, as they would without the option.
        ++st.failures;
        out.points.clear();
        out.status = std::string("fallback failed: ") + e.what();
      }
      out.ask_ms = std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - t0)
                     .count();
      return out;
    },
  };
}

} // namespace asyncbo::actors
