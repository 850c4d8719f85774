// SPDX-License-Identifier: Apache-2.0
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "io/settings.hpp"

using namespace asyncbo;
using json = nlohmann::json;

namespace {

std::vector<std::string> errors_of(const json& raw) {
  io::settings s;
  std::vector<std::string> errs;
  bool ok = io::parse_settings(raw, s, errs);
  BOOST_TEST(ok == errs.empty());
  return errs;
}

engine_options engine_of(const json& raw) {
  io::settings s;
  std::vector<std::string> errs;
  BOOST_TEST_REQUIRE(io::parse_settings(raw, s, errs));
  return s.engine;
}

} // namespace

BOOST_AUTO_TEST_SUITE(settings_validation)

BOOST_AUTO_TEST_CASE(defaults_are_valid_and_describe_the_seed_policy) {
  io::settings s;
  std::vector<std::string> errs;
  BOOST_TEST(io::parse_settings(json::object(), s, errs));
  BOOST_TEST(s.num_workers == 4);
  BOOST_TEST(s.dispatch.batch_size == 2u);
  BOOST_TEST(s.dispatch.budget == 30u);
  BOOST_TEST(s.dispatch.fallback);
  auto eo = s.engine;
  BOOST_CHECK(eo.rule == rule_kind::async_joint);
  BOOST_TEST(eo.qei.samples == 2048u);
  // Round trip through JSON gives the same settings.
  io::settings back;
  BOOST_TEST(io::parse_settings(io::to_json(s), back, errs));
  BOOST_TEST(io::to_json(back) == io::to_json(s));
}

BOOST_AUTO_TEST_CASE(thompson_points_and_the_optimiser_follow_the_preset_unless_given) {
  BOOST_TEST(!engine_of(json::object()).thompson_every.has_value());
  BOOST_TEST(engine_of(json::object()).thompson_period() == 4u);
  BOOST_TEST(engine_of({{"acquisition", {{"preset", "trieste"}}}}).thompson_period() == 0u);
  BOOST_TEST(engine_of({{"acquisition", {{"preset", "trieste"}, {"thompson-every", 3}}}})
               .thompson_period()
             == 3u);
  BOOST_TEST(engine_of({{"acquisition", {{"thompson-every", 0}}}}).thompson_period() == 0u);
  // Unset in, null out, and back.
  io::settings s;
  BOOST_TEST(io::to_json(s)["acquisition"]["thompson-every"].is_null());
  BOOST_TEST(engine_of({{"acquisition", {{"thompson-every", nullptr}}}}).thompson_period() == 4u);
  // The trieste preset's optimiser for a joint batch of 2 in 2-D, and a
  // user's restarts over either preset.
  const auto t = engine_of({{"acquisition", {{"preset", "trieste"}}}});
  BOOST_TEST(t.optimizer_for(4).restarts == 40u);
  BOOST_TEST(t.optimizer_for(4).screening_points == 5000u);
  BOOST_TEST(t.qei_for().screening_samples == 0u);
  const auto r = engine_of({{"acquisition", {{"preset", "trieste"}, {"restarts", 3}}}});
  BOOST_TEST(r.optimizer_for(4).restarts == 3u);
  BOOST_TEST(engine_of({{"acquisition", {{"restarts", 3}}}}).optimizer_for(4).restarts == 3u);
  BOOST_TEST(engine_of(json::object()).optimizer_for(4).restarts == 0u);   // automatic
  auto errs = errors_of({{"acquisition", {{"thompson-every", -1}}}});
  BOOST_TEST_REQUIRE(errs.size() == 1u);
  BOOST_TEST(errs[0].find("acquisition.thompson-every: must be an integer in [0, ") == 0u,
             errs[0]);
}

BOOST_AUTO_TEST_CASE(rejected_experiments_are_not_keys) {
  // Measured and not kept (BENCHMARKS.md, decisions): their keys are gone.
  for (const char* k : {"model.prior-centre", "model.lengthscale-prior", "model.output-transform",
                        "acquisition.stall-window", "acquisition.thompson-scale"}) {
    const std::string key = k;
    const auto dot = key.find('.');
    auto errs = errors_of({{key.substr(0, dot), {{key.substr(dot + 1), 1}}}});
    BOOST_TEST_REQUIRE(errs.size() == 1u);
    BOOST_TEST(errs[0] == key + ": unknown key");
  }
  BOOST_TEST(io::schema().size() <= 70u);
}

