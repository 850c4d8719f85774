// SPDX-License-Identifier: Apache-2.0
// The virtual clock.
#include "core/virtual_clock.hpp"

#include <algorithm>

namespace asyncbo {

virtual_clock::ticket virtual_clock::begin() {
  const ticket t = next_++;
  unknown_.insert(t);
  return t;
}

bool virtual_clock::known(ticket t, double at, tie order) {
  if (unknown_.erase(t) == 0)
    return false;
  const key k{std::max(at, now_), order, t};
  ready_.insert(k);
  ready_of_.emplace(t, k);
  return true;
}

void virtual_clock::cancel(ticket t) {
  unknown_.erase(t);
  if (auto i = ready_of_.find(t); i != ready_of_.end()) {
    ready_.erase(i->second);
    ready_of_.erase(i);
  }
}

std::optional<virtual_clock::ticket> virtual_clock::next() {
  if (!unknown_.empty() || ready_.empty())
    return std::nullopt;
  const key k = *ready_.begin();
  ready_.erase(ready_.begin());
  ready_of_.erase(k.t);
  now_ = std::max(now_, k.at);
  return k.t;
}

} // namespace asyncbo
