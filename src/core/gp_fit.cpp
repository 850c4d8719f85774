// SPDX-License-Identifier: Apache-2.0
// GP priors and MAP hyper-parameter fit.
#include "core/gp_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/special.hpp"
#include "core/vmath.hpp"

namespace asyncbo {

namespace {

constexpr double log_2pi = 1.83787706640934548356;

double lognormal_logpdf(double log_v, double loc, double scale) {
  double z = (log_v - loc) / scale;
  return -log_v - std::log(scale) - special::log_sqrt2pi - 0.5 * z * z;
}

} // namespace

double gp_prior::log_density(const gp_hyper& h) const {
  double lp = lognormal_logpdf(std::log(h.variance), log_variance_loc, scale);
  for (Eigen::Index d = 0; d < h.lengthscales.size(); ++d)
    lp += lognormal_logpdf(std::log(h.lengthscales[d]), log_lengthscale_loc[d],
                           lengthscale_scale);
  return lp;
}

gp_defaults make_gp_defaults(const vec& y, std::size_t dim) {
  if (y.size() == 0)
    throw std::invalid_argument("gp defaults: y must not be empty");
  if (dim == 0)
    throw std::invalid_argument("gp defaults: dim must be >= 1");
  gp_defaults d;
  double m = y.mean();
  double v = (y.array() - m).square().mean();
  if (!(v > 0.0) || !std::isfinite(v))
    v = std::max(1e-6 * m * m, 1.0);
  d.empirical_variance = v;
  d.hyper.variance = v;
  d.hyper.lengthscales = vec::Constant(dim, 0.2 * std::sqrt(double(dim)));
  d.hyper.mean = m;
  d.prior.log_variance_loc = std::log(v);
  d.prior.log_lengthscale_loc = d.hyper.lengthscales.array().log();
  d.prior.scale = 1.0;
  d.prior.lengthscale_scale = 1.0;
  return d;
}

// -- MAP loss ------------------------------------------------------------------

gp_map_loss::gp_map_loss(const mat& X, const vec& y, const gp_prior& prior,
                         double noise)
  : X_(X), y_(y), prior_(prior), noise_(noise) {
  const Eigen::Index n = X.cols();
  sqdiff_.resize(X.rows());
  for (Eigen::Index d = 0; d < X.rows(); ++d) {
    mat& S = sqdiff_[d];
    S.resize(n, n);
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i) {
        double v = X(d, i) - X(d, j);
        S(i, j) = v * v;
      }
  }
}

vec gp_map_loss::pack(const gp_hyper& h, double noise) const {
  vec t = pack(h);
  if (!prior_.noise.learn)
    return t;
  t.conservativeResize(t.size() + 1);
  t[t.size() - 1] = std::log(noise);
  return t;
}

double gp_map_loss::noise_of(const vec& theta) const {
  return prior_.noise.learn ? std::exp(theta[X_.rows() + 2]) : noise_;
}

vec gp_map_loss::pack(const gp_hyper& h) {
  const Eigen::Index D = h.lengthscales.size();
  vec t(D + 2);
  t[0] = std::log(h.variance);
  t.segment(1, D) = h.lengthscales.array().log();
  t[D + 1] = h.mean;
  return t;
}

gp_hyper gp_map_loss::unpack(const vec& t) {
  const Eigen::Index D = t.size() - 2;
  gp_hyper h;
  h.variance = std::exp(t[0]);
  h.lengthscales = t.segment(1, D).array().exp();
  h.mean = t[D + 1];
  return h;
}

double gp_map_loss::loss(const vec& theta) const {
  return evaluate(theta, nullptr);
}

double gp_map_loss::operator()(const vec& theta, vec& grad) const {
  return evaluate(theta, &grad);
}

