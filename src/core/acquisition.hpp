// SPDX-License-Identifier: Apache-2.0
// Acquisition functions: expected improvement, Monte-Carlo batch expected
// improvement (joint q-EI with pending points) and local penalisation. All
// are maximised in log space over the unit cube.
#pragma once

#include <string>
#include <vector>

#include "core/feasibility.hpp"
#include "core/gp.hpp"
#include "core/types.hpp"

namespace asyncbo {

/// A function on the unit cube [0, 1]^dim() to maximise. Implementations are
/// immutable after construction, so one object may be evaluated from several
/// threads at once.
class acquisition_target {
public:
  virtual ~acquisition_target() = default;
  virtual std::size_t dim() const = 0;
  /// log of the acquisition value; writes the gradient if `grad` is given.
  /// Finite wherever the model is (never -inf, see each class).
  virtual double log_value(const vec_ref& x, vec* grad) const = 0;
  /// A cheaper, strongly correlated score used only to rank screening points.
  virtual double screen(const vec_ref& x) const { return log_value(x, nullptr); }
};

/// eta = min_i mu(x_i): the smallest posterior mean at the data (Trieste's
/// incumbent for EI and q-EI; docs/design.md, "Numerics"). `where`, if
/// given, receives the column i of the model's data that attains it.
double incumbent_eta(const gp& model, Eigen::Index* where = nullptr);

// -- EI ------------------------------------------------------------------------

/// Expected improvement (Jones, Schonlau and Welch 1998) for minimisation:
///
///   EI(x) = (eta - mu) Phi(z) + s phi(z) = s h(z),   z = (eta - mu) / s,
///
/// mu, s^2 the posterior mean and variance (s^2 >= 1e-12). log_value returns
/// log EI computed as log s + log h(z) with the stable log h of Ament et al.
/// (2023), so it stays finite and informative where EI underflows.
class expected_improvement final : public acquisition_target {
public:
  expected_improvement(const gp& model, double eta);
  std::size_t dim() const override { return model_.dim(); }
  double log_value(const vec_ref& x, vec* grad) const override;
  /// EI itself (may underflow to 0 far from the incumbent).
  double value(const vec_ref& x) const;

private:
  const gp& model_;
  double eta_;
};

// -- batch MC EI -------------------------------------------------------------------

/// One draw of the GP posterior as a function of x, by pathwise conditioning;
/// its minimiser is a Thompson sample (the asynchronous Thompson sampling of
/// Kandasamy et al. 2018, used for the exploring points of some asks)
/// (Wilson et al. 2020, "Efficiently sampling functions from Gaussian process
/// posteriors", eq. 13; the "decoupled" sampler of BoTorch's
/// get_matheron_path_model and GPflux):
///
///   f(x) = c + phi(x)^T w + k(x, X) v,   v = (K + s_n^2 I)^-1 (y - c - Phi w - e),
///
/// phi: `features` random Fourier features of the Matern-5/2 ARD kernel
/// (Rahimi and Recht 2007): phi_j(x) = sqrt(2 s2 / m) cos(omega_j . x + b_j),
/// omega_j = z_j / (l sqrt(u_j / 5)), z_j ~ N(0, I), u_j ~ chi2(5) (the
/// kernel's spectral density is a Student-t with 2 nu = 5 degrees of
/// freedom), b_j ~ U(0, 2 pi); w ~ N(0, I_m) and e ~ N(0, (s_n^2 + jitter) I).
/// Over draws its mean and covariance are the posterior's exactly (the
/// features' kernel is unbiased; only each draw's prior part is approximate).
/// Unlike a joint draw on a finite set (an O(C^3) Cholesky, and a minimiser
/// only among the C points), one draw costs O(n^2) once and O((m + n) D)
/// per evaluation, and is differentiable, so its minimiser can be refined by
/// L-BFGS-B. As a target, log_value is -f (its maximiser is f's minimiser).
class posterior_sample final : public acquisition_target {
public:
  /// scale > 0 widens (> 1) the draw around the posterior mean:
  /// f_s = mu + scale (f - mu), a draw from the posterior with its
  /// covariance times scale^2 (1 = the posterior itself).
  posterior_sample(const gp& model, std::size_t features, std::uint64_t seed,
                   double scale = 1.0);
  /// A draw from given parts (core/fallback.hpp draws many at once on shared
  /// features): D x m frequencies, m phases, m weights (the amplitude
  /// included) and the n update weights v. Throws std::invalid_argument if
  /// the sizes disagree with each other or with the model.
  posterior_sample(const gp& model, mat omega, vec phase, vec weight, vec v);
  std::size_t dim() const override { return model_.dim(); }
  /// f(x), with its gradient if `grad` is given.
  double value(const vec_ref& x, vec* grad) const;
  double log_value(const vec_ref& x, vec* grad) const override;

private:
  const gp& model_;
  mat omega_;      ///< D x m frequencies
  vec phase_;      ///< m phases b_j
  vec weight_;     ///< m weights sqrt(2 s2 / m) w_j
  vec v_;          ///< n update weights
};

/// Draws the random Fourier features of `h`'s Matern-5/2 kernel (see
/// posterior_sample), one omega_j and b_j at a time, and the standard
/// normals of the weights and the noise from the same stream: the draws of
/// posterior_sample and of the fallback sampler (core/fallback.hpp).
class matern_features {
public:
  explicit matern_features(const gp_hyper& h) : h_(h) {}
  void draw(rng_type& rng, Eigen::Ref<vec> omega, double& phase);
  double normal(rng_type& rng) { return normal_(rng); }
  /// The features' values cos(omega^T x + phase) at every column x of X
  /// (m x n, m = phase.size()), the cosines on the vector units (core/vmath).
  static mat values(const mat& omega, const vec& phase, const mat_ref& X);

private:
  const gp_hyper& h_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::chi_squared_distribution<double> chi2_{5.0};
  std::uniform_real_distribution<double> uniform_{0.0, 2.0 * 3.14159265358979323846};
};


/// Options of the Monte-Carlo batch expected improvement.
struct qei_options {
  /// Number S of base samples (Trieste's AsynchronousOptimization default:
  /// 10 000 pseudo-random).
  std::size_t samples = 10000;
  /// Scrambled-Sobol normal base samples (QMC) instead of pseudo-random.
  bool quasi_random = true;
  /// Added to the diagonal of the joint B x B covariance before its Cholesky,
  /// relative to the kernel variance (Trieste: 1e-6 absolute; relative here
  /// so the model is scale-invariant; identical for unit-variance
  /// objectives such as ScaledBranin).
  double jitter = 1e-6;
  /// Temperature tau of the smoothed improvement softplus_tau(z) =
  /// tau log(1 + exp(z / tau)), relative to the kernel standard deviation.
  /// The log of the smoothed estimate is what the optimiser maximises: unlike
  /// the plain estimate it never collapses to exactly zero (docs/design.md,
  /// "q-EI that never vanishes";
  /// Ament et al. 2023, qLogEI). Its bias is at most tau log 2. The minimum
  /// over the batch is kept exact: a smooth minimum would reward duplicating
  /// a pending point (it lowers the min of two equal samples by tau log 2).
  double temperature = 1e-6;
  /// Base samples used to rank screening points (a prefix of the Sobol set,
  /// itself a balanced QMC set). 0 = all.
  std::size_t screening_samples = 256;