BOOST_AUTO_TEST_CASE(named_keys_bind_their_fields) {
  const json raw = {{"experiment", {{"fallback", "none"}, {"initial-design", "uniform"}}},
                    {"model", {{"noise", "fixed"}}},
                    {"delay", {{"clock", "virtual"}, {"model", "log-normal"}}},
                    {"output", {{"progress", "never"}}}};
  io::settings s;
  std::vector<std::string> errs;
  BOOST_TEST_REQUIRE(io::parse_settings(raw, s, errs));
  BOOST_TEST(!s.dispatch.fallback);
  BOOST_TEST(!s.engine.sobol_initial_design);
  BOOST_TEST(!s.engine.learn_noise);
  BOOST_TEST(s.clock.virtual_time);
  BOOST_CHECK(s.delay.type == delay_model::kind::log_normal);
  BOOST_CHECK(s.output.progress == io::progress_mode::never);
  const json back = io::to_json(s);
  BOOST_TEST(back["experiment"]["fallback"] == "none");
  BOOST_TEST(back["delay"]["model"] == "log-normal");
  BOOST_TEST(back["output"]["progress"] == "never");
  errs = errors_of({{"experiment", {{"fallback", "always"}}}});
  BOOST_TEST(errs == std::vector<std::string>{
                       "experiment.fallback: must be one of thompson, none, got \"always\""});
}

BOOST_AUTO_TEST_CASE(unknown_sections_keys_and_wrong_types_are_named) {
  auto errs = errors_of({{"experiment", {{"batch-size", "two"}, {"workers", 3}}},
                         {"optimiser", {{"x", 1}}},
                         {"delay", {{"factor", true}}}});
  BOOST_TEST(errs.size() == 4u);
  auto has = [&](const std::string& e) {
    return std::find(errs.begin(), errs.end(), e) != errs.end();
  };
  BOOST_TEST(has("experiment.batch-size: must be an integer, got \"two\""));
  BOOST_TEST(has("experiment.workers: unknown key"));
  BOOST_TEST(has("[optimiser]: unknown section"));
  BOOST_TEST(has("delay.factor: must be a number, got true"));
}

BOOST_AUTO_TEST_CASE(bad_values_name_the_rule) {
  auto e1 = errors_of({{"experiment", {{"batch-size", 5}, {"num-workers", 4}}}});
  BOOST_TEST(e1 == std::vector<std::string>{
                     "experiment.batch-size: must be <= experiment.num-workers (4), got 5"});
  auto e2 = errors_of({{"experiment", {{"objective", "branin3"}}}});
  BOOST_REQUIRE(e2.size() == 1u);
  BOOST_TEST(e2[0].rfind("experiment.objective: unknown objective \"branin3\"; use one of "
                         "scaled-branin, branin,",
                         0)
             == 0u);
  auto e3 = errors_of({{"experiment", {{"num-observations", 0}}}});
  BOOST_TEST(e3 == std::vector<std::string>{
                     "experiment.num-observations: must be in [1, 1099511627776], got 0"});
  // The initial design travels as one 32-bit count (actors/pool.cpp).
  auto e3b = errors_of({{"experiment", {{"num-initial-points", 4294967296LL}}}});
  BOOST_TEST(e3b == std::vector<std::string>{
                      "experiment.num-initial-points: must be in [0, 4294967295], "
                      "got 4294967296"});
  auto e4 = errors_of({{"acquisition", {{"rule", "greedy"}}}});
  BOOST_TEST(e4 == std::vector<std::string>{
                     "acquisition.rule: must be one of async-joint, async-greedy, sync, "
                     "random, got \"greedy\""});
  auto e5 = errors_of({{"delay", {{"time-scale", -1.0}}}});
  BOOST_TEST(e5 == std::vector<std::string>{"delay.time-scale: must be >= 0, got -1"});
  auto e6 = errors_of({{"acquisition", {{"rule", "async-joint"}, {"function", "ei"}}}});
  BOOST_TEST(e6 == std::vector<std::string>{
                     "acquisition: rule async-joint needs function batch-mc-ei (a joint "
                     "batch function), got ei"});
  auto e7 = errors_of({{"experiment", {{"num-workers", 0}}}});
  BOOST_TEST(e7 == std::vector<std::string>{
                     "experiment.num-workers: 0 needs cluster.port (all evaluators remote)"});
}

BOOST_AUTO_TEST_CASE(command_objectives_need_a_valid_space) {
  auto errs = errors_of({{"experiment", {{"objective", "command"}}},
                         {"space", {{"names", {"lr", "lr"}},
                                    {"lower", {0.1, 1.0}},
                                    {"upper", {1.0, 2.0}},
                                    {"log", {"lr", "depth"}}}}});
  std::vector<std::string> want = {
    "objective.command: must not be empty when experiment.objective is \"command\"",
    "space.log: \"depth\" is not in space.names",
    "space: search space dimension 1 ('lr'): names must be unique, 'lr' appears twice"};
  BOOST_TEST(errs == want, "got:\n" << [&] {
    std::string s;
    for (auto& e : errs)
      s += e + "\n";
    return s;
  }());
}

