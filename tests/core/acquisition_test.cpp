// SPDX-License-Identifier: Apache-2.0
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <set>

#include "core/acq_optimizer.hpp"
#include "core/acquisition.hpp"
#include "core/qei.hpp"
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
