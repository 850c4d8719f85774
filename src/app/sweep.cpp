// SPDX-License-Identifier: Apache-2.0
// Sweeps: plan, figures, report, and the process runner.
#include "app/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/resume.hpp"
#include "app/signals.hpp"
#include "io/plot.hpp"
#include "io/settings.hpp"
#include "io/summary.hpp"

extern char** environ;

namespace asyncbo::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

std::string num(double v, const char* fmt = "%.4g") {
  if (!std::isfinite(v))
    return v > 0 ? "inf" : "";
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, v);
  return buf;
}

/// A value as it reads in a label: strings without their quotes.
std::string show_value(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

bool known_key(const std::string& full) {
  for (auto& k : io::schema())
    if (k.full() == full)
      return true;
  return false;
}

/// A positive number or a list of them (sweep.at-evaluations, sweep.at-times).
bool read_points(const json& v, const std::string& key, std::vector<double>& out,
                 std::vector<std::string>& errors) {
  std::vector<json> items = v.is_array() ? std::vector<json>(v.begin(), v.end())
                                         : std::vector<json>{v};
  out.clear();
  for (auto& x : items) {
    if (!x.is_number() || !(x.get<double>() > 0)) {
      errors.push_back("sweep." + key + ": must be a positive number or a list of them, got "
                       + v.dump());
      return false;
    }
    out.push_back(x.get<double>());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

void add_axis(const std::string& key, const json& v, sweep_options& out,
              std::vector<std::string>& errors) {
  const std::string where = "sweep." + key;
  if (key == "experiment.seed") {
    errors.push_back(where + ": the seeds of a sweep are sweep.seeds (runs use "
                             "experiment.seed, +1, ...)");
    return;
  }
  if (key.rfind("output.", 0) == 0) {
    errors.push_back(where + ": output keys cannot be swept (the sweep chooses each "
                             "run's folder)");
    return;
  }
  if (!known_key(key)) {
    errors.push_back(where + ": " + key + " is not a configuration key (asyncbo --help)");
    return;
  }
  sweep_axis a;
  a.key = key;
  if (v.is_array())
    a.values.assign(v.begin(), v.end());
  else
    a.values.push_back(v);
  if (a.values.empty()) {
    errors.push_back(where + ": needs at least one value");
    return;
  }
  out.axes.push_back(std::move(a));
}

double rounded_time(double t) {
  return std::round(t * 1e6) / 1e6;
}

} // namespace

bool parse_sweep(json& raw, sweep_options& out, std::vector<std::string>& errors) {
  const std::size_t errors_before = errors.size();
  json sw = json::object();
  if (raw.contains("sweep")) {
    if (!raw["sweep"].is_object())
      errors.push_back("[sweep]: must be a section");
    else
      sw = raw["sweep"];
    raw.erase("sweep");
  }
  // Sub-sections may also arrive flat ("sweep.acquisition" = {...}).
  for (auto it = raw.begin(); it != raw.end();) {
    if (it.key().rfind("sweep.", 0) == 0) {
      sw[it.key().substr(6)] = it.value();
      it = raw.erase(it);
    } else {
      ++it;
    }
  }
  out = sweep_options{};
  for (auto& [k, v] : sw.items()) {
    if (v.is_object()) {
      for (auto& [k2, v2] : v.items())
        add_axis(k + "." + k2, v2, out, errors);
    } else if (k.find('.') != std::string::npos) {
      add_axis(k, v, out, errors);
    } else if (k == "seeds") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1)
        errors.push_back("sweep.seeds: must be an integer >= 1, got " + v.dump());
      else
        out.seeds = v.get<std::uint64_t>();
    } else if (k == "jobs") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
        errors.push_back("sweep.jobs: must be an integer >= 0 (0 = all cores), got "
                         + v.dump());
      else
        out.jobs = v.get<std::int64_t>();
    } else if (k == "at-evaluations") {
      read_points(v, k, out.at_evaluations, errors);
    } else if (k == "at-times") {
      read_points(v, k, out.at_times, errors);
    } else if (k == "mode") {
      if (v != "cross" && v != "zip")
        errors.push_back("sweep.mode: must be one of cross, zip, got " + v.dump());
      else
        out.zip = v == "zip";
    } else if (k == "target-regret") {
      if (!v.is_number() || !(v.get<double>() > 0))
        errors.push_back("sweep.target-regret: must be a number > 0, got " + v.dump());
      else
        out.target_regret = v.get<double>();
    } else {
      errors.push_back("sweep." + k + ": unknown key (sweep options: seeds, jobs, "
                       "at-evaluations, at-times, target-regret; swept keys are "
                       "sweep.SECTION.KEY)");
    }
  }
  if (out.zip)
    for (auto& a : out.axes)
      if (a.values.size() != out.axes.front().values.size())
        errors.push_back("sweep." + a.key + ": sweep.mode = \"zip\" needs lists of one "
                         "length; " + out.axes.front().key + " has "
                         + std::to_string(out.axes.front().values.size()) + " values, "
                         + a.key + " " + std::to_string(a.values.size()));
  return errors.size() == errors_before;
}

