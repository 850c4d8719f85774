// SPDX-License-Identifier: Apache-2.0
// The k-of-n dispatch policy.
//
//   start -> initial design queued and dispatched -> (all initial results in)
//         -> main phase: ask / assign / results ... -> budget asked and
//            nothing queued, in flight or outstanding -> done
#include "core/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/engine.hpp"
#include "core/format.hpp"
#include "core/stats.hpp"

namespace asyncbo {

std::string dispatch_options::validate() const {
  if (batch_size < 1)
    return "dispatch: batch_size must be >= 1";
  if (!(max_failure_fraction >= 0.0 && max_failure_fraction <= 1.0))
    return "dispatch: max_failure_fraction must be in [0, 1]";
  if (!(fallback_after >= 0.0) || !std::isfinite(fallback_after))
    return "dispatch: fallback_after must be finite and >= 0";
  return {};
}

dispatcher::dispatcher(dispatch_options opts, std::vector<job> requeue)
  : opts_(std::move(opts)) {
  if (auto err = opts_.validate(); !err.empty())
    throw std::invalid_argument(err);
  to_request_ = opts_.budget > opts_.requested_before
                  ? opts_.budget - opts_.requested_before
                  : 0;
  stats_.failed_points = opts_.failed_before;
  for (auto& j : requeue) {
    note(j);
    queue_.push_back(std::move(j));
  }
}

void dispatcher::account(double now) {
  if (main_started_ && now > capacity_t_)
    stats_.capacity += double(slots_.size()) * (now - capacity_t_);
  capacity_t_ = std::max(capacity_t_, now);
}

void dispatcher::start_main(double now) {
  if (main_started_)
    return;
  main_started_ = true;
  stats_.main_start = now;
  capacity_t_ = now;
  free_since_ = now;
}

slot_id dispatcher::add_evaluator(double now) {
  account(now);
  const slot_id s = next_slot_++;
  slots_.emplace(s, slot{});
  idle_.push_back(s);
  free_since_ = now;
  if (main_started_)
    fresh_capacity_ = true;
  return s;
}

std::optional<job> dispatcher::remove_evaluator(slot_id s, double now) {
  auto it = slots_.find(s);
  if (it == slots_.end())
    return std::nullopt;
  account(now);
  std::optional<job> lost;
  if (it->second.work && !stopped_) {
    lost = *it->second.work;
    job again = std::move(*it->second.work);
    ++again.attempt;
    queue_.push_front(std::move(again));
    ++stats_.requeued;
  }
  slots_.erase(it);
  idle_.erase(std::remove(idle_.begin(), idle_.end(), s), idle_.end());
  return lost;
}

std::uint64_t dispatcher::start(double now) {
  if (started_)
    return 0;
  started_ = true;
  for (auto& j : queue_)
    initial_outstanding_ += j.initial ? 1 : 0;
  initial_outstanding_ += opts_.initial;
  if (initial_outstanding_ == 0)
    start_main(now);
  return opts_.initial;
}

void dispatcher::add_initial(std::vector<job> points) {
  for (auto& j : points) {
    note(j);   // counted by the design: never dropped (the engine's are distinct)
    queue_.push_back(std::move(j));
  }
}

std::vector<assignment> dispatcher::assign(double now) {
  std::vector<assignment> out;
  while (!stopped_ && !idle_.empty() && !queue_.empty()) {
    const slot_id s = idle_.front();
    idle_.pop_front();
    auto it = slots_.find(s);
    if (it == slots_.end() || it->second.work)
      continue;
    job j = std::move(queue_.front());
    queue_.pop_front();
    if (!j.initial) {
      account(now);
      stats_.last_dispatch = now;
      stats_.capacity_steady = stats_.capacity;
    }
    it->second.work = j;
    it->second.assigned = now;
    out.push_back({s, std::move(j)});
  }
  return out;
}

std::optional<std::uint32_t> dispatcher::ask(double now) {
  if (stopped_ || !main_started_ || ask_outstanding_ || to_request_ == 0)
    return std::nullopt;
  // Free beyond the queue and the points an outstanding fallback will bring.
  const std::uint64_t taken = queue_.size() + (fallback_outstanding_ ? fallback_asked_ : 0);
  if (idle_.size() <= taken)
    return std::nullopt;
  const std::uint64_t free = idle_.size() - taken;
  // Never wait for more free evaluators than there are (nodes were lost, or
  // fewer joined than batch_size): that wait would never end.
  const std::uint64_t need = std::min<std::uint64_t>(
    {opts_.batch_size, to_request_, static_cast<std::uint64_t>(slots_.size())});
  if (free < need && !fresh_capacity_)
    return std::nullopt;
  // With fallbacks, one ask is one batch: the other free evaluators get
  // fallback points instead of waiting for the rest of a long ask.
  const std::uint64_t most
    = opts_.fallback ? std::min<std::uint64_t>(to_request_, opts_.batch_size) : to_request_;
  const auto k = static_cast<std::uint32_t>(std::min(free, most));
  to_request_ -= k;
  ask_outstanding_ = true;
  fresh_capacity_ = false;
  ask_trigger_ = free_since_;
  ask_started_ = now;
  ask_served_ = false;
  asked_ = k;
  return k;
}

void dispatcher::note(const job& j) {
  if (!opts_.distinct_points)
    return;
  ++live_[j.unit];
  seen_.insert(j.unit);
}

std::vector<job> dispatcher::admit(std::vector<job> points, std::vector<job>* dropped) {
  if (!opts_.distinct_points)
    return points;
  std::vector<job> kept;
  for (auto& j : points) {
    const auto it = live_.find(j.unit);
    if ((it != live_.end() && it->second > 0) || (!repeats_ && seen_.count(j.unit))) {
      ++stats_.duplicates;
      if (dropped)
        dropped->push_back(std::move(j));
      continue;
    }
    note(j);
    kept.push_back(std::move(j));
  }
  return kept;
}

void dispatcher::retire(const job& j) {
  if (!opts_.distinct_points)
    return;
  const auto it = live_.find(j.unit);
  if (it != live_.end() && it->second > 0 && --it->second == 0)
    live_.erase(it);
}

double dispatcher::answered(std::vector<job> points, double now, std::vector<job>* surplus,
                            bool space_exhausted) {
  ask_outstanding_ = false;
  fallback_blocked_ = false;
  if (!durations_.empty()) {
    slow_ = now - ask_started_ > opts_.fallback_after * median(durations_);
  }
  if (stopped_)
    return ask_trigger_;
  // Repeats go with the surplus (the caller forgets them) and their budget
  // is asked again.
  points = admit(std::move(points), surplus);
  if (points.size() < asked_ && !exhausted_)
    to_request_ += asked_ - points.size();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i < asked_) {
      queue_.push_back(std::move(points[i]));
      continue;
    }
    ++stats_.surplus;
    retire(points[i]);
    if (surplus)
      surplus->push_back(std::move(points[i]));
  }
  if (!ask_served_)
    stats_.dispatch_latency.push_back(now - ask_trigger_);
  if (space_exhausted)
    exhaust();
  return ask_trigger_;
}

