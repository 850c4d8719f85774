// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/engine.hpp"
#include "core/objectives.hpp"

using namespace asyncbo;
namespace tt = boost::test_tools;

namespace {

const test_function& branin() { return *find_test_function("scaled-branin"); }

engine_options fast_options(rule_kind r, acquisition_kind a) {
  engine_options o;
  o.rule = r;
  o.acquisition = a;
  o.likelihood_variance = 1e-7;
  o.qei.samples = 256;
  o.lp.samples = 200;
  return o;
}

std::vector<observation> evaluate(const std::vector<proposal>& ps) {
  std::vector<observation> out;
  for (auto& p : ps)
    out.push_back({p.id, p.x, branin()(p.x)});
  return out;
}

std::set<point_id> pending_ids(const engine& e) {
  std::set<point_id> s;
  for (auto& [id, p] : e.pending())
    s.insert(id);
  return s;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no exception>";
}

/// n observations of f at uniform random points of its unit cube (never
/// asked), drawn from rng.
std::vector<observation> random_observations(const test_function& f, Eigen::Index n,
                                             rng_type& rng) {
  std::vector<observation> obs;
  const mat U = uniform_unit(f.space().unit_dim(), n, rng);
  for (Eigen::Index i = 0; i < U.cols(); ++i) {
    vec x = f.space().from_unit(U.col(i));
    obs.push_back({std::nullopt, x, f(x)});
  }
  return obs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(ask_tell_engine)

BOOST_AUTO_TEST_CASE(pending_set_follows_ask_tell_forget) {
  engine e(branin().space(), fast_options(rule_kind::async_joint,
                                          acquisition_kind::batch_mc_ei), 1);
  auto init = e.initial_design(3);
  BOOST_TEST(init.size() == 3u);
  BOOST_TEST(init[0].initial);
  BOOST_TEST(e.pending().size() == 3u);
  e.tell(evaluate(init));
  BOOST_TEST(e.pending().empty());
  BOOST_TEST(e.num_data() == 3u);

  auto a = e.ask(2);
  auto b = e.ask(2);
  BOOST_TEST(e.last_ask().pending == 2u); // b was conditioned on a
  BOOST_CHECK(e.last_ask().status == ask_status::ok);
  BOOST_TEST((pending_ids(e) == std::set<point_id>{a[0].id, a[1].id, b[0].id, b[1].id}));
  // ids are unique and increasing
  BOOST_TEST(a[0].id == 3u);
  BOOST_TEST(b[1].id == 6u);
  // A result for b[0] arrives; a[1] fails and is forgotten.
  e.tell({{b[0].id, b[0].x, branin()(b[0].x)}});
  BOOST_TEST(e.forget(a[1].id));
  BOOST_TEST(!e.forget(a[1].id));
  BOOST_TEST((pending_ids(e) == std::set<point_id>{a[0].id, b[1].id}));
  BOOST_TEST(e.num_data() == 4u);
  auto c = e.ask(1);
  BOOST_TEST(e.last_ask().pending == 2u);
  BOOST_TEST(c[0].id == 7u);
  BOOST_TEST(e.pending().size() == 3u);
}

BOOST_AUTO_TEST_CASE(retires_by_id_even_when_coordinates_come_back_changed) {
  engine e(branin().space(), fast_options(rule_kind::async_joint,
                                          acquisition_kind::batch_mc_ei), 2);
  e.tell(evaluate(e.initial_design(3)));
  auto p = e.ask(1);
  // The evaluator rounds coordinates (float32 round trip): Trieste would
  // never retire the pending copy; the id does.
  vec rounded = p[0].x.cast<float>().cast<double>();
  e.tell({{p[0].id, rounded, branin()(rounded)}});
  BOOST_TEST(e.pending().empty());
}

BOOST_AUTO_TEST_CASE(told_but_never_asked_points_join_the_data) {
  engine e(branin().space(), fast_options(rule_kind::async_joint,
                                          acquisition_kind::batch_mc_ei), 3);
  auto a = e.ask(1); // no data yet: random
  BOOST_CHECK(e.last_ask().status == ask_status::no_data);
  vec x(2);
  x << 0.1, 0.9;
  e.tell({{std::nullopt, x, branin()(x)}});
  BOOST_TEST(e.num_data() == 1u);
  BOOST_TEST(e.pending().size() == 1u); // a is still pending
  BOOST_TEST(e.pending().count(a[0].id) == 1u);
  auto b = e.ask(1); // one data point suffices for a model
  BOOST_CHECK(e.last_ask().status == ask_status::ok);
  BOOST_TEST(e.best()->y == branin()(x));
  (void) b;
}

BOOST_AUTO_TEST_CASE(invalid_tells_change_nothing_and_name_the_rule) {
  engine e(branin().space(), fast_options(rule_kind::async_joint,
                                          acquisition_kind::batch_mc_ei), 4);
  auto init = e.initial_design(2);
  vec good = init[0].x;
  BOOST_TEST(message_of([&] { e.tell({{init[0].id, good, 1.0}, {42, good, 1.0}}); })
             == "tell: observation 1: id 42 is not pending (never asked, "
                "already told or forgotten)");
  BOOST_TEST(e.num_data() == 0u);
  BOOST_TEST(e.pending().size() == 2u);
  BOOST_TEST(message_of([&] { e.tell({{init[0].id, good, std::nan("")}}); })
             == "tell: observation 0: y must be finite (forget() failed "
                "evaluations instead)");
  BOOST_TEST(message_of([&] { e.tell({{init[0].id, vec::Zero(3), 1.0}}); })
             == "tell: observation 0: x: expected 2 coordinates, got 3");
  BOOST_TEST(message_of([&] {
               e.tell({{init[0].id, good, 1.0}, {init[0].id, good, 2.0}});
             }) == "tell: observation 1: id 0 appears twice");
  BOOST_TEST(e.num_data() == 0u);
}

BOOST_AUTO_TEST_CASE(options_are_validated) {
  engine_options o;
  o.rule = rule_kind::async_joint;
  o.acquisition = acquisition_kind::local_penalization;
  o.qei.samples = 0;
  BOOST_TEST(o.validate()
             == "rule async-joint needs function batch-mc-ei (a joint batch "
                "function), got local-penalization\nbatch-mc-ei: samples must be >= 1");
  BOOST_CHECK_THROW(engine(branin().space(), o, 1), std::invalid_argument);
  o = engine_options{};
  o.rule = rule_kind::async_greedy;
  o.acquisition = acquisition_kind::ei;
  BOOST_TEST(!o.validate().empty());
  rule_kind r;
  BOOST_TEST(parse_enum("async-greedy", r));
  BOOST_CHECK(r == rule_kind::async_greedy);
  BOOST_TEST(!parse_enum("greedy", r));
  acquisition_kind a;
  BOOST_TEST(parse_enum("local-penalization", a));
  BOOST_TEST(!parse_enum("lp", a));
  // Thompson draws are screened on thompson_candidates points, refined from
  // the best `restarts` of them.
  o = engine_options{};
  o.thompson_candidates = 5;
  o.optimizer.restarts = 8;
  BOOST_TEST(o.validate()
             == "thompson_candidates (engine_options, 5) must be >= restarts (8) when thompson-every is set: "
                "each Thompson draw is screened on them");
  o.thompson_every = 0;
  BOOST_TEST(o.validate().empty());
  o = engine_options{};
  o.thompson_features = 0;
  BOOST_TEST(o.validate() == "thompson-features must be >= 1 when thompson-every is set");
}

BOOST_AUTO_TEST_CASE(every_rule_and_function_combination_asks) {
  const std::pair<rule_kind, acquisition_kind> combos[] = {
    {rule_kind::sync, acquisition_kind::batch_mc_ei},
    {rule_kind::sync, acquisition_kind::local_penalization},
    {rule_kind::async_joint, acquisition_kind::batch_mc_ei},
    {rule_kind::async_greedy, acquisition_kind::local_penalization},
    {rule_kind::async_greedy, acquisition_kind::batch_mc_ei},
    {rule_kind::random, acquisition_kind::batch_mc_ei},
  };
  for (auto [r, a] : combos) {
    engine e(branin().space(), fast_options(r, a), 5);
    e.tell(evaluate(e.initial_design(4)));
    e.ask(1);
    auto ps = e.ask(3);
    BOOST_TEST(ps.size() == 3u);
    for (auto& p : ps)
      BOOST_TEST(e.space().contains(p.x));
    BOOST_TEST(e.pending().size() == 4u);
    if (r != rule_kind::random) {
      BOOST_CHECK(e.last_ask().status == ask_status::ok);
      BOOST_TEST(e.last_ask().acq.size() >= 1u);
      BOOST_TEST(std::isfinite(e.last_ask().log_value));
    }
  }
  engine ei(branin().space(), fast_options(rule_kind::sync, acquisition_kind::ei), 5);
  ei.tell(evaluate(ei.initial_design(3)));
  BOOST_TEST(ei.ask(1).size() == 1u);
  BOOST_TEST(message_of([&] { ei.ask(2); })
             == "ask: rule sync with function ei gives one point per ask, got k = 2");
}

BOOST_AUTO_TEST_CASE(asks_are_reproducible_for_a_seed) {
  auto run = [](std::uint64_t seed) {
    engine e(branin().space(), fast_options(rule_kind::async_joint,
                                            acquisition_kind::batch_mc_ei), seed);
    e.tell(evaluate(e.initial_design(3)));
    e.ask(2);
    return e.ask(2);
  };
  auto a = run(11), b = run(11);
  BOOST_TEST((a[0].x - b[0].x).norm() == 0.0);
  BOOST_TEST((a[1].x - b[1].x).norm() == 0.0);
}

BOOST_AUTO_TEST_CASE(restore_pending_and_reserve_ids_support_resume) {
  engine e(branin().space(), fast_options(rule_kind::async_joint,
                                          acquisition_kind::batch_mc_ei), 6);
  vec x(2);
  x << 0.4, 0.4;
  e.restore_pending(17, x);
  BOOST_TEST(e.pending().count(17) == 1u);
  BOOST_CHECK_THROW(e.restore_pending(17, x), std::invalid_argument);
  auto p = e.ask(1);
  BOOST_TEST(p[0].id == 18u);
  e.reserve_ids(100);
  BOOST_TEST(e.ask(1)[0].id == 100u);
  e.tell({{17, x, branin()(x)}});
  BOOST_TEST(e.pending().count(17) == 0u);
}

BOOST_AUTO_TEST_CASE(integer_dimensions_keep_pending_and_data_consistent) {
  search_space s({{"a", 0, 1}, {"n", 1, 5, false, true}});
  engine e(s, fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei), 7);
  auto init = e.initial_design(4);
  std::vector<observation> obs;
  for (auto& p : init) {
    BOOST_TEST(p.x[1] == std::round(p.x[1]));
    obs.push_back({p.id, p.x, p.x[0] + std::abs(p.x[1] - 3)});
  }
  e.tell(obs);
  auto ps = e.ask(2);
  for (auto& p : ps) {
    BOOST_TEST(p.x[1] == std::round(p.x[1]));
    BOOST_TEST((s.to_unit(p.x) - p.unit).norm() == 0.0);
  }
}

BOOST_AUTO_TEST_CASE(failures_retire_the_point_and_teach_the_classifier) {
  engine e(branin().space(), fast_options(rule_kind::async_joint,
                                          acquisition_kind::batch_mc_ei), 3);
  e.tell(evaluate(e.initial_design(6)));
  auto ps = e.ask(2);
  e.tell_failure(ps[0].id, ps[0].x);
  BOOST_TEST(e.pending().size() == 1u);
  BOOST_TEST(e.num_failures() == 1u);
  BOOST_TEST(e.num_data() == 6u);
  // A failure of a point that was never asked (resume) joins the failures.
  vec x(2);
  x << 0.9, 0.9;
  e.tell_failure(std::nullopt, x);
  BOOST_TEST(e.num_failures() == 2u);
  BOOST_CHECK_THROW(e.tell_failure(ps[0].id, ps[0].x), std::invalid_argument);
  e.ask(1);
  BOOST_REQUIRE(e.feasibility() != nullptr);
  BOOST_TEST(e.last_ask().failures == 2u);
  // With on-failure = forget nothing is learned.
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.learn_failures = false;
  engine f(branin().space(), o, 3);
  f.tell(evaluate(f.initial_design(6)));
  f.tell_failure(std::nullopt, x);
  f.ask(1);
  BOOST_TEST(f.feasibility() == nullptr);
}

BOOST_AUTO_TEST_CASE(the_recommendation_is_the_best_observation_on_noise_free_data) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    engine e(branin().space(), fast_options(rule_kind::async_greedy,
                                            acquisition_kind::local_penalization), seed);
    e.tell(evaluate(e.initial_design(5)));
    for (int i = 0; i < 6; ++i)
      e.tell(evaluate(e.ask(1)));
    auto rec = e.recommend();
    auto best = e.best();
    BOOST_REQUIRE(rec.has_value());
    BOOST_TEST((rec->x - best->x).norm() == 0.0);
    BOOST_TEST(rec->observed == best->y);
    BOOST_TEST(rec->mean == best->y, tt::tolerance(1e-4));
  }
  engine empty(branin().space(), engine_options{}, 1);
  BOOST_TEST(!empty.recommend().has_value());
}

