// SPDX-License-Identifier: Apache-2.0
// The SVG plotter: contours of 2-D objectives with the evaluated points, and
// convergence curves.
#include "io/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "io/summary.hpp"

namespace asyncbo::io {

// -- SVG ---------------------------------------------------------------------------

namespace {

struct svg {
  std::ostringstream os;
  svg(int w, int h) {
    os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\""
       << h << "\" viewBox=\"0 0 " << w << " " << h
       << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
       << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  }
  void line(double x1, double y1, double x2, double y2, const char* stroke,
            double width = 1.0) {
    os << "<line x1=\"" << x1 << "\" y1=\"" << y1 << "\" x2=\"" << x2 << "\" y2=\"" << y2
       << "\" stroke=\"" << stroke << "\" stroke-width=\"" << width << "\"/>\n";
  }
  void text(double x, double y, const std::string& t, const char* anchor = "middle",
            int size = 12) {
    os << "<text x=\"" << x << "\" y=\"" << y << "\" text-anchor=\"" << anchor
       << "\" font-size=\"" << size << "\">" << escape(t) << "</text>\n";
  }
  static std::string escape(const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == '<')
        o += "&lt;";
      else if (c == '>')
        o += "&gt;";
      else if (c == '&')
        o += "&amp;";
      else
        o += c;
    }
    return o;
  }
  std::string str() { return os.str() + "</svg>\n"; }
};

struct frame {
  double x0, y0, w, h;         // pixel box
  double xmin, xmax, ymin, ymax;
  double px(double x) const { return x0 + (x - xmin) / (xmax - xmin) * w; }
  double py(double y) const { return y0 + h - (y - ymin) / (ymax - ymin) * h; }
};

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", std::abs(v) < 1e-300 ? 0.0 : v);
  return buf;
}

void axes(svg& s, const frame& f, const std::string& xlabel, const std::string& ylabel,
          bool ylog) {
  s.os << "<rect x=\"" << f.x0 << "\" y=\"" << f.y0 << "\" width=\"" << f.w
       << "\" height=\"" << f.h << "\" fill=\"none\" stroke=\"black\"/>\n";
  const bool counts = xlabel == "evaluations";
  for (double xv : nice_ticks(f.xmin, f.xmax, 6, counts ? 1.0 : 0.0)) {
    double px = f.px(xv);
    s.line(px, f.y0 + f.h, px, f.y0 + f.h + 4, "black");
    s.text(px, f.y0 + f.h + 16, tick_label(xv));
  }
  for (double yv : nice_ticks(f.ymin, f.ymax, ylog ? 8 : 6, ylog ? 1.0 : 0.0)) {
    double py = f.py(yv);
    s.line(f.x0 - 4, py, f.x0, py, "black");
    if (ylog)
      s.line(f.x0, py, f.x0 + f.w, py, "#eeeeee");
    s.text(f.x0 - 6, py + 4, ylog ? "1e" + std::to_string(static_cast<int>(std::lround(yv)))
                                  : tick_label(yv), "end", 10);
  }
  s.text(f.x0 + f.w / 2, f.y0 + f.h + 32, xlabel);
  s.os << "<text x=\"" << f.x0 - 44 << "\" y=\"" << f.y0 + f.h / 2
       << "\" text-anchor=\"middle\" transform=\"rotate(-90 " << f.x0 - 44 << " "
       << f.y0 + f.h / 2 << ")\">" << svg::escape(ylabel) << "</text>\n";
}

