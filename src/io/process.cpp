// SPDX-License-Identifier: Apache-2.0
// Process supervision.
#include "io/process.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/records.hpp"

extern char** environ;

namespace asyncbo::io {

namespace {

using clock_type = std::chrono::steady_clock;

std::atomic<bool> cancelled{false};

constexpr std::size_t tail_limit = std::size_t{1} << 16;

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

/// Appends what the program wrote to its log and (stdout) the bounded tail.
void consume(const char* buf, std::size_t n, capped_log& log, std::string* tail) {
  log.write(buf, n);
  if (!tail)
    return;
  tail->append(buf, n);
  if (tail->size() > 2 * tail_limit)
    tail->erase(0, tail->size() - tail_limit);
}

/// Reads what is available on `fd` into the log; false at end of file.
bool drain_once(int fd, char* buf, std::size_t size, capped_log& log, std::string* tail) {
  const ssize_t n = ::read(fd, buf, size);
  if (n > 0) {
    consume(buf, static_cast<std::size_t>(n), log, tail);
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

/// Everything the child needs, prepared before fork: only async-signal-safe
/// calls may follow the fork of a multi-threaded process.
struct exec_image {
  std::vector<std::string> store;
  std::vector<char*> argv, envp;

  exec_image(const std::vector<std::string>& args, const std::vector<std::string>& extra) {
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "ASYNCBO_", 8) != 0)
        store.emplace_back(*e);
    store.insert(store.end(), extra.begin(), extra.end());
    const std::size_t n_env = store.size();
    store.insert(store.end(), args.begin(), args.end());
    for (std::size_t i = 0; i < n_env; ++i)
      envp.push_back(store[i].data());
    envp.push_back(nullptr);
    for (std::size_t i = n_env; i < store.size(); ++i)
      argv.push_back(store[i].data());
    argv.push_back(nullptr);
  }
};

} // namespace

capped_log::capped_log(const std::string& path, std::size_t limit) : limit_(limit) {
  if (!path.empty())
    fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
}

namespace {
constexpr std::size_t line_limit = 200;
bool blank(const std::string& s) {
  return s.find_first_not_of(" \t\r") == std::string::npos;
}
} // namespace

std::string said_on_stderr(const std::string& last_line) {
  return last_line.empty() ? std::string() : "; stderr ended with: " + last_line;
}

std::string capped_log::last_line() const {
  std::string s = blank(line_) ? last_ : line_;
  while (!s.empty() && (s.back() == '\r' || s.back() == ' '))
    s.pop_back();
  return s;
}

void capped_log::track_last_line(const char* p, std::size_t n) {
  auto append = [](std::string& s, const char* q, std::size_t k) {
    if (s.size() < line_limit)
      s.append(q, std::min(k, line_limit - s.size()));
  };
  const char* nl = static_cast<const char*>(::memrchr(p, '\n', n));
  if (!nl) {
    append(line_, p, n);
    return;
  }
  // Lines end in this chunk: the last one that is not blank, found from the
  // end (the first line of the chunk continues line_), replaces last_.
  for (const char* stop = nl;;) {
    const char* prev = static_cast<const char*>(::memrchr(p, '\n', std::size_t(stop - p)));
    const char* begin = prev ? prev + 1 : p;
    std::string line = prev ? std::string() : line_;
    append(line, begin, std::size_t(stop - begin));
    if (!blank(line)) {
      last_ = std::move(line);
      break;
    }
    if (!prev)
      break;
    stop = prev;
  }
  line_.clear();
  append(line_, nl + 1, std::size_t(p + n - nl - 1));
}

void capped_log::write(const char* p, std::size_t n) {
  track_last_line(p, n);
  if (!fd_)
    return;
  if (limit_ == 0) {
    write_fully(fd_.get(), p, n);
    return;
  }
  const std::size_t half = limit_ / 2;
  if (head_ < half) {
    const std::size_t k = std::min(n, half - head_);
    write_fully(fd_.get(), p, k);
    head_ += k;
    p += k;
    n -= k;
  }
  if (n == 0)
    return;
  tail_.append(p, n);
  if (tail_.size() > 2 * half) {
    dropped_ += tail_.size() - half;
    tail_.erase(0, tail_.size() - half);
  }
}

void capped_log::finish() {
  if (!fd_)
    return;
  const std::size_t half = limit_ / 2;
  if (limit_ > 0 && tail_.size() > half) {
    dropped_ += tail_.size() - half;
    tail_.erase(0, tail_.size() - half);
  }
  if (dropped_ > 0) {
    const std::string mark = "\n[asyncbo: " + std::to_string(dropped_)
                             + " bytes dropped here (objective.log-limit)]\n";
    write_fully(fd_.get(), mark.data(), mark.size());
  }
  write_fully(fd_.get(), tail_.data(), tail_.size());
  tail_.clear();
  fd_.reset();
}

std::string spawn_child(const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, const std::string& cwd,
                        child_process& out) {
  if (argv.empty())
    return "no program given";
  std::vector<std::string> args = argv;
  args[0] = resolve_program(args[0]);
  if (args[0].empty())
    return "cannot find program \"" + argv[0] + "\" on PATH";
  pipe_fds out_pipe, err_pipe, in_pipe;
  if (!make_pipe(out_pipe) || !make_pipe(err_pipe) || !make_pipe(in_pipe))
    return std::string("pipe: ") + std::strerror(errno);
  exec_image image(args, env);
  const pid_t pid = ::fork();
  if (pid < 0)
    return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    ::setpgid(0, 0);
    // If the calling thread (and so the head) dies, the program dies too.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(in_pipe.read.get(), 0);
    ::dup2(out_pipe.write.get(), 1);
    ::dup2(err_pipe.write.get(), 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
      _exit(126);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(image.argv[0], image.argv.data(), image.envp.data());
    _exit(127);
  }
  ::setpgid(pid, pid); // also in the parent: no race with an early kill
  out.pid = pid;
  out.in = std::move(in_pipe.write);
  out.out = std::move(out_pipe.read);
  out.err = std::move(err_pipe.read);
  return "";
}

bool end_group(int pid, int& status, double grace_s) {
  bool exited = false;
  ::kill(-pid, SIGTERM);
  const auto grace = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                           std::chrono::duration<double>(grace_s));
  while (clock_type::now() < grace) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);
  if (!exited)
    ::waitpid(pid, &status, 0);
  reap_group(pid);
  return exited;
}

