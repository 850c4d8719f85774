// SPDX-License-Identifier: Apache-2.0
// A thin, exception-free layer over LBFGSpp's L-BFGS-B solver.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <LBFGSB.h>

#include "core/types.hpp"

namespace asyncbo {

/// Options of one L-BFGS-B run (Byrd, Lu, Nocedal and Zhu 1995), passed on
/// to LBFGSpp.
///
/// Stopping rules, checked after every iteration k:
/// * gradient: ||P(x - g) - x||_inf <= gradient_tolerance, P the projection
///   onto the box (SciPy's `pgtol`);
/// * decrease: |f_{k-1} - f_k| <= relative_decrease * max(|f_{k-1}|, |f_k|, 1)
///   (SciPy's `ftol`);
/// * k == max_iterations.
struct lbfgsb_options {
  int memory = 10;                    ///< corrections kept (SciPy maxcor)
  double gradient_tolerance = 1e-5;   ///< SciPy gtol
  double relative_decrease = 2.220446049250313e-09; ///< SciPy ftol
  int max_iterations = 1000;
  int max_linesearch = 20;            ///< SciPy maxls
  /// When LBFGSpp's More-Thuente line search fails (it needs the strong
  /// Wolfe curvature condition, which a function with kinks, such as a
  /// Monte-Carlo q-EI where the batch's argmin switches, may never meet),
  /// continue from the best point with a fresh memory and a backtracking
  /// line search that needs sufficient decrease only (armijo_backtracking):
  /// the L-BFGS-B paper's remedy of discarding the corrections and
  /// restarting. docs/experiments/history.md §19.
  bool backtracking_fallback = true;

  /// Empty if valid, else a message naming the option and the rule.
  std::string validate() const {
    if (memory < 1)
      return "lbfgsb: memory must be >= 1";
    if (!(gradient_tolerance >= 0.0))
      return "lbfgsb: gradient_tolerance must be >= 0";
    if (!(relative_decrease >= 0.0))
      return "lbfgsb: relative_decrease must be >= 0";
    if (max_iterations < 1)
      return "lbfgsb: max_iterations must be >= 1";
    if (max_linesearch < 1)
      return "lbfgsb: max_linesearch must be >= 1";
    return {};
  }
};

/// A line-search policy for LBFGSpp's LBFGSBSolver: halve the step from
/// min(1, step_max) until f decreases by at least ftol * step * g'd (Armijo),
/// at most max_linesearch times. Curvature is not required; the solver adds
/// a correction only when s'y > 0.
template <typename Scalar>
class armijo_backtracking {
public:
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  template <typename Foo>
  static void LineSearch(Foo& f, Scalar& fx, Vector& x, Vector& grad, Scalar& step,
                         Scalar step_max, const Vector& drt, const Vector& xp,
                         const LBFGSpp::LBFGSBParam<Scalar>& param) {
    const Scalar fx_init = fx;
    const Scalar dg_init = grad.dot(drt);
    if (!(dg_init < 0))
      throw std::logic_error("backtracking: the direction does not decrease the function");
    step = std::min(step, step_max);
    for (int i = 0; i < param.max_linesearch; ++i) {
      x.noalias() = xp + step * drt;
      fx = f(x, grad);
      if (fx <= fx_init + param.ftol * step * dg_init)
        return;
      step *= Scalar(0.5);
    }
    throw std::runtime_error("backtracking: no sufficient decrease");
  }
};

enum class lbfgsb_status {
  converged,          ///< a stopping rule on the gradient or decrease fired
  max_iterations,     ///< the iteration cap was hit
  line_search_failed, ///< LBFGSpp threw; the best point seen is returned
};

inline const char* to_string(lbfgsb_status s) {
  switch (s) {
    case lbfgsb_status::converged: return "converged";
    case lbfgsb_status::max_iterations: return "max_iterations";
    case lbfgsb_status::line_search_failed: return "line_search_failed";
  }
  return "unknown";
}

struct lbfgsb_result {
  lbfgsb_status status = lbfgsb_status::converged;
  int iterations = 0;
  int evaluations = 0;
  double value = std::numeric_limits<double>::infinity();
  std::string message;
  bool fell_back = false; ///< More-Thuente failed and backtracking continued
};

/// Minimises f over the box [lb, ub] from x (projected into the box first).
/// `f(x, grad)` returns the value and writes the gradient. Non-finite values
/// or gradients are treated as +huge with a zero gradient, so the line search
/// backs off instead of propagating NaN. LBFGSpp exceptions are caught; in
/// every case x receives the best point evaluated and the result its value.
template <class F>
lbfgsb_result minimize_box(F&& f, vec& x, const vec& lb, const vec& ub,
                           const lbfgsb_options& opts) {
  constexpr double huge = 1e300;
  LBFGSpp::LBFGSBParam<double> param;
  param.m = opts.memory;
  param.epsilon = opts.gradient_tolerance;
  param.epsilon_rel = 0.0;
  param.past = 1;
  param.delta = opts.relative_decrease;
  param.max_iterations = opts.max_iterations;
  param.max_linesearch = opts.max_linesearch;
  lbfgsb_result res;
  vec best_x = x.cwiseMax(lb).cwiseMin(ub);
  double best_f = huge;
  auto wrapped = [&](const vec& z, vec& g) -> double {
    ++res.evaluations;
    double v = f(z, g);
    if (!std::isfinite(v) || !g.allFinite()) {
      g.setZero();
      v = huge;
    }
    if (v < best_f) {
      best_f = v;
      best_x = z;
    }
    return v;
  };
  auto status_of = [](int iterations, int cap) {
    return iterations >= cap ? lbfgsb_status::max_iterations : lbfgsb_status::converged;
  };
  try {
    LBFGSpp::LBFGSBSolver<double> solver(param);
    double fx = 0.0;
    vec z = x;
    res.iterations = solver.minimize(wrapped, z, fx, lb, ub);
    res.status = status_of(res.iterations, opts.max_iterations);
  } catch (const std::exception& e) {
    res.status = lbfgsb_status::line_search_failed;
    res.message = e.what();
  }
  if (res.status == lbfgsb_status::line_search_failed && opts.backtracking_fallback
      && res.iterations < opts.max_iterations) {
    res.fell_back = true;
    try {
      LBFGSpp::LBFGSBParam<double> rest = param;
      rest.max_iterations = std::max(1, opts.max_iterations - res.iterations);
      LBFGSpp::LBFGSBSolver<double, armijo_backtracking> solver(rest);
      double fx = 0.0;
      vec z = best_x;
      const int more = solver.minimize(wrapped, z, fx, lb, ub);
      res.iterations += more;
      res.status = status_of(more, rest.max_iterations);
      res.message += "; continued with backtracking";
    } catch (const std::exception& e) {
      res.message += "; backtracking: " + std::string(e.what());
    }
  }
  x = best_x;
  res.value = best_f;
  return res;
}

} // namespace asyncbo
