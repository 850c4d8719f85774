// SPDX-License-Identifier: Apache-2.0
// asyncbo-bench: benchmarks of the numerical core (never run by CTest).
//
//   asyncbo-bench ask --dim D --n N --q Q --pending P --samples S
//                     --repeats R --seed K [--sampler sobol|pseudo]
//                     [--preset asyncbo|trieste] [--rule async-joint|...]
//                     [--function batch-mc-ei|...]
//   asyncbo-bench qei-error --dim D --n N --q Q --pending P --samples S
//                     --repeats R --seed K [--sampler sobol|pseudo]
//   asyncbo-bench regret CONFIG --seeds N [--at E] [--section.key=value ...]
//
// `ask` times R full asks (cold MAP fit + acquisition optimisation) on a GP
// of N uniform points of ScaledBranin (D=2), Hartmann3/6, Shekel4, Ackley5,
// Levy8 or Michalewicz10, with P pending points, and prints one JSON object.
// `qei-error` measures the RMS error of the q-EI estimate against a 2^20
// point QMC reference at R random batches.
// `regret` runs the experiment of CONFIG with the product itself on the
// virtual clock (delay.clock = "virtual", asks free unless delay.ask-cost is
// set), one forked process per seed, for seeds 0..N-1 and reports the regret of the best of the first E
// evaluations (default: all; by its noise-free value), median and quartiles,
// the regret of the recommended point at the end, and the share of asked
// evaluations that failed.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/config_loader.hpp"
#include "app/experiment.hpp"
#include "app/resume.hpp"
#include "app/thread_pool.hpp"
#include "core/engine.hpp"
#include "core/pathwise.hpp"
#include "core/qei.hpp"
#include "core/objectives.hpp"
#include "io/settings.hpp"

using namespace asyncbo;

