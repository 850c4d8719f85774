// SPDX-License-Identifier: Apache-2.0
// Event-log replay for --resume.
#include "app/resume.hpp"

#include <fstream>
#include <map>
#include <stdexcept>

namespace asyncbo::app {

std::uint64_t logged_run::next_id() const {
  std::uint64_t n = 0;
  for (auto& p : points)
    n = std::max(n, p.id + 1);
  return n;
}

std::uint64_t logged_run::initial_points() const {
  std::uint64_t n = 0;
  for (auto& p : points)
    n += p.initial ? 1 : 0;
  return n;
}

std::uint64_t logged_run::asked_points() const {
  std::uint64_t n = 0;
  for (auto& p : points)
    n += p.initial ? 0 : 1;
  return n;
}

std::uint64_t logged_run::failed_points() const {
  std::uint64_t n = 0;
  for (auto& p : points)
    n += p.final && !p.ok ? 1 : 0;
  return n;
}

logged_run read_event_log(const std::string& path) {
  const std::string name = path.substr(path.rfind('/') == std::string::npos
                                         ? 0
                                         : path.rfind('/') + 1);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  logged_run log;
  std::map<std::uint64_t, std::size_t> index;
  auto point_of = [&](std::uint64_t id) -> logged_run::point& {
    auto it = index.find(id);
    if (it != index.end())
      return log.points[it->second];
    index[id] = log.points.size();
    log.points.emplace_back();
    log.points.back().id = id;
    return log.points.back();
  };
  std::size_t pos = 0, line_no = 0;
  bool have_header = false;
  while (pos < text.size()) {
    ++line_no;
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      log.warnings.push_back(name + ":" + std::to_string(line_no)
                             + ": dropped a truncated last line (the process died "
                               "while writing it)");
      break;
    }
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    auto where = name + ":" + std::to_string(line_no) + ": ";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw std::runtime_error(where + "not a JSON object; the log is damaged");
    }
    if (!j.is_object() || !j.contains("event") || !j["event"].is_string())
      throw std::runtime_error(where + "missing \"event\"; the log is damaged");
    const std::string ev = j["event"].get<std::string>();
    try {
      if (ev == "header") {
        if (have_header)
          throw std::runtime_error("a second header");
        log.config = j.at("config");
        log.names = j.at("names").get<std::vector<std::string>>();
        if (j.contains("choices"))
          log.choices = j.at("choices").get<io::point_choices>();
        have_header = true;
        continue;
      }
      if (!have_header)
        throw std::runtime_error("the log must start with a header line");
      if (ev == "dispatch") {
        auto& p = point_of(j.at("id").get<std::uint64_t>());
        p.x = io::point_from_json(j.at("x"), log.choices);
        p.initial = j.at("initial").get<bool>();
        p.batch = j.at("batch").get<std::uint64_t>();
        p.next_attempt = std::max(p.next_attempt, j.at("attempt").get<std::uint32_t>() + 1);
        p.open = true;
        p.open_dispatch_s = j.value("t", 0.0);
        if (p.x.size() != log.names.size())
          throw std::runtime_error("point has " + std::to_string(p.x.size())
                                   + " coordinates, the header names "
                                   + std::to_string(log.names.size()));
        log.last_time = std::max(log.last_time, j.value("t", 0.0));
      } else if (ev == "result") {
        auto r = io::record_from_json(j, log.choices);
        auto& p = point_of(r.id);
        if (p.x.empty())
          p.x = r.x;
        p.initial = r.initial;
        p.batch = r.batch;
        p.next_attempt = std::max(p.next_attempt, r.attempt + 1);
        if (r.attempt + 1 == p.next_attempt)
          p.open = false;
        if (p.final && r.ok())
          throw std::runtime_error("a second final result for id " + std::to_string(r.id));
        if (r.final && r.status != attempt_status::lost) {
          p.final = true;
          p.ok = r.ok();
          p.value = r.value;
        }
        log.last_time = std::max(log.last_time, r.end_time);
        log.records.push_back(std::move(r));
      } else if (ev == "resume") {
        ++log.resumes;
      } else if (ev == "note") {
        // informational
      } else {
        throw std::runtime_error("unknown event \"" + ev + "\"");
      }
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(where + e.what());
    } catch (const std::exception& e) {
      throw std::runtime_error(where + "bad " + ev + " line: " + e.what());
    }
  }
  if (!have_header)
    throw std::runtime_error(name + ": no header line; not an asyncbo event log");
  return log;
}

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
