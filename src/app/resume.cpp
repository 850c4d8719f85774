// SPDX-License-Identifier: Apache-2.0
// Event-log replay for --resume.
#include "app/resume.hpp"

#include <map>
#include <stdexcept>

namespace asyncbo::app {

std::string check_resume(const logged_run& log, const io::settings& now) {
  const nlohmann::json cur = io::to_json(now);
  for (const auto& k : io::schema()) {
    if (!k.defines_problem)
      continue;
    const auto& sec = k.section;
    const auto& key = k.key;
    nlohmann::json was = log.config.contains(sec) && log.config[sec].contains(key)
                           ? log.config[sec][key]
                           : nlohmann::json();
    if (was != cur[sec][key])
      return k.full() + " is " + was.dump() + " in the log but " + cur[sec][key].dump()
             + " now";
  }
  if (static_cast<std::uint64_t>(now.dispatch.budget) < log.asked_points())
    return "experiment.num-observations is " + std::to_string(now.dispatch.budget)
           + " but the log already asked " + std::to_string(log.asked_points())
           + " points";
  return {};
}

std::vector<io::evaluation_record> lost_attempts(const logged_run& log, double now_s) {
  std::vector<io::evaluation_record> out;
  for (auto& p : log.points) {
    if (p.final || !p.open)
      continue;
    io::evaluation_record r;
    r.id = p.id;
    r.attempt = p.next_attempt - 1;
    r.initial = p.initial;
    r.batch = p.batch;
    r.x = p.x;
    r.status = attempt_status::lost;
    r.reason = "the head process stopped before the result arrived";
    r.dispatch_time = p.open_dispatch_s;
    r.start_time = p.open_dispatch_s;
    r.end_time = now_s;
    r.final = false;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<job> restore_engine(const logged_run& log, engine& e) {
  // Tell final ok results in the order they arrived.
  std::map<std::uint64_t, const logged_run::point*> by_id;
  for (auto& p : log.points)
    by_id[p.id] = &p;
  std::vector<observation> told;
  for (auto& r : log.records) {
    if (!r.final)
      continue;
    vec x = Eigen::Map<const vec>(r.x.data(), static_cast<Eigen::Index>(r.x.size()));
    if (r.ok())
      told.push_back({std::nullopt, x, r.value});
    else if (is_point_failure(r.status))
      e.tell_failure(std::nullopt, x);
  }
  e.tell(told);
  e.reserve_ids(log.next_id());
  std::vector<job> requeue;
  for (auto& p : log.points) {
    if (p.final)
      continue;
    vec x = Eigen::Map<const vec>(p.x.data(), static_cast<Eigen::Index>(p.x.size()));
    e.restore_pending(p.id, x, p.initial);
    job m;
    m.id = p.id;
    m.attempt = p.next_attempt;
    m.initial = p.initial;
    m.batch = p.batch;
    m.x = p.x;
    vec u = e.space().to_unit(x);
    m.unit.assign(u.data(), u.data() + u.size());
    requeue.push_back(std::move(m));
  }
  return requeue;
}

} // namespace asyncbo::app
