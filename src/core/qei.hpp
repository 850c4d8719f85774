// SPDX-License-Identifier: Apache-2.0
// Monte-Carlo batch expected improvement: joint q-EI with pending points,
// maximised as the log of a softplus-smoothed estimate.
#pragma once

#include <string>

#include "core/acquisition.hpp"
#include "core/gp.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// Options of the Monte-Carlo batch expected improvement.
struct qei_options {
  /// Number S of base samples (Trieste's AsynchronousOptimization default:
  /// 10 000 pseudo-random).
  std::size_t samples = 10000;
  /// Scrambled-Sobol normal base samples (QMC) instead of pseudo-random.
  bool quasi_random = true;
  /// Added to the diagonal of the joint B x B covariance before its Cholesky,
  /// relative to the kernel variance (Trieste: 1e-6 absolute; relative here
  /// so the model is scale-invariant; identical for unit-variance
  /// objectives such as ScaledBranin).
  double jitter = 1e-6;
  /// Temperature tau of the smoothed improvement softplus_tau(z) =
  /// tau log(1 + exp(z / tau)), relative to the kernel standard deviation.
  /// The log of the smoothed estimate is what the optimiser maximises: unlike
  /// the plain estimate it never collapses to exactly zero (docs/design.md,
  /// "q-EI that never vanishes";
  /// Ament et al. 2023, qLogEI). Its bias is at most tau log 2. The minimum
  /// over the batch is kept exact: a smooth minimum would reward duplicating
  /// a pending point (it lowers the min of two equal samples by tau log 2).
  double temperature = 1e-6;
  /// Base samples used to rank screening points (a prefix of the Sobol set,
  /// itself a balanced QMC set). 0 = all.
  std::size_t screening_samples = 256;

  std::string validate() const;
};

/// Monte-Carlo batch expected improvement (joint q-EI; Ginsbourger et al.
/// 2010, reparametrisation as in Wilson et al. 2018 and Trieste's
/// BatchMonteCarloExpectedImprovement):
///
///   qEI(X) = 1/S sum_s max(eta - min_b f_b^(s), 0),
///   f^(s) = mu(Z) + chol(Sigma(Z) + jitter I) eps_s,   Z = [P, X],
///
/// where P are the pending points (fixed, first) and X the q free points
/// (the optimisation variable, q D values, point after point). The base
/// samples eps (B x S, B = |P| + q) are drawn once per object: fixed during
/// one acquisition optimisation and redrawn at the next ask.
class batch_mc_ei final : public acquisition_target {
public:
  /// pending: D x P (P >= 0); q >= 1. The base samples come from `seed`.
  batch_mc_ei(const gp& model, double eta, const mat& pending, std::size_t q,
              const qei_options& opts, std::uint64_t seed);

  std::size_t dim() const override { return q_ * model_.dim(); }
  double log_value(const vec_ref& x, vec* grad) const override;
  double screen(const vec_ref& x) const override;

  /// The plain (unsmoothed) Monte-Carlo estimate with all samples: exactly
  /// Trieste's estimator. Can be exactly 0.
  double value(const vec_ref& x) const;

  /// The smoothed estimate exp(log_value) (no gradient).
  double smoothed_value(const vec_ref& x) const;

  const mat& base_samples() const noexcept { return eps_; }

private:
  struct joint;
  bool build_joint(const vec_ref& x, joint& j, bool with_w) const;
  double eval(const vec_ref& x, vec* grad, std::size_t samples,
              bool smooth) const;

  const gp& model_;
  double eta_;
  std::size_t q_;
  std::size_t P_;
  qei_options opts_;
  double tau_;
  double jitter_abs_;
  mat eps_;      ///< B x S base samples
  mat Xp_;       ///< D x P pending points
  vec mu_p_;     ///< posterior mean at pending
  mat Vp_;       ///< L^-1 K(X, P), n x P
  mat Wp_;       ///< K^-1 K(X, P), n x P
  mat Spp_;      ///< posterior covariance of pending, P x P
  // Fixed during an ask, so computed once (issue 11, item 2): the pending
  // block of the joint factor, and every sample's minimum over the pending
  // points. An evaluation then costs q (P + q) per sample, not B^2 / 2.
  mat Lpp_;      ///< chol(Spp + jitter I), P x P
  vec pmin_;     ///< min_p (mu_p + Lpp eps_p)_s for every sample s (+inf if P = 0)
};

} // namespace asyncbo
