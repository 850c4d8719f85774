// SPDX-License-Identifier: Apache-2.0
// The ask/tell engine.
#include "core/engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>

namespace asyncbo {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
           std::chrono::steady_clock::now() - t0)
    .count();
}

constexpr rule_kind all_rules[] = {rule_kind::async_joint, rule_kind::async_greedy,
                                   rule_kind::sync, rule_kind::random};
constexpr acquisition_kind all_acquisitions[] = {acquisition_kind::batch_mc_ei,
                                                 acquisition_kind::local_penalization,
                                                 acquisition_kind::ei};
constexpr optimizer_preset all_presets[] = {optimizer_preset::asyncbo,
                                            optimizer_preset::trieste};
constexpr output_transform_kind all_output_transforms[] = {output_transform_kind::none,
                                                           output_transform_kind::power};

template <class E, std::size_t N>
bool parse_name(const E (&all)[N], const std::string& s, E& out) {
  for (auto e : all)
    if (s == to_string(e)) {
      out = e;
      return true;
    }
  return false;
}

template <class E, std::size_t N>
std::vector<std::string> names_of(const E (&all)[N]) {
  std::vector<std::string> out;
  for (auto e : all)
    out.emplace_back(to_string(e));
  return out;
}

} // namespace

const char* to_string(rule_kind r) {
  switch (r) {
    case rule_kind::sync: return "sync";
    case rule_kind::async_joint: return "async-joint";
    case rule_kind::async_greedy: return "async-greedy";
    case rule_kind::random: return "random";
  }
  return "unknown";
}

const char* to_string(acquisition_kind a) {
  switch (a) {
    case acquisition_kind::batch_mc_ei: return "batch-mc-ei";
    case acquisition_kind::local_penalization: return "local-penalization";
    case acquisition_kind::ei: return "ei";
  }
  return "unknown";
}

const char* to_string(optimizer_preset p) {
  switch (p) {
    case optimizer_preset::asyncbo: return "asyncbo";
    case optimizer_preset::trieste: return "trieste";
  }
  return "unknown";
}

const char* to_string(output_transform_kind t) {
  switch (t) {
    case output_transform_kind::none: return "none";
    case output_transform_kind::power: return "power";
  }
  return "unknown";
}

bool parse_rule(const std::string& s, rule_kind& out) {
  return parse_name(all_rules, s, out);
}

bool parse_acquisition(const std::string& s, acquisition_kind& out) {
  return parse_name(all_acquisitions, s, out);
}

bool parse_preset(const std::string& s, optimizer_preset& out) {
  return parse_name(all_presets, s, out);
}

bool parse_output_transform(const std::string& s, output_transform_kind& out) {
  return parse_name(all_output_transforms, s, out);
}

std::vector<std::string> rule_names() {
  return names_of(all_rules);
}

std::vector<std::string> acquisition_names() {
  return names_of(all_acquisitions);
}

std::vector<std::string> output_transform_names() {
  return names_of(all_output_transforms);
}

std::vector<std::string> preset_names() {
  return names_of(all_presets);
}

void engine_options::apply(optimizer_preset p, std::size_t dim, std::size_t batch) {
  switch (p) {
    case optimizer_preset::asyncbo:
      optimizer = acq_optimizer_options{};
      thompson_every = 4;
      stall_window = 0;
      return;
    case optimizer_preset::trieste: {
      const bool joint = rule != rule_kind::async_greedy
                         && acquisition == acquisition_kind::batch_mc_ei;
      optimizer = acq_optimizer_options::trieste(joint ? dim * batch : dim);
      qei.screening_samples = 0;
      thompson_every = 0;   // Trieste's asks are the acquisition's only
      stall_window = 0;
      return;
    }
  }
}

const char* to_string(ask_status s) {
  switch (s) {
    case ask_status::ok: return "ok";
    case ask_status::no_data: return "no_data";
    case ask_status::random_rule: return "random_rule";
    case ask_status::model_failed: return "model_failed";
  }
  return "unknown";
}

