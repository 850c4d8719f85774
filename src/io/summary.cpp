// SPDX-License-Identifier: Apache-2.0
// summary.json.
#include "io/summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

namespace asyncbo::io {

const char* to_string(run_status s) {
  switch (s) {
    case run_status::completed: return "completed";
    case run_status::failed: return "failed";
    case run_status::interrupted: return "interrupted";
    case run_status::refused: return "refused";
  }
  return "unknown";
}

int exit_code(run_status s) {
  switch (s) {
    case run_status::completed: return 0;
    case run_status::failed: return 1;
    case run_status::refused: return 2;
    case run_status::interrupted: return 130;
  }
  return 1;
}

stat_summary summarize(std::vector<double> v) {
  stat_summary s;
  s.count = v.size();
  if (v.empty())
    return s;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  s.max = v.back();
  double sum = 0;
  for (double x : v)
    sum += x;
  s.mean = sum / double(n);
  return s;
}

best_result best_of(const std::vector<evaluation_record>& recs) {
  best_result b;
  for (auto& r : recs)
    if (r.ok() && (!b.found || r.value < b.value)) {
      b.found = true;
      b.value = r.value;
      b.x = r.x;
      b.id = r.id;
    }
  return b;
}

nlohmann::json make_summary(const std::vector<evaluation_record>& recs,
                            const std::vector<std::string>& names,
                            const known_answer& answer, const run_stats& st,
                            const nlohmann::json& config, const recommendation& rec, const point_choices& choices) {
  using json = nlohmann::json;
  std::size_t ok = 0, ok_initial = 0, failed_attempts = 0, lost = 0;
  double busy = 0.0, busy_steady = 0.0;
  for (auto& r : recs) {
    if (r.ok())
      (r.initial ? ok_initial : ok) += 1;
    else if (r.status == attempt_status::lost)
      ++lost;
    else
      ++failed_attempts;
    if (!r.initial && r.status != attempt_status::lost) {
      busy += std::max(0.0, r.end_time - std::max(r.start_time, st.main_start_s));
      busy_steady += std::max(0.0, std::min(r.end_time, st.last_dispatch_s)
                                     - std::max(r.start_time, st.main_start_s));
    }
  }
  // Points whose every attempt failed (a retried point that finally succeeded
  // is not failed).
  std::map<std::uint64_t, bool> any_ok;
  for (auto& r : recs)
    if (r.status != attempt_status::lost)
      any_ok[r.id] = any_ok[r.id] || r.ok();
  std::size_t failed_points = 0;
  for (auto& [id, good] : any_ok)
    failed_points += good ? 0 : 1;
  auto b = best_of(recs);
  json best_point = nullptr;
  if (b.found) {
    best_point = json::object();
    best_point = named_point(names, b.x, choices);
  }
  auto stat = [](const std::vector<double>& v) {
    auto s = summarize(v);
    return json{{"median", s.median}, {"max", s.max}, {"mean", s.mean}, {"count", s.count}};
  };
  json j;
  j["status"] = to_string(st.status);
  if (!st.message.empty())
    j["message"] = st.message;
  j["best_value"] = b.found ? json(b.value) : json(nullptr);
  j["best_point"] = best_point;
  j["best_id"] = b.found ? json(b.id) : json(nullptr);
  auto point_of = [&](const std::vector<double>& x) { return named_point(names, x, choices); };
  if (rec.found) {
    j["recommended"] = {{"point", point_of(rec.x)},
                        {"mean", rec.mean},
                        {"sd", rec.sd},
                        {"value", rec.observed}};
    if (answer.truth)
      j["recommended"]["true_value"] = answer.truth(rec.x);
    if (rec.noise_variance == rec.noise_variance)
      j["model_noise_variance"] = rec.noise_variance;
    j["failures_learned"] = rec.failures;
  } else {
    j["recommended"] = nullptr;
  }
  const bool scored = b.found && answer.minimum;
  const double best_regret = scored ? answer.regret(b.x, b.value) : 0.0;
  j["regret"] = !scored     ? json(nullptr)
                : rec.found ? json(answer.regret(rec.x, rec.observed))
                            : json(best_regret);
  j["best_regret"] = scored ? json(best_regret) : json(nullptr);
  j["minimum"] = answer.minimum ? json(*answer.minimum) : json(nullptr);
  j["observations"] = ok;
  j["initial_observations"] = ok_initial;
  j["failed"] = failed_points;
  j["failed_attempts"] = failed_attempts;
  j["retried"] = st.retried;
  j["requeued"] = st.requeued;
  j["lost_attempts"] = lost;
  j["attempts"] = recs.size();
  j["resumed"] = st.resumed;
  j["rejected"] = st.rejected;
  j["nodes"] = st.nodes;
  j["wall_time_s"] = st.wall_time_s;
  j["clock"] = st.virtual_clock ? "virtual" : "real";
  j["main_phase_s"] = st.wall_time_s - st.main_start_s;
  j["busy_fraction"] = st.capacity_seconds > 0 ? json(busy / st.capacity_seconds)
                                               : json(nullptr);
  j["busy_fraction_steady"] = st.capacity_seconds_steady > 0
                                 ? json(busy_steady / st.capacity_seconds_steady)
                                 : json(nullptr);
  j["ask_ms"] = stat(st.ask_ms);
  j["dispatch_ms"] = stat(st.dispatch_ms);
  j["transport_ms"] = stat(st.transport_ms);
  j["fallback"] = {{"enabled", st.fallback},
                   {"requests", st.fallback_requests},
                   {"points", st.fallback_points},
                   {"empty", st.fallback_empty},
                   {"ms", stat(st.fallback_ms)}};
  j["config"] = config;
  return j;
}

namespace {

std::string num(const nlohmann::json& v, const char* fmt = "%.6g") {
  if (!v.is_number())
    return "-";
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v.get<double>());
  return buf;
}

std::string point_text(const nlohmann::json& p) {
  if (!p.is_object())
    return "-";
  std::string out;
  for (auto& [k, v] : p.items())
    out += (out.empty() ? "" : ", ") + k + "=" + (v.is_string() ? v.get<std::string>() : num(v));
  return out;
}

} // namespace

