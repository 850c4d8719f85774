// SPDX-License-Identifier: Apache-2.0
// asyncbo-bench's micro benchmarks: asks, fallback draws and the q-EI
// estimate's error on a GP of N uniform points of a built-in (no actors).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/thread_pool.hpp"
#include "bench/bench.hpp"
#include "core/engine.hpp"
#include "core/objectives.hpp"
#include "core/pathwise.hpp"
#include "core/qei.hpp"
#include "core/stats.hpp"
#include "io/settings.hpp"

namespace asyncbo::bench {

namespace {

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

} // namespace

int cmd_ask(const args& a) {
  // The product's engine defaults (io::settings: 2 048 Sobol base samples,
  // learned noise, the data-following refit schedule), then the flags.
  engine_options o = io::settings{}.engine;
  const std::size_t D = a.num("dim", 2), N = a.num("n", 30), Q = a.num("q", 2),
                    P = a.num("pending", 2), S = a.num("samples", long(o.qei.samples)),
                    R = a.num("repeats", 10);
  const std::uint64_t seed = a.num("seed", 1);
  const auto& f = function_for(D);
  if (!parse_enum(a.get("rule", "async-joint"), o.rule))
    throw std::invalid_argument("unknown --rule");
  if (!parse_enum(a.get("function", "batch-mc-ei"), o.acquisition))
    throw std::invalid_argument("unknown --function");
  if (a.kv.count("noise"))
    o.likelihood_variance = std::stod(a.get("noise", "0"));   // a fixed likelihood variance
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
  // --steady: what a running experiment sees. A model of n - q points is
  // fitted (one ask), the q results of that ask are told, and then R asks
  // follow one another on the same engine, each telling the q results of the
  // one before (n grows by q per ask; the P pending points stay pending):
  // those R asks are timed, under the product's refit schedule unless
  // --refit-every K is given. fit_share is the share of their time spent in
  // MAP fits. Without --steady each of the R asks is a cold one on its own
  // engine (a fit on n points, then the ask).
  const bool steady = a.kv.count("steady") > 0;
  if (a.kv.count("refit-every"))
    o.refit_every = a.num("refit-every", 1);   // else the product's schedule
  std::vector<double> total, fit, acq, evals, conv;
  double zero_plain = 0, hyper_fits = 0;
  const std::size_t threads = a.num("threads", 1);
  app::thread_pool pool(threads);
  auto record = [&](engine& e, double ms) {
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
  };
  auto timed_ask = [&](engine& e) {
    auto t0 = std::chrono::steady_clock::now();
    auto ps = e.ask(Q);
    record(e, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    return ps;
  };
  auto tell_results = [&](engine& e, const std::vector<proposal>& ps) {
    std::vector<observation> results;
    for (auto& p : ps)
      results.push_back({p.id, p.x, f(p.x)});
    e.tell(results);
  };
  const std::size_t engines = steady ? 1 : R;
  for (std::size_t r = 0; r < engines; ++r) {
    std::vector<observation> obs;
    mat pend;
    make_data(f, N, seed * 1000 + r, obs, pend, P);
    engine e(f.space(), o, seed * 7919 + r, threads > 1 ? &pool : nullptr);
    if (steady && N > Q) {
      std::vector<observation> first(obs.begin(), obs.end() - static_cast<std::ptrdiff_t>(Q));
      e.tell(first);
      for (std::size_t j = 0; j < P; ++j)
        e.restore_pending(1000000 + j, e.space().from_unit(pend.col(j)));
      tell_results(e, e.ask(Q));
      for (std::size_t k = 0; k < R; ++k)
        tell_results(e, timed_ask(e));
    } else {
      e.tell(obs);
      for (std::size_t j = 0; j < P; ++j)
        e.restore_pending(1000000 + j, e.space().from_unit(pend.col(j)));
      timed_ask(e);
    }
  }
  const double sum_ms = std::accumulate(total.begin(), total.end(), 0.0);
  const double sum_fit = std::accumulate(fit.begin(), fit.end(), 0.0);
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
    {"mean_ms", sum_ms / double(total.size())},
    {"fit_share", sum_ms > 0 ? sum_fit / sum_ms : 0.0},
    {"min_ms", *std::min_element(total.begin(), total.end())},
    {"max_ms", *std::max_element(total.begin(), total.end())},
    {"fit_ms", median(fit)},
    {"acq_ms", median(acq)},
    {"acq_evaluations", median(evals)},
    {"converged_runs", median(conv)},
    {"asks_with_zero_plain_value", zero_plain},
    {"mode", steady ? "steady" : "cold"},
    {"refit_every", o.refit_period()},
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

} // namespace asyncbo::bench
