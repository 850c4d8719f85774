// SPDX-License-Identifier: Apache-2.0
// The dispatch policy of an asynchronous run as a plain, synchronous class:
// the queue of points, the free evaluators, the budget, retries, the failure
// limit and the k-of-n rule that decides when to ask and for how many points.
// It never reads a clock (every call takes `now`) and never sends anything:
// the pool actor and the virtual-clock simulation drive the same class.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace asyncbo {

/// One point on its way to an evaluator: the engine's id, the attempt
/// number (retries and re-dispatches after a lost evaluator count up), and
/// its coordinates.
struct job {
  point_id id = 0;
  std::uint32_t attempt = 0;
  bool initial = false;          ///< initial design: evaluated without delay
  std::uint64_t batch = 0;       ///< the engine ask that produced it
  /// A fallback point (non-blocking dispatch): a Thompson draw on the model
  /// of ask `batch`, made while a later ask was being computed.
  bool fallback = false;
  std::vector<double> x;         ///< space coordinates
  std::vector<double> unit;      ///< unit coordinates (for delay models)
};

/// Options of the dispatcher; validate() names the option and the rule.
struct dispatch_options {
  /// k of n: ask again once this many evaluators are free (or the rest of the
  /// budget is smaller). 1 = a new point whenever an evaluator frees.
  std::size_t batch_size = 1;
  std::uint64_t budget = 0;          ///< points to ask after the initial design
  std::uint64_t initial = 0;         ///< initial points still to generate
  std::uint32_t max_retries = 0;     ///< re-dispatches of a failed point
  /// Stop once more than this fraction of all points (initial + budget)
  /// has failed for good.
  double max_failure_fraction = 1.0;
  /// Points of the whole run for the failure fraction; 0 = initial + budget.
  std::uint64_t total_points = 0;
  std::uint64_t requested_before = 0; ///< budget already asked (resume)
  std::uint64_t failed_before = 0;    ///< points failed before (resume)
  /// Non-blocking dispatch (fallback()): an ask is for at most batch_size
  /// points, and while it is outstanding, evaluators that are free beyond
  /// the queue and the points it will bring get fallback points instead of
  /// waiting for it.
  bool fallback = false;
  /// Once the last ask took longer than this fraction of the median
  /// evaluation (after the initial design), the evaluators an ask is for get
  /// fallback points too (its points are queued for the next ones), and at
  /// the end of the budget a fallback may take the outstanding ask's points.
  /// Below it (fast asks) they wait for their ask.
  double fallback_after = 0.05;
  /// The space is a lattice (integer or categorical parameters): a point
  /// equal to one queued or in flight is never queued again, nor, unless
  /// repeats are allowed (allow_repeats()), one dispatched before in this
  /// run. Asks and fallback draws run concurrently on different snapshots,
  /// so either can propose what the other just did; the engine alone cannot
  /// see that. Not a key: set from the search space.
  bool distinct_points = false;

  std::string validate() const;
};

/// An evaluator slot, allocated by the dispatcher.
using slot_id = std::uint64_t;

/// A job to send to an evaluator now.
struct assignment {
  slot_id slot = 0;
  job work;
};

/// What the dispatcher made of a result.
enum class result_verdict {
  final,   ///< the point's last word: told (ok) or failed for good
  retried, ///< failed; queued again with the next attempt number
  stale,   ///< matches nothing in flight (a lost attempt's late answer)
};

/// Figures the dispatcher keeps, in the caller's time unit (seconds).
struct dispatch_stats {
  double main_start = 0.0;      ///< when the initial design was all back
  double last_dispatch = 0.0;   ///< the last non-initial dispatch
  /// Integral of the number of evaluators over the main phase.
  double capacity = 0.0;
  /// The same until the last dispatch (before the budget runs out).
  double capacity_steady = 0.0;
  std::vector<double> dispatch_latency; ///< freeing event -> points assigned
  std::uint64_t requeued = 0;   ///< attempts lost with an evaluator
  std::uint64_t retried = 0;    ///< failed attempts queued again
  std::uint64_t stale = 0;      ///< results that matched nothing
  std::uint64_t failed_points = 0;
  std::uint64_t fallback_requests = 0; ///< fallbacks started
  std::uint64_t fallback_points = 0;   ///< points they brought
  std::uint64_t fallback_empty = 0;    ///< fallbacks answered with no point
  /// Points an ask brought after fallbacks had taken its evaluators and the
  /// budget: never dispatched (answered() hands them out if asked to).
  std::uint64_t surplus = 0;
  /// Points dropped because they repeated one queued, in flight or (without
  /// repeats) dispatched before (distinct_points); their budget is asked
  /// again.
  std::uint64_t duplicates = 0;
};

