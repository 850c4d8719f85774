// SPDX-License-Identifier: Apache-2.0
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "core/warp.hpp"

using namespace asyncbo;
namespace bdata = boost::unit_test::data;
namespace tt = boost::test_tools;

namespace {

/// n values: mostly shallow, a few deep (the shape of a multi-modal
/// minimisation's data), or the mirror image (a few huge losses).
vec skewed(std::size_t n, bool deep_low, std::uint64_t seed) {
  rng_type rng(seed);
  std::exponential_distribution<double> e(1.0);
  vec y(static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < y.size(); ++i)
    y[i] = std::pow(e(rng), 2.0) * (deep_low ? -1.0 : 1.0);
  return y;
}

} // namespace

BOOST_AUTO_TEST_SUITE(output_warping)

BOOST_AUTO_TEST_CASE(the_default_and_standardise_are_exact) {
  const vec y = skewed(40, true, 1);
  const output_warp id;
  for (Eigen::Index i = 0; i < y.size(); ++i)
    BOOST_TEST(id.forward(y[i]) == y[i]);   // bit for bit, not (1 + u) - 1
  const auto s = output_warp::standardise(y);
  const vec z = s.forward(y);
  BOOST_TEST(z.mean() == 0.0, tt::tolerance(1e-12));
  BOOST_TEST((z.array() - z.mean()).square().mean() == 1.0, tt::tolerance(1e-12));
}

BOOST_DATA_TEST_CASE(fitted_transforms_round_trip_and_standardise,
                     bdata::make({true, false}) * bdata::make({1u, 2u, 3u}), deep_low, seed) {
  const vec y = skewed(60, deep_low, seed);
  const auto w = output_warp::fit(y);
  const vec z = w.forward(y);
  BOOST_TEST(z.mean() == 0.0, tt::tolerance(1e-10));
  BOOST_TEST((z.array() - z.mean()).square().mean() == 1.0, tt::tolerance(1e-10));
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    BOOST_TEST(w.inverse(z[i]) == y[i], tt::tolerance(1e-9));
    if (i > 0 && y[i] != y[i - 1])
      BOOST_TEST(((z[i] > z[i - 1]) == (y[i] > y[i - 1])));   // increasing
  }
}

BOOST_DATA_TEST_CASE(the_tail_that_gets_compressed_is_the_long_one,
                     bdata::make({1u, 2u, 3u}), seed) {
  // A few deep minima among shallow values: lambda > 1 (the low tail is
  // compressed); a few huge losses: lambda < 1.
  BOOST_TEST(output_warp::fit(skewed(80, true, seed)).lambda() > 1.2);
  BOOST_TEST(output_warp::fit(skewed(80, false, seed)).lambda() < 0.8);
}

BOOST_DATA_TEST_CASE(the_fitted_lambda_maximises_the_likelihood,
                     bdata::make({true, false}) * bdata::make({4u, 5u}), deep_low, seed) {
  const vec y = skewed(50, deep_low, seed);
  const auto w = output_warp::fit(y);
  const double best = output_warp::log_likelihood(y, w.lambda());
  for (double l = 0.0; l <= 2.0; l += 0.05)
    BOOST_TEST(output_warp::log_likelihood(y, l) <= best + 1e-9, "lambda " << l);
}

BOOST_DATA_TEST_CASE(the_derivative_matches_finite_differences,
                     bdata::make({true, false}) * bdata::make({6u, 7u}), deep_low, seed) {
  const vec y = skewed(50, deep_low, seed);
  const auto w = output_warp::fit(y);
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double v = y[i];
    const double h = 1e-6 * std::max(1.0, std::abs(v));
    const double fd = (w.forward(v + h) - w.forward(v - h)) / (2 * h);
    BOOST_TEST(w.derivative(v) == fd, tt::tolerance(1e-6));
  }
}

BOOST_AUTO_TEST_CASE(bad_input_is_rejected_and_constant_data_is_the_identity) {
  BOOST_CHECK_THROW(output_warp::fit(vec()), std::invalid_argument);
  vec bad = vec::Ones(3);
  bad[1] = std::nan("");
  BOOST_CHECK_THROW(output_warp::fit(bad), std::invalid_argument);
  BOOST_CHECK_THROW(output_warp::fit(vec::Ones(3), 2.0, 1.0), std::invalid_argument);
  const auto w = output_warp::fit(vec::Constant(5, 3.0));
  BOOST_TEST(w.lambda() == 1.0);
  BOOST_TEST(std::isfinite(w.forward(3.0)));
}

BOOST_AUTO_TEST_SUITE_END()