double gp_map_loss::evaluate(const vec& theta, vec* grad) const {
  const Eigen::Index n = X_.cols();
  const Eigen::Index D = X_.rows();
  const double s2 = std::exp(theta[0]);
  vec inv_l2(D);
  for (Eigen::Index d = 0; d < D; ++d)
    inv_l2[d] = std::exp(-2.0 * theta[1 + d]);
  const double c = theta[D + 1];
  const bool learn = prior_.noise.learn;
  const double noise = noise_of(theta);
  const Eigen::Index P = D + (learn ? 3 : 2);
  matern52 kern;
  kern.variance = s2;
  // K, r and E = exp(-sqrt(5) r) (lower triangle is enough for the LLT);
  // the exponentials run a column at a time on the vector units
  // (core/vmath), and E serves the gradient's g(r) too.
  // The n x n buffers live in the loss object: reallocating them (8 MB each
  // at n = 1 000) cost page faults on every evaluation.
  mat& K = K_;
  mat& R = R_;
  mat& E = E_;
  K.resize(n, n);
  R.resize(n, n);
  E.resize(n, n);
  // Column by column over the strict lower triangle, as contiguous
  // segments (Eigen vectorises the sums, core/vmath the exponentials).
  for (Eigen::Index j = 0; j < n; ++j) {
    K(j, j) = s2 + noise;
    R(j, j) = 0.0;
    const Eigen::Index below = n - j - 1;
    if (below == 0)
      continue;
    auto r = R.col(j).tail(below);
    r.setZero();
    for (Eigen::Index d = 0; d < D; ++d)
      r += inv_l2[d] * sqdiff_[d].col(j).tail(below);
    r = r.cwiseSqrt();
    auto e = E.col(j).tail(below);
    e = -matern52::sqrt5 * r;
    vmath::exp(e.data(), e.data(), std::size_t(below));
    for (Eigen::Index i = 0; i < below; ++i)
      K(j + 1 + i, j) = kern.from_sr(matern52::sqrt5 * r[i], e[i]);
  }
  // In place: K's lower triangle becomes L (the gradient below rebuilds the
  // kernel values from R and E).
  Eigen::LLT<Eigen::Ref<mat>> llt(K);
  if (grad)
    grad->setZero(P);
  if (llt.info() != Eigen::Success)
    return std::numeric_limits<double>::infinity();
  vec e = y_.array() - c;
  vec alpha = llt.solve(e);
  double logdet = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  gp_hyper h = unpack(theta.head(D + 2));
  double loss = 0.5 * e.dot(alpha) + 0.5 * logdet + 0.5 * double(n) * log_2pi
                - prior_.log_density(h);
  if (learn)
    loss -= lognormal_logpdf(theta[D + 2], prior_.noise.log_loc, prior_.noise.scale);
  if (!std::isfinite(loss))
    return std::numeric_limits<double>::infinity();
  if (!grad)
    return loss;
  // W = K^-1 - alpha alpha^T; dloss/dtheta_j = 1/2 tr(W dK/dtheta_j).
  mat& W = W_;
  W.setIdentity(n, n);
  llt.solveInPlace(W);
  W.noalias() -= alpha * alpha.transpose();
  vec& g = *grad;
  // Diagonal: dK_jj/dlog s2 = s2, lengthscale derivative zero;
  // dK/dlog n = n I.
  const double trace_w = W.diagonal().sum();
  double gs = 0.5 * s2 * trace_w;
  if (learn) {
    const double z = (theta[D + 2] - prior_.noise.log_loc) / prior_.noise.scale;
    g[D + 2] = 0.5 * noise * trace_w + 1.0 + z / prior_.noise.scale;
  }
  // Symmetric: each strict-lower pair counts for (i, j) and (j, i), hence
  // no 1/2. dK/dlog l_d = -g(r) (diff_d / l_d)^2.
  vec gl = vec::Zero(D);
  vec m(n);
  for (Eigen::Index j = 0; j + 1 < n; ++j) {
    const Eigen::Index below = n - j - 1;
    auto mw = m.head(below);
    for (Eigen::Index i = 0; i < below; ++i) {
      const double w = W(j + 1 + i, j);
      const double sr = matern52::sqrt5 * R(j + 1 + i, j);
      const double e = E(j + 1 + i, j);
      gs += w * kern.from_sr(sr, e);
      mw[i] = w * kern.g_from_sr(sr, e);
    }
    for (Eigen::Index d = 0; d < D; ++d)
      gl[d] -= inv_l2[d] * mw.dot(sqdiff_[d].col(j).tail(below));
  }
  g[0] = gs;
  g.segment(1, D) = gl;
  g[D + 1] = -alpha.sum();
  // - d log prior / d log v = 1 + (log v - loc) / scale^2
  const double sc2 = prior_.scale * prior_.scale;
  const double sl2 = prior_.lengthscale_scale * prior_.lengthscale_scale;
  g[0] += 1.0 + (theta[0] - prior_.log_variance_loc) / sc2;
  for (Eigen::Index d = 0; d < D; ++d)
    g[1 + d] += 1.0 + (theta[1 + d] - prior_.log_lengthscale_loc[d]) / sl2;
  return loss;
}

// -- fit -----------------------------------------------------------------------

std::string gp_fit_options::validate() const {
  if (!(box_sigmas > 0.0))
    return "gp fit: box_sigmas must be > 0";
  return lbfgsb.validate();
}

const char* to_string(gp_fit_status s) {
  switch (s) {
    case gp_fit_status::converged: return "converged";
    case gp_fit_status::max_iterations: return "max_iterations";
    case gp_fit_status::line_search_failed: return "line_search_failed";
    case gp_fit_status::cholesky_failed: return "cholesky_failed";
  }
  return "unknown";
}