std::string engine_options::validate() const {
  std::string out;
  auto add = [&](const std::string& e) {
    if (!e.empty())
      out += (out.empty() ? "" : "\n") + e;
  };
  if (rule == rule_kind::async_joint
      && acquisition != acquisition_kind::batch_mc_ei)
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
  if (refit_every < 1)
    add("refit-every must be >= 1 (1 = refit at every ask), got 0");
  if (!(refit_growth >= 0.0) || !std::isfinite(refit_growth))
    add("refit-growth must be finite and >= 0");
  if (thompson_every > 0 && thompson_candidates == 0)
    add("thompson-candidates must be >= 1 when thompson-every is set");
  if (!(thompson_scale > 0.0) || !std::isfinite(thompson_scale))
    add("thompson-scale must be finite and > 0");
  if (!(stall_tolerance >= 0.0) || !std::isfinite(stall_tolerance))
    add("stall-tolerance must be finite and >= 0");
  if (!(stall_radius >= 0.0) || !std::isfinite(stall_radius))
    add("stall-radius must be finite and >= 0 (0 = one length-scale)");
  if (thompson_every > 0 && thompson_features == 0)
    add("thompson-features must be >= 1 when thompson-every is set");
  if (thompson_every > 0 && optimizer.restarts > thompson_candidates)
    add("thompson-candidates (" + std::to_string(thompson_candidates)
        + ") must be >= restarts (" + std::to_string(optimizer.restarts)
        + ") when thompson-every is set: each Thompson draw is screened on them");
  add(fallback.validate());
  return out;
}

engine::engine(search_space space, engine_options opts, std::uint64_t seed,
               executor* exec)
  : space_(std::move(space)), opts_(std::move(opts)), seed_(seed), exec_(exec) {
  if (auto err = opts_.validate(); !err.empty())
    throw std::invalid_argument(err);
}

proposal engine::make_proposal(const vec& unit, bool initial) {
  proposal p;
  p.id = ids_->take();
  p.x = space_.from_unit(unit);
  p.unit = space_.to_unit(p.x);
  p.initial = initial;
  pending_.emplace(p.id, p);
  return p;
}

std::vector<proposal> engine::initial_design(std::size_t n) {
  const std::uint64_t s = derive_seed(seed_, 0xD35164ull + asks_++);
  mat pts;
  if (opts_.sobol_initial_design) {
    sobol_sequence seq(space_.unit_dim(), true, s);
    pts = seq.take(n);
  } else {
    rng_type rng(s);
    pts = uniform_unit(space_.unit_dim(), n, rng);
  }
  std::vector<proposal> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(make_proposal(pts.col(i), true));
  return out;
}

std::vector<proposal> engine::random_points(std::size_t k, ask_status why) {
  rng_type rng(derive_seed(seed_, asks_));
  mat pts = uniform_unit(space_.unit_dim(), k, rng);
  last_.status = why;
  std::vector<proposal> out;
  for (std::size_t i = 0; i < k; ++i)
    out.push_back(make_proposal(pts.col(i), false));
  return out;
}

