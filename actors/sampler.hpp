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
  fallback_server server;   ///< the draws (core/fallback)
  std::size_t failures = 0;
};

/// Answers fallback requests with k points of a thompson_fallback built on
/// the request's source and extended by the results the request brings
/// (fallback_server; jobs of attempt 0, flagged fallback, of the request's
/// batch). A request without a source, or whose draw throws, gets no point:
/// the dispatcher then waits for the ask (core/dispatch).
sampler_actor::behavior_type sampler(sampler_actor::stateful_pointer<sampler_state> self);

} // namespace asyncbo::actors
