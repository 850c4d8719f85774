// SPDX-License-Identifier: Apache-2.0
// The virtual clock: release order, ties, and nothing released while an end
// time is still unknown.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "core/virtual_clock.hpp"

using namespace asyncbo;

namespace {

/// Releases everything that can be released now, in order.
std::vector<virtual_clock::ticket> drain(virtual_clock& c, std::vector<double>* times = nullptr) {
  std::vector<virtual_clock::ticket> out;
  while (auto t = c.next()) {
    out.push_back(*t);
    if (times)
      times->push_back(c.now());
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(virtual_clock_suite)

BOOST_AUTO_TEST_CASE(scripted_finish_times_come_out_in_time_order_with_ties_by_order) {
  virtual_clock c;
  // Five evaluations begun at 0 whose answers arrive in a scrambled order.
  std::vector<virtual_clock::ticket> t;
  for (int i = 0; i < 5; ++i)
    t.push_back(c.begin());
  // ends: t0 3.0, t1 1.0, t2 3.0 (tie with t0, smaller point id), t3 0.5, t4 3.0 (an ask)
  BOOST_TEST(c.known(t[4], 3.0, {1, 0}));
  BOOST_TEST(c.known(t[0], 3.0, {0, 7}));
  BOOST_TEST(c.known(t[3], 0.5, {0, 9}));
  BOOST_TEST(c.known(t[2], 3.0, {0, 2}));
  BOOST_TEST(!c.next().has_value()); // t1 still unknown: it could end first
  BOOST_TEST(c.now() == 0.0);
  BOOST_TEST(c.known(t[1], 1.0, {0, 4}));
  std::vector<double> times;
  const auto order = drain(c, &times);
  const std::vector<virtual_clock::ticket> want{t[3], t[1], t[2], t[0], t[4]};
  BOOST_TEST(order == want, boost::test_tools::per_element());
  const std::vector<double> want_times{0.5, 1.0, 3.0, 3.0, 3.0};
  BOOST_TEST(times == want_times, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_ticket_begun_after_a_release_blocks_later_events_until_known) {
  virtual_clock c;
  auto a = c.begin(), b = c.begin();
  c.known(a, 1.0, {0, 1});
  c.known(b, 5.0, {0, 2});
  BOOST_TEST(c.next().value_or(0) == a);
  // The release of `a` starts a new evaluation at t = 1 that ends at 2, before b.
  auto n = c.begin();
  BOOST_TEST(!c.next().has_value());
  c.known(n, c.now() + 1.0, {0, 3});
  BOOST_TEST(drain(c) == (std::vector<virtual_clock::ticket>{n, b}),
             boost::test_tools::per_element());
  BOOST_TEST(c.now() == 5.0);
}

BOOST_AUTO_TEST_CASE(the_clock_never_goes_back_and_unknown_tickets_are_ignored) {
  virtual_clock c;
  auto a = c.begin();
  c.known(a, 2.0, {0, 0});
  BOOST_TEST(c.next().has_value());
  auto b = c.begin();
  c.known(b, 1.0, {0, 1}); // before now: released at now
  BOOST_TEST(c.next().value_or(0) == b);
  BOOST_TEST(c.now() == 2.0);
  BOOST_TEST(!c.known(b, 3.0, {0, 1}));  // already released
  BOOST_TEST(!c.known(999, 3.0, {0, 1})); // never begun
  BOOST_TEST(c.ready() == 0u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_ticket_neither_blocks_nor_comes_out) {
  virtual_clock c;
  auto a = c.begin(), lost = c.begin(), gone = c.begin();
  c.known(a, 4.0, {0, 1});
  c.known(gone, 1.0, {0, 2});
  c.cancel(gone);
  BOOST_TEST(!c.next().has_value());
  c.cancel(lost);
  BOOST_TEST(drain(c) == (std::vector<virtual_clock::ticket>{a}),
             boost::test_tools::per_element());
  BOOST_TEST(c.pending() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