void dispatcher::ask_failed() {
  if (ask_outstanding_ && !exhausted_)
    to_request_ += asked_;
  ask_outstanding_ = false;
}

void dispatcher::exhaust() {
  exhausted_ = true;
  to_request_ = 0;
  asked_ = 0;   // an outstanding ask's points are surplus when they come
}

std::optional<std::uint32_t> dispatcher::fallback(double) {
  if (!opts_.fallback || stopped_ || !ask_outstanding_ || fallback_outstanding_
      || fallback_blocked_)
    return std::nullopt;
  // Slow asks: the ask's evaluators do not wait for it either; its points
  // will go to the next ones, and at the end of the budget a fallback takes
  // them (the ask's points are then surplus).
  const std::uint64_t taken = queue_.size() + (slow_ ? 0 : asked_);
  const std::uint64_t budget = to_request_ + (slow_ ? asked_ : 0);
  if (idle_.size() <= taken || budget == 0)
    return std::nullopt;
  const auto k
    = static_cast<std::uint32_t>(std::min<std::uint64_t>(idle_.size() - taken, budget));
  const std::uint64_t from_budget = std::min<std::uint64_t>(k, to_request_);
  to_request_ -= from_budget;
  asked_ -= k - from_budget;
  // The ask's evaluators were served here: its latency is not a wait.
  if (slow_)
    ask_served_ = true;
  fallback_outstanding_ = true;
  fallback_trigger_ = free_since_;
  fallback_asked_ = k;
  ++stats_.fallback_requests;
  return k;
}

