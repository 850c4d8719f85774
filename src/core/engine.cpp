// SPDX-License-Identifier: Apache-2.0
// The ask/tell engine.
#include "core/engine.hpp"

#include "core/pathwise.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <set>
#include <stdexcept>

namespace asyncbo {

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
           std::chrono::steady_clock::now() - t0)
    .count();
}

} // namespace

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
  if (space_.has_discrete())
    pts = distinct_lattice_points(pts, [&](std::size_t m) {
      rng_type rng(derive_seed(s, 1));
      return uniform_unit(space_.unit_dim(), m, rng);
    });
  std::vector<proposal> out;
  for (Eigen::Index i = 0; i < pts.cols(); ++i)
    out.push_back(make_proposal(pts.col(i), true));
  return out;
}

mat engine::distinct_lattice_points(const mat& pts,
                                    const std::function<mat(std::size_t)>& more) const {
  // Snapped, without the excluded points and without repeats among
  // themselves; replacements come from `more` (a few tries per point). A
  // finite space may have fewer points left than asked for.
  std::set<point_key> seen;
  const mat ex = exclusion(true);
  for (Eigen::Index j = 0; j < ex.cols(); ++j)
    seen.insert(key_of(ex.col(j)));
  const auto D = static_cast<Eigen::Index>(space_.unit_dim());
  mat out(D, 0);
  auto offer = [&](const vec& u) {
    const vec s = space_.snap_unit(u);
    if (!seen.insert(key_of(s)).second)
      return;
    out.conservativeResize(D, out.cols() + 1);
    out.col(out.cols() - 1) = s;
  };
  for (Eigen::Index j = 0; j < pts.cols(); ++j)
    offer(pts.col(j));
  const auto want = pts.cols();
  if (out.cols() < want) {
    const mat extra = more(static_cast<std::size_t>(64 * want));
    for (Eigen::Index j = 0; j < extra.cols() && out.cols() < want; ++j)
      offer(extra.col(j));
  }
  if (out.cols() < want && space_.finite()) {
    const std::uint64_t size = space_.lattice_size(std::uint64_t{1} << 20);
    for (std::uint64_t j = 0; j < size && out.cols() < want; ++j)
      offer(space_.lattice_point(j));
  }
  return out;
}

