// SPDX-License-Identifier: Apache-2.0
// Attempt statuses and exact double text.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/attempt.hpp"
#include "core/format.hpp"

using namespace asyncbo;

BOOST_AUTO_TEST_SUITE(attempt_status_and_format)

BOOST_AUTO_TEST_CASE(every_status_reads_back_from_its_text) {
  const attempt_status all[] = {attempt_status::ok,         attempt_status::error,
                                attempt_status::timeout,    attempt_status::bad_output,
                                attempt_status::not_finite, attempt_status::exception,
                                attempt_status::cancelled,  attempt_status::lost};
  for (auto s : all) {
    attempt_status back = attempt_status::ok;
    BOOST_TEST(parse_attempt_status(to_string(s), back), to_string(s));
    BOOST_CHECK(back == s);
  }
  attempt_status x = attempt_status::lost;
  BOOST_TEST(!parse_attempt_status("OK", x));
  BOOST_TEST(!parse_attempt_status("", x));
  BOOST_CHECK(x == attempt_status::lost);
  BOOST_TEST(std::string(to_string(attempt_status::bad_output)) == "bad_output");
}

BOOST_AUTO_TEST_CASE(only_failures_of_the_point_are_point_failures) {
  BOOST_TEST(!is_point_failure(attempt_status::ok));
  BOOST_TEST(!is_point_failure(attempt_status::lost));
  BOOST_TEST(!is_point_failure(attempt_status::cancelled));
  for (auto s : {attempt_status::error, attempt_status::timeout, attempt_status::bad_output,
                 attempt_status::not_finite, attempt_status::exception})
    BOOST_TEST(is_point_failure(s), to_string(s));
}

BOOST_AUTO_TEST_CASE(exact_is_the_shortest_text_that_reads_back) {
  BOOST_TEST(exact(0.1) == "0.1");
  BOOST_TEST(exact(1e-7) == "1e-07");
  BOOST_TEST(exact(3.0) == "3");
  BOOST_TEST(exact(-0.0) == "-0");
  const double vals[] = {1.0 / 3.0, 0.1 + 0.2, 4.9e-324, -2.5e-310, 1.7976931348623157e308,
                         123456789.123456789, -1.0473939};
  for (double v : vals)
    BOOST_TEST(std::strtod(exact(v).c_str(), nullptr) == v, exact(v));
  BOOST_TEST(exact(std::numeric_limits<double>::infinity()) == "inf");
  BOOST_TEST(std::isnan(std::strtod(exact(std::nan("")).c_str(), nullptr)));
}

BOOST_AUTO_TEST_SUITE_END()