sweep_plan expand_sweep(const json& raw, const sweep_options& o) {
  sweep_plan plan;
  std::uint64_t base_seed = 0;
  if (raw.contains("experiment") && raw["experiment"].contains("seed")
      && raw["experiment"]["seed"].is_number_unsigned())
    base_seed = raw["experiment"]["seed"].get<std::uint64_t>();
  // Short labels ("rule") unless two axes share the short name.
  std::map<std::string, int> short_count;
  for (auto& a : o.axes)
    ++short_count[a.key.substr(a.key.find('.') + 1)];
  auto label_of = [&](const std::string& key) {
    const std::string s = key.substr(key.find('.') + 1);
    return short_count[s] > 1 ? key : s;
  };
  std::vector<std::size_t> index(o.axes.size(), 0);
  for (;;) {
    sweep_combination c;
    json cfg = raw;
    for (std::size_t a = 0; a < o.axes.size(); ++a) {
      const auto& axis = o.axes[a];
      const json& v = axis.values[index[a]];
      c.values.emplace_back(axis.key, v);
      const auto dot = axis.key.find('.');
      cfg[axis.key.substr(0, dot)][axis.key.substr(dot + 1)] = v;
      c.label += (c.label.empty() ? "" : ", ") + label_of(axis.key) + "=" + show_value(v);
    }
    if (c.label.empty())
      c.label = "base";
    io::settings s;
    std::vector<std::string> errs;
    if (!io::parse_settings(cfg, s, errs)) {
      for (auto& e : errs)
        c.skipped += (c.skipped.empty() ? "" : "; ") + e;
    }
    const std::size_t ci = plan.combinations.size();
    if (c.skipped.empty())
      for (std::uint64_t k = 0; k < o.seeds; ++k) {
        sweep_run r;
        char name[48];
        std::snprintf(name, sizeof(name), "c%02zu-s%llu", ci + 1,
                      static_cast<unsigned long long>(base_seed + k));
        r.name = name;
        r.combination = ci;
        r.seed = base_seed + k;
        for (auto& [key, v] : c.values)
          r.overrides.push_back("--" + key + "=" + v.dump());
        r.overrides.push_back("--experiment.seed=" + std::to_string(r.seed));
        plan.runs.push_back(std::move(r));
      }
    plan.combinations.push_back(std::move(c));
    // Next combination: the last axis fastest; zip moves all together.
    bool more = false;
    if (o.zip) {
      for (auto& i : index)
        ++i;
      if (!index.empty() && index[0] < o.axes[0].values.size())
        continue;
      break;
    }
    for (std::size_t a = o.axes.size(); a-- > 0;) {
      if (++index[a] < o.axes[a].values.size()) {
        more = true;
        break;
      }
      index[a] = 0;
    }
    if (!more)
      break;
  }
  return plan;
}

