// SPDX-License-Identifier: Apache-2.0
// The optimizer actor: a thin shell around the ask/tell engine.
#pragma once

#include <memory>

#include "actors/actors.hpp"
#include "core/engine.hpp"

namespace asyncbo::actors {

struct optimizer_state {
  static inline const char* name = "asyncbo.optimizer";
  std::shared_ptr<engine> eng; ///< may be shared with the caller (library use)
  std::size_t batch_size = 1;
  std::uint64_t batches = 0;
  std::size_t rejected_tells = 0;
  bool fallback = false;       ///< hand a snapshot out with every ask
  std::size_t rejected_pending = 0;
};

/// Serves asks and tells for `eng`. A final ok result is told; a point that
/// failed for good becomes failure data (engine::tell_failure); an attempt
/// that ended for other reasons (lost, cancelled) is forgotten. An ask of k points is answered by the
/// engine asks of split_ask(k, batch_size), each conditioned on the earlier
/// ones through the pending set. Engine exceptions become errors of the ask
/// (the pool stops the run with them). With `fallback`, every ask's answer
/// carries engine::snapshot() for the sampler, and dispatched fallback
/// points join the pending set (pending_atom).
optimizer_actor::behavior_type
optimizer(optimizer_actor::stateful_pointer<optimizer_state> self,
          std::shared_ptr<engine> eng, std::size_t batch_size, bool fallback);

} // namespace asyncbo::actors
