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

  /// The kernel value and g(r) (below) from sr = sqrt(5) r and
  /// e = exp(-sr): the one place the Matérn-5/2 formulas are written, so one
  /// exponential can serve both.
  double from_sr(double sr, double e) const { return variance * (1.0 + sr + sr * sr / 3.0) * e; }
  double g_from_sr(double sr, double e) const { return -variance * (5.0 / 3.0) * (1.0 + sr) * e; }

  /// Kernel value as a function of the scaled distance r.
  double from_r(double r) const {
    const double sr = sqrt5 * r;
    return from_sr(sr, std::exp(-sr));
  }

  /// g(r) = (1/r) dk/dr = -s2 (5/3) (1 + sqrt(5) r) exp(-sqrt(5) r); finite
  /// at r = 0. Then dk/da = g(r) (a - b) / l^2 and
  /// dk/d(log l_d) = -g(r) ((a_d - b_d) / l_d)^2.
  double g_of_r(double r) const {
    const double sr = sqrt5 * r;
    return g_from_sr(sr, std::exp(-sr));
  }

  /// out[i] = from_r(r[i]) for i < n, and g[i] = g_of_r(r[i]) when g is
  /// given, from one vector exponential per element (core/vmath). r must
  /// not overlap out or g.
  void from_r(const double* r, double* out, std::size_t n, double* g = nullptr) const;

  /// out[i] = g_of_r(r[i]) for i < n; r and out must not overlap.
  void g_of_r(const double* r, double* out, std::size_t n) const;

  /// Scaled distances r[i] = |(x - X_i) / l| to every column of X.
  template <class A>
  void distances(const A& x, const mat_ref& X, double* r) const {
    const vec xs = x.array() / lengthscales.array();
    for (Eigen::Index i = 0; i < X.cols(); ++i)
      r[i] = (xs.array() - X.col(i).array() / lengthscales.array()).matrix().norm();
  }

  /// k[i] = k(x, X_i) for every column of X (k has X.cols() entries), and
  /// g[i] = g_of_r at the same distances when g is given (for
  /// add_weighted_grad: one pass over the data for a value and its gradient).
  template <class A>
  void row(const A& x, const mat_ref& X, vec& k, vec* g = nullptr) const {
    vec r(X.cols());
    distances(x, X, r.data());
    k.resize(X.cols());
    if (g)
      g->resize(X.cols());
    from_r(r.data(), k.data(), std::size_t(X.cols()), g ? g->data() : nullptr);
  }

  /// out += sum_i u_i dk(x, X_i)/dx with g = the g_of_r values row() gave
  /// for x; the array form of add_grad.
  template <class A>
  void add_weighted_grad(const A& x, const mat_ref& X, const vec& g, const vec_ref& u,
                         vec& out) const {
    vec acc = vec::Zero(x.size());
    for (Eigen::Index i = 0; i < X.cols(); ++i)
      if (u[i] != 0.0)
        acc += (u[i] * g[i]) * (x - X.col(i));
    out += acc.cwiseProduct(inv_sq_lengthscales());
  }

  /// The same, computing g itself.
  template <class A>
  void add_weighted_grad(const A& x, const mat_ref& X, const vec_ref& u, vec& out) const {
    vec r(X.cols()), g(X.cols());
    distances(x, X, r.data());
    g_of_r(r.data(), g.data(), std::size_t(X.cols()));
    add_weighted_grad(x, X, g, u, out);
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