std::string closing_report(const nlohmann::json& s, const std::string& dir) {
  auto get = [&](const char* k) { return s.contains(k) ? s[k] : nlohmann::json(); };
  std::string out = "asyncbo: " + get("status").get<std::string>();
  if (s.contains("message"))
    out += ": " + s["message"].get<std::string>();
  out += "\n";
  const auto rec = get("recommended");
  if (rec.is_object())
    out += "  recommended  " + num(rec["value"]) + " (posterior mean " + num(rec["mean"])
           + " +- " + num(rec["sd"], "%.2g") + ") at " + point_text(rec["point"]) + "\n";
  out += "  best         " + num(get("best_value")) + " at " + point_text(get("best_point"))
         + "\n";
  if (get("regret").is_number() && rec.is_object())
    out += "  regret       " + num(get("regret"), "%.3g") + " (recommended), "
           + num(get("best_regret"), "%.3g") + " (best observed)\n";
  else if (get("regret").is_number())
    out += "  regret       " + num(get("regret"), "%.3g") + " (best observed)\n";
  out += "  evaluations  " + num(get("observations"), "%.0f") + " ok + "
         + num(get("initial_observations"), "%.0f") + " initial, "
         + num(get("failed"), "%.0f") + " points failed, " + num(get("retried"), "%.0f")
         + " attempts retried, " + num(get("lost_attempts"), "%.0f") + " lost\n";
  // Fallback points change what the run measured (Thompson draws instead of
  // the acquisition's points): say how many, where nobody looks for them.
  const auto fb = get("fallback");
  if (fb.is_object() && fb.value("points", 0) > 0)
    out += "  fallback     " + num(fb["points"], "%.0f")
           + (fb.value("points", 0) == 1 ? " point was a Thompson draw" : " points were Thompson draws")
           + " made while an ask ran (experiment.fallback)\n";
  out += "  time         " + num(get("wall_time_s"), "%.1f") + " s wall, busy "
         + num(get("busy_fraction"), "%.3f") + ", median ask "
         + num(get("ask_ms").is_object() && get("ask_ms").value("count", 0) > 0
                 ? get("ask_ms")["median"]
                 : nlohmann::json(),
               "%.1f")
         + " ms\n";
  out += "  outputs      " + dir + "/ (observations.csv, events.jsonl, summary.json"
         + (std::string(s.contains("config") && s["config"].contains("output")
                            && s["config"]["output"].value("plot", true)
                          ? ", plot.svg"
                          : ""))
         + ")";
  return out;
}

void write_file_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f)
      throw std::runtime_error("cannot write " + tmp);
    f << text;
    if (!f.flush())
      throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
}


} // namespace asyncbo::io
