// SPDX-License-Identifier: Apache-2.0
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "core/acq_optimizer.hpp"
#include "core/acquisition.hpp"
#include "support/finite_diff.hpp"
#include "support/models.hpp"

using namespace asyncbo;
using asyncbo::test::fd_gradient;
using asyncbo::test::fitted_gp;
using asyncbo::test::grad_error;
namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(acquisition_functions)

BOOST_DATA_TEST_CASE(ei_log_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u, 4u}), seed) {
  gp model = fitted_gp(seed % 2 ? "scaled-branin" : "hartmann3", 12, seed);
  expected_improvement ei(model, incumbent_eta(model));
  rng_type rng(seed + 100);
  for (int rep = 0; rep < 5; ++rep) {
    vec x = uniform_unit(model.dim(), 1, rng).col(0);
    vec g;
    double v = ei.log_value(x, &g);
    BOOST_TEST(std::isfinite(v));
    vec fd = fd_gradient([&](const vec& z) { return ei.log_value(z, nullptr); }, x);
    BOOST_TEST(grad_error(g, fd, 1e-4) < 1e-5, "g " << g.transpose() << " fd "
                                                 << fd.transpose());
    double plain = ei.value(x);
    if (plain > 1e-250)
      BOOST_TEST(v == std::log(plain), tt::tolerance(1e-8));
  }
}

BOOST_DATA_TEST_CASE(posterior_sample_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u}), seed) {
  gp model = fitted_gp(seed % 2 ? "scaled-branin" : "hartmann3", 14, seed, 1e-4);
  rng_type rng(seed + 200);
  for (double scale : {1.0, 2.5}) {
    posterior_sample path(model, 256, seed + 7, scale);
    for (int rep = 0; rep < 5; ++rep) {
      vec x = uniform_unit(model.dim(), 1, rng).col(0);
      vec g;
      const double v = path.log_value(x, &g);
      BOOST_TEST(v == -path.value(x, nullptr));
      vec fd = fd_gradient([&](const vec& z) { return path.log_value(z, nullptr); }, x);
      BOOST_TEST(grad_error(g, fd, 1e-4) < 1e-5, "scale " << scale << " g " << g.transpose()
                                                  << " fd " << fd.transpose());
    }
  }
}