/// Marching squares: line segments of the level set {f = level} on a grid
/// of values g (n x n, g[i][j] at x_i, y_j).
void contour(svg& s, const frame& f, const std::vector<std::vector<double>>& g,
             const std::vector<double>& xs, const std::vector<double>& ys, double level,
             const char* color) {
  const std::size_t n = xs.size();
  auto interp = [&](double x1, double y1, double v1, double x2, double y2, double v2,
                    double& x, double& y) {
    double t = (level - v1) / (v2 - v1);
    x = x1 + t * (x2 - x1);
    y = y1 + t * (y2 - y1);
  };
  s.os << "<path fill=\"none\" stroke=\"" << color << "\" stroke-width=\"0.8\" d=\"";
  for (std::size_t i = 0; i + 1 < n; ++i)
    for (std::size_t j = 0; j + 1 < n; ++j) {
      // corners: a (i,j), b (i+1,j), c (i+1,j+1), d (i,j+1)
      double va = g[i][j], vb = g[i + 1][j], vc = g[i + 1][j + 1], vd = g[i][j + 1];
      double pts[4][2];
      int k = 0;
      auto edge = [&](double x1, double y1, double v1, double x2, double y2, double v2) {
        if ((v1 < level) != (v2 < level) && k < 4) {
          interp(x1, y1, v1, x2, y2, v2, pts[k][0], pts[k][1]);
          ++k;
        }
      };
      edge(xs[i], ys[j], va, xs[i + 1], ys[j], vb);
      edge(xs[i + 1], ys[j], vb, xs[i + 1], ys[j + 1], vc);
      edge(xs[i + 1], ys[j + 1], vc, xs[i], ys[j + 1], vd);
      edge(xs[i], ys[j + 1], vd, xs[i], ys[j], va);
      for (int m = 0; m + 1 < k; m += 2)
        s.os << "M" << f.px(pts[m][0]) << " " << f.py(pts[m][1]) << "L"
             << f.px(pts[m + 1][0]) << " " << f.py(pts[m + 1][1]);
    }
  s.os << "\"/>\n";
}

void scatter_2d(svg& s, const frame& f, const std::vector<evaluation_record>& recs,
                const test_function* fn, const std::vector<std::string>& names,
                const std::vector<double>& recommended) {
  if (fn) {
    const std::size_t n = 80;
    std::vector<double> xs(n), ys(n);
    for (std::size_t i = 0; i < n; ++i) {
      xs[i] = f.xmin + (f.xmax - f.xmin) * i / double(n - 1);
      ys[i] = f.ymin + (f.ymax - f.ymin) * i / double(n - 1);
    }
    std::vector<std::vector<double>> g(n, std::vector<double>(n));
    std::vector<double> all;
    vec p(2);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        p << xs[i], ys[j];
        g[i][j] = (*fn)(p);
        all.push_back(g[i][j]);
      }
    std::sort(all.begin(), all.end());
    // Levels at quantiles of the grid values: dense near the minimum.
    const char* colors[] = {"#08306b", "#2171b5", "#4292c6", "#6baed6", "#9ecae1",
                            "#c6dbef", "#dadada", "#c8c8c8", "#b4b4b4", "#a0a0a0",
                            "#8c8c8c", "#787878"};
    const double qs[] = {0.01, 0.03, 0.06, 0.1, 0.16, 0.24, 0.33, 0.43, 0.55, 0.68, 0.8, 0.92};
    for (int l = 0; l < 12; ++l)
      contour(s, f, g, xs, ys, all[std::size_t(qs[l] * (all.size() - 1))], colors[l]);
  }
  axes(s, f, names.size() > 0 ? names[0] : "x0", names.size() > 1 ? names[1] : "x1",
       false);
  auto b = best_of(recs);
  for (auto& r : recs) {
    if (r.x.size() < 2 || r.status == attempt_status::lost)
      continue;
    double px = f.px(r.x[0]), py = f.py(r.x[1]);
    if (!r.ok())
      s.os << "<path d=\"M" << px - 4 << " " << py - 4 << "L" << px + 4 << " " << py + 4
           << "M" << px - 4 << " " << py + 4 << "L" << px + 4 << " " << py - 4
           << "\" stroke=\"#d62728\" stroke-width=\"1.5\"/>\n";
    else if (r.initial)
      s.os << "<rect x=\"" << px - 4 << "\" y=\"" << py - 4
           << "\" width=\"8\" height=\"8\" fill=\"#2ca02c\" stroke=\"black\"/>\n";
    else
      s.os << "<circle cx=\"" << px << "\" cy=\"" << py
           << "\" r=\"3.5\" fill=\"#1f77b4\" fill-opacity=\"0.8\" stroke=\"black\" "
              "stroke-width=\"0.5\"/>\n";
  }
  if (b.found && b.x.size() >= 2)
    s.os << "<circle cx=\"" << f.px(b.x[0]) << "\" cy=\"" << f.py(b.x[1])
         << "\" r=\"8\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2.5\"/>\n";
  if (recommended.size() == 2) {
    const double rx = f.px(recommended[0]), ry = f.py(recommended[1]);
    s.os << "<path d=\"M" << rx << " " << ry - 9 << "L" << rx + 9 << " " << ry << "L" << rx
         << " " << ry + 9 << "L" << rx - 9 << " " << ry
         << "Z\" fill=\"none\" stroke=\"#9467bd\" stroke-width=\"2\"/>\n";
  }
  double lx = f.x0 + 8, ly = f.y0 + 14;
  s.os << "<rect x=\"" << lx - 4 << "\" y=\"" << ly - 4
       << "\" width=\"8\" height=\"8\" fill=\"#2ca02c\" stroke=\"black\"/>\n";
  s.text(lx + 10, ly + 4, "initial", "start", 10);
  s.os << "<circle cx=\"" << lx + 70 << "\" cy=\"" << ly << "\" r=\"3.5\" fill=\"#1f77b4\"/>\n";
  s.text(lx + 78, ly + 4, "asked", "start", 10);
  s.os << "<circle cx=\"" << lx + 130 << "\" cy=\"" << ly
       << "\" r=\"6\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
  s.text(lx + 140, ly + 4, "best", "start", 10);
  if (recommended.size() == 2) {
    s.os << "<path d=\"M" << lx + 186 << " " << ly - 6 << "L" << lx + 192 << " " << ly
         << "L" << lx + 186 << " " << ly + 6 << "L" << lx + 180 << " " << ly
         << "Z\" fill=\"none\" stroke=\"#9467bd\" stroke-width=\"2\"/>\n";
    s.text(lx + 196, ly + 4, "recommended", "start", 10);
  }
}

