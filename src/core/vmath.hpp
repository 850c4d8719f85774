// SPDX-License-Identifier: Apache-2.0
// Elementwise exp, log, cos and sin over arrays, on the CPU's vector units.
#pragma once

#include <cstddef>

namespace asyncbo::vmath {

/// y[i] = exp(x[i]) for i < n. x and y may be the same array.
///
/// These four loops are the only code compiled with -ffast-math (their own
/// translation unit), which lets GCC call glibc's vector math library
/// (libmvec: 2 lanes with SSE2, 4 with AVX2, 8 with AVX-512) instead of the
/// scalar function per element. libmvec's functions are within 4 ulp of the
/// exact result (glibc's manual); the scalar ones within 1. Measured on
/// 1 024 arguments (docs/experiments/history.md §21): cos 7.2 -> 1.0 ns per element with
/// AVX2, 2.6 ns in the portable SSE2 build.
///
/// exp underflows to 0 and overflows to +inf as std::exp does. The loops
/// only call the library, so fast-math's "no infinities, no NaN" assumption
/// has nothing to act on: +-inf, NaN, log(0) and log of a negative number
/// give what the scalar functions give (tested; a mistake in a caller still
/// shows as inf or NaN). The results do not depend on n or on how an array
/// is split, so they are the same for any thread count.
void exp(const double* x, double* y, std::size_t n);

/// y[i] = log(x[i]); x[i] > 0 and finite.
void log(const double* x, double* y, std::size_t n);

/// y[i] = cos(x[i]).
void cos(const double* x, double* y, std::size_t n);

/// y[i] = sin(x[i]).
void sin(const double* x, double* y, std::size_t n);

} // namespace asyncbo::vmath
