// SPDX-License-Identifier: Apache-2.0
// asyncbo-bench's product runs: the runtime of `asyncbo run` (actors,
// dispatcher, outputs) on the virtual clock, one forked process per seed
// through app/process_runner.hpp, its figures from io/run_figures.hpp.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/config_loader.hpp"
#include "app/experiment.hpp"
#include "app/process_runner.hpp"
#include "app/resume.hpp"
#include "bench/bench.hpp"
#include "core/engine.hpp"
#include "core/objectives.hpp"
#include "core/stats.hpp"
#include "io/run_figures.hpp"
#include "io/settings.hpp"

namespace asyncbo::bench {

namespace {

/// The value of a count flag: a whole number >= `least`, else a usage error
/// naming the flag.
std::size_t count_flag(const char* cmd, const std::string& flag, const std::string& text,
                       std::size_t least) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text[0] == '-' || v < least)
    throw std::invalid_argument(std::string(cmd) + ": " + flag + " must be a whole number >= "
                                + std::to_string(least) + ", got \"" + text + "\"");
  return static_cast<std::size_t>(v);
}


/// The regret figures of `seeds` simulated runs of settings `s`.
struct regret_runs {
  std::vector<double> regret, recommended, failed_share;
  /// Final evaluations at a point evaluated before (the first E), per seed.
  std::vector<double> repeats;
};

/// Settings from CONFIG plus --section.key=value overrides; the remaining
/// arguments in `rest`.
io::settings settings_from(const std::vector<std::string>& argv, const char* cmd,
                           std::vector<std::string>& rest) {
  if (argv.empty())
    throw std::invalid_argument(std::string(cmd) + ": missing CONFIG");
  app::loaded_config lc;
  io::settings s;
  if (!app::load_config(argv[0], {argv.begin() + 1, argv.end()}, false, lc)
      || !io::parse_settings(lc.raw, s, lc.errors)) {
    std::string all;
    for (auto& e : lc.errors)
      all += "\n  " + e;
    throw std::invalid_argument(std::string(cmd) + ": configuration errors:" + all);
  }
  rest = lc.rest;
  return s;
}

/// Runs the product itself (the runtime of `asyncbo run`: actors, dispatcher,
/// outputs) on the virtual clock for seeds s.seed .. s.seed + seeds - 1,
/// `jobs` forked processes at a time (this process stays single-threaded
/// until they are done), each into its own folder under `tmp`. Asks cost no
/// simulated time unless delay.ask-cost is set, which keeps the tables
/// comparable with the earlier core/simulate figures (identical per seed: see
/// docs/experiments/history.md §15). Throws if a run does not complete.
std::vector<std::string> product_runs(io::settings s, std::size_t seeds, std::size_t jobs,
                                      const std::string& tmp) {
  s.clock.virtual_time = true;
  if (s.clock.ask_cost < 0)
    s.clock.ask_cost = 0.0;
  s.output.progress = io::progress_mode::never;
  s.output.plot = false;
  s.threads = 1;
  s.output.dashboard_port = -1;
  s.cluster.port = -1;
  std::vector<std::string> dirs;
  for (std::size_t k = 0; k < seeds; ++k)
    dirs.push_back(tmp + "/seed-" + std::to_string(s.seed + k));
  std::string failures;
  app::process_runner_hooks hooks;
  hooks.start = [&](std::size_t k, std::string& why) -> pid_t {
    io::settings one = s;
    one.seed = s.seed + k;
    one.output.dir = dirs[k];
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      why = "fork failed";
      return -1;
    }
    if (pid == 0) {
      app::run_request req;
      req.settings = one;
      const auto out = app::run_experiment(req);
      if (out.exit_code() != 0)
        std::fprintf(stderr, "asyncbo-bench: seed %llu: %s\n",
                     static_cast<unsigned long long>(one.seed), out.message.c_str());
      std::fflush(nullptr);
      ::_exit(out.exit_code());
    }
    return pid;
  };
  hooks.finished = [&](std::size_t k, int code, const std::string& why) {
    if (code != 0)
      failures += " seed " + std::to_string(s.seed + k) + (why.empty() ? "" : " (" + why + ")");
  };
  app::process_runner_options ro;
  ro.jobs = std::max<std::size_t>(1, jobs);
  app::run_processes(seeds, hooks, ro);
  if (!failures.empty())
    throw std::runtime_error("runs did not complete:" + failures + " (folders in " + tmp + ")");
  return dirs;
}

