// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "io/summary.hpp"

using namespace asyncbo;

BOOST_AUTO_TEST_SUITE(closing_report_text)

BOOST_AUTO_TEST_CASE(fallback_points_are_reported_only_when_there_were_some) {
  auto s = nlohmann::json::parse(R"({"status": "completed", "best_value": -1.0,
    "best_point": {"x0": 0.1}, "observations": 30, "initial_observations": 3,
    "failed": 0, "retried": 0, "lost_attempts": 0, "wall_time_s": 0.4,
    "busy_fraction": 0.6, "ask_ms": {"count": 15, "median": 28.7},
    "fallback": {"enabled": true, "requests": 13, "points": 18, "empty": 1}})");
  const auto with = io::closing_report(s, "out");
  BOOST_TEST(with.find("  fallback     18 points were Thompson draws made while an ask ran "
                       "(experiment.fallback)\n")
               != std::string::npos,
             with);
  s["fallback"]["points"] = 0;
  BOOST_TEST(io::closing_report(s, "out").find("fallback") == std::string::npos);
  s.erase("fallback"); // summaries written before fallbacks existed
  const auto without = io::closing_report(s, "out");
  BOOST_TEST(without.find("fallback") == std::string::npos);
  BOOST_TEST(without.find("median ask 28.7 ms") != std::string::npos, without);
}

BOOST_AUTO_TEST_SUITE_END()
