// SPDX-License-Identifier: Apache-2.0
// The options of the ask/tell engine: rules, acquisition functions, the
// optimiser preset (each with its one name table) and engine_options, the
// struct the settings schema binds its [acquisition] and [model] keys to.
#pragma once

#include <optional>
#include <string>

#include "core/acq_optimizer.hpp"
#include "core/acquisition.hpp"
#include "core/fallback.hpp"
#include "core/feasibility.hpp"
#include "core/gp_fit.hpp"
#include "core/names.hpp"
#include "core/qei.hpp"

namespace asyncbo {

/// How ask(k) builds its batch.
enum class rule_kind {
  sync,         ///< EfficientGlobalOptimization: ignores pending points
  async_joint,  ///< AsynchronousOptimization: joint q-EI, pending points fixed
  async_greedy, ///< AsynchronousGreedy: one point at a time, pending penalised
  random,       ///< uniform random search (no model)
};

template <>
struct enum_names<rule_kind> {
  static constexpr std::pair<rule_kind, const char*> items[] = {
    {rule_kind::async_joint, "async-joint"},
    {rule_kind::async_greedy, "async-greedy"},
    {rule_kind::sync, "sync"},
    {rule_kind::random, "random"}};
};

enum class acquisition_kind { batch_mc_ei, local_penalization, ei };

template <>
struct enum_names<acquisition_kind> {
  static constexpr std::pair<acquisition_kind, const char*> items[] = {
    {acquisition_kind::batch_mc_ei, "batch-mc-ei"},
    {acquisition_kind::local_penalization, "local-penalization"},
    {acquisition_kind::ei, "ei"}};
};

/// Defaults of the acquisition optimiser and of the exploring points.
enum class optimizer_preset {
  asyncbo, ///< Sobol screening + around-best points, 2 + d runs, a Thompson point every 4
  trieste, ///< Trieste's literal settings (acq_optimizer_options::trieste), no Thompson points
};

template <>
struct enum_names<optimizer_preset> {
  static constexpr std::pair<optimizer_preset, const char*> items[] = {
    {optimizer_preset::asyncbo, "asyncbo"}, {optimizer_preset::trieste, "trieste"}};
};

/// Options of the engine. Rules and functions combine as follows:
/// * sync: batch-mc-ei (joint batch), local-penalization (greedy batch),
///   ei (k = 1 only);
/// * async-joint: batch-mc-ei;
/// * async-greedy: local-penalization, or batch-mc-ei (sequential greedy
///   q-EI: each point optimised with q = 1 and all pending points fixed;
///   Trieste rejects this combination, asyncbo allows it);
/// * random: any (the function is not used).
struct engine_options {
  rule_kind rule = rule_kind::async_joint;
  acquisition_kind acquisition = acquisition_kind::batch_mc_ei;
  /// Fixed likelihood variance; 0 = learned (learn_noise) or Trieste's
  /// default v0 / 100, v0 the population variance of the data at the first
  /// fit.
  double likelihood_variance = 0.0;
  /// With likelihood_variance 0: fit the noise variance with the other
  /// hyper-parameters (model.noise = "learn"); its prior is LogNormal with
  /// median v0 / 100 and log-scale 3, inside [1e-8 v0, v0] (the floor lets
  /// noise-free data interpolate). false: fixed at v0 / 100.
  bool learn_noise = true;
  qei_options qei;
  lp_options lp;
  /// The preset fills what is left at its "automatic" value: the
  /// optimiser's screening_points and restarts (0) and thompson_every
  /// (unset). optimizer_for() and thompson_period() give what is used.
  optimizer_preset preset = optimizer_preset::asyncbo;
  acq_optimizer_options optimizer;
  gp_fit_options fit;
  /// Initial design from scrambled Sobol points instead of uniform draws.
  bool sobol_initial_design = false;
  /// Extra screening candidates around the best observations (Gaussian
  /// perturbations, scale log-uniform in [1e-3, 1e-1] of the unit cube): the
  /// EI peak next to the incumbent is narrower than the spacing of the
  /// screening points late in a run. 0 disables.
  std::size_t around_best = 200;
  /// Every this-many-th asked point (counted over the run) is a Thompson
  /// sample instead of the acquisition's choice: the minimiser of one
  /// posterior draw as a function (posterior_sample, thompson_features
  /// random features), screened on thompson_candidates scrambled Sobol
  /// points plus the around-best candidates and refined by L-BFGS-B (the
  /// optimiser's restarts). The other points of that ask treat it as
  /// pending. 0 = never; unset = the preset's: asyncbo 4 (docs/experiments/history.md §16:
  /// fewer trapped runs and lower regret on every function of the suite and
  /// on the seed experiment), trieste 0.
  std::optional<std::size_t> thompson_every;
  /// refit_every, or the preset's when unset.
  std::size_t refit_period() const;
  std::size_t thompson_candidates = 1024;
  std::size_t thompson_features = 1024;
  /// Failed points (tell_failure) teach a model of the probability of
  /// success, which weights every acquisition (objective.on-failure =
  /// "learn"); false: they are only forgotten ("forget").
  bool learn_failures = true;
  feasibility_options feasibility;
  /// Refit schedule of the GP's hyper-parameters (model.refit-every; unset =
  /// the preset's: asyncbo 0, trieste 1; refit_period()). The MAP fit runs at
  /// the first ask; after it:
  ///  - 0 (asyncbo's) follows the data: a refit once the data have grown by
  ///    `refit_fraction` of their size at the last fit (at least one point),
  ///    so at n = 20 every new result refits and at n = 2 000 every 100th
  ///    does. The fits' total cost is a geometric series, about
  ///    1 / refit_fraction times the last fit's, instead of one per ask;
  ///  - K >= 1 refits at most every K asks, and always once the data have
  ///    grown by `refit_growth` since the last fit (1 = every ask, as Trieste).
  /// Between fits the posterior is extended to the new data with the last
  /// hyper-parameters (one rank-k update of the factor instead of a fit's
  /// hundreds of factorisations). Every fit is warm-started from the last
  /// hyper-parameters. Where asyncbo departs from Trieste: Trieste refits at
  /// every ask, which costs O(n^3) per ask and, at n = 1 000, 2 s of a 2.07 s
  /// ask (BENCHMARKS.md).
  std::optional<std::size_t> refit_every;
  double refit_fraction = 0.05;
  double refit_growth = 0.25;
  /// Large data (model.max-exact): with more observations than this at a
  /// fit, the GP is fitted and conditioned on a subset of max_exact of them
  /// (subset of data, Rasmussen and Williams 2006, sec. 8.3.1): the
  /// max_exact / 2 lowest values and, from the rest, an even spread over
  /// the order in which they were told. The incumbent region keeps all its
  /// data, the rest of the space a thinner cover. Points told between fits
  /// are appended (the factor is extended), so the model holds at most
  /// max_exact points plus those of one refit interval. 0 = never.
  /// Error against the exact GP: docs/experiments/history.md §18.
  std::size_t max_exact = 2000;
  /// The draws made from snapshot() (non-blocking dispatch).
  fallback_options fallback;

  /// Empty if valid, else every problem, one per line, each naming the
  /// option and the rule.
  std::string validate() const;

  /// The acquisition optimiser's options for a variable of `d` coordinates
  /// (q D for a joint batch of q points): trieste's preset starts from
  /// acq_optimizer_options::trieste(d); screening_points and restarts set
  /// here (> 0) win over either preset.
  acq_optimizer_options optimizer_for(std::size_t d) const;
  /// thompson_every, or the preset's when unset.
  std::size_t thompson_period() const;
  /// The q-EI options the rule uses: the trieste preset scores screening
  /// points with every base sample, as Trieste does.
  qei_options qei_for() const;
};

} // namespace asyncbo
