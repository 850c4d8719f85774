// SPDX-License-Identifier: Apache-2.0
// Basic aliases shared by the numerical core.
#pragma once

#include <atomic>
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

/// The point ids of one run: an engine takes its proposals' ids from it, and
/// so do the fallback draws made from the engine's snapshots, possibly on
/// another thread (core/fallback.hpp); every take() is unique. The one
/// piece of the core that is safe to share between threads.
class id_source {
public:
  point_id take() noexcept { return next_.fetch_add(1, std::memory_order_relaxed); }
  /// Ids from here on are >= n.
  void at_least(point_id n) noexcept {
    point_id cur = next_.load(std::memory_order_relaxed);
    while (cur < n && !next_.compare_exchange_weak(cur, n, std::memory_order_relaxed)) {
    }
  }
  point_id next() const noexcept { return next_.load(std::memory_order_relaxed); }

private:
  std::atomic<point_id> next_{0};
};

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
