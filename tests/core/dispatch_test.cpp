// SPDX-License-Identifier: Apache-2.0
// The dispatch policy through its API, without actors: k-of-n asks, refills,
// the budget, retries, the failure limit, lost evaluators, capacity joining
// mid-run, resume, and the figures it keeps.
#include <boost/test/unit_test.hpp>

#include <map>
#include <optional>
#include <random>
#include <set>

#include "core/dispatch.hpp"

using namespace asyncbo;

namespace {

/// Drives a dispatcher the way the pool does and answers asks with fresh
/// ids; keeps what is in flight per slot.
struct driver {
  dispatcher d;
  point_id next_id = 100;
  std::map<slot_id, job> running;
  std::vector<std::uint32_t> asks;   ///< sizes of the asks made
  std::vector<job> finished;         ///< final results, in order
  double now = 0.0;

  explicit driver(dispatch_options o, std::vector<job> requeue = {})
    : d(std::move(o), std::move(requeue)) {}

  static job point(point_id id, bool initial = false) {
    job j;
    j.id = id;
    j.initial = initial;
    j.x = {0.5};
    j.unit = {0.5};
    return j;
  }

  void add(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      d.add_evaluator(now);
  }

  /// Start with an initial design of the size the dispatcher asks for.
  void start() {
    auto n = d.start(now);
    std::vector<job> init;
    for (std::uint64_t i = 0; i < n; ++i)
      init.push_back(point(next_id++, true));
    d.add_initial(std::move(init));
    pump();
  }

  /// What the pool does after every event; asks are answered at once.
  void pump() {
    for (;;) {
      for (auto& a : d.assign(now))
        running[a.slot] = a.work;
      auto k = d.ask(now);
      if (!k)
        return;
      asks.push_back(*k);
      std::vector<job> pts;
      for (std::uint32_t i = 0; i < *k; ++i)
        pts.push_back(point(next_id++));
      d.answered(std::move(pts), now);
    }
  }

  /// The job on the lowest busy slot (or a given slot) finishes.
  result_verdict finish(bool ok = true, std::optional<slot_id> which = std::nullopt) {
    BOOST_REQUIRE(!running.empty());
    auto it = which ? running.find(*which) : running.begin();
    BOOST_REQUIRE(it != running.end());
    job j = it->second;
    const slot_id s = it->first;
    running.erase(it);
    auto v = d.result(s, j.id, j.attempt, ok, now);
    if (v == result_verdict::final)
      finished.push_back(j);
    pump();
    return v;
  }

  void run_to_end() {
    for (int i = 0; i < 100000 && !running.empty(); ++i)
      finish();
  }
};

dispatch_options opts(std::size_t batch, std::uint64_t budget, std::uint64_t initial = 0) {
  dispatch_options o;
  o.batch_size = batch;
  o.budget = budget;
  o.initial = initial;
  return o;
}

} // namespace

BOOST_AUTO_TEST_SUITE(dispatch_policy)

BOOST_AUTO_TEST_CASE(k_of_n_waits_for_batch_size_results_then_refills_all_free) {
  driver t(opts(2, 6, 3));
  t.add(4);
  t.start();
  // The initial design runs first; nothing is asked before it is all back.
  BOOST_TEST(t.d.busy() == 3u);
  BOOST_TEST(t.asks.empty());
  t.finish();
  t.finish();
  BOOST_TEST(t.asks.empty());
  t.finish();
  // All 4 evaluators free: one ask for all of them.
  BOOST_TEST(t.asks == std::vector<std::uint32_t>({4}));
  BOOST_TEST(t.d.busy() == 4u);
  // One result: fewer than batch-size free, no ask.
  t.finish();
  BOOST_TEST(t.asks.size() == 1u);
  BOOST_TEST(t.d.busy() == 3u);
  // The second completes the batch: ask 2 (the rest of the budget).
  t.finish();
  BOOST_TEST(t.asks == std::vector<std::uint32_t>({4, 2}));
  BOOST_TEST(t.d.busy() == 4u);
  BOOST_TEST(t.d.to_request() == 0u);
  t.run_to_end();
  BOOST_TEST(t.d.done());
  BOOST_TEST(t.finished.size() == 9u);
}

