// SPDX-License-Identifier: Apache-2.0
// Gaussian-process regression with a Matérn-5/2 ARD kernel and a constant
// mean (Rasmussen and Williams 2006, ch. 2; the model of Trieste's build_gpr).
// The hyper-parameter fit is in core/gp_fit.
#pragma once

#include <string>

#include <Eigen/Cholesky>

#include "core/kernel.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// Hyper-parameters of the GP prior f ~ GP(mean, k).
struct gp_hyper {
  double variance = 1.0; ///< kernel signal variance s2
  vec lengthscales;      ///< one per input dimension
  double mean = 0.0;     ///< constant mean c
};

/// Throws std::invalid_argument unless the variance and the `dim`
/// lengthscales are finite and > 0 and the mean is finite.
void check_hyper(const gp_hyper& h, std::size_t dim);

/// A GP posterior conditioned on data, f | (X, y).
///
/// Points are columns of a D x n matrix, in unit coordinates. The noise
/// variance is fixed. Factorisation: Cholesky of K + noise I; if it fails,
/// jitter 1e-10 s2, 1e-8 s2, ..., 1e-2 s2 is added on the diagonal and the
/// amount recorded (jitter()); if all fail, ok() is false and predictions
/// throw std::runtime_error (never NaN).
class gp {
public:
  gp() = default;

  /// X: D x n (n >= 1), y: n. Throws std::invalid_argument on bad sizes,
  /// non-finite data, noise_variance <= 0 or bad hyper-parameters.
  gp(mat X, vec y, gp_hyper h, double noise_variance);

  bool ok() const noexcept { return ok_; }
  double jitter() const noexcept { return jitter_; }
  std::size_t size() const noexcept { return static_cast<std::size_t>(X_.cols()); }
  std::size_t dim() const noexcept { return static_cast<std::size_t>(X_.rows()); }
  const matern52& kernel() const noexcept { return kern_; }
  const gp_hyper& hyper() const noexcept { return h_; }
  double noise_variance() const noexcept { return noise_; }
  const mat& X() const noexcept { return X_; }
  const vec& y() const noexcept { return y_; }

  /// (K + noise I)^{-1} (y - c).
  const vec& alpha() const { require_ok(); return alpha_; }

  /// Solves L v = b in place (L the Cholesky factor), b: n x m.
  void solve_lower(mat& b) const;
  /// Solves L^T w = v in place.
  void solve_upper(mat& v) const;

  /// Posterior mean and variance of f at one point x (D). The variance is
  /// clipped below at 1e-12 (GPflow issue 1813). If dmean / dvar are given
  /// they receive the gradients with respect to x (D each); dvar is zero where
  /// the clip is active.
  void predict(const vec_ref& x, double& mean, double& var,
               vec* dmean = nullptr, vec* dvar = nullptr) const;

  /// Posterior mean only (cheaper), with optional gradient.
  double mean_at(const vec_ref& x, vec* dmean = nullptr) const;

  /// Joint posterior at the columns of Q (D x m): mean (m) and covariance
  /// (m x m); only the diagonal is clipped at 1e-12 (as GPflow does).
  void predict_joint(const mat_ref& Q, vec& mean, mat& cov) const;

  /// Posterior mean at every data point (used for eta = min mean at data).
  vec mean_at_data() const;

  /// dk(x, X_i)/dx for every data point i, times weights u_i, summed:
  /// sum_i u_i dk(x, X_i)/dx (D). Used by acquisition gradients.
  vec weighted_kernel_grad(const vec_ref& x, const vec_ref& u) const;

  /// The posterior with the same hyper-parameters on the data plus the
  /// columns of Xnew (D x k) and their values: the Cholesky factor is
  /// extended by a block (O(n^2 k + k^3)) instead of refactorised (O(n^3)).
  /// Falls back to a full factorisation when this one needed jitter or the
  /// new block is not positive definite. Agrees with the full factorisation
  /// to rounding (tested at 1e-9 relative).
  gp extended(const mat& Xnew, const vec& ynew) const;

private:
  void require_ok() const;
  void solve_alpha();

  mat X_;
  vec y_;
  gp_hyper h_;
  matern52 kern_;
  double noise_ = 1e-7;
  double jitter_ = 0.0;
  bool ok_ = false;
  mat L_;        ///< lower Cholesky factor of K + (noise + jitter) I
  vec alpha_;
};

} // namespace asyncbo