/// The k-of-n dispatch policy (Trieste's asynchronous tutorial, extended so
/// that no worker is left idle): after the initial design, ask whenever at
/// least min(batch_size, budget left, evaluators) evaluators are free, for as
/// many points as there are free evaluators; new capacity (an evaluator that
/// joins mid-run) triggers an ask at once. A failed attempt is queued again
/// at the front up to max_retries times; a lost evaluator's job is queued
/// again at the front with the next attempt number. At most one ask is
/// outstanding. The run is done when the budget has been asked and nothing
/// is queued, in flight or being asked.
///
/// Call order is free; a typical driver, after every event, calls assign()
/// and sends its jobs, then ask() and starts the ask it returns, then done().
class dispatcher {
public:
  /// `requeue`: points that were in flight when an earlier run died (resume),
  /// dispatched first; initial ones count towards the initial design.
  /// Throws std::invalid_argument for invalid options.
  explicit dispatcher(dispatch_options opts, std::vector<job> requeue = {});

  const dispatch_options& options() const noexcept { return opts_; }

  // -- capacity ------------------------------------------------------------

  /// A new evaluator, idle. Joining after the start triggers an ask even if
  /// fewer than batch_size evaluators are free.
  slot_id add_evaluator(double now);

  /// The evaluator is gone. If it held a job, that attempt is returned (for
  /// its "lost" record) and the point is queued again at the front with the
  /// next attempt number. Unknown slots are ignored.
  std::optional<job> remove_evaluator(slot_id s, double now);

  // -- the run ---------------------------------------------------------------

  /// Queues the resumed points; returns how many initial points the caller
  /// should generate and pass to add_initial(). With none, the main phase
  /// starts at once.
  std::uint64_t start(double now);

  /// Queues the initial design.
  void add_initial(std::vector<job> points);

  /// Idle evaluators paired with queued jobs, in queue order; each pair is
  /// now in flight.
  std::vector<assignment> assign(double now);

  /// The size of the ask due now, if one is: the main phase has started, no
  /// ask is outstanding, budget is left, and at least min(batch_size, budget
  /// left, evaluators) evaluators are free beyond the queue (or capacity just
  /// joined).
  /// The returned ask is outstanding until answered() or ask_failed().
  std::optional<std::uint32_t> ask(double now);

  /// The outstanding ask's points (fewer than asked: the rest is asked
  /// again later). Returns the time of the event that triggered the ask.
  /// Points beyond what is left of the ask's share of the budget (fallbacks
  /// took it), and repeated points (distinct_points), are not queued: they
  /// go to `surplus`, if given. `space_exhausted`: the engine has no point
  /// left (ask_status::space_exhausted), so exhaust() follows.
  double answered(std::vector<job> points, double now, std::vector<job>* surplus = nullptr,
                  bool space_exhausted = false);

  /// Whether the evaluators of an outstanding ask get fallbacks too: the
  /// last ask took longer than fallback_after of the median evaluation so
  /// far (decided when an ask is answered).
  bool asks_are_slow() const noexcept { return slow_; }

  /// The outstanding ask failed; its points go back to the budget.
  void ask_failed();

  /// The search space has no point left to propose (a finite space, all
  /// evaluated or pending): the rest of the budget is dropped, nothing more
  /// is asked or drawn, and the run is done once what is in flight is back.
  void exhaust();
  bool exhausted() const noexcept { return exhausted_; }

  /// Whether a point dispatched before may be queued again
  /// (distinct_points; the engine says so from the learned noise). Points
  /// queued or in flight are never repeated.
  void allow_repeats(bool yes) noexcept { repeats_ = yes; }

  /// The size of the fallback due now, if one is (options().fallback): an
  /// ask is outstanding and no fallback is, budget is left beyond that ask,
  /// and evaluators are free beyond the queue and the points the ask will
  /// bring: as many points as there are such evaluators. Outstanding until
  /// fallback_answered().
  std::optional<std::uint32_t> fallback(double now);