/// A temporary folder, removed at the end.
struct scratch {
  std::string path;
  scratch() {
    char tmpl[] = "/tmp/asyncbo-bench-XXXXXX";
    if (!::mkdtemp(tmpl))
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

regret_runs run_regret(const io::settings& s, std::size_t seeds, std::size_t at,
                       std::size_t threads, long trace = -1) {
  const test_function* f = s.builtin();
  if (!f)
    throw std::invalid_argument("regret: needs a built-in objective");
  // Per seed: the regret of the best observation among the first E
  // evaluations (in completion order, by its noise-free value), the regret
  // of the recommendation at the end (summary.json's), and the share of
  // asked evaluations that failed.
  scratch tmp;
  const auto dirs = product_runs(s, seeds, threads, tmp.path);
  const auto answer = io::known_answer_of(f->name, std::nullopt);
  std::vector<double> regret(seeds), recommended(seeds), failed_share(seeds), repeats(seeds);
  for (std::size_t k = 0; k < seeds; ++k) {
    const auto log = io::read_event_log(dirs[k] + "/events.jsonl");
    const auto steps = io::best_so_far(log.records, answer);
    const std::size_t upto = at == 0 ? steps.size() : std::min(at, steps.size());
    regret[k] = upto > 0 && steps[upto - 1].ok > 0 ? steps[upto - 1].best_regret
                                                   : std::numeric_limits<double>::infinity();
    std::size_t asked = 0, failed = 0;
    for (auto& r : log.records)
      if (r.final && !r.initial) {
        ++asked;
        failed += r.ok() ? 0 : 1;
      }
    failed_share[k] = asked ? double(failed) / double(asked) : 0.0;
    std::set<std::vector<double>> seen;
    std::size_t finals = 0;
    for (auto& r : log.records)
      if (r.final && (at == 0 || finals++ < at) && !seen.insert(r.x).second)
        repeats[k] += 1.0;
    std::ifstream in(dirs[k] + "/summary.json");
    const auto summary = nlohmann::json::parse(in);
    recommended[k] = summary["regret"].is_number() ? summary["regret"].get<double>()
                                                   : std::numeric_limits<double>::infinity();
    if (long(k) == trace)
      for (const auto& st : steps)
        std::cerr << st.points << " t " << st.time << " best " << st.best_value
                  << " regret " << st.best_regret << "\n";
  }
  return {regret, recommended, failed_share, repeats};
}

} // namespace

int cmd_regret(const std::vector<std::string>& argv) {
  std::vector<std::string> rest;
  io::settings s = settings_from(argv, "regret", rest);
  std::size_t seeds = 10, at = 0, threads = 2;
  long trace = -1; // print the evaluations of this seed on stderr
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i + 1 >= rest.size())
      throw std::invalid_argument("regret: " + rest[i] + " needs a value");
    if (rest[i] == "--seeds")
      seeds = count_flag("regret", "--seeds", rest[++i], 1);
    else if (rest[i] == "--at")
      at = count_flag("regret", "--at", rest[++i], 0);
    else if (rest[i] == "--threads")
      threads = count_flag("regret", "--threads", rest[++i], 1);
    else if (rest[i] == "--trace")
      trace = std::stol(rest[++i]);
    else
      throw std::invalid_argument("regret: unknown argument " + rest[i]);
  }
  auto runs = run_regret(s, seeds, at, threads, trace);
  const test_function* f = s.builtin();
  const auto& regret = runs.regret;
  const auto& recommended = runs.recommended;
  const auto& failed_share = runs.failed_share;
  nlohmann::json out = {{"command", "regret"},
                        {"config", argv[0]},
                        {"objective", f->name},
                        {"rule", to_string(s.engine.rule)},
                        {"function", to_string(s.engine.acquisition)},
                        {"samples", s.engine.qei.samples},
                        {"seeds", seeds},
                        {"evaluations", at},
                        {"median_regret", median(regret)},
                        {"q25_regret", quantile(regret, 0.25)},
                        {"q75_regret", quantile(regret, 0.75)},
                        {"max_regret", quantile(regret, 1.0)},
                        {"regrets", regret},
                        {"median_recommended_regret", median(recommended)},
                        {"recommended_regrets", recommended},
                        {"median_failed_share", median(failed_share)},
                        {"failed_shares", failed_share},
                        {"max_repeats", quantile(runs.repeats, 1.0)},
                        {"repeats", runs.repeats}};
  std::cout << out.dump() << std::endl;
  return 0;
}

