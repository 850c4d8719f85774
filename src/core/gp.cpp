// SPDX-License-Identifier: Apache-2.0
// GP posterior.
#include "core/gp.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace asyncbo {

namespace {

constexpr double var_floor = 1e-12;

} // namespace

void check_hyper(const gp_hyper& h, std::size_t dim) {
  if (!(h.variance > 0.0) || !std::isfinite(h.variance))
    throw std::invalid_argument("gp: kernel variance must be finite and > 0");
  if (static_cast<std::size_t>(h.lengthscales.size()) != dim)
    throw std::invalid_argument("gp: expected " + std::to_string(dim)
                                + " lengthscales, got "
                                + std::to_string(h.lengthscales.size()));
  if (!(h.lengthscales.array() > 0.0).all() || !h.lengthscales.allFinite())
    throw std::invalid_argument("gp: lengthscales must be finite and > 0");
  if (!std::isfinite(h.mean))
    throw std::invalid_argument("gp: mean must be finite");
}


// -- gp ----------------------------------------------------------------------

gp::gp(mat X, vec y, gp_hyper h, double noise_variance)
  : X_(std::move(X)), y_(std::move(y)), h_(std::move(h)), noise_(noise_variance) {
  if (X_.cols() == 0)
    throw std::invalid_argument("gp: needs at least one data point");
  if (X_.cols() != y_.size())
    throw std::invalid_argument("gp: X has " + std::to_string(X_.cols())
                                + " points but y has "
                                + std::to_string(y_.size()) + " values");
  if (!X_.allFinite() || !y_.allFinite())
    throw std::invalid_argument("gp: data must be finite");
  if (!(noise_ > 0.0) || !std::isfinite(noise_))
    throw std::invalid_argument("gp: noise variance must be finite and > 0");
  check_hyper(h_, dim());
  kern_.variance = h_.variance;
  kern_.lengthscales = h_.lengthscales;
  mat K = kern_.gram(X_);
  K.diagonal().array() += noise_;
  llt_.compute(K);
  ok_ = llt_.info() == Eigen::Success;
  for (double j = 1e-10; !ok_ && j <= 1e-2 * 1.0001; j *= 100.0) {
    jitter_ = j * h_.variance;
    mat Kj = K;
    Kj.diagonal().array() += jitter_;
    llt_.compute(Kj);
    ok_ = llt_.info() == Eigen::Success;
  }
  if (ok_) {
    alpha_ = llt_.solve((y_.array() - h_.mean).matrix());
    ok_ = alpha_.allFinite();
  }
}

void gp::require_ok() const {
  if (!ok_)
    throw std::runtime_error("gp: the covariance matrix could not be factorised "
                             "even with jitter 1e-2 * variance");
}

void gp::solve_lower(mat& b) const {
  require_ok();
  llt_.matrixL().solveInPlace(b);
}

void gp::solve_upper(mat& v) const {
  require_ok();
  llt_.matrixU().solveInPlace(v);
}

void gp::predict(const vec_ref& x, double& mean, double& var, vec* dmean,
                 vec* dvar) const {
  require_ok();
  const Eigen::Index n = X_.cols();
  mat k(n, 1);
  for (Eigen::Index i = 0; i < n; ++i)
    k(i, 0) = kern_(x, X_.col(i));
  mean = h_.mean + k.col(0).dot(alpha_);
  mat v = k;
  llt_.matrixL().solveInPlace(v);
  double raw = h_.variance - v.col(0).squaredNorm();
  var = std::max(raw, var_floor);
  if (dmean)
    *dmean = weighted_kernel_grad(x, alpha_);
  if (dvar) {
    // d var/dx = -2 k'(x)^T K^-1 k(x) = sum_i (-2 w_i) dk(x, X_i)/dx.
    vec w = v.col(0);
    llt_.matrixU().solveInPlace(w);
    *dvar = weighted_kernel_grad(x, -2.0 * w);
    if (raw < var_floor)
      dvar->setZero();
  }
}

double gp::mean_at(const vec_ref& x, vec* dmean) const {
  require_ok();
  double m = h_.mean;
  for (Eigen::Index i = 0; i < X_.cols(); ++i)
    m += kern_(x, X_.col(i)) * alpha_[i];
  if (dmean)
    *dmean = weighted_kernel_grad(x, alpha_);
  return m;
}

void gp::predict_joint(const mat_ref& Q, vec& mean, mat& cov) const {
  require_ok();
  mat Kxq = kern_.cross(X_, Q); // n x m
  mean = (Kxq.transpose() * alpha_).array() + h_.mean;
  llt_.matrixL().solveInPlace(Kxq);
  cov = kern_.gram(Q);
  cov.noalias() -= Kxq.transpose() * Kxq;
  for (Eigen::Index i = 0; i < cov.rows(); ++i)
    cov(i, i) = std::max(cov(i, i), var_floor);
}

vec gp::mean_at_data() const {
  require_ok();
  mat K = kern_.gram(X_);
  return (K * alpha_).array() + h_.mean;
}

vec gp::weighted_kernel_grad(const vec_ref& x, const vec_ref& u) const {
  vec out = vec::Zero(dim());
  const vec inv_l2 = kern_.inv_sq_lengthscales();
  for (Eigen::Index i = 0; i < X_.cols(); ++i)
    if (u[i] != 0.0)
      kern_.add_grad(x, X_.col(i), u[i], inv_l2, out);
  return out;
}

} // namespace asyncbo
