// SPDX-License-Identifier: Apache-2.0
// Monte-Carlo batch expected improvement (joint q-EI with pending points),
// smoothed in log space, with its analytic gradient.
#include "core/qei.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "core/space.hpp"
#include "core/special.hpp"
#include "core/vmath.hpp"

namespace asyncbo {

std::string qei_options::validate() const {
  if (samples < 1)
    return "batch-mc-ei: samples must be >= 1";
  if (!(jitter >= 0.0) || !std::isfinite(jitter))
    return "batch-mc-ei: jitter must be finite and >= 0";
  if (!(temperature > 0.0) || !std::isfinite(temperature))
    return "batch-mc-ei: temperature must be finite and > 0";
  return {};
}

struct batch_mc_ei::joint {
  mat Xq;  ///< D x q
  vec mu;  ///< B
  mat Lqp; ///< q x P, the free rows' pending block of the joint factor
  mat Lqq; ///< q x q, lower: chol(Sqq - Lqp Lqp^T + jitter I)
  mat Wq;  ///< n x q, K^-1 K(X, Xq)
};

namespace {

/// Lower Cholesky factor of S + jit I, raising jit (x100, at least 1e-10 of
/// the kernel variance) up to 4 times; false if all fail.
bool jittered_cholesky(const mat& S, double jit, double variance, mat& L) {
  for (int attempt = 0; attempt < 4; ++attempt) {
    mat Sj = S;
    Sj.diagonal().array() += jit;
    Eigen::LLT<mat> llt(Sj);
    if (llt.info() == Eigen::Success) {
      L = llt.matrixL();
      return true;
    }
    jit = std::max(jit * 100.0, 1e-10 * variance);
  }
  return false;
}

} // namespace

batch_mc_ei::batch_mc_ei(const gp& model, double eta, const mat& pending,
                         std::size_t q, const qei_options& opts,
                         std::uint64_t seed)
  : model_(model), eta_(eta), q_(q), P_(pending.cols()), opts_(opts) {
  if (auto err = opts.validate(); !err.empty())
    throw std::invalid_argument(err);
  if (q < 1)
    throw std::invalid_argument("batch_mc_ei: q must be >= 1");
  if (!std::isfinite(eta))
    throw std::invalid_argument("batch_mc_ei: eta must be finite");
  if (P_ > 0 && static_cast<std::size_t>(pending.rows()) != model.dim())
    throw std::invalid_argument("batch_mc_ei: pending points have "
                                + std::to_string(pending.rows())
                                + " coordinates, expected "
                                + std::to_string(model.dim()));
  const double s2 = model.hyper().variance;
  tau_ = opts.temperature * std::sqrt(s2);
  jitter_abs_ = opts.jitter * s2;
  eps_ = normal_base_samples(P_ + q_, opts.samples, opts.quasi_random, seed);
  Xp_ = pending;
  if (P_ > 0) {
    mat Kxp = model.kernel().cross(model.X(), Xp_);
    mu_p_ = (Kxp.transpose() * model.alpha()).array() + model.hyper().mean;
    Vp_ = Kxp;
    model.solve_lower(Vp_);
    Wp_ = Vp_;
    model.solve_upper(Wp_);
    Spp_ = model.kernel().gram(Xp_);
    Spp_.noalias() -= Vp_.transpose() * Vp_;
    for (Eigen::Index i = 0; i < Eigen::Index(P_); ++i)
      Spp_(i, i) = std::max(Spp_(i, i), 1e-12);
  }
  pmin_ = vec::Constant(Eigen::Index(opts.samples), std::numeric_limits<double>::infinity());
  if (P_ > 0) {
    if (!jittered_cholesky(Spp_, jitter_abs_, s2, Lpp_)) {
      // No factor even with jitter: every evaluation reports failure, as
      // a joint factor that cannot be built did before.
      Lpp_.resize(0, 0);
      return;
    }
    const mat fp = (Lpp_.triangularView<Eigen::Lower>() * eps_.topRows(Eigen::Index(P_)))
                     .colwise()
                   + mu_p_; // P x S
    pmin_ = fp.colwise().minCoeff().transpose();
  }
}

bool batch_mc_ei::build_joint(const vec_ref& x, joint& j, bool with_w) const {
  const std::size_t D = model_.dim();
  const std::size_t B = P_ + q_;
  j.Xq = Eigen::Map<const mat>(x.data(), D, q_);
  mat Kxq = model_.kernel().cross(model_.X(), j.Xq); // n x q
  j.mu.resize(B);
  if (P_ > 0)
    j.mu.head(P_) = mu_p_;
  j.mu.tail(q_) = (Kxq.transpose() * model_.alpha()).array()
                  + model_.hyper().mean;
  mat Vq = Kxq;
  model_.solve_lower(Vq);
  // K^-1 K(X, Xq) only feeds the gradient: screening skips the second solve.
  if (with_w) {
    j.Wq = Vq;
    model_.solve_upper(j.Wq);
  }
  // The products below have q or P (a handful) rows and columns: Eigen's
  // GEMM would spend more time packing than multiplying (measured with
  // callgrind, docs/experiments/history.md §13), so they are coefficient-wise.
  //
  // Block Cholesky of the joint covariance [[Spp, Sqp^T], [Sqp, Sqq]] with
  // the pending block Lpp fixed for the ask: Lqp = Sqp Lpp^-T and
  // Lqq = chol(Sqq - Lqp Lqp^T), O(q P^2 + q^3) instead of O(B^3).
  mat Sqq = model_.kernel().gram(j.Xq);
  Sqq -= Vq.transpose().lazyProduct(Vq);
  for (std::size_t i = 0; i < q_; ++i)
    Sqq(i, i) = std::max(Sqq(i, i), 1e-12);
  if (P_ > 0) {
    if (Lpp_.rows() == 0)
      return false; // the pending block did not factorise
    mat Sqp = model_.kernel().cross(j.Xq, Xp_);
    Sqp -= Vq.transpose().lazyProduct(Vp_);
    // Lqp^T = Lpp^-1 Sqp^T
    mat LqpT = Sqp.transpose();
    Lpp_.triangularView<Eigen::Lower>().solveInPlace(LqpT);
    j.Lqp = LqpT.transpose();
    Sqq -= j.Lqp.lazyProduct(LqpT);
  } else {
    j.Lqp.resize(Eigen::Index(q_), 0);
  }
  return jittered_cholesky(Sqq, jitter_abs_, model_.hyper().variance, j.Lqq);
}

double batch_mc_ei::value(const vec_ref& x) const {
  return eval(x, nullptr, opts_.samples, false);
}

double batch_mc_ei::smoothed_value(const vec_ref& x) const {
  return std::exp(eval(x, nullptr, opts_.samples, true));
}

double batch_mc_ei::log_value(const vec_ref& x, vec* grad) const {
  return eval(x, grad, opts_.samples, true);
}

double batch_mc_ei::screen(const vec_ref& x) const {
  std::size_t s = opts_.screening_samples == 0
                    ? opts_.samples
                    : std::min(opts_.samples, opts_.screening_samples);
  return eval(x, nullptr, s, true);
}

double batch_mc_ei::eval(const vec_ref& x, vec* grad, std::size_t S,
                         bool smooth) const {
  const std::size_t D = model_.dim();
  const std::size_t B = P_ + q_;
  if (static_cast<std::size_t>(x.size()) != q_ * D)
    throw std::invalid_argument("batch_mc_ei: expected " + std::to_string(q_ * D)
                                + " coordinates (q * D), got "
                                + std::to_string(x.size()));
  joint j;
  if (!build_joint(x, j, grad != nullptr)) {
    if (grad)
      grad->setZero(x.size());
    return smooth ? -1e300 : 0.0;
  }
  // Forward pass, fused per sample s (eps_ is column-major, so sample s is
  // the B contiguous values at E + s B, pending first):
  //   f_i = mu_i + sum_c Lqp_ic e_sc + sum_{c <= i} Lqq_ic e_s(P+c),
  //   m_s = min(pmin_s, min_i f_i),  z_s = eta - m_s,
  // argmin -1 when a pending point holds the minimum (no gradient: the
  // pending samples do not depend on x).
  const double* E = eps_.data();
  const double* Lp = j.Lqp.data(); // column-major q x P
  const double* Lq = j.Lqq.data(); // column-major q x q
  const double* mu = j.mu.data() + P_;
  const double* pmin = pmin_.data();
  std::vector<double> z(S);
  std::vector<int> argmin(S);
  // With many pending points the q x P block dominates: one GEMM over all
  // samples (q x P times P x S) took an ask with 56 pending points from 680
  // to 600 ms, and was level with the fused loop at 8 (docs/experiments/history.md
  // §21); below 8 the loop keeps the values in registers.
  const bool gemm = P_ >= 8;
  mat FP;
  if (gemm) {
    FP.resize(Eigen::Index(q_), Eigen::Index(S));
    Eigen::Map<const mat, 0, Eigen::OuterStride<>> EP(E, Eigen::Index(P_), Eigen::Index(S),
                                                      Eigen::OuterStride<>(Eigen::Index(B)));
    FP.noalias() = j.Lqp * EP;
  }
  for (std::size_t s = 0; s < S; ++s) {
    const double* e = E + s * B;
    double m = pmin[s];
    int am = -1;
    for (std::size_t i = 0; i < q_; ++i) {
      double f = mu[i];
      if (gemm)
        f += FP(Eigen::Index(i), Eigen::Index(s));
      else
        for (std::size_t c = 0; c < P_; ++c)
          f += Lp[i + c * q_] * e[c];
      for (std::size_t c = 0; c <= i; ++c)
        f += Lq[i + c * q_] * e[P_ + c];
      if (f < m) {
        m = f;
        am = static_cast<int>(i);
      }
    }
    z[s] = eta_ - m;
    argmin[s] = am;
  }
  if (!smooth) {
    double acc = 0.0;
    for (std::size_t s = 0; s < S; ++s)
      acc += std::max(z[s], 0.0);
    return acc / double(S);
  }
  // l_s = log softplus_tau(z_s) = log tau + log softplus(z_s / tau); then
  // log-mean-exp over samples.
  // special::log_softplus's three branches, with the logarithms of the
  // improving samples (u > 35: log softplus(u) = log u) and the weights'
  // exponentials on the vector units (core/vmath); only |u| <= 35, a sliver
  // of samples at the default temperature, takes the scalar path.
  const double inv_tau = 1.0 / tau_;
  std::vector<double> l(S), t(S);
  for (std::size_t s = 0; s < S; ++s) {
    const double u = z[s] * inv_tau;
    t[s] = u > 35.0 ? u : 1.0;
  }
  vmath::log(t.data(), l.data(), S);
  double lmax = -std::numeric_limits<double>::infinity();
  for (std::size_t s = 0; s < S; ++s) {
    const double u = z[s] * inv_tau;
    if (u < -35.0)
      l[s] = u;
    else if (u <= 35.0)
      l[s] = special::log_softplus(u);
    lmax = std::max(lmax, l[s]);
  }
  // w_s = exp(l_s - lmax) <= 1. Below -708 a weight cannot change the sum
  // (>= 1) and is set to 0, which also keeps exp's arguments in the range
  // where the vector version has no scalar fallback.
  for (std::size_t s = 0; s < S; ++s)
    t[s] = std::max(l[s] - lmax, -708.0);
  vmath::exp(t.data(), t.data(), S);
  double sum = 0.0;
  for (std::size_t s = 0; s < S; ++s) {
    l[s] = l[s] - lmax > -708.0 ? t[s] : 0.0; // l now holds the weights w_s
    sum += l[s];
  }
  const double lme = lmax + std::log(sum) + std::log(tau_) - std::log(double(S));
  if (!grad)
    return lme;
  // -- reverse pass -----------------------------------------------------------
  // dlme/dl_s = w_s / sum; dl_s/dz_s = d_log_softplus(u_s) / tau;
  // dz_s/df_b = -1 for b = argmin_s. Accumulate mubar and Lbar.
  // Only the free rows of the factor depend on x: mubar_q, Lqp_bar, Lqq_bar.
  vec mubar = vec::Zero(Eigen::Index(q_));
  mat Lqp_bar = mat::Zero(Eigen::Index(q_), Eigen::Index(P_));
  mat Lqq_bar = mat::Zero(Eigen::Index(q_), Eigen::Index(q_));
  const double scale = -inv_tau / sum;
  for (std::size_t s = 0; s < S; ++s) {
    const double w = l[s];
    if (w == 0.0 || argmin[s] < 0)
      continue;
    const double u = z[s] * inv_tau;
    const double c = scale * w * (u < -35.0 ? 1.0 : special::d_log_softplus(u));
    const int i = argmin[s];
    const double* e = E + s * B;
    mubar[i] += c;
    for (std::size_t c2 = 0; c2 < P_; ++c2)
      Lqp_bar(i, Eigen::Index(c2)) += c * e[c2];
    for (int c2 = 0; c2 <= i; ++c2)
      Lqq_bar(i, c2) += c * e[P_ + std::size_t(c2)];
  }
  // Cholesky backward (Murray 2016) through the block factor: with
  // Cbar = Lqq^-T Phi(Lqq^T Lqq_bar) Lqq^-1 (Phi: lower triangle, halved
  // diagonal), the symmetric adjoints of the free rows of Sigma are
  //   Sym_qq = Cbar + Cbar^T,  Sym_qp = (Lqp_bar - Sym_qq Lqp) Lpp^-1,
  // the q rows of the full B x B backward, in O(q^2 P + q P^2) instead of
  // O(B^3) (the pending rows only reach the fixed pending block).
  mat Pm = j.Lqq.transpose().lazyProduct(Lqq_bar); // q x q: no GEMM packing
  mat Phi = Pm.triangularView<Eigen::Lower>();
  Phi.diagonal() *= 0.5;
  const Eigen::Index qi = Eigen::Index(q_);
  mat Linv = j.Lqq.triangularView<Eigen::Lower>().solve(mat::Identity(qi, qi));
  mat Cbar = Linv.transpose().lazyProduct(Phi).lazyProduct(Linv);
  const mat Sym_qq = Cbar + Cbar.transpose();
  mat Sym_qp(qi, Eigen::Index(P_));
  if (P_ > 0) {
    mat T = Lqp_bar - Sym_qq.lazyProduct(j.Lqp);
    // Sym_qp Lpp = T  <=>  Lpp^T Sym_qp^T = T^T
    mat TT = T.transpose();
    Lpp_.triangularView<Eigen::Lower>().transpose().solveInPlace(TT);
    Sym_qp = TT.transpose();
  }
  // Gradient for each free point b = P + i:
  //   J_b^T (mubar_b alpha - sum_c Sym_bc w_c) + sum_{c != b} Sym_bc dk(x_b, z_c)/dx_b
  grad->resize(x.size());
  const auto& kern = model_.kernel();
  const vec inv_l2 = kern.inv_sq_lengthscales();
  const vec& alpha = model_.alpha();
  for (std::size_t i = 0; i < q_; ++i) {
    const auto ii = Eigen::Index(i);
    vec xb = j.Xq.col(ii);
    vec uvec = mubar[ii] * alpha;
    if (P_ > 0)
      uvec.noalias() -= Wp_ * Sym_qp.row(ii).transpose();
    uvec.noalias() -= j.Wq * Sym_qq.row(ii).transpose();
    vec g = model_.weighted_kernel_grad(xb, uvec);
    for (std::size_t c2 = 0; c2 < P_; ++c2)
      if (Sym_qp(ii, Eigen::Index(c2)) != 0.0)
        kern.add_grad(xb, Xp_.col(Eigen::Index(c2)), Sym_qp(ii, Eigen::Index(c2)), inv_l2, g);
    for (std::size_t c2 = 0; c2 < q_; ++c2)
      if (c2 != i && Sym_qq(ii, Eigen::Index(c2)) != 0.0)
        kern.add_grad(xb, j.Xq.col(Eigen::Index(c2)), Sym_qq(ii, Eigen::Index(c2)), inv_l2, g);
    grad->segment(i * D, D) = g;
  }
  return lme;
}

} // namespace asyncbo
