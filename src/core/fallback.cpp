// SPDX-License-Identifier: Apache-2.0
// Thompson draws on a fixed posterior with shared features.
#include "core/fallback.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/acq_optimizer.hpp"
#include "core/engine.hpp"
#include "core/pathwise.hpp"

namespace asyncbo {

std::string fallback_options::validate() const {
  if (features == 0)
    return "fallback: features must be >= 1";
  if (candidates == 0)
    return "fallback: candidates must be >= 1";
  if (block == 0)
    return "fallback: block must be >= 1";
  return {};
}

thompson_fallback::thompson_fallback(std::shared_ptr<const fallback_source> source)
    : src_(std::move(source)) {
  if (!src_ || !src_->model || !src_->model->ok())
    throw std::invalid_argument("thompson_fallback: the source has no factorised model");
  if (!src_->ids)
    throw std::invalid_argument("thompson_fallback: the source has no id source");
  if (auto err = src_->options.validate(); !err.empty())
    throw std::invalid_argument(err);
  model_ = src_->model;
  const gp& model = *model_;
  const auto D = Eigen::Index(model.dim());
  if (Eigen::Index(src_->space.unit_dim()) != D
      || (src_->near.cols() > 0 && src_->near.rows() != D))
    throw std::invalid_argument("thompson_fallback: the space or the near candidates do not "
                                "match the model's dimension");
  const auto m = Eigen::Index(src_->options.features);
  rng_type rng(derive_seed(src_->seed, 0));
  matern_features features_of(model.hyper());
  omega_.resize(D, m);
  phase_.resize(m);
  for (Eigen::Index j = 0; j < m; ++j)
    features_of.draw(rng, omega_.col(j), phase_[j]);
  phi_x_ = matern_features::values(omega_, phase_, model.X());

  // Candidates: scrambled Sobol points and the around-best ones, snapped,
  // without those the failure model deems more likely to fail than not.
  sobol_sequence seq(std::size_t(D), true, derive_seed(src_->seed, 1));
  mat all(D, Eigen::Index(src_->options.candidates) + src_->near.cols());
  all.leftCols(Eigen::Index(src_->options.candidates)) = seq.take(src_->options.candidates);
  if (src_->near.cols() > 0)
    all.rightCols(src_->near.cols()) = src_->near;
  std::vector<Eigen::Index> keep;
  for (Eigen::Index j = 0; j < all.cols(); ++j) {
    all.col(j) = src_->space.snap_unit(all.col(j));
    if (!src_->feasible || src_->feasible->success(all.col(j)) >= 0.5)
      keep.push_back(j);
  }
  if (keep.empty())
    for (Eigen::Index j = 0; j < all.cols(); ++j)
      keep.push_back(j);
  cand_.resize(D, Eigen::Index(keep.size()));
  for (std::size_t j = 0; j < keep.size(); ++j)
    cand_.col(Eigen::Index(j)) = all.col(keep[j]);
  phi_c_ = matern_features::values(omega_, phase_, cand_);
  k_cx_ = model.kernel().cross(cand_, model.X());
  taken_.resize(D, 0);
  exclude(src_->taken);
}

bool thompson_fallback::can_continue(const fallback_source& newer) const {
  if (!newer.model || !newer.model->ok() || newer.feasible != src_->feasible
      || newer.ids != src_->ids || newer.options.features != src_->options.features
      || newer.options.candidates != src_->options.candidates
      || newer.options.refine != src_->options.refine)
    return false;
  const gp_hyper& a = model_->hyper();
  const gp_hyper& b = newer.model->hyper();
  return a.variance == b.variance && a.mean == b.mean && a.lengthscales == b.lengthscales
         && model_->noise_variance() == newer.model->noise_variance()
         && double(data()) <= 1.25 * double(newer.model->size()) + 64.0;
}

void thompson_fallback::observe(const mat& X, const vec& y) {
  if (X.cols() == 0)
    return;
  if (X.rows() != omega_.rows() || X.cols() != y.size())
    throw std::invalid_argument("thompson_fallback::observe: " + std::to_string(X.rows())
                                + "x" + std::to_string(X.cols()) + " points and "
                                + std::to_string(y.size()) + " values for a model in "
                                + std::to_string(omega_.rows()) + " dimensions");
  const auto w = wait_x_.cols();
  wait_x_.conservativeResize(X.rows(), w + X.cols());
  wait_x_.rightCols(X.cols()) = X;
  wait_y_.conservativeResize(w + y.size());
  wait_y_.tail(y.size()) = y;
  if (std::size_t(wait_x_.cols()) < std::max<std::size_t>(1, model_->size() / 64))
    return;
  auto next = std::make_shared<const gp>(model_->extended(wait_x_, wait_y_));
  const mat Xn = std::move(wait_x_);
  wait_x_ = mat(Xn.rows(), 0);
  wait_y_ = vec(0);
  if (!next->ok())
    return; // keep drawing on the last model that factorised
  model_ = std::move(next);
  stock_.clear(); // drawn on the model before these results
  const auto n0 = phi_x_.cols(), k = Xn.cols();
  phi_x_.conservativeResize(Eigen::NoChange, n0 + k);
  phi_x_.rightCols(k) = matern_features::values(omega_, phase_, Xn);
  k_cx_.conservativeResize(Eigen::NoChange, n0 + k);
  k_cx_.rightCols(k) = model_->kernel().cross(cand_, Xn);
}

void thompson_fallback::refill(std::size_t k) {
  const gp& model = *model_;
  const gp_hyper& h = model.hyper();
  const auto n = Eigen::Index(model.size());
  const auto m = omega_.cols();
  const auto K = Eigen::Index(k);
  const double amplitude = std::sqrt(2.0 * h.variance / double(m));
  const double noise_sd = std::sqrt(model.noise_variance() + model.jitter());

  // Weights and noise of k draws, each from its own stream.
  mat W(m, K), E(n, K);
  std::vector<std::uint64_t> seeds(k);
  for (Eigen::Index j = 0; j < K; ++j) {
    seeds[std::size_t(j)] = derive_seed(src_->seed, 2 + draws_++);
    rng_type rng(seeds[std::size_t(j)]);
    matern_features normals(h);
    for (Eigen::Index i = 0; i < m; ++i)
      W(i, j) = amplitude * normals.normal(rng);
    for (Eigen::Index i = 0; i < n; ++i)
      E(i, j) = noise_sd * normals.normal(rng);
  }
  // V = (K + s_n^2 I)^-1 (y - c - Phi^T W - E), all draws at once: the two
  // triangular solves read the n x n factor once for all k.
  mat V = -(phi_x_.transpose() * W) - E;
  V.colwise() += (model.y().array() - h.mean).matrix();
  model.solve_lower(V);
  model.solve_upper(V);
  const mat values = ((phi_c_.transpose() * W + k_cx_ * V).array() + h.mean).matrix(); // C x k
  for (Eigen::Index j = 0; j < K; ++j) {
    stocked d;
    d.best_value = values.col(j).minCoeff(&d.best);
    if (src_->space.has_discrete())
      d.values = values.col(j);
    d.w = W.col(j);
    d.v = V.col(j);
    d.seed = seeds[std::size_t(j)];
    stock_.push_back(std::move(d));
  }
}

void thompson_fallback::take(const vec& u) {
  if (!taken_keys_.insert(key_of(u)).second)
    return;
  taken_.conservativeResize(u.size(), taken_.cols() + 1);
  taken_.col(taken_.cols() - 1) = u;
}

void thompson_fallback::exclude(const mat& taken) {
  if (!src_->space.has_discrete())
    return;
  for (Eigen::Index j = 0; j < taken.cols(); ++j)
    take(src_->space.snap_unit(taken.col(j)));
}

bool thompson_fallback::is_taken(const vec& u) const {
  return taken_keys_.count(key_of(u)) > 0;
}

std::vector<proposal> thompson_fallback::draw(std::size_t k) {
  std::vector<proposal> out;
  if (k == 0)
    return out;
  const bool lattice = src_->space.has_discrete();
  if (stock_.size() < k)
    refill(std::max(k - stock_.size(), src_->options.block));
  acq_optimizer_options o;
  o.screening_points = 1;
  o.restarts = 1;
  o.recovery_runs = 0;
  for (std::size_t j = 0; j < k; ++j) {
    stocked d = std::move(stock_.front());
    stock_.pop_front();
    if (lattice) {
      // The best candidate not taken (the candidates are snapped).
      Eigen::Index best = -1;
      for (Eigen::Index c = 0; c < d.values.size(); ++c)
        if ((best < 0 || d.values[c] < d.values[best]) && !is_taken(cand_.col(c)))
          best = c;
      if (best >= 0) {
        d.best = best;
        d.best_value = d.values[best];
      }
    }
    vec u = cand_.col(d.best);
    if (src_->options.refine) {
      const posterior_sample path(*model_, omega_, phase_, std::move(d.w), std::move(d.v));
      auto res = maximize_acquisition(path, o, derive_seed(d.seed, 1), nullptr,
                                      cand_.col(d.best), &src_->space, taken_);
      if (res.summary.status == acq_optimizer_status::space_exhausted)
        break;
      vec r = src_->space.snap_unit(res.x);
      if (path.value(r, nullptr) <= d.best_value && !(lattice && is_taken(r)))
        u = std::move(r);
    }
    if (lattice) {
      if (is_taken(u))
        break;   // every candidate and the refinement are taken
      take(u);
    }
    proposal p;
    p.id = src_->ids->take();
    p.x = src_->space.from_unit(u);
    p.unit = src_->space.to_unit(p.x);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<proposal> fallback_server::serve(const std::shared_ptr<const fallback_source>& source,
                                             std::uint64_t told_at_source, std::uint64_t from,
                                             const std::vector<double>& units,
                                             const std::vector<double>& values, std::size_t k) {
  if (!draws_ || (&draws_->source() != source.get() && !draws_->can_continue(*source))) {
    draws_ = std::make_unique<thompson_fallback>(source);
    have_ = told_at_source;
  } else if (&draws_->source() != source.get()) {
    draws_->exclude(source->taken);   // continuing: what the newer ask took
  }
  const std::uint64_t n = values.size();
  if (n > 0 && have_ >= from && have_ < from + n) {
    const auto skip = static_cast<Eigen::Index>(have_ - from);
    const auto fresh = static_cast<Eigen::Index>(n) - skip;
    const auto D = static_cast<Eigen::Index>(units.size() / n);
    draws_->observe(Eigen::Map<const mat>(units.data() + skip * D, D, fresh),
                    Eigen::Map<const vec>(values.data() + skip, fresh));
    have_ = from + n;
  }
  return draws_->draw(k);
}

// -- fallback_feed ------------------------------------------------------------

bool fallback_feed::told(const std::vector<double>& unit, double value) {
  if (unit.empty() || (dim_ != 0 && unit.size() != dim_))
    return false;
  dim_ = unit.size();
  units_.insert(units_.end(), unit.begin(), unit.end());
  values_.push_back(value);
  return true;
}

void fallback_feed::new_source(std::uint64_t held) {
  held_ = std::min<std::uint64_t>(held, values_.size());
  fresh_ = true;
}

fallback_feed::batch fallback_feed::next() {
  batch b;
  b.from = fresh_ ? std::min(sent_, held_) : sent_;
  if (b.from < values_.size()) {
    b.units.assign(units_.begin() + std::ptrdiff_t(dim_ * b.from), units_.end());
    b.values.assign(values_.begin() + std::ptrdiff_t(b.from), values_.end());
  }
  sent_ = values_.size();
  fresh_ = false;
  return b;
}

} // namespace asyncbo
