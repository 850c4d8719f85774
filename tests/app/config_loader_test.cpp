// SPDX-License-Identifier: Apache-2.0
// CAF INI files and command-line overrides into the raw configuration.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "app/config_loader.hpp"
#include "support/process.hpp"

using namespace asyncbo::app;
using json = nlohmann::json;

BOOST_AUTO_TEST_SUITE(config_loading)

BOOST_AUTO_TEST_CASE(ini_values_keep_their_types) {
  asyncbo::test::temp_dir d;
  const std::string path = d.path + "/c.ini";
  std::ofstream(path) << "; a comment\n[experiment]\nobjective=\"hartmann6\"\n"
                         "num-workers=8\nseed=3\n[model]\nlikelihood-variance=1e-7\n"
                         "[space]\nnames=[\"a\", \"b\"]\nlower=[0.0, 1]\n"
                         "[output]\nplot=false\n[objective]\ntimeout=1500ms\n";
  json raw = json::object();
  BOOST_TEST(load_config_file(path, raw) == "");
  BOOST_TEST(raw["experiment"]["objective"] == "hartmann6");
  BOOST_TEST(raw["experiment"]["num-workers"].is_number_integer());
  BOOST_TEST(raw["experiment"]["num-workers"] == 8);
  BOOST_TEST(raw["model"]["likelihood-variance"].get<double>() == 1e-7);
  BOOST_TEST(raw["space"]["names"] == json::array({"a", "b"}));
  BOOST_TEST(raw["space"]["lower"][1].is_number_integer());
  BOOST_TEST(raw["output"]["plot"] == false);
  BOOST_TEST(raw["objective"]["timeout"].get<double>() == 1.5);
}

BOOST_AUTO_TEST_CASE(unreadable_and_malformed_files_are_named) {
  asyncbo::test::temp_dir d;
  json raw = json::object();
  auto err = load_config_file(d.path + "/missing.ini", raw);
  BOOST_TEST(err.find("cannot read config file " + d.path + "/missing.ini") == 0u, err);
  err = load_config_file(d.path, raw);
  BOOST_TEST(err == "config file " + d.path + " is a directory, not an INI file", err);
  {
    std::ofstream bin(d.path + "/bin.ini", std::ios::binary);
    bin << std::string("\x7f" "ELF\x02\x01\x01\0\0\0[x]", 14);
  }
  err = load_config_file(d.path + "/bin.ini", raw);
  BOOST_TEST(err == "config file " + d.path + "/bin.ini is not text (it holds NUL bytes)",
             err);
  std::ofstream(d.path + "/bad.ini") << "[experiment]\nobjective=hartmann6\n";
  err = load_config_file(d.path + "/bad.ini", raw);
  BOOST_TEST(err.find(d.path + "/bad.ini: not a valid INI file") == 0u, err);
  BOOST_TEST(err.find("strings must be double-quoted") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(command_line_values_parse_like_ini_values) {
  BOOST_TEST(parse_cli_value("4") == 4);
  BOOST_TEST(parse_cli_value("0.01").get<double>() == 0.01);
  BOOST_TEST(parse_cli_value("true") == true);
  BOOST_TEST(parse_cli_value("\"async-greedy\"") == "async-greedy");
  BOOST_TEST(parse_cli_value("async-greedy") == "async-greedy"); // unquoted text
  BOOST_TEST(parse_cli_value("[1, 2.5]") == json::array({1, 2.5}));
  BOOST_TEST(parse_cli_value("[\"a\",\"b\"]") == json::array({"a", "b"}));
  BOOST_TEST(parse_cli_value("10s").get<double>() == 10.0);
  BOOST_TEST(parse_cli_value("") == "");
  BOOST_TEST(parse_cli_value("/tmp/out") == "/tmp/out");
}

BOOST_AUTO_TEST_CASE(overrides_merge_and_the_rest_is_returned) {
  json raw = {{"experiment", {{"seed", 1}, {"num-workers", 4}}}};
  std::vector<std::string> rest, errors;
  apply_overrides({"--experiment.seed=7", "--delay.time-scale=0.5", "--resume",
                   "--experiment.batch-size", "--.x=1", "plain"},
                  raw, rest, errors);
  BOOST_TEST(raw["experiment"]["seed"] == 7);
  BOOST_TEST(raw["experiment"]["num-workers"] == 4);
  BOOST_TEST(raw["delay"]["time-scale"].get<double>() == 0.5);
  BOOST_TEST(rest == std::vector<std::string>({"--resume", "plain"}));
  BOOST_REQUIRE(errors.size() == 2u);
  BOOST_TEST(errors[0] == "--experiment.batch-size: expected --section.key=value");
  BOOST_TEST(errors[1] == "--.x=1: expected --section.key=value");
}

BOOST_AUTO_TEST_SUITE_END()