mat engine::around_best_candidates(std::size_t q, std::uint64_t seed) const {
  const std::size_t D = space_.unit_dim();
  const std::size_t m = opts_.around_best;
  if (m == 0 || ys_.empty())
    return mat(q * D, 0);
  // The best few observations, best first.
  std::vector<std::size_t> order(ys_.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  const std::size_t top = std::min<std::size_t>(5, order.size());
  std::partial_sort(order.begin(), order.begin() + top, order.end(),
                    [&](std::size_t a, std::size_t b) { return ys_[a] < ys_[b]; });
  rng_type rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  std::uniform_int_distribution<std::size_t> pick(0, top - 1);
  mat out(q * D, m);
  for (std::size_t j = 0; j < m; ++j)
    for (std::size_t slot = 0; slot < q; ++slot) {
      // Slot 0 always near a good point; later slots half of the time.
      if (slot > 0 && unif(rng) < 0.5) {
        for (std::size_t d = 0; d < D; ++d)
          out(slot * D + d, j) = unif(rng);
        continue;
      }
      const vec& c = us_[order[slot == 0 && j % 2 == 0 ? 0 : pick(rng)]];
      const double scale = std::pow(10.0, -3.0 + 2.0 * unif(rng));
      for (std::size_t d = 0; d < D; ++d)
        out(slot * D + d, j) = std::clamp(c[d] + scale * normal(rng), 0.0, 1.0);
    }
  return out;
}

mat engine::pending_matrix() const {
  mat P(space_.unit_dim(), pending_.size());
  Eigen::Index j = 0;
  for (auto& [id, p] : pending_)
    P.col(j++) = p.unit;
  return P;
}

namespace {
/// Median of the learned noise's prior, relative to the data variance
/// (Trieste's fixed default; 1e-4 and 1e-6 measured no better, BENCHMARKS.md).
constexpr double noise_prior_median = 1e-2;
} // namespace

bool engine::refit(bool hyper) {
  if (fitted_version_ != data_version_ || !model_)
    fit_model(hyper);
  // The classifier learns from successes and failures; only a new failure
  // (which leaves the GP's data as it is) rebuilds it alone.
  const std::size_t seen = ys_.size() + fail_us_.size();
  if (feasible_for_ != seen) {
    fit_feasibility();
    feasible_for_ = seen;
  }
  return model_->ok();
}

std::vector<std::size_t> data_subset(const std::vector<double>& y, std::size_t m) {
  const std::size_t n = y.size();
  std::vector<std::size_t> all(n);
  for (std::size_t i = 0; i < n; ++i)
    all[i] = i;
  if (m == 0 || n <= m)
    return all;
  // The m / 2 lowest values (ties by index), then an even spread over the
  // rest in the order told.
  std::vector<std::size_t> by_value = all;
  const std::size_t best = m / 2;
  std::partial_sort(by_value.begin(), by_value.begin() + std::ptrdiff_t(best), by_value.end(),
                    [&](std::size_t a, std::size_t b) {
                      return y[a] < y[b] || (y[a] == y[b] && a < b);
                    });
  std::vector<bool> in(n, false);
  for (std::size_t i = 0; i < best; ++i)
    in[by_value[i]] = true;
  std::vector<std::size_t> rest;
  for (std::size_t i = 0; i < n; ++i)
    if (!in[i])
      rest.push_back(i);
  const std::size_t spread = m - best;
  for (std::size_t k = 0; k < spread; ++k)
    in[rest[(k * rest.size()) / spread]] = true;
  std::vector<std::size_t> out;
  out.reserve(m);
  for (std::size_t i = 0; i < n; ++i)
    if (in[i])
      out.push_back(i);
  return out;
}

void engine::fit_model(bool hyper) {
  const std::size_t n = ys_.size(), D = space_.unit_dim();
  // The refit schedule: a MAP fit at the first ask, every refit_every asks,
  // and whenever the data grew by refit_growth; otherwise the last
  // hyper-parameters (and output warp) on the new data.
  const bool due = !model_
                   || (hyper
                       && (opts_.refit_every <= 1 || asks_ - asks_at_fit_ >= opts_.refit_every
                           || double(n) >= (1.0 + opts_.refit_growth) * double(n_at_fit_)));
  // Same hyper-parameters, data only appended (tell never removes): extend
  // the factor by the new block instead of refactorising.
  const bool extend = !due && model_ && model_->ok() && n_built_ < n;
  std::vector<std::size_t> rows;
  if (extend) {
    rows = model_rows_;
    for (std::size_t i = n_built_; i < n; ++i)
      rows.push_back(i);
  } else {
    rows = data_subset(ys_, opts_.max_exact > 0 && n > opts_.max_exact ? opts_.max_exact : 0);
  }
  mat X(Eigen::Index(D), Eigen::Index(rows.size()));
  vec y(Eigen::Index(rows.size()));
  for (std::size_t k = 0; k < rows.size(); ++k) {
    X.col(Eigen::Index(k)) = us_[rows[k]];
    y[Eigen::Index(k)] = ys_[rows[k]];
  }
  const double raw_mean = y.mean();
  if (due && opts_.output_transform == output_transform_kind::power)
    warp_ = output_warp::fit(y);
  const bool warped = opts_.output_transform != output_transform_kind::none;
  if (warped)
    y = warp_.forward(y);
  last_.warp_lambda = warp_.lambda();
  // As Trieste's build_gpr: priors, initial values and the default noise
  // come from the data of the first fit and then stay fixed; with
  // recentre_prior the priors follow the data at every MAP fit (the
  // hyper-parameters still warm-start from the last fit). With an output
  // transform the data are the transformed values (variance 1).
  if (!have_prior_ || (opts_.recentre_prior && due)) {
    auto d = make_gp_defaults(y, D, opts_.lengthscale_prior);
    prior_ = d.prior;
    if (!have_prior_) {
      hyper_ = d.hyper;
      noise_ = d.empirical_variance / 100.0;
    }
    if (opts_.learn_noise && opts_.likelihood_variance == 0.0) {
      // Relative to the data variance v0: median v0 / 100 (Trieste's fixed
      // default), log-scale 3, inside [1e-8 v0, v0]: noise-free data can
      // push it to the floor and still interpolate.
      auto& np = prior_.noise;
      np.learn = true;
      np.log_loc = std::log(d.empirical_variance * noise_prior_median);
      np.scale = 3.0;
      np.log_lower = std::log(1e-8 * d.empirical_variance);
      np.log_upper = std::log(d.empirical_variance);
      noise_ = std::clamp(noise_, std::exp(np.log_lower), std::exp(np.log_upper));
    }
    have_prior_ = true;
  }
  // A fixed noise variance is in the units of y: through the transform it
  // scales by T'(y) squared at the data's mean.
  if (opts_.likelihood_variance > 0.0) {
    const double t = warped ? warp_.derivative(raw_mean) : 1.0;
    noise_ = opts_.likelihood_variance * t * t;
  }
  last_.refitted = true;
  last_.hyper_fitted = due;
  if (extend) {
    const auto added = static_cast<Eigen::Index>(n - n_built_);
    model_ = std::make_shared<const gp>(model_->extended(X.rightCols(added), y.tail(added)));
  } else {
    if (due) {
      rng_type rng(derive_seed(seed_, 0xF17ull + asks_));
      last_.fit = fit_gp_map(X, y, prior_, noise_, hyper_, opts_.fit, rng);
      noise_ = last_.fit.noise_variance;
      asks_at_fit_ = asks_;
      n_at_fit_ = n;
    }
    model_ = std::make_shared<const gp>(std::move(X), std::move(y), hyper_, noise_);
  }
  model_rows_ = std::move(rows);
  n_built_ = n;
  fitted_version_ = data_version_;
}

void engine::fit_feasibility() {
  const std::size_t n = ys_.size(), D = space_.unit_dim();
  feasible_.reset();
  if (opts_.learn_failures && !fail_us_.empty()) {
    mat Xf(D, n + fail_us_.size());
    std::vector<bool> ok(n, true);
    for (std::size_t i = 0; i < n; ++i)
      Xf.col(i) = us_[i];
    for (std::size_t i = 0; i < fail_us_.size(); ++i) {
      Xf.col(n + i) = fail_us_[i];
      ok.push_back(false);
    }
    feasible_ = std::make_shared<const feasibility_model>(std::move(Xf), std::move(ok),
                                                    opts_.feasibility);
  }
}

std::vector<proposal> engine::ask(std::size_t k) {
  using clock = std::chrono::steady_clock;
  last_ = ask_summary{};
  last_.k = k;
  last_.data = ys_.size();
  last_.pending = pending_.size();
  ++asks_;
  if (k == 0)
    return {};
  if (opts_.rule == rule_kind::random)
    return random_points(k, ask_status::random_rule);
  if (ys_.empty())
    return random_points(k, ask_status::no_data);
  if (opts_.rule == rule_kind::sync && opts_.acquisition == acquisition_kind::ei
      && k != 1)
    throw std::invalid_argument("ask: rule sync with function ei gives one "
                                "point per ask, got k = "
                                + std::to_string(k));

  auto t0 = clock::now();
  bool ok = refit();
  last_.fit_ms = ms_since(t0);
  if (!ok) {
    last_.message = "the GP could not be factorised; random points returned";
    return random_points(k, ask_status::model_failed);
  }
  const gp& model = *model_;
  last_.model_points = model.size();
  auto t1 = clock::now();
  const std::size_t D = space_.unit_dim();
  Eigen::Index incumbent = 0;   // its column in the model's data
  const double eta = incumbent_eta(model, &incumbent);
  last_.eta = eta;
  const std::uint64_t ask_seed = derive_seed(seed_, asks_);
  const bool use_pending = opts_.rule != rule_kind::sync;
  mat fixed = use_pending ? pending_matrix() : mat(D, 0);
  std::vector<vec> chosen;

  auto append_fixed = [&](const vec& u) {
    fixed.conservativeResize(D, fixed.cols() + 1);
    fixed.col(fixed.cols() - 1) = u;
  };

  // Every acquisition is weighted by the probability of success once points
  // have failed.
  auto maximize = [&](const acquisition_target& acq, std::uint64_t seed, const mat& extra) {
    if (!feasible_)
      return maximize_acquisition(acq, opts_.optimizer, seed, exec_, extra, &space_);
    feasibility_weighted weighted(acq, *feasible_);
    return maximize_acquisition(weighted, opts_.optimizer, seed, exec_, extra, &space_);
  };
  last_.failures = fail_us_.size();
  last_.feasibility_flat = !feasible_ || feasible_->flat();
  auto proposals = [&] {
    last_.acq_ms = ms_since(t1);
    std::vector<proposal> out;
    for (auto& u : chosen)
      out.push_back(make_proposal(u, false));
    return out;
  };
  // Exploration: some points of the run are Thompson samples; they go first
  // and are pending for the acquisition's points of this ask.
  std::size_t n_ts = 0;
  for (std::size_t i = 0; i < k; ++i)
    if (opts_.thompson_every > 0 && ++points_asked_ % opts_.thompson_every == 0)
      ++n_ts;
  if (n_ts > 0) {
    // Each is the minimiser of one posterior draw (a function, pathwise
    // conditioning): screened on thompson_candidates Sobol points and the
    // around-best ones, then refined by L-BFGS-B like any acquisition.
    const mat near = around_best_candidates(1, derive_seed(ask_seed, 61));
    acq_optimizer_options o = opts_.optimizer;
    o.screening_points = opts_.thompson_candidates;
    // A stalled run's draws skip the incumbent's basin: at the centre the
    // penalty exceeds the spread of the data and of the prior, so points
    // outside the ellipsoid beat those deep inside it.
    last_.stalled = run_stalled(ys_, opts_.stall_window, opts_.stall_tolerance);
    vec centre;
    double radius = 0.0, penalty = 0.0;
    if (last_.stalled) {
      centre = model.X().col(incumbent);
      radius = opts_.stall_radius > 0.0 ? opts_.stall_radius : 1.0;
      penalty = 4.0 * ((model.y().maxCoeff() - model.y().minCoeff())
                       + 3.0 * std::sqrt(model.hyper().variance));
    }
    for (std::size_t i = 0; i < n_ts; ++i) {
      const posterior_sample path(model, opts_.thompson_features, derive_seed(ask_seed, 62 + i),
                                  opts_.thompson_scale);
      const std::uint64_t s = derive_seed(ask_seed, 60 + 8 * (i + 1));
      auto res = last_.stalled
                   ? maximize_acquisition(excluding_ball(path, centre,
                                                         model.hyper().lengthscales, radius,
                                                         penalty),
                                          o, s, exec_, near, &space_)
                   : maximize_acquisition(path, o, s, exec_, near, &space_);
      last_.acq.push_back(res.summary);
      chosen.push_back(std::move(res.x));
      append_fixed(chosen.back());
    }
    last_.thompson = n_ts;
    k -= n_ts;
  }
  if (k == 0)
    return proposals();
  // Records one optimisation in the ask summary.
  auto take = [&](double plain, const acq_result& res) {
    last_.acq.push_back(res.summary);
    last_.log_value = res.log_value;
    last_.plain_value = plain;
  };
  if (opts_.acquisition == acquisition_kind::batch_mc_ei
      && opts_.rule != rule_kind::async_greedy) {
    // Joint batch of k points (sync: no pending; async-joint: pending fixed).
    batch_mc_ei acq(model, eta, fixed, k, opts_.qei, derive_seed(ask_seed, 10));
    auto res = maximize(acq, derive_seed(ask_seed, 11),
                        around_best_candidates(k, derive_seed(ask_seed, 12)));
    take(acq.value(res.x), res);
    for (std::size_t i = 0; i < k; ++i)
      chosen.push_back(space_.snap_unit(res.x.segment(i * D, D)));
  } else if (opts_.acquisition == acquisition_kind::ei) {
    expected_improvement acq(model, eta);
    auto res = maximize(acq, derive_seed(ask_seed, 40),
                        around_best_candidates(1, derive_seed(ask_seed, 41)));
    take(acq.value(res.x), res);
    chosen.push_back(space_.snap_unit(res.x));
  } else {
    // Greedy: one point at a time, each penalised by (or fixed with) the
    // pending points and the points already chosen in this ask.
    double L = 0.0, eta_lp = 0.0;
    if (opts_.acquisition == acquisition_kind::local_penalization) {
      // L and eta_LP once per ask (Trieste's new_optimization_step).
      rng_type rng(derive_seed(ask_seed, 30));
      lp_estimate(model, uniform_unit(D, opts_.lp.samples, rng), L, eta_lp);
    }
    for (std::size_t i = 0; i < k; ++i) {
      const std::uint64_t s = derive_seed(ask_seed, 100 + 3 * i);
      acq_result res;
      if (opts_.acquisition == acquisition_kind::local_penalization) {
        local_penalization acq(model, eta, fixed, L, eta_lp);
        res = maximize(acq, derive_seed(s, 1), around_best_candidates(1, derive_seed(s, 2)));
        take(acq.value(res.x), res);
      } else {
        // async-greedy + batch-mc-ei: sequential greedy q-EI.
        batch_mc_ei acq(model, eta, fixed, 1, opts_.qei, derive_seed(s, 0));
        res = maximize(acq, derive_seed(s, 1), around_best_candidates(1, derive_seed(s, 2)));
        take(acq.value(res.x), res);
      }
      vec u = space_.snap_unit(res.x);
      chosen.push_back(u);
      append_fixed(u);
    }
  }
  return proposals();
}

void engine::tell(const std::vector<observation>& obs) {
  std::set<point_id> seen;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    const auto& o = obs[i];
    const std::string who = "tell: observation " + std::to_string(i);
    space_.check_point(o.x, who + ": x");
    if (!std::isfinite(o.y))
      throw std::invalid_argument(who + ": y must be finite (forget() failed "
                                        "evaluations instead)");
    if (o.id) {
      if (!pending_.count(*o.id))
        throw std::invalid_argument(who + ": id " + std::to_string(*o.id)
                                    + " is not pending (never asked, already "
                                      "told or forgotten)");
      if (!seen.insert(*o.id).second)
        throw std::invalid_argument(who + ": id " + std::to_string(*o.id)
                                    + " appears twice");
    }
  }
  for (const auto& o : obs) {
    if (o.id)
      pending_.erase(*o.id);
    xs_.push_back(o.x);
    us_.push_back(space_.to_unit(o.x));
    ys_.push_back(o.y);
  }
  if (!obs.empty())
    ++data_version_;
}

