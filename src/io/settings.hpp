// SPDX-License-Identifier: Apache-2.0
// The experiment configuration: one schema (keys, types, defaults, help)
// that binds every key to a field of the layers' own option structs
// (engine_options, dispatch_options, delay_model, objective_spec and the
// structs below), and validation that reports every error at once.
// No CAF here: the raw configuration arrives as a JSON object
// {"section": {"key": value}} (the app converts CAF's INI parse into it).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dispatch.hpp"
#include "core/engine_options.hpp"
#include "core/objectives.hpp"
#include "core/space.hpp"
#include "io/objective.hpp"

namespace asyncbo::io {

/// How time passes in a run ([delay] clock, ask-cost).
struct clock_options {
  bool virtual_time = false;   ///< delay.clock = "virtual": simulated time (built-ins only)
  double ask_cost = -1.0;      ///< virtual clock: s per ask; -1 = as measured
};

/// [space]: the parameters of an external program (built-ins bring their own box).
struct space_options {
  std::vector<std::string> names;
  std::vector<double> lower, upper;   ///< numeric names only, in order
  std::vector<std::string> log, integer;
  /// Categorical parameters: name -> choices (the name is in names, which
  /// gives the order; lower and upper skip it).
  std::map<std::string, std::vector<std::string>> categories;
};

/// When the progress line is shown.
enum class progress_mode { automatic, always, never };

/// [output]
struct output_options {
  std::string dir;            ///< "" = runs/<config name>-<date-time>
  progress_mode progress = progress_mode::automatic;
  bool plot = true;
  bool fsync = false;
  std::int64_t dashboard_port = -1;   ///< -1: no dashboard; 0: a free port
  std::string dashboard_host = "127.0.0.1";
  std::string dashboard_token;
};

/// [cluster]
struct cluster_options {
  std::int64_t port = -1;      ///< -1: no cluster; 0: pick a free port
  std::string bind = "127.0.0.1";
  std::string host = "127.0.0.1";
  std::string secret;
  std::string secret_file;
  double connect_timeout = 30.0;
  double heartbeat = 1.0;
  std::string tls_certificate; ///< PEM file; with key and cafile: TLS on
  std::string tls_key;
  std::string tls_passphrase;
  std::string tls_cafile;      ///< CA that signed the peers' certificates

  bool tls() const { return !tls_certificate.empty() || !tls_key.empty() || !tls_cafile.empty(); }
  /// The shared cluster secret: secret, or the first line of secret-file,
  /// or the environment variable ASYNCBO_CLUSTER_SECRET. Throws
  /// std::runtime_error if the file is unreadable or empty.
  std::string shared_secret() const;
};

/// [worker]
struct worker_options {
  std::int64_t evaluators = 1;
  std::string name;                          ///< "" = host:pid
  std::string log_dir = "asyncbo-worker-logs";
};

/// Settings of one experiment, after validation: the layers' own option
/// structs, each key of the schema bound to one field (docs/design.md).
struct settings {
  settings();

  // [experiment] objective, noise, failure-rate; [objective] command, input,
  // mode, timeout, workdir, log-limit. Names, choices, the known minimum and
  // the delay model are filled in by spec().
  objective_spec objective;
  // [experiment] batch-size, num-observations, num-initial-points, fallback,
  // fallback-after; [objective] max-retries, max-failure-fraction.
  dispatch_options dispatch;
  // [acquisition] rule, function, samples, preset, restarts, screening-points,
  // thompson-every; [model]; [experiment] initial-design; [objective] on-failure.
  engine_options engine;
  delay_model delay;          ///< [delay] but clock and ask-cost
  clock_options clock;
  std::int64_t num_workers = 4;   ///< experiment.num-workers: local evaluators
  std::uint64_t seed = 0;         ///< experiment.seed
  std::int64_t threads = 0;       ///< acquisition.threads (0 = all cores)
  space_options space;
  output_options output;
  cluster_options cluster;
  worker_options worker;

  /// The search space: the built-in objective's box, or [space].
  search_space search() const;
  /// The objective: what evaluators (local and remote) are built from, with
  /// its names, choices, known minimum, delay model and seeds.
  objective_spec spec() const;
  /// The built-in test function, or nullptr for objective = "command".
  const test_function* builtin() const { return find_test_function(objective.name); }
  /// The delay model, seeded by experiment.seed.
  delay_model seeded_delay() const;
  /// Initial points plus the budget: every point of the run.
  std::uint64_t total_points() const { return dispatch.initial + dispatch.budget; }
};

/// One configuration key of the schema.
struct key_info {
  std::string section;
  std::string key;
  std::string type;    ///< "integer", "real", "string", "boolean", "list"
  std::string def;     ///< default, as written in an INI file
  std::string help;
  /// Defines the problem (objective, space, command, initial design): a
  /// resumed run must keep the value it was started with.
  bool defines_problem = false;
  /// A secret (cluster.secret, cluster.tls-passphrase): to_json() writes
  /// only that it was set.
  bool secret = false;
  /// Rarely changed: --help lists it under "advanced keys".
  bool advanced = false;
  std::string full() const { return section + "." + key; }
};

/// Every key, in documentation order.
const std::vector<key_info>& schema();

/// Parses and validates a raw configuration. On success returns true;
/// otherwise `errors` receives one line per problem, each naming the key and
/// the rule, e.g. "experiment.batch-size: must be <= experiment.num-workers
/// (4), got 5". Unknown sections and keys, wrong types and bad values are all
/// reported.
bool parse_settings(const nlohmann::json& raw, settings& out,
                    std::vector<std::string>& errors);

/// The settings as a raw configuration (every key; the inverse of
/// parse_settings, except that secrets are written as "(set, not
/// recorded)"). Used for the run header, summary.json and resume checks.
nlohmann::json to_json(const settings& s);

/// Help text listing every key with its type, default and meaning, the
/// advanced ones last.
std::string keys_help();

} // namespace asyncbo::io

namespace asyncbo {
template <>
struct enum_names<io::progress_mode> {
  static constexpr std::pair<io::progress_mode, const char*> items[] = {
    {io::progress_mode::automatic, "auto"},
    {io::progress_mode::always, "always"},
    {io::progress_mode::never, "never"}};
};
} // namespace asyncbo