void dispatcher::fallback_answered(std::vector<job> points, double now) {
  if (!fallback_outstanding_)
    return;
  fallback_outstanding_ = false;
  if (stopped_)
    return;
  points = admit(std::move(points), nullptr);   // never joined the engine
  if (points.size() < fallback_asked_ && !exhausted_)
    to_request_ += fallback_asked_ - points.size();
  if (points.empty()) {
    fallback_blocked_ = true;
    ++stats_.fallback_empty;
    return;
  }
  stats_.fallback_points += points.size();
  for (auto& j : points)
    queue_.push_back(std::move(j));
  stats_.dispatch_latency.push_back(now - fallback_trigger_);
}

result_verdict dispatcher::result(slot_id s, point_id id, std::uint32_t attempt, bool ok,
                                  double now) {
  auto it = slots_.find(s);
  if (stopped_ || it == slots_.end() || !it->second.work || it->second.work->id != id
      || it->second.work->attempt != attempt) {
    ++stats_.stale;
    return result_verdict::stale;
  }
  job j = std::move(*it->second.work);
  it->second.work.reset();
  idle_.push_back(s);
  free_since_ = now;
  if (ok && !j.initial)
    durations_.push_back(now - it->second.assigned);
  if (!ok && j.attempt < opts_.max_retries) {
    ++j.attempt;
    queue_.push_front(std::move(j));
    ++stats_.retried;
    return result_verdict::retried;
  }
  retire(j);
  if (!ok)
    ++stats_.failed_points;
  if (j.initial && initial_outstanding_ > 0 && --initial_outstanding_ == 0)
    start_main(now);
  return result_verdict::final;
}

std::optional<std::string> dispatcher::failure_limit() const {
  const std::uint64_t total
    = opts_.total_points > 0 ? opts_.total_points : opts_.initial + opts_.budget;
  if (!(double(stats_.failed_points) > opts_.max_failure_fraction * double(total)))
    return std::nullopt;
  return std::to_string(stats_.failed_points) + " of " + std::to_string(total)
         + " points failed, more than objective.max-failure-fraction = "
         + exact(opts_.max_failure_fraction);
}

bool dispatcher::done() const {
  // An outstanding ask whose points fallbacks took is not waited for.
  if (!main_started_ || (ask_outstanding_ && asked_ > 0) || fallback_outstanding_
      || to_request_ > 0 || !queue_.empty())
    return false;
  for (auto& [s, sl] : slots_)
    if (sl.work)
      return false;
  return true;
}

void dispatcher::stop(double now) {
  account(now);
  stopped_ = true;
}

std::size_t dispatcher::busy() const {
  std::size_t n = 0;
  for (auto& [s, sl] : slots_)
    n += sl.work ? 1 : 0;
  return n;
}

const job* dispatcher::in_flight(slot_id s) const {
  auto it = slots_.find(s);
  return it != slots_.end() && it->second.work ? &*it->second.work : nullptr;
}

double dispatcher::assigned_at(slot_id s) const {
  auto it = slots_.find(s);
  return it != slots_.end() ? it->second.assigned : 0.0;
}

job to_job(const proposal& p, std::uint64_t batch) {
  job j;
  j.id = p.id;
  j.initial = p.initial;
  j.batch = batch;
  j.x.assign(p.x.data(), p.x.data() + p.x.size());
  j.unit.assign(p.unit.data(), p.unit.data() + p.unit.size());
  return j;
}

std::vector<std::size_t> split_ask(std::size_t k, std::size_t batch_size) {
  const std::size_t b = std::max<std::size_t>(1, batch_size);
  std::vector<std::size_t> out;
  for (std::size_t left = k; left > 0;) {
    const std::size_t chunk = std::min(left, b);
    out.push_back(chunk);
    left -= chunk;
  }
  return out;
}

} // namespace asyncbo
