// SPDX-License-Identifier: Apache-2.0
// Stable normal-distribution special functions.
#include "core/special.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace asyncbo::special {

namespace {

/// Mills ratio m(t) = (1 - Phi(t)) / phi(t) for t >= 10 by Laplace's continued
/// fraction m(t) = 1/(t + 1/(t + 2/(t + 3/(t + ...)))), evaluated bottom-up.
/// Returns q(t) with m(t) = 1 / (t + q(t)); q is small (about 1/t) and keeps
/// 1 - t m(t) = q / (t + q) free of cancellation.
double mills_tail_q(double t) {
  double acc = 0.0;
  for (int k = 60; k >= 2; --k)
    acc = k / (t + acc);
  return 1.0 / (t + acc);
}

/// 1 - t m(t), for t >= 0 (m the Mills ratio). Direct for moderate t (erfc is
/// accurate there and the cancellation costs at most a few digits), continued
/// fraction beyond.
double one_minus_t_mills(double t) {
  if (t < 10.0) {
    double m = 0.5 * std::erfc(t / sqrt2) / norm_pdf(t);
    return 1.0 - t * m;
  }
  double q = mills_tail_q(t);
  return q / (t + q);
}

/// Mills ratio m(t) = (1 - Phi(t)) / phi(t), t >= 0.
double mills(double t) {
  if (t < 10.0)
    return 0.5 * std::erfc(t / sqrt2) / norm_pdf(t);
  return 1.0 / (t + mills_tail_q(t));
}

} // namespace

double norm_pdf(double z) {
  return inv_sqrt2pi * std::exp(-0.5 * z * z);
}

double norm_cdf(double z) {
  return 0.5 * std::erfc(-z / sqrt2);
}

double log_norm_cdf(double z) {
  if (z > 0.0)
    return std::log1p(-norm_cdf(-z)); // keeps precision as Phi(z) -> 1
  if (z > -10.0)
    return std::log(norm_cdf(z));
  // Phi(z) = phi(z) m(-z)
  return -0.5 * z * z - log_sqrt2pi + std::log(mills(-z));
}

double d_log_norm_cdf(double z) {
  if (z > -10.0)
    return norm_pdf(z) / norm_cdf(z);
  return 1.0 / mills(-z);
}

double norm_quantile(double p) {
  if (!(p > 0.0 && p < 1.0))
    throw std::domain_error("norm_quantile: p must lie in (0, 1)");
  // Abramowitz & Stegun 26.2.23, |error| < 4.5e-4, as the start.
  double pp = p < 0.5 ? p : 1.0 - p;
  double t = std::sqrt(-2.0 * std::log(pp));
  double x = t - (2.515517 + t * (0.802853 + t * 0.010328))
                   / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
  if (p < 0.5)
    x = -x;
  // Halley steps on F(x) = Phi(x) - p. The residual is formed on the smaller
  // tail so that it keeps full relative precision.
  for (int i = 0; i < 3; ++i) {
    double f = x < 0 ? norm_cdf(x) - p : (1.0 - p) - norm_cdf(-x);
    double d = norm_pdf(x);
    if (d == 0.0)
      break;
    double u = f / d;
    x -= u / (1.0 + 0.5 * x * u);
  }
  return x;
}

double ei_h(double z) {
  return norm_pdf(z) + z * norm_cdf(z);
}

double log_ei_h(double z) {
  if (z > -1.0)
    return std::log(ei_h(z));
  // h(z) = phi(z) (1 - t m(t)) with t = -z.
  return -0.5 * z * z - log_sqrt2pi + std::log(one_minus_t_mills(-z));
}

double d_log_ei_h(double z) {
  // h'(z) = Phi(z).
  if (z > -1.0)
    return norm_cdf(z) / ei_h(z);
  double t = -z;
  // Phi(z) / h(z) = m(t) / (1 - t m(t))
  if (t < 10.0)
    return mills(t) / one_minus_t_mills(t);
  double q = mills_tail_q(t);
  // m = 1/(t+q), 1 - t m = q/(t+q)  =>  ratio = 1/q
  return 1.0 / q;
}

double log1pexp(double u) {
  if (u > 35.0)
    return u;
  if (u < -35.0)
    return std::exp(u);
  return std::log1p(std::exp(u));
}

double log_softplus(double u) {
  if (u < -35.0)
    return u; // log(log1p(e^u)) = u + O(e^u)
  if (u > 35.0)
    return std::log(u);
  return std::log(std::log1p(std::exp(u)));
}

double d_log_softplus(double u) {
  if (u < -35.0)
    return 1.0;
  if (u > 35.0)
    return 1.0 / u;
  double e = std::exp(u);
  double sigmoid = e / (1.0 + e);
  return sigmoid / std::log1p(e);
}

} // namespace asyncbo::special
