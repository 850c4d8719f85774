// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "support/caf_fixture.hpp"

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

proposal_msg sample_proposal() {
  proposal_msg p;
  p.id = 42;
  p.attempt = 3;
  p.initial = true;
  p.batch = 7;
  p.x = {0.125, -1e-300, 3.5e10};
  p.unit = {0.1, 0.2, 0.3};
  return p;
}

result_msg sample_result() {
  result_msg r;
  r.id = 9;
  r.attempt = 1;
  r.x = {1.0 / 3.0, 2.0};
  r.value = -1.0473939;
  r.status = "timeout";
  r.reason = "killed after 600 s, \"quotes\" and\nnewlines";
  r.worker = "node-a/12";
  r.duration_s = 12.5;
  return r;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(message_roundtrip, asyncbo::test::caf_fixture)

BOOST_AUTO_TEST_CASE(proposal_roundtrip) {
  auto p = sample_proposal();
  auto q = roundtrip(sys, p);
  BOOST_TEST(q.id == p.id);
  BOOST_TEST(q.attempt == p.attempt);
  BOOST_TEST(q.initial == p.initial);
  BOOST_TEST(q.batch == p.batch);
  BOOST_TEST(q.x == p.x); // bit-exact doubles
  BOOST_TEST(q.unit == p.unit);
  check_roundtrip(sys, p);
}

BOOST_AUTO_TEST_CASE(result_roundtrip) {
  auto r = sample_result();
  auto s = roundtrip(sys, r);
  BOOST_TEST(s.x == r.x);
  BOOST_TEST(s.value == r.value);
  BOOST_TEST(s.reason == r.reason);
  check_roundtrip(sys, r);
}

BOOST_AUTO_TEST_CASE(doubles_travel_bit_exact_even_where_caf_s_packing_fails) {
  // CAF 0.17's pack754 corrupts subnormals and never returns for infinities;
  // messages carry doubles as bit patterns instead.
  result_msg r = sample_result();
  r.x = {-2.5e-310, 4.9e-324, std::nan(""), -0.0, 1e308};
  r.value = std::numeric_limits<double>::infinity();
  r.duration_s = -std::numeric_limits<double>::infinity();
  auto s = roundtrip(sys, r);
  BOOST_REQUIRE(s.x.size() == r.x.size());
  for (std::size_t i = 0; i < r.x.size(); ++i)
    BOOST_TEST(wire::bits(s.x[i]) == wire::bits(r.x[i]), "coordinate " << i);
  BOOST_TEST(wire::bits(s.value) == wire::bits(r.value));
  BOOST_TEST(wire::bits(s.duration_s) == wire::bits(r.duration_s));
  proposal_msg p = sample_proposal();
  p.x = {1e-320};
  BOOST_TEST(roundtrip(sys, p).x[0] == 1e-320);
}

BOOST_AUTO_TEST_CASE(batch_record_snapshot_stats_roundtrip) {
  proposal_batch b;
  b.points = {sample_proposal(), sample_proposal()};
  b.points[1].id = 43;
  b.ask_ms = 12.25;
  b.status = "ok";
  check_roundtrip(sys, b);
  record_msg rec;
  rec.result = sample_result();
  rec.initial = false;
  rec.batch = 4;
  rec.dispatch_s = 1.5;
  rec.start_s = 1.75;
  rec.end_s = 9.0;
  rec.final = false;
  check_roundtrip(sys, rec);
  check_roundtrip(sys, pool_snapshot{3, 4, 1, 17.5});
  pool_stats st;
  st.ask_ms = {1, 2, 3};
  st.dispatch_ms = {0.5};
  st.requeued = 2;
  st.status = "failed";
  st.message = "x";
  check_roundtrip(sys, st);
}

BOOST_AUTO_TEST_CASE(objective_spec_and_outcome_roundtrip) {
  objective_spec s;
  s.name = "command";
  s.names = {"lr", "momentum"};
  s.delay_model = "linear-sum";
  s.delay_factor = 3.0;
  s.time_scale = 0.01;
  s.command = {"python3", "train.py", "--lr={lr}"};
  s.input = "json";
  s.timeout = 600;
  s.workdir = "/tmp/w";
  auto t = roundtrip(sys, s);
  BOOST_TEST(t.command == s.command);
  BOOST_TEST(t.time_scale == s.time_scale);
  check_roundtrip(sys, s);
  check_roundtrip(sys, run_outcome{1, "failed", "why"});
}

BOOST_AUTO_TEST_SUITE_END()
