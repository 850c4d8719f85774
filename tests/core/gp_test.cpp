// SPDX-License-Identifier: Apache-2.0
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <Eigen/LU>

#include "core/gp_fit.hpp"
#include "core/objectives.hpp"
#include "core/space.hpp"
#include "support/finite_diff.hpp"

using namespace asyncbo;
using asyncbo::test::fd_gradient;
using asyncbo::test::grad_error;
namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;

namespace {

struct problem {
  mat X;
  vec y;
};

/// n random points in [0,1]^D with Hartmann-like smooth values.
problem make_problem(std::size_t D, std::size_t n, std::uint64_t seed) {
  rng_type rng(seed);
  problem p;
  p.X = uniform_unit(D, n, rng);
  p.y.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    p.y[i] = std::sin(3.0 * p.X(0, i)) + (p.X.col(i).array() - 0.3).square().sum();
  return p;
}

gp_hyper random_hyper(std::size_t D, rng_type& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  gp_hyper h;
  h.variance = std::exp(u(rng));
  h.lengthscales.resize(D);
  for (std::size_t d = 0; d < D; ++d)
    h.lengthscales[d] = std::exp(-0.7 + 0.8 * u(rng));
  h.mean = u(rng);
  return h;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gaussian_process)

BOOST_DATA_TEST_CASE(map_loss_gradient_with_learned_noise_matches_finite_differences,
                     bdata::make({31u, 32u, 33u, 34u}), seed) {
  const std::size_t D = 1 + seed % 3;
  auto p = make_problem(D, 12, seed);
  auto defaults = make_gp_defaults(p.y, D);
  auto prior = defaults.prior;
  prior.noise.learn = true;
  prior.noise.log_loc = std::log(0.01);
  prior.noise.log_lower = std::log(1e-8);
  prior.noise.log_upper = 0.0;
  gp_map_loss loss(p.X, p.y, prior, 1.0);
  rng_type rng(seed);
  vec theta = loss.pack(random_hyper(D, rng), std::exp(-4.0 + 0.5 * double(seed % 4)));
  BOOST_REQUIRE(theta.size() == Eigen::Index(D + 3));
  vec g;
  loss(theta, g);
  vec fd = fd_gradient([&](const vec& t) { return loss.loss(t); }, theta, 1e-6);
  BOOST_TEST(grad_error(g, fd, 1e-3) < 1e-5, "analytic " << g.transpose()
                                                << "\nfd " << fd.transpose());
}

BOOST_AUTO_TEST_CASE(learned_noise_recovers_a_known_noise_level) {
  // 1-D: f(x) = sin(6 x) plus N(0, 0.1^2) noise at 120 points. The MAP noise
  // variance must be within a factor 1.5 of 0.01.
  rng_type rng(17);
  std::normal_distribution<double> eps(0.0, 0.1);
  mat X = uniform_unit(1, 120, rng);
  vec y(120);
  for (int i = 0; i < 120; ++i)
    y[i] = std::sin(6.0 * X(0, i)) + eps(rng);
  auto d = make_gp_defaults(y, 1);
  d.prior.noise.learn = true;
  d.prior.noise.log_loc = std::log(d.empirical_variance / 100.0);
  d.prior.noise.log_lower = std::log(1e-8 * d.empirical_variance);
  d.prior.noise.log_upper = std::log(d.empirical_variance);
  gp_hyper h = d.hyper;
  rng_type fit_rng(1);
  auto sum = fit_gp_map(X, y, d.prior, d.empirical_variance / 100.0, h, gp_fit_options{},
                        fit_rng);
  BOOST_TEST(sum.noise_variance > 0.01 / 1.5);
  BOOST_TEST(sum.noise_variance < 0.01 * 1.5);
}

BOOST_AUTO_TEST_CASE(learned_noise_goes_to_the_floor_on_noise_free_data) {
  auto p = make_problem(2, 40, 5);
  auto d = make_gp_defaults(p.y, 2);
  d.prior.noise.learn = true;
  d.prior.noise.log_loc = std::log(d.empirical_variance / 100.0);
  d.prior.noise.log_lower = std::log(1e-8 * d.empirical_variance);
  d.prior.noise.log_upper = std::log(d.empirical_variance);
  gp_hyper h = d.hyper;
  rng_type fit_rng(2);
  auto sum = fit_gp_map(p.X, p.y, d.prior, d.empirical_variance / 100.0, h,
                        gp_fit_options{}, fit_rng);
  BOOST_TEST(sum.noise_variance < 1e-5 * d.empirical_variance);
  // ... and the model interpolates the data.
  gp model(p.X, p.y, h, sum.noise_variance);
  BOOST_TEST((model.mean_at_data() - p.y).cwiseAbs().maxCoeff() < 1e-3);
}

BOOST_DATA_TEST_CASE(kernel_input_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u, 4u, 5u}), seed) {
  rng_type rng(seed);
  matern52 k;
  k.variance = 1.7;
  mat pts = uniform_unit(3, 3, rng);
  k.lengthscales = pts.col(0).array() * 0.5 + 0.2;
  vec a = pts.col(1), b = pts.col(2);
  auto f = [&](const vec& x) { return k(x, b); };
  vec analytic = vec::Zero(3);
  k.add_grad(a, b, 1.0, k.inv_sq_lengthscales(), analytic);
  BOOST_TEST(grad_error(analytic, fd_gradient(f, a)) < 1e-6);
}

