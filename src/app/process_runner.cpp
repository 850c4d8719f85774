// SPDX-License-Identifier: Apache-2.0
// The process-per-run runner.
#include "app/process_runner.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/signals.hpp"

extern char** environ;

namespace asyncbo::app {

pid_t spawn_logged(const std::vector<std::string>& argv, const std::string& log,
                   std::string& why) {
  if (argv.empty()) {
    why = "nothing to start";
    return -1;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &defaults);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &fa, &at, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (rc != 0) {
    why = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {

/// The running children; on destruction (normal or unwinding) none is left.
struct children {
  std::mutex mx;
  std::map<pid_t, std::size_t> running;
  bool interrupted = false;
  double grace_s = 10.0;

  ~children() {
    std::lock_guard<std::mutex> g(mx);
    if (running.empty())
      return;
    for (auto& [pid, i] : running)
      ::kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now()
                          + std::chrono::duration<double>(grace_s);
    while (!running.empty()) {
      for (auto it = running.begin(); it != running.end();) {
        int st = 0;
        const pid_t r = ::waitpid(it->first, &st, WNOHANG);
        it = (r == it->first || (r < 0 && errno == ECHILD)) ? running.erase(it) : std::next(it);
      }
      if (running.empty())
        break;
      if (std::chrono::steady_clock::now() > deadline) {
        for (auto& [pid, i] : running) {
          ::kill(pid, SIGKILL);
          int st = 0;
          ::waitpid(pid, &st, 0);
        }
        running.clear();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
};

} // namespace

bool run_processes(std::size_t tasks, const process_runner_hooks& hooks,
                   const process_runner_options& opts) {
  // `kids` outlives the watch: the watch's thread is joined before the
  // table it writes to goes away.
  children kids;
  kids.grace_s = opts.grace_s;
  std::unique_ptr<signal_watch> signals;
  if (opts.watch_signals) {
    signals = std::make_unique<signal_watch>();
    signals->on_signal([&kids](int) {
      std::lock_guard<std::mutex> g(kids.mx);
      kids.interrupted = true;
      for (auto& [pid, i] : kids.running)
        ::kill(pid, SIGTERM);
    });
  }
  const std::size_t jobs = opts.jobs > 0 ? opts.jobs : 1;
  std::size_t next = 0;
  for (;;) {
    for (;;) {
      std::string why;
      std::size_t i = 0;
      {
        std::lock_guard<std::mutex> g(kids.mx);
        if (kids.interrupted || kids.running.size() >= jobs || next >= tasks)
          break;
        i = next++;
        const pid_t pid = hooks.start(i, why);
        if (pid > 0) {
          kids.running[pid] = i;
          continue;
        }
      }
      hooks.finished(i, failed_to_start, why);
    }
    {
      std::lock_guard<std::mutex> g(kids.mx);
      if (kids.running.empty())
        break;
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    std::size_t i = 0;
    {
      std::lock_guard<std::mutex> g(kids.mx);
      auto it = kids.running.find(pid);
      if (it == kids.running.end())
        continue;
      i = it->second;
      kids.running.erase(it);
    }
    hooks.finished(i, exit_code_of(status), "");
  }
  std::lock_guard<std::mutex> g(kids.mx);
  return !kids.interrupted;
}

} // namespace asyncbo::app
