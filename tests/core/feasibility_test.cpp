// SPDX-License-Identifier: Apache-2.0
// The success-probability model: a region of failures is learned, random
// failures give a flat rate, gradients match finite differences.
#include <boost/test/unit_test.hpp>

#include "core/feasibility.hpp"
#include "core/space.hpp"
#include "support/finite_diff.hpp"

using namespace asyncbo;

namespace {

/// n Sobol points of the unit square; those with x0 + x1 > 1.3 failed.
feasibility_model region_model(std::size_t n) {
  sobol_sequence seq(2, true, 7);
  mat X = seq.take(n);
  std::vector<bool> ok;
  for (Eigen::Index i = 0; i < X.cols(); ++i)
    ok.push_back(X(0, i) + X(1, i) <= 1.3);
  return feasibility_model(X, ok);
}

vec pt(double a, double b) {
  vec x(2);
  x << a, b;
  return x;
}

} // namespace

BOOST_AUTO_TEST_SUITE(feasibility)

BOOST_AUTO_TEST_CASE(a_region_of_failures_is_learned) {
  auto m = region_model(64);
  BOOST_TEST(!m.flat());
  BOOST_TEST(m.success(pt(0.2, 0.2)) > 0.9);
  BOOST_TEST(m.success(pt(0.4, 0.3)) > 0.9);
  BOOST_TEST(m.success(pt(0.95, 0.9)) < 0.1);
  BOOST_TEST(m.success(pt(0.85, 0.8)) < 0.15);
  // The boundary is where it is: just inside vs just outside.
  BOOST_TEST(m.success(pt(0.55, 0.55)) > m.success(pt(0.75, 0.75)));
}

BOOST_AUTO_TEST_CASE(random_failures_give_a_flat_success_rate) {
  sobol_sequence seq(3, true, 11);
  mat X = seq.take(100);
  rng_type rng(5);
  std::bernoulli_distribution fail(0.2);
  std::vector<bool> ok;
  for (int i = 0; i < 100; ++i)
    ok.push_back(!fail(rng));
  feasibility_model m(X, ok);
  // Far from anything and near the data alike: about the observed rate.
  auto U = uniform_unit(3, 200, rng);
  double lo = 1.0, hi = 0.0;
  for (Eigen::Index i = 0; i < U.cols(); ++i) {
    const double p = m.success(U.col(i));
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  BOOST_TEST(lo > 0.6);
  BOOST_TEST(hi < 0.95);
  BOOST_TEST(hi - lo < 0.2);
  BOOST_TEST(m.flat());
}

BOOST_AUTO_TEST_CASE(without_failures_success_is_near_certain_everywhere) {
  sobol_sequence seq(2, true, 3);
  mat X = seq.take(20);
  feasibility_model m(X, std::vector<bool>(20, true));
  BOOST_TEST(m.success(pt(0.5, 0.5)) > 0.85);
  BOOST_TEST(m.success(pt(0.0, 1.0)) > 0.85);
}

BOOST_AUTO_TEST_CASE(the_gradient_of_log_success_matches_finite_differences) {
  auto m = region_model(40);
  BOOST_REQUIRE(!m.flat());
  rng_type rng(2);
  auto U = uniform_unit(2, 30, rng);
  for (Eigen::Index i = 0; i < U.cols(); ++i) {
    vec x = U.col(i);
    vec g;
    m.log_success(x, &g);
    vec fd = test::fd_gradient([&](const vec& z) { return m.log_success(z); }, x, 1e-6);
    BOOST_TEST(test::grad_error(g, fd, 1e-6) < 1e-4, "at point " << i);
  }
}

BOOST_AUTO_TEST_CASE(bad_inputs_are_rejected_with_the_rule) {
  BOOST_CHECK_THROW(feasibility_model(mat(2, 0), {}), std::invalid_argument);
  BOOST_CHECK_THROW(feasibility_model(mat::Zero(2, 3), {true, false}),
                    std::invalid_argument);
  feasibility_options o;
  o.variances.clear();
  BOOST_TEST(o.validate() == "feasibility: the hyper-parameter grid must not be empty");
}

BOOST_AUTO_TEST_SUITE_END()