BOOST_AUTO_TEST_CASE(secrets_are_never_written_only_that_they_were_set) {
  io::settings s;
  s.cluster.secret = "s3cr3t-value";
  s.cluster.tls_passphrase = "pass-phrase";
  const std::string text = io::to_json(s).dump();
  BOOST_TEST(text.find("s3cr3t-value") == std::string::npos);
  BOOST_TEST(text.find("pass-phrase") == std::string::npos);
  BOOST_TEST(io::to_json(s)["cluster"]["secret"] == "(set, not recorded)");
  io::settings none;
  BOOST_TEST(io::to_json(none)["cluster"]["secret"] == "");
  for (auto& k : io::schema())
    BOOST_TEST(!(k.secret && k.defines_problem), k.full()); // resume never needs them
}

BOOST_AUTO_TEST_CASE(the_secret_can_come_from_the_environment) {
  io::settings s;
  ::setenv("ASYNCBO_CLUSTER_SECRET", "from-env", 1);
  BOOST_TEST(s.cluster.shared_secret() == "from-env");
  s.cluster.secret = "given";
  BOOST_TEST(s.cluster.shared_secret() == "given");   // an explicit key wins
  ::unsetenv("ASYNCBO_CLUSTER_SECRET");
  io::settings none;
  BOOST_TEST(none.cluster.shared_secret() == "");
}

BOOST_AUTO_TEST_CASE(help_lists_every_key_with_its_default) {
  auto h = io::keys_help();
  const auto advanced = h.find("Advanced keys");
  BOOST_TEST_REQUIRE(advanced != std::string::npos);
  for (auto& k : io::schema()) {
    const auto at = h.find("  " + (k.advanced ? k.full() : k.key) + " = " + k.def);
    BOOST_TEST(at != std::string::npos, k.full());
    BOOST_TEST((at > advanced) == k.advanced, k.full());
  }
  BOOST_TEST(h.find("[experiment]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(categorical_parameters_read_naturally_and_bad_ones_are_named) {
  json ok = {{"experiment", {{"objective", "command"}}},
             {"objective", {{"command", {"train", "--opt={optimizer}"}}}},
             {"space", {{"names", {"lr", "optimizer", "layers"}},
                        {"lower", {1e-4, 1}},
                        {"upper", {1e-1, 8}},
                        {"log", {"lr"}},
                        {"integer", {"layers"}},
                        {"categories", {{"optimizer", {"adam", "sgd", "rmsprop"}}}}}}};
  io::settings s;
  std::vector<std::string> errs;
  BOOST_TEST_REQUIRE(io::parse_settings(ok, s, errs), errs.front());
  const auto space = s.search();
  BOOST_TEST(space.dim() == 3u);
  BOOST_TEST(space.unit_dim() == 5u);
  BOOST_TEST(space.dimensions()[1].choices.size() == 3u);
  BOOST_TEST(space.dimensions()[2].integer);
  BOOST_TEST(space.dimensions()[2].lower == 1.0);
  BOOST_TEST(s.spec().choices[1][2] == "rmsprop");
  BOOST_TEST(io::to_json(s)["space"]["categories"]["optimizer"][1] == "sgd");

  auto with = [&](const json& categories, json lower = {1e-4, 1}, json upper = {1e-1, 8}) {
    json raw = ok;
    raw["space"]["categories"] = categories;
    raw["space"]["lower"] = lower;
    raw["space"]["upper"] = upper;
    return errors_of(raw);
  };
  using v = std::vector<std::string>;
  BOOST_TEST(with({{"optimizer", json::array()}})
             == v{"space.categories.optimizer: needs at least two choices, got 0"});
  BOOST_TEST(with({{"optimizer", {"adam", "adam"}}})
             == v{"space.categories.optimizer: \"adam\" appears twice"});
  BOOST_TEST(with({{"optimizer", {"adam", 3}}})
             == v{"space.categories: (space.categories.optimizer) choices must be strings, "
                  "got 3"});
  BOOST_TEST(with({{"optimiser", {"adam", "sgd"}}}, {1e-4, 0, 1}, {1e-1, 1, 8})
             == v{"space.categories.optimiser: \"optimiser\" is not in space.names"});
  BOOST_TEST(with({{"optimizer", {"adam", "sgd"}}}, {1e-4, 0, 1}, {1e-1, 1, 8})
             == (v{"space.lower: needs one bound per numeric name (2), got 3",
                   "space.upper: needs one bound per numeric name (2), got 3"}));
  auto e = with(json("adam"));
  BOOST_TEST(e.front().find("space.categories: must be a table") == 0u, e.front());
  json log_cat = ok;
  log_cat["space"]["log"] = {"lr", "optimizer"};
  BOOST_TEST(errors_of(log_cat)
             == v{"space.log: \"optimizer\" is categorical (space.categories)"});
}

BOOST_AUTO_TEST_SUITE_END()
