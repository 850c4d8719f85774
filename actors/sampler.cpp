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
          for (auto& p : st.server.serve(req.source, req.told_at_source, req.from, req.units,
                                         req.values, req.k)) {
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
