// SPDX-License-Identifier: Apache-2.0
// core/vmath against the scalar functions, and the kernel's array forms (the
// vectorised exponentials) against its scalar forms.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "core/gp_fit.hpp"
#include "core/kernel.hpp"
#include "core/space.hpp"
#include "core/vmath.hpp"

using namespace asyncbo;

namespace {

/// Largest error in units of the last place of the scalar result.
double max_ulps(const std::vector<double>& got, const std::vector<double>& want) {
  double worst = 0.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double ulp = std::nextafter(std::abs(want[i]), std::numeric_limits<double>::infinity())
                       - std::abs(want[i]);
    const double tiny = std::numeric_limits<double>::denorm_min();
    worst = std::max(worst, std::abs(got[i] - want[i]) / std::max(ulp, tiny));
  }
  return worst;
}

void check(void (*f)(const double*, double*, std::size_t), double (*ref)(double), double lo,
           double hi, const char* name) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(lo, hi);
  // Lengths around every vector width (2, 4, 8 lanes) exercise the tails.
  for (std::size_t n : {0u, 1u, 2u, 3u, 5u, 7u, 8u, 9u, 15u, 17u, 1000u}) {
    std::vector<double> x(n), y(n), want(n);
    for (auto& v : x)
      v = u(rng);
    for (std::size_t i = 0; i < n; ++i)
      want[i] = ref(x[i]);
    f(x.data(), y.data(), n);
    BOOST_TEST(max_ulps(y, want) <= 4.0, name << " n=" << n);
    f(x.data(), x.data(), n); // in place
    BOOST_TEST(max_ulps(x, want) <= 4.0, name << " in place n=" << n);
  }
}

double sexp(double x) { return std::exp(x); }
double slog(double x) { return std::log(x); }
double scos(double x) { return std::cos(x); }
double ssin(double x) { return std::sin(x); }

} // namespace

BOOST_AUTO_TEST_SUITE(vector_math)

BOOST_AUTO_TEST_CASE(each_function_is_within_4_ulp_of_the_scalar_one) {
  check(vmath::exp, sexp, -700.0, 700.0, "exp");
  check(vmath::exp, sexp, -20.0, 0.0, "exp (the kernel's range)");
  check(vmath::log, slog, 1e-300, 1e300, "log");
  check(vmath::log, slog, 35.0, 1e9, "log (q-EI's improving samples)");
  check(vmath::cos, scos, -200.0, 200.0, "cos");
  check(vmath::sin, ssin, -200.0, 200.0, "sin");
}

BOOST_AUTO_TEST_CASE(exp_underflows_to_zero_and_overflows_to_infinity) {
  std::vector<double> x = {-800.0, -746.0, -708.0, 0.0, 709.0, 710.0}, y(x.size());
  vmath::exp(x.data(), y.data(), x.size());
  BOOST_TEST(y[0] == 0.0);
  BOOST_TEST(y[1] == 0.0);
  BOOST_TEST(y[2] > 0.0);
  BOOST_TEST(y[3] == 1.0);
  BOOST_TEST(std::isfinite(y[4]));
  BOOST_TEST(std::isinf(y[5]));
}

