// SPDX-License-Identifier: Apache-2.0
// The live view: what the dashboard serves, from what the actors publish.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "io/live.hpp"
#include "io/plot.hpp"

using namespace asyncbo::io;
using asyncbo::attempt_status;

namespace {

evaluation_record rec(std::uint64_t id, double v, attempt_status s = attempt_status::ok,
                      bool final = true) {
  evaluation_record r;
  r.id = id;
  r.x = {0.1 * double(id), 0.5};
  r.value = v;
  r.status = s;
  r.final = final;
  r.worker = "local/" + std::to_string(id % 2);
  r.reason = s == attempt_status::ok ? "" : "boom " + std::to_string(id);
  r.end_time = double(id);
  return r;
}

objective_spec branin() {
  objective_spec o;
  o.name = "scaled-branin";
  o.names = {"x0", "x1"};
  o.minimum = -1.0473939;
  return o;
}

live_view make_view(std::vector<evaluation_record> previous = {}) {
  return live_view(branin(), "title", 10, std::chrono::steady_clock::now(),
                   std::move(previous));
}

} // namespace

BOOST_AUTO_TEST_SUITE(live_view_state)

BOOST_AUTO_TEST_CASE(counts_best_and_failures_follow_the_records) {
  auto v = make_view({rec(0, 3.0)});
  v.add_record(rec(1, 1.0));
  v.add_record(rec(2, 0.0, attempt_status::error, false));   // retried
  v.add_record(rec(2, 0.0, attempt_status::timeout, true));  // failed for good
  v.add_record(rec(3, 2.0));
  auto s = v.status_json();
  BOOST_TEST(s["state"] == "running");
  BOOST_TEST(s["evaluations"]["ok"] == 3);
  BOOST_TEST(s["evaluations"]["failed"] == 1);
  BOOST_TEST(s["evaluations"]["retried"] == 1);
  BOOST_TEST(s["evaluations"]["total"] == 10);
  BOOST_TEST(s["evaluations"]["records"] == 5);
  BOOST_TEST(s["best"]["value"] == 1.0);
  BOOST_TEST(s["best"]["id"] == 1);
  BOOST_TEST(s["best"]["x"]["x0"] == 0.1);
  BOOST_TEST(s["best"]["x"]["x1"] == 0.5);
  BOOST_TEST(s["minimum"] == -1.0473939);
  // Newest failure first, with its reason.
  BOOST_TEST_REQUIRE(s["failures"].size() == 2u);
  BOOST_TEST(s["failures"][0]["status"] == "timeout");
  BOOST_TEST(s["failures"][0]["reason"] == "boom 2");
  BOOST_TEST(s["failures"][1]["status"] == "error");
  // ETA from this process's pace: 2 ok here (1 from the resumed log).
  BOOST_TEST(s["eta_s"].is_number());
  BOOST_TEST(s["recommended"].is_null());
  BOOST_TEST(s["recommended_mean"].is_null());   // NaN is not JSON
}

BOOST_AUTO_TEST_CASE(observations_since_pages_through_the_log_in_arrival_order) {
  auto v = make_view();
  // Asynchronous: ids arrive out of order, so paging is by sequence number.
  for (std::uint64_t id : {2, 0, 3, 1, 4})
    v.add_record(rec(id, double(id)));
  auto a = v.observations_json(0, 2);
  BOOST_TEST(a["since"] == 0);
  BOOST_TEST(a["next"] == 2);
  BOOST_TEST(a["total"] == 5);
  BOOST_TEST_REQUIRE(a["observations"].size() == 2u);
  BOOST_TEST(a["observations"][0]["id"] == 2);
  BOOST_TEST(a["observations"][0]["seq"] == 0);
  BOOST_TEST(a["observations"][1]["id"] == 0);
  BOOST_TEST(a["observations"][1]["x"]["x1"] == 0.5);
  auto b = v.observations_json(a["next"].get<std::size_t>(), 100);
  BOOST_TEST(b["next"] == 5);
  BOOST_TEST_REQUIRE(b["observations"].size() == 3u);
  BOOST_TEST(b["observations"][2]["id"] == 4);
  BOOST_TEST(b["observations"][2]["seq"] == 4);
  auto c = v.observations_json(99, 100);   // beyond the end: empty, next = total
  BOOST_TEST(c["observations"].empty());
  BOOST_TEST(c["next"] == 5);
  auto all = v.observations_json(0, 100);
  BOOST_TEST(all["observations"][0]["value"] == 2.0);
}

