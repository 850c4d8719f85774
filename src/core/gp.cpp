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
  Eigen::LLT<mat> llt(K);
  ok_ = llt.info() == Eigen::Success;
  for (double j = 1e-10; !ok_ && j <= 1e-2 * 1.0001; j *= 100.0) {
    jitter_ = j * h_.variance;
    mat Kj = K;
    Kj.diagonal().array() += jitter_;
    llt.compute(Kj);
    ok_ = llt.info() == Eigen::Success;
  }
  if (ok_) {
    L_ = llt.matrixL();
    solve_alpha();
  }
}

void gp::solve_alpha() {
  vec a = (y_.array() - h_.mean).matrix();
  L_.triangularView<Eigen::Lower>().solveInPlace(a);
  L_.triangularView<Eigen::Lower>().transpose().solveInPlace(a);
  alpha_ = a;
  ok_ = alpha_.allFinite();
}

gp gp::extended(const mat& Xnew, const vec& ynew) const {
  if (Xnew.rows() != X_.rows() || Xnew.cols() != ynew.size())
    throw std::invalid_argument("gp::extended: new points have " + std::to_string(Xnew.rows())
                                + " rows and " + std::to_string(ynew.size())
                                + " values; expected " + std::to_string(X_.rows())
                                + " rows and one value per point");
  mat X(X_.rows(), X_.cols() + Xnew.cols());
  X << X_, Xnew;
  vec y(y_.size() + ynew.size());
  y << y_, ynew;
  // A factor with jitter (or none) is not extended: jitter would have to be
  // chosen for the whole matrix again.
  if (!ok_ || jitter_ > 0.0 || Xnew.cols() == 0)
    return gp(std::move(X), std::move(y), h_, noise_);
  if (!Xnew.allFinite() || !ynew.allFinite())
    throw std::invalid_argument("gp: data must be finite");
  // [K  k ]   [L  0] [L^T B  ]
  // [k' kk] = [B' C] [0   C^T],  B = L^-1 k,  C C^T = kk - B' B.
  mat B = kern_.cross(X_, Xnew);
  L_.triangularView<Eigen::Lower>().solveInPlace(B);
  mat S = kern_.gram(Xnew);
  S.diagonal().array() += noise_;
  S.noalias() -= B.transpose() * B;
  Eigen::LLT<mat> lc(S);
  if (lc.info() != Eigen::Success)
    return gp(std::move(X), std::move(y), h_, noise_);   // the full factorisation decides
  gp out;
  out.X_ = std::move(X);
  out.y_ = std::move(y);
  out.h_ = h_;
  out.kern_ = kern_;
  out.noise_ = noise_;
  out.jitter_ = 0.0;
  const Eigen::Index n = X_.cols(), k = Xnew.cols();
  out.L_.resize(n + k, n + k);
  out.L_.topLeftCorner(n, n) = L_;
  out.L_.topRightCorner(n, k).setZero();
  out.L_.bottomLeftCorner(k, n) = B.transpose();
  out.L_.bottomRightCorner(k, k) = lc.matrixL();
  out.ok_ = true;
  out.solve_alpha();
  return out;
}

void gp::require_ok() const {
  if (!ok_)
    throw std::runtime_error("gp: the covariance matrix could not be factorised "
                             "even with jitter 1e-2 * variance");
}

// With a few right-hand sides (the acquisition's q columns), a solve per
// column reads the factor once each; Eigen's blocked solve for a matrix
// first copies (packs) the whole factor, which dominated at n >= 2 000
// (docs/experiments/history.md §23).
constexpr Eigen::Index few_columns = 4;

void gp::solve_lower(mat& b) const {
  require_ok();
  if (b.cols() <= few_columns)
    for (Eigen::Index j = 0; j < b.cols(); ++j)
      L_.triangularView<Eigen::Lower>().solveInPlace(b.col(j));
  else
    L_.triangularView<Eigen::Lower>().solveInPlace(b);
}

void gp::solve_upper(mat& v) const {
  require_ok();
  if (v.cols() <= few_columns)
    for (Eigen::Index j = 0; j < v.cols(); ++j)
      L_.triangularView<Eigen::Lower>().transpose().solveInPlace(v.col(j));
  else
    L_.triangularView<Eigen::Lower>().transpose().solveInPlace(v);
}

void gp::predict(const vec_ref& x, double& mean, double& var, vec* dmean,
                 vec* dvar) const {
  require_ok();
  vec k, g;
  kern_.row(x, X_, k, dmean || dvar ? &g : nullptr);
  mean = h_.mean + k.dot(alpha_);
  mat v = k;
  solve_lower(v);
  double raw = h_.variance - v.col(0).squaredNorm();
  var = std::max(raw, var_floor);
  if (dmean) {
    dmean->setZero(dim());
    kern_.add_weighted_grad(x, X_, g, alpha_, *dmean);
  }
  if (dvar) {
    // d var/dx = -2 k'(x)^T K^-1 k(x) = sum_i (-2 w_i) dk(x, X_i)/dx.
    mat w = v;
    solve_upper(w);
    dvar->setZero(dim());
    kern_.add_weighted_grad(x, X_, g, -2.0 * w.col(0), *dvar);
    if (raw < var_floor)
      dvar->setZero();
  }
}

double gp::mean_at(const vec_ref& x, vec* dmean) const {
  require_ok();
  vec k, g;
  kern_.row(x, X_, k, dmean ? &g : nullptr);
  if (dmean) {
    dmean->setZero(dim());
    kern_.add_weighted_grad(x, X_, g, alpha_, *dmean);
  }
  return h_.mean + k.dot(alpha_);
}

void gp::predict_joint(const mat_ref& Q, vec& mean, mat& cov) const {
  require_ok();
  mat Kxq = kern_.cross(X_, Q); // n x m
  mean = (Kxq.transpose() * alpha_).array() + h_.mean;
  solve_lower(Kxq);
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
  kern_.add_weighted_grad(x, X_, u, out);
  return out;
}

} // namespace asyncbo