double quantile(std::vector<double> v, double p) {
  if (v.empty())
    return nan_v;
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1.0) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  if (std::isinf(v[lo]) || std::isinf(v[hi]))
    return h - double(lo) < 1e-12 ? v[lo] : v[hi];
  return v[lo] + (h - double(lo)) * (v[hi] - v[lo]);
}

run_figures read_run_figures(const std::string& run_dir, const sweep_options& o) {
  run_figures f;
  const std::string summary_path = run_dir + "/summary.json";
  std::ifstream in(summary_path);
  if (!in)
    throw std::runtime_error(summary_path + ": cannot read");
  json s;
  try {
    s = json::parse(in);
  } catch (const std::exception& e) {
    throw std::runtime_error(summary_path + ": " + e.what());
  }
  auto number = [&](const char* k) {
    return s.contains(k) && s[k].is_number() ? s[k].get<double>() : nan_v;
  };
  f.status = s.value("status", std::string("unknown"));
  f.wall_time_s = number("wall_time_s");
  f.busy_fraction = number("busy_fraction");
  if (s.contains("ask_ms") && s["ask_ms"].is_object() && s["ask_ms"].contains("median"))
    f.median_ask_ms = s["ask_ms"]["median"].get<double>();
  std::optional<double> minimum;
  if (s.contains("minimum") && s["minimum"].is_number())
    minimum = s["minimum"].get<double>();
  f.has_minimum = minimum.has_value();
  const auto log = read_event_log(run_dir + "/events.jsonl");
  std::vector<io::evaluation_record> ok;
  for (auto& r : log.records)
    if (r.ok())
      ok.push_back(r);
  std::stable_sort(ok.begin(), ok.end(),
                   [](auto& a, auto& b) { return a.end_time < b.end_time; });
  f.evaluations = ok.size();
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < ok.size(); ++i) {
    best = std::min(best, ok[i].value);
    const double y = minimum ? best - *minimum : best;
    f.by_count.emplace_back(double(i + 1), y);
    f.by_time.emplace_back(rounded_time(ok[i].end_time), y);
  }
  if (!ok.empty()) {
    f.best_value = best;
    if (minimum)
      f.regret = best - *minimum;
  }
  for (double n : o.at_evaluations) {
    const auto k = static_cast<std::size_t>(n);
    f.at_evaluations.push_back(k >= 1 && k <= f.by_count.size()
                                 ? std::optional<double>(f.by_count[k - 1].second)
                                 : std::nullopt);
  }
  for (double t : o.at_times) {
    std::optional<double> v;
    for (auto& [end, y] : f.by_time)
      if (end <= t)
        v = y;
    f.at_times.push_back(v);
  }
  if (o.target_regret && minimum)
    for (auto& [end, y] : f.by_time)
      if (y <= *o.target_regret) {
        f.time_to_target = end;
        break;
      }
  return f;
}

namespace {

std::string opt_num(const std::optional<double>& v) {
  return v ? num(*v, "%.9g") : "";
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos)
    return s;
  std::string o = "\"";
  for (char c : s)
    o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string label_at_eval(double n) {
  return num(n, "%.0f");
}

std::string label_at_time(double t) {
  return num(t, "%g");
}

/// median [q1, q3] of the values present; "n/a" if none.
std::string band_text(const std::vector<double>& v) {
  if (v.empty())
    return "n/a";
  return num(quantile(v, 0.5)) + " [" + num(quantile(v, 0.25)) + ", "
         + num(quantile(v, 0.75)) + "]";
}

} // namespace

