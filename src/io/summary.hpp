// SPDX-License-Identifier: Apache-2.0
// summary.json and plot.svg, computed from the evaluation records.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/objectives.hpp"
#include "io/records.hpp"

namespace asyncbo::io {

/// Runtime figures gathered by the actors.
struct run_stats {
  std::string status = "completed";  ///< completed | failed
  std::string message;
  std::vector<double> ask_ms;        ///< engine time of every ask
  std::vector<double> dispatch_ms;   ///< trigger result -> points sent out
  double wall_time_s = 0.0;          ///< start -> end of the run
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

/// summary.json. `minimum` is the objective's known global minimum (regret is
/// null without one).
nlohmann::json make_summary(const std::vector<evaluation_record>& recs,
                            const std::vector<std::string>& names,
                            std::optional<double> minimum, const run_stats& stats,
                            const nlohmann::json& config);

/// plot.svg: for 2-D problems the objective's contour (when `f` is given)
/// with initial points, asked points and the best point; for any dimension
/// the convergence of the best value (or regret, on a log scale, when the
/// minimum is known) against evaluations and against wall time.
std::string make_plot_svg(const std::vector<evaluation_record>& recs,
                          const std::vector<std::string>& names,
                          const test_function* f, std::optional<double> minimum,
                          const std::string& title);

/// Writes `text` to `path` atomically (temporary file + rename). Throws
/// std::runtime_error naming the path.
void write_file_atomic(const std::string& path, const std::string& text);

} // namespace asyncbo::io
