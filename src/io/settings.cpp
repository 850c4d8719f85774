// SPDX-License-Identifier: Apache-2.0
// Configuration schema and validation.
#include "io/settings.hpp"

#include "io/command.hpp"

#include "core/format.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace asyncbo::io {

namespace {

using json = nlohmann::json;

std::string show(const json& v) {
  return v.dump();
}

/// A schema entry with its reader and writer.
struct entry {
  key_info info;
  /// Reads v into s; returns an error ("must be ...") or "".
  std::function<std::string(settings&, const json&)> read;
  std::function<json(const settings&)> write;
  std::string settings::*secret_of = nullptr; ///< for keys marked secret
};

/// Marks a string key as secret: its value is never written to the outputs
/// (only that it was set).
entry secret(entry e, std::string settings::*m) {
  e.info.secret = true;
  e.secret_of = m;
  return e;
}

/// Marks a key as defining the problem: a resumed run must keep its value.
entry problem(entry e) {
  e.info.defines_problem = true;
  return e;
}

std::string type_error(const char* want, const json& v) {
  return std::string("must be ") + want + ", got " + show(v);
}

entry int_key(std::string sec, std::string key, std::int64_t settings::*m,
              std::int64_t lo, std::int64_t hi, std::string help) {
  settings d;
  entry e{{sec, key, "integer", std::to_string(d.*m), std::move(help)}, {}, {}};
  e.read = [m, lo, hi](settings& s, const json& v) -> std::string {
    if (!v.is_number_integer())
      return type_error("an integer", v);
    auto x = v.get<std::int64_t>();
    if (x < lo || x > hi)
      return "must be in [" + std::to_string(lo) + ", " + std::to_string(hi)
             + "], got " + std::to_string(x);
    s.*m = x;
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

entry seed_key() {
  entry e{{"experiment", "seed", "integer", "0",
           "seed of every random choice (initial design, base samples, "
           "restarts); a run is reproducible up to evaluation timing"},
          {},
          {}};
  e.read = [](settings& s, const json& v) -> std::string {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
      return type_error("a non-negative integer", v);
    s.seed = v.get<std::uint64_t>();
    return {};
  };
  e.write = [](const settings& s) { return json(s.seed); };
  return e;
}

entry real_key(std::string sec, std::string key, double settings::*m,
               double lo, bool lo_open, std::string help) {
  settings d;
  entry e{{sec, key, "real", exact(d.*m), std::move(help)}, {}, {}};
  e.read = [m, lo, lo_open](settings& s, const json& v) -> std::string {
    if (!v.is_number())
      return type_error("a number", v);
    double x = v.get<double>();
    if (!std::isfinite(x))
      return "must be finite, got " + show(v);
    if (lo_open ? !(x > lo) : !(x >= lo))
      return std::string("must be ") + (lo_open ? "> " : ">= ") + exact(lo)
             + ", got " + exact(x);
    s.*m = x;
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

entry string_key(std::string sec, std::string key, std::string settings::*m,
                 std::vector<std::string> allowed, std::string help) {
  settings d;
  std::string def = "\"" + d.*m + "\"";
  if (!allowed.empty()) {
    help += " (";
    for (std::size_t i = 0; i < allowed.size(); ++i)
      help += (i ? " | " : "") + allowed[i];
    help += ")";
  }
  entry e{{sec, key, "string", def, std::move(help)}, {}, {}};
  e.read = [m, allowed](settings& s, const json& v) -> std::string {
    if (!v.is_string())
      return type_error("a string (quoted in INI files)", v);
    auto x = v.get<std::string>();
    if (!allowed.empty()) {
      bool ok = false;
      for (auto& a : allowed)
        ok = ok || a == x;
      if (!ok) {
        std::string list;
        for (std::size_t i = 0; i < allowed.size(); ++i)
          list += (i ? ", " : "") + allowed[i];
        return "must be one of " + list + ", got \"" + x + "\"";
      }
    }
    s.*m = x;
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

entry bool_key(std::string sec, std::string key, bool settings::*m,
               std::string help) {
  settings d;
  entry e{{sec, key, "boolean", d.*m ? "true" : "false", std::move(help)}, {}, {}};
  e.read = [m](settings& s, const json& v) -> std::string {
    if (!v.is_boolean())
      return type_error("true or false", v);
    s.*m = v.get<bool>();
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

entry strings_key(std::string sec, std::string key,
                  std::vector<std::string> settings::*m, std::string help) {
  entry e{{sec, key, "list of strings", "[]", std::move(help)}, {}, {}};
  e.read = [m](settings& s, const json& v) -> std::string {
    json arr = v.is_array() ? v : json::array({v});
    std::vector<std::string> out;
    for (auto& x : arr) {
      if (!x.is_string())
        return type_error("a list of strings", v);
      out.push_back(x.get<std::string>());
    }
    s.*m = out;
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

/// A table name = [choices]: the categorical parameters of [space].
entry categories_key(std::string sec, std::string key,
                     std::map<std::string, std::vector<std::string>> settings::*m,
                     std::string help) {
  const std::string full = sec + "." + key;
  entry e{{sec, key, "table of string lists", "{}", std::move(help)}, {}, {}};
  e.read = [m, full](settings& s, const json& v) -> std::string {
    if (!v.is_object())
      return "must be a table such as {optimizer = [\"adam\", \"sgd\"]}, got " + show(v);
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [name, list] : v.items()) {
      if (!list.is_array())
        return "(" + full + "." + name + ") must be a list of strings, got " + show(list);
      for (auto& c : list) {
        if (!c.is_string())
          return "(" + full + "." + name + ") choices must be strings, got " + show(c);
        out[name].push_back(c.get<std::string>());
      }
      out[name];   // an empty list stays, to be rejected by name
    }
    s.*m = out;
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

entry reals_key(std::string sec, std::string key, std::vector<double> settings::*m,
                std::string help) {
  entry e{{sec, key, "list of reals", "[]", std::move(help)}, {}, {}};
  e.read = [m](settings& s, const json& v) -> std::string {
    json arr = v.is_array() ? v : json::array({v});
    std::vector<double> out;
    for (auto& x : arr) {
      if (!x.is_number())
        return type_error("a list of numbers", v);
      out.push_back(x.get<double>());
    }
    s.*m = out;
    return {};
  };
  e.write = [m](const settings& s) { return json(s.*m); };
  return e;
}

const std::vector<entry>& entries() {
  static const std::vector<entry> es = [] {
    constexpr std::int64_t big = std::int64_t{1} << 40;
    std::vector<entry> v;
    // -- experiment
    v.push_back(problem(string_key("experiment", "objective", &settings::objective, {},
                           "a built-in test function (" + test_function_names()
                             + ") or \"command\" (an external program, see "
                               "[objective] and [space])")));
    v.push_back(int_key("experiment", "num-workers", &settings::num_workers, 0, 100000,
                        "local evaluators (0 only with cluster.port: all remote)"));
    v.push_back(int_key("experiment", "num-observations", &settings::num_observations, 1,
                        big, "evaluation budget after the initial design"));
    v.push_back(int_key("experiment", "batch-size", &settings::batch_size, 1, 100000,
                        "results to wait for before asking again (k of n); "
                        "1 = fully asynchronous"));
    v.push_back(problem(int_key("experiment", "num-initial-points", &settings::num_initial_points,
                        0, big, "initial design, evaluated without delay and told "
                                "before the first ask")));
    v.push_back(string_key("experiment", "fallback", &settings::fallback,
                           {"thompson", "none"},
                           "evaluators that free while an ask is still being computed: "
                           "\"thompson\" gives each a Thompson draw on the last ask's model "
                           "at once (counted in summary.json's fallback), \"none\" makes "
                           "them wait for the next ask"));
    v.push_back(real_key("experiment", "fallback-after", &settings::fallback_after, 0.0, false,
                         "with fallback: once an ask took longer than this fraction of "
                         "the median evaluation, the workers an ask is for get fallback "
                         "points too (its points go to the next ones)"));
    v.push_back(seed_key());
    v.push_back(string_key("experiment", "initial-design", &settings::initial_design,
                           {"uniform", "sobol"}, "how the initial design is drawn"));
    v.push_back(problem(real_key("experiment", "noise", &settings::noise, 0.0, false,
                                 "benchmarks: standard deviation of Gaussian noise added to "
                                 "a built-in objective (regret stays noise-free)")));
    v.push_back(problem(real_key("experiment", "failure-rate", &settings::failure_rate, 0.0,
                                 false, "benchmarks: probability that an evaluation of a "
                                        "built-in fails, anywhere in the box")));
    // -- acquisition
    v.push_back(string_key("acquisition", "rule", &settings::rule,
                           rule_names(),
                           "how batches are built"));
    v.push_back(string_key("acquisition", "function", &settings::function,
                           acquisition_names(),
                           "acquisition function"));
    v.push_back(int_key("acquisition", "samples", &settings::samples, 1, 10000000,
                        "Monte-Carlo base samples of batch-mc-ei"));
    v.push_back(string_key("acquisition", "sampler", &settings::sampler,
                           {"sobol", "pseudo"},
                           "base samples: scrambled Sobol (QMC) or pseudo-random"));
    v.push_back(string_key("acquisition", "preset", &settings::preset,
                           preset_names(),
                           "acquisition optimiser defaults; trieste = "
                           "max(5000, 1000 d) uniform screening points, 10 d "
                           "L-BFGS-B runs, all samples everywhere"));
    v.push_back(int_key("acquisition", "restarts", &settings::restarts, 0, 100000,
                        "L-BFGS-B runs per optimisation (0 = preset)"));
    v.push_back(int_key("acquisition", "screening-points", &settings::screening_points,
                        0, 10000000, "points scored before the runs (0 = preset)"));
    v.push_back(int_key("acquisition", "screening-samples", &settings::screening_samples,
                        0, 10000000, "base samples used to score screening points "
                                     "(0 = all)"));
    v.push_back(int_key("acquisition", "thompson-every", &settings::thompson_every, -1,
                        1000000,
                        "every this-many-th asked point is a Thompson sample (one "
                        "posterior draw on 1024 Sobol + around-best points, its "
                        "argmin) instead of the acquisition's; 0 = never, -1 = the "
                        "preset's (asyncbo 4, trieste 0)"));
    v.push_back(real_key("acquisition", "thompson-scale", &settings::thompson_scale, 0.0, true,
                         "widens each Thompson draw around the posterior mean (its "
                         "covariance times the square; 1 = the posterior)"));
    v.push_back(int_key("acquisition", "stall-window", &settings::stall_window, -1, 1000000,
                        "once the best value improved by less than stall-tolerance x "
                        "the data's range over this many observations, Thompson points "
                        "skip the incumbent's basin (stall-radius); 0 = never, -1 = the "
                        "preset's"));
    v.push_back(real_key("acquisition", "stall-tolerance", &settings::stall_tolerance, 0.0,
                         false, "relative improvement below which a run counts as stalled"));
    v.push_back(real_key("acquisition", "stall-radius", &settings::stall_radius, 0.0, false,
                         "radius of the incumbent's basin a stalled run's Thompson points "
                         "skip, in length-scales of the GP around the incumbent (0 = 1)"));
    v.push_back(int_key("acquisition", "thompson-candidates", &settings::thompson_candidates,
                        1, 100000,
                        "scrambled Sobol points a Thompson draw is screened on (plus the "
                        "around-best ones) before L-BFGS-B refines its minimiser"));
    v.push_back(int_key("acquisition", "around-best", &settings::around_best, 0, 1000000,
                        "extra screening points near the best observations "
                        "(0 = none)"));
    v.push_back(real_key("acquisition", "temperature", &settings::temperature, 0.0, true,
                         "softplus temperature of the smoothed q-EI, relative to "
                         "the kernel standard deviation"));
    v.push_back(real_key("acquisition", "jitter", &settings::jitter, 0.0, false,
                         "jitter on the joint covariance, relative to the kernel "
                         "variance"));
    v.push_back(int_key("acquisition", "lp-samples", &settings::lp_samples, 1, 10000000,
                        "points for the Lipschitz estimate of local-penalization"));
    v.push_back(int_key("acquisition", "threads", &settings::threads, 0, 1024,
                        "threads for the acquisition optimiser (0 = all cores)"));
    // -- model
    v.push_back(int_key("model", "refit-every", &settings::refit_every, 1, 1000000,
                        "fit the GP's hyper-parameters (MAP) at most every this many "
                        "asks (1 = every ask, as Trieste); between fits the last ones "
                        "are used on the new data"));
    v.push_back(real_key("model", "refit-growth", &settings::refit_growth, 0.0, false,
                         "with refit-every > 1: fit anyway once the data grew by this "
                         "fraction since the last fit"));
    v.push_back(int_key("model", "max-exact", &settings::max_exact, 0, 100000000,
                        "beyond this many observations the GP is fitted on a subset of "
                        "this many (the best half and a spread of the rest); 0 = all"));
    v.push_back(string_key("model", "lengthscale-prior", &settings::lengthscale_prior,
                           {"trieste", "dimension-scaled"},
                           "LogNormal length-scale prior: Trieste's (median 0.2 sqrt(D), "
                           "log-scale 1) or Hvarfner et al. 2024's dimension-scaled one "
                           "(median exp(sqrt(2)) sqrt(D), log-scale sqrt(3))"));
    v.push_back(string_key("model", "output-transform", &settings::output_transform,
                           output_transform_names(),
                           "what the GP models: y itself, or the Yeo-Johnson power "
                           "transform of standardised y fitted at every fit (HEBO's)"));
    v.push_back(string_key("model", "prior-centre", &settings::prior_centre,
                           {"first-fit", "every-fit"},
                           "what the kernel-variance and noise priors are centred on: the "
                           "first fit's data (Trieste) or the data of every fit (as "
                           "standardised outputs are)"));
    v.push_back(real_key("model", "likelihood-variance", &settings::likelihood_variance,
                         0.0, false, "fixed noise variance; > 0 fixes it whatever "
                                     "model.noise says (the seed uses 1e-7)"));
    v.push_back(string_key("model", "noise", &settings::model_noise, {"learn", "fixed"},
                           "with likelihood-variance 0: learn the noise variance (MAP, "
                           "prior median data variance / 100, floor 1e-8 of it) or fix "
                           "it at data variance / 100 (Trieste's default)"));
    // -- delay
    v.push_back(string_key("delay", "model", &settings::delay_type,
                           delay_model::names(),
                           "simulated evaluation time of built-in objectives"));
    v.push_back(real_key("delay", "factor", &settings::delay_factor, 0.0, false,
                         "constant: the delay in seconds; linear-sum: seconds per unit "
                         "of sum(x) (unit coordinates)"));
    v.push_back(real_key("delay", "low", &settings::delay_low, 0.0, false,
                         "uniform: shortest delay (s)"));
    v.push_back(real_key("delay", "high", &settings::delay_high, 0.0, false,
                         "uniform: longest delay (s)"));
    v.push_back(real_key("delay", "median", &settings::delay_median, 0.0, true,
                         "log-normal: median delay (s)"));
    v.push_back(real_key("delay", "sigma", &settings::delay_sigma, 0.0, false,
                         "log-normal: standard deviation of log(delay)"));
    v.push_back(real_key("delay", "straggler-fraction", &settings::straggler_fraction, 0.0,
                         false, "fraction of evaluations that straggle (any model)"));
    v.push_back(real_key("delay", "straggler-factor", &settings::straggler_factor, 0.0,
                         false, "how many times slower a straggler is"));
    v.push_back(real_key("delay", "time-scale", &settings::time_scale, 0.0, false,
                         "multiplies every delay (0.01 = 100x faster)"));
    v.push_back(string_key("delay", "clock", &settings::clock, {"real", "virtual"},
                           "virtual: built-in objectives run on simulated time, each "
                           "evaluation ending after its delay without waiting for it "
                           "(seconds of delay cost no wall time)"));
    v.push_back(real_key("delay", "ask-cost", &settings::ask_cost, -1.0, false,
                         "virtual clock: simulated seconds charged per ask; -1 = the "
                         "measured time (a fixed cost makes a run reproducible "
                         "bit for bit whatever the thread count)"));
    // -- output
    v.push_back(string_key("output", "dir", &settings::output_dir, {},
                           "directory for observations.csv, events.jsonl, "
                           "summary.json, plot.svg (\"\" = runs/<config>-<date-time>)"));
    v.push_back(string_key("output", "progress", &settings::progress,
                           {"auto", "always", "never"},
                           "progress line on stderr (auto: only on a terminal)"));
    v.push_back(bool_key("output", "plot", &settings::plot, "write plot.svg"));
    v.push_back(bool_key("output", "fsync", &settings::fsync,
                         "fsync the logs after every line (survives power loss; "
                         "a flush already survives a killed process)"));
    v.push_back(int_key("output", "dashboard-port", &settings::dashboard_port, -1, 65535,
                        "serve a live dashboard on this port (-1 = off, 0 = any free "
                        "port; the address is printed on stderr)"));
    v.push_back(string_key("output", "dashboard-host", &settings::dashboard_host, {},
                           "address the dashboard listens on; other than loopback it "
                           "needs dashboard-token"));
    v.push_back(secret(string_key("output", "dashboard-token", &settings::dashboard_token,
                                  {}, "token every dashboard request must carry "
                                      "(Authorization: Bearer or ?token=; never written "
                                      "to the outputs)"),
                       &settings::dashboard_token));
    // -- space
    v.push_back(problem(strings_key("space", "names", &settings::space_names,
                            "parameter names (objective = \"command\")")));
    v.push_back(problem(reals_key("space", "lower", &settings::space_lower, "lower bounds")));
    v.push_back(problem(reals_key("space", "upper", &settings::space_upper, "upper bounds")));
    v.push_back(problem(strings_key("space", "log", &settings::space_log,
                            "parameters searched on a log scale")));
    v.push_back(problem(strings_key("space", "integer", &settings::space_integer,
                            "integer parameters")));
    v.push_back(problem(categories_key("space", "categories", &settings::space_categories,
                               "categorical parameters, e.g. {optimizer = [\"adam\", "
                               "\"sgd\"]}: each name is in space.names (its place), "
                               "lower and upper skip it; one-hot in the model")));
    // -- objective
    v.push_back(problem(strings_key("objective", "command", &settings::command,
                            "program and arguments; {name} is replaced by the "
                            "value (no shell)")));
    v.push_back(problem(string_key("objective", "input", &settings::input, {"args", "json"},
                           "json: the point is also written to stdin as a JSON "
                           "object")));
    v.push_back(string_key("objective", "mode", &settings::mode, {"spawn", "persistent"},
                           "spawn: a new process per evaluation; persistent: each "
                           "evaluator starts the program once and sends it one JSON "
                           "request per line on stdin, one JSON reply per line back "
                           "(README, \"Persistent programs\")"));
    v.push_back(real_key("objective", "timeout", &settings::timeout, 0.0, false,
                         "seconds per evaluation (0 = none); in persistent mode from "
                         "the request, so a restart's start-up counts"));
    v.push_back(int_key("objective", "max-retries", &settings::max_retries, 0, 1000,
                        "retries of a failed evaluation"));
    v.push_back(real_key("objective", "max-failure-fraction",
                         &settings::max_failure_fraction, 0.0, false,
                         "stop when more than this fraction of evaluations fail"));
    v.push_back(string_key("objective", "workdir", &settings::workdir, {},
                           "per-evaluation working directory root (\"\" = none)"));
    v.push_back(int_key("objective", "log-limit", &settings::log_limit, 0, big,
                        "bytes kept of each program's stdout and stderr log per "
                        "evaluation: the first and last halves, with a marker "
                        "between (0 = unlimited); bounds memory too"));
    v.push_back(string_key("objective", "on-failure", &settings::on_failure,
                           {"learn", "forget"},
                           "learn: a point that failed for good teaches a model of the "
                           "probability of success, which weights the acquisition; "
                           "forget: it is only dropped"));
    // -- cluster
    v.push_back(int_key("cluster", "port", &settings::cluster_port, -1, 65535,
                        "accept remote evaluators on this port (-1 = off, "
                        "0 = any free port)"));
    v.push_back(string_key("cluster", "bind", &settings::cluster_bind, {},
                           "address the head listens on"));
    v.push_back(string_key("cluster", "host", &settings::cluster_host, {},
                           "head to connect to (worker)"));
    v.push_back(secret(string_key("cluster", "secret", &settings::cluster_secret, {},
                                  "shared secret of head and workers (never written "
                                  "to the outputs; prefer secret-file: a command line "
                                  "is visible to other users)"),
                       &settings::cluster_secret));
    v.push_back(string_key("cluster", "secret-file", &settings::cluster_secret_file, {},
                           "file holding the shared secret"));
    v.push_back(real_key("cluster", "connect-timeout", &settings::cluster_connect_timeout,
                         0.0, false, "seconds a worker keeps retrying to reach the head"));
    v.push_back(real_key("cluster", "heartbeat", &settings::cluster_heartbeat, 0.0, false,
                         "seconds between heartbeats; a silent peer is dropped "
                         "after 5 (0 = off)"));
    v.push_back(string_key("cluster", "tls-certificate", &settings::tls_certificate, {},
                           "PEM certificate of this node; with tls-key and tls-cafile "
                           "all cluster traffic uses TLS (CAF's OpenSSL module)"));
    v.push_back(string_key("cluster", "tls-key", &settings::tls_key, {},
                           "PEM private key of this node"));
    v.push_back(secret(string_key("cluster", "tls-passphrase", &settings::tls_passphrase,
                                  {}, "passphrase of tls-key, if any (never written to "
                                      "the outputs)"),
                       &settings::tls_passphrase));
    v.push_back(string_key("cluster", "tls-cafile", &settings::tls_cafile, {},
                           "PEM CA certificate(s) that peers' certificates must "
                           "chain to"));
    // -- worker
    v.push_back(int_key("worker", "evaluators", &settings::worker_evaluators, 1, 100000,
                        "evaluators a worker process offers"));
    v.push_back(string_key("worker", "name", &settings::worker_name, {},
                           "name of this worker in the head's log (\"\" = host:pid)"));
    v.push_back(string_key("worker", "log-dir", &settings::worker_log_dir, {},
                           "where a worker keeps the output of external programs"));
    return v;
  }();
  return es;
}

void cross_check(const settings& s, std::vector<std::string>& err) {
  auto add = [&](const std::string& e) { err.push_back(e); };
  if (s.objective != "command" && !find_test_function(s.objective))
    add("experiment.objective: unknown objective \"" + s.objective
        + "\"; use one of " + test_function_names() + ", command");
  if (s.num_workers > 0 && s.batch_size > s.num_workers)
    add("experiment.batch-size: must be <= experiment.num-workers ("
        + std::to_string(s.num_workers) + "), got " + std::to_string(s.batch_size));
  if (s.num_workers == 0 && s.cluster_port < 0)
    add("experiment.num-workers: 0 needs cluster.port (all evaluators remote)");
  engine_options eo = s.engine();
  if (auto e = eo.validate(); !e.empty()) {
    std::istringstream lines(e);
    std::string line;
    while (std::getline(lines, line))
      add("acquisition: " + line);
  }
  if (s.rule == "sync" && s.function == "ei" && s.batch_size != 1)
    add("acquisition.function: ei gives one point per ask; with rule sync "
        "experiment.batch-size must be 1, got " + std::to_string(s.batch_size));
  if (s.mode == "persistent" && s.objective != "command")
    add("objective.mode: \"persistent\" needs experiment.objective = \"command\" (got \""
        + s.objective + "\")");
  if (s.objective == "command") {
    if (s.command.empty())
      add("objective.command: must not be empty when experiment.objective is "
          "\"command\"");
    if (s.mode == "persistent")
      for (std::size_t i = 0; i < s.command.size(); ++i)
        try {
          (void) expand_argv({s.command[i]}, {}, {});
        } catch (const std::invalid_argument&) {
          add("objective.command: argument " + std::to_string(i) + " (\"" + s.command[i]
              + "\") has a {placeholder}; in persistent mode the point arrives on stdin as "
                "JSON, not in the arguments (write {{ and }} for literal braces)");
        }
    if (s.space_names.empty())
      add("space.names: must list the parameters when experiment.objective is "
          "\"command\"");
    std::set<std::string> names(s.space_names.begin(), s.space_names.end());
    std::size_t numeric = 0;
    for (auto& n : s.space_names)
      numeric += s.space_categories.count(n) ? 0 : 1;
    const std::string per = s.space_categories.empty() ? "per name" : "per numeric name";
    if (s.space_lower.size() != numeric)
      add("space.lower: needs one bound " + per + " (" + std::to_string(numeric) + "), got "
          + std::to_string(s.space_lower.size()));
    if (s.space_upper.size() != numeric)
      add("space.upper: needs one bound " + per + " (" + std::to_string(numeric) + "), got "
          + std::to_string(s.space_upper.size()));
    const std::size_t errors_before = err.size();
    for (auto& [n, choices] : s.space_categories) {
      const std::string key = "space.categories." + n;
      if (!names.count(n))
        add(key + ": \"" + n + "\" is not in space.names");
      if (choices.size() < 2)
        add(key + ": needs at least two choices, got " + std::to_string(choices.size()));
      std::set<std::string> seen;
      for (auto& c : choices) {
        if (c.empty())
          add(key + ": choices must not be empty strings");
        else if (!seen.insert(c).second)
          add(key + ": \"" + c + "\" appears twice");
      }
    }
    const bool categories_ok = err.size() == errors_before;
    for (auto& n : s.space_log)
      if (s.space_categories.count(n))
        add("space.log: \"" + n + "\" is categorical (space.categories)");
    for (auto& n : s.space_integer)
      if (s.space_categories.count(n))
        add("space.integer: \"" + n + "\" is categorical (space.categories)");
    for (auto& n : s.space_log)
      if (!names.count(n))
        add("space.log: \"" + n + "\" is not in space.names");
    for (auto& n : s.space_integer)
      if (!names.count(n))
        add("space.integer: \"" + n + "\" is not in space.names");
    if (s.space_lower.size() == numeric && s.space_upper.size() == numeric
        && !s.space_names.empty() && categories_ok) {
      try {
        (void) s.space();
      } catch (const std::invalid_argument& e) {
        add(std::string("space: ") + e.what());
      }
    }
  } else if (!s.space_names.empty()) {
    add("space.names: only used with experiment.objective = \"command\" (built-in "
        "objectives have their own domain)");
  }
  if (s.objective == "command" && (s.noise > 0.0 || s.failure_rate > 0.0))
    add("experiment.noise: noise and failure-rate apply to built-in objectives only, "
        "not to experiment.objective = \"command\"");
  if (s.failure_rate >= 1.0)
    add("experiment.failure-rate: must be < 1, got " + exact(s.failure_rate));
  if (auto e = s.delay().validate(); !e.empty())
    add(e.substr(0, e.find(' ')) + ": " + e.substr(e.find(' ') + 1));
  if (s.ask_cost < 0.0 && s.ask_cost != -1.0)
    add("delay.ask-cost: must be >= 0, or -1 for the measured time, got "
        + exact(s.ask_cost));
  if (s.virtual_clock() && s.objective == "command")
    add("delay.clock: the virtual clock simulates built-in objectives only: an external "
        "program takes the real time it takes (use delay.clock = \"real\")");
  if (s.virtual_clock() && s.cluster_port >= 0)
    add("delay.clock: the virtual clock runs local evaluators only (cluster.port is set): "
        "remote workers answer in real time");
  if (s.clock == "real" && s.ask_cost != -1.0)
    add("delay.ask-cost: only used with delay.clock = \"virtual\"");
  if (s.max_failure_fraction > 1.0)
    add("objective.max-failure-fraction: must be <= 1, got "
        + exact(s.max_failure_fraction));
  if (!s.cluster_secret.empty() && !s.cluster_secret_file.empty())
    add("cluster.secret: give cluster.secret or cluster.secret-file, not both");
  if (s.tls() && (s.tls_certificate.empty() || s.tls_key.empty() || s.tls_cafile.empty()))
    add("cluster.tls-certificate: TLS needs cluster.tls-certificate, cluster.tls-key and "
        "cluster.tls-cafile together");
  for (auto [key, path] : {std::pair<const char*, const std::string*>{"tls-certificate",
                                                                      &s.tls_certificate},
                           {"tls-key", &s.tls_key},
                           {"tls-cafile", &s.tls_cafile}})
    if (!path->empty() && !std::ifstream(*path))
      add(std::string("cluster.") + key + ": cannot read \"" + *path + "\"");
  const bool loopback = s.cluster_bind.rfind("127.", 0) == 0 || s.cluster_bind == "::1"
                        || s.cluster_bind == "localhost";
  if (s.cluster_port >= 0 && !loopback && s.cluster_secret.empty()
      && s.cluster_secret_file.empty() && !std::getenv("ASYNCBO_CLUSTER_SECRET"))
    add("cluster.bind: accepting other hosts (cluster.bind = \"" + s.cluster_bind
        + "\") needs a shared secret: set cluster.secret-file, ASYNCBO_CLUSTER_SECRET or "
        "cluster.secret");
}

} // namespace

engine_options settings::engine() const {
  engine_options o;
  parse_rule(rule, o.rule);
  parse_acquisition(function, o.acquisition);
  o.likelihood_variance = likelihood_variance;
  o.learn_noise = model_noise == "learn";
  o.learn_failures = on_failure == "learn";
  o.refit_every = static_cast<std::size_t>(refit_every);
  o.max_exact = static_cast<std::size_t>(max_exact);
  o.fallback.candidates = static_cast<std::size_t>(thompson_candidates);
  o.fallback.scale = thompson_scale;
  o.refit_growth = refit_growth;
  parse_lengthscale_prior(lengthscale_prior, o.lengthscale_prior);
  o.recentre_prior = prior_centre == "every-fit";
  parse_output_transform(output_transform, o.output_transform);
  o.qei.samples = static_cast<std::size_t>(samples);
  o.qei.quasi_random = sampler == "sobol";
  o.qei.temperature = temperature;
  o.qei.jitter = jitter;
  o.qei.screening_samples = static_cast<std::size_t>(screening_samples);
  o.lp.samples = static_cast<std::size_t>(lp_samples);
  o.sobol_initial_design = initial_design == "sobol";
  o.around_best = static_cast<std::size_t>(around_best);
  optimizer_preset p = optimizer_preset::asyncbo;
  parse_preset(preset, p);
  // The optimiser works in unit coordinates (one-hot blocks included).
  std::size_t d = 2;
  try {
    if (builtin() || !space_names.empty())
      d = space().unit_dim();
  } catch (const std::invalid_argument&) {
    d = std::max<std::size_t>(1, space_names.size());   // reported by cross_check
  }
  o.apply(p, d, static_cast<std::size_t>(batch_size));
  if (restarts > 0)
    o.optimizer.restarts = static_cast<std::size_t>(restarts);
  if (screening_points > 0)
    o.optimizer.screening_points = static_cast<std::size_t>(screening_points);
  if (thompson_every >= 0)
    o.thompson_every = static_cast<std::size_t>(thompson_every);
  o.thompson_candidates = static_cast<std::size_t>(thompson_candidates);
  o.thompson_scale = thompson_scale;
  if (stall_window >= 0)
    o.stall_window = static_cast<std::size_t>(stall_window);
  o.stall_tolerance = stall_tolerance;
  o.stall_radius = stall_radius;
  return o;
}

delay_model settings::delay() const {
  delay_model d;
  delay_model::parse(delay_type, d.type);
  d.factor = delay_factor;
  d.low = delay_low;
  d.high = delay_high;
  d.median = delay_median;
  d.sigma = delay_sigma;
  d.straggler_fraction = straggler_fraction;
  d.straggler_factor = straggler_factor;
  d.time_scale = time_scale;
  d.seed = seed;
  return d;
}

std::string settings::secret() const {
  if (cluster_secret_file.empty()) {
    if (!cluster_secret.empty())
      return cluster_secret;
    const char* env = std::getenv("ASYNCBO_CLUSTER_SECRET");
    return env ? env : "";
  }
  std::ifstream in(cluster_secret_file);
  if (!in)
    throw std::runtime_error("cluster.secret-file: cannot read " + cluster_secret_file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  if (line.empty())
    throw std::runtime_error("cluster.secret-file: " + cluster_secret_file
                             + " is empty");
  return line;
}

objective_spec settings::spec() const {
  objective_spec o;
  o.name = objective;
  if (auto* f = builtin())
    o.minimum = f->minimum;
  if (objective == "command" || builtin()) {
    o.names = space().names();
    o.choices = choices_of(space());
  }
  o.delay = delay();
  o.command = command;
  o.json_stdin = input == "json";
  o.persistent = mode == "persistent";
  o.timeout = timeout;
  o.workdir = workdir;
  o.log_limit = static_cast<std::uint64_t>(log_limit);
  o.noise.sd = noise;
  o.noise.failure_rate = failure_rate;
  o.noise.seed = seed;
  return o;
}

const test_function* settings::builtin() const {
  return find_test_function(objective);
}

search_space settings::space() const {
  if (auto* f = builtin())
    return f->space();
  std::vector<dimension> dims;
  auto has = [](const std::vector<std::string>& v, const std::string& n) {
    for (auto& x : v)
      if (x == n)
        return true;
    return false;
  };
  std::size_t b = 0;   // bounds are given for the numeric names only
  for (std::size_t i = 0; i < space_names.size(); ++i) {
    dimension d;
    d.name = space_names[i];
    if (auto c = space_categories.find(d.name); c != space_categories.end()) {
      d.choices = c->second;
    } else {
      d.lower = b < space_lower.size() ? space_lower[b] : 0.0;
      d.upper = b < space_upper.size() ? space_upper[b] : 1.0;
      d.log_scale = has(space_log, d.name);
      d.integer = has(space_integer, d.name);
      ++b;
    }
    dims.push_back(std::move(d));
  }
  return search_space{std::move(dims)};
}

const std::vector<key_info>& schema() {
  static const std::vector<key_info> ks = [] {
    std::vector<key_info> out;
    for (auto& e : entries())
      out.push_back(e.info);
    return out;
  }();
  return ks;
}

bool parse_settings(const json& raw, settings& out, std::vector<std::string>& errors) {
  errors.clear();
  settings s;
  std::map<std::string, const entry*> by_name;
  std::set<std::string> sections;
  for (auto& e : entries()) {
    by_name[e.info.full()] = &e;
    sections.insert(e.info.section);
  }
  if (!raw.is_object()) {
    errors.push_back("config: expected sections of key = value pairs");
    return false;
  }
  for (auto& [sec, body] : raw.items()) {
    if (!sections.count(sec)) {
      errors.push_back("[" + sec + "]: unknown section");
      continue;
    }
    if (!body.is_object()) {
      errors.push_back(sec + ": unknown key (keys live in sections, e.g. "
                       + sec + ".<key>)");
      continue;
    }
    for (auto& [key, val] : body.items()) {
      auto it = by_name.find(sec + "." + key);
      if (it == by_name.end()) {
        errors.push_back(sec + "." + key + ": unknown key");
        continue;
      }
      if (auto err = it->second->read(s, val); !err.empty())
        errors.push_back(sec + "." + key + ": " + err);
    }
  }
  if (errors.empty())
    cross_check(s, errors);
  if (!errors.empty())
    return false;
  out = s;
  return true;
}

json to_json(const settings& s) {
  json out = json::object();
  for (auto& e : entries())
    out[e.info.section][e.info.key] = e.info.secret && !(s.*e.secret_of).empty()
                                        ? json("(set, not recorded)")
                                        : e.write(s);
  return out;
}

std::string keys_help() {
  std::string out;
  std::string sec;
  for (auto& k : schema()) {
    if (k.section != sec) {
      sec = k.section;
      out += "\n[" + sec + "]\n";
    }
    std::string head = "  " + k.key + " = " + k.def;
    out += head;
    out += std::string(head.size() < 34 ? 34 - head.size() : 1, ' ');
    out += "(" + k.type + ") " + k.help + "\n";
  }
  return out;
}

} // namespace asyncbo::io