std::string sweep_csv(const sweep_plan& plan, const sweep_options& o,
                      const std::vector<std::optional<run_figures>>& figures) {
  std::string out = "run,combination,seed";
  for (auto& a : o.axes)
    out += "," + a.key;
  out += ",status,evaluations,best_value,regret,wall_time_s,busy_fraction,median_ask_ms";
  for (double n : o.at_evaluations)
    out += ",at_evaluations_" + label_at_eval(n);
  for (double t : o.at_times)
    out += ",at_time_" + label_at_time(t);
  if (o.target_regret)
    out += ",time_to_target";
  out += "\n";
  for (std::size_t i = 0; i < plan.runs.size(); ++i) {
    const auto& r = plan.runs[i];
    const auto& c = plan.combinations[r.combination];
    out += r.name + "," + csv_field(c.label) + "," + std::to_string(r.seed);
    for (auto& [key, v] : c.values)
      out += "," + csv_field(show_value(v));
    const auto& f = i < figures.size() ? figures[i] : std::nullopt;
    if (!f) {
      out += ",pending,,,,,,";
      for (std::size_t k = 0; k < o.at_evaluations.size() + o.at_times.size(); ++k)
        out += ",";
      if (o.target_regret)
        out += ",";
      out += "\n";
      continue;
    }
    out += "," + f->status + "," + std::to_string(f->evaluations) + ","
           + opt_num(f->best_value) + "," + opt_num(f->regret) + ","
           + num(f->wall_time_s, "%.9g") + "," + num(f->busy_fraction, "%.9g") + ","
           + num(f->median_ask_ms, "%.9g");
    for (auto& v : f->at_evaluations)
      out += "," + opt_num(v);
    for (auto& v : f->at_times)
      out += "," + opt_num(v);
    if (o.target_regret)
      out += "," + (f->time_to_target ? num(*f->time_to_target, "%.9g") : std::string("inf"));
    out += "\n";
  }
  return out;
}

std::string sweep_report_md(const sweep_plan& plan, const sweep_options& o,
                            const std::vector<std::optional<run_figures>>& figures,
                            const std::string& title) {
  bool regret = false;
  std::size_t finished = 0;
  for (auto& f : figures)
    if (f) {
      ++finished;
      regret = regret || f->has_minimum;
    }
  const std::string what = regret ? "regret" : "best value";
  std::string md = "# " + title + "\n\n";
  md += std::to_string(finished) + " of " + std::to_string(plan.runs.size())
        + " runs finished; " + std::to_string(o.seeds) + " seeds per combination. "
        + "Each cell: median [first quartile, third quartile] over the seeds of the "
        + what + (regret ? " (best observed value minus the known minimum)" : "")
        + ". Evaluations count successful ones, initial design included; times are "
          "the runs' clock (simulated on the virtual clock).\n\n";
  md += "| combination | runs |";
  std::string rule = "| --- | --- |";
  for (double n : o.at_evaluations) {
    md += " " + what + " at " + label_at_eval(n) + " evaluations |";
    rule += " --- |";
  }
  for (double t : o.at_times) {
    md += " " + what + " at " + label_at_time(t) + " s |";
    rule += " --- |";
  }
  if (o.target_regret) {
    md += " time to regret " + num(*o.target_regret, "%g") + " (s) | reached |";
    rule += " --- | --- |";
  }
  md += " final " + what + " | wall time (s) | busy |\n" + rule + " --- | --- | --- |\n";
  for (std::size_t c = 0; c < plan.combinations.size(); ++c) {
    const auto& comb = plan.combinations[c];
    if (!comb.skipped.empty())
      continue;
    std::vector<const run_figures*> fs;
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
      if (plan.runs[i].combination == c && i < figures.size() && figures[i])
        fs.push_back(&*figures[i]);
    md += "| " + comb.label + " | " + std::to_string(fs.size()) + " |";
    // The k-th figure of `column` over the runs that have it.
    auto cell = [&](std::vector<std::optional<double>> run_figures::*column, std::size_t k) {
      std::vector<double> v;
      for (auto* f : fs)
        if ((f->*column)[k])
          v.push_back(*(f->*column)[k]);
      return " " + band_text(v) + " |";
    };
    for (std::size_t k = 0; k < o.at_evaluations.size(); ++k)
      md += cell(&run_figures::at_evaluations, k);
    for (std::size_t k = 0; k < o.at_times.size(); ++k)
      md += cell(&run_figures::at_times, k);
    if (o.target_regret) {
      std::vector<double> v;
      std::size_t reached = 0;
      for (auto* f : fs) {
        v.push_back(f->time_to_target.value_or(std::numeric_limits<double>::infinity()));
        reached += f->time_to_target ? 1 : 0;
      }
      md += " " + band_text(v) + " | " + std::to_string(reached) + "/"
            + std::to_string(fs.size()) + " |";
    }
    std::vector<double> fin, wall, busy;
    for (auto* f : fs) {
      if (f->regret)
        fin.push_back(*f->regret);
      else if (f->best_value)
        fin.push_back(*f->best_value);
      wall.push_back(f->wall_time_s);
      busy.push_back(f->busy_fraction);
    }
    md += " " + band_text(fin) + " | " + band_text(wall) + " | "
          + (busy.empty() ? std::string("n/a") : num(quantile(busy, 0.5), "%.3f")) + " |\n";
  }
  bool any_skipped = false;
  for (auto& c : plan.combinations)
    if (!c.skipped.empty()) {
      if (!any_skipped)
        md += "\nSkipped combinations:\n\n";
      any_skipped = true;
      md += "- " + c.label + ": " + c.skipped + "\n";
    }
  md += "\n![median " + what + " with quartile bands](report.svg)\n";
  return md;
}

