// SPDX-License-Identifier: Apache-2.0
// The probability that an evaluation succeeds, learned from the points that
// failed: a Gaussian-process classifier with a probit likelihood and the
// Laplace approximation (Rasmussen and Williams 2006, sec. 3.4, algorithms
// 3.1 and 3.2; the role of the classifier in Trieste's failure-EGO tutorial).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "core/kernel.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// Options of the success-probability model.
///
/// Hyper-parameters are chosen by type-II MAP over a grid: the Laplace
/// approximation of the log marginal likelihood (R&W eq. 3.32) plus
/// LogNormal hyper-priors (lengthscale factor centred on 1, variance on 4,
/// log-scale 1 each) is evaluated for every (variance, lengthscale) pair and
/// the best kept, unless the flat model (one success rate everywhere,
/// uniform prior on it, exact Beta-Bernoulli evidence log B(s + 1, f + 1))
/// explains the data at least as well: failures at random then give the same
/// probability everywhere, which shifts every acquisition value by the same
/// amount, so that no region becomes shy. The
/// kernel is an isotropic Matérn-5/2 on the unit cube with lengthscale
/// factor * sqrt(D). The prior mean m is set so that far from all data the
/// predicted success probability is the smoothed observed rate
/// (s + 1) / (n + 2): m = Phi^-1(rate) sqrt(1 + variance).
struct feasibility_options {
  std::vector<double> variances = {1.0, 4.0};
  std::vector<double> lengthscale_factors = {0.1, 0.2, 0.4, 0.8, 1.6};
  int max_newton = 100;        ///< Newton iterations of the Laplace mode
  double tolerance = 1e-9;     ///< stop when the objective changes less

  std::string validate() const;
};

/// p(success | x) = Phi(mu(x) / sqrt(1 + s^2(x))) (R&W eq. 3.25 for the
/// probit), mu and s^2 the Laplace posterior of the latent function.
class feasibility_model {
public:
  /// X: D x n unit points (n >= 1); ok[i]: evaluation i succeeded. Throws
  /// std::invalid_argument on bad sizes, non-finite data or bad options.
  feasibility_model(mat X, std::vector<bool> ok, const feasibility_options& opts = {});

  std::size_t dim() const noexcept { return static_cast<std::size_t>(X_.rows()); }
  std::size_t size() const noexcept { return static_cast<std::size_t>(X_.cols()); }

  /// log p(success | x), finite for every finite x; writes d/dx if asked.
  double log_success(const vec_ref& x, vec* grad = nullptr) const;
  double success(const vec_ref& x) const;

  /// The chosen hyper-parameters and their log evidence.
  double variance() const noexcept { return kern_.variance; }
  double lengthscale() const noexcept { return kern_.lengthscales[0]; }
  double prior_mean() const noexcept { return mean_; }
  double log_evidence() const noexcept { return log_evidence_; }
  /// True if the flat model won: the same probability everywhere.
  bool flat() const noexcept { return flat_; }

private:
  struct fit;
  /// Laplace mode and evidence for one kernel; false if it failed.
  bool laplace(const matern52& k, double mean, fit& out) const;

  mat X_;
  int max_newton_ = 100;
  double tolerance_ = 1e-9;
  vec y_;            ///< +1 success, -1 failure
  bool flat_ = true;
  double flat_rate_ = 1.0;
  matern52 kern_;
  double mean_ = 0.0;
  double log_evidence_ = 0.0;
  vec grad_loglik_;  ///< d log p(y | f) / d f at the mode
  vec sqrt_w_;       ///< W^(1/2), W = -d^2 log p(y | f) / d f^2
  Eigen::LLT<mat> llt_; ///< of B = I + W^(1/2) K W^(1/2)
};

} // namespace asyncbo