BOOST_AUTO_TEST_CASE(batch_one_refills_every_free_evaluator_at_once) {
  driver t(opts(1, 8));
  t.add(3);
  t.start();
  BOOST_TEST(t.d.main_started());
  BOOST_TEST(t.d.busy() == 3u);
  for (int i = 0; i < 5; ++i) {
    t.finish();
    BOOST_TEST(t.d.busy() == 3u, "after result " << i);
  }
  t.run_to_end();
  BOOST_TEST(t.finished.size() == 8u);
}

BOOST_AUTO_TEST_CASE(the_budget_is_never_exceeded_and_the_end_waits_for_all) {
  driver t(opts(2, 5, 3));
  t.add(4);
  t.start();
  std::uint64_t asked = 0;
  while (!t.running.empty()) {
    BOOST_TEST(!t.d.done());
    t.finish();
  }
  for (auto k : t.asks)
    asked += k;
  BOOST_TEST(asked == 5u);
  BOOST_TEST(t.d.done());
  std::set<point_id> ids;
  for (auto& j : t.finished)
    ids.insert(j.id);
  BOOST_TEST(ids.size() == 8u);
}

BOOST_AUTO_TEST_CASE(failures_are_retried_at_the_front_then_final) {
  dispatch_options o = opts(1, 4);
  o.max_retries = 2;
  driver t(o);
  t.add(1);
  t.start();
  const point_id first = t.running.begin()->second.id;
  BOOST_CHECK(t.finish(false) == result_verdict::retried);
  BOOST_TEST(t.running.begin()->second.id == first);
  BOOST_TEST(t.running.begin()->second.attempt == 1u);
  BOOST_CHECK(t.finish(false) == result_verdict::retried);
  BOOST_TEST(t.running.begin()->second.attempt == 2u);
  // The third failure is the last word.
  BOOST_CHECK(t.finish(false) == result_verdict::final);
  BOOST_TEST(t.d.stats().retried == 2u);
  BOOST_TEST(t.d.stats().failed_points == 1u);
  BOOST_TEST(t.running.begin()->second.id != first);
  t.run_to_end();
  BOOST_TEST(t.d.done());
  // A failed point still counts against the budget.
  BOOST_TEST(t.finished.size() == 4u);
}

BOOST_AUTO_TEST_CASE(the_failure_limit_names_the_key_and_the_counts) {
  dispatch_options o = opts(1, 6, 2);
  o.max_failure_fraction = 0.25;
  driver t(o);
  t.add(2);
  t.start();
  t.finish(false);
  BOOST_TEST(!t.d.failure_limit().has_value()); // 1 of 8 <= 2
  t.finish(false);
  BOOST_TEST(!t.d.failure_limit().has_value()); // 2 of 8
  t.finish(false);
  auto why = t.d.failure_limit();
  BOOST_REQUIRE(why.has_value());
  BOOST_TEST(*why == "3 of 8 points failed, more than objective.max-failure-fraction = 0.25");
}

BOOST_AUTO_TEST_CASE(a_lost_evaluator_s_job_goes_first_with_the_next_attempt) {
  driver t(opts(2, 6));
  t.add(3);
  t.start();
  BOOST_REQUIRE(t.d.busy() == 3u);
  const slot_id gone = t.running.begin()->first;
  const job held = t.running.begin()->second;
  auto lost = t.d.remove_evaluator(gone, t.now);
  t.running.erase(gone);
  BOOST_REQUIRE(lost.has_value());
  BOOST_TEST(lost->id == held.id);
  BOOST_TEST(lost->attempt == 0u);          // the attempt that died
  BOOST_TEST(t.d.queued() == 1u);
  BOOST_TEST(t.d.queue().front().attempt == 1u);
  BOOST_TEST(t.d.stats().requeued == 1u);
  // A late answer from the lost attempt changes nothing.
  BOOST_CHECK(t.d.result(gone, held.id, 0, true, t.now) == result_verdict::stale);
  BOOST_TEST(t.d.stats().stale == 1u);
  // The next free evaluator takes it before any new point.
  t.finish();
  bool found = false;
  for (auto& [s, j] : t.running)
    found = found || (j.id == held.id && j.attempt == 1u);
  BOOST_TEST(found);
  t.run_to_end();
  BOOST_TEST(t.d.done());
  std::map<point_id, int> finals;
  for (auto& j : t.finished)
    ++finals[j.id];
  for (auto& [id, n] : finals)
    BOOST_TEST(n == 1, "id " << id);
  BOOST_TEST(finals.size() == 6u);
}

