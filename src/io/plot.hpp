// SPDX-License-Identifier: Apache-2.0
// plot.svg: the one SVG plotter of the project.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/objectives.hpp"
#include "io/records.hpp"
#include "io/run_figures.hpp"

namespace asyncbo::io {

/// plot.svg: for 2-D problems the objective's contour (when `f` is given)
/// with initial points, asked points and the best point; for any dimension
/// the convergence of the best value (or regret, on a log scale, when the
/// minimum is known) against evaluations and against wall time. A 2-D
/// `recommended` point (the run's result) is drawn as a diamond. Below the
/// panels, the best (and recommended) point in words, categorical
/// parameters as their choice; a categorical 2-D problem gets no scatter
/// (its axis would invent an order).
/// One line of a sweep report: a combination's median and quartiles on a
/// grid of x values (evaluations or seconds).
struct curve_band {
  std::string label;
  std::vector<double> x, median, q1, q3;
};

/// report.svg of a sweep: median with a shaded quartile band per
/// combination, against evaluations (left) and time (right), with a legend.
/// With `log_y` the values are log10 already and the axis reads 1eK.
std::string make_band_svg(const std::string& title, const std::vector<curve_band>& by_count,
                          const std::vector<curve_band>& by_time, bool log_y,
                          const std::string& ylabel);

/// Axis ticks at round values, as plotting libraries place them: the
/// multiples of a step of 1, 2 or 5 times a power of ten that lie in
/// [lo, hi], with the smallest such step giving at most `max_ticks` of them
/// (and a step of at least `min_step`: 1 for counts and decades). Empty when
/// lo > hi or either is not finite.
std::vector<double> nice_ticks(double lo, double hi, int max_ticks = 6, double min_step = 0.0);

std::string make_plot_svg(const std::vector<evaluation_record>& recs,
                          const std::vector<std::string>& names,
                          const test_function* f, const known_answer& answer,
                          const std::string& title,
                          const std::vector<double>& recommended = {},
                          const point_choices& choices = {});

} // namespace asyncbo::io