namespace {

/// Median and quartiles over the runs of one combination on a grid. A grid
/// point counts while at least half of the runs have a value there.
io::curve_band band_on_grid(const std::string& label,
                            const std::vector<const std::vector<std::pair<double, double>>*>& cs,
                            const std::vector<double>& grid, bool by_count, bool log_y) {
  io::curve_band b;
  b.label = label;
  for (double g : grid) {
    std::vector<double> v;
    for (auto* c : cs) {
      std::optional<double> y;
      if (by_count) {
        const auto k = static_cast<std::size_t>(g);
        if (k >= 1 && k <= c->size())
          y = (*c)[k - 1].second;
      } else {
        for (auto& [x, yy] : *c)
          if (x <= g)
            y = yy;
      }
      if (y)
        v.push_back(log_y ? std::log10(std::max(*y, 1e-12)) : *y);
    }
    if (v.empty() || 2 * v.size() < cs.size())
      continue;
    b.x.push_back(g);
    b.median.push_back(quantile(v, 0.5));
    b.q1.push_back(quantile(v, 0.25));
    b.q3.push_back(quantile(v, 0.75));
  }
  return b;
}

} // namespace

std::string sweep_report_svg(const sweep_plan& plan,
                             const std::vector<std::optional<run_figures>>& figures,
                             const std::string& title) {
  bool regret = false;
  double max_n = 0, max_t = 0;
  for (auto& f : figures)
    if (f) {
      regret = regret || f->has_minimum;
      max_n = std::max(max_n, double(f->by_count.size()));
      if (!f->by_time.empty())
        max_t = std::max(max_t, f->by_time.back().first);
    }
  std::vector<double> count_grid, time_grid;
  for (double n = 1; n <= max_n; ++n)
    count_grid.push_back(n);
  for (int i = 0; i <= 200; ++i)
    time_grid.push_back(max_t * i / 200.0);
  std::vector<io::curve_band> by_count, by_time;
  for (std::size_t c = 0; c < plan.combinations.size(); ++c) {
    if (!plan.combinations[c].skipped.empty())
      continue;
    std::vector<const std::vector<std::pair<double, double>>*> cc, ct;
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
      if (plan.runs[i].combination == c && i < figures.size() && figures[i]) {
        cc.push_back(&figures[i]->by_count);
        ct.push_back(&figures[i]->by_time);
      }
    if (cc.empty())
      continue;
    const auto& label = plan.combinations[c].label;
    by_count.push_back(band_on_grid(label, cc, count_grid, true, regret));
    by_time.push_back(band_on_grid(label, ct, time_grid, false, regret));
  }
  return io::make_band_svg(title, by_count, by_time, regret,
                           regret ? "regret of best (median, quartiles)"
                                  : "best value (median, quartiles)");
}