BOOST_AUTO_TEST_CASE(posterior_samples_have_the_posterior_mean_and_covariance) {
  // Over many draws (new features each), the paths' mean and covariance at
  // three points (one at a data point, two elsewhere) are the GP's.
  gp model = fitted_gp("hartmann3", 15, 3, 1e-4);
  rng_type rng(9);
  mat Q(3, 3);
  Q.col(0) = model.X().col(4);
  Q.rightCols(2) = uniform_unit(3, 2, rng);
  vec mean;
  mat cov;
  model.predict_joint(Q, mean, cov);
  const int draws = 4000;
  mat f(draws, 3);
  for (int s = 0; s < draws; ++s) {
    posterior_sample path(model, 512, std::uint64_t(s));
    for (int j = 0; j < 3; ++j)
      f(s, j) = path.value(Q.col(j), nullptr);
  }
  const vec m_hat = f.colwise().mean().transpose();
  const mat centred = f.rowwise() - m_hat.transpose();
  const mat c_hat = centred.transpose() * centred / double(draws - 1);
  for (int j = 0; j < 3; ++j) {
    const double sd = std::sqrt(cov(j, j));
    BOOST_TEST(std::abs(m_hat[j] - mean[j]) < 4.5 * sd / std::sqrt(double(draws)) + 1e-9,
               "point " << j << ": " << m_hat[j] << " vs " << mean[j] << " sd " << sd);
    BOOST_TEST(c_hat(j, j) / cov(j, j) > 0.85, "var " << c_hat(j, j) << " vs " << cov(j, j));
    BOOST_TEST(c_hat(j, j) / cov(j, j) < 1.15, "var " << c_hat(j, j) << " vs " << cov(j, j));
  }
  const double corr = cov(1, 2) / std::sqrt(cov(1, 1) * cov(2, 2));
  const double corr_hat = c_hat(1, 2) / std::sqrt(c_hat(1, 1) * c_hat(2, 2));
  BOOST_TEST(std::abs(corr_hat - corr) < 0.1, corr_hat << " vs " << corr);
  // A widened draw (scale 2) has the same mean and four times the variance.
  vec g2(draws);
  for (int s = 0; s < draws; ++s)
    g2[s] = posterior_sample(model, 512, std::uint64_t(s), 2.0).value(Q.col(1), nullptr);
  const double m2 = g2.mean();
  const double v2 = (g2.array() - m2).square().sum() / double(draws - 1);
  BOOST_TEST(std::abs(m2 - mean[1]) < 4.5 * 2.0 * std::sqrt(cov(1, 1) / double(draws)));
  BOOST_TEST(v2 / cov(1, 1) > 4.0 * 0.85, v2 / cov(1, 1));
  BOOST_TEST(v2 / cov(1, 1) < 4.0 * 1.15, v2 / cov(1, 1));
  BOOST_CHECK_THROW(posterior_sample(model, 8, 1, 0.0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(posterior_samples_are_seeded_explore_and_are_minimised) {
  gp model = fitted_gp("hartmann3", 15, 3, 1e-4);
  rng_type rng(5);
  const mat probe = uniform_unit(3, 4096, rng);
  auto min_on_probe = [&](const posterior_sample& p) {
    double m = std::numeric_limits<double>::infinity();
    for (Eigen::Index j = 0; j < probe.cols(); ++j)
      m = std::min(m, p.value(probe.col(j), nullptr));
    return m;
  };
  const posterior_sample a(model, 512, 11), b(model, 512, 11), c(model, 512, 12);
  BOOST_TEST(a.value(probe.col(0), nullptr) == b.value(probe.col(0), nullptr));
  BOOST_TEST(a.value(probe.col(0), nullptr) != c.value(probe.col(0), nullptr));
  // Refined by the acquisition optimiser from fewer screening points, the
  // minimiser of each draw is at least as low as the best of 4096 random
  // points, and different draws go to different places.
  acq_optimizer_options o;
  o.screening_points = 512;
  std::vector<vec> argmins;
  for (std::uint64_t s = 0; s < 8; ++s) {
    const posterior_sample p(model, 512, s);
    const acq_result r = maximize_acquisition(p, o, s + 100);
    BOOST_TEST(-r.log_value <= min_on_probe(p) + 1e-9);
    BOOST_TEST(r.log_value == -p.value(r.x, nullptr), tt::tolerance(1e-12));
    argmins.push_back(r.x);
  }
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < argmins.size(); ++i) {
    bool seen = false;
    for (std::size_t j = 0; j < i; ++j)
      seen = seen || (argmins[i] - argmins[j]).norm() < 1e-3;
    distinct += !seen;
  }
  BOOST_TEST(distinct >= 3u);
  BOOST_CHECK_THROW(posterior_sample(model, 0, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(log_ei_stays_finite_where_ei_underflows) {
  gp model = fitted_gp("scaled-branin", 20, 7, 1e-7);
  // An incumbent far below every posterior mean makes EI underflow.
  expected_improvement ei(model, incumbent_eta(model) - 1e3);
  vec x = vec::Constant(2, 0.5);
  BOOST_TEST(ei.value(x) == 0.0);
  vec g;
  double lv = ei.log_value(x, &g);
  BOOST_TEST(std::isfinite(lv));
  BOOST_TEST(g.allFinite());
  BOOST_TEST(g.norm() > 0.0);
}

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

BOOST_DATA_TEST_CASE(feasibility_weighted_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u, 4u}), seed) {
  gp model = fitted_gp("scaled-branin", 12, seed);
  // Failures where x0 + x1 > 1.2 among 30 Sobol points.
  sobol_sequence seq(2, true, seed);
  mat F = seq.take(30);
  std::vector<bool> ok;
  for (Eigen::Index i = 0; i < F.cols(); ++i)
    ok.push_back(F(0, i) + F(1, i) <= 1.2);
  feasibility_model feasible(F, ok);
  BOOST_REQUIRE(!feasible.flat());
  rng_type rng(seed + 7);
  qei_options o;
  o.samples = 256;
  o.temperature = 1e-2;
  const std::size_t q = 1 + seed % 2;
  batch_mc_ei qei(model, incumbent_eta(model), uniform_unit(2, seed % 2, rng), q, o, seed);
  expected_improvement ei(model, incumbent_eta(model));
  feasibility_weighted wq(qei, feasible), we(ei, feasible);
  for (int rep = 0; rep < 3; ++rep) {
    for (const acquisition_target* t : {static_cast<const acquisition_target*>(&wq),
                                        static_cast<const acquisition_target*>(&we)}) {
      vec x = uniform_unit(t->dim(), 1, rng).col(0);
      vec g;
      const double v = t->log_value(x, &g);
      BOOST_TEST(std::isfinite(v));
      vec fd = fd_gradient([&](const vec& z) { return t->log_value(z, nullptr); }, x, 1e-7);
      BOOST_TEST(grad_error(g, fd, 1e-3) < 2e-4, "g " << g.transpose() << "\nfd "
                                                   << fd.transpose());
    }
  }
  // The weight is the log probability of success of every point.
  vec x = uniform_unit(2, 1, rng).col(0);
  BOOST_TEST(we.log_value(x, nullptr)
               == ei.log_value(x, nullptr) + feasible.log_success(x),
             tt::tolerance(1e-12));
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

BOOST_DATA_TEST_CASE(local_penalization_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u}), seed) {
  gp model = fitted_gp("scaled-branin", 12, seed);
  rng_type rng(seed);
  mat samples = uniform_unit(2, 200, rng);
  double L, eta_lp;
  lp_estimate(model, samples, L, eta_lp);
  BOOST_TEST(L > 0.0);
  mat pending = uniform_unit(2, 1 + seed, rng);
  local_penalization lp(model, incumbent_eta(model), pending, L, eta_lp);
  for (int rep = 0; rep < 5; ++rep) {
    vec x = uniform_unit(2, 1, rng).col(0);
    vec g;
    double v = lp.log_value(x, &g);
    vec fd = fd_gradient([&](const vec& z) { return lp.log_value(z, nullptr); }, x);
    BOOST_TEST(grad_error(g, fd, 1e-4) < 1e-5);
    if (lp.value(x) > 1e-250)
      BOOST_TEST(v == std::log(lp.value(x)), tt::tolerance(1e-8));
  }
}

BOOST_AUTO_TEST_CASE(local_penalization_without_pending_is_ei_and_penalises_near_pending) {
  gp model = fitted_gp("scaled-branin", 12, 4);
  const double eta = incumbent_eta(model);
  expected_improvement ei(model, eta);
  local_penalization none(model, eta, mat(2, 0), 5.0, eta);
  vec x(2);
  x << 0.3, 0.6;
  BOOST_TEST(none.log_value(x, nullptr) == ei.log_value(x, nullptr));
  mat p(2, 1);
  p.col(0) = x;
  local_penalization lp(model, eta, p, 5.0, eta);
  // At the pending point itself the penalty is Phi((eta - mu(p)) / s(p)) < 1/2
  // for mu(p) >= eta.
  BOOST_TEST(lp.value(x) < 0.5 * ei.value(x) + 1e-300);
  vec far(2);
  far << 0.95, 0.05;
  BOOST_TEST(lp.value(far) == ei.value(far), tt::tolerance(1e-3));
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

BOOST_AUTO_TEST_SUITE(stalled_runs)

BOOST_AUTO_TEST_CASE(a_run_is_stalled_when_its_best_has_not_moved_over_the_window) {
  // range 10: tolerance 1e-3 means an improvement below 0.01.
  std::vector<double> y = {0.0, 10.0, -0.0, 5.0, 3.0, 2.0, 4.0};
  BOOST_TEST(!run_stalled(y, 0, 1e-3));       // off
  BOOST_TEST(!run_stalled(y, 7, 1e-3));       // not more values than the window
  BOOST_TEST(run_stalled(y, 5, 1e-3));        // best 0 before and after
  y.push_back(-0.005);                        // range 10.005, improvement 0.005 < 0.010005
  BOOST_TEST(run_stalled(y, 5, 1e-3));
  y.push_back(-0.5);                          // a real improvement inside the window
  BOOST_TEST(!run_stalled(y, 5, 1e-3));
  BOOST_TEST(!run_stalled(std::vector<double>(9, 1.0), 3, 1e-3));   // no range
}

BOOST_DATA_TEST_CASE(excluding_ball_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u}), seed) {
  gp model = fitted_gp(seed % 2 ? "scaled-branin" : "hartmann3", 14, seed, 1e-4);
  const posterior_sample path(model, 256, seed + 7);
  rng_type rng(seed + 300);
  const vec centre = uniform_unit(model.dim(), 1, rng).col(0);
  const excluding_ball ex(path, centre, model.hyper().lengthscales, 1.0, 5.0);
  int inside = 0;
  for (int rep = 0; rep < 40; ++rep) {
    // Half the points near the centre, so the penalty's gradient is tested.
    vec x = rep % 2 ? uniform_unit(model.dim(), 1, rng).col(0)
                    : vec((centre + 0.2 * (uniform_unit(model.dim(), 1, rng).col(0).array()
                                           - 0.5).matrix()).cwiseMax(0.0).cwiseMin(1.0));
    const double d = ((x - centre).array() / model.hyper().lengthscales.array()).matrix().norm();
    if (std::abs(d - 1.0) < 1e-3)
      continue;   // the kink on the surface
    inside += d < 1.0;
    vec g;
    const double v = ex.log_value(x, &g);
    BOOST_TEST(v <= path.log_value(x, nullptr) + 1e-15);
    BOOST_TEST((d < 1.0) == (v < path.log_value(x, nullptr)));
    vec fd = fd_gradient([&](const vec& z) { return ex.log_value(z, nullptr); }, x);
    BOOST_TEST(grad_error(g, fd, 1e-4) < 1e-5, "g " << g.transpose() << " fd " << fd.transpose());
    BOOST_TEST(ex.screen(x) == v, tt::tolerance(1e-12));
  }
  BOOST_TEST(inside > 5);
}

BOOST_AUTO_TEST_CASE(the_excluded_ball_moves_the_maximiser_out_of_it) {
  gp model = fitted_gp("hartmann3", 20, 4, 1e-4);
  const posterior_sample path(model, 256, 11);
  const auto free_max = maximize_acquisition(path, acq_optimizer_options{}, 5);
  const vec ls = model.hyper().lengthscales;
  const excluding_ball ex(path, free_max.x, ls, 0.5, 100.0);
  const auto res = maximize_acquisition(ex, acq_optimizer_options{}, 5);
  const double d = ((res.x - free_max.x).array() / ls.array()).matrix().norm();
  BOOST_TEST(d >= 0.5 - 1e-6, "distance " << d);
  BOOST_TEST(res.log_value <= free_max.log_value + 1e-12);
  BOOST_CHECK_THROW(excluding_ball(path, vec::Zero(2), ls, 0.5, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(excluding_ball(path, free_max.x, ls, 0.0, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(excluding_ball(path, free_max.x, -ls, 0.5, 1.0), std::invalid_argument);
  BOOST_CHECK_THROW(excluding_ball(path, free_max.x, ls, 0.5, 0.0), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
