// SPDX-License-Identifier: Apache-2.0
// The one quantile of the code base: every median and quartile (summary.json,
// the sweep's report, the benchmarks, the dispatcher's median evaluation
// time) is this definition, so that two figures with one name agree.
#pragma once

#include <vector>

namespace asyncbo {

/// The p-quantile (p in [0, 1], clamped) of `v`: linear interpolation between
/// order statistics, h = (n - 1) p (the "type 7" definition, R's and numpy's
/// default). NaN if `v` is empty. An infinite order statistic is returned
/// as is rather than interpolated (inf - inf would be NaN).
double quantile(std::vector<double> v, double p);

/// quantile(v, 0.5): for an even count the mean of the two middle values.
inline double median(std::vector<double> v) { return quantile(std::move(v), 0.5); }

} // namespace asyncbo