void unique_fd::reset(int fd) noexcept {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = fd;
}

bool make_pipe(pipe_fds& out) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return false;
  out.read.reset(fds[0]);
  out.write.reset(fds[1]);
  return true;
}

std::string resolve_program(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return name;
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t b = 0;
  for (;;) {
    const auto e = dirs.find(':', b);
    const std::string dir = dirs.substr(b, e == std::string::npos ? std::string::npos : e - b);
    const std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(cand.c_str(), X_OK) == 0)
      return cand;
    if (e == std::string::npos)
      return {};
    b = e + 1;
  }
}

void cancel_processes() {
  cancelled = true;
}

bool processes_cancelled() {
  return cancelled.load();
}

void prepare_process() {
#ifdef PR_SET_CHILD_SUBREAPER
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
  // A program that closes its stdin early must not kill us with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
}

process_result run_process(const process_request& req) {
  process_result res;
  auto fail = [&](std::string why) {
    res.how = process_result::end::failed_to_start;
    res.error = std::move(why);
    return res;
  };
  if (req.argv.empty())
    return fail("no program given");
  capped_log out_log(req.stdout_log, req.log_limit);
  capped_log err_log(req.stderr_log, req.log_limit);
  const auto t0 = clock_type::now();
  child_process child;
  if (auto why = spawn_child(req.argv, req.env, req.cwd, child); !why.empty())
    return fail(why);
  const pid_t pid = child.pid;
  if (!req.stdin_text.empty())
    write_fully(child.in.get(), req.stdin_text.data(), req.stdin_text.size());
  child.in.reset();
  auto& out_pipe_read = child.out;
  auto& err_pipe_read = child.err;

  const bool has_timeout = req.timeout > 0.0;
  const auto deadline = t0 + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(req.timeout));
  bool timed_out = false, out_eof = false, err_eof = false, exited = false, stop = false;
  int status = 0;
  char buf[8192];
  while (!exited) {
    if (cancelled) {
      stop = true;
      break;
    }
    int wait_ms = 50;
    if (has_timeout) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - clock_type::now())
                          .count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long>(left, 50));
    }
    if (!out_eof || !err_eof) {
      pollfd p[2] = {{out_eof ? -1 : out_pipe_read.get(), POLLIN, 0},
                     {err_eof ? -1 : err_pipe_read.get(), POLLIN, 0}};
      if (::poll(p, 2, wait_ms) > 0) {
        if (p[0].revents && !drain_once(p[0].fd, buf, sizeof(buf), out_log, &res.stdout_tail))
          out_eof = true;
        if (p[1].revents && !drain_once(p[1].fd, buf, sizeof(buf), err_log, nullptr))
          err_eof = true;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait_ms, 10)));
    }
    if (::waitpid(pid, &status, WNOHANG) == pid)
      exited = true;
  }
  if (timed_out || stop) {
    end_group(pid, status);
  } else {
    // Drain what is left in the pipes (the program has exited).
    for (auto [fd, log, tail] : {std::tuple{out_pipe_read.get(), &out_log, &res.stdout_tail},
                                 std::tuple{err_pipe_read.get(), &err_log,
                                            static_cast<std::string*>(nullptr)}}) {
      for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0 || !drain_once(fd, buf, sizeof(buf), *log, tail))
          break;
      }
    }
    // Anything the program left running in its group goes too.
    ::kill(-pid, SIGKILL);
  }
  res.stderr_last = err_log.last_line();
  out_log.finish();
  err_log.finish();
  reap_group(pid);   // (a second time after end_group: a no-op)
  if (res.stdout_tail.size() > tail_limit)
    res.stdout_tail.erase(0, res.stdout_tail.size() - tail_limit);
  res.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  if (stop)
    res.how = process_result::end::cancelled;
  else if (timed_out)
    res.how = process_result::end::timed_out;
  else if (WIFSIGNALED(status)) {
    res.how = process_result::end::signalled;
    res.code = WTERMSIG(status);
  } else {
    res.how = process_result::end::exited;
    res.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return res;
}

} // namespace asyncbo::io
