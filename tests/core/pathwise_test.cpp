// SPDX-License-Identifier: Apache-2.0
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "core/acq_optimizer.hpp"
#include "core/pathwise.hpp"
#include "support/finite_diff.hpp"
#include "support/models.hpp"

using namespace asyncbo;
using asyncbo::test::fd_gradient;
using asyncbo::test::fitted_gp;
using asyncbo::test::grad_error;
namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(pathwise_draws)

BOOST_DATA_TEST_CASE(posterior_sample_gradient_matches_finite_differences,
                     bdata::make({1u, 2u, 3u}), seed) {
  gp model = fitted_gp(seed % 2 ? "scaled-branin" : "hartmann3", 14, seed, 1e-4);
  rng_type rng(seed + 200);
  posterior_sample path(model, 256, seed + 7);
  for (int rep = 0; rep < 10; ++rep) {
    vec x = uniform_unit(model.dim(), 1, rng).col(0);
    vec g;
    const double v = path.log_value(x, &g);
    BOOST_TEST(v == -path.value(x, nullptr));
    vec fd = fd_gradient([&](const vec& z) { return path.log_value(z, nullptr); }, x);
    BOOST_TEST(grad_error(g, fd, 1e-4) < 1e-5, "g " << g.transpose() << " fd " << fd.transpose());
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
  BOOST_CHECK_THROW(posterior_sample(model, 0, 1), std::invalid_argument);
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

BOOST_AUTO_TEST_SUITE_END()

