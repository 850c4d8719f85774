// SPDX-License-Identifier: Apache-2.0
#include "core/warp.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace asyncbo {

namespace {

void mean_sd(const vec& v, double& m, double& s) {
  m = v.mean();
  s = std::sqrt((v.array() - m).square().mean());
  if (!(s > 0.0) || !std::isfinite(s))
    s = 1.0;
}

void check(const vec& y, const char* who) {
  if (y.size() == 0)
    throw std::invalid_argument(std::string(who) + ": y must not be empty");
  if (!y.allFinite())
    throw std::invalid_argument(std::string(who) + ": y must be finite");
}

} // namespace

// expm1 and log1p keep both branches accurate as l approaches 0 or 2
// ((1 + u)^l - 1 loses every digit there).
double output_warp::yj(double u, double l) {
  if (l == 1.0)
    return u;   // exactly, not (1 + u) - 1
  if (u >= 0.0)
    return std::abs(l) < 1e-12 ? std::log1p(u) : std::expm1(l * std::log1p(u)) / l;
  const double k = 2.0 - l;
  return std::abs(k) < 1e-12 ? -std::log1p(-u) : -std::expm1(k * std::log1p(-u)) / k;
}

double output_warp::yj_inverse(double v, double l) {
  if (l == 1.0)
    return v;
  if (v >= 0.0) {
    if (std::abs(l) < 1e-12)
      return std::expm1(v);
    if (l * v <= -1.0)   // beyond the range (l < 0)
      return std::numeric_limits<double>::max();
    return std::expm1(std::log1p(l * v) / l);
  }
  const double k = 2.0 - l;
  if (std::abs(k) < 1e-12)
    return -std::expm1(-v);
  if (-k * v <= -1.0)    // beyond the range (l > 2)
    return -std::numeric_limits<double>::max();
  return -std::expm1(std::log1p(-k * v) / k);
}

double output_warp::log_likelihood(const vec& y, double lambda) {
  double m = 0.0, s = 1.0;
  mean_sd(y, m, s);
  const Eigen::Index n = y.size();
  vec t(n);
  double jac = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double u = (y[i] - m) / s;
    t[i] = yj(u, lambda);
    jac += (lambda - 1.0) * std::copysign(std::log1p(std::abs(u)), u);
  }
  const double mt = t.mean();
  const double vt = (t.array() - mt).square().mean();
  if (!(vt > 0.0))
    return -std::numeric_limits<double>::infinity();
  return -0.5 * double(n) * std::log(vt) + jac;
}

output_warp output_warp::standardise(const vec& y) {
  check(y, "output_warp::standardise");
  output_warp w;
  mean_sd(y, w.m_, w.s_);
  return w;
}

output_warp output_warp::fit(const vec& y, double lambda_min, double lambda_max) {
  check(y, "output_warp::fit");
  if (!(lambda_min <= lambda_max) || !std::isfinite(lambda_min) || !std::isfinite(lambda_max))
    throw std::invalid_argument("output_warp::fit: lambda_min must be <= lambda_max, both "
                                "finite");
  output_warp w = standardise(y);
  const double m = y.mean();
  if (!((y.array() - m).abs().maxCoeff() > 0.0))
    return w;   // constant data: nothing to fit
  // Golden section on the (unimodal in practice) profile likelihood.
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double a = lambda_min, b = lambda_max;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = log_likelihood(y, c), fd = log_likelihood(y, d);
  for (int it = 0; it < 60 && b - a > 1e-6; ++it) {
    if (fc > fd) {
      b = d; d = c; fd = fc;
      c = b - g * (b - a);
      fc = log_likelihood(y, c);
    } else {
      a = c; c = d; fc = fd;
      d = a + g * (b - a);
      fd = log_likelihood(y, d);
    }
  }
  w.l_ = 0.5 * (a + b);
  // The optimum may be on the bracket's ends, which the section never visits.
  for (double end : {lambda_min, lambda_max})
    if (log_likelihood(y, end) > log_likelihood(y, w.l_))
      w.l_ = end;
  // Standardise the transformed values.
  vec t(y.size());
  for (Eigen::Index i = 0; i < y.size(); ++i)
    t[i] = yj((y[i] - w.m_) / w.s_, w.l_);
  mean_sd(t, w.a_, w.b_);
  return w;
}

double output_warp::forward(double y) const {
  return (yj((y - m_) / s_, l_) - a_) / b_;
}

vec output_warp::forward(const vec& y) const {
  vec z(y.size());
  for (Eigen::Index i = 0; i < y.size(); ++i)
    z[i] = forward(y[i]);
  return z;
}

double output_warp::inverse(double z) const {
  return m_ + s_ * yj_inverse(a_ + b_ * z, l_);
}

double output_warp::derivative(double y) const {
  const double u = (y - m_) / s_;
  const double dyj = u >= 0.0 ? std::pow(1.0 + u, l_ - 1.0) : std::pow(1.0 - u, 1.0 - l_);
  return dyj / (s_ * b_);
}

} // namespace asyncbo
