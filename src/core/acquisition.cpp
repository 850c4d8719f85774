// SPDX-License-Identifier: Apache-2.0
// EI, MC batch EI and local penalisation with analytic gradients.
#include "core/acquisition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "core/space.hpp"
#include "core/special.hpp"
#include "core/vmath.hpp"

namespace asyncbo {

double incumbent_eta(const gp& model, Eigen::Index* where) {
  Eigen::Index i = 0;
  const double eta = model.mean_at_data().minCoeff(&i);
  if (where)
    *where = i;
  return eta;
}

// -- EI ------------------------------------------------------------------------

expected_improvement::expected_improvement(const gp& model, double eta)
  : model_(model), eta_(eta) {
  if (!std::isfinite(eta))
    throw std::invalid_argument("expected_improvement: eta must be finite");
}

double expected_improvement::value(const vec_ref& x) const {
  double mu, var;
  model_.predict(x, mu, var);
  double s = std::sqrt(var);
  return s * special::ei_h((eta_ - mu) / s);
}

double expected_improvement::log_value(const vec_ref& x, vec* grad) const {
  double mu, var;
  vec dmu, dvar;
  if (grad)
    model_.predict(x, mu, var, &dmu, &dvar);
  else
    model_.predict(x, mu, var);
  double s = std::sqrt(var);
  double z = (eta_ - mu) / s;
  double lv = std::log(s) + special::log_ei_h(z);
  if (grad) {
    vec ds = dvar / (2.0 * s);
    vec dz = (-dmu - z * ds) / s;
    *grad = ds / s + special::d_log_ei_h(z) * dz;
  }
  return lv;
}

// -- batch MC EI ---------------------------------------------------------------

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
  // callgrind, BENCHMARKS.md section 13), so they are coefficient-wise.
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
  // to 600 ms, and was level with the fused loop at 8 (BENCHMARKS.md
  // section 21); below 8 the loop keeps the values in registers.
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

// -- local penalisation ------------------------------------------------------------

std::string lp_options::validate() const {
  if (samples < 1)
    return "local-penalization: samples must be >= 1";
  return {};
}

void lp_estimate(const gp& model, const mat& points, double& lipschitz,
                 double& eta_lp) {
  double L = 0.0;
  double eta = std::numeric_limits<double>::infinity();
  vec dmu;
  auto visit = [&](const vec_ref& x) {
    double m = model.mean_at(x, &dmu);
    L = std::max(L, dmu.norm());
    eta = std::min(eta, m);
  };
  for (Eigen::Index i = 0; i < model.X().cols(); ++i)
    visit(model.X().col(i));
  for (Eigen::Index i = 0; i < points.cols(); ++i)
    visit(points.col(i));
  if (L < 1e-5)
    L = 10.0;
  lipschitz = L;
  eta_lp = eta;
}

local_penalization::local_penalization(const gp& model, double eta,
                                       const mat& pending, double lipschitz,
                                       double eta_lp)
  : model_(model), ei_(model, eta), P_(pending), L_(lipschitz), eta_lp_(eta_lp) {
  if (!(lipschitz > 0.0) || !std::isfinite(lipschitz))
    throw std::invalid_argument("local_penalization: lipschitz must be > 0");
  if (P_.cols() > 0 && static_cast<std::size_t>(P_.rows()) != model.dim())
    throw std::invalid_argument("local_penalization: pending points have "
                                + std::to_string(P_.rows())
                                + " coordinates, expected "
                                + std::to_string(model.dim()));
  mu_p_.resize(P_.cols());
  s_p_.resize(P_.cols());
  for (Eigen::Index j = 0; j < P_.cols(); ++j) {
    double var;
    model.predict(P_.col(j), mu_p_[j], var);
    s_p_[j] = std::sqrt(var);
  }
}

double local_penalization::log_value(const vec_ref& x, vec* grad) const {
  double lv = ei_.log_value(x, grad);
  for (Eigen::Index j = 0; j < P_.cols(); ++j) {
    vec diff = x - P_.col(j);
    double d = diff.norm();
    double u = (L_ * d - mu_p_[j] + eta_lp_) / s_p_[j];
    lv += special::log_norm_cdf(u);
    if (grad && d > 0.0)
      *grad += (special::d_log_norm_cdf(u) * L_ / (s_p_[j] * d)) * diff;
  }
  return lv;
}

double local_penalization::value(const vec_ref& x) const {
  double v = ei_.value(x);
  for (Eigen::Index j = 0; j < P_.cols(); ++j) {
    double d = (x - P_.col(j)).norm();
    v *= special::norm_cdf((L_ * d - mu_p_[j] + eta_lp_) / s_p_[j]);
  }
  return v;
}

// -- failures ------------------------------------------------------------------------

feasibility_weighted::feasibility_weighted(const acquisition_target& base,
                                           const feasibility_model& feasible)
  : base_(base), feasible_(feasible), q_(base.dim() / feasible.dim()) {
  if (q_ == 0 || q_ * feasible.dim() != base.dim())
    throw std::invalid_argument("feasibility_weighted: the acquisition has "
                                + std::to_string(base.dim())
                                + " coordinates, not a multiple of "
                                + std::to_string(feasible.dim()));
}

double feasibility_weighted::log_weight(const vec_ref& x, vec* grad) const {
  const std::size_t D = feasible_.dim();
  double lw = 0.0;
  vec g;
  for (std::size_t b = 0; b < q_; ++b) {
    lw += feasible_.log_success(x.segment(b * D, D), grad ? &g : nullptr);
    if (grad)
      grad->segment(b * D, D) += g;
  }
  return lw;
}

double feasibility_weighted::log_value(const vec_ref& x, vec* grad) const {
  const double lv = base_.log_value(x, grad);
  return lv + log_weight(x, grad);
}

double feasibility_weighted::screen(const vec_ref& x) const {
  return base_.screen(x) + log_weight(x, nullptr);
}

posterior_sample::posterior_sample(const gp& model, std::size_t features, std::uint64_t seed,
                                   double scale)
    : model_(model) {
  if (features == 0)
    throw std::invalid_argument("posterior_sample: features must be >= 1");
  if (!(scale > 0.0) || !std::isfinite(scale))
    throw std::invalid_argument("posterior_sample: scale must be finite and > 0");
  if (!model.ok())
    throw std::invalid_argument("posterior_sample: the model did not factorise");
  const auto D = Eigen::Index(model.dim());
  const auto m = Eigen::Index(features);
  const gp_hyper& h = model.hyper();
  rng_type rng(seed);
  matern_features features_of(h);
  omega_.resize(D, m);
  phase_.resize(m);
  weight_.resize(m);
  const double amplitude = std::sqrt(2.0 * h.variance / double(m));
  for (Eigen::Index j = 0; j < m; ++j) {
    features_of.draw(rng, omega_.col(j), phase_[j]);
    weight_[j] = amplitude * features_of.normal(rng);
  }
  // v = (K + s_n^2 I)^-1 (y - c - Phi w - e), the noise the factor holds.
  const mat& X = model.X();
  const double noise_sd = std::sqrt(model.noise_variance() + model.jitter());
  mat r(X.cols(), 1);
  const mat phi = matern_features::values(omega_, phase_, X); // m x n
  for (Eigen::Index i = 0; i < X.cols(); ++i)
    r(i, 0) = model.y()[i] - h.mean - weight_.dot(phi.col(i)) - noise_sd * features_of.normal(rng);
  model.solve_lower(r);
  model.solve_upper(r);
  v_ = r.col(0);
  // Widened: mu + s (f - mu) = c + s phi^T w + k(x, X) (alpha + s (v - alpha)),
  // folded into the weights so that an evaluation costs the same.
  if (scale != 1.0) {
    weight_ *= scale;
    v_ = model.alpha() + scale * (v_ - model.alpha());
  }
}

mat matern_features::values(const mat& omega, const vec& phase, const mat_ref& X) {
  mat phi = (omega.transpose() * X).colwise() + phase;
  vmath::cos(phi.data(), phi.data(), std::size_t(phi.size()));
  return phi;
}

void matern_features::draw(rng_type& rng, Eigen::Ref<vec> omega, double& phase) {
  const double t = 1.0 / std::sqrt(chi2_(rng) / 5.0); // the Student-t's radial factor
  for (Eigen::Index d = 0; d < omega.size(); ++d)
    omega[d] = normal_(rng) * t / h_.lengthscales[d];
  phase = uniform_(rng);
}

posterior_sample::posterior_sample(const gp& model, mat omega, vec phase, vec weight, vec v)
    : model_(model), omega_(std::move(omega)), phase_(std::move(phase)),
      weight_(std::move(weight)), v_(std::move(v)) {
  if (!model.ok())
    throw std::invalid_argument("posterior_sample: the model did not factorise");
  if (omega_.rows() != Eigen::Index(model.dim()) || phase_.size() != omega_.cols()
      || weight_.size() != omega_.cols() || v_.size() != Eigen::Index(model.size()))
    throw std::invalid_argument("posterior_sample: parts of sizes omega "
                                + std::to_string(omega_.rows()) + "x"
                                + std::to_string(omega_.cols()) + ", phase "
                                + std::to_string(phase_.size()) + ", weight "
                                + std::to_string(weight_.size()) + ", v "
                                + std::to_string(v_.size()) + " for a model of "
                                + std::to_string(model.size()) + " points in "
                                + std::to_string(model.dim()) + " dimensions");
}

double posterior_sample::value(const vec_ref& x, vec* grad) const {
  const vec arg = (omega_.transpose() * x) + phase_;
  const std::size_t m = std::size_t(arg.size());
  vec trig(arg.size());
  vmath::cos(arg.data(), trig.data(), m);
  double f = model_.hyper().mean + weight_.dot(trig);
  vec k, g;
  model_.kernel().row(x, model_.X(), k, grad ? &g : nullptr);
  f += k.dot(v_);
  if (grad) {
    vmath::sin(arg.data(), trig.data(), m);
    *grad = omega_ * (-weight_.array() * trig.array()).matrix();
    model_.kernel().add_weighted_grad(x, model_.X(), g, v_, *grad);
  }
  return f;
}

double posterior_sample::log_value(const vec_ref& x, vec* grad) const {
  const double f = value(x, grad);
  if (grad)
    *grad = -*grad;
  return -f;
}

// -- stalled runs --------------------------------------------------------------------

bool run_stalled(const std::vector<double>& y, std::size_t window, double tolerance) {
  if (window == 0 || y.size() <= window)
    return false;
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  const double range = *hi - *lo;
  if (!(range > 0.0))
    return false;
  const auto split = y.end() - std::ptrdiff_t(window);
  const double before = *std::min_element(y.begin(), split);
  return before - *lo < tolerance * range;
}

excluding_ball::excluding_ball(const acquisition_target& base, vec centre, vec scales,
                               double radius, double penalty)
  : base_(base), c_(std::move(centre)), r2_(radius * radius), p_(penalty) {
  if (std::size_t(c_.size()) != base_.dim() || scales.size() != c_.size())
    throw std::invalid_argument("excluding_ball: centre and scales need "
                                + std::to_string(base_.dim()) + " coordinates each, got "
                                + std::to_string(c_.size()) + " and "
                                + std::to_string(scales.size()));
  if (!(scales.array() > 0.0).all() || !scales.allFinite())
    throw std::invalid_argument("excluding_ball: scales must be finite and > 0");
  if (!(radius > 0.0) || !std::isfinite(radius))
    throw std::invalid_argument("excluding_ball: radius must be finite and > 0");
  if (!(penalty > 0.0) || !std::isfinite(penalty))
    throw std::invalid_argument("excluding_ball: penalty must be finite and > 0");
  w_ = scales.array().square().inverse();
}

double excluding_ball::penalty(const vec_ref& x, vec* grad) const {
  const vec d = x - c_;
  const double d2 = d.dot(w_.cwiseProduct(d));
  if (d2 >= r2_) {
    if (grad)
      grad->setZero(x.size());
    return 0.0;
  }
  if (grad)
    *grad = (-2.0 * p_ / r2_) * w_.cwiseProduct(d);
  return p_ * (1.0 - d2 / r2_);
}

double excluding_ball::log_value(const vec_ref& x, vec* grad) const {
  if (!grad)
    return base_.log_value(x, nullptr) - penalty(x, nullptr);
  vec g;
  const double v = base_.log_value(x, grad) - penalty(x, &g);
  *grad -= g;
  return v;
}

double excluding_ball::screen(const vec_ref& x) const {
  return base_.screen(x) - penalty(x, nullptr);
}

} // namespace asyncbo
