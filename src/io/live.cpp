// SPDX-License-Identifier: Apache-2.0
// The live view of a running experiment.
#include "io/live.hpp"

#include <cmath>

#include "io/plot.hpp"

namespace asyncbo::io {

namespace {

using json = nlohmann::json;

constexpr std::size_t kFailuresShown = 10;   ///< latest failures in /api/status


/// NaN and infinities as null (JSON has no such numbers).
json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

} // namespace

live_view::live_view(objective_spec objective, std::string title, std::size_t total_points,
                     std::chrono::steady_clock::time_point t0,
                     std::vector<evaluation_record> previous)
  : objective_(std::move(objective)), title_(std::move(title)), total_(total_points),
    t0_(t0) {
  for (auto& r : previous)
    add_record(r);
  ok_at_start_ = ok_;
}

void live_view::set_pool(live_pool p) {
  std::lock_guard<std::mutex> lock(mu_);
  pool_ = std::move(p);
}

void live_view::add_record(const evaluation_record& r) {
  std::lock_guard<std::mutex> lock(mu_);
  records_.push_back(r);
  if (r.ok()) {
    ++ok_;
    if (!best_ || r.value < records_[*best_].value)
      best_ = records_.size() - 1;
  } else {
    ++(r.final ? failed_ : retried_);
    failures_.push_back(records_.size() - 1);
    if (failures_.size() > kFailuresShown)
      failures_.erase(failures_.begin());
  }
}

void live_view::set_recommendation(const recommendation& rec) {
  std::lock_guard<std::mutex> lock(mu_);
  recommended_ = rec;
}

void live_view::finish(run_status status, const std::string& message) {
  const double t = elapsed();
  std::lock_guard<std::mutex> lock(mu_);
  state_ = to_string(status);
  message_ = message;
  finished_at_ = t;
  for (auto& e : pool_.evaluators)
    e.busy = false;
}

double live_view::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

std::size_t live_view::records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.size();
}

json live_view::status_json() const {
  const double now = elapsed();
  // Copy out under the lock; build the JSON after.
  std::unique_lock<std::mutex> lock(mu_);
  const std::size_t ok = ok_, failed = failed_, retried = retried_, at_start = ok_at_start_;
  const std::size_t n = records_.size();
  std::optional<evaluation_record> best;
  if (best_)
    best = records_[*best_];
  std::vector<evaluation_record> failures;   // newest first
  for (auto i = failures_.rbegin(); i != failures_.rend(); ++i)
    failures.push_back(records_[*i]);
  const live_pool pool = pool_;
  const recommendation rec = recommended_;
  const std::string state = state_, message = message_;
  const double finished_at = finished_at_;
  lock.unlock();

  const auto& names = objective_.names;
  const auto& choices = objective_.choices;
  const double t = finished_at >= 0.0 ? finished_at : now;
  json j;
  j["state"] = state;
  j["message"] = message;
  j["title"] = title_;
  j["objective"] = objective_.name;
  j["names"] = names;
  j["elapsed_s"] = t;
  j["evaluations"] = {{"ok", ok}, {"failed", failed}, {"retried", retried},
                      {"total", total_}, {"records", n}};
  // ETA from this process's pace, as on the progress line.
  const auto eta = eta_seconds(t, ok, at_start, total_);
  j["eta_s"] = state == "running" && eta ? json(*eta) : json(nullptr);
  j["best"] = nullptr;
  if (best)
    j["best"] = {{"value", best->value}, {"id", best->id}, {"x", named_point(names, best->x, choices)}};
  j["recommended"] = nullptr;
  if (rec.found)
    j["recommended"] = {{"mean", rec.mean}, {"sd", rec.sd}, {"observed", rec.observed},
                        {"x", named_point(names, rec.x, choices)}};
  j["recommended_mean"] = number(pool.recommended_mean);
  j["minimum"] = objective_.minimum ? json(*objective_.minimum) : json(nullptr);
  // The best observation's true regret, as summary.json's best_regret.
  const auto answer = known_answer_of(objective_.name, objective_.minimum);
  j["best_regret"] = best && answer.minimum ? json(answer.regret(best->x, best->value))
                                            : json(nullptr);
  std::size_t busy = 0;
  for (auto& e : pool.evaluators)
    busy += e.busy;
  j["evaluators"] = {{"busy", busy}, {"total", pool.evaluators.size()}};
  j["asks"] = pool.asks;
  j["ask_outstanding"] = pool.ask_outstanding;
  j["latency_ms"] = {{"last_ask", pool.last_ask_ms},
                     {"median_ask", pool.median_ask_ms},
                     {"median_dispatch", pool.median_dispatch_ms}};
  json queued = json::array();
  for (auto& x : pool.queued)
    queued.push_back(named_point(names, x, choices));
  j["queue"] = queued;
  json pending = json::array();
  for (auto& e : pool.evaluators)
    if (e.busy)
      pending.push_back({{"id", e.id}, {"x", named_point(names, e.x, choices)}});
  j["pending"] = pending;
  json fl = json::array();
  for (auto& r : failures)
    fl.push_back({{"id", r.id}, {"attempt", r.attempt}, {"status", to_string(r.status)},
                  {"reason", r.reason}, {"worker", r.worker}, {"t", r.end_time},
                  {"x", named_point(names, r.x, choices)}});
  j["failures"] = fl;
  return j;
}

