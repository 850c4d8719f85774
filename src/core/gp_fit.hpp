// SPDX-License-Identifier: Apache-2.0
// Priors and the MAP hyper-parameter fit of the GP (Trieste's build_gpr
// defaults and GaussianProcessRegression.optimize: prior screening, then
// L-BFGS-B on the log posterior; docs/design.md "Numerics").
#pragma once

#include <string>

#include "core/gp.hpp"
#include "core/lbfgsb.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// LogNormal priors on the kernel variance and every lengthscale:
/// log v ~ N(loc, scale^2). Trieste: loc = log of the initial value,
/// scale = 1. No prior on the mean (as Trieste's build_gpr).
struct gp_prior {
  double log_variance_loc = 0.0;
  vec log_lengthscale_loc;
  double scale = 1.0;               ///< of log variance
  double lengthscale_scale = 1.0;   ///< of every log lengthscale

  /// The likelihood (noise) variance: fixed, or learned with the others
  /// under log n ~ N(log_loc, scale^2) inside [exp(log_lower),
  /// exp(log_upper)].
  struct noise_prior {
    bool learn = false;
    double log_loc = 0.0;
    double scale = 3.0;
    double log_lower = 0.0;
    double log_upper = 0.0;
  } noise;

  /// log density of the priors at `h` (LogNormal densities of the
  /// constrained values, no Jacobian term, as in GPflow).
  double log_density(const gp_hyper& h) const;
};

/// Trieste's build_gpr defaults for data y in a D-dimensional unit cube:
/// variance = population variance v0 of y, lengthscales 0.2 sqrt(D) (the
/// unit cube has range 1), mean = mean of y, priors centred on those.
/// Deliberate difference: Trieste takes log(0) when all y are equal (or
/// n = 1); here v0 falls back to max(1e-6 mean(y)^2, 1).
struct gp_defaults {
  gp_hyper hyper;
  gp_prior prior;
  double empirical_variance = 1.0; ///< v0 after the fallback
};
gp_defaults make_gp_defaults(const vec& y, std::size_t dim);

// -- MAP fit -------------------------------------------------------------------

/// Options of the MAP hyper-parameter fit.
struct gp_fit_options {
  /// Random prior draws screened before L-BFGS-B, per trainable parameter
  /// with a prior (Trieste: num_kernel_samples = 10, so 10 (D + 1) draws).
  std::size_t screening_per_parameter = 10;
  /// Half-width of the search box around the prior location, in prior
  /// standard deviations (log space). Trieste's run is unbounded; the box
  /// only stops exp() from overflowing and has prior mass ~1e-32 outside.
  double box_sigmas = 12.0;
  lbfgsb_options lbfgsb{10, 1e-5, 2.220446049250313e-09, 1000, 20};

  std::string validate() const;
};

enum class gp_fit_status {
  converged,       ///< L-BFGS-B met a stopping rule
  max_iterations,  ///< L-BFGS-B hit its cap; the best point is used
  line_search_failed, ///< L-BFGS-B threw; the best point seen is used
  cholesky_failed, ///< even with jitter the final factorisation failed
};

const char* to_string(gp_fit_status s);

struct gp_fit_summary {
  gp_fit_status status = gp_fit_status::converged;
  std::string message;
  std::size_t screened = 0;    ///< prior draws evaluated
  int iterations = 0;
  int evaluations = 0;         ///< loss + gradient evaluations by L-BFGS-B
  double start_loss = 0.0;     ///< loss at the L-BFGS-B start
  double final_loss = 0.0;     ///< -(log marginal likelihood + log prior)
  double jitter = 0.0;         ///< jitter of the final factorisation
  double noise_variance = 0.0; ///< the noise variance used
};

/// Negative log posterior (up to a constant, the MAP loss) and its gradient
/// with respect to theta = [log s2, log l_1..l_D, c] (and log n last when
/// the prior learns the noise):
///
///   loss = 1/2 e^T K^-1 e + 1/2 log|K| + n/2 log(2 pi) - log prior,
///   e = y - c, K = k(X, X) + noise I.
///
/// Exposed for the finite-difference tests.
class gp_map_loss {
public:
  gp_map_loss(const mat& X, const vec& y, const gp_prior& prior, double noise);

  /// Loss and gradient (D + 2, or D + 3 with learned noise). Returns +inf
  /// (gradient zero) if the Cholesky fails. `noise` is the fixed noise, or
  /// unused when the prior learns it.
  double operator()(const vec& theta, vec& grad) const;
  /// Loss only, +inf if the Cholesky fails.
  double loss(const vec& theta) const;

  static vec pack(const gp_hyper& h);
  static gp_hyper unpack(const vec& theta);
  /// pack(h), plus log noise when the prior learns it.
  vec pack(const gp_hyper& h, double noise) const;
  /// The noise variance theta stands for.
  double noise_of(const vec& theta) const;

private:
  double evaluate(const vec& theta, vec* grad) const;

  const mat& X_;
  const vec& y_;
  const gp_prior& prior_;
  double noise_;
  std::vector<mat> sqdiff_; ///< per dimension, (X_di - X_dj)^2
  // Evaluation scratch (K and then its factor, scaled distances r,
  // exp(-sqrt(5) r), K^-1 - alpha alpha^T): one loss object per thread.
  mutable mat K_, R_, E_, W_;
};

/// MAP fit: screens the current hyper-parameters `h` plus
/// screening_per_parameter * (D + 1) draws from the priors (loss only, the
/// lowest wins), then runs one L-BFGS-B from the winner (Trieste's
/// GaussianProcessRegression.optimize with num_kernel_samples). `h`
/// receives the result. Parameterised in log space rather than GPflow's
/// softplus: the MAP objective is the same function of the constrained
/// values, only the optimiser's path differs.
/// `noise` is the fixed likelihood variance (> 0), or the start of a learned
/// one (prior.noise.learn); the summary's noise_variance is the one to use.
gp_fit_summary fit_gp_map(const mat& X, const vec& y, const gp_prior& prior,
                          double noise, gp_hyper& h,
                          const gp_fit_options& opts, rng_type& rng);

} // namespace asyncbo
