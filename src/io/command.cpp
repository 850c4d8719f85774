// SPDX-License-Identifier: Apache-2.0
// External-program objectives.
#include "io/command.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "io/records.hpp"

extern char** environ;

namespace asyncbo::io {

namespace {

using clock_type = std::chrono::steady_clock;

std::atomic<bool> cancelled{false};

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string shorten(const std::string& s, std::size_t n = 120) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

std::string point_json(const command_spec& spec, const std::vector<double>& x) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < spec.names.size() && i < x.size(); ++i)
    j[spec.names[i]] = x[i];
  return j.dump();
}

void write_all(int fd, const std::string& s) {
  // A program that closes its stdin early is not our problem (SIGPIPE is
  // ignored, the error is dropped).
  write_fully(fd, s.data(), s.size());
}

/// Waits until no process of group `pgid` is left, reaping those that are
/// (or become, as we are a subreaper) our children. Call after SIGKILL to
/// the group. Gives up after 2 s (a process stuck in uninterruptible sleep).
void reap_group(pid_t pgid) {
  const auto give_up = clock_type::now() + std::chrono::seconds(2);
  for (;;) {
    int st = 0;
    while (::waitpid(-pgid, &st, WNOHANG) > 0) {
    }
    if (::kill(-pgid, 0) != 0 && errno == ESRCH)
      return; // nobody left, zombies included
    if (clock_type::now() > give_up)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

} // namespace

std::vector<std::string> expand_argv(const command_spec& spec,
                                     const std::vector<double>& x) {
  std::vector<std::string> out;
  for (std::size_t a = 0; a < spec.argv.size(); ++a) {
    const std::string& arg = spec.argv[a];
    std::string res;
    for (std::size_t i = 0; i < arg.size(); ++i) {
      char c = arg[i];
      if (c == '{' && i + 1 < arg.size() && arg[i + 1] == '{') {
        res += '{';
        ++i;
      } else if (c == '}' && i + 1 < arg.size() && arg[i + 1] == '}') {
        res += '}';
        ++i;
      } else if (c == '{') {
        auto close = arg.find('}', i);
        if (close == std::string::npos)
          throw std::invalid_argument("objective.command: argument " + std::to_string(a)
                                      + " (\"" + arg + "\") has an unmatched '{'");
        std::string name = arg.substr(i + 1, close - i - 1);
        std::size_t k = 0;
        while (k < spec.names.size() && spec.names[k] != name)
          ++k;
        if (k == spec.names.size())
          throw std::invalid_argument("objective.command: argument " + std::to_string(a)
                                      + " (\"" + arg + "\") names {" + name
                                      + "}, which is not in space.names");
        res += k < x.size() ? exact(x[k]) : std::string();
        i = close;
      } else if (c == '}') {
        throw std::invalid_argument("objective.command: argument " + std::to_string(a)
                                    + " (\"" + arg + "\") has an unmatched '}'");
      } else {
        res += c;
      }
    }
    out.push_back(res);
  }
  return out;
}

void parse_output(const std::string& text, command_outcome& out) {
  // Last non-empty line.
  std::string line;
  std::size_t end = text.size();
  while (end > 0) {
    auto start = text.rfind('\n', end - 1);
    std::size_t b = start == std::string::npos ? 0 : start + 1;
    line = trim(text.substr(b, end - b));
    if (!line.empty() || start == std::string::npos)
      break;
    end = start;
  }
  if (line.empty()) {
    out.status = "bad_output";
    out.reason = "no output: the last line of stdout must be the value";
    return;
  }
  double v = 0.0;
  bool parsed = false;
  if (line.front() == '{') {
    try {
      auto j = nlohmann::json::parse(line);
      if (j.contains("value") && j["value"].is_number()) {
        v = j["value"].get<double>();
        parsed = true;
      } else if (j.contains("value") && j["value"].is_null()) {
        v = std::nan("");
        parsed = true;
      }
    } catch (const nlohmann::json::exception&) {
      // falls through to bad_output
    }
  } else {
    char* endp = nullptr;
    errno = 0;
    v = std::strtod(line.c_str(), &endp);
    parsed = endp != line.c_str() && *endp == '\0';
  }
  if (!parsed) {
    out.status = "bad_output";
    out.reason = "last line of stdout is not a number or {\"value\": number}: \""
                 + shorten(line) + "\"";
    return;
  }
  if (!std::isfinite(v)) {
    out.status = "not_finite";
    out.reason = "objective printed " + shorten(line);
    return;
  }
  out.status = "ok";
  out.value = v;
}

void cancel_commands() {
  cancelled = true;
}

bool commands_cancelled() {
  return cancelled.load();
}

void prepare_process() {
#ifdef PR_SET_CHILD_SUBREAPER
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
  // A program that closes its stdin early must not kill us with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
}

command_outcome run_command(const command_spec& spec, const std::vector<double>& x,
                            std::uint64_t id, std::uint32_t attempt,
                            const std::string& worker) {
  command_outcome out;
  std::vector<std::string> argv;
  try {
    argv = expand_argv(spec, x);
  } catch (const std::invalid_argument& e) {
    out.status = "error";
    out.reason = e.what();
    return out;
  }
  if (argv.empty()) {
    out.status = "error";
    out.reason = "objective.command is empty";
    return out;
  }
  // Resolve the program on PATH here: only async-signal-safe calls may
  // follow the fork of a multi-threaded process.
  if (argv[0].find('/') == std::string::npos) {
    std::string found;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t b = 0;
    while (b <= dirs.size()) {
      auto e = dirs.find(':', b);
      std::string dir = dirs.substr(b, e == std::string::npos ? std::string::npos : e - b);
      std::string cand = (dir.empty() ? "." : dir) + "/" + argv[0];
      if (::access(cand.c_str(), X_OK) == 0) {
        found = cand;
        break;
      }
      if (e == std::string::npos)
        break;
      b = e + 1;
    }
    if (found.empty()) {
      out.status = "error";
      out.reason = "cannot find program \"" + argv[0] + "\" on PATH";
      return out;
    }
    argv[0] = found;
  }
  const std::string tag = std::to_string(id) + "-" + std::to_string(attempt);
  std::string cwd;
  if (!spec.workdir.empty()) {
    cwd = spec.workdir + "/" + tag;
    std::error_code ec;
    std::filesystem::create_directories(cwd, ec);
    if (ec) {
      out.status = "error";
      out.reason = "cannot create working directory " + cwd + ": " + ec.message();
      return out;
    }
  }
  int err_fd = -1;
  if (!spec.log_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(spec.log_dir, ec);
    err_fd = ::open((spec.log_dir + "/" + tag + ".err").c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  int out_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    out.status = "error";
    out.reason = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  // Everything the child needs is prepared before fork (only async-signal-safe
  // calls after it).
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "ASYNCBO_", 8) != 0)
      env_store.emplace_back(*e);
  const std::string params = point_json(spec, x);
  env_store.push_back("ASYNCBO_ID=" + std::to_string(id));
  env_store.push_back("ASYNCBO_ATTEMPT=" + std::to_string(attempt));
  env_store.push_back("ASYNCBO_WORKER=" + worker);
  env_store.push_back("ASYNCBO_PARAMS=" + params);
  std::vector<char*> envp, args;
  for (auto& s : env_store)
    envp.push_back(const_cast<char*>(s.c_str()));
  envp.push_back(nullptr);
  for (auto& s : argv)
    args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  auto t0 = clock_type::now();
  pid_t pid = ::fork();
  if (pid < 0) {
    out.status = "error";
    out.reason = std::string("fork: ") + std::strerror(errno);
    return out;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    // If the evaluator thread (and so the head) dies, the program dies too.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_fd >= 0 ? err_fd : devnull, 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
      _exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  ::setpgid(pid, pid); // also in the parent: no race with an early kill
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  if (err_fd >= 0)
    ::close(err_fd);
  if (devnull >= 0)
    ::close(devnull);
  if (spec.json_stdin)
    write_all(in_pipe[1], params + "\n");
  ::close(in_pipe[1]);

  std::string text;
  int log_fd = -1;
  if (!spec.log_dir.empty())
    log_fd = ::open((spec.log_dir + "/" + tag + ".out").c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const bool has_timeout = spec.timeout > 0.0;
  const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(spec.timeout));
  bool timed_out = false, eof = false, exited = false, stop = false;
  int status = 0;
  char buf[8192];
  while (!exited) {
    if (cancelled) {
      stop = true;
      break;
    }
    int wait_ms = 50;
    if (has_timeout) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline
                                                                          - clock_type::now())
                    .count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long>(left, 50));
    }
    if (!eof) {
      pollfd p{out_pipe[0], POLLIN, 0};
      int r = ::poll(&p, 1, wait_ms);
      if (r > 0) {
        ssize_t n = ::read(out_pipe[0], buf, sizeof(buf));
        if (n > 0) {
          if (log_fd >= 0)
            write_all(log_fd, std::string(buf, static_cast<std::size_t>(n)));
          text.append(buf, static_cast<std::size_t>(n));
          // Only the tail matters (the value is the last line).
          if (text.size() > (1u << 20))
            text.erase(0, text.size() - (1u << 16));
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
          eof = true;
        }
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms > 10 ? 10 : wait_ms));
    }
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      exited = true;
  }
  if (timed_out || stop) {
    ::kill(-pid, SIGTERM);
    auto grace = clock_type::now() + std::chrono::milliseconds(500);
    while (clock_type::now() < grace) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-pid, SIGKILL);
    if (!exited)
      ::waitpid(pid, &status, 0);
  } else {
    // Drain what is left in the pipe (the program has exited).
    for (;;) {
      pollfd p{out_pipe[0], POLLIN, 0};
      if (::poll(&p, 1, 0) <= 0)
        break;
      ssize_t n = ::read(out_pipe[0], buf, sizeof(buf));
      if (n <= 0)
        break;
      if (log_fd >= 0)
        write_all(log_fd, std::string(buf, static_cast<std::size_t>(n)));
      text.append(buf, static_cast<std::size_t>(n));
    }
    // Anything the program left running in its group goes too.
    ::kill(-pid, SIGKILL);
  }
  reap_group(pid);
  ::close(out_pipe[0]);
  if (log_fd >= 0)
    ::close(log_fd);
  out.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  if (stop) {
    out.status = "cancelled";
    out.reason = "the run was interrupted; process group killed";
    return out;
  }
  if (timed_out) {
    out.status = "timeout";
    out.reason = "no result after " + exact(spec.timeout)
                 + " s (objective.timeout); process group killed";
    return out;
  }
  if (WIFSIGNALED(status)) {
    out.status = "error";
    out.reason = "killed by signal " + std::to_string(WTERMSIG(status));
    return out;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 127) {
    out.status = "error";
    out.reason = "cannot execute \"" + argv[0] + "\" (exit code 127)";
    return out;
  }
  if (code != 0) {
    out.status = "error";
    out.reason = "exit code " + std::to_string(code);
    return out;
  }
  parse_output(text, out);
  return out;
}

} // namespace asyncbo::io
