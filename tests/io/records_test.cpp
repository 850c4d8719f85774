// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "io/event_log.hpp"
#include "io/summary.hpp"
#include "support/process.hpp"

using namespace asyncbo::io;

namespace {

std::string read_all(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

evaluation_record rec(std::uint64_t id, double v,
                      asyncbo::attempt_status status = asyncbo::attempt_status::ok) {
  evaluation_record r;
  r.id = id;
  r.x = {0.1 * double(id), 1.0 / 3.0};
  r.value = v;
  r.status = status;
  r.end_time = double(id);
  r.start_time = double(id) - 0.5;
  return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(records_and_summary)

BOOST_AUTO_TEST_CASE(csv_rows_are_exact_and_quoted) {
  auto r = rec(3, -1.0473939);
  r.reason = "a, \"b\"";
  r.status = asyncbo::attempt_status::error;
  auto row = observations_csv::row(r);
  BOOST_TEST(row.rfind("3,0,asked,0.30000000000000004,0.3333333333333333,,error,"
                       "\"a, \"\"b\"\"\",",
                       0)
             == 0u,
             row);
  BOOST_TEST(observations_csv::header({"lr", "depth"})
             == "id,attempt,kind,lr,depth,value,status,reason,worker,batch,"
                "dispatch_s,start_s,end_s");
}

BOOST_AUTO_TEST_CASE(logs_append_line_by_line) {
  asyncbo::test::temp_dir d;
  {
    observations_csv csv(d.path + "/o.csv", {"x0", "x1"}, false, false);
    csv.write(rec(0, 1.0));
    event_log ev(d.path + "/e.jsonl", true);
    ev.header({{"experiment", {{"seed", 1}}}}, {"x0", "x1"});
    ev.dispatch(0, 0, {0.5, 0.5}, true, 0, 0.25);
    ev.result(rec(0, 1.0));
  }
  auto text = read_all(d.path + "/o.csv");
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') == 2);
  auto ev = read_all(d.path + "/e.jsonl");
  BOOST_TEST(std::count(ev.begin(), ev.end(), '\n') == 3);
  // A result line reads back to the same record.
  auto last = ev.substr(ev.rfind('\n', ev.size() - 2) + 1);
  auto back = record_from_json(nlohmann::json::parse(last));
  BOOST_TEST(back.value == 1.0);
  BOOST_TEST(back.x[1] == 1.0 / 3.0);
  BOOST_CHECK_THROW(record_from_json(nlohmann::json{{"id", 1}}), std::invalid_argument);
  BOOST_CHECK_THROW(line_file("/nonexistent-dir/x", false), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(summary_counts_and_regret) {
  std::vector<evaluation_record> recs = {rec(0, 2.0), rec(1, 1.0), rec(2, 0.0, asyncbo::attempt_status::timeout),
                                         rec(3, 0.5)};
  recs[0].initial = true;
  auto lost = rec(4, 0.0, asyncbo::attempt_status::lost);
  recs.push_back(lost);
  recs.push_back(rec(4, 0.25));
  run_stats st;
  st.wall_time_s = 10;
  st.main_start_s = 0;
  st.capacity_seconds = 20;
  st.ask_ms = {1, 3, 2};
  auto j = make_summary(recs, {"a", "b"}, known_answer{0.125, {}}, st, nlohmann::json::object());
  BOOST_TEST(j["best_value"].get<double>() == 0.25);
  BOOST_TEST(j["regret"].get<double>() == 0.125);
  BOOST_TEST(j["best_point"]["a"].get<double>() == 0.4);
  BOOST_TEST(j["observations"].get<int>() == 3);
  BOOST_TEST(j["initial_observations"].get<int>() == 1);
  BOOST_TEST(j["failed"].get<int>() == 1);
  BOOST_TEST(j["lost_attempts"].get<int>() == 1);
  BOOST_TEST(j["ask_ms"]["median"].get<double>() == 2.0);
  BOOST_TEST(j["ask_ms"]["max"].get<double>() == 3.0);
  // busy: 0.5 s for each of the 4 non-initial, non-lost attempts over 20
  BOOST_TEST(j["busy_fraction"].get<double>() == 0.1);
  auto none = make_summary(recs, {"a", "b"}, known_answer{}, st, nlohmann::json::object());
  BOOST_TEST(none["regret"].is_null());
}

BOOST_AUTO_TEST_CASE(choices_are_strings_in_the_table_and_the_log_and_read_back) {
  const point_choices choices = {{}, {"adam", "sgd, momentum"}};
  auto r = rec(2, 0.5);
  r.x = {0.25, 1.0};
  const auto row = observations_csv::row(r, choices);
  BOOST_TEST(row.rfind("2,0,asked,0.25,\"sgd, momentum\",0.5,", 0) == 0u, row);
  const auto j = to_json(r, choices);
  BOOST_TEST(j["x"][1] == "sgd, momentum");
  const auto back = record_from_json(j, choices);
  BOOST_TEST(back.x == r.x);
  BOOST_TEST(named_point({"lr", "opt"}, r.x, choices)["opt"] == "sgd, momentum");
  BOOST_CHECK_EXCEPTION(point_from_json(nlohmann::json::array({0.1, "adagrad"}), choices),
                        std::invalid_argument, [](const std::invalid_argument& e) {
                          return std::string(e.what())
                                 == "coordinate 1: \"adagrad\" is not one of its choices";
                        });
  BOOST_CHECK_THROW(point_from_json(nlohmann::json::array({"x", 1}), choices),
                    std::invalid_argument);
  // The header of events.jsonl carries the choices.
  asyncbo::test::temp_dir d;
  {
    event_log log(d.path + "/e.jsonl", false, choices);
    log.header(nlohmann::json::object(), {"lr", "opt"});
    log.dispatch(2, 0, r.x, false, 1, 0.5);
  }
  std::ifstream in(d.path + "/e.jsonl");
  std::string header, dispatch;
  std::getline(in, header);
  std::getline(in, dispatch);
  BOOST_TEST(nlohmann::json::parse(header)["choices"] == nlohmann::json(choices));
  BOOST_TEST(nlohmann::json::parse(dispatch)["x"][1] == "sgd, momentum");
}

BOOST_AUTO_TEST_SUITE_END()
