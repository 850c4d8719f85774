// SPDX-License-Identifier: Apache-2.0
// What a sweep reports.
#include "app/sweep_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "io/event_log.hpp"
#include "core/stats.hpp"
#include "io/plot.hpp"
#include "io/run_figures.hpp"
#include "io/summary.hpp"

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

double rounded_time(double t) {
  return std::round(t * 1e6) / 1e6;
}

} // namespace

sweep_row read_sweep_row(const std::string& run_dir, const sweep_options& o) {
  sweep_row f;
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
  auto optional_number = [&](const char* k) {
    return s.contains(k) && s[k].is_number() ? std::optional<double>(s[k].get<double>())
                                             : std::nullopt;
  };
  f.status = s.value("status", std::string("unknown"));
  f.wall_time_s = number("wall_time_s");
  f.busy_fraction = number("busy_fraction");
  if (s.contains("ask_ms") && s["ask_ms"].is_object() && s["ask_ms"].contains("median"))
    f.median_ask_ms = s["ask_ms"]["median"].get<double>();
  f.best_value = optional_number("best_value");
  f.regret = optional_number("regret");
  f.best_regret = optional_number("best_regret");
  // The curve from the records, with the figures' one definition.
  const auto answer = io::recorded_answer(s.value("config", json::object()),
                                          s.value("minimum", json()));
  f.has_minimum = answer.minimum.has_value();
  const auto log = io::read_event_log(run_dir + "/events.jsonl");
  const auto steps = io::best_so_far(log.records, answer);
  f.evaluations = steps.empty() ? 0 : steps.back().points;
  for (const auto& step : steps) {
    if (step.ok == 0)
      continue;
    const double y = f.has_minimum ? step.best_regret : step.best_value;
    f.by_count.emplace_back(double(step.points), y);
    f.by_time.emplace_back(rounded_time(step.time), y);
  }
  for (double n : o.at_evaluations) {
    std::optional<double> v;
    for (auto& [k, y] : f.by_count)
      if (k <= n)
        v = y;
    f.at_evaluations.push_back(n <= double(f.evaluations) ? v : std::nullopt);
  }
  for (double t : o.at_times) {
    std::optional<double> v;
    for (auto& [end, y] : f.by_time)
      if (end <= t)
        v = y;
    f.at_times.push_back(v);
  }
  if (o.target_regret && f.has_minimum)
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
                      const std::vector<std::optional<sweep_row>>& figures) {
  std::string out = "run,combination,seed";
  for (auto& a : o.axes)
    out += "," + a.key;
  out += ",status,evaluations,best_value,regret,best_regret,wall_time_s,busy_fraction,"
         "median_ask_ms";
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
      out += ",pending,,,,,,,";
      for (std::size_t k = 0; k < o.at_evaluations.size() + o.at_times.size(); ++k)
        out += ",";
      if (o.target_regret)
        out += ",";
      out += "\n";
      continue;
    }
    out += "," + f->status + "," + std::to_string(f->evaluations) + ","
           + opt_num(f->best_value) + "," + opt_num(f->regret) + ","
           + opt_num(f->best_regret) + ","
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
                            const std::vector<std::optional<sweep_row>>& figures,
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
        + what
        + (regret ? " (at N evaluations and at T s: the true regret of the best point "
                    "observed by then; final: the true regret of the run's "
                    "recommendation, summary.json's regret)"
                  : "")
        + ". Evaluations count finished points (failed ones too), initial design "
          "included; times are the runs' clock (simulated on the virtual clock).\n\n";
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
  md += " final " + what + (regret ? " (recommended)" : "") + " | wall time (s) | busy |\n" + rule
        + " --- | --- | --- |\n";
  for (std::size_t c = 0; c < plan.combinations.size(); ++c) {
    const auto& comb = plan.combinations[c];
    if (!comb.skipped.empty())
      continue;
    std::vector<const sweep_row*> fs;
    for (std::size_t i = 0; i < plan.runs.size(); ++i)
      if (plan.runs[i].combination == c && i < figures.size() && figures[i])
        fs.push_back(&*figures[i]);
    md += "| " + comb.label + " | " + std::to_string(fs.size()) + " |";
    // The k-th figure of `column` over the runs that have it.
    auto cell = [&](std::vector<std::optional<double>> sweep_row::*column, std::size_t k) {
      std::vector<double> v;
      for (auto* f : fs)
        if ((f->*column)[k])
          v.push_back(*(f->*column)[k]);
      return " " + band_text(v) + " |";
    };
    for (std::size_t k = 0; k < o.at_evaluations.size(); ++k)
      md += cell(&sweep_row::at_evaluations, k);
    for (std::size_t k = 0; k < o.at_times.size(); ++k)
      md += cell(&sweep_row::at_times, k);
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
      // The curve's last value at or before g; by count, only up to the
      // run's last point (a shorter run has no value beyond it).
      std::optional<double> y;
      if (!by_count || (!c->empty() && g <= c->back().first))
        for (auto& [x, yy] : *c)
          if (x <= g)
            y = yy;
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
                             const std::vector<std::optional<sweep_row>>& figures,
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

/// The figures of run `r` if it has finished (its summary.json exists).
std::optional<sweep_row> read_finished_row(const std::string& dir, const sweep_run& r,
                                      const sweep_options& o,
                                      const std::function<void(const std::string&)>& log) {
  const std::string rd = dir + "/runs/" + r.name;
  if (!fs::exists(rd + "/summary.json"))
    return std::nullopt;
  try {
    return read_sweep_row(rd, o);
  } catch (const std::exception& e) {
    log(std::string("warning: ") + e.what());
    return std::nullopt;
  }
}

/// The figures of every run that has finished.
std::vector<std::optional<sweep_row>> read_sweep_rows(const std::string& dir, const sweep_plan& plan,
                                                const sweep_options& o,
                                                const std::function<void(const std::string&)>& log) {
  std::vector<std::optional<sweep_row>> figs(plan.runs.size());
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    figs[i] = read_finished_row(dir, plan.runs[i], o, log);
  return figs;
}

void write_sweep_outputs(const std::string& dir, const sweep_plan& plan, const sweep_options& o,
                   const std::vector<std::optional<sweep_row>>& figs, const std::string& title,
                   bool report) {
  io::write_file_atomic(dir + "/sweep.csv", sweep_csv(plan, o, figs));
  if (!report)
    return;
  io::write_file_atomic(dir + "/report.md", sweep_report_md(plan, o, figs, title));
  io::write_file_atomic(dir + "/report.svg", sweep_report_svg(plan, figs, title));
}

} // namespace asyncbo::app