bool engine::forget(point_id id) {
  return pending_.erase(id) > 0;
}

void engine::tell_failure(std::optional<point_id> id, const vec& x) {
  space_.check_point(x, "tell_failure: x");
  if (id && !pending_.count(*id))
    throw std::invalid_argument("tell_failure: id " + std::to_string(*id)
                                + " is not pending (never asked, already told or "
                                  "forgotten)");
  if (id)
    pending_.erase(*id);
  fail_us_.push_back(space_.to_unit(x));
}

void engine::restore_pending(point_id id, const vec& x, bool initial) {
  space_.check_point(x, "restore_pending: x");
  if (pending_.count(id))
    throw std::invalid_argument("restore_pending: id " + std::to_string(id)
                                + " is already pending");
  proposal p;
  p.id = id;
  p.x = x;
  p.unit = space_.to_unit(x);
  p.initial = initial;
  pending_.emplace(id, p);
  ids_->at_least(id + 1);
}

void engine::reserve_ids(point_id next) {
  ids_->at_least(next);
}

void engine::set_cancel(std::shared_ptr<const std::atomic<bool>> flag) {
  cancel_ = std::move(flag);
  opts_.optimizer.cancel = cancel_.get();
}

std::shared_ptr<const fallback_source> engine::snapshot() const {
  if (opts_.rule == rule_kind::random || !model_ || !model_->ok())
    return nullptr;
  auto src = std::make_shared<fallback_source>(space_);
  src->model = model_;
  src->feasible = feasible_;
  src->near = around_best_candidates(1, derive_seed(seed_, 0xFA11ull + asks_));
  src->options = opts_.fallback;
  src->seed = derive_seed(seed_, 0xFA12ull + asks_);
  src->ids = ids_;
  return src;
}

