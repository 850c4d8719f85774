// SPDX-License-Identifier: Apache-2.0
// Virtual-clock run of the dispatch policy.
#include "core/simulate.hpp"

#include <cmath>
#include <limits>
#include <queue>

#include "core/dispatch.hpp"

namespace asyncbo {

namespace {

struct running {
  double end;
  slot_id slot;
  job work;
  double start;
  bool operator>(const running& r) const {
    return end > r.end || (end == r.end && work.id > r.work.id);
  }
};

} // namespace

std::vector<simulated_eval> simulate(engine& e, const simulated_objective& f,
                                     const delay_model& delay,
                                     const simulation_options& o) {
  dispatch_options d;
  d.batch_size = std::max<std::size_t>(1, o.batch_size);
  d.budget = o.budget;
  d.initial = o.initial;
  dispatcher disp(d);
  for (std::size_t i = 0; i < o.workers; ++i)
    disp.add_evaluator(0.0);
  std::priority_queue<running, std::vector<running>, std::greater<running>> busy;
  std::vector<simulated_eval> out;
  std::uint64_t batches = 0;
  double now = 0.0;
  auto send = [&] {
    for (auto& a : disp.assign(now)) {
      Eigen::Map<const vec> u(a.work.unit.data(), static_cast<Eigen::Index>(a.work.unit.size()));
      const double secs = a.work.initial ? 0.0 : delay.seconds(u, a.work.id, a.work.attempt);
      busy.push({now + secs, a.slot, std::move(a.work), now});
    }
  };
  auto step = [&] {
    send();
    while (auto k = disp.ask(now)) {
      std::vector<job> points;
      for (auto chunk : split_ask(*k, d.batch_size)) {
        ++batches;
        for (auto& p : e.ask(chunk))
          points.push_back(to_job(p, batches));
      }
      disp.answered(std::move(points), now);
      send();
    }
  };
  if (auto n = disp.start(now)) {
    std::vector<job> init;
    for (auto& p : e.initial_design(n))
      init.push_back(to_job(p, 0));
    disp.add_initial(std::move(init));
  }
  step();
  while (!busy.empty()) {
    running r = busy.top();
    busy.pop();
    now = r.end;
    const vec x = Eigen::Map<const vec>(r.work.x.data(),
                                        static_cast<Eigen::Index>(r.work.x.size()));
    double y = f(x, r.work.id);
    const bool ok = std::isfinite(y);
    if (!ok)
      y = std::numeric_limits<double>::quiet_NaN();
    out.push_back({r.work.id, x, y, r.start, r.end, r.work.initial});
    if (ok)
      e.tell({observation{r.work.id, x, y}});
    else
      e.tell_failure(r.work.id, x);
    disp.result(r.slot, r.work.id, r.work.attempt, ok, now);
    step();
  }
  return out;
}

} // namespace asyncbo
