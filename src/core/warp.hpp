// SPDX-License-Identifier: Apache-2.0
// Output warping: a monotone transform of the observations fitted before
// each GP fit (the Yeo-Johnson power transform of standardised values, as
// HEBO does, Cowen-Rivers et al. 2022), so the GP models z = T(y).
#pragma once

#include <string>

#include "core/types.hpp"

namespace asyncbo {

/// z = T(y) = (yj_lambda((y - m) / s) - a) / b, increasing in y:
///
///   yj_l(u) = ((1 + u)^l - 1) / l          u >= 0, l != 0   (log(1 + u) at l = 0)
///           = -((1 - u)^(2-l) - 1) / (2-l)  u < 0,  l != 2   (-log(1 - u) at l = 2)
///
/// (Yeo and Johnson 2000), m, s the data's mean and standard deviation, a,
/// b those of the transformed data (so z has mean 0 and variance 1). l is
/// fitted by maximum likelihood of a normal model for z (golden section on
/// [lambda_min, lambda_max]); l = 1 is the identity up to standardisation.
/// l > 1 compresses the low tail (deep minima among mostly shallow values:
/// a GP on z finds deep basins less improbable elsewhere too), l < 1 the high
/// one (a few huge values, the common case for losses). Minimisers of z and
/// y coincide, so every acquisition can work on z unchanged. Off by default
/// (model.output-transform): what it gains and costs is in BENCHMARKS.md
/// section 24.
class output_warp {
public:
  /// The identity (l = 1, m = 0, s = 1, a = 0, b = 1).
  output_warp() = default;
  /// Fits to y (n >= 1; constant y gives the identity's lambda with its
  /// standardisation). Throws std::invalid_argument for empty or non-finite y
  /// or lambda_min > lambda_max.
  static output_warp fit(const vec& y, double lambda_min = 0.0, double lambda_max = 2.0);
  /// Only standardisation (l = 1).
  static output_warp standardise(const vec& y);

  double lambda() const noexcept { return l_; }
  double forward(double y) const;
  vec forward(const vec& y) const;
  /// T^-1(z); z beyond the range T can reach (l outside [0, 2]) is clamped
  /// to it.
  double inverse(double z) const;
  /// dT/dy at y.
  double derivative(double y) const;
  /// The log-likelihood the fit maximises, for lambda on y (normal model of
  /// the transformed standardised values, with the Jacobian).
  static double log_likelihood(const vec& y, double lambda);

private:
  static double yj(double u, double l);
  static double yj_inverse(double v, double l);

  double l_ = 1.0, m_ = 0.0, s_ = 1.0, a_ = 0.0, b_ = 1.0;
};

} // namespace asyncbo
