// SPDX-License-Identifier: Apache-2.0
// Message flow of the runtime on CAF's deterministic test scheduler: k-of-n
// batching, idle-worker refill, the budget, failing and lost evaluators.
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "actors/collector.hpp"
#include "actors/evaluator.hpp"
#include "actors/optimizer.hpp"
#include "actors/pool.hpp"
#include "actors/sampler.hpp"
#include "core/engine.hpp"
#include "support/caf_fixture.hpp"

using namespace asyncbo;
using namespace asyncbo::actors;

namespace {

struct flow : asyncbo::test::caf_fixture {
  std::shared_ptr<std::optional<run_outcome>> out
    = std::make_shared<std::optional<run_outcome>>();
  std::shared_ptr<engine> eng;
  optimizer_actor opt;
  collector_actor col;
  pool_actor pl;
  std::vector<evaluator_actor> evs;

  struct setup {
    std::size_t workers = 4;
    std::size_t batch = 2;
    std::uint64_t initial = 3;
    std::uint64_t budget = 6;
    std::uint32_t retries = 0;
    double max_failure_fraction = 1.0;
    rule_kind rule = rule_kind::random;
    point_function fn;
    std::string summary_dir;   ///< "" = no summary
  };

  void build(setup s) {
    const auto& f = *find_test_function("scaled-branin");
    if (!s.fn)
      s.fn = builtin_function(f);
    engine_options eo;
    eo.rule = s.rule;
    eo.likelihood_variance = 1e-7;
    eo.qei.samples = 64;
    eng = std::make_shared<engine>(f.space(), eo, 1);
    opt = keep(sys.spawn(optimizer, eng, s.batch, false));
    auto sink = keep(sys.spawn(asyncbo::test::outcome_sink, out));
    collector_config cc;
    cc.total_points = s.initial + s.budget;
    cc.objective.names = {"x0", "x1"};
    cc.dir = s.summary_dir;
    col = keep(sys.spawn(collector, cc, opt, sink));
    pool_config pc;
    pc.dispatch.batch_size = s.batch;
    pc.dispatch.budget = s.budget;
    pc.dispatch.initial = s.initial;
    pc.dispatch.max_retries = s.retries;
    pc.dispatch.max_failure_fraction = s.max_failure_fraction;
    pl = keep(sys.spawn(pool, pc, opt, col));
    delay_model d;
    d.type = delay_model::kind::linear_sum;
    d.factor = 1.0;
    for (std::size_t i = 0; i < s.workers; ++i)
      evs.push_back(keep(sys.spawn(evaluator, "w" + std::to_string(i),
                                   point_evaluation(s.fn, "w" + std::to_string(i)), d, false)));
    caf::anon_send(pl, join_atom::value, std::string(), std::string("local"), evs);
    caf::anon_send(pl, start_atom::value);
    sched.run();
  }

  /// The pool's state, through its public status query.
  pool_snapshot status() {
    caf::scoped_actor self{sys};
    self->send(pl, status_atom::value);
    sched.run();
    pool_snapshot snap;
    self->receive([&](pool_snapshot& x) { snap = x; });
    return snap;
  }

  /// An evaluator of ScaledBranin (no delay) that is not yet in the pool.
  evaluator_actor extra_evaluator(const std::string& name) {
    return keep(sys.spawn(evaluator, name,
                          point_evaluation(builtin_function(
                                             *find_test_function("scaled-branin")),
                                           name),
                          delay_model{}, false));
  }
  collector_state& col_st() { return state_of<collector_state>(col); }

  std::size_t busy() { return status().busy; }
  std::size_t asks() { return status().asks; }

  /// Lets the next simulated evaluation finish.
  bool step() {
    if (!sched.trigger_timeout())
      return false;
    sched.run();
    return true;
  }

  void run_to_end() {
    for (int i = 0; i < 10000 && !*out; ++i)
      if (!step())
        break;
    BOOST_REQUIRE(out->has_value());
  }