BOOST_AUTO_TEST_CASE(special_values_come_out_as_the_scalar_functions_give_them) {
  // The translation unit is built with -ffast-math: check that a bad input
  // upstream still shows as inf or NaN instead of an arbitrary number.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x = {-inf, inf, nan, 0.0, -0.0, 1e-320}, y(x.size());
  vmath::exp(x.data(), y.data(), x.size());
  BOOST_TEST(y[0] == 0.0);
  BOOST_TEST(std::isinf(y[1]));
  BOOST_TEST(std::isnan(y[2]));
  BOOST_TEST(y[3] == 1.0);
  BOOST_TEST(y[4] == 1.0);
  std::vector<double> l = {0.0, -1.0, inf, nan, 1e-320, 1.0};
  vmath::log(l.data(), y.data(), l.size());
  BOOST_TEST((std::isinf(y[0]) && y[0] < 0.0));
  BOOST_TEST(std::isnan(y[1]));
  BOOST_TEST(std::isinf(y[2]));
  BOOST_TEST(std::isnan(y[3]));
  BOOST_TEST(y[4] == std::log(1e-320), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(y[5] == 0.0);
  std::vector<double> c = {inf, nan, 1e300};
  vmath::cos(c.data(), y.data(), c.size());
  BOOST_TEST(std::isnan(y[0]));
  BOOST_TEST(std::isnan(y[1]));
  BOOST_TEST(y[2] == std::cos(1e300), boost::test_tools::tolerance(1e-12));
  vmath::sin(c.data(), y.data(), c.size());
  BOOST_TEST(std::isnan(y[0]));
  BOOST_TEST(std::isnan(y[1]));
  BOOST_TEST(y[2] == std::sin(1e300), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(the_kernels_array_forms_agree_with_its_scalar_forms) {
  rng_type rng(3);
  matern52 k;
  k.variance = 1.7;
  k.lengthscales = (vec(4) << 0.3, 1.1, 0.05, 2.0).finished();
  const mat X = uniform_unit(4, 37, rng);
  const mat Q = uniform_unit(4, 5, rng);
  const vec x = Q.col(0);
  // from_r and g_of_r over r = 0 ... 30 (the kernel is ~0 beyond).
  std::vector<double> r(301), kv(301), gv(301);
  for (std::size_t i = 0; i < r.size(); ++i)
    r[i] = 0.1 * double(i);
  k.from_r(r.data(), kv.data(), r.size());
  k.g_of_r(r.data(), gv.data(), r.size());
  for (std::size_t i = 0; i < r.size(); ++i) {
    BOOST_TEST(kv[i] == k.from_r(r[i]), boost::test_tools::tolerance(1e-14));
    BOOST_TEST(gv[i] == k.g_of_r(r[i]), boost::test_tools::tolerance(1e-14));
  }
  // row, cross and gram against the scalar kernel. Their distances are
  // rounded differently (pre-scaled points), and exp(-sqrt(5) r) turns an
  // absolute error e in r into a relative error sqrt(5) r e: 1e-13 at r ~ 30.
  vec row;
  k.row(x, X, row);
  const mat C = k.cross(X, Q);
  const mat G = k.gram(X);
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    BOOST_TEST(row[i] == k(x, X.col(i)), boost::test_tools::tolerance(1e-13));
    for (Eigen::Index j = 0; j < Q.cols(); ++j)
      BOOST_TEST(C(i, j) == k(X.col(i), Q.col(j)), boost::test_tools::tolerance(1e-13));
    for (Eigen::Index j = 0; j < X.cols(); ++j)
      BOOST_TEST(G(i, j) == k(X.col(i), X.col(j)), boost::test_tools::tolerance(1e-13));
  }
  BOOST_TEST((G - G.transpose()).cwiseAbs().maxCoeff() == 0.0);
  // add_weighted_grad against add_grad, one point at a time (zeros skipped).
  vec u = vec::Random(X.cols());
  u[3] = 0.0;
  vec want = vec::Zero(4), got = vec::Zero(4);
  const vec inv_l2 = k.inv_sq_lengthscales();
  for (Eigen::Index i = 0; i < X.cols(); ++i)
    k.add_grad(x, X.col(i), u[i], inv_l2, want);
  k.add_weighted_grad(x, X, u, got);
  BOOST_TEST((got - want).norm() <= 1e-13 * want.norm(), got.transpose() << " vs "
                                                             << want.transpose());
}

BOOST_AUTO_TEST_CASE(a_reused_map_loss_gives_what_a_fresh_one_gives) {
  // gp_map_loss keeps its n x n buffers between evaluations.
  rng_type rng(5);
  const mat X = uniform_unit(3, 25, rng);
  vec y(25);
  for (Eigen::Index i = 0; i < 25; ++i)
    y[i] = std::sin(4.0 * X(0, i)) + X(1, i) * X(2, i);
  auto d = make_gp_defaults(y, 3);
  gp_map_loss reused(X, y, d.prior, 1e-4);
  gp_hyper a = d.hyper, b = d.hyper;
  b.lengthscales *= 0.4;
  b.variance *= 3.0;
  vec ga, gb, g_again, g_fresh;
  const double la = reused(gp_map_loss::pack(a), ga);
  reused(gp_map_loss::pack(b), gb);
  const double la_again = reused(gp_map_loss::pack(a), g_again);
  gp_map_loss fresh(X, y, d.prior, 1e-4);
  const double la_fresh = fresh(gp_map_loss::pack(a), g_fresh);
  BOOST_TEST(la_again == la);
  BOOST_TEST(la_fresh == la);
  BOOST_TEST((g_again - ga).norm() == 0.0);
  BOOST_TEST((g_fresh - ga).norm() == 0.0);
  BOOST_TEST((gb - ga).norm() > 0.0);
  BOOST_TEST(reused.loss(gp_map_loss::pack(a)) == la);
}

BOOST_AUTO_TEST_SUITE_END()
