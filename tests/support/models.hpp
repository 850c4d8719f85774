// SPDX-License-Identifier: Apache-2.0
// Small GP models on known functions, shared by the acquisition tests.
#pragma once

#include <cmath>

#include "core/gp_fit.hpp"
#include "core/objectives.hpp"
#include "core/space.hpp"

namespace asyncbo::test {

/// A GP on n uniform points of the named test function (unit cube domains
/// only), with the MAP fit of the spec.
inline gp fitted_gp(const std::string& fn, std::size_t n, std::uint64_t seed,
                    double noise = 1e-6) {
  const auto& f = *find_test_function(fn);
  rng_type rng(seed);
  mat X = uniform_unit(f.dim, n, rng);
  vec y(n);
  for (std::size_t i = 0; i < n; ++i)
    y[i] = f(X.col(i));
  auto d = make_gp_defaults(y, f.dim);
  gp_hyper h = d.hyper;
  fit_gp_map(X, y, d.prior, noise, h, gp_fit_options{}, rng);
  return gp(X, y, h, noise);
}

} // namespace asyncbo::test
