// SPDX-License-Identifier: Apache-2.0
// Event-log replay for --resume: what the log says is done and open, refusing
// changed problems, the rows of attempts that died with the head, and the
// engine rebuilt. Reading and writing the log itself: tests/io/event_log_test.cpp.
#include <boost/test/unit_test.hpp>

#include "app/resume.hpp"
#include "support/process.hpp"

using namespace asyncbo;
using namespace asyncbo::app;

namespace {

io::settings branin_settings() {
  io::settings s;
  s.objective.name = "scaled-branin";
  s.dispatch.budget = 10;
  s.dispatch.initial = 2;
  return s;
}

io::evaluation_record result(std::uint64_t id, std::uint32_t attempt, bool initial,
                             double value, attempt_status st, bool final, double t) {
  io::evaluation_record r;
  r.id = id;
  r.attempt = attempt;
  r.initial = initial;
  r.x = {0.1 * double(id + 1), 0.5};
  r.value = value;
  r.status = st;
  r.final = final;
  r.end_time = t;
  return r;
}

/// A log: two initial points told, point 2 ok, point 3 failed once then
/// running again (open), point 4 dispatched and never answered.
std::string write_log(const std::string& dir) {
  const std::string path = dir + "/events.jsonl";
  io::event_log ev(path, false);
  auto s = branin_settings();
  ev.header(io::to_json(s), {"x0", "x1"});
  ev.dispatch(0, 0, {0.1, 0.5}, true, 0, 0.0);
  ev.dispatch(1, 0, {0.2, 0.5}, true, 0, 0.0);
  ev.result(result(0, 0, true, 1.0, attempt_status::ok, true, 0.1));
  ev.result(result(1, 0, true, 2.0, attempt_status::ok, true, 0.2));
  ev.dispatch(2, 0, {0.3, 0.5}, false, 1, 0.3);
  ev.dispatch(3, 0, {0.4, 0.5}, false, 1, 0.3);
  ev.result(result(2, 0, false, 0.5, attempt_status::ok, true, 1.0));
  ev.result(result(3, 0, false, 0.0, attempt_status::error, false, 1.1));
  ev.dispatch(3, 1, {0.4, 0.5}, false, 1, 1.1);
  ev.dispatch(4, 0, {0.5, 0.5}, false, 2, 1.2);
  ev.note("node n1 registered", 1.3);
  return path;
}

} // namespace

BOOST_AUTO_TEST_SUITE(resume_from_the_log)

BOOST_AUTO_TEST_CASE(the_log_tells_what_is_done_and_what_is_open) {
  asyncbo::test::temp_dir d;
  auto log = read_event_log(write_log(d.path));
  BOOST_TEST(log.names == std::vector<std::string>({"x0", "x1"}));
  BOOST_TEST(log.records.size() == 4u);
  BOOST_TEST(log.points.size() == 5u);
  BOOST_TEST(log.initial_points() == 2u);
  BOOST_TEST(log.asked_points() == 3u);
  BOOST_TEST(log.failed_points() == 0u);
  BOOST_TEST(log.next_id() == 5u);
  BOOST_TEST(log.last_time == 1.2);
  BOOST_TEST(log.warnings.empty());
  auto lost = lost_attempts(log, 2.0);
  BOOST_REQUIRE(lost.size() == 2u);
  BOOST_TEST(lost[0].id == 3u);
  BOOST_TEST(lost[0].attempt == 1u);
  BOOST_CHECK(lost[0].status == attempt_status::lost);
  BOOST_TEST(!lost[0].final);
  BOOST_TEST(lost[1].id == 4u);
  BOOST_TEST(lost[1].end_time == 2.0);
}

BOOST_AUTO_TEST_CASE(the_engine_gets_the_data_and_the_open_points_back) {
  asyncbo::test::temp_dir d;
  auto log = read_event_log(write_log(d.path));
  const auto& f = *find_test_function("scaled-branin");
  engine e(f.space(), engine_options{}, 1);
  auto requeue = restore_engine(log, e);
  BOOST_TEST(e.num_data() == 3u);              // ids 0, 1, 2
  BOOST_TEST(e.data_y() == std::vector<double>({1.0, 2.0, 0.5}));
  BOOST_TEST(e.pending().size() == 2u);        // ids 3 and 4
  BOOST_REQUIRE(requeue.size() == 2u);
  BOOST_TEST(requeue[0].id == 3u);
  BOOST_TEST(requeue[0].attempt == 2u);        // after attempts 0 and 1
  BOOST_TEST(requeue[1].id == 4u);
  BOOST_TEST(requeue[1].attempt == 1u);
  BOOST_TEST(requeue[1].unit.size() == 2u);
  // New ids continue above the log's.
  BOOST_TEST(e.ask(1).front().id == 5u);
}

BOOST_AUTO_TEST_CASE(point_failures_come_back_as_failure_data_lost_attempts_never_do) {
  asyncbo::test::temp_dir d;
  const auto path = write_log(d.path);
  {
    io::event_log ev(path, false);
    // Point 3's retry fails for good: failure data. Point 4 is lost (never
    // final) and then cancelled by an interrupt: neither is failure data.
    ev.result(result(3, 1, false, 0.0, attempt_status::timeout, true, 1.5));
    ev.result(result(4, 0, false, 0.0, attempt_status::lost, false, 1.6));
    ev.dispatch(4, 1, {0.5, 0.5}, false, 2, 1.6);
    ev.result(result(4, 1, false, 0.0, attempt_status::cancelled, false, 1.7));
  }
  auto log = read_event_log(path);
  const auto& f = *find_test_function("scaled-branin");
  engine e(f.space(), engine_options{}, 1);
  auto requeue = restore_engine(log, e);
  BOOST_TEST(e.num_failures() == 1u);
  BOOST_TEST(e.num_data() == 3u);
  BOOST_REQUIRE(requeue.size() == 1u);
  BOOST_TEST(requeue[0].id == 4u);
  BOOST_TEST(log.failed_points() == 1u);
}

BOOST_AUTO_TEST_CASE(a_changed_problem_is_refused_naming_the_key) {
  asyncbo::test::temp_dir d;
  auto log = read_event_log(write_log(d.path));
  auto s = branin_settings();
  BOOST_TEST(check_resume(log, s) == "");
  s.num_workers = 16;            // not problem-defining
  s.engine.rule = rule_kind::async_greedy;
  s.engine.acquisition = acquisition_kind::local_penalization;
  BOOST_TEST(check_resume(log, s) == "");
  auto changed = branin_settings();
  changed.objective.name = "branin";
  BOOST_TEST(check_resume(log, changed)
             == "experiment.objective is \"scaled-branin\" in the log but \"branin\" now");
  changed = branin_settings();
  changed.dispatch.initial = 3;
  BOOST_TEST(check_resume(log, changed).find("experiment.num-initial-points is 2") == 0u);
  changed = branin_settings();
  changed.dispatch.budget = 2;
  BOOST_TEST(check_resume(log, changed)
             == "experiment.num-observations is 2 but the log already asked 3 points");
}

BOOST_AUTO_TEST_SUITE_END()