  std::string validate() const;
};

/// Monte-Carlo batch expected improvement (joint q-EI; Ginsbourger et al.
/// 2010, reparametrisation as in Wilson et al. 2018 and Trieste's
/// BatchMonteCarloExpectedImprovement):
///
///   qEI(X) = 1/S sum_s max(eta - min_b f_b^(s), 0),
///   f^(s) = mu(Z) + chol(Sigma(Z) + jitter I) eps_s,   Z = [P, X],
///
/// where P are the pending points (fixed, first) and X the q free points
/// (the optimisation variable, q D values, point after point). The base
/// samples eps (B x S, B = |P| + q) are drawn once per object: fixed during
/// one acquisition optimisation and redrawn at the next ask.
class batch_mc_ei final : public acquisition_target {
public:
  /// pending: D x P (P >= 0); q >= 1. The base samples come from `seed`.
  batch_mc_ei(const gp& model, double eta, const mat& pending, std::size_t q,
              const qei_options& opts, std::uint64_t seed);

  std::size_t dim() const override { return q_ * model_.dim(); }
  double log_value(const vec_ref& x, vec* grad) const override;
  double screen(const vec_ref& x) const override;

  /// The plain (unsmoothed) Monte-Carlo estimate with all samples: exactly
  /// Trieste's estimator. Can be exactly 0.
  double value(const vec_ref& x) const;

  /// The smoothed estimate exp(log_value) (no gradient).
  double smoothed_value(const vec_ref& x) const;

  std::size_t batch_size() const noexcept { return P_ + q_; }
  const mat& base_samples() const noexcept { return eps_; }

private:
  struct joint;
  bool build_joint(const vec_ref& x, joint& j, bool with_w) const;
  double eval(const vec_ref& x, vec* grad, std::size_t samples,
              bool smooth) const;

