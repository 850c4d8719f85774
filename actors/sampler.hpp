// SPDX-License-Identifier: Apache-2.0
// The sampler actor: fallback points (core/fallback) while the optimizer is
// busy with an ask.
#pragma once

#include <memory>

#include "actors/actors.hpp"
#include "core/fallback.hpp"

namespace asyncbo::actors {

struct sampler_state {
  static inline const char* name = "asyncbo.sampler";
  /// The draws of the last source seen; rebuilt when a request brings a
  /// newer one (one build per answered ask at most).
  std::unique_ptr<thompson_fallback> draws;
  /// Results (in the pool's order) the draws' model holds or waits for.
  std::uint64_t have = 0;
  std::size_t builds = 0;
  std::size_t failures = 0;
};

/// Answers fallback requests with k points of a thompson_fallback built on
/// the request's source and extended by the results the request brings
/// (jobs of attempt 0, flagged fallback, of the request's batch). A request without a source, or whose draw throws, gets no
/// point: the dispatcher then waits for the ask (core/dispatch).
sampler_actor::behavior_type sampler(sampler_actor::stateful_pointer<sampler_state> self);

} // namespace asyncbo::actors