  /// The outstanding fallback's points, queued like an ask's (fewer than
  /// asked: the rest goes back to the budget). With none (nothing to draw
  /// from yet, or the draw failed), no fallback is due until the next ask
  /// is answered: an empty answer is not asked again at every event.
  void fallback_answered(std::vector<job> points, double now);

  /// A result from slot `s` for (id, attempt). `ok` false is a point failure
  /// (retried up to max_retries, then final). A result that does not match
  /// the slot's job is stale and changes nothing.
  result_verdict result(slot_id s, point_id id, std::uint32_t attempt, bool ok,
                        double now);

  /// Why the run must stop, if more than max_failure_fraction of all points
  /// has failed for good.
  std::optional<std::string> failure_limit() const;

  /// Nothing more will happen: see the class comment.
  bool done() const;

  /// Ends dispatching (the run finishes or is aborted): assign() and ask()
  /// return nothing from now on; capacity is accounted up to `now`.
  void stop(double now);
  bool stopped() const noexcept { return stopped_; }

  // -- state -----------------------------------------------------------------

  bool main_started() const noexcept { return main_started_; }
  bool ask_outstanding() const noexcept { return ask_outstanding_; }
  bool fallback_outstanding() const noexcept { return fallback_outstanding_; }
  std::uint64_t to_request() const noexcept { return to_request_; }
  std::size_t evaluators() const noexcept { return slots_.size(); }
  std::size_t busy() const;
  std::size_t idle() const noexcept { return idle_.size(); }
  std::size_t queued() const noexcept { return queue_.size(); }
  const std::deque<job>& queue() const noexcept { return queue_; }
  /// The job in flight on `s`, or nullptr.
  const job* in_flight(slot_id s) const;
  /// When the job on `s` was assigned.
  double assigned_at(slot_id s) const;
  const dispatch_stats& stats() const noexcept { return stats_; }

private:
  struct slot {
    std::optional<job> work;
    double assigned = 0.0;
  };

  void account(double now);
  void start_main(double now);
  /// distinct_points: the points that may be queued (the rest are
  /// appended to `dropped`); counts them as live and seen.
  std::vector<job> admit(std::vector<job> points, std::vector<job>* dropped);
  /// A job is queued (live and seen), whatever it repeats.
  void note(const job& j);
  /// A job is no longer queued or in flight.
  void retire(const job& j);
  std::map<std::vector<double>, std::size_t> live_;  ///< queued or in flight, by job.unit
  std::set<std::vector<double>> seen_;               ///< every job.unit queued in this run
  bool repeats_ = false;

  dispatch_options opts_;
  std::map<slot_id, slot> slots_;
  std::deque<slot_id> idle_;
  std::deque<job> queue_;
  slot_id next_slot_ = 0;
  std::uint64_t to_request_ = 0;
  std::uint64_t initial_outstanding_ = 0;
  bool started_ = false;
  bool main_started_ = false;
  bool ask_outstanding_ = false;
  bool fresh_capacity_ = false;
  bool stopped_ = false;
  bool exhausted_ = false;
  double free_since_ = 0.0;     ///< when free capacity last grew
  double ask_trigger_ = 0.0;    ///< free_since_ when the outstanding ask began
  std::uint64_t asked_ = 0;     ///< size of the outstanding ask
  bool fallback_outstanding_ = false;
  bool fallback_blocked_ = false; ///< an empty fallback answer, until the next ask
  double fallback_trigger_ = 0.0;
  std::uint64_t fallback_asked_ = 0;
  double ask_started_ = 0.0;
  bool slow_ = false;
  bool ask_served_ = false;          ///< a fallback took the ask's evaluators
  std::vector<double> durations_;    ///< of final ok results
  double capacity_t_ = 0.0;
  dispatch_stats stats_;
};

struct proposal;

/// The job of a fresh engine proposal (attempt 0) from engine ask `batch`.
job to_job(const proposal& p, std::uint64_t batch);

/// How an ask of k points is answered: engine asks of at most batch_size
/// points each, every one conditioned on the earlier ones as pending.
std::vector<std::size_t> split_ask(std::size_t k, std::size_t batch_size);

} // namespace asyncbo