gp_fit_summary fit_gp_map(const mat& X, const vec& y, const gp_prior& prior,
                          double noise, gp_hyper& h,
                          const gp_fit_options& opts, rng_type& rng) {
  if (auto err = opts.validate(); !err.empty())
    throw std::invalid_argument(err);
  const Eigen::Index D = X.rows();
  if (X.cols() != y.size() || X.cols() == 0)
    throw std::invalid_argument("fit_gp_map: X has " + std::to_string(X.cols())
                                + " points and y has "
                                + std::to_string(y.size())
                                + " values; need equal and >= 1");
  if (prior.log_lengthscale_loc.size() != D)
    throw std::invalid_argument("fit_gp_map: prior has "
                                + std::to_string(prior.log_lengthscale_loc.size())
                                + " lengthscale locations, expected "
                                + std::to_string(D));
  check_hyper(h, static_cast<std::size_t>(D));
  if (!(noise > 0.0))
    throw std::invalid_argument("fit_gp_map: noise must be > 0");
  const auto& np = prior.noise;
  if (np.learn && !(np.log_lower <= np.log_upper))
    throw std::invalid_argument("fit_gp_map: the noise bounds must satisfy lower <= upper");
  gp_fit_summary sum;
  gp_map_loss loss(X, y, prior, noise);
  if (np.learn)
    noise = std::clamp(noise, std::exp(np.log_lower), std::exp(np.log_upper));

  // 1. Screening: current values, then prior draws.
  vec best = loss.pack(h, noise);
  double best_loss = loss.loss(best);
  const std::size_t draws
    = opts.screening_per_parameter * std::size_t(D + (np.learn ? 2 : 1));
  std::normal_distribution<double> normal(0.0, 1.0);
  vec cand = best;
  for (std::size_t i = 0; i < draws; ++i) {
    cand[0] = prior.log_variance_loc + prior.scale * normal(rng);
    for (Eigen::Index d = 0; d < D; ++d)
      cand[1 + d] = prior.log_lengthscale_loc[d] + prior.lengthscale_scale * normal(rng);
    if (np.learn)
      cand[D + 2] = std::clamp(np.log_loc + np.scale * normal(rng), np.log_lower,
                               np.log_upper);
    double l = loss.loss(cand);
    if (l < best_loss) {
      best_loss = l;
      best = cand;
    }
  }
  sum.screened = draws + 1;
  sum.start_loss = best_loss;

  // 2. One L-BFGS-B run in a generous box around the prior.
  vec lb(best.size()), ub(best.size());
  const double w = opts.box_sigmas * prior.scale;
  const double wl = opts.box_sigmas * prior.lengthscale_scale;
  lb[0] = prior.log_variance_loc - w;
  ub[0] = prior.log_variance_loc + w;
  for (Eigen::Index d = 0; d < D; ++d) {
    lb[1 + d] = prior.log_lengthscale_loc[d] - wl;
    ub[1 + d] = prior.log_lengthscale_loc[d] + wl;
  }
  double ymin = y.minCoeff(), ymax = y.maxCoeff();
  double span = std::max(ymax - ymin, std::sqrt(std::exp(prior.log_variance_loc)));
  lb[D + 1] = std::min(ymin, best[D + 1]) - 1e3 * span;
  ub[D + 1] = std::max(ymax, best[D + 1]) + 1e3 * span;
  if (np.learn) {
    lb[D + 2] = np.log_lower;
    ub[D + 2] = np.log_upper;
  }
  best = best.cwiseMax(lb).cwiseMin(ub);
  auto res = minimize_box([&](const vec& t, vec& g) { return loss(t, g); },
                          best, lb, ub, opts.lbfgsb);
  sum.iterations = res.iterations;
  sum.evaluations = res.evaluations;
  sum.message = res.message;
  switch (res.status) {
    case lbfgsb_status::converged: sum.status = gp_fit_status::converged; break;
    case lbfgsb_status::max_iterations:
      sum.status = gp_fit_status::max_iterations;
      break;
    case lbfgsb_status::line_search_failed:
      sum.status = gp_fit_status::line_search_failed;
      break;
  }
  // minimize_box evaluates the start first and returns the best point it
  // evaluated, so final_loss <= start_loss.
  sum.final_loss = loss.loss(best);
  h = gp_map_loss::unpack(best.head(D + 2));
  sum.noise_variance = loss.noise_of(best);

  // 3. Final factorisation (with the jitter ladder).
  gp model(X, y, h, sum.noise_variance);
  sum.jitter = model.jitter();
  if (!model.ok()) {
    sum.status = gp_fit_status::cholesky_failed;
    sum.message = "the fitted covariance could not be factorised even with "
                  "jitter";
  }
  return sum;
}

} // namespace asyncbo