  const gp& model_;
  double eta_;
  std::size_t q_;
  std::size_t P_;
  qei_options opts_;
  double tau_;
  double jitter_abs_;
  mat eps_;      ///< B x S base samples
  mat Xp_;       ///< D x P pending points
  vec mu_p_;     ///< posterior mean at pending
  mat Vp_;       ///< L^-1 K(X, P), n x P
  mat Wp_;       ///< K^-1 K(X, P), n x P
  mat Spp_;      ///< posterior covariance of pending, P x P
  // Fixed during an ask, so computed once (issue 11, item 2): the pending
  // block of the joint factor, and every sample's minimum over the pending
  // points. An evaluation then costs q (P + q) per sample, not B^2 / 2.
  mat Lpp_;      ///< chol(Spp + jitter I), P x P
  vec pmin_;     ///< min_p (mu_p + Lpp eps_p)_s for every sample s (+inf if P = 0)
};

// -- local penalisation --------------------------------------------------------------

/// Options of local penalisation.
struct lp_options {
  /// Uniform points (plus the data) used to estimate the Lipschitz constant
  /// and eta_LP once per ask (Trieste default 500; tutorials 2000).
  std::size_t samples = 500;
  std::string validate() const;
};

/// Lipschitz constant L = max ||grad mu|| and eta_LP = min mu over `points`
/// (D x m) and the data (González et al. 2016, sec. 3.2); L < 1e-5 is
/// replaced by 10, Trieste's fallback for a flat mean.
void lp_estimate(const gp& model, const mat& points, double& lipschitz,
                 double& eta_lp);

/// Local penalisation (González et al. 2016) with Trieste's soft penaliser:
///
///   LP(x) = EI(x) prod_j Phi((L ||x - p_j|| - mu(p_j) + eta_LP) / s(p_j)),
///
/// over pending points p_j. log_value = log EI + sum_j log Phi(.), each term
/// computed stably. EI uses eta = min mu at the data (Trieste uses eta_LP on
/// the first step only, an artefact of its update path).
class local_penalization final : public acquisition_target {
public:
  local_penalization(const gp& model, double eta, const mat& pending,
                     double lipschitz, double eta_lp);
  std::size_t dim() const override { return model_.dim(); }
  double log_value(const vec_ref& x, vec* grad) const override;
  double value(const vec_ref& x) const;

private:
  const gp& model_;
  expected_improvement ei_;
  mat P_;
  vec mu_p_;
  vec s_p_;
  double L_;
  double eta_lp_;
};

// -- failures ------------------------------------------------------------------------

/// An acquisition weighted by the probability that its points succeed
/// (constrained EI in the sense of Gardner et al. 2014 and Gelbart et al.
/// 2014, with the feasibility of Trieste's failure-EGO tutorial):
///
///   log a_w(X) = log a(X) + sum_b log p(success | x_b),
///
/// for the q points x_b of X (a joint batch is worth its improvement only if
/// its points succeed; treating their successes as independent). Computed in
/// log space, so it never collapses to zero where p is tiny.
class feasibility_weighted final : public acquisition_target {
public:
  /// base.dim() must be a multiple of the classifier's dimension.
  feasibility_weighted(const acquisition_target& base, const feasibility_model& feasible);
  std::size_t dim() const override { return base_.dim(); }
  double log_value(const vec_ref& x, vec* grad) const override;
  double screen(const vec_ref& x) const override;

private:
  double log_weight(const vec_ref& x, vec* grad) const;

  const acquisition_target& base_;
  const feasibility_model& feasible_;
  std::size_t q_;
};

// -- stalled runs --------------------------------------------------------------------

/// Whether a run has stalled: the best of the values `y` (in the order
/// told) improved by less than `tolerance` times their range (max - min)
/// over the last `window` values. false while there are at most `window`
/// values, if window is 0, or if all values are equal.
bool run_stalled(const std::vector<double>& y, std::size_t window, double tolerance);

/// A target with an ellipsoid excluded (basin exclusion for stalled runs,
/// after the restarts of TuRBO, Eriksson et al. 2019, without discarding
/// the data):
///
///   log a_x(x) = log a(x) - P (1 - d(x)^2 / r^2)_+,
///   d(x)^2 = sum_i ((x_i - c_i) / s_i)^2,
///
/// so a point outside the ellipsoid beats the points deep inside it by up
/// to P. With s the GP's length-scales, the ellipsoid follows the
/// incumbent's basin: long along the directions the model finds flat. Once
/// a run has stalled, its Thompson draws are minimised with the incumbent's
/// basin excluded, so each is the draw's best guess at a different basin
/// instead of one more point in the basin the run has converged in
/// (BENCHMARKS.md section 24). Continuous, and differentiable except on the
/// ellipsoid's surface.
class excluding_ball final : public acquisition_target {
public:
  /// centre and scales: dim() coordinates each, scales > 0; radius > 0 and
  /// penalty > 0 (throws std::invalid_argument otherwise).
  excluding_ball(const acquisition_target& base, vec centre, vec scales, double radius,
                 double penalty);
  std::size_t dim() const override { return base_.dim(); }
  double log_value(const vec_ref& x, vec* grad) const override;
  double screen(const vec_ref& x) const override;

private:
  double penalty(const vec_ref& x, vec* grad) const;

  const acquisition_target& base_;
  vec c_;
  vec w_;      ///< 1 / s_i^2
  double r2_;
  double p_;
};

} // namespace asyncbo