  /// Number of ok rows per id.
  std::map<std::uint64_t, int> ok_rows() {
    std::map<std::uint64_t, int> m;
    for (auto& r : col_st().records)
      m[r.id] += r.ok() ? 1 : 0;
    return m;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(actor_flow, flow)

BOOST_AUTO_TEST_CASE(k_of_n_batching_waits_for_batch_size_results) {
  build({});
  // The initial design (no delay) is in; every worker got a point from one
  // ask of 4 (two engine asks of 2).
  BOOST_TEST(col_st().records.size() == 3u);
  BOOST_TEST(asks() == 1u);
  BOOST_TEST(busy() == 4u);
  BOOST_TEST(eng->pending().size() == 4u);
  // One result: one worker free, fewer than batch-size: no ask.
  BOOST_REQUIRE(step());
  BOOST_TEST(asks() == 1u);
  BOOST_TEST(busy() == 3u);
  // Second result completes the batch: ask 2, all workers busy again.
  BOOST_REQUIRE(step());
  BOOST_TEST(asks() == 2u);
  BOOST_TEST(busy() == 4u);
  BOOST_TEST(status().to_request == 0u); // 4 + 2 = budget of 6
  run_to_end();
  BOOST_TEST((*out)->exit_code() == 0);
  BOOST_CHECK((*out)->status == io::run_status::completed);
  BOOST_TEST(col_st().records.size() == 9u);
  BOOST_TEST(eng->num_data() == 9u);
  BOOST_TEST(eng->pending().empty());
  for (auto& [id, n] : ok_rows())
    BOOST_TEST(n == 1, "id " << id);
}

BOOST_AUTO_TEST_CASE(batch_one_refills_every_free_worker_at_once) {
  setup s;
  s.workers = 3;
  s.batch = 1;
  s.budget = 8;
  build(s);
  BOOST_TEST(busy() == 3u);
  for (int i = 0; i < 5; ++i) {
    BOOST_REQUIRE(step());
    BOOST_TEST(busy() == 3u, "after result " << i);
  }
  run_to_end();
  BOOST_TEST(col_st().records.size() == 11u);
}

BOOST_AUTO_TEST_CASE(budget_is_never_exceeded_and_the_run_ends_when_all_return) {
  setup s;
  s.budget = 5;
  build(s);
  run_to_end();
  std::set<std::uint64_t> ids;
  for (auto& r : col_st().records)
    ids.insert(r.id);
  BOOST_TEST(ids.size() == 8u); // 3 initial + 5
  BOOST_TEST(status().to_request == 0u);
  BOOST_TEST(!status().ask_outstanding);
  BOOST_TEST(busy() == 0u);
}

BOOST_AUTO_TEST_CASE(failing_evaluations_are_retried_then_forgotten) {
  setup s;
  s.retries = 1;
  s.budget = 10;
  s.fn = [](const std::vector<double>& x) -> double {
    if (x[0] < 0.5)
      throw std::runtime_error("simulated crash");
    return x[0] + x[1];
  };
  build(s);
  run_to_end();
  BOOST_TEST((*out)->exit_code() == 0);
  std::map<std::uint64_t, std::vector<attempt_status>> rows;
  for (auto& r : col_st().records)
    rows[r.id].push_back(r.status);
  BOOST_TEST(rows.size() == 13u);
  std::size_t failed = 0;
  for (auto& [id, st] : rows) {
    if (st.back() == attempt_status::ok) {
      BOOST_TEST(st.size() == 1u);
    } else {
      ++failed;
      // attempt 0 and its retry, both recorded with the reason
      BOOST_TEST(st.size() == 2u);
      BOOST_CHECK(st[0] == attempt_status::exception);
    }
  }
  BOOST_TEST(failed > 0u);
  BOOST_TEST(status().retried == failed);
  BOOST_TEST(eng->pending().empty());
  BOOST_TEST(eng->num_data() == 13u - failed);
}

BOOST_AUTO_TEST_CASE(too_many_failures_stop_the_run_with_a_reason) {
  setup s;
  s.max_failure_fraction = 0.25;
  s.fn = [](const std::vector<double>&) -> double { return std::nan(""); };
  build(s);
  run_to_end();
  BOOST_TEST((*out)->exit_code() == 1);
  BOOST_CHECK((*out)->status == io::run_status::failed);
  BOOST_TEST((*out)->message.find("more than objective.max-failure-fraction")
             != std::string::npos);
  for (auto& r : col_st().records)
    BOOST_CHECK(r.status == attempt_status::not_finite);
}

BOOST_AUTO_TEST_CASE(a_lost_evaluator_s_point_is_redispatched_once) {
  build({});
  BOOST_REQUIRE(busy() == 4u);
  // Kill one busy evaluator: its point goes to the next free evaluator.
  caf::anon_send_exit(evs[0], caf::exit_reason::kill);
  sched.run();
  BOOST_TEST(status().requeued == 1u);
  BOOST_TEST(status().evaluators == 3u);
  run_to_end();
  BOOST_TEST((*out)->exit_code() == 0);
  std::size_t lost = 0;
  for (auto& r : col_st().records)
    lost += r.status == attempt_status::lost ? 1 : 0;
  BOOST_TEST(lost == 1u);
  auto oks = ok_rows();
  BOOST_TEST(oks.size() == 9u);
  for (auto& [id, n] : oks)
    BOOST_TEST(n == 1, "id " << id);
}

BOOST_AUTO_TEST_CASE(an_evaluator_joining_mid_run_gets_work_at_once) {
  setup s;
  s.workers = 2;
  s.batch = 2;
  s.budget = 10;
  build(s);
  BOOST_TEST(busy() == 2u);
  const auto asks_before = asks();
  // A new evaluator joins while both others are busy: it is fed immediately,
  // although fewer than batch-size evaluators are free.
  auto extra = extra_evaluator("late");
  caf::anon_send(pl, join_atom::value, std::string(), std::string("late-node"),
                 std::vector<evaluator_actor>{extra});
  sched.run();
  BOOST_TEST(asks() == asks_before + 1);
  BOOST_TEST(status().evaluators == 3u);
  run_to_end();
  BOOST_TEST((*out)->exit_code() == 0);
  bool late_worked = false;
  for (auto& r : col_st().records)
    late_worked = late_worked || r.worker == "late";
  BOOST_TEST(late_worked);
}

BOOST_AUTO_TEST_CASE(joins_with_a_wrong_secret_are_rejected) {
  build({});
  auto extra = extra_evaluator("x");
  caf::anon_send(pl, join_atom::value, std::string("guess"), std::string("intruder"),
                 std::vector<evaluator_actor>{extra});
  sched.run();
  BOOST_TEST(status().evaluators == 4u);
  BOOST_TEST(status().rejected == 1u);
  run_to_end();
  for (auto& r : col_st().records)
    BOOST_TEST(r.worker != "x");
}

BOOST_AUTO_TEST_CASE(model_based_rule_sees_in_flight_points_as_pending) {
  setup s;
  s.rule = rule_kind::async_joint;
  s.budget = 4;
  build(s);
  // 4 asked points in flight = 4 pending in the engine; the data holds the
  // initial design.
  BOOST_TEST(eng->pending().size() == 4u);
  BOOST_TEST(eng->num_data() == 3u);
  BOOST_CHECK(eng->last_ask().status == ask_status::ok);
  run_to_end();
  BOOST_TEST(eng->pending().empty());
  BOOST_TEST(eng->num_data() == 7u);
}

BOOST_AUTO_TEST_CASE(a_summary_that_cannot_be_written_fails_the_run_with_the_reason) {
  setup s;
  s.budget = 2;
  s.summary_dir = "/nonexistent-asyncbo-dir";
  build(s);
  run_to_end();
  BOOST_TEST((*out)->exit_code() == 1);
  BOOST_TEST((*out)->message.find("writing the summary: cannot write "
                                  "/nonexistent-asyncbo-dir/summary.json")
               == 0u,
             (*out)->message);
}

BOOST_AUTO_TEST_CASE(the_pool_reports_its_state_on_request) {
  setup s;
  s.budget = 6;
  build(s);
  auto snap = status();
  BOOST_TEST(snap.evaluators == 4u);
  BOOST_TEST(snap.busy == 4u);
  BOOST_TEST(snap.asks == 1u);
  BOOST_TEST(snap.to_request == 2u);
  BOOST_TEST(!snap.ask_outstanding);
}

BOOST_AUTO_TEST_CASE(fallback_points_travel_in_process_and_join_the_pending_set) {
  setup s;
  s.rule = rule_kind::async_joint;
  s.budget = 4;
  build(s); // the initial design and the first ask: 4 points in flight
  auto smp = keep(sys.spawn(sampler));
  caf::scoped_actor self{sys};
  // The request carries the engine's snapshot itself (a shared model, local
  // only) and answers with points of the request's batch, flagged.
  fallback_request req;
  req.source = eng->snapshot();
  req.k = 3;
  req.batch = 7;
  self->send(smp, fallback_atom::value, req);
  sched.run();
  proposal_batch b;
  self->receive([&](proposal_batch& x) { b = std::move(x); });
  BOOST_REQUIRE(b.points.size() == 3u);
  std::set<point_id> ids;
  for (auto& [id, p] : eng->pending())
    ids.insert(id);
  for (auto& j : b.points) {
    BOOST_TEST(j.fallback);
    BOOST_TEST(j.batch == 7u);
    BOOST_TEST(j.attempt == 0u);
    BOOST_TEST(ids.insert(j.id).second); // never an id the engine handed out
  }
  // Dispatched, it joins the engine's pending set through the collector.
  const std::size_t before = eng->pending().size();
  caf::anon_send(col, dispatch_atom::value, b.points[0], 1.0);
  sched.run();
  BOOST_TEST(eng->pending().size() == before + 1);
  BOOST_TEST(eng->pending().count(b.points[0].id) == 1u);
  // Without a source (no model yet) there is nothing to draw: no point.
  req.source = nullptr;
  req.k = 2;
  self->send(smp, fallback_atom::value, req);
  sched.run();
  self->receive([&](proposal_batch& x) { b = std::move(x); });
  BOOST_TEST(b.points.empty());
}

BOOST_AUTO_TEST_SUITE_END()
