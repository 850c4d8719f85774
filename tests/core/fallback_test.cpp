// SPDX-License-Identifier: Apache-2.0
// Fallback draws (core/fallback): where they land, their ids beside the
// engine's, reproducibility, categorical choices, and the options.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "core/engine.hpp"
#include "core/fallback.hpp"
#include "core/objectives.hpp"

using namespace asyncbo;

namespace {

/// A noise-free 1-D GP of (x - 0.3)^2 on n evenly spread points.
std::shared_ptr<fallback_source> quadratic_source(std::size_t n, std::uint64_t seed) {
  mat X(1, static_cast<Eigen::Index>(n));
  vec y(static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < X.cols(); ++i) {
    X(0, i) = (double(i) + 0.5) / double(n);
    y[i] = (X(0, i) - 0.3) * (X(0, i) - 0.3);
  }
  gp_hyper h;
  h.variance = 0.1;
  h.lengthscales = vec::Constant(1, 0.3);
  h.mean = y.mean();
  auto src = std::make_shared<fallback_source>(search_space({{"x", 0.0, 1.0}}));
  src->model = std::make_shared<const gp>(X, y, h, 1e-8);
  src->seed = seed;
  src->ids = std::make_shared<id_source>();
  src->options.candidates = 256;
  src->options.features = 512;
  return src;
}

} // namespace

BOOST_AUTO_TEST_SUITE(fallback_draws)

BOOST_AUTO_TEST_CASE(a_confident_posterior_puts_every_draw_at_its_minimum) {
  thompson_fallback tf(quadratic_source(20, 1));
  const auto ps = tf.draw(40);
  BOOST_REQUIRE(ps.size() == 40u);
  for (auto& p : ps) {
    BOOST_TEST(std::abs(p.x[0] - 0.3) < 0.03);
    BOOST_TEST(!p.initial);
  }
}

BOOST_AUTO_TEST_CASE(an_uncertain_posterior_gives_spread_draws) {
  // Two observations: the draws disagree about where the minimum is.
  thompson_fallback tf(quadratic_source(2, 2));
  const auto ps = tf.draw(40);
  double lo = 1.0, hi = 0.0;
  for (auto& p : ps) {
    BOOST_TEST((p.x[0] >= 0.0 && p.x[0] <= 1.0));
    lo = std::min(lo, p.x[0]);
    hi = std::max(hi, p.x[0]);
  }
  BOOST_TEST(hi - lo > 0.3);
}

