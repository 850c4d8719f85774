// SPDX-License-Identifier: Apache-2.0
// Special functions of the standard normal distribution, computed stably in
// the tails (log-space versions are what the acquisition functions optimise).
#pragma once

namespace asyncbo::special {

inline constexpr double sqrt2 = 1.41421356237309504880;
inline constexpr double inv_sqrt2pi = 0.39894228040143267794;
/// log(sqrt(2*pi))
inline constexpr double log_sqrt2pi = 0.91893853320467274178;

/// Standard normal density phi(z).
double norm_pdf(double z);

/// Standard normal distribution function Phi(z) (via erfc, accurate in both
/// tails).
double norm_cdf(double z);

/// log Phi(z), finite for every finite z (asymptotic continued fraction for
/// z < -10, where Phi underflows).
double log_norm_cdf(double z);

/// d/dz log Phi(z) = phi(z) / Phi(z), the inverse Mills ratio, stable for
/// every finite z.
double d_log_norm_cdf(double z);

/// Quantile of the standard normal: Phi^{-1}(p), p in (0, 1). Abramowitz and
/// Stegun 26.2.23 start, then Halley steps on erfc; |error| ~ 1e-15.
/// Throws std::domain_error outside (0, 1).
double norm_quantile(double p);

/// h(z) = phi(z) + z Phi(z), so that EI = s h((eta - mu) / s).
double ei_h(double z);

/// log h(z), finite for every finite z (Ament et al. 2023, "Unexpected
/// improvements to expected improvement", eq. for log_h, evaluated here with a
/// Laplace continued fraction for the Mills ratio instead of erfcx).
double log_ei_h(double z);

/// Phi(z) / h(z): the derivative of log h, d log h / dz, stable for z << 0.
double d_log_ei_h(double z);

/// log(1 + exp(u)), overflow-free.
double log1pexp(double u);

/// log(log(1 + exp(u))) (log of softplus), finite for every finite u.
double log_softplus(double u);

/// d/du log(log(1 + exp(u))) = sigmoid(u) / softplus(u).
double d_log_softplus(double u);

} // namespace asyncbo::special
