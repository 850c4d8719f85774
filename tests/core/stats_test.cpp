// SPDX-License-Identifier: Apache-2.0
// The one quantile definition (core/stats.hpp): type 7, with infinities kept.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "core/stats.hpp"

using asyncbo::median;
using asyncbo::quantile;

BOOST_AUTO_TEST_SUITE(stats_suite)

BOOST_AUTO_TEST_CASE(quantiles_are_type_7) {
  BOOST_TEST(quantile({4, 1, 3, 2}, 0.5) == 2.5);
  BOOST_TEST(quantile({4, 1, 3, 2}, 0.25) == 1.75);
  BOOST_TEST(quantile({4, 1, 3, 2}, 0.75) == 3.25);
  BOOST_TEST(quantile({4, 1, 3, 2}, 0.0) == 1.0);
  BOOST_TEST(quantile({4, 1, 3, 2}, 1.0) == 4.0);
  BOOST_TEST(quantile({4, 1, 3, 2}, 7.0) == 4.0); // p is clamped
  BOOST_TEST(quantile({7}, 0.25) == 7.0);
  BOOST_TEST(std::isnan(quantile({}, 0.5)));
}

BOOST_AUTO_TEST_CASE(an_even_median_is_the_mean_of_the_middle_two) {
  // The dispatcher's median evaluation time once took the upper middle value.
  BOOST_TEST(median({1, 2, 3, 10}) == 2.5);
  BOOST_TEST(median({5, 1, 3}) == 3.0);
}

BOOST_AUTO_TEST_CASE(infinite_order_statistics_are_not_interpolated) {
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(quantile({1, inf, inf}, 0.5) == inf); // not reached by most runs
  BOOST_TEST(quantile({1, 2, inf}, 0.5) == 2.0);
  BOOST_TEST(quantile({1, 2, inf}, 0.75) == inf);
  BOOST_TEST(quantile({-inf, 1, 2}, 0.25) == -inf);
}

BOOST_AUTO_TEST_SUITE_END()