BOOST_AUTO_TEST_CASE(the_recommendation_ignores_a_lucky_noisy_observation) {
  // y = (x0 - 0.5)^2 + N(0, 0.05^2) at 120 points; a point away from the
  // minimum (true value 0.09) is observed 6 noise sd too low: the lowest
  // observation, but not what the model believes is best.
  auto o = fast_options(rule_kind::random, acquisition_kind::ei);
  o.rule = rule_kind::async_greedy;
  o.acquisition = acquisition_kind::local_penalization;
  o.likelihood_variance = 0.0;   // learned
  engine e(branin().space(), o, 4);
  rng_type rng(9);
  std::normal_distribution<double> eps(0.0, 0.05);
  std::vector<observation> obs;
  mat U = uniform_unit(2, 120, rng);
  for (Eigen::Index i = 0; i < U.cols(); ++i) {
    vec x = U.col(i);
    obs.push_back({std::nullopt, x, std::pow(x[0] - 0.5, 2) + eps(rng)});
  }
  vec lucky(2);
  lucky << 0.8, 0.5;
  obs.push_back({std::nullopt, lucky, 0.09 - 0.3});
  e.tell(obs);
  auto rec = e.recommend();
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(e.best()->y == 0.09 - 0.3);
  BOOST_TEST(std::abs(rec->x[0] - 0.5) < 0.2);
  BOOST_TEST(e.noise_variance() > 1e-4);
}

