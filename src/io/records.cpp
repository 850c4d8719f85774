// SPDX-License-Identifier: Apache-2.0
// Append-only logs.
#include "io/records.hpp"

#include "core/format.hpp"
#include "core/space.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace asyncbo::io {

// -- line_file -------------------------------------------------------------------

line_file::line_file(const std::string& path, bool fsync) : fsync_(fsync), path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
}

line_file::~line_file() {
  close();
}

line_file::line_file(line_file&& o) noexcept
  : fd_(o.fd_), fsync_(o.fsync_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

line_file& line_file::operator=(line_file&& o) noexcept {
  std::swap(fd_, o.fd_);
  std::swap(fsync_, o.fsync_);
  std::swap(path_, o.path_);
  return *this;
}

bool write_fully(int fd, const char* p, std::size_t left) {
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

void line_file::write_line(const std::string& line) {
  if (fd_ < 0)
    throw std::runtime_error("write to closed file " + path_);
  std::string buf = line + "\n";
  if (!write_fully(fd_, buf.data(), buf.size()))
    throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
  if (fsync_)
    ::fdatasync(fd_);
}

void line_file::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

std::string drop_partial_last_line(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::string tail;
  off_t pos = size;
  // Walk back to the last newline.
  char c;
  while (pos > 0) {
    if (::pread(fd, &c, 1, pos - 1) != 1)
      break;
    if (c == '\n')
      break;
    tail.insert(tail.begin(), c);
    --pos;
  }
  if (!tail.empty() && ::ftruncate(fd, pos) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot truncate " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return tail;
}

// -- observations.csv --------------------------------------------------------------

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos)
    return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += '"';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out + "\"";
}

std::string seconds(double t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", t);
  return buf;
}

} // namespace

observations_csv::observations_csv(const std::string& path,
                                   const std::vector<std::string>& names, bool fsync,
                                   bool append, point_choices choices)
  : file_(path, fsync), choices_(std::move(choices)) {
  if (!append)
    file_.write_line(header(names));
}

std::string observations_csv::header(const std::vector<std::string>& names) {
  std::string h = "id,attempt,kind";
  for (auto& n : names)
    h += "," + csv_field(n);
  return h + ",value,status,reason,worker,batch,dispatch_s,start_s,end_s";
}

std::string observations_csv::row(const evaluation_record& r, const point_choices& choices) {
  std::string s = std::to_string(r.id) + "," + std::to_string(r.attempt) + ","
                  + (r.initial ? "initial" : "asked");
  for (std::size_t i = 0; i < r.x.size(); ++i)
    s += "," + (i < choices.size() ? csv_field(value_text(choices[i], r.x[i]))
                                   : exact(r.x[i]));
  s += "," + (r.ok() ? exact(r.value) : std::string());
  s += std::string(",") + to_string(r.status) + "," + csv_field(r.reason) + ","
       + csv_field(r.worker) + "," + std::to_string(r.batch) + ","
       + seconds(r.dispatch_time) + "," + seconds(r.start_time) + ","
       + seconds(r.end_time);
  return s;
}

void observations_csv::write(const evaluation_record& r) {
  file_.write_line(row(r, choices_));
}

// -- events.jsonl ----------------------------------------------------------------

nlohmann::json point_to_json(const std::vector<double>& x, const point_choices& choices) {
  nlohmann::json a = nlohmann::json::array();
  for (std::size_t i = 0; i < x.size(); ++i)
    if (i < choices.size() && !choices[i].empty())
      a.push_back(value_text(choices[i], x[i]));
    else
      a.push_back(x[i]);
  return a;
}

nlohmann::json named_point(const std::vector<std::string>& names, const std::vector<double>& x,
                           const point_choices& choices) {
  nlohmann::json p = nlohmann::json::object();
  const auto values = point_to_json(x, choices);
  for (std::size_t i = 0; i < names.size() && i < x.size(); ++i)
    p[names[i]] = values[i];
  return p;
}

std::vector<double> point_from_json(const nlohmann::json& j, const point_choices& choices) {
  if (!j.is_array())
    throw std::invalid_argument("a point must be an array");
  std::vector<double> x;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    const bool categorical = i < choices.size() && !choices[i].empty();
    if (categorical && e.is_string()) {
      const auto& c = choices[i];
      const auto it = std::find(c.begin(), c.end(), e.get<std::string>());
      if (it == c.end())
        throw std::invalid_argument("coordinate " + std::to_string(i) + ": \""
                                    + e.get<std::string>() + "\" is not one of its choices");
      x.push_back(static_cast<double>(it - c.begin()));
    } else if (e.is_number()) {
      x.push_back(e.get<double>());
    } else {
      throw std::invalid_argument("coordinate " + std::to_string(i) + ": expected "
                                  + (categorical ? "a choice" : "a number") + ", got "
                                  + e.dump());
    }
  }
  return x;
}

nlohmann::json to_json(const evaluation_record& r, const point_choices& choices) {
  nlohmann::json j = {{"id", r.id},
                      {"attempt", r.attempt},
                      {"initial", r.initial},
                      {"batch", r.batch},
                      {"x", point_to_json(r.x, choices)},
                      {"status", to_string(r.status)},
                      {"reason", r.reason},
                      {"worker", r.worker},
                      {"dispatch_s", r.dispatch_time},
                      {"start_s", r.start_time},
                      {"end_s", r.end_time},
                      {"final", r.final}};
  if (r.ok())
    j["value"] = r.value;
  return j;
}

evaluation_record record_from_json(const nlohmann::json& j, const point_choices& choices) {
  auto need = [&](const char* k) -> const nlohmann::json& {
    if (!j.contains(k))
      throw std::invalid_argument(std::string("missing field \"") + k + "\"");
    return j.at(k);
  };
  evaluation_record r;
  try {
    r.id = need("id").get<std::uint64_t>();
    r.attempt = need("attempt").get<std::uint32_t>();
    r.initial = need("initial").get<bool>();
    r.batch = need("batch").get<std::uint64_t>();
    r.x = point_from_json(need("x"), choices);
    const auto status = need("status").get<std::string>();
    if (!parse_attempt_status(status, r.status))
      throw std::invalid_argument("unknown status \"" + status + "\"");
    r.reason = j.value("reason", "");
    r.worker = j.value("worker", "");
    r.dispatch_time = j.value("dispatch_s", 0.0);
    r.start_time = j.value("start_s", 0.0);
    r.end_time = j.value("end_s", 0.0);
    r.final = j.value("final", true);
    if (r.ok())
      r.value = need("value").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("bad field type: ") + e.what());
  }
  return r;
}

} // namespace asyncbo::io
