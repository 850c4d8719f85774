// SPDX-License-Identifier: Apache-2.0
// plot.svg: the one SVG plotter of the project.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/objectives.hpp"
#include "io/records.hpp"

namespace asyncbo::io {

/// plot.svg: for 2-D problems the objective's contour (when `f` is given)
/// with initial points, asked points and the best point; for any dimension
/// the convergence of the best value (or regret, on a log scale, when the
/// minimum is known) against evaluations and against wall time. A 2-D
/// `recommended` point (the run's result) is drawn as a diamond. Below the
/// panels, the best (and recommended) point in words, categorical
/// parameters as their choice; a categorical 2-D problem gets no scatter
/// (its axis would invent an order).
std::string make_plot_svg(const std::vector<evaluation_record>& recs,
                          const std::vector<std::string>& names,
                          const test_function* f, std::optional<double> minimum,
                          const std::string& title,
                          const std::vector<double>& recommended = {},
                          const point_choices& choices = {});

} // namespace asyncbo::io
