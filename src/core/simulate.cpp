// SPDX-License-Identifier: Apache-2.0
// Virtual-clock simulation of the dispatch policy.
#include "core/simulate.hpp"

#include <algorithm>
#include <queue>

namespace asyncbo {

std::vector<simulated_eval> simulate(engine& e, const std::function<double(const vec&)>& f,
                                     const delay_model& delay,
                                     const simulation_options& o) {
  std::vector<simulated_eval> out;
  // Initial design at t = 0, no delay.
  std::vector<observation> init;
  for (auto& p : e.initial_design(o.initial)) {
    double y = f(p.x);
    init.push_back({p.id, p.x, y});
    out.push_back({p.id, p.x, y, 0.0, 0.0, true});
  }
  e.tell(init);
  struct running {
    double end;
    point_id id;
    vec x, unit;
    double start;
    bool operator>(const running& r) const {
      return end > r.end || (end == r.end && id > r.id);
    }
  };
  std::priority_queue<running, std::vector<running>, std::greater<running>> busy;
  std::size_t to_ask = o.budget;
  std::size_t free = o.workers;
  double now = 0.0;
  std::vector<observation> told;
  auto launch = [&]() {
    std::size_t k = std::min(free, to_ask);
    std::size_t left = k;
    while (left > 0) {
      std::size_t chunk = std::min(left, std::max<std::size_t>(1, o.batch_size));
      for (auto& p : e.ask(chunk))
        busy.push({now + delay.seconds(p.unit), p.id, p.x, p.unit, now});
      left -= chunk;
    }
    free -= k;
    to_ask -= k;
  };
  launch();
  while (!busy.empty()) {
    running r = busy.top();
    busy.pop();
    now = r.end;
    double y = f(r.x);
    out.push_back({r.id, r.x, y, r.start, r.end, false});
    told.push_back({r.id, r.x, y});
    ++free;
    const std::size_t need = std::min(o.batch_size, to_ask);
    if (to_ask > 0 && free >= need) {
      e.tell(told);
      told.clear();
      launch();
    }
  }
  if (!told.empty())
    e.tell(told);
  return out;
}

} // namespace asyncbo
