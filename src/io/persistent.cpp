// SPDX-License-Identifier: Apache-2.0
// Persistent objective programs.
#include "io/persistent.hpp"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/format.hpp"
#include "io/records.hpp"

namespace asyncbo::io {

namespace {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

std::string shorten(const std::string& s, std::size_t n = 120) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

command_outcome failed(attempt_status s, std::string why) {
  command_outcome out;
  out.status = s;
  out.reason = std::move(why);
  return out;
}

/// "local/1" -> "local_1": one file name per evaluator.
std::string file_safe(const std::string& s) {
  std::string r = s;
  for (char& c : r)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
      c = '_';
  return r;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

} // namespace

std::string request_line(const std::vector<std::string>& names, const std::vector<double>& x,
                         std::uint64_t id, std::uint32_t attempt, const std::string& worker,
                         const std::vector<std::vector<std::string>>& choices) {
  return json{{"id", id}, {"attempt", attempt}, {"worker", worker},
              {"x", named_point(names, x, choices)}}
    .dump();
}

reply_kind parse_reply(const std::string& line, std::uint64_t id, command_outcome& out) {
  const auto b = line.find_first_not_of(" \t\r");
  if (b == std::string::npos || line[b] != '{')
    return reply_kind::not_a_reply;
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception&) {
    return reply_kind::not_a_reply;   // a log line that happens to start with '{'
  }
  if (!j.is_object() || !j.contains("id"))
    return reply_kind::not_a_reply;
  auto invalid = [&](std::string why) {
    out.status = attempt_status::bad_output;
    out.reason = "invalid reply " + shorten(line) + ": " + why;
    return reply_kind::invalid;
  };
  if (!j["id"].is_number_unsigned() || j["id"].get<std::uint64_t>() != id)
    return invalid("the request in flight has id " + std::to_string(id));
  if (j.contains("error")) {
    out.status = attempt_status::error;
    out.reason = j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump();
    if (out.reason.empty())
      out.reason = "the objective reported an error";
    return reply_kind::reply;
  }
  if (!j.contains("value"))
    return invalid("it needs \"value\" or \"error\"");
  if (j["value"].is_null()) {
    out.status = attempt_status::not_finite;
    out.reason = "objective answered null";
    return reply_kind::reply;
  }
  if (!j["value"].is_number())
    return invalid("\"value\" must be a number");
  out.value = j["value"].get<double>();
  if (!std::isfinite(out.value)) {
    out.status = attempt_status::not_finite;
    out.reason = "objective answered " + exact(out.value);
    return reply_kind::reply;
  }
  out.status = attempt_status::ok;
  return reply_kind::reply;
}

persistent_program::persistent_program(objective_spec spec, std::string worker,
                                       std::string log_dir)
  : spec_(std::move(spec)), worker_(std::move(worker)), log_dir_(std::move(log_dir)) {}

persistent_program::~persistent_program() {
  if (!running())
    return;
  // End of input first: a well-behaved program (the Python helper) exits.
  child_.in.reset();
  for (int i = 0; i < 50 && !leader_exited(); ++i)
    ::usleep(2000);
  stop();
}

bool persistent_program::leader_exited() {
  int status = 0;
  if (!reaped_ && ::waitpid(child_.pid, &status, WNOHANG) == child_.pid) {
    reaped_ = true;
    reaped_status_ = status;
  }
  return reaped_;
}

std::string persistent_program::start() {
  std::vector<std::string> argv;
  try {
    argv = expand_argv(spec_.command, {}, {});
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  std::string cwd;
  std::error_code ec;
  if (!spec_.workdir.empty()) {
    cwd = spec_.workdir + "/" + file_safe(worker_);
    std::filesystem::create_directories(cwd, ec);
    if (ec)
      return "cannot create working directory " + cwd + ": " + ec.message();
  }
  ++starts_;
  if (!log_dir_.empty()) {
    std::filesystem::create_directories(log_dir_, ec);
    const std::string base = log_dir_ + "/" + file_safe(worker_) + "-" + std::to_string(starts_);
    out_log_ = capped_log(base + ".out", static_cast<std::size_t>(spec_.log_limit));
    err_log_ = capped_log(base + ".err", static_cast<std::size_t>(spec_.log_limit));
  }
  partial_.clear();
  auto why = spawn_child(argv, {"ASYNCBO_WORKER=" + worker_, "ASYNCBO_MODE=persistent"}, cwd,
                         child_);
  if (!why.empty())
    child_ = child_process{};
  return why;
}

std::string persistent_program::stop() {
  if (!running())
    return "not running";
  int status = 0;
  child_.in.reset();
  end_group(child_.pid, status, 0.2);
  if (reaped_)
    status = reaped_status_;
  reaped_ = false;
  // What it printed last (the group is gone: one pass reads to the end; a
  // process that escaped the group and keeps the pipe open is not waited for).
  std::vector<std::string> lines;
  drain(true, true, lines);
  for (auto& l : lines)
    out_log_.write(l + "\n");
  if (!partial_.empty())
    out_log_.write(partial_ + "\n");
  partial_.clear();
  child_ = child_process{};
  out_log_.finish();
  err_log_.finish();
  return describe_exit(status);
}

namespace {

/// Reads what `fd` has now, without blocking, passing each chunk to `sink`;
/// at end of file (or an error) closes `fd`.
template <class Sink>
void read_available(unique_fd& fd, Sink&& sink) {
  char buf[8192];
  while (fd) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0)
      return;
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      fd.reset();
      return;
    }
    sink(buf, static_cast<std::size_t>(n));
  }
}

} // namespace

