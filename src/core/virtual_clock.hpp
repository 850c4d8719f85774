// SPDX-License-Identifier: Apache-2.0
// The virtual clock of a simulated run (delay.clock = "virtual"): events are
// released in simulated-time order, and the clock jumps to the next one
// instead of waiting for it. Pure and synchronous: the pool actor drives it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace asyncbo {

/// A conservative discrete-event clock. Whatever is under way (an
/// evaluation in flight, an ask) holds a ticket from begin(); once its end
/// time is known (the evaluator answered with its simulated duration, the
/// ask came back with its cost) the driver calls known(). next() releases the
/// earliest known event, but only when every ticket is known: a pending one
/// could still end earlier, and releasing out of order would tell the model
/// about the future. Ties are broken by `order` (then by ticket), so the
/// sequence of releases depends only on the end times, never on the order in
/// which the answers arrived. The clock never goes backwards: an end time
/// before now() is released at now().
class virtual_clock {
public:
  using ticket = std::uint64_t;
  /// Tie-break: smaller first. The pool uses (0, point id) for evaluations
  /// and (1, ask number) for asks, so a completion at the same instant as an
  /// ask's answer is told first.
  using tie = std::pair<std::uint32_t, std::uint64_t>;

  explicit virtual_clock(double start = 0.0) : now_(start) {}

  double now() const noexcept { return now_; }

  /// Something has begun at now(); its end is not known yet.
  ticket begin();
  /// `t` ends at `at` (simulated seconds). Unknown or already known tickets
  /// are ignored (returns false).
  bool known(ticket t, double at, tie order);
  /// `t` will not end (the evaluator was lost, the run stopped).
  void cancel(ticket t);

  /// The earliest event, if every ticket is known; now() becomes its time.
  std::optional<ticket> next();

  std::size_t pending() const noexcept { return unknown_.size(); }
  std::size_t ready() const noexcept { return ready_.size(); }

private:
  struct key {
    double at;
    tie order;
    ticket t;
    bool operator<(const key& o) const {
      if (at != o.at)
        return at < o.at;
      if (order != o.order)
        return order < o.order;
      return t < o.t;
    }
  };
  double now_ = 0.0;
  ticket next_ = 1;
  std::set<ticket> unknown_;
  std::set<key> ready_;
  std::map<ticket, key> ready_of_;
};

} // namespace asyncbo