/// One simulated run of CONFIG for --seed K, then what the model believes at
/// the end (issue 15's diagnosis of trapped runs): its hyper-parameters and
/// noise, the posterior and log EI at the incumbent and at the known global
/// minimisers, and the log EI of a fresh maximisation.
int cmd_diagnose(const std::vector<std::string>& argv) {
  std::vector<std::string> rest;
  io::settings s = settings_from(argv, "diagnose", rest);
  std::uint64_t k = 0;
  for (std::size_t i = 0; i + 1 < rest.size(); i += 2)
    if (rest[i] == "--seed")
      k = std::stoull(rest[i + 1]);
    else
      throw std::invalid_argument("diagnose: unknown argument " + rest[i]);
  const test_function* f = s.builtin();
  if (!f)
    throw std::invalid_argument("diagnose: needs a built-in objective");
  io::settings one = s;
  one.seed = s.seed + k;
  scratch tmp;
  const auto dirs = product_runs(one, 1, 1, tmp.path);
  const auto log = io::read_event_log(dirs[0] + "/events.jsonl");
  engine e(f->space(), s.engine, one.seed);
  (void) app::restore_engine(log, e);
  double best = std::numeric_limits<double>::infinity();
  vec best_x;
  for (auto& r : log.records)
    if (r.ok() && r.value < best) {
      best = r.value;
      best_x = Eigen::Map<const vec>(r.x.data(), Eigen::Index(r.x.size()));
    }
  (void) e.ask(1);   // the model of all the data
  const gp& m = *e.model();
  const double eta = incumbent_eta(m);
  expected_improvement ei(m, eta);
  auto at = [&](const vec& x) {
    const vec u = f->space().to_unit(x);
    double mean = 0, var = 0;
    m.predict(u, mean, var);
    return nlohmann::json{{"x", std::vector<double>(x.data(), x.data() + x.size())},
                          {"true", (*f)(x)},
                          {"mean", mean},
                          {"sd", std::sqrt(var)},
                          {"z", (eta - mean) / std::sqrt(var)},
                          {"log_ei", ei.log_value(u, nullptr)}};
  };
  nlohmann::json minimisers = nlohmann::json::array();
  for (auto& x : f->minimizers)
    minimisers.push_back(at(x));
  const auto res = maximize_acquisition(ei, s.engine.optimizer_for(f->dim), 7, nullptr);
  const vec argmax = f->space().from_unit(res.x);
  const auto& h = m.hyper();
  std::cout << nlohmann::json{
                 {"command", "diagnose"},
                 {"objective", f->name},
                 {"seed", k},
                 {"regret", best - f->minimum},
                 {"n", m.size()},
                 {"variance", h.variance},
                 {"lengthscales", std::vector<double>(h.lengthscales.data(),
                                                      h.lengthscales.data()
                                                        + h.lengthscales.size())},
                 {"mean_constant", h.mean},
                 {"noise_variance", m.noise_variance()},
                 {"eta", eta},
                 {"incumbent", at(best_x)},
                 {"global_minimisers", minimisers},
                 {"max_log_ei", res.log_value},
                 {"argmax_ei", std::vector<double>(argmax.data(), argmax.data() + argmax.size())}}
                 .dump(1)
            << std::endl;
  return 0;
}

/// The multi-modal suite of issue 15: per built-in function, the regret of
/// the configured policy and of random search over the same seeds, and how
/// many runs are trapped. A run is trapped when its regret is above 1/20 of
/// random search's median on that function (e.g. Hartmann-6: 0.058, which
/// separates its local basin at 0.119 from the global one).
int cmd_suite(const std::vector<std::string>& argv) {
  std::vector<std::string> rest;
  io::settings base = settings_from(argv, "suite", rest);
  std::size_t seeds = 10, threads = 2;
  std::vector<std::string> names = {"hartmann3", "hartmann6", "ackley5", "shekel4",
                                    "michalewicz5", "levy8"};
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i + 1 >= rest.size())
      throw std::invalid_argument("suite: " + rest[i] + " needs a value");
    if (rest[i] == "--seeds")
      seeds = count_flag("suite", "--seeds", rest[++i], 1);
    else if (rest[i] == "--threads")
      threads = count_flag("suite", "--threads", rest[++i], 1);
    else if (rest[i] == "--functions") {
      names.clear();
      std::stringstream list(rest[++i]);
      for (std::string n; std::getline(list, n, ',');)
        names.push_back(n);
    } else
      throw std::invalid_argument("suite: unknown argument " + rest[i]);
  }
  auto fmt = [](double v) {
    char b[32];
    std::snprintf(b, sizeof(b), "%.3g", v);
    return std::string(b);
  };
  std::cout << "| function | median regret | q25 / q75 | runs trapped | random search median |\n"
               "| --- | --- | --- | --- | --- |\n";
  nlohmann::json all = nlohmann::json::array();
  for (const auto& name : names) {
    io::settings s = base;
    s.objective.name = name;
    if (!s.builtin())
      throw std::invalid_argument("suite: unknown function \"" + name + "\"");
    io::settings r = s;
    r.engine.rule = rule_kind::random;
    const auto model = run_regret(s, seeds, 0, threads);
    const auto random = run_regret(r, seeds, 0, threads);
    const double threshold = median(random.regret) / 20.0;
    std::size_t trapped = 0;
    for (double g : model.regret)
      trapped += g > threshold;
    std::cout << "| " << name << " | " << fmt(median(model.regret)) << " | "
              << fmt(quantile(model.regret, 0.25)) << " / " << fmt(quantile(model.regret, 0.75))
              << " | " << trapped << " of " << seeds << " (> " << fmt(threshold) << ") | "
              << fmt(median(random.regret)) << " |" << std::endl;
    all.push_back({{"function", name}, {"regrets", model.regret},
                   {"random_regrets", random.regret}, {"trapped", trapped},
                   {"threshold", threshold}});
  }
  std::cerr << nlohmann::json{{"command", "suite"}, {"config", argv[0]}, {"seeds", seeds},
                              {"functions", all}}
                 .dump()
            << std::endl;
  return 0;
}

} // namespace asyncbo::bench
