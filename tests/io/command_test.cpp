// SPDX-License-Identifier: Apache-2.0
// The command protocol's pure parts: argument expansion and output parsing.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "io/command.hpp"
#include "io/persistent.hpp"

using namespace asyncbo;
using namespace asyncbo::io;

BOOST_AUTO_TEST_SUITE(command_protocol)

BOOST_AUTO_TEST_CASE(placeholders_become_exact_values_and_braces_escape) {
  const std::vector<std::string> names = {"lr", "layers"};
  auto argv = expand_argv({"train", "--lr={lr}", "-n{layers}x", "{{lr}}", "{lr}{layers}"},
                          names, {1e-5, 3.0});
  BOOST_TEST(argv == std::vector<std::string>(
                       {"train", "--lr=1e-05", "-n3x", "{lr}", "1e-053"}));
  auto third = expand_argv({"--x={lr}"}, names, {1.0 / 3.0, 1.0});
  BOOST_TEST(std::stod(third[0].substr(4)) == 1.0 / 3.0);
}

BOOST_AUTO_TEST_CASE(bad_placeholders_name_the_argument) {
  const std::vector<std::string> names = {"lr"};
  BOOST_CHECK_EXCEPTION(expand_argv({"a", "--m={momentum}"}, names, {0.1}),
                        std::invalid_argument, [](const auto& e) {
                          return std::string(e.what())
                                 == "objective.command: argument 1 (\"--m={momentum}\") "
                                    "names {momentum}, which is not in space.names";
                        });
  BOOST_CHECK_EXCEPTION(expand_argv({"{lr"}, names, {0.1}), std::invalid_argument,
                        [](const auto& e) {
                          return std::string(e.what()).find("has an unmatched '{'")
                                 != std::string::npos;
                        });
  BOOST_CHECK_EXCEPTION(expand_argv({"lr}"}, names, {0.1}), std::invalid_argument,
                        [](const auto& e) {
                          return std::string(e.what()).find("has an unmatched '}'")
                                 != std::string::npos;
                        });
}

BOOST_AUTO_TEST_CASE(the_value_is_the_last_non_empty_line) {
  command_outcome o;
  parse_output("epoch 1 loss 3\nepoch 2 loss 2\n0.125\n\n  \n", o);
  BOOST_CHECK(o.status == attempt_status::ok);
  BOOST_TEST(o.value == 0.125);
  parse_output("log\n{\"value\": -2.5, \"extra\": 1}\n", o);
  BOOST_CHECK(o.status == attempt_status::ok);
  BOOST_TEST(o.value == -2.5);
  parse_output("  7e-3  ", o);
  BOOST_TEST(o.value == 7e-3);
}

BOOST_AUTO_TEST_CASE(anything_else_is_a_failure_with_the_line_quoted) {
  command_outcome o;
  parse_output("", o);
  BOOST_CHECK(o.status == attempt_status::bad_output);
  BOOST_TEST(o.reason == "no output: the last line of stdout must be the value");
  parse_output("loss: 0.25 (final)\n", o);
  BOOST_CHECK(o.status == attempt_status::bad_output);
  BOOST_TEST(o.reason.find("\"loss: 0.25 (final)\"") != std::string::npos, o.reason);
  parse_output("{\"loss\": 1}", o);
  BOOST_CHECK(o.status == attempt_status::bad_output);
  parse_output("0.5abc", o);
  BOOST_CHECK(o.status == attempt_status::bad_output);
  parse_output("nan", o);
  BOOST_CHECK(o.status == attempt_status::not_finite);
  parse_output("{\"value\": null}", o);
  BOOST_CHECK(o.status == attempt_status::not_finite);
  parse_output("-inf\n", o);
  BOOST_CHECK(o.status == attempt_status::not_finite);
  const std::string long_line(500, 'x');
  parse_output(long_line, o);
  BOOST_TEST(o.reason.size() < 250u);
}

BOOST_AUTO_TEST_CASE(the_point_as_json_by_name) {
  auto j = nlohmann::json::parse(point_json({"lr", "layers"}, {0.01, 4.0}));
  BOOST_TEST(j["lr"].get<double>() == 0.01);
  BOOST_TEST(j["layers"].get<double>() == 4.0);
}

BOOST_AUTO_TEST_CASE(choices_are_substituted_and_sent_as_strings) {
  const std::vector<std::vector<std::string>> choices = {{}, {"adam", "sgd"}};
  auto argv = expand_argv({"train", "--lr={lr}", "--opt={opt}"}, {"lr", "opt"}, {0.5, 1.0},
                          choices);
  BOOST_TEST(argv[1] == "--lr=0.5");
  BOOST_TEST(argv[2] == "--opt=sgd");
  auto j = nlohmann::json::parse(point_json({"lr", "opt"}, {0.5, 0.0}, choices));
  BOOST_TEST(j["opt"] == "adam");
  auto req = nlohmann::json::parse(request_line({"lr", "opt"}, {0.5, 1.0}, 3, 0, "w", choices));
  BOOST_TEST(req["x"]["opt"] == "sgd");
  BOOST_TEST(req["x"]["lr"] == 0.5);
}

BOOST_AUTO_TEST_SUITE_END()
