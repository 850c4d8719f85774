// SPDX-License-Identifier: Apache-2.0
// Central finite differences for gradient checks.
#pragma once

#include <algorithm>
#include <cmath>

#include "core/types.hpp"

namespace asyncbo::test {

/// Central-difference gradient of f at x with step h (per coordinate, scaled
/// by max(1, |x_i|)).
template <class F>
vec fd_gradient(F&& f, const vec& x, double h = 1e-6) {
  vec g(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    double hi = h * std::max(1.0, std::abs(x[i]));
    vec xp = x, xm = x;
    xp[i] += hi;
    xm[i] -= hi;
    g[i] = (f(xp) - f(xm)) / (2.0 * hi);
  }
  return g;
}

/// max_i |a_i - b_i| / max(scale, |b|_inf): a relative error robust to
/// components near zero.
inline double grad_error(const vec& a, const vec& b, double scale = 1e-8) {
  double denom = std::max(scale, b.cwiseAbs().maxCoeff());
  return (a - b).cwiseAbs().maxCoeff() / denom;
}

} // namespace asyncbo::test
