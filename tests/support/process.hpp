// SPDX-License-Identifier: Apache-2.0
// Runs a program and captures its exit code, stdout and stderr (tests only).
#pragma once

#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

namespace asyncbo::test {

struct proc_result {
  int code = -1;       ///< exit code, or 128 + signal
  std::string out, err;
};

inline std::string slurp_fd(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0)
    s.append(buf, static_cast<std::size_t>(n));
  return s;
}

/// Forks and executes argv with stdout and stderr on the given descriptors.
inline pid_t spawn_with(const std::vector<std::string>& argv, int fd_out, int fd_err) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fd_out, 1);
    ::dup2(fd_err, 2);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

/// Runs argv to completion; stdout and stderr go to temporary files (no
/// pipe deadlocks), read back afterwards.
inline proc_result run_program(const std::vector<std::string>& argv) {
  char out_tmpl[] = "/tmp/asyncbo-out-XXXXXX";
  char err_tmpl[] = "/tmp/asyncbo-err-XXXXXX";
  int fo = ::mkstemp(out_tmpl), fe = ::mkstemp(err_tmpl);
  pid_t pid = spawn_with(argv, fo, fe);
  int status = 0;
  ::waitpid(pid, &status, 0);
  proc_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::lseek(fo, 0, SEEK_SET);
  ::lseek(fe, 0, SEEK_SET);
  r.out = slurp_fd(fo);
  r.err = slurp_fd(fe);
  ::close(fo);
  ::close(fe);
  ::unlink(out_tmpl);
  ::unlink(err_tmpl);
  return r;
}

/// Starts argv in the background with stdout/stderr to files; returns the pid.
inline pid_t start_program(const std::vector<std::string>& argv, const std::string& out,
                           const std::string& err) {
  int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = spawn_with(argv, fo, fe);
  ::close(fo);
  ::close(fe);
  return pid;
}

/// Waits for pid; returns its exit code (128 + signal if killed), or -1 if it
/// is still running after `seconds`.
inline int wait_program(pid_t pid, double seconds) {
  for (int i = 0; i < int(seconds * 100); ++i) {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    ::usleep(10000);
  }
  return -1;
}

inline std::string read_file(const std::string& p);

/// Polls `done()` every 10 ms until it holds or `seconds` pass; returns its
/// last answer. Tests wait with this, never with a fixed sleep.
template <class Pred>
bool poll_until(Pred done, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return done();
    ::usleep(10000);
  }
}

/// Processes whose command line contains every one of `parts`.
inline std::size_t processes_matching(const std::vector<std::string>& parts) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    std::ifstream f(e.path() / "cmdline");
    std::string cmd((std::istreambuf_iterator<char>(f)), {});
    bool all = !cmd.empty();
    for (auto& p : parts)
      all = all && cmd.find(p) != std::string::npos;
    n += all ? 1 : 0;
  }
  return n;
}

/// Polls `path` until it contains `needle` (or `seconds` pass).
inline bool wait_for_text(const std::string& path, const std::string& needle,
                          double seconds) {
  for (int i = 0; i < int(seconds * 100); ++i) {
    std::ifstream f(path);
    std::string s((std::istreambuf_iterator<char>(f)), {});
    if (s.find(needle) != std::string::npos)
      return true;
    ::usleep(10000);
  }
  return false;
}

inline std::string read_file(const std::string& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// A fresh temporary directory, removed at the end.
struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/asyncbo-it-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// argv[1] = the asyncbo binary, argv[2] = the source directory (passed by
/// CTest after "--").
inline std::string binary() {
  auto& m = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE(m.argc >= 3);
  return m.argv[1];
}

inline std::string source_dir() {
  auto& m = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE(m.argc >= 3);
  return m.argv[2];
}

/// Splits CSV text into rows of fields (handles quoted fields).
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      field.clear();
      rows.push_back(row);
      row.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

} // namespace asyncbo::test