// Seeds 21-24 with a length-scale prior of its own scale (the gradient's
// lengthscale_scale terms).
BOOST_DATA_TEST_CASE(map_loss_gradient_matches_finite_differences,
                     bdata::make({11u, 12u, 13u, 14u, 15u, 16u, 21u, 22u, 23u, 24u}), seed) {
  const std::size_t D = 1 + seed % 4;
  auto p = make_problem(D, 12, seed);
  auto defaults = make_gp_defaults(p.y, D);
  if (seed > 20) {
    defaults.prior.lengthscale_scale = std::sqrt(3.0);
    defaults.prior.log_lengthscale_loc.array() += 1.0;
  }
  gp_map_loss loss(p.X, p.y, defaults.prior, 1e-4);
  rng_type rng(seed);
  vec theta = gp_map_loss::pack(random_hyper(D, rng));
  vec g;
  loss(theta, g);
  vec fd = fd_gradient([&](const vec& t) { return loss.loss(t); }, theta, 1e-6);
  BOOST_TEST(grad_error(g, fd, 1e-3) < 1e-5, "analytic " << g.transpose()
                                                << "\nfd " << fd.transpose());
}

BOOST_AUTO_TEST_CASE(map_loss_equals_negative_log_marginal_likelihood_plus_prior) {
  // Direct O(n^3) evaluation of the formula with explicit inverse.
  auto p = make_problem(2, 6, 3);
  auto d = make_gp_defaults(p.y, 2);
  gp_map_loss loss(p.X, p.y, d.prior, 0.01);
  gp_hyper h = d.hyper;
  h.lengthscales << 0.3, 0.5;
  matern52 k{h.variance, h.lengthscales};
  mat K = k.gram(p.X);
  K.diagonal().array() += 0.01;
  vec e = p.y.array() - h.mean;
  double direct = 0.5 * e.dot(K.inverse() * e) + 0.5 * std::log(K.determinant())
                  + 3.0 * std::log(2.0 * M_PI) - d.prior.log_density(h);
  BOOST_TEST(loss.loss(gp_map_loss::pack(h)) == direct, tt::tolerance(1e-10));
}