/// The best-so-far curve: (x, best value or log10 of its true regret).
void convergence(svg& s, const frame& box, const std::vector<std::pair<double, double>>& curve,
                 bool use_regret, const std::string& xlabel, double main_start) {
  if (curve.empty())
    return;
  frame f = box;
  f.xmin = 0;
  f.xmax = std::max(curve.back().first, 1e-9);
  f.ymin = curve.back().second;
  f.ymax = curve.front().second;
  for (auto& c : curve) {
    f.ymin = std::min(f.ymin, c.second);
    f.ymax = std::max(f.ymax, c.second);
  }
  if (use_regret) {
    f.ymin = std::floor(f.ymin);
    f.ymax = std::ceil(f.ymax + 1e-9);
  }
  if (f.ymax - f.ymin < 1e-12)
    f.ymax = f.ymin + 1;
  axes(s, f, xlabel, use_regret ? "regret of best" : "best value", use_regret);
  if (main_start > 0 && main_start < f.xmax)
    s.line(f.px(main_start), f.y0, f.px(main_start), f.y0 + f.h, "#999999");
  s.os << "<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\" points=\"";
  double prev_y = curve.front().second;
  for (std::size_t i = 0; i < curve.size(); ++i) {
    if (i > 0)
      s.os << f.px(curve[i].first) << "," << f.py(prev_y) << " ";
    s.os << f.px(curve[i].first) << "," << f.py(curve[i].second) << " ";
    prev_y = curve[i].second;
  }
  s.os << "\"/>\n";
}

} // namespace

