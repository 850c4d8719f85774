// SPDX-License-Identifier: Apache-2.0
// The experiment configuration: one schema (keys, types, defaults, help),
// a plain settings struct, and validation that reports every error at once.
// No CAF here: the raw configuration arrives as a JSON object
// {"section": {"key": value}} (the app converts CAF's INI parse into it).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/engine.hpp"
#include "core/objectives.hpp"
#include "core/space.hpp"
#include "io/objective.hpp"

namespace asyncbo::io {

/// Settings of one experiment, after validation.
struct settings {
  // [experiment]
  std::string objective = "scaled-branin";
  std::int64_t num_workers = 4;
  std::int64_t num_observations = 30;
  std::int64_t batch_size = 2;
  std::int64_t num_initial_points = 3;
  std::uint64_t seed = 0;
  std::string initial_design = "sobol";
  double noise = 0.0;          ///< sd of noise added to built-ins
  double failure_rate = 0.0;   ///< random failures of built-ins
  std::string fallback = "thompson"; ///< non-blocking dispatch: "thompson" | "none"
  double fallback_after = 0.05;      ///< of the median evaluation (dispatch_options)
  // [acquisition]
  std::string rule = "async-joint";
  std::string function = "batch-mc-ei";
  std::int64_t samples = 2048;
  std::string sampler = "sobol";
  std::string preset = "asyncbo";
  std::int64_t restarts = 0;
  std::int64_t screening_points = 0;
  std::int64_t screening_samples = 256;
  std::int64_t around_best = 200;
  std::int64_t thompson_every = -1;   ///< -1: the preset's
  std::int64_t thompson_candidates = 1024;
  double thompson_scale = 1.0;
  std::int64_t stall_window = -1;     ///< -1: the preset's
  double stall_tolerance = 1e-3;
  double stall_radius = 0.0;
  double temperature = 1e-6;
  double jitter = 1e-6;
  std::int64_t lp_samples = 500;
  std::int64_t threads = 0;
  // [model]
  double likelihood_variance = 0.0;
  std::string model_noise = "learn";
  std::int64_t refit_every = 1;
  std::int64_t max_exact = 2000;
  double refit_growth = 0.25;
  std::string lengthscale_prior = "trieste";
  std::string prior_centre = "first-fit";
  std::string output_transform = "none";
  // [delay]
  std::string delay_type = "none";
  double delay_factor = 3.0;
  double delay_low = 0.0, delay_high = 1.0;
  double delay_median = 1.0, delay_sigma = 0.5;
  double straggler_fraction = 0.0, straggler_factor = 10.0;
  double time_scale = 1.0;
  std::string clock = "real";      ///< "virtual": simulated time (built-ins only)
  double ask_cost = -1.0;          ///< virtual clock: s per ask; -1 = as measured
  // [output]
  std::string output_dir;  ///< "" = runs/<config name>-<date-time>
  std::string progress = "auto";
  bool plot = true;
  bool fsync = false;
  std::int64_t dashboard_port = -1;   ///< -1: no dashboard; 0: a free port
  std::string dashboard_host = "127.0.0.1";
  std::string dashboard_token;
  // [space] (for objective = "command"; built-ins bring their own box)
  std::vector<std::string> space_names;
  std::vector<double> space_lower, space_upper;
  std::vector<std::string> space_log, space_integer;
  /// Categorical parameters: name -> choices (the name is in space_names,
  /// which gives the order; lower and upper skip it).
  std::map<std::string, std::vector<std::string>> space_categories;
  // [objective] (objective = "command")
  std::vector<std::string> command;
  std::string input = "args";
  std::string mode = "spawn";
  double timeout = 0.0;
  std::int64_t max_retries = 0;
  double max_failure_fraction = 0.5;
  std::string workdir;
  std::string on_failure = "learn";
  std::int64_t log_limit = std::int64_t{1} << 20;
  // [cluster]
  std::int64_t cluster_port = -1; ///< -1: no cluster; 0: pick a free port
  std::string cluster_bind = "127.0.0.1";
  std::string cluster_host = "127.0.0.1";
  std::string cluster_secret;
  std::string cluster_secret_file;
  double cluster_connect_timeout = 30.0;
  double cluster_heartbeat = 1.0;
  std::string tls_certificate;   ///< PEM file; with key and cafile: TLS on
  std::string tls_key;
  std::string tls_passphrase;
  std::string tls_cafile;        ///< CA that signed the peers' certificates

  bool tls() const { return !tls_certificate.empty() || !tls_key.empty() || !tls_cafile.empty(); }
  // [worker]
  std::int64_t worker_evaluators = 1;
  std::string worker_name;      ///< "" = host:pid
  std::string worker_log_dir = "asyncbo-worker-logs";

  /// The engine options these settings describe.
  engine_options engine() const;
  /// delay.clock = "virtual".
  bool virtual_clock() const { return clock == "virtual"; }
  /// The delay model these settings describe.
  delay_model delay() const;
  /// The search space: the built-in objective's box, or [space].
  search_space space() const;
  /// The objective: what evaluators (local and remote) are built from.
  objective_spec spec() const;
  /// The built-in test function, or nullptr for objective = "command".
  const test_function* builtin() const;
  /// The shared cluster secret: cluster.secret, or the first line of
  /// cluster.secret-file, or the environment variable ASYNCBO_CLUSTER_SECRET.
  /// Throws std::runtime_error if the file is unreadable.
  std::string secret() const;
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

/// Help text listing every key with its type, default and meaning.
std::string keys_help();

} // namespace asyncbo::io
