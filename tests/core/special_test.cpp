// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "core/special.hpp"

using namespace asyncbo::special;

BOOST_AUTO_TEST_SUITE(special_functions)

BOOST_AUTO_TEST_CASE(norm_quantile_inverts_norm_cdf) {
  for (double p : {1e-300, 1e-100, 1e-20, 1e-8, 0.001, 0.02425, 0.1, 0.3, 0.5,
                   0.7, 0.9, 0.97575, 0.999, 1 - 1e-8, 1 - 1e-12}) {
    double x = norm_quantile(p);
    double back = p < 0.5 ? norm_cdf(x) : 1.0 - norm_cdf(-x);
    BOOST_TEST(std::abs(back - p) <= 1e-13 * std::min(p, 1 - p) + 1e-300,
               "p = " << p << " x = " << x << " back = " << back);
  }
  BOOST_TEST(norm_quantile(0.5) == 0.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(norm_quantile(0.975) == 1.959963984540054,
             boost::test_tools::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(norm_quantile_rejects_outside_open_interval) {
  BOOST_CHECK_THROW(norm_quantile(0.0), std::domain_error);
  BOOST_CHECK_THROW(norm_quantile(1.0), std::domain_error);
  BOOST_CHECK_THROW(norm_quantile(std::nan("")), std::domain_error);
}

BOOST_AUTO_TEST_CASE(log_ei_h_matches_direct_formula_and_stays_finite) {
  for (double z = -8.0; z <= 5.0; z += 0.25) {
    double direct = std::log(ei_h(z));
    BOOST_TEST(log_ei_h(z) == direct, boost::test_tools::tolerance(1e-9));
  }
  // Deep in the tail h underflows but log h stays finite and monotone, and
  // follows the asymptote log h(z) ~ log phi(z) - 2 log|z|.
  double prev = log_ei_h(-40.0);
  for (double z = -41.0; z >= -1000.0; z -= 37.0) {
    double v = log_ei_h(z);
    BOOST_TEST(std::isfinite(v));
    BOOST_TEST(v < prev);
    double asym = -0.5 * z * z - log_sqrt2pi - 2.0 * std::log(-z);
    BOOST_TEST(std::abs(v - asym) < 4.0 / (z * z));
    prev = v;
  }
  // Both sides of the z = -1 and t = 10 branch points agree.
  BOOST_TEST(log_ei_h(-1.0 - 1e-12) == log_ei_h(-1.0 + 1e-12),
             boost::test_tools::tolerance(1e-9));
  BOOST_TEST(log_ei_h(-10.0 - 1e-12) == log_ei_h(-10.0 + 1e-12),
             boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(derivatives_match_finite_differences) {
  auto check = [](auto f, auto df, double z) {
    double h = 1e-6 * std::max(1.0, std::abs(z));
    double fd = (f(z + h) - f(z - h)) / (2 * h);
    BOOST_TEST(df(z) == fd, boost::test_tools::tolerance(1e-6));
  };
  for (double z : {-60.0, -20.0, -10.5, -9.5, -3.0, -1.001, -0.999, 0.0, 2.0, 7.0}) {
    check(log_ei_h, d_log_ei_h, z);
    check(log_norm_cdf, d_log_norm_cdf, z);
  }
  for (double u : {-50.0, -30.0, -2.0, 0.0, 3.0, 30.0, 50.0})
    check(log_softplus, d_log_softplus, u);
}

BOOST_AUTO_TEST_CASE(log_norm_cdf_is_finite_in_the_far_tail) {
  BOOST_TEST(log_norm_cdf(-5.0) == std::log(norm_cdf(-5.0)),
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(log_norm_cdf(-30.0) == std::log(norm_cdf(-30.0)),
             boost::test_tools::tolerance(1e-10));
  BOOST_TEST(std::isfinite(log_norm_cdf(-1e4)));
  BOOST_TEST(log_norm_cdf(10.0) <= 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
