// SPDX-License-Identifier: Apache-2.0
// The configuration keys: each bound to one field of the settings' option
// structs, with its type, range, default and help.
#include "io/schema.hpp"

#include <cmath>
#include <limits>
#include <type_traits>

#include "core/format.hpp"

namespace asyncbo::io::detail {

namespace {

using json = nlohmann::json;

std::string type_error(const char* want, const json& v) {
  return std::string("must be ") + want + ", got " + v.dump();
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out += (i ? sep : "") + v[i];
  return out;
}

/// The settings every default is read from.
const settings& defaults() {
  static const settings d;
  return d;
}

/// A key of `type` bound to the field get(s) returns (a reference for a
/// const or a mutable settings alike), written back as it is.
template <class Get>
entry bound(std::string sec, std::string key, std::string type, std::string def,
            std::string help, Get get) {
  entry e{{std::move(sec), std::move(key), std::move(type), std::move(def), std::move(help)},
          {},
          {},
          {}};
  using T = std::decay_t<decltype(get(std::declval<settings&>()))>;
  if constexpr (std::is_constructible_v<json, const T&>)
    e.write = [get](const settings& s) { return json(get(s)); };
  return e;
}

template <class Get>
entry integer(std::string sec, std::string key, Get get, std::int64_t lo, std::int64_t hi,
              std::string help) {
  using T = std::decay_t<decltype(get(std::declval<settings&>()))>;
  entry e = bound(sec, key, "integer", std::to_string(get(defaults())), help, get);
  e.read = [get, lo, hi](settings& s, const json& v) -> std::string {
    if (!v.is_number_integer())
      return type_error("an integer", v);
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(hi))
      return "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got "
             + v.dump();
    const auto x = v.get<std::int64_t>();
    if (x < lo || x > hi)
      return "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got "
             + std::to_string(x);
    get(s) = static_cast<T>(x);
    return {};
  };
  return e;
}

/// An integer that may be left unset (null): "unset" says what that means.
template <class Get>
entry optional_integer(std::string sec, std::string key, Get get, std::int64_t lo,
                       std::int64_t hi, std::string unset, std::string help) {
  entry e = bound(sec, key, "integer", "(" + unset + ")", help, get);
  e.read = [get, lo, hi](settings& s, const json& v) -> std::string {
    if (v.is_null()) {
      get(s).reset();
      return {};
    }
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
      return "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi)
             + "], got " + v.dump();
    get(s) = static_cast<std::size_t>(v.get<std::int64_t>());
    return {};
  };
  e.write = [get](const settings& s) { return get(s) ? json(*get(s)) : json(nullptr); };
  return e;
}

template <class Get>
entry real(std::string sec, std::string key, Get get, double lo, bool lo_open,
           std::string help) {
  entry e = bound(sec, key, "real", exact(get(defaults())), help, get);
  e.read = [get, lo, lo_open](settings& s, const json& v) -> std::string {
    if (!v.is_number())
      return type_error("a number", v);
    const double x = v.get<double>();
    if (!std::isfinite(x))
      return "must be finite, got " + v.dump();
    if (lo_open ? !(x > lo) : !(x >= lo))
      return std::string("must be ") + (lo_open ? "> " : ">= ") + exact(lo) + ", got "
             + exact(x);
    get(s) = x;
    return {};
  };
  return e;
}

/// A string naming one of `names` (values[i] is what names[i] means).
template <class Get, class T>
entry named(std::string sec, std::string key, Get get, std::vector<std::string> names,
            std::vector<T> values, std::string help) {
  std::string def;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] == get(defaults()))
      def = "\"" + names[i] + "\"";
  entry e = bound(sec, key, "string", def, help + " (" + joined(names, " | ") + ")", get);
  e.read = [get, names, values](settings& s, const json& v) -> std::string {
    if (!v.is_string())
      return type_error("a string (quoted in INI files)", v);
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == v.get<std::string>()) {
        get(s) = values[i];
        return {};
      }
    return "must be one of " + joined(names, ", ") + ", got " + v.dump();
  };
  e.write = [get, names, values](const settings& s) {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] == get(s))
        return json(names[i]);
    return json(nullptr);
  };
  return e;
}

