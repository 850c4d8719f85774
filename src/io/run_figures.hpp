// SPDX-License-Identifier: Apache-2.0
// The figures of a run, defined once. Every output that shows them
// (summary.json, the closing report, `asyncbo status`, plot.svg, the
// dashboard, the sweep's csv / md / svg and asyncbo-bench) computes them
// here:
//
//   best_value   the lowest *observed* value (noise included);
//   best_regret  the *true* regret of the point that observed it: the
//                noise-free value there minus the known minimum (built-ins);
//                for an objective whose minimum is given but whose function
//                is not known, the observed value minus the minimum;
//   regret       the true regret of the recommendation (summary.json), the
//                figure a run is judged by;
//   the curve    best_value and best_regret after each finished point, in
//                completion order (end time, then log order).
//
// Medians and quartiles of these figures are core/stats.hpp's quantile.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/records.hpp"

namespace asyncbo::io {

/// What is known about the objective's answer.
struct known_answer {
  std::optional<double> minimum;   ///< the global minimum, if known
  /// The noise-free value at a point (space coordinates) where the function
  /// is known (built-ins); empty otherwise.
  std::function<double(const std::vector<double>&)> truth;

  /// The regret of a point that observed `observed`: (truth(x) or
  /// observed) - minimum; NaN without a minimum.
  double regret(const std::vector<double>& x, double observed) const;
};

/// The known answer of objective `name` (a built-in brings its function and
/// minimum; anything else only `minimum`, if given).
known_answer known_answer_of(const std::string& name, std::optional<double> minimum);

/// The same from a run's recorded configuration ({"experiment": {"objective":
/// ...}}) and summary.json's "minimum" (null or absent: the built-in's).
known_answer recorded_answer(const nlohmann::json& config,
                             const nlohmann::json& minimum = nullptr);

/// The run after one more finished point.
struct progress_step {
  std::size_t points = 0;      ///< points finished (ok, or failed for good)
  std::size_t ok = 0;          ///< of which ok
  bool initial = false;        ///< this point was in the initial design
  double time = 0.0;           ///< its end time (s, the run's clock)
  /// The best observed so far: value (infinite before any ok point), its
  /// point's true regret (NaN without a minimum or before any ok point).
  double best_value = 0.0;
  double best_regret = 0.0;
  std::vector<double> best_x;
};

/// The best-so-far curve over the final record of every point, in
/// completion order (end time; ties in log order).
std::vector<progress_step> best_so_far(const std::vector<evaluation_record>& recs,
                                       const known_answer& answer);

} // namespace asyncbo::io
