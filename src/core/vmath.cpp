// SPDX-License-Identifier: Apache-2.0
// Compiled with -ffast-math -fopenmp-simd (CMakeLists.txt): the loops below
// become calls to glibc's libmvec. Nothing else belongs in this file.
#include "core/vmath.hpp"

#include <cmath>

namespace asyncbo::vmath {

void exp(const double* x, double* y, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    y[i] = std::exp(x[i]);
}

void log(const double* x, double* y, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    y[i] = std::log(x[i]);
}

void cos(const double* x, double* y, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    y[i] = std::cos(x[i]);
}

void sin(const double* x, double* y, std::size_t n) {
#pragma omp simd
  for (std::size_t i = 0; i < n; ++i)
    y[i] = std::sin(x[i]);
}

} // namespace asyncbo::vmath