/// An enum by the names of its one table (core/names.hpp).
template <class Get>
entry choice(std::string sec, std::string key, Get get, std::string help) {
  using E = std::decay_t<decltype(get(std::declval<settings&>()))>;
  std::vector<E> values;
  for (auto& item : enum_names<E>::items)
    values.push_back(item.first);
  return named(std::move(sec), std::move(key), get, enum_name_list<E>(), values,
               std::move(help));
}

/// Two names for a flag: the first means true.
template <class Get>
entry flag_named(std::string sec, std::string key, Get get, std::string yes, std::string no,
                 std::string help) {
  return named(std::move(sec), std::move(key), get, {yes, no}, std::vector<bool>{true, false},
               std::move(help));
}

template <class Get>
entry text(std::string sec, std::string key, Get get, std::string help) {
  entry e = bound(sec, key, "string", "\"" + get(defaults()) + "\"", help, get);
  e.read = [get](settings& s, const json& v) -> std::string {
    if (!v.is_string())
      return type_error("a string (quoted in INI files)", v);
    get(s) = v.get<std::string>();
    return {};
  };
  return e;
}

template <class Get>
entry boolean(std::string sec, std::string key, Get get, std::string help) {
  entry e = bound(sec, key, "boolean", get(defaults()) ? "true" : "false", help, get);
  e.read = [get](settings& s, const json& v) -> std::string {
    if (!v.is_boolean())
      return type_error("true or false", v);
    get(s) = v.get<bool>();
    return {};
  };
  return e;
}

/// A list of T (a single value counts as a list of one).
template <class T, class Get>
entry list(std::string sec, std::string key, Get get, std::string help) {
  const bool strings = std::is_same_v<T, std::string>;
  entry e = bound(sec, key, strings ? "list of strings" : "list of reals", "[]", help, get);
  e.read = [get, strings](settings& s, const json& v) -> std::string {
    const json arr = v.is_array() ? v : json::array({v});
    std::vector<T> out;
    for (auto& x : arr) {
      if (strings ? !x.is_string() : !x.is_number())
        return type_error(strings ? "a list of strings" : "a list of numbers", v);
      out.push_back(x.template get<T>());
    }
    get(s) = out;
    return {};
  };
  return e;
}

/// A table name = [choices]: the categorical parameters of [space].
template <class Get>
entry categories(std::string sec, std::string key, Get get, std::string help) {
  const std::string full = sec + "." + key;
  entry e = bound(sec, key, "table of string lists", "{}", help, get);
  e.read = [get, full](settings& s, const json& v) -> std::string {
    if (!v.is_object())
      return "must be a table such as {optimizer = [\"adam\", \"sgd\"]}, got " + v.dump();
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [name, choices] : v.items()) {
      if (!choices.is_array())
        return "(" + full + "." + name + ") must be a list of strings, got " + choices.dump();
      for (auto& c : choices) {
        if (!c.is_string())
          return "(" + full + "." + name + ") choices must be strings, got " + c.dump();
        out[name].push_back(c.template get<std::string>());
      }
      out[name];   // an empty list stays, to be rejected by name
    }
    get(s) = out;
    return {};
  };
  return e;
}

/// Marks a string key as secret: its value is never written to the outputs.
template <class Get>
entry secret(entry e, Get get) {
  e.info.secret = true;
  e.is_set = [get](const settings& s) { return !get(s).empty(); };
  return e;
}

/// Marks a key as defining the problem: a resumed run must keep its value.
entry problem(entry e) {
  e.info.defines_problem = true;
  return e;
}

/// Marks a key as advanced: listed last in --help, not in the README's table.
entry advanced(entry e) {
  e.info.advanced = true;
  return e;
}

} // namespace