std::vector<double> nice_ticks(double lo, double hi, int max_ticks, double min_step) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi || max_ticks < 1)
    return {};
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi)))
    return {lo};
  // The smallest 1-2-5 step with at most max_ticks multiples in [lo, hi]
  // (from a tenth of span / max_ticks upwards, so a few steps are tried).
  for (double e = std::floor(std::log10((hi - lo) / max_ticks)) - 1;; e += 1.0)
    for (double m : {1.0, 2.0, 5.0}) {
      const double step = m * std::pow(10.0, e);
      if (step < min_step)
        continue;
      const double first = std::ceil(lo / step - 1e-9);
      const double count = std::floor(hi / step + 1e-9) - first + 1;
      if (count > max_ticks)
        continue;
      std::vector<double> out;
      for (int i = 0; i < static_cast<int>(count); ++i)
        out.push_back((first + i) * step);
      return out;
    }
}

namespace {

const char* palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

void band_panel(svg& s, frame f, const std::vector<curve_band>& bands, bool log_y,
                const std::string& xlabel, const std::string& ylabel) {
  f.xmin = 0;
  f.xmax = 1e-9;
  f.ymin = std::numeric_limits<double>::infinity();
  f.ymax = -f.ymin;
  for (auto& b : bands)
    for (std::size_t i = 0; i < b.x.size(); ++i) {
      f.xmax = std::max(f.xmax, b.x[i]);
      f.ymin = std::min(f.ymin, b.q1[i]);
      f.ymax = std::max(f.ymax, b.q3[i]);
    }
  if (!std::isfinite(f.ymin)) {
    f.ymin = 0;
    f.ymax = 1;
  }
  if (log_y) {
    f.ymin = std::floor(f.ymin);
    f.ymax = std::ceil(f.ymax + 1e-9);
  }
  if (f.ymax - f.ymin < 1e-12)
    f.ymax = f.ymin + 1;
  axes(s, f, xlabel, ylabel, log_y);
  for (std::size_t k = 0; k < bands.size(); ++k) {
    const auto& b = bands[k];
    if (b.x.empty())
      continue;
    const char* colour = palette[k % (sizeof(palette) / sizeof(palette[0]))];
    s.os << "<polygon fill=\"" << colour << "\" fill-opacity=\"0.15\" stroke=\"none\" points=\"";
    for (std::size_t i = 0; i < b.x.size(); ++i)
      s.os << f.px(b.x[i]) << "," << f.py(b.q3[i]) << " ";
    for (std::size_t i = b.x.size(); i-- > 0;)
      s.os << f.px(b.x[i]) << "," << f.py(b.q1[i]) << " ";
    s.os << "\"/>\n<polyline fill=\"none\" stroke=\"" << colour
         << "\" stroke-width=\"2\" points=\"";
    for (std::size_t i = 0; i < b.x.size(); ++i)
      s.os << f.px(b.x[i]) << "," << f.py(b.median[i]) << " ";
    s.os << "\"/>\n";
  }
}

} // namespace

std::string make_band_svg(const std::string& title, const std::vector<curve_band>& by_count,
                          const std::vector<curve_band>& by_time, bool log_y,
                          const std::string& ylabel) {
  const int panel_w = 420, panel_h = 300, margin = 70;
  const int legend_rows = static_cast<int>(std::max(by_count.size(), by_time.size()));
  const int width = 2 * (panel_w + margin) + 20;
  svg s(width, panel_h + 110 + 18 * legend_rows);
  s.text(width / 2.0, 22, title, "middle", 14);
  band_panel(s, frame{double(margin), 40, double(panel_w), double(panel_h), 0, 1, 0, 1},
             by_count, log_y, "evaluations", ylabel);
  band_panel(s,
             frame{double(2 * margin + panel_w), 40, double(panel_w), double(panel_h), 0, 1,
                   0, 1},
             by_time, log_y, "wall time (s)", ylabel);
  const auto& labels = by_count.size() >= by_time.size() ? by_count : by_time;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const double y = panel_h + 90 + 18.0 * double(k);
    const char* colour = palette[k % (sizeof(palette) / sizeof(palette[0]))];
    s.line(margin, y - 4, margin + 24, y - 4, colour, 3);
    s.text(margin + 32, y, labels[k].label, "start", 12);
  }
  return s.str();
}