// -- the runner ------------------------------------------------------------------

namespace {

json plan_json(const sweep_plan& plan, const sweep_options& o, const std::string& title,
               const std::string& config) {
  json j;
  j["title"] = title;
  j["config"] = config;
  j["seeds"] = o.seeds;
  j["at_evaluations"] = o.at_evaluations;
  j["at_times"] = o.at_times;
  j["target_regret"] = o.target_regret ? json(*o.target_regret) : json(nullptr);
  j["mode"] = o.zip ? "zip" : "cross";
  j["axes"] = json::array();
  for (auto& a : o.axes)
    j["axes"].push_back({{"key", a.key}, {"values", a.values}});
  j["combinations"] = json::array();
  for (auto& c : plan.combinations) {
    json v = json::array();
    for (auto& [k, x] : c.values)
      v.push_back({k, x});
    j["combinations"].push_back({{"label", c.label}, {"values", v}, {"skipped", c.skipped}});
  }
  j["runs"] = json::array();
  for (auto& r : plan.runs)
    j["runs"].push_back({{"name", r.name},
                         {"combination", r.combination},
                         {"seed", r.seed},
                         {"overrides", r.overrides}});
  return j;
}

void plan_from_json(const json& j, sweep_plan& plan, sweep_options& o, std::string& title) {
  title = j.at("title").get<std::string>();
  o.seeds = j.at("seeds").get<std::uint64_t>();
  o.at_evaluations = j.at("at_evaluations").get<std::vector<double>>();
  o.at_times = j.at("at_times").get<std::vector<double>>();
  o.zip = j.value("mode", std::string("cross")) == "zip";
  if (!j.at("target_regret").is_null())
    o.target_regret = j["target_regret"].get<double>();
  for (auto& a : j.at("axes"))
    o.axes.push_back({a.at("key").get<std::string>(),
                      a.at("values").get<std::vector<json>>()});
  for (auto& c : j.at("combinations")) {
    sweep_combination sc;
    sc.label = c.at("label").get<std::string>();
    sc.skipped = c.at("skipped").get<std::string>();
    for (auto& kv : c.at("values"))
      sc.values.emplace_back(kv.at(0).get<std::string>(), kv.at(1));
    plan.combinations.push_back(std::move(sc));
  }
  for (auto& r : j.at("runs")) {
    sweep_run sr;
    sr.name = r.at("name").get<std::string>();
    sr.combination = r.at("combination").get<std::size_t>();
    sr.seed = r.at("seed").get<std::uint64_t>();
    sr.overrides = r.at("overrides").get<std::vector<std::string>>();
    plan.runs.push_back(std::move(sr));
  }
}

std::string clock_text(double s) {
  const long t = std::lround(std::max(0.0, s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", t / 60, t % 60);
  return buf;
}

/// Starts `argv` with stdout and stderr appended to `log`, signals unblocked.
pid_t start_process(const std::vector<std::string>& argv, const std::string& log,
                    std::string& why) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &defaults);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &fa, &at, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) {
    why = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

/// The figures of run `r` if it has finished (its summary.json exists).
std::optional<run_figures> figures_of(const std::string& dir, const sweep_run& r,
                                      const sweep_options& o,
                                      const std::function<void(const std::string&)>& log) {
  const std::string rd = dir + "/runs/" + r.name;
  if (!fs::exists(rd + "/summary.json"))
    return std::nullopt;
  try {
    return read_run_figures(rd, o);
  } catch (const std::exception& e) {
    log(std::string("warning: ") + e.what());
    return std::nullopt;
  }
}

/// The figures of every run that has finished.
std::vector<std::optional<run_figures>> collect(const std::string& dir, const sweep_plan& plan,
                                                const sweep_options& o,
                                                const std::function<void(const std::string&)>& log) {
  std::vector<std::optional<run_figures>> figs(plan.runs.size());
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    figs[i] = figures_of(dir, plan.runs[i], o, log);
  return figs;
}

void write_outputs(const std::string& dir, const sweep_plan& plan, const sweep_options& o,
                   const std::vector<std::optional<run_figures>>& figs, const std::string& title,
                   bool report) {
  io::write_file_atomic(dir + "/sweep.csv", sweep_csv(plan, o, figs));
  if (!report)
    return;
  io::write_file_atomic(dir + "/report.md", sweep_report_md(plan, o, figs, title));
  io::write_file_atomic(dir + "/report.svg", sweep_report_svg(plan, figs, title));
}

} // namespace

int run_sweep(const sweep_request& req, const sweep_plan& plan, const sweep_options& o) {
  const auto& log = req.log;
  std::error_code ec;
  fs::create_directories(req.dir + "/runs", ec);
  if (ec) {
    log("output.dir: cannot create " + req.dir + "/runs: " + ec.message());
    return 2;
  }
  // The same folder continues the same sweep, never another one.
  const json pj = plan_json(plan, o, req.title, req.config);
  const std::string plan_path = req.dir + "/sweep.json";
  if (fs::exists(plan_path)) {
    try {
      std::ifstream in(plan_path);
      const json old = json::parse(in);
      if (old.at("runs") != pj.at("runs")) {
        log("output.dir: " + req.dir + " holds a different sweep (its sweep.json plans "
            "other runs); choose another output.dir");
        return 2;
      }
    } catch (const std::exception& e) {
      log("output.dir: cannot read " + plan_path + ": " + e.what());
      return 2;
    }
  }
  io::write_file_atomic(plan_path, pj.dump(2) + "\n");
  for (auto& c : plan.combinations)
    if (!c.skipped.empty())
      log("sweep: skipping " + c.label + ": " + c.skipped);
  // What is left to do.
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    if (!fs::exists(req.dir + "/runs/" + plan.runs[i].name + "/summary.json"))
      todo.push_back(i);
  const std::size_t already = plan.runs.size() - todo.size();
  const std::size_t jobs = o.jobs > 0 ? static_cast<std::size_t>(o.jobs)
                                      : std::max(1u, std::thread::hardware_concurrency());
  log("sweep: " + std::to_string(plan.runs.size()) + " runs ("
      + std::to_string(plan.combinations.size()) + " combinations x "
      + std::to_string(o.seeds) + " seeds), " + std::to_string(already)
      + " already finished, " + std::to_string(jobs) + " at a time; writing to " + req.dir);

  signal_watch signals;
  std::map<pid_t, std::size_t> running;
  std::mutex mx;
  std::atomic<bool> interrupted{false};
  signals.on_signal([&](int) {
    interrupted = true;
    std::lock_guard<std::mutex> g(mx);
    for (auto& [pid, i] : running)
      ::kill(pid, SIGTERM);
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto figs = collect(req.dir, plan, o, log);   // the runs finished before
  std::size_t next = 0, done_now = 0, failed = 0, crashed = 0;
  auto last_line = t0 - std::chrono::hours(1);
  auto progress = [&](bool final) {
    // A terminal gets every change; a log a line every 5 s and the last one.
    if (!req.tty && !final && std::chrono::steady_clock::now() - last_line < std::chrono::seconds(5))
      return;
    last_line = std::chrono::steady_clock::now();
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::size_t left = todo.size() - done_now;
    std::string line = "sweep: " + std::to_string(already + done_now) + "/"
                       + std::to_string(plan.runs.size()) + " runs done ("
                       + std::to_string(running.size()) + " running), elapsed "
                       + clock_text(el);
    if (done_now > 0 && left > 0)
      line += ", ETA " + clock_text(el / double(done_now) * double(left));
    if (req.tty) {
      std::fprintf(stderr, "\r\033[Kasyncbo: %s%s", line.c_str(), final ? "\n" : "");
      std::fflush(stderr);
    } else {
      log(line);
    }
  };
  for (;;) {
    while (!interrupted && running.size() < jobs && next < todo.size()) {
      const std::size_t i = todo[next++];
      const auto& r = plan.runs[i];
      const std::string rd = req.dir + "/runs/" + r.name;
      fs::create_directories(rd, ec);
      std::vector<std::string> argv{req.binary, "run", req.config,
                                    "--acquisition.threads=1"};
      argv.insert(argv.end(), req.overrides.begin(), req.overrides.end());
      argv.insert(argv.end(), r.overrides.begin(), r.overrides.end());
      argv.push_back("--output.dir=" + rd);
      argv.push_back("--output.progress=\"never\"");
      if (fs::exists(rd + "/events.jsonl"))
        argv.push_back("--resume");
      std::string why;
      std::lock_guard<std::mutex> g(mx);
      const pid_t pid = start_process(argv, rd + "/run.log", why);
      if (pid < 0) {
        log("sweep: " + r.name + ": " + why);
        ++crashed;
        ++done_now;
        continue;
      }
      running[pid] = i;
    }
    if (running.empty())
      break;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    std::size_t i;
    {
      std::lock_guard<std::mutex> g(mx);
      auto it = running.find(pid);
      if (it == running.end())
        continue;
      i = it->second;
      running.erase(it);
    }
    const auto& r = plan.runs[i];
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0 && !(interrupted && code == 130)) {
      const bool has_summary = fs::exists(req.dir + "/runs/" + r.name + "/summary.json");
      if (has_summary)
        ++failed;
      else
        ++crashed;
      log("sweep: " + r.name + " (" + plan.combinations[r.combination].label + ", seed "
          + std::to_string(r.seed) + ") exited with " + std::to_string(code)
          + (has_summary ? "" : " without a summary; it runs again next time") + "; see "
          + req.dir + "/runs/" + r.name + "/run.log");
    }
    ++done_now;
    // Only this run's log is read again; the others' figures are kept.
    figs[i] = figures_of(req.dir, r, o, log);
    write_outputs(req.dir, plan, o, figs, req.title, false);
    progress(false);
  }
  progress(true);
  write_outputs(req.dir, plan, o, figs, req.title, true);
  log("sweep: " + req.dir + "/report.md, report.svg, sweep.csv");
  if (interrupted) {
    log("sweep: interrupted; `asyncbo sweep` with the same arguments continues it");
    return 130;
  }
  if (crashed > 0 || failed > 0) {
    log("sweep: " + std::to_string(failed) + " runs failed, " + std::to_string(crashed)
        + " ended without a summary");
    return 1;
  }
  return 0;
}

int rebuild_report(const std::string& dir, const std::function<void(const std::string&)>& log) {
  const std::string plan_path = dir + "/sweep.json";
  sweep_plan plan;
  sweep_options o;
  std::string title;
  try {
    std::ifstream in(plan_path);
    if (!in) {
      log(plan_path + ": cannot read (is " + dir + " the output.dir of a sweep?)");
      return 2;
    }
    plan_from_json(json::parse(in), plan, o, title);
  } catch (const std::exception& e) {
    log(plan_path + ": " + e.what());
    return 2;
  }
  const auto figs = collect(dir, plan, o, log);
  try {
    write_outputs(dir, plan, o, figs, title, true);
  } catch (const std::exception& e) {
    log(e.what());
    return 1;
  }
  std::size_t n = 0;
  for (auto& f : figs)
    n += f ? 1 : 0;
  log("report: " + std::to_string(n) + " of " + std::to_string(plan.runs.size())
      + " runs; wrote " + dir + "/report.md, report.svg, sweep.csv");
  return 0;
}

} // namespace asyncbo::app