BOOST_AUTO_TEST_CASE(results_from_the_wrong_slot_or_attempt_are_stale) {
  driver t(opts(1, 2));
  t.add(2);
  t.start();
  auto a = t.running.begin();
  auto b = std::next(a);
  BOOST_CHECK(t.d.result(a->first, b->second.id, 0, true, 0) == result_verdict::stale);
  BOOST_CHECK(t.d.result(a->first, a->second.id, 7, true, 0) == result_verdict::stale);
  BOOST_CHECK(t.d.result(999, a->second.id, 0, true, 0) == result_verdict::stale);
  BOOST_TEST(t.d.busy() == 2u);
}

BOOST_AUTO_TEST_CASE(capacity_joining_mid_run_is_fed_at_once) {
  driver t(opts(2, 10));
  t.add(2);
  t.start();
  BOOST_TEST(t.asks.size() == 1u);
  // One evaluator joins while both others are busy: fewer than batch-size
  // free, but new capacity is fed immediately.
  t.add(1);
  t.pump();
  BOOST_TEST(t.asks.size() == 2u);
  BOOST_TEST(t.asks.back() == 1u);
  BOOST_TEST(t.d.busy() == 3u);
}

BOOST_AUTO_TEST_CASE(evaluators_joining_before_the_start_wait_for_the_design) {
  driver t(opts(2, 4, 2));
  t.start();
  BOOST_TEST(t.d.busy() == 0u);
  BOOST_TEST(t.d.queued() == 2u);
  t.add(1);
  t.pump();
  BOOST_TEST(t.d.busy() == 1u);
  BOOST_TEST(t.asks.empty()); // the main phase has not started
  t.run_to_end();
  BOOST_TEST(t.d.done());
}

BOOST_AUTO_TEST_CASE(fewer_evaluators_than_batch_size_never_deadlock) {
  // Four evaluators, batches of 2; three are lost: the last one must still
  // get work (waiting for 2 free evaluators would never end).
  driver t(opts(2, 8));
  t.add(4);
  t.start();
  for (int i = 0; i < 3; ++i) {
    const slot_id s = t.running.begin()->first;
    t.d.remove_evaluator(s, t.now);
    t.running.erase(s);
  }
  t.pump();
  BOOST_TEST(t.d.evaluators() == 1u);
  t.run_to_end();
  BOOST_TEST(t.d.done());
  BOOST_TEST(t.finished.size() == 8u);
}

BOOST_AUTO_TEST_CASE(a_short_answer_is_asked_again) {
  dispatcher d(opts(2, 4));
  d.add_evaluator(0);
  d.add_evaluator(0);
  d.start(0);
  auto k = d.ask(0);
  BOOST_REQUIRE(k.has_value());
  BOOST_TEST(*k == 2u);
  BOOST_TEST(!d.ask(0).has_value()); // one ask at a time
  BOOST_TEST(!d.done());             // outstanding
  d.answered({driver::point(1)}, 0); // one point instead of two
  BOOST_TEST(d.to_request() == 3u);
  BOOST_TEST(d.assign(0).size() == 1u);
  // One evaluator still free, but fewer than batch-size: no ask until the
  // running point is back.
  BOOST_TEST(!d.ask(0).has_value());
}

BOOST_AUTO_TEST_CASE(a_failed_ask_returns_its_points_to_the_budget) {
  dispatcher d(opts(1, 3));
  d.add_evaluator(0);
  d.start(0);
  BOOST_TEST(*d.ask(0) == 1u);
  d.ask_failed();
  BOOST_TEST(d.to_request() == 3u);
  BOOST_TEST(!d.ask_outstanding());
}