namespace {

struct args {
  std::map<std::string, std::string> kv;
  std::string get(const std::string& k, const std::string& def) const {
    auto i = kv.find(k);
    return i == kv.end() ? def : i->second;
  }
  long num(const std::string& k, long def) const {
    auto i = kv.find(k);
    return i == kv.end() ? def : std::stol(i->second);
  }
};

const test_function& function_for(std::size_t d) {
  const char* name = d == 2   ? "scaled-branin"
                     : d == 3 ? "hartmann3"
                     : d == 4 ? "shekel4"
                     : d == 5 ? "ackley5"
                     : d == 6 ? "hartmann6"
                     : d == 8 ? "levy8"
                     : d == 10 ? "michalewicz10"
                               : nullptr;
  if (!name)
    throw std::invalid_argument("--dim must be one of 2, 3, 4, 5, 6, 8, 10");
  return *find_test_function(name);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Data: N uniform points of f in unit coordinates and their values.
void make_data(const test_function& f, std::size_t n, std::uint64_t seed,
               std::vector<observation>& obs, mat& pending, std::size_t P) {
  rng_type rng(seed);
  mat U = uniform_unit(f.dim, n + P, rng);
  auto space = f.space();
  for (std::size_t i = 0; i < n; ++i) {
    vec x = space.from_unit(U.col(i));
    obs.push_back({std::nullopt, x, f(x)});
  }
  pending = U.rightCols(P);
}

int cmd_ask(const args& a) {
  const std::size_t D = a.num("dim", 2), N = a.num("n", 30), Q = a.num("q", 2),
                    P = a.num("pending", 2), S = a.num("samples", 10000),
                    R = a.num("repeats", 10);
  const std::uint64_t seed = a.num("seed", 1);
  const auto& f = function_for(D);
  engine_options o;
  if (!parse_enum(a.get("rule", "async-joint"), o.rule))
    throw std::invalid_argument("unknown --rule");
  if (!parse_enum(a.get("function", "batch-mc-ei"), o.acquisition))
    throw std::invalid_argument("unknown --function");
  o.likelihood_variance = 1e-7;
  o.qei.samples = S;
  o.qei.quasi_random = a.get("sampler", "sobol") == "sobol";
  const std::string preset = a.get("preset", "asyncbo");
  optimizer_preset p = optimizer_preset::asyncbo;
  if (!parse_enum(preset, p))
    throw std::invalid_argument("--preset must be asyncbo or trieste");
  o.preset = p;
  if (p == optimizer_preset::trieste)
    o.qei.quasi_random = false; // and Trieste's pseudo-random base samples
  if (a.kv.count("restarts"))
    o.optimizer.restarts = a.num("restarts", 0);
  if (a.kv.count("screening"))
    o.optimizer.screening_points = a.num("screening", 0);
  if (a.kv.count("screening-samples"))
    o.qei.screening_samples = a.num("screening-samples", 256);   // the asyncbo preset's
  // --steady: what a running experiment sees. A model of n points has been
  // fitted (one ask on n - q points), the q results of that ask are told,
  // and the next batch is asked: that ask is timed. --refit-every K applies
  // the refit schedule (model.refit-every).
  const bool steady = a.kv.count("steady") > 0;
  o.refit_every = a.num("refit-every", 1);
  std::vector<double> total, fit, acq, evals, conv;
  double zero_plain = 0, hyper_fits = 0;
  const std::size_t threads = a.num("threads", 1);
  app::thread_pool pool(threads);
  for (std::size_t r = 0; r < R; ++r) {
    std::vector<observation> obs;
    mat pend;
    make_data(f, N, seed * 1000 + r, obs, pend, P);
    engine e(f.space(), o, seed * 7919 + r, threads > 1 ? &pool : nullptr);
    if (steady && N > Q) {
      std::vector<observation> first(obs.begin(), obs.end() - static_cast<std::ptrdiff_t>(Q));
      e.tell(first);
      for (std::size_t j = 0; j < P; ++j)
        e.restore_pending(1000000 + j, e.space().from_unit(pend.col(j)));
      std::vector<observation> results;
      for (auto& p : e.ask(Q))
        results.push_back({p.id, p.x, f(p.x)});
      e.tell(results);
    } else {
      e.tell(obs);
      for (std::size_t j = 0; j < P; ++j)
        e.restore_pending(1000000 + j, e.space().from_unit(pend.col(j)));
    }
    auto t0 = std::chrono::steady_clock::now();
    auto ps = e.ask(Q);
    double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
    const auto& s = e.last_ask();
    total.push_back(ms);
    fit.push_back(s.fit_ms);
    acq.push_back(s.acq_ms);
    double ev = 0, cv = 0;
    for (auto& x : s.acq) {
      ev += x.evaluations + x.screened;
      cv += x.converged_runs;
    }
    evals.push_back(ev);
    conv.push_back(cv);
    zero_plain += s.plain_value == 0.0 ? 1 : 0;
    hyper_fits += s.hyper_fitted ? 1 : 0;
  }
  nlohmann::json out = {
    {"command", "ask"},
    {"function", f.name},
    {"dim", D},
    {"n", N},
    {"q", Q},
    {"pending", P},
    {"samples", S},
    {"sampler", o.qei.quasi_random ? "sobol" : "pseudo"},
    {"preset", preset},
    {"rule", to_string(o.rule)},
    {"acquisition", to_string(o.acquisition)},
    {"repeats", R},
    {"seed", seed},
    {"threads", threads},
    {"median_ms", median(total)},
    {"min_ms", *std::min_element(total.begin(), total.end())},
    {"max_ms", *std::max_element(total.begin(), total.end())},
    {"fit_ms", median(fit)},
    {"acq_ms", median(acq)},
    {"acq_evaluations", median(evals)},
    {"converged_runs", median(conv)},
    {"asks_with_zero_plain_value", zero_plain},
    {"mode", steady ? "steady" : "cold"},
    {"refit_every", o.refit_every},
    {"asks_with_hyper_fit", hyper_fits},
  };
  std::cout << out.dump() << std::endl;
  return 0;
}

/// Fallback draws (core/fallback) against the engine's own Thompson points
/// on the same model: a model of n points is fitted by one ask, then
/// thompson_fallback is built on its snapshot and serves 8 requests of k
/// points, repeated (draw_ms: median and mean per request);
/// beside it, an ask of one point with thompson_every = 1 (a Thompson point
/// of the engine: its own features, 2 + d refinement runs).
int cmd_fallback(const args& a) {
  const std::size_t D = a.num("dim", 6), N = a.num("n", 1000), K = a.num("k", 2),
                    R = a.num("repeats", 10);
  const std::uint64_t seed = a.num("seed", 1);
  const auto& f = function_for(D);
  engine_options o;
  o.likelihood_variance = 1e-7;
  o.qei.samples = 256;
  std::vector<observation> obs;
  mat pend;
  make_data(f, N, seed, obs, pend, 0);
  engine e(f.space(), o, seed);
  e.tell(obs);
  e.ask(1);
  auto src = e.snapshot();
  if (!src)
    throw std::runtime_error("no model to draw from");
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t) {
    return std::chrono::duration<double, std::milli>(clock::now() - t).count();
  };
  std::vector<double> build, draw, thompson;
  for (std::size_t r = 0; r < R; ++r) {
    auto t0 = clock::now();
    thompson_fallback tf(src);
    build.push_back(ms_since(t0));
    // Successive requests, as the sampler serves them (draws are made in
    // blocks: some requests pay for a block, the others only refine).
    for (int call = 0; call < 8; ++call) {
      t0 = clock::now();
      tf.draw(K);
      draw.push_back(ms_since(t0));
    }
  }
  engine_options ot = o;
  ot.thompson_every = 1;
  engine et(f.space(), ot, seed);
  et.tell(obs);
  et.ask(1);
  for (std::size_t r = 0; r < std::min<std::size_t>(R, 3); ++r) {
    et.tell({{std::nullopt, obs[r].x, obs[r].y}}); // new data: the next ask rebuilds
    et.ask(1);
    thompson.push_back(et.last_ask().acq_ms);
  }
  nlohmann::json out = {{"command", "fallback"},
                        {"function", f.name},
                        {"dim", D},
                        {"n", N},
                        {"k", K},
                        {"repeats", R},
                        {"seed", seed},
                        {"build_ms", median(build)},
                        {"draw_ms", median(draw)},
                        {"draw_ms_mean", std::accumulate(draw.begin(), draw.end(), 0.0)
                                           / double(draw.size())},
                        {"engine_thompson_point_ms", median(thompson)}};
  std::cout << out.dump() << std::endl;
  return 0;
}

int cmd_qei_error(const args& a) {
  const std::size_t D = a.num("dim", 2), N = a.num("n", 30), Q = a.num("q", 2),
                    P = a.num("pending", 2), S = a.num("samples", 10000),
                    R = a.num("repeats", 50);
  const std::uint64_t seed = a.num("seed", 1);
  const bool qmc = a.get("sampler", "sobol") == "sobol";
  const auto& f = function_for(D);
  std::vector<observation> obs;
  mat pend;
  make_data(f, N, seed, obs, pend, P);
  engine_options o;
  o.likelihood_variance = 1e-7;
  o.qei.samples = 16;
  engine e(f.space(), o, seed);
  e.tell(obs);
  e.ask(1); // fits the model
  const gp& model = *e.model();
  const double eta = incumbent_eta(model);
  qei_options ref_o;
  ref_o.samples = 1u << 20;
  ref_o.quasi_random = true;
  batch_mc_ei ref(model, eta, pend, Q, ref_o, seed + 17);
  rng_type rng(seed + 3);
  // Batches near good points matter most: half of them are random, half
  // are the data's best points jittered.
  double se = 0, se_rel = 0;
  std::size_t counted = 0;
  for (std::size_t r = 0; r < R; ++r) {
    qei_options oo;
    oo.samples = S;
    oo.quasi_random = qmc;
    batch_mc_ei est(model, eta, pend, Q, oo, seed * 1000 + r);
    vec x = uniform_unit(Q * D, 1, rng).col(0);
    double truth = ref.value(x);
    double v = est.value(x);
    se += (v - truth) * (v - truth);
    if (truth > 0) {
      se_rel += ((v - truth) / truth) * ((v - truth) / truth);
      ++counted;
    }
  }
  nlohmann::json out = {
    {"command", "qei-error"}, {"function", f.name}, {"dim", D}, {"n", N},
    {"q", Q}, {"pending", P}, {"samples", S},
    {"sampler", qmc ? "sobol" : "pseudo"}, {"repeats", R},
    {"rms_error", std::sqrt(se / R)},
    {"rms_relative_error", counted ? std::sqrt(se_rel / counted) : 0.0},
  };
  std::cout << out.dump() << std::endl;
  return 0;
}

/// The regret figures of `seeds` simulated runs of settings `s`.
struct regret_runs {
  std::vector<double> regret, recommended, failed_share;
};

/// Settings from CONFIG plus --section.key=value overrides; the remaining
/// arguments in `rest`.
io::settings settings_from(const std::vector<std::string>& argv, const char* cmd,
                           std::vector<std::string>& rest) {
  if (argv.empty())
    throw std::invalid_argument(std::string(cmd) + ": missing CONFIG");
  nlohmann::json raw = nlohmann::json::object();
  if (auto err = app::load_config_file(argv[0], raw); !err.empty())
    throw std::invalid_argument(err);
  std::vector<std::string> errors;
  app::apply_overrides({argv.begin() + 1, argv.end()}, raw, rest, errors);
  io::settings s;
  if (!io::parse_settings(raw, s, errors)) {
    std::string all;
    for (auto& e : errors)
      all += "\n  " + e;
    throw std::invalid_argument(std::string(cmd) + ": configuration errors:" + all);
  }
  return s;
}

/// Runs the product itself (the runtime of `asyncbo run`: actors, dispatcher,
/// outputs) on the virtual clock for seeds s.seed .. s.seed + seeds - 1,
/// `jobs` forked processes at a time (this process stays single-threaded
/// until they are done), each into its own folder under `tmp`. Asks cost no
/// simulated time unless delay.ask-cost is set, which keeps the tables
/// comparable with the earlier core/simulate figures (identical per seed: see
/// BENCHMARKS.md). Throws if a run does not complete.
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
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  std::string failures;
  while (next < seeds || !running.empty()) {
    while (next < seeds && running.size() < std::max<std::size_t>(1, jobs)) {
      io::settings one = s;
      one.seed = s.seed + next;
      one.output.dir = tmp + "/seed-" + std::to_string(one.seed);
      dirs.push_back(one.output.dir);
      std::fflush(nullptr);
      const pid_t pid = ::fork();
      if (pid < 0)
        throw std::runtime_error("fork failed");
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
      running[pid] = next++;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0)
      break;
    auto it = running.find(pid);
    if (it == running.end())
      continue;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      failures += " seed " + std::to_string(s.seed + it->second);
    running.erase(it);
  }
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
  std::vector<double> regret(seeds), recommended(seeds), failed_share(seeds);
  for (std::size_t k = 0; k < seeds; ++k) {
    const auto log = app::read_event_log(dirs[k] + "/events.jsonl");
    std::vector<const io::evaluation_record*> evals;
    for (auto& r : log.records)
      if (r.final)
        evals.push_back(&r);
    const std::size_t upto = at == 0 ? evals.size() : std::min(at, evals.size());
    double best = std::numeric_limits<double>::infinity(), best_true = best;
    std::size_t asked = 0, failed = 0;
    for (std::size_t i = 0; i < evals.size(); ++i) {
      const auto& r = *evals[i];
      if (!r.initial) {
        ++asked;
        failed += r.ok() ? 0 : 1;
      }
      if (i < upto && r.ok() && r.value < best) {
        best = r.value;
        best_true = (*f)(Eigen::Map<const vec>(r.x.data(), Eigen::Index(r.x.size())));
      }
    }
    regret[k] = best_true - f->minimum;
    failed_share[k] = asked ? double(failed) / double(asked) : 0.0;
    std::ifstream in(dirs[k] + "/summary.json");
    const auto summary = nlohmann::json::parse(in);
    recommended[k] = summary["regret"].is_number() ? summary["regret"].get<double>()
                                                   : std::numeric_limits<double>::infinity();
    if (long(k) == trace) {
      double b = std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < evals.size(); ++i) {
        const auto& r = *evals[i];
        if (r.ok())
          b = std::min(b, r.value);
        std::cerr << i << " id " << r.id << " t " << r.end_time << " x";
        for (double v : r.x)
          std::cerr << " " << v;
        std::cerr << " y " << r.value << " regret " << b - f->minimum << "\n";
      }
    }
  }
  return {regret, recommended, failed_share};
}

