// SPDX-License-Identifier: Apache-2.0
// The seam through which the core runs loops in parallel without owning
// threads (as Ceres' ParallelFor takes a context).
#pragma once

#include <cstddef>
#include <functional>

namespace asyncbo {

/// Runs the iterations of a loop, possibly concurrently. Implementations live
/// outside the core (the app hands in a thread pool); the core only calls
/// parallel_for and writes each iteration's result to its own slot, so
/// results do not depend on the executor.
class executor {
public:
  virtual ~executor() = default;
  /// Calls f(0), ..., f(n - 1) and returns when all have finished.
  virtual void parallel_for(std::size_t n,
                            const std::function<void(std::size_t)>& f) = 0;
};

/// Runs every iteration inline, in order.
class serial_executor final : public executor {
public:
  void parallel_for(std::size_t n,
                    const std::function<void(std::size_t)>& f) override {
    for (std::size_t i = 0; i < n; ++i)
      f(i);
  }
};

} // namespace asyncbo