BOOST_DATA_TEST_CASE(posterior_gradients_match_finite_differences,
                     bdata::make({21u, 22u, 23u, 24u}), seed) {
  const std::size_t D = 2 + seed % 3;
  auto p = make_problem(D, 15, seed);
  rng_type rng(seed);
  gp model(p.X, p.y, random_hyper(D, rng), 1e-6);
  BOOST_REQUIRE(model.ok());
  // The point farthest from the data among 50 random ones: near a data point
  // the variance is ~1e-6 and its finite difference loses every digit.
  mat cands = uniform_unit(D, 50, rng);
  Eigen::Index far = 0;
  double best = -1;
  for (Eigen::Index j = 0; j < cands.cols(); ++j) {
    double dmin = (p.X.colwise() - cands.col(j)).colwise().norm().minCoeff();
    if (dmin > best) {
      best = dmin;
      far = j;
    }
  }
  vec x = cands.col(far);
  double m, v;
  vec dm, dv;
  model.predict(x, m, v, &dm, &dv);
  auto fm = [&](const vec& z) { double a, b; model.predict(z, a, b); return a; };
  auto fv = [&](const vec& z) { double a, b; model.predict(z, a, b); return b; };
  BOOST_TEST(grad_error(dm, fd_gradient(fm, x)) < 1e-6);
  vec fdv = fd_gradient(fv, x, 1e-5); // v = s2 - |v|^2 cancels: larger step
  BOOST_TEST(grad_error(dv, fdv, 1e-6) < 1e-5, "dv " << dv.transpose() << " fd "
                                                << fdv.transpose() << " v " << v);
  vec dm2;
  BOOST_TEST(model.mean_at(x, &dm2) == m, tt::tolerance(1e-12));
  BOOST_TEST(grad_error(dm2, dm) < 1e-12);
}

BOOST_AUTO_TEST_CASE(gp_interpolates_noise_free_data) {
  auto p = make_problem(2, 20, 5);
  gp_hyper h = make_gp_defaults(p.y, 2).hyper;
  gp model(p.X, p.y, h, 1e-10);
  BOOST_REQUIRE(model.ok());
  for (Eigen::Index i = 0; i < p.X.cols(); ++i) {
    double m, v;
    model.predict(p.X.col(i), m, v);
    BOOST_TEST(m == p.y[i], tt::tolerance(1e-5));
    BOOST_TEST(v < 1e-6 * h.variance);
  }
  vec md = model.mean_at_data();
  BOOST_TEST((md - p.y).cwiseAbs().maxCoeff() < 1e-5);
}

BOOST_AUTO_TEST_CASE(joint_posterior_agrees_with_marginals) {
  auto p = make_problem(3, 10, 8);
  rng_type rng(8);
  gp model(p.X, p.y, random_hyper(3, rng), 1e-6);
  mat Q = uniform_unit(3, 4, rng);
  vec mu;
  mat cov;
  model.predict_joint(Q, mu, cov);
  for (int j = 0; j < 4; ++j) {
    double m, v;
    model.predict(Q.col(j), m, v);
    BOOST_TEST(mu[j] == m, tt::tolerance(1e-10));
    BOOST_TEST(cov(j, j) == v, tt::tolerance(1e-8));
  }
  BOOST_TEST((cov - cov.transpose()).norm() < 1e-12);
}

BOOST_AUTO_TEST_CASE(singular_covariance_gets_jitter_not_nan) {
  // Two identical points with a vanishing noise: K + noise I is singular in
  // double precision; the jitter ladder must rescue it and report it.
  mat X(1, 3);
  X << 0.2, 0.2, 0.8;
  vec y(3);
  y << 1.0, 1.0, 2.0;
  gp_hyper h{1.0, vec::Constant(1, 0.3), 0.0};
  gp model(X, y, h, 1e-300);
  BOOST_TEST(model.ok());
  BOOST_TEST(model.jitter() > 0.0);
  double m, v;
  model.predict(vec::Constant(1, 0.5), m, v);
  BOOST_TEST(std::isfinite(m));
  BOOST_TEST(std::isfinite(v));
}