BOOST_AUTO_TEST_CASE(resume_dispatches_the_requeued_first_and_counts_the_budget) {
  dispatch_options o = opts(1, 10, 3);
  o.requested_before = 7;
  auto init = driver::point(1, true);
  init.attempt = 1;
  auto asked = driver::point(9);
  asked.attempt = 2;
  // One initial point was still running: the main phase waits for it, and the
  // two initial points not yet generated.
  o.initial = 2;
  driver t(o, {init, asked});
  t.add(2);
  t.start();
  BOOST_TEST(t.d.to_request() == 3u);
  std::set<point_id> first;
  for (auto& [s, j] : t.running)
    first.insert(j.id);
  BOOST_TEST(first == std::set<point_id>({1, 9}));
  BOOST_TEST(!t.d.main_started());
  t.run_to_end();
  std::uint64_t total = 0;
  for (auto k : t.asks)
    total += k;
  BOOST_TEST(total == 3u);
  BOOST_TEST(t.d.done());
}

BOOST_AUTO_TEST_CASE(stopping_ends_assignments_and_asks) {
  driver t(opts(1, 5));
  t.add(1);
  t.start();
  t.d.stop(1.0);
  BOOST_TEST(t.d.stopped());
  BOOST_TEST(t.d.assign(1.0).empty());
  BOOST_TEST(!t.d.ask(1.0).has_value());
  const auto& [s, j] = *t.running.begin();
  BOOST_CHECK(t.d.result(s, j.id, j.attempt, true, 1.0) == result_verdict::stale);
}

BOOST_AUTO_TEST_CASE(capacity_latency_and_last_dispatch_follow_the_clock) {
  driver t(opts(2, 4));
  t.add(2);
  t.start();                  // t = 0: both busy
  t.now = 1.0;
  t.finish();                 // one free: no ask
  t.now = 3.0;
  t.finish();                 // both free since t = 3: ask 2 at t = 3
  const auto& st = t.d.stats();
  BOOST_TEST(st.capacity == 2.0 * 3.0);
  BOOST_TEST(st.last_dispatch == 3.0);
  BOOST_TEST(st.capacity_steady == 6.0);
  BOOST_REQUIRE(st.dispatch_latency.size() == 2u);
  BOOST_TEST(st.dispatch_latency[1] == 0.0);
  t.now = 4.0;
  t.run_to_end();
  t.d.stop(5.0);
  BOOST_TEST(t.d.stats().capacity == 2.0 * 5.0);
  BOOST_TEST(t.d.stats().capacity_steady == 6.0);
}

BOOST_AUTO_TEST_CASE(options_are_validated_with_named_rules) {
  dispatch_options o;
  o.batch_size = 0;
  BOOST_CHECK_EXCEPTION(dispatcher{o}, std::invalid_argument, [](const auto& e) {
    return std::string(e.what()) == "dispatch: batch_size must be >= 1";
  });
  o.batch_size = 1;
  o.max_failure_fraction = 1.5;
  BOOST_TEST(o.validate() == "dispatch: max_failure_fraction must be in [0, 1]");
}

BOOST_AUTO_TEST_CASE(asks_split_into_engine_asks_of_at_most_batch_size) {
  BOOST_TEST(split_ask(5, 2) == std::vector<std::size_t>({2, 2, 1}));
  BOOST_TEST(split_ask(4, 4) == std::vector<std::size_t>({4}));
  BOOST_TEST(split_ask(3, 0) == std::vector<std::size_t>({1, 1, 1}));
  BOOST_TEST(split_ask(0, 2).empty());
}

// -- non-blocking dispatch (dispatch_options::fallback) ------------------------

namespace {

dispatch_options fallback_opts(std::size_t batch, std::uint64_t budget) {
  auto o = opts(batch, budget);
  o.fallback = true;
  return o;
}

std::vector<job> points(point_id& next, std::uint32_t k) {
  std::vector<job> out;
  for (std::uint32_t i = 0; i < k; ++i)
    out.push_back(driver::point(next++));
  return out;
}

/// Slot and job of every assignment, kept per slot.
void assign_all(dispatcher& d, std::map<slot_id, job>& running, double now) {
  for (auto& a : d.assign(now)) {
    BOOST_REQUIRE(running.count(a.slot) == 0u); // never two jobs on one evaluator
    running[a.slot] = a.work;
  }
}

void finish_one(dispatcher& d, std::map<slot_id, job>& running, double now) {
  auto it = running.begin();
  BOOST_REQUIRE(it != running.end());
  BOOST_TEST((d.result(it->first, it->second.id, 0, true, now) == result_verdict::final));
  running.erase(it);
}

} // namespace

