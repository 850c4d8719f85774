// SPDX-License-Identifier: Apache-2.0
// Laplace GP classifier of success.
#include "core/feasibility.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "core/special.hpp"

namespace asyncbo {

std::string feasibility_options::validate() const {
  if (variances.empty() || lengthscale_factors.empty())
    return "feasibility: the hyper-parameter grid must not be empty";
  for (double v : variances)
    if (!(v > 0.0) || !std::isfinite(v))
      return "feasibility: variances must be finite and > 0";
  for (double l : lengthscale_factors)
    if (!(l > 0.0) || !std::isfinite(l))
      return "feasibility: lengthscale factors must be finite and > 0";
  if (max_newton < 1)
    return "feasibility: max_newton must be >= 1";
  return {};
}

struct feasibility_model::fit {
  vec grad;      ///< d log p(y|f)/df at the mode
  vec sqrt_w;
  Eigen::LLT<mat> llt;
  double log_evidence = -std::numeric_limits<double>::infinity();
};

namespace {

/// log Phi(y f) and its first two derivatives in f for the probit
/// likelihood (R&W eq. 3.16): d = y r, w = -d^2/df^2 = r (r + z), with
/// z = y f and r = phi(z) / Phi(z) computed stably.
void probit_terms(double y, double f, double& logp, double& d, double& w) {
  const double z = y * f;
  const double r = special::d_log_norm_cdf(z);
  logp = special::log_norm_cdf(z);
  d = y * r;
  w = r * (r + z);
}

} // namespace

bool feasibility_model::laplace(const matern52& k, double mean, fit& out) const {
  const Eigen::Index n = X_.cols();
  const mat K = k.gram(X_);
  vec g = vec::Zero(n); // f - mean
  vec d(n), w(n);
  // The likelihood terms at f = mean + g: sum log p, gradient d, curvature w.
  auto terms = [&]() {
    double sum = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      double lp;
      probit_terms(y_[i], mean + g[i], lp, d[i], w[i]);
      sum += lp;
    }
    return sum;
  };
  // B = I + W^(1/2) K W^(1/2) and its Cholesky factor.
  auto factor = [&]() {
    out.sqrt_w = w.cwiseMax(0.0).cwiseSqrt();
    mat B = out.sqrt_w.asDiagonal() * K * out.sqrt_w.asDiagonal();
    B.diagonal().array() += 1.0;
    out.llt.compute(B);
    return out.llt.info() == Eigen::Success;
  };
  double psi_old = -std::numeric_limits<double>::infinity();
  vec a = vec::Zero(n);
  for (int it = 0; it < max_newton_; ++it) {
    const double psi = -0.5 * a.dot(g) + terms();
    if (it > 0 && std::abs(psi - psi_old) < tolerance_ * (1.0 + std::abs(psi)))
      break;
    psi_old = psi;
    // Algorithm 3.1: b = W g + grad; a = b - W^(1/2) B^-1 W^(1/2) K b; g = K a.
    if (!factor())
      return false;
    const vec b = w.cwiseProduct(g) + d;
    a = b - out.sqrt_w.cwiseProduct(out.llt.solve(out.sqrt_w.cwiseProduct(K * b)));
    g = K * a;
    if (!g.allFinite())
      return false;
  }
  // At the mode: R&W eq. 3.32, with K^-1 g = grad there.
  const double logp_sum = terms();
  if (!factor())
    return false;
  out.grad = d;
  const double logdet_half = out.llt.matrixLLT().diagonal().array().log().sum();
  out.log_evidence = -0.5 * d.dot(g) + logp_sum - logdet_half;
  return std::isfinite(out.log_evidence);
}