std::string make_plot_svg(const std::vector<evaluation_record>& recs,
                          const std::vector<std::string>& names, const test_function* fn,
                          const known_answer& answer, const std::string& title,
                          const std::vector<double>& recommended,
                          const point_choices& choices) {
  bool categorical = false;
  for (auto& c : choices)
    categorical = categorical || !c.empty();
  const bool two_d = names.size() == 2 && !categorical;
  const int panel_w = 380, panel_h = 300, margin = 70;
  const int panels = two_d ? 3 : 2;
  svg s(panels * (panel_w + margin) + 20, panel_h + 110);
  s.text((panels * (panel_w + margin) + 20) / 2.0, 22, title, "middle", 14);
  int x = margin;
  if (two_d) {
    frame f{double(x), 40, double(panel_w), double(panel_h), 0, 1, 0, 1};
    if (fn) {
      f.xmin = fn->lower[0];
      f.xmax = fn->upper[0];
      f.ymin = fn->lower[1];
      f.ymax = fn->upper[1];
    } else {
      f.xmin = f.ymin = std::numeric_limits<double>::infinity();
      f.xmax = f.ymax = -std::numeric_limits<double>::infinity();
      for (auto& r : recs)
        if (r.x.size() == 2) {
          f.xmin = std::min(f.xmin, r.x[0]);
          f.xmax = std::max(f.xmax, r.x[0]);
          f.ymin = std::min(f.ymin, r.x[1]);
          f.ymax = std::max(f.ymax, r.x[1]);
        }
      if (!(f.xmax > f.xmin)) {
        f.xmin = 0;
        f.xmax = 1;
      }
      if (!(f.ymax > f.ymin)) {
        f.ymin = 0;
        f.ymax = 1;
      }
    }
    scatter_2d(s, f, recs, fn, names, recommended);
    x += panel_w + margin;
  }
  // Convergence: the best so far (io/run_figures.hpp) after each point.
  const bool use_regret = answer.minimum.has_value();
  std::vector<std::pair<double, double>> by_count, by_time;
  std::size_t n_init = 0;
  double main_start = 0;
  for (const auto& step : best_so_far(recs, answer)) {
    if (step.initial) {
      ++n_init;
      main_start = std::max(main_start, step.time);
    }
    if (step.ok == 0)
      continue;
    const double y = use_regret ? std::log10(std::max(step.best_regret, 1e-12)) : step.best_value;
    by_count.push_back({double(step.points), y});
    by_time.push_back({step.time, y});
  }
  frame f1{double(x), 40, double(panel_w), double(panel_h), 0, 1, 0, 1};
  convergence(s, f1, by_count, use_regret, "evaluations", n_init > 0 ? n_init + 0.5 : 0);
  x += panel_w + margin;
  frame f2{double(x), 40, double(panel_w), double(panel_h), 0, 1, 0, 1};
  convergence(s, f2, by_time, use_regret, "wall time (s)", main_start);
  // The result in words.
  auto short_num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    return std::string(buf);
  };
  auto words = [&](const std::vector<double>& x) {
    std::string t;
    const auto p = point_to_json(x, choices);
    for (std::size_t i = 0; i < names.size() && i < x.size(); ++i)
      t += (i ? ", " : "") + names[i] + "="
           + (p[i].is_string() ? p[i].get<std::string>() : short_num(x[i]));
    return t;
  };
  const auto b = best_of(recs);
  std::string line;
  if (b.found)
    line = "best " + short_num(b.value) + " at " + words(b.x);
  if (!recommended.empty())
    line += (line.empty() ? "" : "; ") + std::string("recommended at ") + words(recommended);
  if (!line.empty())
    s.text(20, panel_h + 100, line, "start", 11);
  return s.str();
}

} // namespace asyncbo::io