mat engine::exclusion(bool evaluated) const {
  const auto D = static_cast<Eigen::Index>(space_.unit_dim());
  if (!space_.has_discrete())
    return mat(D, 0);
  std::vector<const vec*> cols;
  for (auto& [id, p] : pending_)
    cols.push_back(&p.unit);
  for (auto& u : fail_us_)
    cols.push_back(&u);
  if (evaluated)
    for (auto& u : us_)
      cols.push_back(&u);
  mat out(D, static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    out.col(static_cast<Eigen::Index>(j)) = *cols[j];
  return out;
}

bool engine::repeats_worth_it() const {
  // With noise of at least a hundredth of the signal's variance, the
  // acquisition decides whether measuring a point again pays (it sees the
  // noise); below that a repeat tells the model nothing new.
  return model_ && noise_ >= kRepeatNoise * model_->hyper().variance;
}

std::vector<proposal> engine::random_points(std::size_t k, ask_status why) {
  rng_type rng(derive_seed(seed_, asks_));
  mat pts = uniform_unit(space_.unit_dim(), k, rng);
  last_.status = why;
  if (space_.has_discrete()) {
    pts = distinct_lattice_points(pts, [&](std::size_t m) {
      return uniform_unit(space_.unit_dim(), m, rng);
    });
    if (static_cast<std::size_t>(pts.cols()) < k && space_.finite())
      exhausted();
  }
  std::vector<proposal> out;
  for (Eigen::Index i = 0; i < pts.cols(); ++i)
    out.push_back(make_proposal(pts.col(i), false));
  return out;
}

void engine::exhausted() {
  last_.status = ask_status::space_exhausted;
  last_.message = "every one of the search space's "
                  + std::to_string(space_.lattice_size(~std::uint64_t{0}))
                  + " points has been evaluated, is pending or failed";
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
/// (Trieste's fixed default; 1e-4 and 1e-6 measured no better, docs/experiments/history.md).
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
  // The refit schedule (engine_options::refit_every): a MAP fit at the first
  // ask; then, by default, once the data grew by refit_fraction of their size
  // at the last fit (at least one point); with refit_every = K, every K asks
  // and whenever the data grew by refit_growth. Otherwise the last
  // hyper-parameters on the new data.
  auto hyper_due = [&] {
    const std::size_t every = opts_.refit_period();
    const double at_fit = double(n_at_fit_);
    if (every == 0)
      return double(n) - at_fit >= std::max(1.0, opts_.refit_fraction * at_fit);
    return every == 1 || asks_ - asks_at_fit_ >= every
           || double(n) >= (1.0 + opts_.refit_growth) * at_fit;
  };
  const bool due = !model_ || (hyper && hyper_due());
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
  // As Trieste's build_gpr: priors, initial values and the default noise
  // come from the data of the first fit and then stay fixed.
  if (!have_prior_) {
    auto d = make_gp_defaults(y, D);
    prior_ = d.prior;
    hyper_ = d.hyper;
    noise_ = d.empirical_variance / 100.0;
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
  if (opts_.likelihood_variance > 0.0)
    noise_ = opts_.likelihood_variance;
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
  const double eta = incumbent_eta(model);
  last_.eta = eta;
  const std::uint64_t ask_seed = derive_seed(seed_, asks_);
  const bool use_pending = opts_.rule != rule_kind::sync;
  mat fixed = use_pending ? pending_matrix() : mat(D, 0);
  std::vector<vec> chosen;
  // On a lattice: the points no proposal may repeat (pending, failed, and
  // evaluated unless the noise makes a repeat worth it) and those chosen.
  mat taken = exclusion(!repeats_worth_it());

  auto append_fixed = [&](const vec& u) {
    fixed.conservativeResize(D, fixed.cols() + 1);
    fixed.col(fixed.cols() - 1) = u;
    if (space_.has_discrete()) {
      taken.conservativeResize(D, taken.cols() + 1);
      taken.col(taken.cols() - 1) = u;
    }
  };

  // Every acquisition is weighted by the probability of success once points
  // have failed.
  auto maximize = [&](const acquisition_target& acq, std::uint64_t seed, const mat& extra) {
    const acq_optimizer_options o = opts_.optimizer_for(acq.dim());
    if (!feasible_)
      return maximize_acquisition(acq, o, seed, exec_, extra, &space_, taken);
    feasibility_weighted weighted(acq, *feasible_);
    return maximize_acquisition(weighted, o, seed, exec_, extra, &space_, taken);
  };
  auto exhausted_by = [&](const acq_result& res) {
    if (res.summary.status != acq_optimizer_status::space_exhausted)
      return false;
    exhausted();
    return true;
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
  const std::size_t period = opts_.thompson_period();
  for (std::size_t i = 0; i < k; ++i)
    if (period > 0 && ++points_asked_ % period == 0)
      ++n_ts;
  if (n_ts > 0) {
    // Each is the minimiser of one posterior draw (a function, pathwise
    // conditioning): screened on thompson_candidates Sobol points and the
    // around-best ones, then refined by L-BFGS-B like any acquisition.
    const mat near = around_best_candidates(1, derive_seed(ask_seed, 61));
    acq_optimizer_options o = opts_.optimizer_for(D);
    o.screening_points = opts_.thompson_candidates;
    for (std::size_t i = 0; i < n_ts; ++i) {
      const posterior_sample path(model, opts_.thompson_features, derive_seed(ask_seed, 62 + i));
      auto res = maximize_acquisition(path, o, derive_seed(ask_seed, 60 + 8 * (i + 1)), exec_,
                                      near, &space_, taken);
      if (exhausted_by(res))
        return proposals();
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
  // A joint batch on a small finite space is chosen one point at a time
  // (greedy q-EI, each point with the earlier ones pending), because each
  // point is then the exact maximiser over the lattice by enumeration; a
  // joint maximiser over k points cannot be enumerated and, near the end of
  // the space, cannot find k distinct free points by local moves.
  const bool lattice_greedy = space_.finite() && space_.lattice_size(kLatticeEnumerated + 1)
                                                   <= kLatticeEnumerated;
  if (opts_.acquisition == acquisition_kind::batch_mc_ei
      && opts_.rule != rule_kind::async_greedy && space_.finite() && !lattice_greedy) {
    // Fewer distinct free points than k are left near the end of a large
    // finite space.
    std::set<point_key> distinct;
    for (Eigen::Index j = 0; j < taken.cols(); ++j)
      distinct.insert(key_of(taken.col(j)));
    const std::uint64_t size = space_.lattice_size(~std::uint64_t{0});
    const std::uint64_t left = size > distinct.size() ? size - distinct.size() : 0;
    if (left < k) {
      k = static_cast<std::size_t>(left);
      exhausted();
      if (k == 0)
        return proposals();
    }
  }
  if (opts_.acquisition == acquisition_kind::batch_mc_ei
      && opts_.rule != rule_kind::async_greedy && !lattice_greedy) {
    // Joint batch of k points (sync: no pending; async-joint: pending fixed).
    batch_mc_ei acq(model, eta, fixed, k, opts_.qei_for(), derive_seed(ask_seed, 10));
    auto res = maximize(acq, derive_seed(ask_seed, 11),
                        around_best_candidates(k, derive_seed(ask_seed, 12)));
    if (exhausted_by(res))
      return proposals();
    take(acq.value(res.x), res);
    for (std::size_t i = 0; i < k; ++i)
      chosen.push_back(space_.snap_unit(res.x.segment(i * D, D)));
  } else if (opts_.acquisition == acquisition_kind::ei) {
    expected_improvement acq(model, eta);
    auto res = maximize(acq, derive_seed(ask_seed, 40),
                        around_best_candidates(1, derive_seed(ask_seed, 41)));
    if (exhausted_by(res))
      return proposals();
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
        if (exhausted_by(res))
          return proposals();
        take(acq.value(res.x), res);
      } else {
        // async-greedy + batch-mc-ei: sequential greedy q-EI.
        batch_mc_ei acq(model, eta, fixed, 1, opts_.qei_for(), derive_seed(s, 0));
        res = maximize(acq, derive_seed(s, 1), around_best_candidates(1, derive_seed(s, 2)));
        if (exhausted_by(res))
          return proposals();
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
  src->taken = exclusion(!repeats_worth_it());
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
  return recommendation{xs_[i], m, std::sqrt(var), ys_[i]};
}

} // namespace asyncbo
