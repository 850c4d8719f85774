// SPDX-License-Identifier: Apache-2.0
// The acquisition target interface and the analytic acquisitions: expected
// improvement, local penalisation and the feasibility weighting of any
// target. All are maximised in log space over the unit cube (q-EI is in
// core/qei.hpp, posterior draws in core/pathwise.hpp).
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

} // namespace asyncbo