feasibility_model::feasibility_model(mat X, std::vector<bool> ok,
                                     const feasibility_options& opts)
  : X_(std::move(X)), max_newton_(opts.max_newton), tolerance_(opts.tolerance) {
  if (auto err = opts.validate(); !err.empty())
    throw std::invalid_argument(err);
  const Eigen::Index n = X_.cols();
  if (n == 0 || static_cast<std::size_t>(n) != ok.size())
    throw std::invalid_argument("feasibility_model: X has " + std::to_string(n)
                                + " points and ok has " + std::to_string(ok.size())
                                + " flags; need equal and >= 1");
  if (!X_.allFinite())
    throw std::invalid_argument("feasibility_model: X must be finite");
  y_.resize(n);
  double successes = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    y_[i] = ok[static_cast<std::size_t>(i)] ? 1.0 : -1.0;
    successes += ok[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
  }
  const double rate = (successes + 1.0) / (double(n) + 2.0);
  const double q = special::norm_quantile(rate);
  const double root_d = std::sqrt(double(dim()));
  // The flat model: one success rate everywhere, uniform prior on it; its
  // evidence is exact (Beta-Bernoulli): log B(s + 1, f + 1).
  flat_rate_ = rate;
  const double failures = double(n) - successes;
  double best = std::lgamma(successes + 1.0) + std::lgamma(failures + 1.0)
                - std::lgamma(double(n) + 2.0);
  log_evidence_ = best;
  flat_ = true;
  for (double v : opts.variances)
    for (double l : opts.lengthscale_factors) {
      matern52 k;
      k.variance = v;
      k.lengthscales = vec::Constant(X_.rows(), l * root_d);
      const double m = q * std::sqrt(1.0 + v);
      fit f;
      if (!laplace(k, m, f))
        continue;
      // LogNormal hyper-priors: lengthscale factor around 1, variance
      // around 4 (both log-scale 1). They decide between models the data
      // cannot tell apart (failures at random fit a long and a very short
      // lengthscale equally well; the long one is the honest answer).
      const double score = f.log_evidence - 0.5 * std::pow(std::log(l), 2)
                           - 0.5 * std::pow(std::log(v / 4.0), 2);
      if (!(score > best))
        continue;
      flat_ = false;
      best = score;
      log_evidence_ = f.log_evidence;
      kern_ = k;
      mean_ = m;
      grad_loglik_ = std::move(f.grad);
      sqrt_w_ = std::move(f.sqrt_w);
      llt_ = std::move(f.llt);
    }
}

double feasibility_model::log_success(const vec_ref& x, vec* grad) const {
  if (flat_) {
    if (grad)
      grad->setZero(dim());
    return std::log(flat_rate_);
  }
  vec k, g;
  kern_.row(x, X_, k, grad ? &g : nullptr);
  const double mu = mean_ + k.dot(grad_loglik_);
  // v = L^-1 W^(1/2) k;  s^2 = k(x, x) - v^T v  (R&W algorithm 3.2).
  vec v = sqrt_w_.cwiseProduct(k);
  llt_.matrixL().solveInPlace(v);
  const double s2 = std::max(kern_.variance - v.squaredNorm(), 0.0);
  const double denom = std::sqrt(1.0 + s2);
  const double t = mu / denom;
  const double lp = special::log_norm_cdf(t);
  if (grad) {
    // dmu/dx = sum_i grad_i dk_i/dx;  ds2/dx = -2 sum_i u_i dk_i/dx with
    // u = W^(1/2) L^-T v.
    vec u = v;
    llt_.matrixU().solveInPlace(u);
    u = u.cwiseProduct(sqrt_w_);
    vec dmu = vec::Zero(dim()), ds2 = vec::Zero(dim());
    kern_.add_weighted_grad(x, X_, g, grad_loglik_, dmu);
    kern_.add_weighted_grad(x, X_, g, -2.0 * u, ds2);
    if (kern_.variance - v.squaredNorm() <= 0.0)
      ds2.setZero();
    const vec dt = dmu / denom - (0.5 * mu / (denom * denom * denom)) * ds2;
    *grad = special::d_log_norm_cdf(t) * dt;
  }
  return lp;
}

double feasibility_model::success(const vec_ref& x) const {
  return std::exp(log_success(x));
}

} // namespace asyncbo
