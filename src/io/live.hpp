// SPDX-License-Identifier: Apache-2.0
// The live view of a running experiment: what the dashboard shows, handed
// over by the runtime as snapshots.
//
// Writers (the pool and collector actors) copy small values in under a mutex
// that readers hold only to copy values out; every reader renders JSON and
// SVG, and writes to its socket, after letting go. So a slow or hostile HTTP
// client costs an actor at most one copy of the state it publishes, and
// never waits on a socket.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/objective.hpp"
#include "io/records.hpp"
#include "io/summary.hpp"

namespace asyncbo::io {

/// One evaluator as the pool sees it.
struct live_evaluator {
  std::string name;
  std::string node;              ///< "local" or the remote node's name
  bool busy = false;
  std::uint64_t id = 0;          ///< the point it runs (when busy)
  std::uint32_t attempt = 0;
  std::vector<double> x;
  double since = 0.0;            ///< when it got the point (s since start)
};

/// The pool's part of the view.
struct live_pool {
  std::vector<live_evaluator> evaluators;
  std::vector<std::vector<double>> queued;   ///< points waiting for an evaluator
  std::uint64_t asks = 0;
  std::uint64_t retried = 0;
  std::uint64_t requeued = 0;
  bool ask_outstanding = false;
  double last_ask_ms = 0.0;
  double median_ask_ms = 0.0;
  double median_dispatch_ms = 0.0;   ///< ask trigger to evaluator start, local
  double recommended_mean = std::numeric_limits<double>::quiet_NaN();
};

/// Thread-safe holder of the live state of one run.
class live_view {
public:
  /// `previous`: records of a resumed run, shown as already there.
  live_view(objective_spec objective, std::string title, std::size_t total_points,
            std::chrono::steady_clock::time_point t0,
            std::vector<evaluation_record> previous = {});

  // -- writers (actors) ----------------------------------------------------
  void set_pool(live_pool p);
  void add_record(const evaluation_record& r);
  void set_recommendation(const recommendation& rec);
  /// The run is over.
  void finish(run_status status, const std::string& message);

  // -- readers (HTTP threads); `now` in seconds since the start -----------------
  double elapsed() const;
  /// /api/status: state, progress (n of N, ETA, elapsed), best and
  /// recommended value and point, failures, latencies, the queue.
  nlohmann::json status_json() const;
  /// /api/evaluators: every evaluator, busy or idle, with what it runs and
  /// for how long.
  nlohmann::json evaluators_json() const;
  /// /api/observations?since=K: the log's rows from sequence number K on
  /// (at most `limit`), and `next`, the K to ask for next time.
  nlohmann::json observations_json(std::size_t since, std::size_t limit) const;
  /// plot.svg of the records so far, drawn by io::make_plot_svg (cached per
  /// record count).
  std::string plot_svg() const;
  /// Number of records so far (changes whenever there is news).
  std::size_t records() const;

private:
  mutable std::mutex mu_;
  objective_spec objective_;
  std::string title_;
  std::size_t total_;
  std::chrono::steady_clock::time_point t0_;
  std::vector<evaluation_record> records_;
  std::size_t ok_ = 0, failed_ = 0, retried_ = 0, ok_at_start_ = 0;
  std::optional<std::size_t> best_;   ///< index into records_
  std::vector<std::size_t> failures_; ///< indices of the latest failed attempts, oldest first
  live_pool pool_;
  recommendation recommended_;
  std::string state_ = "running";
  std::string message_;
  double finished_at_ = -1.0;
  // The plot cache (rendered outside the lock, stored under it).
  mutable std::string plot_;
  mutable std::size_t plot_count_ = std::numeric_limits<std::size_t>::max(); ///< 2 n + rec
};

/// Seconds left at this process's pace: `elapsed` seconds for the ok results
/// beyond the `ok_at_start` a resumed run began with; none before the first.
std::optional<double> eta_seconds(double elapsed, std::size_t ok, std::size_t ok_at_start,
                                  std::size_t total);

/// Constant-time comparison (the dashboard token): the time taken depends on
/// the lengths only, never on where the strings differ.
bool equal_constant_time(const std::string& a, const std::string& b);

} // namespace asyncbo::io