BOOST_AUTO_TEST_CASE(sequential_ei_beats_random_search_on_branin) {
  // Same budget, same initial design: EI's best value must be far better
  // than random search's (regret compared, not argmins).
  auto run = [](rule_kind r) {
    engine_options o = fast_options(r, acquisition_kind::ei);
    engine e(branin().space(), o, 21);
    e.tell(evaluate(e.initial_design(3)));
    for (int i = 0; i < 17; ++i)
      e.tell(evaluate(e.ask(1)));
    return e.best()->y - branin().minimum;
  };
  double ei_regret = run(rule_kind::sync);
  double rnd_regret = run(rule_kind::random);
  BOOST_TEST(ei_regret < 1e-2);
  BOOST_TEST(ei_regret < 0.1 * rnd_regret);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(thompson_points)

BOOST_AUTO_TEST_CASE(every_kth_point_is_a_thompson_sample_and_the_rest_treat_it_as_pending) {
  for (auto [rule, acq] : {std::pair{rule_kind::async_joint, acquisition_kind::batch_mc_ei},
                           std::pair{rule_kind::async_greedy,
                                     acquisition_kind::local_penalization}}) {
    auto o = fast_options(rule, acq);
    o.thompson_every = 3;
    o.thompson_candidates = 256;
    engine e(branin().space(), o, 7);
    e.tell(evaluate(e.initial_design(5)));
    // Points 1-2 (no sample), 3-4 (the 3rd), 5-6 (the 6th), 7-8 (none).
    std::vector<std::size_t> ts;
    for (int a = 0; a < 4; ++a) {
      auto ps = e.ask(2);
      BOOST_TEST_REQUIRE(ps.size() == 2u);
      ts.push_back(e.last_ask().thompson);
      BOOST_TEST((ps[0].x - ps[1].x).norm() > 1e-6, "a batch never repeats a point");
      e.tell(evaluate(ps));
    }
    BOOST_TEST(ts == (std::vector<std::size_t>{0, 1, 1, 0}), boost::test_tools::per_element());
  }
  // thompson_every = 1: every point is a sample; the ask needs no acquisition.
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.thompson_every = 1;
  o.thompson_candidates = 128;
  engine e(branin().space(), o, 8);
  e.tell(evaluate(e.initial_design(4)));
  auto ps = e.ask(3);
  BOOST_TEST(ps.size() == 3u);
  BOOST_TEST(e.last_ask().thompson == 3u);
  BOOST_TEST(e.pending().size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// Tells k uniformly random points of f's box to e.
void tell_uniform(engine& e, const test_function& f, rng_type& rng, std::size_t k) {
  std::vector<observation> obs;
  mat U = uniform_unit(f.space().unit_dim(), k, rng);
  for (std::size_t i = 0; i < k; ++i) {
    vec x = f.space().from_unit(U.col(static_cast<Eigen::Index>(i)));
    obs.push_back({std::nullopt, x, f(x)});
  }
  e.tell(obs);
}

} // namespace

BOOST_AUTO_TEST_SUITE(refit_schedule)

BOOST_AUTO_TEST_CASE(hyper_parameters_are_fitted_on_schedule_and_on_growth) {
  const auto& f = *find_test_function("branin");
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.refit_every = 3;
  o.refit_growth = 0.5;
  engine e(f.space(), o, 11);
  rng_type rng(5);
  auto tell_random = [&](std::size_t k) { tell_uniform(e, f, rng, k); };
  tell_random(10);
  std::vector<bool> fitted;
  for (int a = 0; a < 7; ++a) {
    (void) e.ask(1);
    fitted.push_back(e.last_ask().hyper_fitted);
    BOOST_TEST(e.last_ask().refitted);   // the posterior always sees the new data
    tell_random(1);                      // 10 -> 17 points over the asks
  }
  // A fit at ask 0 (10 points), then by the every-3 rule at asks 3 (13
  // points) and 6 (16); growth never reaches 50 % in between (at most 15
  // of 13).
  const std::vector<bool> want = {true, false, false, true, false, false, true};
  BOOST_TEST(fitted == want);
  // Growth alone: one ask after a fit, with the data doubled.
  tell_random(20);
  (void) e.ask(1);
  BOOST_TEST(e.last_ask().hyper_fitted);
}

BOOST_AUTO_TEST_CASE(refit_every_one_is_every_ask) {
  const auto& f = *find_test_function("branin");
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.refit_every = 1;
  engine e(f.space(), o, 1);
  std::vector<observation> obs;
  for (double t : {0.1, 0.4, 0.7, 0.9})
    obs.push_back({std::nullopt, f.space().from_unit(vec::Constant(2, t)), 0.0});
  for (auto& ob : obs)
    ob.y = f(ob.x);
  e.tell(obs);
  for (int a = 0; a < 3; ++a) {
    auto p = e.ask(1);
    BOOST_TEST(e.last_ask().hyper_fitted);
    e.tell({{p[0].id, p[0].x, f(p[0].x)}});
  }
}

BOOST_AUTO_TEST_CASE(the_default_schedule_follows_the_data) {
  // Unset: the asyncbo preset follows the data (0), the trieste preset
  // refits at every ask (1).
  engine_options d;
  BOOST_TEST(d.refit_period() == 0u);
  d.preset = optimizer_preset::trieste;
  BOOST_TEST(d.refit_period() == 1u);
  d.refit_every = 4;
  BOOST_TEST(d.refit_period() == 4u);
  const auto& f = *find_test_function("branin");
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.refit_every = 0;
  engine e(f.space(), o, 11);
  rng_type rng(5);
  auto tell_random = [&](std::size_t k) { tell_uniform(e, f, rng, k); };
  auto fits = [&](std::size_t asks) {
    std::vector<bool> out;
    for (std::size_t a = 0; a < asks; ++a) {
      (void) e.ask(1);
      out.push_back(e.last_ask().hyper_fitted);
      BOOST_TEST(e.last_ask().refitted);   // the posterior always sees the new data
      tell_random(1);
    }
    return out;
  };
  // Up to 20 points every new result refits (5 % of 20 is one point).
  tell_random(10);
  BOOST_TEST(fits(10) == std::vector<bool>(10, true));   // fits at 10 .. 19 points
  // At 100 points a refit waits for 5 new ones (5 % of 100).
  tell_random(80);                                      // 100 points
  const std::vector<bool> want = {true, false, false, false, false, true, false};
  BOOST_TEST(fits(7) == want);                          // fits at 100 and 105
  // 107 points, 2 since the fit at 105: no refit, and asking again with no
  // new data does not refit either.
  (void) e.ask(1);
  BOOST_TEST(!e.last_ask().hyper_fitted);
  (void) e.ask(1);
  BOOST_TEST(!e.last_ask().hyper_fitted);
}

BOOST_AUTO_TEST_SUITE_END()

// model.max-exact: a subset of data beyond it.
BOOST_AUTO_TEST_SUITE(large_data)

BOOST_AUTO_TEST_CASE(the_data_subset_keeps_the_best_half_and_spreads_the_rest) {
  std::vector<double> y;
  for (int i = 0; i < 100; ++i)
    y.push_back(double((i * 37) % 100));   // a permutation of 0..99
  BOOST_TEST(data_subset(y, 0).size() == 100u);
  BOOST_TEST(data_subset(y, 100).size() == 100u);
  const auto s = data_subset(y, 20);
  BOOST_TEST(s.size() == 20u);
  BOOST_TEST(std::is_sorted(s.begin(), s.end()));
  BOOST_TEST((std::adjacent_find(s.begin(), s.end()) == s.end()));   // no index twice
  std::set<double> kept;
  for (auto i : s)
    kept.insert(y[i]);
  for (double v = 0; v < 10; ++v)                // the 10 lowest values are all in
    BOOST_TEST(kept.count(v) == 1u, v);
  // The other 10 are spread over the order told: some early, some late.
  std::vector<std::size_t> others;
  for (auto i : s)
    if (y[i] >= 10)
      others.push_back(i);
  BOOST_TEST(others.size() == 10u);
  BOOST_TEST(others.front() < 10u);
  BOOST_TEST(others.back() > 80u);
}

BOOST_AUTO_TEST_CASE(beyond_max_exact_the_model_is_a_subset_close_to_the_exact_one) {
  // Branin, 300 random observations: the exact GP against one on 120 of
  // them. The subset model holds 120 points plus those told between fits,
  // and where it matters (around the best observations) its posterior mean
  // is close to the exact one's.
  const auto& f = *find_test_function("scaled-branin");
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.refit_every = 3;
  engine exact(f.space(), o, 3);
  o.max_exact = 120;
  engine sub(f.space(), o, 3);
  rng_type rng(8);
  std::vector<observation> obs = random_observations(f, 300, rng);
  exact.tell(obs);
  sub.tell(obs);
  (void) exact.ask(1);
  (void) sub.ask(1);
  BOOST_TEST(exact.last_ask().model_points == 300u);
  BOOST_TEST(sub.last_ask().model_points == 120u);
  BOOST_TEST(sub.last_ask().data == 300u);
  BOOST_TEST(sub.last_ask().hyper_fitted);
  // Points near the 10 best observations.
  std::vector<std::size_t> order(obs.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return obs[a].y < obs[b].y; });
  double err = 0.0, spread = 0.0;
  int count = 0;
  for (int k = 0; k < 10; ++k) {
    const vec u0 = f.space().to_unit(obs[order[std::size_t(k)]].x);
    const mat near = uniform_unit(2, 5, rng);
    for (Eigen::Index j = 0; j < near.cols(); ++j) {
      const vec u = (u0 + 0.1 * (near.col(j).array() - 0.5).matrix()).cwiseMax(0.0).cwiseMin(1.0);
      double me, ve, ms, vs;
      exact.model()->predict(u, me, ve);
      sub.model()->predict(u, ms, vs);
      err = std::max(err, std::abs(me - ms));
      spread = std::max(spread, std::abs(me - obs[order[0]].y));
      ++count;
    }
  }
  // Scaled Branin has unit variance: the largest gap near the best points
  // is a small fraction of the values' spread there.
  BOOST_TEST_MESSAGE("max |mean_exact - mean_subset| near the best: " << err << " (spread "
                     << spread << ")");
  BOOST_TEST(count == 50);
  BOOST_TEST(err < 0.05 * spread, "max |mean_exact - mean_subset| " << err << ", spread " << spread);
  // Between fits new points are appended to the subset model.
  std::vector<observation> more;
  for (int i = 0; i < 2; ++i) {
    vec x = f.space().from_unit(uniform_unit(2, 1, rng).col(0));
    more.push_back({std::nullopt, x, f(x)});
  }
  sub.tell(more);
  (void) sub.ask(1);
  BOOST_TEST(!sub.last_ask().hyper_fitted);
  BOOST_TEST(sub.last_ask().model_points == 122u);
  BOOST_TEST(sub.last_ask().data == 302u);
}

BOOST_AUTO_TEST_CASE(the_recommendation_beyond_max_exact_is_an_observation_of_the_subset) {
  // 200 observations, a subset of 40: the model's columns are not the first
  // 40 observations, so the recommendation must map its column back to the
  // observation it holds (noise-free data: the best observation).
  const auto& f = *find_test_function("scaled-branin");
  auto o = fast_options(rule_kind::async_joint, acquisition_kind::batch_mc_ei);
  o.max_exact = 40;
  engine e(f.space(), o, 5);
  rng_type rng(9);
  std::vector<observation> obs = random_observations(f, 200, rng);
  e.tell(obs);
  auto rec = e.recommend();
  BOOST_REQUIRE(rec.has_value());
  BOOST_TEST(e.model()->size() == 40u);
  const auto best = e.best();
  BOOST_TEST((rec->x - best->x).norm() == 0.0);
  BOOST_TEST(rec->observed == best->y);
  BOOST_TEST(f(rec->x) == rec->observed);   // the value told for that very point
}

BOOST_AUTO_TEST_CASE(a_finite_space_is_evaluated_without_repeats_until_it_is_exhausted) {
  // branin-grid: 100 integer points, a deterministic objective, the
  // product's engine defaults (async-joint, and the greedy and random
  // rules); 4 evaluators, asks of 2 with the others pending. Every proposal is a point never proposed before until all 100
  // are; then the ask says the space is exhausted.
  const auto& f = *find_test_function("branin-grid");
  for (rule_kind rule : {rule_kind::async_joint, rule_kind::async_greedy, rule_kind::random}) {
    engine_options o;
    o.rule = rule;
    engine e(f.space(), o, 11);
    std::set<std::vector<double>> seen;
    std::vector<proposal> running;
    auto add = [&](const std::vector<proposal>& ps) {
      for (auto& p : ps) {
        BOOST_TEST(seen.insert(std::vector<double>(p.x.data(), p.x.data() + p.x.size())).second,
                   to_string(rule) << ": " << p.x.transpose() << " proposed twice, after "
                                   << seen.size() << " points");
        running.push_back(p);
      }
    };
    add(e.initial_design(4));
    int asks = 0;
    while (!running.empty() && asks < 200) {
      // The two oldest finish, then an ask refills the free evaluators.
      for (int i = 0; i < 2 && !running.empty(); ++i) {
        const proposal p = running.front();
        running.erase(running.begin());
        e.tell({{p.id, p.x, f(p.x)}});
      }
      auto ps = e.ask(4 - running.size());
      ++asks;
      add(ps);
      if (ps.size() < 4 - running.size() + ps.size()) {
        BOOST_TEST(seen.size() == 100u, to_string(rule));
        BOOST_TEST((e.last_ask().status == ask_status::space_exhausted));
        BOOST_TEST(e.last_ask().message.find("100 points") != std::string::npos,
                   e.last_ask().message);
      }
    }
    BOOST_TEST(seen.size() == 100u, to_string(rule));
    BOOST_TEST(e.num_data() == 100u);
    BOOST_TEST(e.ask(2).empty());
    BOOST_TEST((e.last_ask().status == ask_status::space_exhausted));
    BOOST_TEST(*std::min_element(e.data_y().begin(), e.data_y().end()) == f.minimum);
  }
}

BOOST_AUTO_TEST_CASE(a_noisy_objective_on_a_lattice_may_repeat_evaluated_points) {
  // Scaled Branin on a 100 x 100 integer lattice (smooth at the lattice's
  // scale, so that noise and a short length-scale are told apart), with
  // noise of sd 0.5 against a signal of sd ~1.1: the learned noise is far
  // above 1 % of the signal variance, so evaluated points are no longer
  // excluded (the acquisition weighs a repeat). On a coarse lattice the two
  // are confounded (a length-scale below the spacing fits any noise), which
  // is why branin-grid's noisy twin is not used here.
  const search_space s({{"a", 0.0, 99.0, false, true, {}}, {"b", 0.0, 99.0, false, true, {}}});
  auto f = [](const vec& x) { return branin()(x / 99.0); };
  for (double sd : {0.5, 0.0}) {
    engine e(s, engine_options{}, 3);
    rng_type rng(9);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<observation> obs;
    for (auto& p : e.initial_design(80))
      obs.push_back({p.id, p.x, f(p.x) + sd * noise(rng)});
    e.tell(obs);
    auto ps = e.ask(2);
    BOOST_TEST(e.repeats_worth_it() == (sd > 0.0), "sd " << sd << ": noise " << e.noise_variance()
                                                    << ", signal " << e.model()->hyper().variance
                   << ", length-scales " << e.model()->hyper().lengthscales.transpose());
    BOOST_TEST(ps.size() == 2u);
    BOOST_TEST((ps[0].x - ps[1].x).norm() > 0.0);   // pending ones are still excluded
  }
}

BOOST_AUTO_TEST_SUITE_END()
