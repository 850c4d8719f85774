// SPDX-License-Identifier: Apache-2.0
// Basic aliases shared by the numerical core.
#pragma once

#include <cstdint>
#include <random>

#include <Eigen/Core>

namespace asyncbo {

using vec = Eigen::VectorXd;
using mat = Eigen::MatrixXd;
using vec_ref = Eigen::Ref<const Eigen::VectorXd>;
using mat_ref = Eigen::Ref<const Eigen::MatrixXd>;

/// Identifier of one asked point. Unique within an engine (and within a run).
using point_id = std::uint64_t;

/// The pseudo-random generator used everywhere in the core. Always seeded
/// explicitly by the caller.
using rng_type = std::mt19937_64;

/// Derives an independent 64-bit seed from a base seed and a stream number
/// (SplitMix64 finaliser). Used to give every ask, run and sampler its own
/// reproducible stream.
inline std::uint64_t derive_seed(std::uint64_t base, std::uint64_t stream) {
  std::uint64_t z = base + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

} // namespace asyncbo
