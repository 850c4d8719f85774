// SPDX-License-Identifier: Apache-2.0
// The virtual-clock simulation: what every regret figure in BENCHMARKS.md
// comes from.
#include <boost/test/unit_test.hpp>

#include <map>

#include "core/simulate.hpp"

using namespace asyncbo;

namespace {

engine_options fast_options(rule_kind rule) {
  engine_options o;
  o.rule = rule;
  o.likelihood_variance = 1e-7;
  o.qei.samples = 128;
  o.optimizer.screening_points = 200;
  o.around_best = 20;
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(virtual_clock_simulation)

BOOST_AUTO_TEST_CASE(every_point_finishes_once_in_time_order) {
  const auto& f = *find_test_function("scaled-branin");
  engine e(f.space(), fast_options(rule_kind::random), 3);
  delay_model d;
  d.type = delay_model::kind::linear_sum;
  simulation_options o{4, 2, 3, 20};
  auto evals = simulate(e, [&](const vec& x, point_id) { return f(x); }, d, o);
  BOOST_TEST(evals.size() == 23u);
  std::map<point_id, int> seen;
  for (std::size_t i = 0; i < evals.size(); ++i) {
    ++seen[evals[i].id];
    if (i > 0)
      BOOST_TEST(evals[i].end >= evals[i - 1].end);
    // Each evaluation takes its delay: 3 sum(unit x) seconds.
    if (!evals[i].initial)
      BOOST_TEST(evals[i].end - evals[i].start
                   == 3.0 * f.space().to_unit(evals[i].x).sum(),
                 boost::test_tools::tolerance(1e-9));
  }
  BOOST_TEST(seen.size() == 23u);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(evals[i].initial);
    BOOST_TEST(evals[i].end == 0.0);
  }
  BOOST_TEST(e.pending().empty());
  BOOST_TEST(e.num_data() == 23u);
}

BOOST_AUTO_TEST_CASE(k_of_n_keeps_at_most_n_running_and_asks_after_batch_size) {
  const auto& f = *find_test_function("scaled-branin");
  engine e(f.space(), fast_options(rule_kind::random), 5);
  delay_model d;
  d.type = delay_model::kind::linear_sum;
  auto evals = simulate(e, [&](const vec& x, point_id) { return f(x); }, d, {3, 2, 0, 15});
  // At any moment at most 3 evaluations run.
  for (auto& a : evals) {
    int overlapping = 0;
    for (auto& b : evals)
      overlapping += b.start <= a.start && a.start < b.end ? 1 : 0;
    BOOST_TEST(overlapping <= 3);
  }
  // New points start only when a result arrives (the first three at t = 0).
  for (auto& a : evals) {
    bool at_result = a.start == 0.0;
    for (auto& b : evals)
      at_result = at_result || b.end == a.start;
    BOOST_TEST(at_result);
  }
}

BOOST_AUTO_TEST_CASE(failures_become_failure_data_and_still_count) {
  const auto& f = *find_test_function("cliff3");
  engine e(f.space(), fast_options(rule_kind::async_joint), 4);
  delay_model d;
  auto evals = simulate(e, [&](const vec& x, point_id) { return f(x); }, d, {2, 1, 4, 12});
  BOOST_TEST(evals.size() == 16u);
  std::size_t failed = 0;
  for (auto& ev : evals)
    failed += ev.ok() ? 0 : 1;
  BOOST_TEST(e.num_failures() == failed);
  BOOST_TEST(e.num_data() == 16u - failed);
  BOOST_TEST(e.pending().empty());
}

BOOST_AUTO_TEST_CASE(runs_are_deterministic_for_a_seed) {
  const auto& f = *find_test_function("scaled-branin");
  delay_model d;
  d.type = delay_model::kind::linear_sum;
  auto run = [&](std::uint64_t seed) {
    engine e(f.space(), fast_options(rule_kind::async_joint), seed);
    return simulate(e, [&](const vec& x, point_id) { return f(x); }, d, {4, 2, 3, 8});
  };
  auto a = run(1), b = run(1), c = run(2);
  BOOST_REQUIRE(a.size() == b.size());
  bool differs = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    BOOST_TEST(a[i].id == b[i].id);
    BOOST_TEST(a[i].y == b[i].y);
    differs = differs || a[i].y != c[i].y;
  }
  BOOST_TEST(differs);
}

BOOST_AUTO_TEST_SUITE_END()