int cmd_regret(const std::vector<std::string>& argv) {
  std::vector<std::string> rest;
  io::settings s = settings_from(argv, "regret", rest);
  std::size_t seeds = 10, at = 0, threads = 2;
  long trace = -1; // print the evaluations of this seed on stderr
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i + 1 >= rest.size())
      throw std::invalid_argument("regret: " + rest[i] + " needs a value");
    if (rest[i] == "--seeds")
      seeds = std::stoul(rest[++i]);
    else if (rest[i] == "--at")
      at = std::stoul(rest[++i]);
    else if (rest[i] == "--threads")
      threads = std::stoul(rest[++i]);
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
  std::vector<double> sorted = regret;
  std::sort(sorted.begin(), sorted.end());
  auto q = [&](double p) { return sorted[std::size_t(p * (sorted.size() - 1) + 0.5)]; };
  nlohmann::json out = {{"command", "regret"},
                        {"config", argv[0]},
                        {"objective", f->name},
                        {"rule", to_string(s.engine.rule)},
                        {"function", to_string(s.engine.acquisition)},
                        {"samples", s.engine.qei.samples},
                        {"seeds", seeds},
                        {"evaluations", at},
                        {"median_regret", median(regret)},
                        {"q25_regret", q(0.25)},
                        {"q75_regret", q(0.75)},
                        {"max_regret", sorted.back()},
                        {"regrets", regret},
                        {"median_recommended_regret", median(recommended)},
                        {"recommended_regrets", recommended},
                        {"median_failed_share", median(failed_share)},
                        {"failed_shares", failed_share}};
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
  const auto log = app::read_event_log(dirs[0] + "/events.jsonl");
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
      seeds = std::stoul(rest[++i]);
    else if (rest[i] == "--threads")
      threads = std::stoul(rest[++i]);
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
  auto quart = [](std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::size_t(p * double(v.size() - 1) + 0.5)];
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
              << fmt(quart(model.regret, 0.25)) << " / " << fmt(quart(model.regret, 0.75))
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

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cout << "usage: asyncbo-bench regret CONFIG --seeds N [--at E] "
                 "[--threads T] [--section.key=value ...]\n"
                 "       asyncbo-bench diagnose CONFIG --seed K [--section.key=value ...]\n"
                 "       asyncbo-bench suite CONFIG [--seeds N] [--functions a,b,...] "
                 "[--threads T] [--section.key=value ...]\n"
                 "       asyncbo-bench ask|qei-error --dim D --n N --q Q "
                 "--pending P --samples S --repeats R --seed K\n"
                 "  [--sampler sobol|pseudo] [--preset asyncbo|trieste]\n"
                 "  [--rule R] [--function F] [--restarts K] [--screening M]\n"
                 "  [--screening-samples M] [--threads T]\n"
                 "  ask: [--steady] [--refit-every K]  (steady: q results told to a fitted\n"
                 "  model, then the next batch asked; K: model.refit-every)\n"
                 "       asyncbo-bench fallback --dim D --n N --k K --repeats R --seed S\n"
                 "  (fallback draws: build and k draws on a fitted model, beside one\n"
                 "  Thompson point of the engine)\n";
    return argc < 2 ? 2 : 0;
  }
  // Commands that take CONFIG and --section.key=value overrides.
  using config_command = int (*)(const std::vector<std::string>&);
  const std::map<std::string, config_command> with_config = {
    {"diagnose", cmd_diagnose}, {"suite", cmd_suite}, {"regret", cmd_regret}};
  if (auto c = with_config.find(argv[1]); c != with_config.end()) {
    try {
      return c->second(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const std::exception& e) {
      std::cerr << "asyncbo-bench: " << e.what() << "\n";
      return 2;
    }
  }
  args a;
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) {
      std::cerr << "asyncbo-bench: expected --key value, got '" << k << "'\n";
      return 2;
    }
    // A key without a value (the next argument is a key too) is a flag.
    const bool flag = i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0;
    a.kv[k.substr(2)] = flag ? "1" : argv[++i];
  }
  try {
    std::string cmd = argv[1];
    if (cmd == "ask")
      return cmd_ask(a);
    if (cmd == "qei-error")
      return cmd_qei_error(a);
    if (cmd == "fallback")
      return cmd_fallback(a);
    std::cerr << "asyncbo-bench: unknown command '" << cmd << "'\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "asyncbo-bench: " << e.what() << "\n";
    return 2;
  }
}