BOOST_AUTO_TEST_CASE(invalid_inputs_are_rejected) {
  mat X = mat::Zero(2, 3);
  vec y = vec::Zero(2);
  gp_hyper h{1.0, vec::Constant(2, 0.3), 0.0};
  try {
    gp model(X, y, h, 1e-6);
    BOOST_FAIL("expected throw");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()) == "gp: X has 3 points but y has 2 values");
  }
  vec y3 = vec::Zero(3);
  BOOST_CHECK_THROW(gp(X, y3, h, 0.0), std::invalid_argument);
  y3[1] = std::nan("");
  BOOST_CHECK_THROW(gp(X, y3, h, 1e-6), std::invalid_argument);
  gp_hyper bad{1.0, vec::Constant(3, 0.3), 0.0};
  BOOST_CHECK_THROW(gp(X, vec::Zero(3), bad, 1e-6), std::invalid_argument);
  gp_fit_options o;
  o.lbfgsb.max_iterations = 0;
  BOOST_TEST(o.validate() == "lbfgsb: max_iterations must be >= 1");
}

BOOST_AUTO_TEST_CASE(fit_lowers_the_loss_and_is_reproducible) {
  const auto& f = *find_test_function("hartmann3");
  rng_type rng(4);
  mat X = uniform_unit(3, 30, rng);
  vec y(30);
  for (int i = 0; i < 30; ++i)
    y[i] = f(X.col(i));
  auto d = make_gp_defaults(y, 3);
  gp_hyper h = d.hyper;
  gp_map_loss loss(X, y, d.prior, 1e-7);
  double before = loss.loss(gp_map_loss::pack(h));
  rng_type r1(9);
  auto sum = fit_gp_map(X, y, d.prior, 1e-7, h, gp_fit_options{}, r1);
  BOOST_TEST(sum.final_loss <= sum.start_loss);
  BOOST_TEST(sum.start_loss <= before);
  BOOST_TEST(sum.final_loss < before - 1.0);
  BOOST_TEST(sum.screened == 41u);
  BOOST_CHECK(sum.status != gp_fit_status::cholesky_failed);
  // A second fit from the same state and seed gives the same answer.
  gp_hyper h2 = d.hyper;
  rng_type r2(9);
  auto sum2 = fit_gp_map(X, y, d.prior, 1e-7, h2, gp_fit_options{}, r2);
  BOOST_TEST(sum2.final_loss == sum.final_loss);
  BOOST_TEST((h2.lengthscales - h.lengthscales).norm() == 0.0);
}

BOOST_AUTO_TEST_CASE(a_warm_started_fit_is_as_good_as_a_cold_one) {
  // The refit schedule's fits start from the last hyper-parameters: on the
  // grown data they must reach a loss (negative log marginal likelihood +
  // log prior) within 1e-6 of a fit from the defaults, or better.
  const auto& f = *find_test_function("hartmann3");
  for (std::uint64_t seed : {4u, 5u, 6u}) {
    rng_type rng(seed);
    mat X = uniform_unit(3, 40, rng);
    vec y(40);
    for (int i = 0; i < 40; ++i)
      y[i] = f(X.col(i));
    const auto d = make_gp_defaults(y.head(30), 3);
    // Warm: fitted on the first 30 points, then refitted on all 40.
    gp_hyper warm = d.hyper;
    rng_type r1(seed + 100);
    (void) fit_gp_map(X.leftCols(30), y.head(30), d.prior, 1e-7, warm, gp_fit_options{}, r1);
    auto ws = fit_gp_map(X, y, d.prior, 1e-7, warm, gp_fit_options{}, r1);
    // Cold: from the defaults on all 40.
    gp_hyper cold = d.hyper;
    rng_type r2(seed + 200);
    auto cs = fit_gp_map(X, y, d.prior, 1e-7, cold, gp_fit_options{}, r2);
    BOOST_TEST(ws.final_loss <= cs.final_loss + 1e-6,
               "seed " << seed << ": warm " << ws.final_loss << ", cold " << cs.final_loss);
  }
}

