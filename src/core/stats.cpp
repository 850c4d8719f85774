// SPDX-License-Identifier: Apache-2.0
#include "core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace asyncbo {

double quantile(std::vector<double> v, double p) {
  if (v.empty())
    return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1.0) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double frac = h - static_cast<double>(lo);
  if (frac == 0.0 || v[lo] == v[hi])
    return v[lo];
  if (std::isinf(v[hi])) // part of the way to "never" is never
    return v[hi];
  if (std::isinf(v[lo]))
    return v[lo];
  return v[lo] + frac * (v[hi] - v[lo]);
}

} // namespace asyncbo