std::optional<engine::best_point> engine::best() const {
  if (ys_.empty())
    return std::nullopt;
  std::size_t b = 0;
  for (std::size_t i = 1; i < ys_.size(); ++i)
    if (ys_[i] < ys_[b])
      b = i;
  return best_point{xs_[b], ys_[b]};
}

std::optional<engine::recommendation> engine::recommend() {
  if (ys_.empty())
    return std::nullopt;
  if (opts_.rule == rule_kind::random || !refit(false)) {
    auto b = best();
    return recommendation{b->x, b->y, 0.0, b->y};
  }
  return current_recommendation();
}

std::optional<engine::recommendation> engine::current_recommendation() const {
  if (!model_ || !model_->ok())
    return std::nullopt;
  // Column j of the model is observation model_rows_[j] (a subset when
  // model.max-exact applies).
  const vec means = model_->mean_at_data();
  Eigen::Index j = 0;
  means.minCoeff(&j);
  const std::size_t i = model_rows_[static_cast<std::size_t>(j)];
  double m = 0.0, var = 0.0;
  model_->predict(us_[i], m, var);
  double sd = std::sqrt(var);
  if (opts_.output_transform != output_transform_kind::none) {
    // Back to the units of y: the median T^-1(m), and the sd through the
    // transform's slope there.
    m = warp_.inverse(m);
    sd /= warp_.derivative(m);
  }
  return recommendation{xs_[i], m, sd, ys_[i]};
}

} // namespace asyncbo