BOOST_AUTO_TEST_CASE(observations_told_since_the_snapshot_sharpen_the_draws) {
  // The snapshot knows two points; eighteen more arrive before the draws.
  thompson_fallback tf(quadratic_source(2, 8));
  BOOST_TEST(tf.data() == 2u);
  mat X(1, 18);
  vec y(18);
  for (Eigen::Index i = 0; i < 18; ++i) {
    X(0, i) = (double(i) + 0.3) / 18.0;
    y[i] = (X(0, i) - 0.3) * (X(0, i) - 0.3);
  }
  tf.observe(X, y);
  BOOST_TEST(tf.data() == 20u);
  for (auto& p : tf.draw(20))
    BOOST_TEST(std::abs(p.x[0] - 0.3) < 0.03);
  BOOST_CHECK_THROW(tf.observe(mat(2, 1), vec(1)), std::invalid_argument);
  BOOST_CHECK_THROW(tf.observe(mat(1, 2), vec(1)), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(refinement_lowers_each_draw_below_its_best_candidate) {
  // The same draws with and without the L-BFGS-B run: refined points are
  // closer to the minimum than the best of 8 candidates can be.
  auto coarse = quadratic_source(20, 3);
  coarse->options.candidates = 8;
  coarse->options.refine = false;
  auto fine = std::make_shared<fallback_source>(*coarse);
  fine->options.refine = true;
  thompson_fallback a(coarse), b(fine);
  const auto pa = a.draw(10), pb = b.draw(10);
  double ea = 0.0, eb = 0.0;
  for (std::size_t i = 0; i < 10; ++i) {
    ea += std::abs(pa[i].x[0] - 0.3);
    eb += std::abs(pb[i].x[0] - 0.3);
  }
  BOOST_TEST(eb < 0.25 * ea);
}

BOOST_AUTO_TEST_CASE(the_same_calls_give_the_same_points_and_ids_never_repeat) {
  auto src = quadratic_source(3, 4);
  thompson_fallback a(src), b(src);
  const auto pa = a.draw(3);
  const auto pb = b.draw(3);
  std::set<point_id> ids;
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(pa[i].x[0] == pb[i].x[0]);
    ids.insert(pa[i].id);
    ids.insert(pb[i].id);
  }
  BOOST_TEST(ids.size() == 6u); // one id source, shared
  // Later calls continue the streams: not the first draws again.
  const auto pc = a.draw(3);
  bool differs = false;
  for (std::size_t i = 0; i < 3; ++i)
    differs = differs || pc[i].x[0] != pa[i].x[0];
  BOOST_TEST(differs);
}

BOOST_AUTO_TEST_CASE(draws_from_an_engine_snapshot_share_its_ids_and_join_its_pending_set) {
  const auto& f = *find_test_function("scaled-branin");
  engine_options o;
  o.likelihood_variance = 1e-7;
  o.qei.samples = 128;
  engine e(f.space(), o, 5);
  BOOST_TEST(!e.snapshot()); // no model yet
  std::vector<observation> obs;
  for (auto& p : e.initial_design(6))
    obs.push_back({p.id, p.x, f(p.x)});
  e.tell(obs);
  const auto first = e.ask(2);
  auto src = e.snapshot();
  BOOST_REQUIRE(src);
  thompson_fallback tf(src);
  const auto fb = tf.draw(3);
  std::set<point_id> ids;
  for (auto& p : first)
    ids.insert(p.id);
  for (auto& p : fb) {
    BOOST_CHECK_NO_THROW(f.space().check_point(p.x, "x"));
    ids.insert(p.id);
    e.restore_pending(p.id, p.x);
  }
  for (auto& p : e.ask(2))
    ids.insert(p.id);
  BOOST_TEST(ids.size() == 7u);          // engine and sampler never collide
  BOOST_TEST(e.pending().size() == 7u);  // the draws are pending like asked points
  e.tell({{fb[0].id, fb[0].x, f(fb[0].x)}});
  BOOST_TEST(e.pending().count(fb[0].id) == 0u);
}

BOOST_AUTO_TEST_CASE(categorical_choices_are_never_relaxed) {
  const auto& f = *find_test_function("mixed-branin");
  engine_options o;
  o.likelihood_variance = 1e-7;
  o.qei.samples = 64;
  engine e(f.space(), o, 6);
  std::vector<observation> obs;
  for (auto& p : e.initial_design(10))
    obs.push_back({p.id, p.x, f(p.x)});
  e.tell(obs);
  e.ask(1);
  thompson_fallback tf(e.snapshot());
  const auto mask = f.space().categorical_mask();
  for (auto& p : tf.draw(8))
    for (std::size_t d = 0; d < mask.size(); ++d)
      if (mask[d])
        BOOST_TEST((p.unit[Eigen::Index(d)] == 0.0 || p.unit[Eigen::Index(d)] == 1.0));
}

BOOST_AUTO_TEST_CASE(draws_on_a_lattice_never_repeat_a_taken_point_or_each_other) {
  // hartmann3-lattice (512 points): 20 evaluated, 4 pending; 60 draws from
  // one snapshot are 60 points none of which is evaluated, pending or drawn
  // before. On branin-grid (100 points) with 90 taken, only 10 draws come.
  for (auto [name, n_data, n_draw, expect] :
       {std::tuple{"hartmann3-lattice", 20, 60, 60}, std::tuple{"branin-grid", 86, 30, 10}}) {
    const auto& f = *find_test_function(name);
    engine e(f.space(), engine_options{}, 4);
    std::set<std::vector<double>> taken;
    std::vector<observation> obs;
    for (auto& p : e.initial_design(std::size_t(n_data))) {
      obs.push_back({p.id, p.x, f(p.x)});
      taken.insert(std::vector<double>(p.x.data(), p.x.data() + p.x.size()));
    }
    e.tell(obs);
    for (auto& p : e.ask(4))
      taken.insert(std::vector<double>(p.x.data(), p.x.data() + p.x.size()));
    BOOST_REQUIRE(taken.size() == std::size_t(n_data + 4));
    thompson_fallback tf(e.snapshot());
    std::size_t got = 0;
    for (int round = 0; round < n_draw / 5; ++round)
      for (auto& p : tf.draw(5)) {
        ++got;
        BOOST_TEST(taken.insert(std::vector<double>(p.x.data(), p.x.data() + p.x.size())).second,
                   name << ": draw " << got << " repeats " << p.x.transpose());
      }
    BOOST_TEST(got == std::size_t(expect), name);
  }
}

BOOST_AUTO_TEST_CASE(options_and_sources_are_validated) {
  fallback_options o;
  BOOST_TEST(o.validate().empty());
  o.features = 0;
  BOOST_TEST(o.validate() == "fallback: features must be >= 1");
  o = {};
  o.candidates = 0;
  BOOST_TEST(o.validate() == "fallback: candidates must be >= 1");
  auto src = quadratic_source(3, 7);
  src->ids.reset();
  BOOST_CHECK_THROW(thompson_fallback{src}, std::invalid_argument);
  BOOST_CHECK_THROW(thompson_fallback{nullptr}, std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_feed_sends_each_result_once_and_what_a_new_source_lacks) {
  fallback_feed feed;
  auto tell = [&](double v) { return feed.told({v, 2.0 * v}, v); };
  BOOST_TEST(tell(0.0));
  BOOST_TEST(tell(1.0));
  BOOST_TEST(!feed.told({1.0}, 9.0));  // another dimension: refused
  BOOST_TEST(!feed.told({}, 9.0));
  BOOST_TEST(feed.size() == 2u);
  // Before any source, a request carries everything told.
  auto b = feed.next();
  BOOST_TEST(b.from == 0u);
  BOOST_TEST(b.values == std::vector<double>({0.0, 1.0}), boost::test_tools::per_element());
  BOOST_TEST(b.units == std::vector<double>({0.0, 0.0, 1.0, 2.0}),
             boost::test_tools::per_element());
  // Nothing new: nothing sent again.
  b = feed.next();
  BOOST_TEST(b.values.empty());
  BOOST_TEST(b.from == 2u);
  tell(2.0);
  tell(3.0);
  b = feed.next();
  BOOST_TEST(b.from == 2u);
  BOOST_TEST(b.values == std::vector<double>({2.0, 3.0}), boost::test_tools::per_element());
  // A source whose model holds the first 3: the sampler will rebuild or
  // continue on it, so the next request starts at what that source lacks...
  feed.new_source(3);
  BOOST_TEST(feed.held_by_source() == 3u);
  tell(4.0);
  b = feed.next();
  BOOST_TEST(b.from == 3u);
  BOOST_TEST(b.values == std::vector<double>({3.0, 4.0}), boost::test_tools::per_element());
  // ...and the one after it only at what was not sent.
  tell(5.0);
  b = feed.next();
  BOOST_TEST(b.from == 5u);
  BOOST_TEST(b.values == std::vector<double>({5.0}), boost::test_tools::per_element());
  // A source holding everything sent: nothing to resend; one claiming more
  // than was told is clamped.
  feed.new_source(100);
  BOOST_TEST(feed.held_by_source() == 6u);
  b = feed.next();
  BOOST_TEST(b.values.empty());
  BOOST_TEST(b.from == 6u);
}

BOOST_AUTO_TEST_SUITE_END()
