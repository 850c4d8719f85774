// SPDX-License-Identifier: Apache-2.0
// The SVG plotter.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "io/plot.hpp"

using namespace asyncbo::io;

namespace {

evaluation_record rec(std::uint64_t id, double v) {
  evaluation_record r;
  r.id = id;
  r.x = {0.1 * double(id), 1.0 / 3.0};
  r.value = v;
  r.end_time = double(id);
  r.start_time = double(id) - 0.5;
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(plot_svg)

BOOST_AUTO_TEST_CASE(ticks_are_round_values_in_1_2_5_steps) {
  auto near = [](std::vector<double> got, std::vector<double> want) {
    if (got.size() != want.size())
      return false;
    for (std::size_t i = 0; i < got.size(); ++i)
      if (std::abs(got[i] - want[i]) > 1e-12)
        return false;
    return true;
  };
  // The examples: 0..0.366 s and 0..33 evaluations.
  BOOST_TEST(near(nice_ticks(0, 0.366), {0, 0.1, 0.2, 0.3}));
  BOOST_TEST(near(nice_ticks(0, 33, 6, 1.0), {0, 10, 20, 30}));
  BOOST_TEST(near(nice_ticks(0, 3, 6, 1.0), {0, 1, 2, 3}));        // counts never step 0.5
  BOOST_TEST(near(nice_ticks(-5, 10), {-5, 0, 5, 10}));
  BOOST_TEST(near(nice_ticks(0.0913, 0.274), {0.1, 0.15, 0.2, 0.25}));
  BOOST_TEST(near(nice_ticks(-9, 2, 8, 1.0), {-8, -6, -4, -2, 0, 2}));   // decades
  BOOST_TEST(near(nice_ticks(1234, 1240), {1234, 1236, 1238, 1240}));   // seven at step 1
  BOOST_TEST(near(nice_ticks(2, 2), {2}));
  BOOST_TEST(nice_ticks(1, 0).empty());
  // Any range: at most max_ticks, inside it, one step of 1, 2 or 5 x 10^k apart.
  for (double lo : {-3.7e5, -1.0, 0.0, 1e-7, 42.0})
    for (double span : {1e-6, 0.37, 1.0, 77.0, 9.9e4}) {
      const auto t = nice_ticks(lo, lo + span);
      BOOST_TEST_REQUIRE(!t.empty());
      BOOST_TEST(t.size() <= 6u);
      BOOST_TEST(t.front() >= lo - 1e-9 * span);
      BOOST_TEST(t.back() <= lo + span + 1e-9 * span);
      if (t.size() > 1) {
        const double step = t[1] - t[0];
        const double mant = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
        BOOST_TEST((std::abs(mant - 1) < 1e-3 || std::abs(mant - 2) < 1e-3
                    || std::abs(mant - 5) < 1e-3), lo << " " << span << " step " << step);
      }
    }
}

BOOST_AUTO_TEST_CASE(plot_is_an_svg_with_the_panels) {
  std::vector<evaluation_record> recs = {rec(0, 2.0), rec(1, 1.0), rec(2, 0.5)};
  recs[0].initial = true;
  auto svg = make_plot_svg(recs, {"x0", "x1"}, asyncbo::find_test_function("scaled-branin"),
                           known_answer_of("scaled-branin", std::nullopt), "t");
  BOOST_TEST(svg.rfind("<svg", 0) == 0u);
  BOOST_TEST(svg.find("evaluations") != std::string::npos);
  BOOST_TEST(svg.find("wall time (s)") != std::string::npos);
  BOOST_TEST(svg.find("<path fill=\"none\"") != std::string::npos); // contours
  auto svg5 = make_plot_svg(recs, {"a", "b", "c", "d", "e"}, nullptr, known_answer{}, "t");
  BOOST_TEST(svg5.find("best value") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_points_are_crosses_and_lost_ones_are_not_drawn) {
  std::vector<evaluation_record> recs = {rec(0, 2.0), rec(1, 1.0), rec(2, 0.5)};
  recs[1].status = asyncbo::attempt_status::error;
  recs[2].status = asyncbo::attempt_status::lost;
  auto svg = make_plot_svg(recs, {"x0", "x1"}, nullptr, known_answer{}, "t");
  BOOST_TEST(svg.find("stroke=\"#d62728\" stroke-width=\"1.5\"") != std::string::npos);
  // one asked point drawn as a circle (id 0), the best marker, the legend
  std::size_t circles = 0;
  for (auto p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1))
    ++circles;
  BOOST_TEST(circles == 4u);
}

BOOST_AUTO_TEST_CASE(the_result_is_written_with_choices_and_categorical_2d_has_no_scatter) {
  std::vector<evaluation_record> recs = {rec(0, 2.0), rec(1, 1.0), rec(2, 0.5)};
  for (auto& r : recs)
    r.x = {0.25, double(r.id % 2)};
  const point_choices choices = {{}, {"adam", "sgd"}};
  auto svg = make_plot_svg(recs, {"lr", "opt"}, nullptr, known_answer{}, "t", {0.25, 1.0},
                           choices);
  BOOST_TEST(svg.find("best 0.5 at lr=0.25, opt=adam; recommended at lr=0.25, opt=sgd")
               != std::string::npos,
             svg.substr(svg.size() - 400));
  // No scatter panel: two panels, no axis labelled with the parameter names.
  BOOST_TEST(svg.find(">opt<") == std::string::npos);
  auto numeric = make_plot_svg(recs, {"lr", "n"}, nullptr, known_answer{}, "t");
  BOOST_TEST(numeric.find(">n<") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