BOOST_AUTO_TEST_CASE(evaluators_freed_during_an_ask_get_fallback_points_at_once) {
  dispatcher d(fallback_opts(2, 20));
  std::map<slot_id, job> running;
  point_id next = 0;
  for (int i = 0; i < 4; ++i)
    d.add_evaluator(0);
  d.start(0);
  // One ask is one batch; the two other free evaluators get a fallback.
  BOOST_TEST(*d.ask(0) == 2u);
  BOOST_TEST(*d.fallback(0) == 2u);
  BOOST_TEST(!d.fallback(0).has_value());  // one fallback at a time
  BOOST_TEST(!d.ask(0).has_value());       // and one ask
  d.fallback_answered(points(next, 2), 0);
  assign_all(d, running, 0);
  BOOST_TEST(d.busy() == 2u);              // two wait for their ask
  d.answered(points(next, 2), 0);
  assign_all(d, running, 0);
  BOOST_TEST(d.busy() == 4u);
  finish_one(d, running, 1);
  finish_one(d, running, 1);
  BOOST_TEST(*d.ask(1) == 2u);             // the k-of-n ask, outstanding
  BOOST_TEST(!d.fallback(1).has_value());  // both free evaluators are its (it is fast)
  finish_one(d, running, 2);               // a third frees while it runs
  BOOST_TEST(*d.fallback(2) == 1u);
  BOOST_TEST(d.to_request() == 20u - 4u - 2u - 1u);
  d.fallback_answered(points(next, 1), 2.5);
  assign_all(d, running, 2.5);
  BOOST_TEST(d.busy() == 2u);
  d.answered(points(next, 2), 3);
  assign_all(d, running, 3);
  BOOST_TEST(d.busy() == 4u);
  BOOST_TEST(d.stats().fallback_requests == 2u);
  BOOST_TEST(d.stats().fallback_points == 3u);
  // Every dispatch's latency: 0, 0 (the first fallback and ask), 0.5 (the
  // second fallback: 2 -> 2.5), 2 (the second ask: 1 -> 3).
  BOOST_TEST(d.stats().dispatch_latency == std::vector<double>({0.0, 0.0, 0.5, 2.0}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_fallback_answer_waits_for_the_next_ask) {
  dispatcher d(fallback_opts(1, 10));
  std::map<slot_id, job> running;
  point_id next = 0;
  d.add_evaluator(0);
  d.add_evaluator(0);
  d.start(0);
  BOOST_TEST(*d.ask(0) == 1u);
  BOOST_TEST(*d.fallback(0) == 1u);
  d.fallback_answered({}, 0);              // nothing to draw from yet
  BOOST_TEST(d.to_request() == 10u - 1u);  // its point went back to the budget
  BOOST_TEST(d.stats().fallback_empty == 1u);
  BOOST_TEST(!d.fallback(0).has_value());  // not asked again at every event
  BOOST_TEST(!d.done());
  d.answered(points(next, 1), 0);
  assign_all(d, running, 0);
  BOOST_TEST(*d.ask(0) == 1u);             // the waiting evaluator's ask
  d.answered(points(next, 1), 0);
  assign_all(d, running, 0);
  finish_one(d, running, 1);
  BOOST_TEST(*d.ask(1) == 1u);
  finish_one(d, running, 2);
  BOOST_TEST(*d.fallback(2) == 1u);        // after an answer, fallbacks are due again
}

BOOST_AUTO_TEST_CASE(after_a_slow_ask_its_own_evaluators_get_fallbacks_and_its_points_queue) {
  dispatcher d(fallback_opts(2, 7)); // fallback_after 0.05 of the median evaluation
  std::map<slot_id, job> running;
  point_id next = 0;
  for (int i = 0; i < 3; ++i)
    d.add_evaluator(0);
  d.start(0);
  BOOST_TEST(*d.ask(0) == 2u);
  BOOST_TEST(*d.fallback(0) == 1u);
  d.fallback_answered(points(next, 1), 0);
  d.answered(points(next, 2), 0);
  assign_all(d, running, 0);
  BOOST_TEST(d.busy() == 3u);
  finish_one(d, running, 1);               // evaluations take 1 s
  finish_one(d, running, 1);
  BOOST_TEST(*d.ask(1) == 2u);
  BOOST_TEST(!d.fallback(1).has_value());  // no slow ask yet: they wait
  d.answered(points(next, 2), 1.5);        // 0.5 s: slow against 1 s evaluations
  BOOST_TEST(d.asks_are_slow());
  assign_all(d, running, 1.5);
  finish_one(d, running, 2.5);
  finish_one(d, running, 2.5);
  BOOST_TEST(*d.ask(2.5) == 2u);           // the last of the budget (7 = 3 + 2 + 2)
  BOOST_TEST(d.to_request() == 0u);
  // The ask's own evaluators get fallbacks, taken from its share.
  BOOST_TEST(*d.fallback(2.5) == 2u);
  d.fallback_answered(points(next, 2), 2.6);
  assign_all(d, running, 2.6);
  BOOST_TEST(d.busy() == 3u);
  // The run can end without the ask: its points are surplus.
  while (!running.empty())
    finish_one(d, running, 3.6);
  BOOST_TEST(d.done());
  std::vector<job> surplus;
  d.answered(points(next, 2), 4, &surplus);
  BOOST_TEST(surplus.size() == 2u);
  BOOST_TEST(d.queued() == 0u);
  BOOST_TEST(d.stats().surplus == 2u);
  BOOST_TEST(d.stats().fallback_points == 3u);
}

BOOST_AUTO_TEST_CASE(without_the_option_no_fallback_is_ever_due) {
  dispatcher d(opts(1, 10));
  std::map<slot_id, job> running;
  point_id next = 0;
  d.add_evaluator(0);
  d.add_evaluator(0);
  d.start(0);
  d.answered(points(next, *d.ask(0)), 0);
  assign_all(d, running, 0);
  finish_one(d, running, 1);
  BOOST_TEST(*d.ask(1) == 1u);
  finish_one(d, running, 2);
  BOOST_TEST(!d.fallback(2).has_value());
  BOOST_TEST(d.idle() == 2u);              // both wait for the ask
}

// Random interleavings of results, slow ask answers and fallback answers
// (some empty, some short): the budget is asked exactly, every point is
// dispatched once, no evaluator holds two jobs, and the run ends.
BOOST_AUTO_TEST_CASE(random_schedules_with_fallbacks_spend_the_budget_exactly) {
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    std::mt19937_64 rng(seed);
    const std::size_t workers = 1 + rng() % 9;
    const std::size_t batch = 1 + rng() % workers;
    const std::uint64_t budget = 1 + rng() % 60;
    dispatcher d(fallback_opts(batch, budget));
    std::map<slot_id, job> running;
    point_id next = 0;
    for (std::size_t i = 0; i < workers; ++i)
      d.add_evaluator(0);
    d.start(0);
    std::optional<std::uint32_t> ask, fb;
    std::set<point_id> dispatched;
    std::uint64_t told = 0;
    double now = 0;
    for (int step = 0; step < 100000 && !d.done(); ++step) {
      now += 1;
      assign_all(d, running, now);
      for (auto& [s, j] : running)
        dispatched.insert(j.id);
      if (!ask)
        ask = d.ask(now);
      if (!fb)
        fb = d.fallback(now);
      const auto pick = rng() % 3;
      if (pick == 0 && !running.empty()) {
        finish_one(d, running, now);
        ++told;
      } else if (pick == 1 && ask) {
        const std::uint32_t n = rng() % 4 == 0 ? *ask - (*ask > 1 ? 1 : 0) : *ask;
        d.answered(points(next, n), now);
        ask.reset();
      } else if (pick == 2 && fb) {
        const auto r = rng() % 3;
        d.fallback_answered(points(next, r == 0 ? 0 : r == 1 ? *fb : (*fb + 1) / 2), now);
        fb.reset();
      }
    }
    BOOST_TEST_INFO("seed " << seed << ": " << workers << " workers, batch " << batch
                            << ", budget " << budget);
    BOOST_TEST(d.done());
    BOOST_TEST(told == budget);
    BOOST_TEST(dispatched.size() == budget);
    BOOST_TEST(d.to_request() == 0u);
  }
}

BOOST_AUTO_TEST_CASE(an_exhausted_space_drops_the_budget_and_ends_when_the_runs_are_back) {
  // 4 evaluators, batch 2, budget 20: the ask for 4 brings only 3 points
  // (a finite space ran out); the driver then says so.
  dispatcher d(opts(2, 20));
  for (int i = 0; i < 4; ++i)
    d.add_evaluator(0.0);
  d.start(0.0);
  auto k = d.ask(0.0);
  BOOST_REQUIRE(k.has_value());
  BOOST_TEST(*k == 4u);
  std::vector<job> pts;
  for (point_id id = 1; id <= 3; ++id)
    pts.push_back(driver::point(id));
  d.answered(std::move(pts), 0.0);
  d.exhaust();
  BOOST_TEST(d.exhausted());
  BOOST_TEST(d.to_request() == 0u);   // the missing point is not asked again
  auto a = d.assign(0.0);
  BOOST_TEST(a.size() == 3u);
  BOOST_TEST(!d.ask(0.0).has_value());
  BOOST_TEST(!d.done());              // three are still running
  for (auto& x : a) {
    BOOST_TEST(!d.done());
    d.result(x.slot, x.work.id, x.work.attempt, true, 1.0);
    BOOST_TEST(!d.ask(1.0).has_value());
  }
  BOOST_TEST(d.done());
  // A retry still runs: exhaustion drops only points not yet proposed.
  dispatch_options o = opts(1, 5);
  o.max_retries = 1;
  dispatcher r(o);
  r.add_evaluator(0.0);
  r.start(0.0);
  BOOST_REQUIRE(r.ask(0.0).has_value());
  r.answered({driver::point(9)}, 0.0);
  r.exhaust();
  auto b = r.assign(0.0);
  BOOST_REQUIRE(b.size() == 1u);
  BOOST_TEST((r.result(b[0].slot, 9, 0, false, 1.0) == result_verdict::retried));
  auto c = r.assign(1.0);
  BOOST_REQUIRE(c.size() == 1u);
  BOOST_TEST(c[0].work.attempt == 1u);
  BOOST_TEST(!r.done());
  r.result(c[0].slot, 9, 1, true, 2.0);
  BOOST_TEST(r.done());
}

BOOST_AUTO_TEST_CASE(on_a_lattice_repeated_points_are_dropped_and_their_budget_asked_again) {
  dispatch_options o = opts(2, 10);
  o.distinct_points = true;
  o.fallback = true;
  dispatcher d(o);
  for (int i = 0; i < 3; ++i)
    d.add_evaluator(0.0);
  d.start(0.0);
  auto at = [](point_id id, double u) {
    job j = driver::point(id);
    j.unit = {u};
    j.x = {u};
    return j;
  };
  // An ask for 2 is outstanding; a fallback draws 0.5 for the third
  // evaluator, and the ask then brings 0.5 too: it is dropped (surplus, for
  // the caller to forget) and its budget is asked again.
  BOOST_REQUIRE(d.ask(0.0) == std::optional<std::uint32_t>(2));
  BOOST_REQUIRE(d.fallback(0.0) == std::optional<std::uint32_t>(1));
  d.fallback_answered({at(1, 0.5)}, 0.0);
  std::vector<job> dropped;
  d.answered({at(2, 0.5), at(3, 0.25)}, 0.0, &dropped);
  BOOST_TEST(dropped.size() == 1u);
  BOOST_TEST(dropped[0].id == 2u);
  BOOST_TEST(d.stats().duplicates == 1u);
  BOOST_TEST(d.to_request() == 8u);   // 10 - 1 fallback - 1 kept
  auto a = d.assign(0.0);
  BOOST_TEST(a.size() == 2u);
  // 0.5 finishes; without repeats it is never queued again, with them it
  // may be (it is no longer queued or in flight); 0.25 is still running and
  // is dropped either way.
  for (auto& x : a)
    if (x.work.id == 1)
      d.result(x.slot, 1, 0, true, 1.0);
  BOOST_REQUIRE(d.ask(1.0).has_value());
  dropped.clear();
  d.answered({at(4, 0.5), at(5, 0.25)}, 1.0, &dropped);
  BOOST_TEST(dropped.size() == 2u);
  d.allow_repeats(true);
  BOOST_REQUIRE(d.ask(1.0).has_value());
  dropped.clear();
  d.answered({at(6, 0.5), at(7, 0.25)}, 1.0, &dropped);
  BOOST_TEST(dropped.size() == 1u);
  BOOST_TEST(dropped[0].id == 7u);
  BOOST_TEST(d.stats().duplicates == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
