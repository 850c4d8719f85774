// SPDX-License-Identifier: Apache-2.0
// Validation and preset resolution of the engine's options.
#include "core/engine_options.hpp"

#include <cmath>

namespace asyncbo {

acq_optimizer_options engine_options::optimizer_for(std::size_t d) const {
  if (preset == optimizer_preset::asyncbo)
    return optimizer;   // its 0s are the asyncbo formulas (acq_optimizer.hpp)
  acq_optimizer_options o = acq_optimizer_options::trieste(d);
  if (optimizer.restarts > 0)
    o.restarts = optimizer.restarts;
  if (optimizer.screening_points > 0)
    o.screening_points = optimizer.screening_points;
  o.cancel = optimizer.cancel;
  return o;
}

std::size_t engine_options::thompson_period() const {
  if (thompson_every)
    return *thompson_every;
  return preset == optimizer_preset::asyncbo ? 4 : 0;   // Trieste's asks are the acquisition's only
}

std::size_t engine_options::refit_period() const {
  if (refit_every)
    return *refit_every;
  return preset == optimizer_preset::asyncbo ? 0 : 1;   // Trieste refits at every ask
}

qei_options engine_options::qei_for() const {
  qei_options o = qei;
  if (preset == optimizer_preset::trieste)
    o.screening_samples = 0;
  return o;
}

std::string engine_options::validate() const {
  std::string out;
  auto add = [&](const std::string& e) {
    if (!e.empty())
      out += (out.empty() ? "" : "\n") + e;
  };
  if (rule == rule_kind::async_joint && acquisition != acquisition_kind::batch_mc_ei)
    add(std::string("rule async-joint needs function batch-mc-ei (a joint "
                    "batch function), got ")
        + to_string(acquisition));
  if (rule == rule_kind::async_greedy && acquisition == acquisition_kind::ei)
    add("rule async-greedy needs function local-penalization or batch-mc-ei "
        "(ei ignores pending points)");
  if (!(likelihood_variance >= 0.0) || !std::isfinite(likelihood_variance))
    add("likelihood variance must be finite and >= 0 (0 = automatic)");
  add(qei.validate());
  add(lp.validate());
  add(optimizer.validate());
  add(fit.validate());
  add(feasibility.validate());
  if (!(refit_fraction > 0.0) || !std::isfinite(refit_fraction))
    add("refit_fraction (engine_options) must be finite and > 0");
  if (!(refit_growth >= 0.0) || !std::isfinite(refit_growth))
    add("refit_growth (engine_options) must be finite and >= 0");
  const std::size_t period = thompson_period();
  if (period > 0 && thompson_candidates == 0)
    add("thompson_candidates (engine_options) must be >= 1 when thompson-every is set");
  if (period > 0 && thompson_features == 0)
    add("thompson-features must be >= 1 when thompson-every is set");
  if (period > 0 && optimizer.restarts > thompson_candidates)
    add("thompson_candidates (engine_options, " + std::to_string(thompson_candidates)
        + ") must be >= restarts (" + std::to_string(optimizer.restarts)
        + ") when thompson-every is set: each Thompson draw is screened on them");
  add(fallback.validate());
  return out;
}

} // namespace asyncbo
