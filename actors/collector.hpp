// SPDX-License-Identifier: Apache-2.0
// The collector actor: where results become durable, in arrival order.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/actors.hpp"
#include "io/live.hpp"
#include "io/objective.hpp"
#include "io/event_log.hpp"
#include "io/summary.hpp"

namespace asyncbo::actors {

/// Everything the collector writes to, opened by the caller (so that a bad
/// output directory fails before any actor runs).
struct collector_config {
  std::string dir;   ///< output directory; "" = write no summary or plot
  std::shared_ptr<io::observations_csv> csv;
  std::shared_ptr<io::event_log> events;
  bool plot = true;
  bool progress = false;                          ///< progress line on stderr
  bool tty = false;                               ///< redraw it in place
  std::size_t total_points = 0;                   ///< initial + budget
  io::objective_spec objective;                   ///< names, minimum, contour
  nlohmann::json config;
  std::string title;
  std::vector<io::evaluation_record> previous;    ///< records of a resumed run
  std::size_t resumed = 0;
  /// The dashboard's view (null: none): every record, the recommendation
  /// and the outcome are published to it.
  std::shared_ptr<io::live_view> live;
};

struct collector_state {
  static inline const char* name = "asyncbo.collector";
  collector_config cfg;
  optimizer_actor optimizer;
  caf::actor main;
  std::vector<io::evaluation_record> records;
  std::size_t ok = 0;
  std::size_t ok_at_start = 0;   ///< ok results of a resumed run's log (ETA)
  double best = 0.0;
  bool have_best = false;
  bool reported = false;   ///< the outcome went to `main`
  std::chrono::steady_clock::time_point last_progress{};
  pool_snapshot last_snapshot;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// Logs every attempt, forwards final outcomes to the optimizer and the
/// pool's asks after them, and at the end writes summary.json and plot.svg
/// and sends (done_atom, run_outcome) to `main`. A log that cannot be
/// written fails the run (exit 1, naming the file); so does a summary that
/// cannot be written.
collector_actor::behavior_type
collector(collector_actor::stateful_pointer<collector_state> self, collector_config cfg,
          optimizer_actor optimizer, caf::actor main);

} // namespace asyncbo::actors