bool persistent_program::drain(bool out_ready, bool err_ready, std::vector<std::string>& lines) {
  if (err_ready)
    read_available(child_.err, [&](const char* p, std::size_t n) { err_log_.write(p, n); });
  if (out_ready)
    read_available(child_.out, [&](const char* p, std::size_t n) {
      partial_.append(p, n);
      std::size_t nl;
      while ((nl = partial_.find('\n')) != std::string::npos) {
        lines.push_back(partial_.substr(0, nl));
        partial_.erase(0, nl + 1);
      }
      // A line without an end is bounded too: past 1 MiB it is only output.
      if (partial_.size() > (std::size_t{1} << 20)) {
        out_log_.write(partial_);
        partial_.clear();
      }
    });
  return bool(child_.out);
}

command_outcome persistent_program::evaluate(const std::vector<double>& x, std::uint64_t id,
                                             std::uint32_t attempt) {
  if (processes_cancelled())
    return failed(attempt_status::cancelled, "the run was interrupted");
  // Exited since the last request (crashed after answering, say).
  if (running()) {
    if (leader_exited())
      err_log_.write("[asyncbo: the program ended between requests (" + stop()
                     + "); restarted]\n");
  }
  if (!running())
    if (auto why = start(); !why.empty())
      return failed(attempt_status::error, why);
  const auto t0 = clock_type::now();
  auto seconds = [&] { return std::chrono::duration<double>(clock_type::now() - t0).count(); };
  auto finish = [&](command_outcome out) {
    out.seconds = seconds();
    return out;
  };
  const std::string line
    = request_line(spec_.names, x, id, attempt, worker_, spec_.choices) + "\n";
  if (!write_fully(child_.in.get(), line.data(), line.size())) {
    const std::string how = stop();
    return finish(failed(attempt_status::error,
                         "the program did not take the request (" + how
                           + "); it is restarted for the next evaluation"
                           + said_on_stderr(err_log_.last_line())));
  }
  const bool has_timeout = spec_.timeout > 0.0;
  const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(spec_.timeout));
  std::vector<std::string> lines;
  for (;;) {
    if (processes_cancelled()) {
      stop();
      return finish(failed(attempt_status::cancelled,
                           "the run was interrupted; process group killed"));
    }
    int wait_ms = 50;
    if (has_timeout) {
      const auto left
        = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now())
            .count();
      if (left <= 0) {
        stop();
        return finish(failed(attempt_status::timeout,
                             "no reply after " + exact(spec_.timeout)
                               + " s (objective.timeout); process group killed, the program "
                                 "is restarted for the next evaluation"));
      }
      wait_ms = static_cast<int>(std::min<long>(left, 50));
    }
    pollfd p[2] = {{child_.out ? child_.out.get() : -1, POLLIN, 0},
                   {child_.err ? child_.err.get() : -1, POLLIN, 0}};
    bool out_open = true;
    if (::poll(p, 2, wait_ms) > 0)
      out_open = drain(p[0].revents != 0, p[1].revents != 0, lines);
    // The leader gone: what it printed before it went is still read.
    bool gone = false;
    if (out_open && !reaped_ && leader_exited()) {
      gone = true;
      drain(true, true, lines);
    }
    command_outcome out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      switch (parse_reply(lines[i], id, out)) {
        case reply_kind::not_a_reply:
          out_log_.write(lines[i] + "\n");
          break;
        case reply_kind::reply:
          for (std::size_t k = i + 1; k < lines.size(); ++k)
            out_log_.write(lines[k] + "\n");
          return finish(out);
        case reply_kind::invalid:
          out_log_.write(lines[i] + "\n");
          stop();
          out.reason += "; the program is restarted";
          return finish(out);
      }
    }
    lines.clear();
    if (!out_open || gone) {
      // Ended (or closed its stdout) without answering.
      const std::string how = stop();
      return finish(failed(attempt_status::error,
                           "the program ended without answering (" + how
                             + "); it is restarted for the next evaluation"
                             + said_on_stderr(err_log_.last_line())));
    }
  }
}

} // namespace asyncbo::io
