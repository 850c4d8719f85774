// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "support/caf_fixture.hpp"

using namespace asyncbo;
using namespace asyncbo::actors;

namespace {

/// Serialises x with CAF's binary serializer and reads it back.
template <class T>
T roundtrip(caf::actor_system& sys, T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(x))
    BOOST_FAIL("serialisation failed: " << sys.render(err));
  T y;
  caf::binary_deserializer source{sys, buf};
  if (auto err = source(y))
    BOOST_FAIL("deserialisation failed: " << sys.render(err));
  return y;
}

template <class T>
void check_roundtrip(caf::actor_system& sys, const T& x) {
  T y = roundtrip(sys, x);
  BOOST_TEST(caf::deep_to_string(y) == caf::deep_to_string(x));
  // A message holding it survives too.
  auto msg = caf::make_message(x);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  BOOST_REQUIRE(!sink(msg));
  caf::message back;
  caf::binary_deserializer source{sys, buf};
  BOOST_REQUIRE(!source(back));
  BOOST_TEST(caf::to_string(back) == caf::to_string(msg));
}

job sample_job() {
  job p;
  p.id = 42;
  p.attempt = 3;
  p.initial = true;
  p.batch = 7;
  p.fallback = true;
  p.x = {0.125, -1e-300, 3.5e10};
  p.unit = {0.1, 0.2, 0.3};
  return p;
}

result_msg sample_result() {
  result_msg r;
  r.id = 9;
  r.attempt = 1;
  r.value = -1.0473939;
  r.status = attempt_status::timeout;
  r.reason = "killed after 600 s, \"quotes\" and\nnewlines";
  r.worker = "node-a/12";
  r.duration_s = 12.5;
  r.received_ns = 123456789;
  return r;
}

