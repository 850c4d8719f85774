// SPDX-License-Identifier: Apache-2.0
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "core/acq_optimizer.hpp"
#include "core/qei.hpp"
#include "support/finite_diff.hpp"
#include "support/models.hpp"

using namespace asyncbo;
using asyncbo::test::fd_gradient;
using asyncbo::test::fitted_gp;
using asyncbo::test::grad_error;
namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(batch_qei)

BOOST_DATA_TEST_CASE(qei_log_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u, 4u, 5u, 6u}), seed) {
  const std::string fn = seed % 2 ? "scaled-branin" : "hartmann3";
  gp model = fitted_gp(fn, 10, seed);
  const std::size_t D = model.dim();
  rng_type rng(seed + 50);
  const std::size_t P = seed % 3;      // 0, 1 or 2 pending points
  const std::size_t q = 1 + seed % 2;  // 1 or 2 free points
  mat pending = uniform_unit(D, P, rng);
  qei_options o;
  o.samples = 512;
  // A moderate temperature keeps the smoothed estimate differentiable at the
  // finite-difference step; the formula is the same at every temperature.
  o.temperature = 1e-2;
  batch_mc_ei acq(model, incumbent_eta(model), pending, q, o, seed);
  for (int rep = 0; rep < 4; ++rep) {
    vec x = uniform_unit(q * D, 1, rng).col(0);
    vec g;
    double v = acq.log_value(x, &g);
    BOOST_TEST(std::isfinite(v));
    vec fd = fd_gradient([&](const vec& z) { return acq.log_value(z, nullptr); },
                         x, 1e-7);
    BOOST_TEST(grad_error(g, fd, 1e-3) < 2e-4, "P=" << P << " q=" << q << "\ng "
                                                 << g.transpose() << "\nfd "
                                                 << fd.transpose());
  }
}

BOOST_AUTO_TEST_CASE(qei_with_one_point_agrees_with_analytic_ei) {
  gp model = fitted_gp("scaled-branin", 8, 3);
  const double eta = incumbent_eta(model);
  expected_improvement ei(model, eta);
  rng_type rng(12);
  for (bool qmc : {false, true}) {
    qei_options o;
    o.samples = 20000;
    o.quasi_random = qmc;
    o.jitter = 0.0;
    batch_mc_ei acq(model, eta, mat(2, 0), 1, o, 99);
    for (int rep = 0; rep < 6; ++rep) {
      vec x = uniform_unit(2, 1, rng).col(0);
      double exact = ei.value(x);
      double mc = acq.value(x);
      // Monte-Carlo standard error of the mean of max(eta - f, 0).
      double mu, var;
      model.predict(x, mu, var);
      double se = std::sqrt(var) / std::sqrt(double(o.samples));
      BOOST_TEST(std::abs(mc - exact) < 4.0 * se + 1e-12,
                 "qmc=" << qmc << " mc=" << mc << " exact=" << exact);
    }
  }
}

BOOST_AUTO_TEST_CASE(qei_is_deterministic_for_fixed_base_samples) {
  gp model = fitted_gp("hartmann3", 12, 5);
  rng_type rng(3);
  mat pending = uniform_unit(3, 2, rng);
  qei_options o;
  o.samples = 1000;
  batch_mc_ei a(model, incumbent_eta(model), pending, 2, o, 77);
  batch_mc_ei b(model, incumbent_eta(model), pending, 2, o, 77);
  batch_mc_ei c(model, incumbent_eta(model), pending, 2, o, 78);
  vec x = uniform_unit(6, 1, rng).col(0);
  BOOST_TEST(a.value(x) == a.value(x));
  BOOST_TEST(a.log_value(x, nullptr) == b.log_value(x, nullptr));
  BOOST_TEST((a.base_samples() - b.base_samples()).norm() == 0.0);
  BOOST_TEST((a.base_samples() - c.base_samples()).norm() > 0.0);
}

