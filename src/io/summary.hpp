// SPDX-License-Identifier: Apache-2.0
// summary.json, computed from the evaluation records and the run's figures.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/objectives.hpp"
#include "io/records.hpp"
#include "io/run_figures.hpp"

namespace asyncbo::io {

/// How a run ended.
enum class run_status : std::uint8_t {
  completed,   ///< the budget is done
  failed,      ///< stopped by an error or the failure limit
  interrupted, ///< SIGINT/SIGTERM; resumable
  refused,     ///< invalid request: nothing ran
};

const char* to_string(run_status s);

/// The process exit code of a status: 0, 1, 130 and 2 (refused).
int exit_code(run_status s);

/// Runtime figures gathered by the actors.
struct run_stats {
  run_status status = run_status::completed;
  std::string message;
  std::vector<double> ask_ms;        ///< engine time of every ask
  std::vector<double> dispatch_ms;   ///< trigger result -> points sent out
  double wall_time_s = 0.0;          ///< start -> end of the run (simulated: virtual clock)
  bool virtual_clock = false;        ///< times are simulated (delay.clock = "virtual")
  double main_start_s = 0.0;         ///< end of the initial design
  double last_dispatch_s = 0.0;      ///< last point sent out (budget exhausted)
  /// Integral of the number of evaluators over the main phase (evaluator
  /// seconds available); workers x (wall - main_start) for a fixed pool.
  double capacity_seconds = 0.0;
  /// The same, only until the last dispatch: the steady state, before the
  /// budget runs out and workers necessarily go idle.
  double capacity_seconds_steady = 0.0;
  std::size_t requeued = 0;          ///< attempts lost with a node, re-sent
  std::size_t retried = 0;           ///< failed attempts retried
  std::size_t resumed = 0;           ///< times the run was resumed
  std::size_t rejected = 0;          ///< refused registrations / stray replies
  std::size_t nodes = 0;             ///< remote nodes that registered
  /// Result arrival -> next point received by an evaluator on the head's
  /// host, minus the ask time (ms).
  std::vector<double> transport_ms;
  /// Non-blocking dispatch (experiment.fallback): whether it was on,
  /// fallbacks started, points they brought, fallbacks with nothing to draw
  /// from, and the time of each in the sampler (ms).
  bool fallback = false;
  std::size_t fallback_requests = 0;
  std::size_t fallback_points = 0;
  std::size_t fallback_empty = 0;
  std::vector<double> fallback_ms;
};

/// The point a run reports as its result (engine::recommend): the observed
/// point with the lowest posterior mean.
struct recommendation {
  bool found = false;
  std::vector<double> x;         ///< space coordinates
  double mean = 0.0;             ///< posterior mean there
  double sd = 0.0;               ///< posterior standard deviation there
  double observed = 0.0;         ///< the value observed there
  /// The model's likelihood variance (fixed or learned), NaN if unknown.
  double noise_variance = std::numeric_limits<double>::quiet_NaN();
  /// Failed points the success-probability model learned from.
  std::uint64_t failures = 0;
};

struct stat_summary {
  double median = 0.0, max = 0.0, mean = 0.0;
  std::size_t count = 0;
};
stat_summary summarize(std::vector<double> v);

/// The final outcome over records: best value and point (ok rows only).
struct best_result {
  bool found = false;
  double value = 0.0;
  std::vector<double> x;
  std::uint64_t id = 0;
};
best_result best_of(const std::vector<evaluation_record>& recs);

/// summary.json, its figures as io/run_figures.hpp defines them: "regret"
/// is the recommendation's (without one, the best observation's) true
/// regret, "best_regret" the best observation's, both null without a known
/// minimum; "best_value" is observed.
nlohmann::json make_summary(const std::vector<evaluation_record>& recs,
                            const std::vector<std::string>& names,
                            const known_answer& answer, const run_stats& stats,
                            const nlohmann::json& config,
                            const recommendation& rec = recommendation{},
                            const point_choices& choices = {});

/// The closing report of a run, from its summary.json (so that its figures
/// are the summary's): status, recommended and best value and point, regret,
/// evaluations ok / failed / retried, wall time, busy fraction, median ask
/// time, and where the outputs are. A few lines of text, no trailing newline.
std::string closing_report(const nlohmann::json& summary, const std::string& dir);

/// Writes `text` to `path` atomically (temporary file + rename). Throws
/// std::runtime_error naming the path.
void write_file_atomic(const std::string& path, const std::string& text);

} // namespace asyncbo::io