BOOST_AUTO_TEST_CASE(defaults_follow_trieste_build_gpr) {
  vec y(4);
  y << 1.0, 2.0, 3.0, 6.0;
  auto d = make_gp_defaults(y, 2);
  BOOST_TEST(d.hyper.mean == 3.0);
  BOOST_TEST(d.empirical_variance == 3.5, tt::tolerance(1e-15)); // divisor n
  BOOST_TEST(d.hyper.lengthscales[0] == 0.2 * std::sqrt(2.0), tt::tolerance(1e-15));
  BOOST_TEST(d.prior.log_variance_loc == std::log(3.5), tt::tolerance(1e-15));
  // All-equal data: guarded fallback instead of log(0).
  auto flat = make_gp_defaults(vec::Constant(3, 2.0), 1);
  BOOST_TEST(flat.empirical_variance == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gp_incremental)

BOOST_AUTO_TEST_CASE(extending_the_factor_agrees_with_refactorising) {
  asyncbo::rng_type rng(17);
  const std::size_t D = 3;
  asyncbo::gp_hyper h;
  h.variance = 1.7;
  h.lengthscales = asyncbo::vec::Constant(D, 0.3);
  h.lengthscales[1] = 0.8;
  h.mean = 0.2;
  auto f = [](const asyncbo::vec& x) { return std::sin(6 * x[0]) + x[1] * x[2]; };
  asyncbo::mat X = asyncbo::uniform_unit(D, 20, rng);
  asyncbo::vec y(20);
  for (int i = 0; i < 20; ++i)
    y[i] = f(X.col(i));
  asyncbo::gp inc(X, y, h, 1e-6);
  asyncbo::mat Q = asyncbo::uniform_unit(D, 5, rng);
  // A sequence of tells of 1, 2, 3 and 1 points.
  for (int k : {1, 2, 3, 1}) {
    asyncbo::mat Xn = asyncbo::uniform_unit(D, k, rng);
    asyncbo::vec yn(k);
    for (int i = 0; i < k; ++i)
      yn[i] = f(Xn.col(i));
    inc = inc.extended(Xn, yn);
    asyncbo::mat Xall(D, X.cols() + k);
    Xall << X, Xn;
    asyncbo::vec yall(y.size() + k);
    yall << y, yn;
    X = Xall;
    y = yall;
    asyncbo::gp full(X, y, h, 1e-6);
    BOOST_TEST_REQUIRE(inc.ok());
    BOOST_TEST(inc.size() == full.size());
    BOOST_TEST(inc.jitter() == 0.0);
    const double rel_alpha = (inc.alpha() - full.alpha()).norm() / full.alpha().norm();
    BOOST_TEST(rel_alpha < 1e-9, rel_alpha);
    asyncbo::vec mi, mf;
    asyncbo::mat ci, cf;
    inc.predict_joint(Q, mi, ci);
    full.predict_joint(Q, mf, cf);
    BOOST_TEST((mi - mf).norm() / mf.norm() < 1e-9);
    BOOST_TEST((ci - cf).norm() / cf.norm() < 1e-9);
  }
}

BOOST_AUTO_TEST_CASE(a_factor_with_jitter_is_rebuilt_not_extended) {
  // Duplicate points with a tiny noise: the full factorisation needs jitter;
  // extending then falls back to it and agrees exactly.
  asyncbo::gp_hyper h;
  h.variance = 1.0;
  h.lengthscales = asyncbo::vec::Constant(1, 0.5);
  asyncbo::mat X(1, 3);
  X << 0.2, 0.2, 0.2;
  asyncbo::vec y(3);
  y << 1.0, 1.0, 1.0;
  asyncbo::gp g(X, y, h, 1e-300);
  BOOST_TEST(g.jitter() > 0.0);
  asyncbo::mat Xn(1, 1);
  Xn << 0.7;
  asyncbo::vec yn(1);
  yn << 0.0;
  auto e = g.extended(Xn, yn);
  asyncbo::mat Xa(1, 4);
  Xa << 0.2, 0.2, 0.2, 0.7;
  asyncbo::vec ya(4);
  ya << 1.0, 1.0, 1.0, 0.0;
  asyncbo::gp full(Xa, ya, h, 1e-300);
  BOOST_TEST(e.jitter() == full.jitter());
  BOOST_TEST((e.alpha() - full.alpha()).norm() == 0.0);
  BOOST_CHECK_THROW(g.extended(asyncbo::mat(2, 1), yn), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
