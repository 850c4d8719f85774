// SPDX-License-Identifier: Apache-2.0
// The Matérn-5/2 kernel with automatic relevance determination (ARD).
#pragma once

#include <cmath>

#include "core/types.hpp"

namespace asyncbo {

/// Matérn-5/2 ARD kernel (Rasmussen and Williams 2006, eq. 4.17):
///
///   k(a, b) = s2 (1 + sqrt(5) r + 5/3 r^2) exp(-sqrt(5) r),
///   r^2 = sum_d ((a_d - b_d) / l_d)^2,
///
/// with signal variance s2 > 0 and one lengthscale l_d > 0 per input
/// dimension. Points are columns.
struct matern52 {
  double variance = 1.0;
  vec lengthscales;

  static constexpr double sqrt5 = 2.23606797749978969641;

  std::size_t dim() const noexcept { return lengthscales.size(); }

  /// Kernel value as a function of the scaled distance r.
  double from_r(double r) const {
    double sr = sqrt5 * r;
    return variance * (1.0 + sr + sr * sr / 3.0) * std::exp(-sr);
  }

  /// g(r) = (1/r) dk/dr = -s2 (5/3) (1 + sqrt(5) r) exp(-sqrt(5) r); finite
  /// at r = 0. Then dk/da = g(r) (a - b) / l^2 and
  /// dk/d(log l_d) = -g(r) ((a_d - b_d) / l_d)^2.
  double g_of_r(double r) const {
    double sr = sqrt5 * r;
    return -variance * (5.0 / 3.0) * (1.0 + sr) * std::exp(-sr);
  }

  /// out[i] = from_r(r[i]) for i < n, with the exponentials on the vector
  /// units (core/vmath). r and out must not overlap.
  void from_r(const double* r, double* out, std::size_t n) const;

  /// out[i] = g_of_r(r[i]) for i < n; r and out must not overlap.
  void g_of_r(const double* r, double* out, std::size_t n) const;

  /// Scaled distances r[i] = |(x - X_i) / l| to every column of X.
  template <class A>
  void distances(const A& x, const mat_ref& X, double* r) const {
    const vec xs = x.array() / lengthscales.array();
    for (Eigen::Index i = 0; i < X.cols(); ++i)
      r[i] = (xs.array() - X.col(i).array() / lengthscales.array()).matrix().norm();
  }

  /// k[i] = k(x, X_i) for every column of X (k has X.cols() entries).
  template <class A>
  void row(const A& x, const mat_ref& X, vec& k) const {
    vec r(X.cols());
    distances(x, X, r.data());
    k.resize(X.cols());
    from_r(r.data(), k.data(), std::size_t(X.cols()));
  }

  /// out += sum_i u_i dk(x, X_i)/dx, with the exponentials vectorised; the
  /// array form of add_grad.
  template <class A>
  void add_weighted_grad(const A& x, const mat_ref& X, const vec_ref& u, vec& out) const {
    const Eigen::Index n = X.cols();
    vec r(n), g(n);
    distances(x, X, r.data());
    g_of_r(r.data(), g.data(), std::size_t(n));
    const vec inv_l2 = inv_sq_lengthscales();
    vec acc = vec::Zero(x.size());
    for (Eigen::Index i = 0; i < n; ++i)
      if (u[i] != 0.0)
        acc += (u[i] * g[i]) * (x - X.col(i));
    out += acc.cwiseProduct(inv_l2);
  }

  /// Squared scaled distance between columns.
  template <class A, class B>
  double r2(const A& a, const B& b) const {
    return ((a - b).array() / lengthscales.array()).square().sum();
  }

  template <class A, class B>
  double operator()(const A& a, const B& b) const {
    return from_r(std::sqrt(r2(a, b)));
  }

  /// 1 / l_d^2 for every dimension (the factor of every input gradient).
  vec inv_sq_lengthscales() const { return lengthscales.array().square().inverse(); }

  /// out += w dk(a, b)/da = w g(r) (a - b) / l^2 (elementwise), with
  /// inv_l2 = inv_sq_lengthscales(). The one place the input gradient of the
  /// kernel is written.
  template <class A, class B>
  void add_grad(const A& a, const B& b, double w, const vec& inv_l2, vec& out) const {
    out += (w * g_of_r(std::sqrt(r2(a, b)))) * (a - b).cwiseProduct(inv_l2);
  }

  /// Gram matrix of the columns of X (n x n).
  mat gram(const mat_ref& X) const;

  /// Cross-covariance K(A, B): A is d x m, B is d x n, result m x n.
  mat cross(const mat_ref& A, const mat_ref& B) const;
};

} // namespace asyncbo