BOOST_AUTO_TEST_CASE(evaluators_queue_pending_and_latencies_come_from_the_pool) {
  auto v = make_view();
  live_pool p;
  live_evaluator idle{"local/0", "local", false, 0, 0, {}, 0.0};
  live_evaluator busy{"n1/1", "n1", true, 7, 1, {0.25, 0.75}, 0.0};
  p.evaluators = {idle, busy};
  p.queued = {{0.5, 0.5}};
  p.asks = 3;
  p.median_ask_ms = 12.5;
  p.median_dispatch_ms = 13.0;
  p.last_ask_ms = 11.0;
  p.recommended_mean = -0.9;
  v.set_pool(p);
  auto e = v.evaluators_json()["evaluators"];
  BOOST_TEST_REQUIRE(e.size() == 2u);
  BOOST_TEST(e[0]["busy"] == false);
  BOOST_TEST(!e[0].contains("x"));
  BOOST_TEST(e[1]["busy"] == true);
  BOOST_TEST(e[1]["remote"] == true);
  BOOST_TEST(e[1]["id"] == 7);
  BOOST_TEST(e[1]["attempt"] == 1);
  BOOST_TEST(e[1]["x"]["x0"] == 0.25);
  BOOST_TEST(e[1]["running_s"].get<double>() >= 0.0);
  auto s = v.status_json();
  BOOST_TEST(s["evaluators"]["busy"] == 1);
  BOOST_TEST(s["evaluators"]["total"] == 2);
  BOOST_TEST(s["queue"].size() == 1u);
  BOOST_TEST(s["pending"].size() == 1u);
  BOOST_TEST(s["pending"][0]["id"] == 7);
  BOOST_TEST(s["asks"] == 3);
  BOOST_TEST(s["latency_ms"]["median_ask"] == 12.5);
  BOOST_TEST(s["latency_ms"]["median_dispatch"] == 13.0);
  BOOST_TEST(s["recommended_mean"] == -0.9);
}

BOOST_AUTO_TEST_CASE(finish_freezes_the_clock_and_idles_the_evaluators) {
  auto v = make_view();
  live_pool p;
  p.evaluators = {live_evaluator{"local/0", "local", true, 1, 0, {0.1, 0.2}, 0.0}};
  v.set_pool(p);
  recommendation r;
  r.found = true;
  r.x = {0.3, 0.4};
  r.mean = -1.0;
  v.set_recommendation(r);
  v.finish(run_status::failed, "too many failures");
  auto s = v.status_json();
  BOOST_TEST(s["state"] == "failed");
  BOOST_TEST(s["message"] == "too many failures");
  BOOST_TEST(s["eta_s"].is_null());
  BOOST_TEST(s["recommended"]["mean"] == -1.0);
  BOOST_TEST(s["recommended"]["x"]["x1"] == 0.4);
  const double t = s["elapsed_s"].get<double>();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  BOOST_TEST(v.status_json()["elapsed_s"].get<double>() == t);
  BOOST_TEST(v.evaluators_json()["evaluators"][0]["busy"] == false);
}

BOOST_AUTO_TEST_CASE(the_plot_is_the_one_plotter_and_is_redrawn_on_news) {
  auto v = make_view();
  v.add_record(rec(0, 2.0));
  v.add_record(rec(1, 1.0));
  const auto spec = branin();
  std::vector<evaluation_record> recs = {rec(0, 2.0), rec(1, 1.0)};
  BOOST_TEST(v.plot_svg()
             == make_plot_svg(recs, spec.names, spec.builtin(), known_answer_of(spec.name, spec.minimum), "title"));
  const auto first = v.plot_svg();   // cached
  BOOST_TEST(first == v.plot_svg());
  v.add_record(rec(2, 0.5));
  BOOST_TEST(v.plot_svg() != first);
  recs.push_back(rec(2, 0.5));
  BOOST_TEST(v.plot_svg()
             == make_plot_svg(recs, spec.names, spec.builtin(), known_answer_of(spec.name, spec.minimum), "title"));
}

BOOST_AUTO_TEST_CASE(readers_and_writers_on_many_threads_see_consistent_counts) {
  auto v = make_view();
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i)
    readers.emplace_back([&] {
      while (!stop) {
        auto s = v.status_json();
        auto o = v.observations_json(0, 1000000);
        // A snapshot never shows more ok rows than records.
        if (s["evaluations"]["ok"].get<std::size_t>()
            > s["evaluations"]["records"].get<std::size_t>())
          ++bad;
        if (o["observations"].size() != o["next"].get<std::size_t>())
          ++bad;
      }
    });
  for (std::uint64_t i = 0; i < 2000; ++i)
    v.add_record(rec(i, double(i)));
  stop = true;
  for (auto& t : readers)
    t.join();
  BOOST_TEST(bad == 0);
  BOOST_TEST(v.records() == 2000u);
}

BOOST_AUTO_TEST_CASE(token_comparison_is_exact) {
  BOOST_TEST(equal_constant_time("s3cret", "s3cret"));
  BOOST_TEST(!equal_constant_time("s3cret", "s3creT"));
  BOOST_TEST(!equal_constant_time("s3cret", "s3cre"));
  BOOST_TEST(!equal_constant_time("", "x"));
  BOOST_TEST(equal_constant_time("", ""));
  BOOST_TEST(!equal_constant_time(std::string("a\0b", 3), "a"));
}

BOOST_AUTO_TEST_SUITE_END()