json live_view::evaluators_json() const {
  const double now = elapsed();
  std::unique_lock<std::mutex> lock(mu_);
  const auto evaluators = pool_.evaluators;
  const bool over = finished_at_ >= 0.0;
  lock.unlock();
  json a = json::array();
  for (auto& e : evaluators) {
    json o = {{"name", e.name}, {"node", e.node}, {"remote", e.node != "local"},
              {"busy", e.busy && !over}};
    if (e.busy && !over) {
      o["id"] = e.id;
      o["attempt"] = e.attempt;
      o["x"] = named_point(objective_.names, e.x, objective_.choices);
      o["running_s"] = std::max(0.0, now - e.since);
    }
    a.push_back(std::move(o));
  }
  return json{{"evaluators", a}};
}

json live_view::observations_json(std::size_t since, std::size_t limit) const {
  std::unique_lock<std::mutex> lock(mu_);
  const std::size_t n = records_.size();
  const std::size_t from = std::min(since, n);
  const std::size_t to = from + std::min(limit, n - from);
  std::vector<evaluation_record> rows(records_.begin() + static_cast<std::ptrdiff_t>(from),
                                      records_.begin() + static_cast<std::ptrdiff_t>(to));
  lock.unlock();
  json a = json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    json o = to_json(rows[i], objective_.choices);
    o["seq"] = from + i;
    o["x"] = named_point(objective_.names, rows[i].x, objective_.choices);
    a.push_back(std::move(o));
  }
  return json{{"since", from}, {"next", to}, {"total", n}, {"observations", a}};
}

std::string live_view::plot_svg() const {
  std::unique_lock<std::mutex> lock(mu_);
  const std::size_t key = records_.size() * 2 + (recommended_.found ? 1 : 0);
  if (plot_count_ == key)
    return plot_;
  const auto recs = records_;
  const auto rec = recommended_;
  lock.unlock();
  const auto& obj = objective_;
  const test_function* contour = obj.builtin() && obj.names.size() == 2 ? obj.builtin()
                                                                        : nullptr;
  std::string svg = make_plot_svg(recs, obj.names, contour, known_answer_of(obj.name, obj.minimum), title_,
                                  rec.found ? rec.x : std::vector<double>{}, obj.choices);
  lock.lock();
  plot_ = svg;          // keyed by what it was drawn from: a newer state
  plot_count_ = key;    // redraws on the next request
  return svg;
}

std::optional<double> eta_seconds(double elapsed, std::size_t ok, std::size_t ok_at_start,
                                  std::size_t total) {
  const std::size_t here = ok > ok_at_start ? ok - ok_at_start : 0;
  if (here == 0)
    return std::nullopt;
  const std::size_t left = total > ok ? total - ok : 0;
  return elapsed / double(here) * double(left);
}

bool equal_constant_time(const std::string& a, const std::string& b) {
  // Every byte of the longer string is visited whatever the contents.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

} // namespace asyncbo::io
