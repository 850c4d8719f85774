// SPDX-License-Identifier: Apache-2.0
// EI, MC batch EI and local penalisation with analytic gradients.
#include "core/acquisition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

#include "core/space.hpp"
#include "core/special.hpp"
#include "core/vmath.hpp"

namespace asyncbo {

double incumbent_eta(const gp& model, Eigen::Index* where) {
  Eigen::Index i = 0;
  const double eta = model.mean_at_data().minCoeff(&i);
  if (where)
    *where = i;
  return eta;
}

// -- EI ------------------------------------------------------------------------

expected_improvement::expected_improvement(const gp& model, double eta)
  : model_(model), eta_(eta) {
  if (!std::isfinite(eta))
    throw std::invalid_argument("expected_improvement: eta must be finite");
}

double expected_improvement::value(const vec_ref& x) const {
  double mu, var;
  model_.predict(x, mu, var);
  double s = std::sqrt(var);
  return s * special::ei_h((eta_ - mu) / s);
}

double expected_improvement::log_value(const vec_ref& x, vec* grad) const {
  double mu, var;
  vec dmu, dvar;
  if (grad)
    model_.predict(x, mu, var, &dmu, &dvar);
  else
    model_.predict(x, mu, var);
  double s = std::sqrt(var);
  double z = (eta_ - mu) / s;
  double lv = std::log(s) + special::log_ei_h(z);
  if (grad) {
    vec ds = dvar / (2.0 * s);
    vec dz = (-dmu - z * ds) / s;
    *grad = ds / s + special::d_log_ei_h(z) * dz;
  }
  return lv;
}

// -- local penalisation ------------------------------------------------------------

std::string lp_options::validate() const {
  if (samples < 1)
    return "local-penalization: samples must be >= 1";
  return {};
}

void lp_estimate(const gp& model, const mat& points, double& lipschitz,
                 double& eta_lp) {
  double L = 0.0;
  double eta = std::numeric_limits<double>::infinity();
  vec dmu;
  auto visit = [&](const vec_ref& x) {
    double m = model.mean_at(x, &dmu);
    L = std::max(L, dmu.norm());
    eta = std::min(eta, m);
  };
  for (Eigen::Index i = 0; i < model.X().cols(); ++i)
    visit(model.X().col(i));
  for (Eigen::Index i = 0; i < points.cols(); ++i)
    visit(points.col(i));
  if (L < 1e-5)
    L = 10.0;
  lipschitz = L;
  eta_lp = eta;
}

local_penalization::local_penalization(const gp& model, double eta,
                                       const mat& pending, double lipschitz,
                                       double eta_lp)
  : model_(model), ei_(model, eta), P_(pending), L_(lipschitz), eta_lp_(eta_lp) {
  if (!(lipschitz > 0.0) || !std::isfinite(lipschitz))
    throw std::invalid_argument("local_penalization: lipschitz must be > 0");
  if (P_.cols() > 0 && static_cast<std::size_t>(P_.rows()) != model.dim())
    throw std::invalid_argument("local_penalization: pending points have "
                                + std::to_string(P_.rows())
                                + " coordinates, expected "
                                + std::to_string(model.dim()));
  mu_p_.resize(P_.cols());
  s_p_.resize(P_.cols());
  for (Eigen::Index j = 0; j < P_.cols(); ++j) {
    double var;
    model.predict(P_.col(j), mu_p_[j], var);
    s_p_[j] = std::sqrt(var);
  }
}

double local_penalization::log_value(const vec_ref& x, vec* grad) const {
  double lv = ei_.log_value(x, grad);
  for (Eigen::Index j = 0; j < P_.cols(); ++j) {
    vec diff = x - P_.col(j);
    double d = diff.norm();
    double u = (L_ * d - mu_p_[j] + eta_lp_) / s_p_[j];
    lv += special::log_norm_cdf(u);
    if (grad && d > 0.0)
      *grad += (special::d_log_norm_cdf(u) * L_ / (s_p_[j] * d)) * diff;
  }
  return lv;
}

double local_penalization::value(const vec_ref& x) const {
  double v = ei_.value(x);
  for (Eigen::Index j = 0; j < P_.cols(); ++j) {
    double d = (x - P_.col(j)).norm();
    v *= special::norm_cdf((L_ * d - mu_p_[j] + eta_lp_) / s_p_[j]);
  }
  return v;
}

// -- failures ------------------------------------------------------------------------

feasibility_weighted::feasibility_weighted(const acquisition_target& base,
                                           const feasibility_model& feasible)
  : base_(base), feasible_(feasible), q_(base.dim() / feasible.dim()) {
  if (q_ == 0 || q_ * feasible.dim() != base.dim())
    throw std::invalid_argument("feasibility_weighted: the acquisition has "
                                + std::to_string(base.dim())
                                + " coordinates, not a multiple of "
                                + std::to_string(feasible.dim()));
}

double feasibility_weighted::log_weight(const vec_ref& x, vec* grad) const {
  const std::size_t D = feasible_.dim();
  double lw = 0.0;
  vec g;
  for (std::size_t b = 0; b < q_; ++b) {
    lw += feasible_.log_success(x.segment(b * D, D), grad ? &g : nullptr);
    if (grad)
      grad->segment(b * D, D) += g;
  }
  return lw;
}

double feasibility_weighted::log_value(const vec_ref& x, vec* grad) const {
  const double lv = base_.log_value(x, grad);
  return lv + log_weight(x, grad);
}

double feasibility_weighted::screen(const vec_ref& x) const {
  return base_.screen(x) + log_weight(x, nullptr);
}

} // namespace asyncbo
