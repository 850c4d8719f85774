// SPDX-License-Identifier: Apache-2.0
// The process runner shared by `asyncbo sweep` and asyncbo-bench: the job
// limit, exit codes, start failures, and the two ways a run can stop early
// (a signal, an exception from a hook) leaving no child behind.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <signal.h>
#include <unistd.h>

#include "app/process_runner.hpp"

using namespace asyncbo::app;
namespace fs = std::filesystem;

namespace {

std::string log_path() {
  return (fs::temp_directory_path() / ("asyncbo-runner-" + std::to_string(::getpid()) + ".log"))
      .string();
}

/// True if `pid` names no process any more (it was reaped).
bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

} // namespace

BOOST_AUTO_TEST_SUITE(process_runner_suite)

BOOST_AUTO_TEST_CASE(every_task_runs_once_within_the_job_limit_with_its_exit_code) {
  const std::string log = log_path();
  std::size_t running = 0, most = 0;
  std::map<std::size_t, int> codes;
  process_runner_hooks h;
  h.start = [&](std::size_t i, std::string& why) {
    ++running;
    most = std::max(most, running);
    return spawn_logged({"/bin/sh", "-c", "exit " + std::to_string(i)}, log, why);
  };
  h.finished = [&](std::size_t i, int code, const std::string&) {
    --running;
    BOOST_TEST(codes.count(i) == 0u);
    codes[i] = code;
  };
  BOOST_TEST(run_processes(6, h, {2, false, 10.0}));
  BOOST_TEST(most <= 2u);
  BOOST_TEST(most >= 1u);
  BOOST_TEST_REQUIRE(codes.size() == 6u);
  for (auto& [i, code] : codes)
    BOOST_TEST(code == static_cast<int>(i));
  fs::remove(log);
}

BOOST_AUTO_TEST_CASE(a_task_that_cannot_start_is_reported_and_the_rest_run) {
  const std::string log = log_path();
  std::map<std::size_t, std::pair<int, std::string>> seen;
  process_runner_hooks h;
  h.start = [&](std::size_t i, std::string& why) {
    const std::string prog = i == 1 ? "/nonexistent/program" : "/bin/true";
    return spawn_logged({prog}, log, why);
  };
  h.finished = [&](std::size_t i, int code, const std::string& why) { seen[i] = {code, why}; };
  BOOST_TEST(run_processes(3, h, {1, false, 10.0}));
  BOOST_TEST_REQUIRE(seen.size() == 3u);
  BOOST_TEST(seen[0].first == 0);
  BOOST_TEST(seen[1].first == failed_to_start);
  BOOST_TEST(seen[1].second.find("/nonexistent/program") != std::string::npos);
  BOOST_TEST(seen[2].first == 0);
  fs::remove(log);
}

BOOST_AUTO_TEST_CASE(an_exception_from_a_hook_leaves_no_child_running) {
  // Task 0 ends at once and its hook throws; task 1 (a 30 s sleep) is still
  // running then and must be terminated and reaped before run() rethrows.
  const std::string log = log_path();
  pid_t sleeper = -1;
  process_runner_hooks h;
  h.start = [&](std::size_t i, std::string& why) {
    if (i == 0)
      return spawn_logged({"/bin/true"}, log, why);
    sleeper = spawn_logged({"/bin/sleep", "30"}, log, why);
    return sleeper;
  };
  h.finished = [&](std::size_t i, int, const std::string&) {
    if (i == 0)
      throw std::runtime_error("cannot write the report");
  };
  BOOST_CHECK_THROW(run_processes(2, h, {2, false, 5.0}), std::runtime_error);
  BOOST_TEST_REQUIRE(sleeper > 0);
  BOOST_TEST(gone(sleeper));
  fs::remove(log);
}

BOOST_AUTO_TEST_CASE(a_signal_terminates_the_running_children_and_starts_no_more) {
  // The signal arrives while task 0 is being started (the start hook holds
  // the runner's lock): the child is in the table when the kill loop runs,
  // and tasks 1 and 2 never start.
  const std::string log = log_path();
  std::vector<pid_t> started;
  std::map<std::size_t, int> codes;
  process_runner_hooks h;
  h.start = [&](std::size_t, std::string& why) {
    const pid_t pid = spawn_logged({"/bin/sleep", "30"}, log, why);
    started.push_back(pid);
    ::kill(::getpid(), SIGINT); // SIGINT is blocked in every thread: the watch takes it
    return pid;
  };
  h.finished = [&](std::size_t i, int code, const std::string&) { codes[i] = code; };
  BOOST_TEST(!run_processes(3, h, {1, true, 5.0}));
  BOOST_TEST_REQUIRE(started.size() == 1u);
  BOOST_TEST(gone(started[0]));
  BOOST_TEST_REQUIRE(codes.size() == 1u);
  BOOST_TEST(codes[0] == 128 + SIGTERM);
  fs::remove(log);
}

BOOST_AUTO_TEST_CASE(exit_codes_of_signals_are_128_plus_the_signal) {
  const std::string log = log_path();
  int code = 0;
  process_runner_hooks h;
  h.start = [&](std::size_t, std::string& why) {
    return spawn_logged({"/bin/sh", "-c", "kill -KILL $$"}, log, why);
  };
  h.finished = [&](std::size_t, int c, const std::string&) { code = c; };
  BOOST_TEST(run_processes(1, h, {1, false, 10.0}));
  BOOST_TEST(code == 128 + SIGKILL);
  fs::remove(log);
}

BOOST_AUTO_TEST_SUITE_END()
