// SPDX-License-Identifier: Apache-2.0
// Posterior draws as functions (pathwise conditioning on random features).
#include "core/pathwise.hpp"

#include <cmath>
#include <stdexcept>

#include "core/vmath.hpp"

namespace asyncbo {

posterior_sample::posterior_sample(const gp& model, std::size_t features, std::uint64_t seed)
    : model_(model) {
  if (features == 0)
    throw std::invalid_argument("posterior_sample: features must be >= 1");
  if (!model.ok())
    throw std::invalid_argument("posterior_sample: the model did not factorise");
  const auto D = Eigen::Index(model.dim());
  const auto m = Eigen::Index(features);
  const gp_hyper& h = model.hyper();
  rng_type rng(seed);
  matern_features features_of(h);
  omega_.resize(D, m);
  phase_.resize(m);
  weight_.resize(m);
  const double amplitude = std::sqrt(2.0 * h.variance / double(m));
  for (Eigen::Index j = 0; j < m; ++j) {
    features_of.draw(rng, omega_.col(j), phase_[j]);
    weight_[j] = amplitude * features_of.normal(rng);
  }
  // v = (K + s_n^2 I)^-1 (y - c - Phi w - e), the noise the factor holds.
  const mat& X = model.X();
  const double noise_sd = std::sqrt(model.noise_variance() + model.jitter());
  mat r(X.cols(), 1);
  const mat phi = matern_features::values(omega_, phase_, X); // m x n
  for (Eigen::Index i = 0; i < X.cols(); ++i)
    r(i, 0) = model.y()[i] - h.mean - weight_.dot(phi.col(i)) - noise_sd * features_of.normal(rng);
  model.solve_lower(r);
  model.solve_upper(r);
  v_ = r.col(0);
}

mat matern_features::values(const mat& omega, const vec& phase, const mat_ref& X) {
  mat phi = (omega.transpose() * X).colwise() + phase;
  vmath::cos(phi.data(), phi.data(), std::size_t(phi.size()));
  return phi;
}

void matern_features::draw(rng_type& rng, Eigen::Ref<vec> omega, double& phase) {
  const double t = 1.0 / std::sqrt(chi2_(rng) / 5.0); // the Student-t's radial factor
  for (Eigen::Index d = 0; d < omega.size(); ++d)
    omega[d] = normal_(rng) * t / h_.lengthscales[d];
  phase = uniform_(rng);
}

posterior_sample::posterior_sample(const gp& model, mat omega, vec phase, vec weight, vec v)
    : model_(model), omega_(std::move(omega)), phase_(std::move(phase)),
      weight_(std::move(weight)), v_(std::move(v)) {
  if (!model.ok())
    throw std::invalid_argument("posterior_sample: the model did not factorise");
  if (omega_.rows() != Eigen::Index(model.dim()) || phase_.size() != omega_.cols()
      || weight_.size() != omega_.cols() || v_.size() != Eigen::Index(model.size()))
    throw std::invalid_argument("posterior_sample: parts of sizes omega "
                                + std::to_string(omega_.rows()) + "x"
                                + std::to_string(omega_.cols()) + ", phase "
                                + std::to_string(phase_.size()) + ", weight "
                                + std::to_string(weight_.size()) + ", v "
                                + std::to_string(v_.size()) + " for a model of "
                                + std::to_string(model.size()) + " points in "
                                + std::to_string(model.dim()) + " dimensions");
}

double posterior_sample::value(const vec_ref& x, vec* grad) const {
  const vec arg = (omega_.transpose() * x) + phase_;
  const std::size_t m = std::size_t(arg.size());
  vec trig(arg.size());
  vmath::cos(arg.data(), trig.data(), m);
  double f = model_.hyper().mean + weight_.dot(trig);
  vec k, g;
  model_.kernel().row(x, model_.X(), k, grad ? &g : nullptr);
  f += k.dot(v_);
  if (grad) {
    vmath::sin(arg.data(), trig.data(), m);
    *grad = omega_ * (-weight_.array() * trig.array()).matrix();
    model_.kernel().add_weighted_grad(x, model_.X(), g, v_, *grad);
  }
  return f;
}

double posterior_sample::log_value(const vec_ref& x, vec* grad) const {
  const double f = value(x, grad);
  if (grad)
    *grad = -*grad;
  return -f;
}

} // namespace asyncbo
