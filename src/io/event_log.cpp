// SPDX-License-Identifier: Apache-2.0
// events.jsonl: writer and reader.
#include "io/event_log.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <stdexcept>

namespace asyncbo::io {

event_log::event_log(const std::string& path, bool fsync, point_choices choices)
  : file_(path, fsync), choices_(std::move(choices)) {}

void event_log::header(const nlohmann::json& config, const std::vector<std::string>& names) {
  nlohmann::json j = {{"event", event_names::header}, {"version", 1}, {"config", config}, {"names", names}};
  for (auto& c : choices_)
    if (!c.empty()) {
      j["choices"] = choices_;
      break;
    }
  file_.write_line(j.dump());
}

void event_log::dispatch(std::uint64_t id, std::uint32_t attempt,
                         const std::vector<double>& x, bool initial, std::uint64_t batch,
                         double t, bool fallback) {
  nlohmann::json j{{"event", event_names::dispatch},
                   {"id", id},
                   {"attempt", attempt},
                   {"x", point_to_json(x, choices_)},
                   {"initial", initial},
                   {"batch", batch},
                   {"t", t}};
  if (fallback)
    j["fallback"] = true;
  file_.write_line(j.dump());
}

void event_log::result(const evaluation_record& r) {
  auto j = to_json(r, choices_);
  j["event"] = event_names::result;
  file_.write_line(j.dump());
}

void event_log::note(const std::string& text, double t) {
  file_.write_line(nlohmann::json({{"event", event_names::note}, {"text", text}, {"t", t}}).dump());
}

void event_log::resume(double t) {
  file_.write_line(nlohmann::json({{"event", event_names::resume}, {"t", t}}).dump());
}

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
      if (ev == event_names::header) {
        if (have_header)
          throw std::runtime_error("a second header");
        log.config = j.at("config");
        log.names = j.at("names").get<std::vector<std::string>>();
        if (j.contains("choices"))
          log.choices = j.at("choices").get<point_choices>();
        have_header = true;
        continue;
      }
      if (!have_header)
        throw std::runtime_error("the log must start with a header line");
      if (ev == event_names::dispatch) {
        auto& p = point_of(j.at("id").get<std::uint64_t>());
        p.x = point_from_json(j.at("x"), log.choices);
        p.initial = j.at("initial").get<bool>();
        p.batch = j.at("batch").get<std::uint64_t>();
        p.next_attempt = std::max(p.next_attempt, j.at("attempt").get<std::uint32_t>() + 1);
        p.open = true;
        p.open_dispatch_s = j.value("t", 0.0);
        p.fallback = p.fallback || j.value("fallback", false);   // a retry keeps it
        if (p.x.size() != log.names.size())
          throw std::runtime_error("point has " + std::to_string(p.x.size())
                                   + " coordinates, the header names "
                                   + std::to_string(log.names.size()));
        log.last_time = std::max(log.last_time, j.value("t", 0.0));
      } else if (ev == event_names::result) {
        auto r = record_from_json(j, log.choices);
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
      } else if (ev == event_names::resume) {
        ++log.resumes;
      } else if (ev == event_names::note) {
        log.notes.push_back(j.at("text").get<std::string>());
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

} // namespace asyncbo::io
