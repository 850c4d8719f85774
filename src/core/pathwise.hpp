// SPDX-License-Identifier: Apache-2.0
// Posterior draws as functions: pathwise conditioning on random Fourier
// features of the Matern-5/2 kernel (Thompson points and fallback draws).
#pragma once

#include "core/acquisition.hpp"
#include "core/gp.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// One draw of the GP posterior as a function of x, by pathwise conditioning;
/// its minimiser is a Thompson sample (the asynchronous Thompson sampling of
/// Kandasamy et al. 2018, used for the exploring points of some asks)
/// (Wilson et al. 2020, "Efficiently sampling functions from Gaussian process
/// posteriors", eq. 13; the "decoupled" sampler of BoTorch's
/// get_matheron_path_model and GPflux):
///
///   f(x) = c + phi(x)^T w + k(x, X) v,   v = (K + s_n^2 I)^-1 (y - c - Phi w - e),
///
/// phi: `features` random Fourier features of the Matern-5/2 ARD kernel
/// (Rahimi and Recht 2007): phi_j(x) = sqrt(2 s2 / m) cos(omega_j . x + b_j),
/// omega_j = z_j / (l sqrt(u_j / 5)), z_j ~ N(0, I), u_j ~ chi2(5) (the
/// kernel's spectral density is a Student-t with 2 nu = 5 degrees of
/// freedom), b_j ~ U(0, 2 pi); w ~ N(0, I_m) and e ~ N(0, (s_n^2 + jitter) I).
/// Over draws its mean and covariance are the posterior's exactly (the
/// features' kernel is unbiased; only each draw's prior part is approximate).
/// Unlike a joint draw on a finite set (an O(C^3) Cholesky, and a minimiser
/// only among the C points), one draw costs O(n^2) once and O((m + n) D)
/// per evaluation, and is differentiable, so its minimiser can be refined by
/// L-BFGS-B. As a target, log_value is -f (its maximiser is f's minimiser).
class posterior_sample final : public acquisition_target {
public:
  posterior_sample(const gp& model, std::size_t features, std::uint64_t seed);
  /// A draw from given parts (core/fallback.hpp draws many at once on shared
  /// features): D x m frequencies, m phases, m weights (the amplitude
  /// included) and the n update weights v. Throws std::invalid_argument if
  /// the sizes disagree with each other or with the model.
  posterior_sample(const gp& model, mat omega, vec phase, vec weight, vec v);
  std::size_t dim() const override { return model_.dim(); }
  /// f(x), with its gradient if `grad` is given.
  double value(const vec_ref& x, vec* grad) const;
  double log_value(const vec_ref& x, vec* grad) const override;

private:
  const gp& model_;
  mat omega_;      ///< D x m frequencies
  vec phase_;      ///< m phases b_j
  vec weight_;     ///< m weights sqrt(2 s2 / m) w_j
  vec v_;          ///< n update weights
};

/// Draws the random Fourier features of `h`'s Matern-5/2 kernel (see
/// posterior_sample), one omega_j and b_j at a time, and the standard
/// normals of the weights and the noise from the same stream: the draws of
/// posterior_sample and of the fallback sampler (core/fallback.hpp).
class matern_features {
public:
  explicit matern_features(const gp_hyper& h) : h_(h) {}
  void draw(rng_type& rng, Eigen::Ref<vec> omega, double& phase);
  double normal(rng_type& rng) { return normal_(rng); }
  /// The features' values cos(omega^T x + phase) at every column x of X
  /// (m x n, m = phase.size()), the cosines on the vector units (core/vmath).
  static mat values(const mat& omega, const vec& phase, const mat_ref& X);

private:
  const gp_hyper& h_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::chi_squared_distribution<double> chi2_{5.0};
  std::uniform_real_distribution<double> uniform_{0.0, 2.0 * 3.14159265358979323846};
};

} // namespace asyncbo
