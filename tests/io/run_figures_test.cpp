// SPDX-License-Identifier: Apache-2.0
// The figures of a run, defined once (io/run_figures.hpp).
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/objectives.hpp"
#include "io/run_figures.hpp"

using namespace asyncbo;
using namespace asyncbo::io;

namespace {

evaluation_record rec(std::uint64_t id, std::vector<double> x, double value, double end,
                      attempt_status st = attempt_status::ok, bool final = true) {
  evaluation_record r;
  r.id = id;
  r.x = std::move(x);
  r.value = value;
  r.status = st;
  r.end_time = end;
  r.final = final;
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(run_figures_suite)

BOOST_AUTO_TEST_CASE(a_built_in_brings_its_function_and_minimum) {
  const auto a = known_answer_of("scaled-branin", std::nullopt);
  const test_function* f = find_test_function("scaled-branin");
  BOOST_TEST_REQUIRE(f != nullptr);
  BOOST_TEST_REQUIRE(a.minimum.has_value());
  BOOST_TEST(*a.minimum == f->minimum);
  BOOST_TEST_REQUIRE(bool(a.truth));
  const std::vector<double> x{0.3, 0.7};
  // The regret is the noise-free value's, whatever was observed.
  BOOST_TEST(a.regret(x, -100.0) == a.truth(x) - f->minimum);
  BOOST_TEST(a.regret(x, -100.0) >= 0.0);
}

BOOST_AUTO_TEST_CASE(an_unknown_function_with_a_given_minimum_uses_the_observed_value) {
  const auto a = known_answer_of("command", std::optional<double>(0.5));
  BOOST_TEST(!a.truth);
  BOOST_TEST(a.regret({0.1}, 0.75) == 0.25);
  const auto none = known_answer_of("command", std::nullopt);
  BOOST_TEST(std::isnan(none.regret({0.1}, 0.75)));
}

BOOST_AUTO_TEST_CASE(the_recorded_config_names_the_objective) {
  const auto cfg = nlohmann::json::parse(R"({"experiment": {"objective": "scaled-branin"}})");
  BOOST_TEST(bool(recorded_answer(cfg).truth));
  BOOST_TEST(*recorded_answer(cfg, 2.0).minimum == 2.0); // summary.json's minimum wins
  BOOST_TEST(!recorded_answer(nlohmann::json::object()).minimum);
}

BOOST_AUTO_TEST_CASE(the_curve_follows_completion_order_and_scores_the_best_observed_point) {
  // Truth: x[0]; minimum 0. Observed values carry "noise": the best observed
  // point (value 0.1 at x = 0.5) is scored by its truth, 0.5.
  known_answer a;
  a.minimum = 0.0;
  a.truth = [](const std::vector<double>& x) { return x[0]; };
  std::vector<evaluation_record> recs{
      rec(0, {0.9}, 0.8, 3.0),
      rec(1, {0.5}, 0.1, 1.0),
      rec(2, {0.2}, 0.0, 2.0, attempt_status::error, false), // retried: not final
      rec(2, {0.2}, 0.3, 4.0),
      rec(3, {0.0}, 0.0, 5.0, attempt_status::error),        // failed for good
  };
  const auto steps = best_so_far(recs, a);
  BOOST_TEST_REQUIRE(steps.size() == 4u);
  // End time 1: id 1.
  BOOST_TEST(steps[0].points == 1u);
  BOOST_TEST(steps[0].best_value == 0.1);
  BOOST_TEST(steps[0].best_regret == 0.5);
  // End time 3: id 0, worse; the best stays.
  BOOST_TEST(steps[1].time == 3.0);
  BOOST_TEST(steps[1].best_regret == 0.5);
  // End time 4: id 2 observed 0.3 > 0.1: the best observed point stays even
  // though its truth (0.2) is better; the figure is of the best *observed*.
  BOOST_TEST(steps[2].best_value == 0.1);
  BOOST_TEST(steps[2].best_regret == 0.5);
  // A failure counts as a finished point but not as ok.
  BOOST_TEST(steps[3].points == 4u);
  BOOST_TEST(steps[3].ok == 3u);
  BOOST_TEST(steps[3].best_x == std::vector<double>{0.5});
}

BOOST_AUTO_TEST_CASE(before_any_ok_point_the_best_is_infinite_and_the_regret_nan) {
  known_answer a;
  a.minimum = 0.0;
  const auto steps = best_so_far({rec(0, {0.1}, 0.0, 1.0, attempt_status::error)}, a);
  BOOST_TEST_REQUIRE(steps.size() == 1u);
  BOOST_TEST(std::isinf(steps[0].best_value));
  BOOST_TEST(std::isnan(steps[0].best_regret));
}

BOOST_AUTO_TEST_SUITE_END()