// The field a key is bound to, for a const or a mutable settings.
#define ASYNCBO_FIELD(path) [](auto& s) -> auto& { return s.path; }

const std::vector<entry>& entries() {
  static const std::vector<entry> es = [] {
    constexpr std::int64_t big = std::int64_t{1} << 40;
    constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();
    std::vector<entry> v;
    // -- experiment
    v.push_back(problem(text("experiment", "objective", ASYNCBO_FIELD(objective.name),
                             "a built-in test function (" + test_function_names()
                               + ") or \"command\" (an external program, see "
                                 "[objective] and [space])")));
    v.push_back(integer("experiment", "num-workers", ASYNCBO_FIELD(num_workers), 0, 100000,
                        "local evaluators (0 only with cluster.port: all remote)"));
    v.push_back(integer("experiment", "num-observations", ASYNCBO_FIELD(dispatch.budget), 1,
                        big, "evaluation budget after the initial design"));
    v.push_back(integer("experiment", "batch-size", ASYNCBO_FIELD(dispatch.batch_size), 1,
                        100000,
                        "results to wait for before asking again (k of n); "
                        "1 = fully asynchronous"));
    v.push_back(problem(integer("experiment", "num-initial-points",
                                // one initial_atom request carries a 32-bit count
                                ASYNCBO_FIELD(dispatch.initial), 0, 4294967295LL,
                                "initial design, evaluated without delay and told "
                                "before the first ask")));
    v.push_back(flag_named("experiment", "fallback", ASYNCBO_FIELD(dispatch.fallback),
                           "thompson", "none",
                           "evaluators that free while an ask is still being computed: "
                           "\"thompson\" gives each a Thompson draw on the last ask's model "
                           "at once (counted in summary.json's fallback), \"none\" makes "
                           "them wait for the next ask"));
    v.push_back(advanced(real("experiment", "fallback-after",
                              ASYNCBO_FIELD(dispatch.fallback_after), 0.0, false,
                              "with fallback: once an ask took longer than this fraction "
                              "of the median evaluation, the workers an ask is for get "
                              "fallback points too (its points go to the next ones)")));
    v.push_back(integer("experiment", "seed", ASYNCBO_FIELD(seed), 0, int_max,
                        "seed of every random choice (initial design, base samples, "
                        "restarts); a run is reproducible up to evaluation timing"));
    v.push_back(advanced(flag_named("experiment", "initial-design",
                                    ASYNCBO_FIELD(engine.sobol_initial_design), "sobol",
                                    "uniform", "how the initial design is drawn")));
    v.push_back(problem(real("experiment", "noise", ASYNCBO_FIELD(objective.noise.sd), 0.0,
                             false,
                             "benchmarks: standard deviation of Gaussian noise added to "
                             "a built-in objective (regret stays noise-free)")));
    v.push_back(problem(real("experiment", "failure-rate",
                             ASYNCBO_FIELD(objective.noise.failure_rate), 0.0, false,
                             "benchmarks: probability that an evaluation of a built-in "
                             "fails, anywhere in the box")));
    // -- acquisition
    v.push_back(choice("acquisition", "rule", ASYNCBO_FIELD(engine.rule),
                       "how batches are built"));
    v.push_back(choice("acquisition", "function", ASYNCBO_FIELD(engine.acquisition),
                       "acquisition function"));
    v.push_back(integer("acquisition", "samples", ASYNCBO_FIELD(engine.qei.samples), 1,
                        10000000, "Monte-Carlo base samples of batch-mc-ei (scrambled Sobol)"));
    v.push_back(choice("acquisition", "preset", ASYNCBO_FIELD(engine.preset),
                       "acquisition optimiser defaults; trieste = max(5000, 1000 d) "
                       "uniform screening points, 10 d L-BFGS-B runs, all samples "
                       "everywhere, no Thompson points"));
    v.push_back(advanced(integer("acquisition", "restarts",
                                 ASYNCBO_FIELD(engine.optimizer.restarts), 0, 100000,
                                 "L-BFGS-B runs per optimisation (0 = the preset's)")));
    v.push_back(advanced(integer("acquisition", "screening-points",
                                 ASYNCBO_FIELD(engine.optimizer.screening_points), 0,
                                 10000000,
                                 "points scored before the runs (0 = the preset's)")));
    v.push_back(advanced(optional_integer(
      "acquisition", "thompson-every", ASYNCBO_FIELD(engine.thompson_every), 0, 1000000,
      "the preset's",
      "every this-many-th asked point is a Thompson sample (one posterior draw, its "
      "minimiser) instead of the acquisition's; 0 = never; unset = the preset's "
      "(asyncbo 4, trieste 0)")));
    v.push_back(integer("acquisition", "threads", ASYNCBO_FIELD(threads), 0, 1024,
                        "threads for the acquisition optimiser (0 = all cores)"));
    // -- model
    v.push_back(advanced(optional_integer(
      "model", "refit-every", ASYNCBO_FIELD(engine.refit_every), 0, 1000000, "the preset's",
      "when to refit the GP's hyper-parameters (MAP): 0 = once the data grew by 5 % since "
      "the last fit (at least one point: every result while n <= 20); K = at most every K "
      "asks and whenever the data grew by 25 % (1 = every ask, as Trieste); unset = the "
      "preset's (asyncbo 0, trieste 1); between fits the last ones are used on the new "
      "data")));
    v.push_back(advanced(integer("model", "max-exact", ASYNCBO_FIELD(engine.max_exact), 0,
                                 100000000,
                                 "beyond this many observations the GP is fitted on a "
                                 "subset of this many (the best half and a spread of the "
                                 "rest); 0 = all")));
    v.push_back(real("model", "likelihood-variance",
                     ASYNCBO_FIELD(engine.likelihood_variance), 0.0, false,
                     "fixed noise variance; > 0 fixes it whatever model.noise says (the "
                     "seed uses 1e-7)"));
    v.push_back(flag_named("model", "noise", ASYNCBO_FIELD(engine.learn_noise), "learn",
                           "fixed",
                           "with likelihood-variance 0: learn the noise variance (MAP, "
                           "prior median data variance / 100, floor 1e-8 of it) or fix it "
                           "at data variance / 100 (Trieste's default)"));
    // -- delay
    v.push_back(choice("delay", "model", ASYNCBO_FIELD(delay.type),
                       "simulated evaluation time of built-in objectives"));
    v.push_back(real("delay", "factor", ASYNCBO_FIELD(delay.factor), 0.0, false,
                     "constant: the delay in seconds; linear-sum: seconds per unit of "
                     "sum(x) (unit coordinates)"));
    v.push_back(real("delay", "low", ASYNCBO_FIELD(delay.low), 0.0, false,
                     "uniform: shortest delay (s)"));
    v.push_back(real("delay", "high", ASYNCBO_FIELD(delay.high), 0.0, false,
                     "uniform: longest delay (s)"));
    v.push_back(real("delay", "median", ASYNCBO_FIELD(delay.median), 0.0, true,
                     "log-normal: median delay (s)"));
    v.push_back(real("delay", "sigma", ASYNCBO_FIELD(delay.sigma), 0.0, false,
                     "log-normal: standard deviation of log(delay)"));
    v.push_back(real("delay", "straggler-fraction", ASYNCBO_FIELD(delay.straggler_fraction),
                     0.0, false, "fraction of evaluations that straggle (any model)"));
    v.push_back(real("delay", "straggler-factor", ASYNCBO_FIELD(delay.straggler_factor), 0.0,
                     false, "how many times slower a straggler is"));
    v.push_back(real("delay", "time-scale", ASYNCBO_FIELD(delay.time_scale), 0.0, false,
                     "multiplies every delay (0.01 = 100x faster)"));
    v.push_back(flag_named("delay", "clock", ASYNCBO_FIELD(clock.virtual_time), "virtual",
                           "real",
                           "virtual: built-in objectives run on simulated time, each "
                           "evaluation ending after its delay without waiting for it "
                           "(seconds of delay cost no wall time)"));
    v.push_back(real("delay", "ask-cost", ASYNCBO_FIELD(clock.ask_cost), -1.0, false,
                     "virtual clock: simulated seconds charged per ask; -1 = the measured "
                     "time (a fixed cost makes a run reproducible bit for bit whatever "
                     "the thread count)"));
    // -- output
    v.push_back(text("output", "dir", ASYNCBO_FIELD(output.dir),
                     "directory for observations.csv, events.jsonl, summary.json, "
                     "plot.svg (\"\" = runs/<config>-<date-time>)"));
    v.push_back(choice("output", "progress", ASYNCBO_FIELD(output.progress),
                       "progress line on stderr (auto: only on a terminal)"));
    v.push_back(boolean("output", "plot", ASYNCBO_FIELD(output.plot), "write plot.svg"));
    v.push_back(advanced(boolean("output", "fsync", ASYNCBO_FIELD(output.fsync),
                                 "fsync the logs after every line (survives power loss; "
                                 "a flush already survives a killed process)")));
    v.push_back(integer("output", "dashboard-port", ASYNCBO_FIELD(output.dashboard_port), -1,
                        65535,
                        "serve a live dashboard on this port (-1 = off, 0 = any free "
                        "port; the address is printed on stderr)"));
    v.push_back(text("output", "dashboard-host", ASYNCBO_FIELD(output.dashboard_host),
                     "address the dashboard listens on; other than loopback it needs "
                     "dashboard-token"));
    v.push_back(secret(text("output", "dashboard-token", ASYNCBO_FIELD(output.dashboard_token),
                            "token every dashboard request must carry (Authorization: "
                            "Bearer or ?token=; never written to the outputs)"),
                       ASYNCBO_FIELD(output.dashboard_token)));
    // -- space
    v.push_back(problem(list<std::string>("space", "names", ASYNCBO_FIELD(space.names),
                                          "parameter names (objective = \"command\")")));
    v.push_back(problem(list<double>("space", "lower", ASYNCBO_FIELD(space.lower),
                                     "lower bounds")));
    v.push_back(problem(list<double>("space", "upper", ASYNCBO_FIELD(space.upper),
                                     "upper bounds")));
    v.push_back(problem(list<std::string>("space", "log", ASYNCBO_FIELD(space.log),
                                          "parameters searched on a log scale")));
    v.push_back(problem(list<std::string>("space", "integer", ASYNCBO_FIELD(space.integer),
                                          "integer parameters")));
    v.push_back(problem(categories("space", "categories", ASYNCBO_FIELD(space.categories),
                                   "categorical parameters, e.g. {optimizer = [\"adam\", "
                                   "\"sgd\"]}: each name is in space.names (its place), "
                                   "lower and upper skip it; one-hot in the model")));
    // -- objective
    v.push_back(problem(list<std::string>("objective", "command",
                                          ASYNCBO_FIELD(objective.command),
                                          "program and arguments; {name} is replaced by "
                                          "the value (no shell)")));
    v.push_back(problem(flag_named("objective", "input", ASYNCBO_FIELD(objective.json_stdin),
                                   "json", "args",
                                   "json: the point is also written to stdin as a JSON "
                                   "object")));
    v.push_back(flag_named("objective", "mode", ASYNCBO_FIELD(objective.persistent),
                           "persistent", "spawn",
                           "spawn: a new process per evaluation; persistent: each "
                           "evaluator starts the program once and sends it one JSON "
                           "request per line on stdin, one JSON reply per line back "
                           "(README, \"Persistent programs\")"));
    v.push_back(real("objective", "timeout", ASYNCBO_FIELD(objective.timeout), 0.0, false,
                     "seconds per evaluation (0 = none); in persistent mode from the "
                     "request, so a restart's start-up counts"));
    v.push_back(integer("objective", "max-retries", ASYNCBO_FIELD(dispatch.max_retries), 0,
                        1000, "retries of a failed evaluation"));
    v.push_back(real("objective", "max-failure-fraction",
                     ASYNCBO_FIELD(dispatch.max_failure_fraction), 0.0, false,
                     "stop when more than this fraction of evaluations fail"));
    v.push_back(text("objective", "workdir", ASYNCBO_FIELD(objective.workdir),
                     "per-evaluation working directory root (\"\" = none)"));
    v.push_back(advanced(integer("objective", "log-limit", ASYNCBO_FIELD(objective.log_limit),
                                 0, big,
                                 "bytes kept of each program's stdout and stderr log per "
                                 "evaluation: the first and last halves, with a marker "
                                 "between (0 = unlimited); bounds memory too")));
    v.push_back(flag_named("objective", "on-failure", ASYNCBO_FIELD(engine.learn_failures),
                           "learn", "forget",
                           "learn: a point that failed for good teaches a model of the "
                           "probability of success, which weights the acquisition; "
                           "forget: it is only dropped"));
    // -- cluster
    v.push_back(integer("cluster", "port", ASYNCBO_FIELD(cluster.port), -1, 65535,
                        "accept remote evaluators on this port (-1 = off, 0 = any free "
                        "port)"));
    v.push_back(text("cluster", "bind", ASYNCBO_FIELD(cluster.bind),
                     "address the head listens on"));
    v.push_back(text("cluster", "host", ASYNCBO_FIELD(cluster.host),
                     "head to connect to (worker)"));
    v.push_back(secret(text("cluster", "secret", ASYNCBO_FIELD(cluster.secret),
                            "shared secret of head and workers (never written to the "
                            "outputs; prefer secret-file: a command line is visible to "
                            "other users)"),
                       ASYNCBO_FIELD(cluster.secret)));
    v.push_back(text("cluster", "secret-file", ASYNCBO_FIELD(cluster.secret_file),
                     "file holding the shared secret"));
    v.push_back(advanced(real("cluster", "connect-timeout",
                              ASYNCBO_FIELD(cluster.connect_timeout), 0.0, false,
                              "seconds a worker keeps retrying to reach the head")));
    v.push_back(advanced(real("cluster", "heartbeat", ASYNCBO_FIELD(cluster.heartbeat), 0.0,
                              false,
                              "seconds between heartbeats; a silent peer is dropped after "
                              "5 (0 = off)")));
    v.push_back(text("cluster", "tls-certificate", ASYNCBO_FIELD(cluster.tls_certificate),
                     "PEM certificate of this node; with tls-key and tls-cafile all "
                     "cluster traffic uses TLS (CAF's OpenSSL module)"));
    v.push_back(text("cluster", "tls-key", ASYNCBO_FIELD(cluster.tls_key),
                     "PEM private key of this node"));
    v.push_back(secret(text("cluster", "tls-passphrase", ASYNCBO_FIELD(cluster.tls_passphrase),
                            "passphrase of tls-key, if any (never written to the outputs)"),
                       ASYNCBO_FIELD(cluster.tls_passphrase)));
    v.push_back(text("cluster", "tls-cafile", ASYNCBO_FIELD(cluster.tls_cafile),
                     "PEM CA certificate(s) that peers' certificates must chain to"));
    // -- worker
    v.push_back(integer("worker", "evaluators", ASYNCBO_FIELD(worker.evaluators), 1, 100000,
                        "evaluators a worker process offers"));
    v.push_back(text("worker", "name", ASYNCBO_FIELD(worker.name),
                     "name of this worker in the head's log (\"\" = host:pid)"));
    v.push_back(advanced(text("worker", "log-dir", ASYNCBO_FIELD(worker.log_dir),
                              "where a worker keeps the output of external programs")));
    return v;
  }();
  return es;
}

#undef ASYNCBO_FIELD

} // namespace asyncbo::io::detail
