// SPDX-License-Identifier: Apache-2.0
// Matérn-5/2 kernel matrices.
#include "core/kernel.hpp"

namespace asyncbo {

mat matern52::gram(const mat_ref& X) const {
  const Eigen::Index n = X.cols();
  mat Xs = X.array().colwise() / lengthscales.array();
  mat K(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    K(j, j) = variance;
    for (Eigen::Index i = j + 1; i < n; ++i) {
      double v = from_r((Xs.col(i) - Xs.col(j)).norm());
      K(i, j) = v;
      K(j, i) = v;
    }
  }
  return K;
}

mat matern52::cross(const mat_ref& A, const mat_ref& B) const {
  mat As = A.array().colwise() / lengthscales.array();
  mat Bs = B.array().colwise() / lengthscales.array();
  mat K(A.cols(), B.cols());
  for (Eigen::Index j = 0; j < B.cols(); ++j)
    for (Eigen::Index i = 0; i < A.cols(); ++i)
      K(i, j) = from_r((As.col(i) - Bs.col(j)).norm());
  return K;
}

} // namespace asyncbo