BOOST_AUTO_TEST_CASE(qei_with_many_pending_points_matches_the_full_joint_reference) {
  // The pending block of the joint factor and the pending samples' minima
  // are computed once per object; the reference builds the whole
  // (P + q) x (P + q) posterior and its Cholesky factor at every point.
  gp model = fitted_gp("hartmann3", 15, 8);
  rng_type rng(21);
  const std::size_t P = 7, q = 2, D = 3;
  mat pending = uniform_unit(D, P, rng);
  qei_options o;
  o.samples = 3000;
  o.temperature = 1e-2;
  const double eta = incumbent_eta(model);
  batch_mc_ei acq(model, eta, pending, q, o, 4);
  const mat& eps = acq.base_samples();
  for (int rep = 0; rep < 5; ++rep) {
    const vec x = uniform_unit(q * D, 1, rng).col(0);
    mat Z(D, P + q);
    Z.leftCols(P) = pending;
    Z.rightCols(q) = Eigen::Map<const mat>(x.data(), D, q);
    vec mean;
    mat cov;
    model.predict_joint(Z, mean, cov);
    cov.diagonal().array() += o.jitter * model.hyper().variance;
    const mat L = Eigen::LLT<mat>(cov).matrixL();
    const mat f = (L * eps).colwise() + mean;
    double plain = 0.0;
    for (Eigen::Index s = 0; s < f.cols(); ++s)
      plain += std::max(eta - f.col(s).minCoeff(), 0.0);
    plain /= double(f.cols());
    BOOST_TEST(plain > 0.0); // not a vacuous comparison
    BOOST_TEST(acq.value(x) == plain, tt::tolerance(1e-9));
    // And its gradient with that many pending points.
    vec g;
    acq.log_value(x, &g);
    vec fd = fd_gradient([&](const vec& v) { return acq.log_value(v, nullptr); }, x, 1e-7);
    BOOST_TEST(grad_error(g, fd, 1e-3) < 2e-4, "g " << g.transpose() << "\nfd "
                                                     << fd.transpose());
  }
}

BOOST_AUTO_TEST_CASE(qei_is_invariant_to_batch_order) {
  gp model = fitted_gp("scaled-branin", 10, 9);
  rng_type rng(4);
  qei_options o;
  o.samples = 40000;
  batch_mc_ei acq(model, incumbent_eta(model), mat(2, 0), 3, o, 5);
  for (int rep = 0; rep < 4; ++rep) {
    mat X = uniform_unit(2, 3, rng);
    mat Y(2, 3);
    Y.col(0) = X.col(2);
    Y.col(1) = X.col(0);
    Y.col(2) = X.col(1);
    double a = acq.value(Eigen::Map<const vec>(X.data(), 6));
    double b = acq.value(Eigen::Map<const vec>(Y.data(), 6));
    // Same expectation; the two estimates differ only by QMC error (the
    // permuted batch is a different linear map of the same base samples).
    BOOST_TEST(std::abs(a - b) <= 5e-3 * std::max(a, 1e-3), "a=" << a << " b=" << b);
  }
}

BOOST_AUTO_TEST_CASE(smoothed_qei_bounds_the_plain_estimate_and_never_vanishes) {
  gp model = fitted_gp("hartmann3", 15, 2, 1e-7);
  qei_options o;
  o.samples = 2000;
  // eta far below the posterior: every sample's improvement is negative.
  batch_mc_ei far(model, incumbent_eta(model) - 50.0, mat(3, 0), 1, o, 1);
  vec x = vec::Constant(3, 0.5);
  BOOST_TEST(far.value(x) == 0.0);
  vec g;
  double lv = far.log_value(x, &g);
  BOOST_TEST(std::isfinite(lv));
  BOOST_TEST(g.allFinite());
  BOOST_TEST(g.norm() > 0.0);
  // With a reachable eta: plain <= smoothed <= plain + tau log 2.
  batch_mc_ei near(model, incumbent_eta(model), mat(3, 0), 1, o, 1);
  rng_type rng(6);
  const double tau = o.temperature * std::sqrt(model.hyper().variance);
  for (int rep = 0; rep < 5; ++rep) {
    vec z = uniform_unit(3, 1, rng).col(0);
    double plain = near.value(z), smooth = near.smoothed_value(z);
    BOOST_TEST(smooth >= plain * (1 - 1e-12));
    BOOST_TEST(smooth <= plain + tau * std::log(2.0) * (1 + 1e-9));
  }
}