io::evaluation_record sample_record() {
  io::evaluation_record r;
  r.id = 5;
  r.attempt = 2;
  r.initial = false;
  r.batch = 4;
  r.x = {1.0 / 3.0, 2.0};
  r.value = 0.25;
  r.status = attempt_status::bad_output;
  r.reason = "last line \"loss: 1\"";
  r.worker = "local/3";
  r.dispatch_time = 1.5;
  r.start_time = 1.75;
  r.end_time = 9.0;
  r.final = false;
  return r;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(message_roundtrip, asyncbo::test::caf_fixture)

BOOST_AUTO_TEST_CASE(job_roundtrip) {
  auto p = sample_job();
  auto q = roundtrip(sys, p);
  BOOST_TEST(q.id == p.id);
  BOOST_TEST(q.attempt == p.attempt);
  BOOST_TEST(q.initial == p.initial);
  BOOST_TEST(q.batch == p.batch);
  BOOST_TEST(q.fallback);
  BOOST_TEST(q.x == p.x); // bit-exact doubles
  BOOST_TEST(q.unit == p.unit);
  check_roundtrip(sys, p);
}

BOOST_AUTO_TEST_CASE(result_roundtrip) {
  auto r = sample_result();
  auto s = roundtrip(sys, r);
  BOOST_TEST(s.value == r.value);
  BOOST_CHECK(s.status == r.status);
  BOOST_TEST(s.reason == r.reason);
  BOOST_TEST(s.received_ns == r.received_ns);
  check_roundtrip(sys, r);
}

BOOST_AUTO_TEST_CASE(every_attempt_status_roundtrips) {
  for (auto st : {attempt_status::ok, attempt_status::error, attempt_status::timeout,
                  attempt_status::bad_output, attempt_status::not_finite,
                  attempt_status::exception, attempt_status::cancelled,
                  attempt_status::lost}) {
    auto r = sample_result();
    r.status = st;
    BOOST_CHECK(roundtrip(sys, r).status == st);
  }
}

BOOST_AUTO_TEST_CASE(doubles_travel_bit_exact_even_where_caf_s_packing_fails) {
  // CAF 0.17's pack754 corrupts subnormals and never returns for infinities;
  // messages carry doubles as bit patterns instead.
  auto rec = sample_record();
  rec.x = {-2.5e-310, 4.9e-324, std::nan(""), -0.0, 1e308};
  rec.value = std::numeric_limits<double>::infinity();
  rec.end_time = -std::numeric_limits<double>::infinity();
  auto s = roundtrip(sys, rec);
  BOOST_REQUIRE(s.x.size() == rec.x.size());
  for (std::size_t i = 0; i < rec.x.size(); ++i)
    BOOST_TEST(wire::to_bits(s.x[i]) == wire::to_bits(rec.x[i]), "coordinate " << i);
  BOOST_TEST(wire::to_bits(s.value) == wire::to_bits(rec.value));
  BOOST_TEST(wire::to_bits(s.end_time) == wire::to_bits(rec.end_time));
  job p = sample_job();
  p.x = {1e-320};
  BOOST_TEST(roundtrip(sys, p).x[0] == 1e-320);
}

BOOST_AUTO_TEST_CASE(record_roundtrip) {
  auto r = sample_record();
  auto s = roundtrip(sys, r);
  BOOST_TEST(io::observations_csv::row(s) == io::observations_csv::row(r));
  BOOST_TEST(io::to_json(s) == io::to_json(r));
  check_roundtrip(sys, r);
}

BOOST_AUTO_TEST_CASE(batch_snapshot_stats_roundtrip) {
  proposal_batch b;
  b.points = {sample_job(), sample_job()};
  b.points[1].id = 43;
  b.ask_ms = 12.25;
  b.status = "space_exhausted";
  b.message = "every one of the search space's 4 points has been evaluated";
  auto c = roundtrip(sys, b);
  BOOST_TEST(c.points.size() == 2u);
  b.repeats_allowed = true;
  BOOST_TEST(c.message == b.message);
  BOOST_TEST(roundtrip(sys, b).repeats_allowed);
  BOOST_TEST(c.points[1].id == 43u);
  check_roundtrip(sys, b);
  pool_snapshot snap;
  snap.busy = 3;
  snap.evaluators = 4;
  snap.queued = 1;
  snap.asks = 9;
  snap.to_request = 11;
  snap.ask_outstanding = true;
  snap.rejected = 2;
  snap.last_ask_ms = 17.5;
  auto snap2 = roundtrip(sys, snap);
  BOOST_TEST(snap2.to_request == 11u);
  BOOST_TEST(snap2.ask_outstanding);
  check_roundtrip(sys, snap);
  io::run_stats st;
  st.ask_ms = {1, 2, 3};
  st.dispatch_ms = {0.5};
  st.transport_ms = {0.25, 4.9e-324};
  st.capacity_seconds = 40.0;
  st.requeued = 2;
  st.nodes = 3;
  st.status = io::run_status::failed;
  st.message = "x";
  st.virtual_clock = true;
  st.fallback = true;
  st.fallback_requests = 5;
  st.fallback_points = 9;
  st.fallback_empty = 1;
  st.fallback_ms = {2.5, 7.25};
  auto st2 = roundtrip(sys, st);
  BOOST_TEST(st2.fallback);
  BOOST_TEST(st2.fallback_requests == 5u);
  BOOST_TEST(st2.fallback_points == 9u);
  BOOST_TEST(st2.fallback_empty == 1u);
  BOOST_TEST(st2.fallback_ms == st.fallback_ms);
  BOOST_TEST(st2.virtual_clock);
  BOOST_TEST(st2.transport_ms == st.transport_ms);
  BOOST_TEST(st2.capacity_seconds == 40.0);
  BOOST_CHECK(st2.status == io::run_status::failed);
  check_roundtrip(sys, st);
}

BOOST_AUTO_TEST_CASE(objective_spec_and_outcome_roundtrip) {
  io::objective_spec s;
  s.name = "command";
  s.names = {"lr", "momentum"};
  s.delay.type = delay_model::kind::linear_sum;
  s.delay.factor = 3.0;
  s.delay.time_scale = 0.01;
  s.command = {"python3", "train.py", "--lr={lr}"};
  s.json_stdin = true;
  s.persistent = true;
  s.choices = {{}, {"adam", "sgd"}};
  s.timeout = 600;
  s.workdir = "/tmp/w";
  auto t = roundtrip(sys, s);
  BOOST_TEST(t.command == s.command);
  BOOST_TEST(t.delay.time_scale == s.delay.time_scale);
  BOOST_CHECK(t.delay.type == delay_model::kind::linear_sum);
  BOOST_TEST(t.json_stdin);
  BOOST_TEST(t.persistent);
  BOOST_TEST(t.choices == s.choices);
  BOOST_TEST(!t.minimum.has_value());
  check_roundtrip(sys, s);
  s.minimum = -1.0473939;
  BOOST_TEST(*roundtrip(sys, s).minimum == -1.0473939);
  auto o = roundtrip(sys, run_outcome{io::run_status::interrupted, "why", "runs/x"});
  BOOST_TEST(o.exit_code() == 130);
  BOOST_TEST(o.message == "why");
  BOOST_TEST(o.dir == "runs/x");
  check_roundtrip(sys, run_outcome{io::run_status::failed, "why", "runs/y"});
}

BOOST_AUTO_TEST_SUITE_END()
