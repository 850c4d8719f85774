// SPDX-License-Identifier: Apache-2.0
// A deterministic CAF actor system for Boost.Test: CAF's test_coordinator
// runs one message at a time on the calling thread, with a simulated clock.
#pragma once

#include <memory>
#include <optional>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/actors.hpp"

namespace asyncbo::test {

struct det_config : caf::actor_system_config {
  det_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.inline-output", true);
    actors::add_message_types(*this);
  }
};

struct caf_fixture {
  det_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::vector<caf::actor> alive;  ///< sent an exit at the end

  template <class Handle>
  Handle keep(Handle h) {
    alive.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  ~caf_fixture() {
    for (auto& a : alive)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The state of a stateful typed actor (for assertions only).
  template <class State, class Handle>
  State& state_of(const Handle& h) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(h);
    using impl = caf::stateful_actor<State, typename Handle::base>;
    return dynamic_cast<impl&>(*ptr).state;
  }
};

/// An event-based actor that stores the run outcome it receives.
inline caf::behavior outcome_sink(caf::event_based_actor*,
                                  std::shared_ptr<std::optional<actors::run_outcome>> out) {
  return {[out](actors::done_atom, actors::run_outcome& o) { *out = std::move(o); }};
}

} // namespace asyncbo::test
