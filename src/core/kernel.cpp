// SPDX-License-Identifier: Apache-2.0
// Matérn-5/2 kernel matrices.
#include "core/kernel.hpp"

#include "core/vmath.hpp"

namespace asyncbo {

void matern52::from_r(const double* r, double* out, std::size_t n, double* g) const {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = -sqrt5 * r[i];
  vmath::exp(out, out, n);
  for (std::size_t i = 0; i < n; ++i) {
    const double sr = sqrt5 * r[i];
    if (g)
      g[i] = g_from_sr(sr, out[i]);
    out[i] = from_sr(sr, out[i]);
  }
}

void matern52::g_of_r(const double* r, double* out, std::size_t n) const {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = -sqrt5 * r[i];
  vmath::exp(out, out, n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = g_from_sr(sqrt5 * r[i], out[i]);
}

mat matern52::gram(const mat_ref& X) const {
  const Eigen::Index n = X.cols();
  mat Xs = X.array().colwise() / lengthscales.array();
  mat K(n, n);
  vec r(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const Eigen::Index below = n - j - 1;
    for (Eigen::Index i = 0; i < below; ++i)
      r[i] = (Xs.col(j + 1 + i) - Xs.col(j)).norm();
    K(j, j) = variance;
    if (below > 0)
      from_r(r.data(), &K(j + 1, j), std::size_t(below));
    for (Eigen::Index i = j + 1; i < n; ++i)
      K(j, i) = K(i, j);
  }
  return K;
}

mat matern52::cross(const mat_ref& A, const mat_ref& B) const {
  mat As = A.array().colwise() / lengthscales.array();
  mat Bs = B.array().colwise() / lengthscales.array();
  const Eigen::Index m = A.cols();
  mat K(m, B.cols());
  vec r(m);
  for (Eigen::Index j = 0; j < B.cols(); ++j) {
    for (Eigen::Index i = 0; i < m; ++i)
      r[i] = (As.col(i) - Bs.col(j)).norm();
    if (m > 0)
      from_r(r.data(), &K(0, j), std::size_t(m));
  }
  return K;
}

} // namespace asyncbo