BOOST_AUTO_TEST_CASE(qei_rejects_bad_sizes_and_options) {
  gp model = fitted_gp("scaled-branin", 5, 1);
  qei_options o;
  o.samples = 0;
  BOOST_CHECK_THROW(batch_mc_ei(model, 0.0, mat(2, 0), 1, o, 1), std::invalid_argument);
  o.samples = 10;
  BOOST_CHECK_THROW(batch_mc_ei(model, 0.0, mat(3, 1), 1, o, 1), std::invalid_argument);
  batch_mc_ei acq(model, 0.0, mat(2, 0), 2, o, 1);
  try {
    acq.value(vec::Zero(3));
    BOOST_FAIL("expected throw");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what())
               == "batch_mc_ei: expected 4 coordinates (q * D), got 3");
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(vanishing_qei)

// docs/design.md, "q-EI that never vanishes": late in a run the plain MC q-EI is exactly 0 almost
// everywhere and a plain-EI optimiser returns its random start. The smoothed
// log estimate keeps a gradient, so the chosen point must beat the best of
// many random points in analytic EI.
BOOST_AUTO_TEST_CASE(optimised_point_beats_random_points_when_plain_qei_vanishes) {
  const auto& f = *find_test_function("hartmann6");
  rng_type rng(5);
  // 60 observations, most of them near a local minimum: EI is tiny elsewhere.
  mat X(6, 60);
  vec center(6);
  center << 0.40, 0.88, 0.79, 0.57, 0.16, 0.04;
  std::normal_distribution<double> n01(0.0, 1.0);
  for (int j = 0; j < 60; ++j)
    for (int d = 0; d < 6; ++d)
      X(d, j) = j < 15 ? std::uniform_real_distribution<double>(0, 1)(rng)
                       : std::clamp(center[d] + 0.05 * n01(rng), 0.0, 1.0);
  vec y(60);
  for (int j = 0; j < 60; ++j)
    y[j] = f(X.col(j));
  auto defs = make_gp_defaults(y, 6);
  gp_hyper h = defs.hyper;
  fit_gp_map(X, y, defs.prior, 1e-7, h, gp_fit_options{}, rng);
  gp model(X, y, h, 1e-7);
  BOOST_REQUIRE(model.ok());
  const double eta = incumbent_eta(model);
  expected_improvement ei(model, eta);
  qei_options o;
  o.samples = 512;
  batch_mc_ei acq(model, eta, mat(6, 0), 1, o, 3);
  // The plain estimate is 0 at most random points...
  mat R = uniform_unit(6, 2000, rng);
  int zeros = 0;
  double best_random_ei = 0.0;
  for (int j = 0; j < R.cols(); ++j) {
    zeros += acq.value(R.col(j)) == 0.0 ? 1 : 0;
    best_random_ei = std::max(best_random_ei, ei.value(R.col(j)));
  }
  BOOST_TEST(zeros > 1000);
  // ...yet the optimised point is better than all 2000 of them.
  auto res = maximize_acquisition(acq, acq_optimizer_options{}, 9);
  BOOST_TEST(ei.value(res.x) > best_random_ei,
             "chosen EI " << ei.value(res.x) << " best random " << best_random_ei);
}

BOOST_AUTO_TEST_SUITE_END()
