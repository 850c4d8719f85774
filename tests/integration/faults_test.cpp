// SPDX-License-Identifier: Apache-2.0
// Real objectives and fault tolerance, end to end: an external program that
// fails, hangs, prints garbage and NaN; SIGKILL of the head and --resume;
// damaged logs and refused resumes.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <dirent.h>
#include <sys/prctl.h>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

using namespace asyncbo::test;

namespace {

/// Children of this process still alive (any state, zombies included).
std::vector<std::string> our_children() {
  std::vector<std::string> out;
  const std::string me = std::to_string(::getpid());
  DIR* d = ::opendir("/proc");
  while (auto* e = ::readdir(d)) {
    std::string pid = e->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto status = read_file("/proc/" + pid + "/status");
    auto p = status.find("PPid:\t");
    if (p == std::string::npos)
      continue;
    auto ppid = status.substr(p + 6, status.find('\n', p) - p - 6);
    if (ppid == me)
      out.push_back(pid + " " + status.substr(0, status.find('\n')));
  }
  ::closedir(d);
  return out;
}

std::map<std::string, std::vector<std::vector<std::string>>>
rows_by_id(const std::string& csv) {
  std::map<std::string, std::vector<std::vector<std::string>>> m;
  auto rows = parse_csv(read_file(csv));
  for (std::size_t i = 1; i < rows.size(); ++i)
    m[rows[i][0]].push_back(rows[i]);
  return m;
}

void write_config(const std::string& path, const std::string& marker,
                  const std::string& extra = "") {
  std::ofstream(path) << "[experiment]\nobjective=\"command\"\nnum-workers=3\n"
                         "num-observations=14\nbatch-size=1\nnum-initial-points=4\n"
                         "[acquisition]\nrule=\"async-greedy\"\n"
                         "function=\"local-penalization\"\n"
                         "[space]\nnames=[\"a\", \"b\"]\nlower=[0.0, 0.0]\n"
                         "upper=[1.0, 1.0]\n"
                         "[objective]\ncommand=[\"python3\", \""
                      << source_dir() << "/tests/integration/faulty_objective.py\", \""
                      << marker << "\", \"{a}\", \"{b}\"]\ntimeout=5\nmax-retries=1\n"
                      << "max-failure-fraction=0.9\n"
                      << extra;
}

} // namespace

BOOST_AUTO_TEST_SUITE(faults_end_to_end)

BOOST_AUTO_TEST_CASE(failing_hanging_and_garbage_evaluations_are_survived) {
  temp_dir d;
  // Orphans of asyncbo's processes come back to us: after the run, none
  // may be left, not even as a zombie.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  write_config(d.path + "/c.ini", d.path);
  auto r = run_program({binary(), "run", d.path + "/c.ini", "--output.dir=" + d.path + "/out"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  BOOST_TEST(our_children().empty(), "left behind: " << our_children().front());
  auto by_id = rows_by_id(d.path + "/out/observations.csv");
  BOOST_TEST(by_id.size() == 18u); // 4 initial + 14: the budget completes
  std::size_t timeouts = 0, errors = 0, garbage = 0, nans = 0, ok = 0;
  for (auto& [id, rows] : by_id) {
    const int k = std::stoi(id) % 6;
    const auto& last = rows.back();
    if (last[6] == "ok")
      ++ok;
    for (auto& row : rows) {
      const std::string status = row[6], reason = row[7];
      if (status == "timeout") {
        ++timeouts;
        BOOST_TEST(k == 2);
        BOOST_TEST(reason.find("no result after 5 s") != std::string::npos, reason);
      } else if (status == "error") {
        ++errors;
        BOOST_TEST(k == 1);
        BOOST_TEST(reason == "exit code 3; stderr ended with: something went wrong", reason);
      } else if (status == "bad_output") {
        ++garbage;
        BOOST_TEST(k == 3);
        BOOST_TEST(reason.find("loss: 0.25 (final)") != std::string::npos, reason);
      } else if (status == "not_finite") {
        ++nans;
        BOOST_TEST(k == 4);
      } else {
        BOOST_TEST(status == "ok");
      }
    }
    // Every failing point was retried once (2 rows), except the hang, which
    // recovers on its retry.
    if (k == 1 || k == 3 || k == 4)
      BOOST_TEST(rows.size() == 2u, "id " << id);
    if (k == 2)
      BOOST_TEST((rows.size() == 2u && last[6] == "ok"), "id " << id);
  }
  BOOST_TEST(timeouts >= 1u);
  BOOST_TEST(errors >= 2u);
  BOOST_TEST(garbage >= 2u);
  BOOST_TEST(nans >= 2u);
  auto s = nlohmann::json::parse(read_file(d.path + "/out/summary.json"));
  BOOST_TEST(s["failed"].get<std::size_t>() == by_id.size() - ok);
  BOOST_TEST(s["retried"].get<std::size_t>() >= timeouts + errors / 2);
  BOOST_TEST(s["regret"].is_null());
  // Per-evaluation logs keep the program's earlier lines.
  BOOST_TEST(read_file(d.path + "/out/logs/0-0.out").find("epoch 1 loss") != std::string::npos);
  BOOST_TEST(read_file(d.path + "/out/logs/1-0.err").find("something went wrong")
             != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_persistent_program_that_crashes_hangs_lies_and_leaks_is_survived) {
  temp_dir d;
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  std::ofstream(d.path + "/c.ini")
    << "[experiment]\nobjective=\"command\"\nnum-workers=3\nnum-observations=20\n"
       "batch-size=1\nnum-initial-points=4\n"
       "[acquisition]\nrule=\"async-greedy\"\nfunction=\"local-penalization\"\n"
       "[space]\nnames=[\"a\", \"b\"]\nlower=[0.0, 0.0]\nupper=[1.0, 1.0]\n"
       "[objective]\nmode=\"persistent\"\ncommand=[\"python3\", \""
    << source_dir() << "/tests/integration/faulty_persistent.py\", \"" << d.path
    << "\"]\ntimeout=4.5\nmax-retries=1\nmax-failure-fraction=0.9\n";
  auto r = run_program({binary(), "run", d.path + "/c.ini", "--output.dir=" + d.path + "/out"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  BOOST_TEST(our_children().empty(), "left behind: " << our_children().front());
  auto by_id = rows_by_id(d.path + "/out/observations.csv");
  BOOST_TEST(by_id.size() == 24u);   // 4 initial + 20: the budget completes
  std::size_t ok_points = 0, crashes = 0;
  std::map<std::string, std::size_t> seen;
  for (auto& [id, rows] : by_id) {
    const int k = std::stoi(id) % 6;
    ok_points += rows.back()[6] == "ok";
    for (auto& row : rows) {
      const std::string status = row[6], reason = row[7];
      ++seen[status];
      crashes += k == 1;
      if (k == 1)
        BOOST_TEST((status == "error"
                    && reason.find("the program ended without answering (exit code 3)") == 0u
                    && reason.find("; stderr ended with: something went wrong") != std::string::npos),
                   reason);
      if (k == 2 && row[1] == "0")
        BOOST_TEST((status == "timeout" && reason.find("no reply after 4.5 s") == 0u), reason);
      if (k == 3)
        BOOST_TEST((status == "bad_output"
                    && reason.find("needs \"value\" or \"error\"") != std::string::npos),
                   reason);
      if (k == 4)
        BOOST_TEST(status == "not_finite");
      if (k == 5)
        BOOST_TEST((status == "error" && reason == "diverged"), reason);
      if (k == 0)
        BOOST_TEST(status == "ok");
    }
    // Failing points retried once; the hang recovers on its retry.
    if (k == 1 || k == 3 || k == 4 || k == 5)
      BOOST_TEST(rows.size() == 2u, "id " << id);
    if (k == 2)
      BOOST_TEST((rows.size() == 2u && rows.back()[6] == "ok"), "id " << id);
    if (k == 0)
      BOOST_TEST(rows.size() == 1u, "id " << id);
  }
  for (const char* st : {"ok", "error", "timeout", "bad_output", "not_finite"})
    BOOST_TEST(seen[st] >= 1u, st);
  auto s = nlohmann::json::parse(read_file(d.path + "/out/summary.json"));
  BOOST_TEST(s["failed"].get<std::size_t>() == by_id.size() - ok_points);
  // One log pair per start of each evaluator's program: restarts happened,
  // and the program's own lines are kept.
  std::size_t starts = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path + "/out/logs"))
    starts += e.path().extension() == ".out";
  // Each crash, timeout and invalid reply ends a program; the next job on
  // that evaluator starts a new one (the last of each evaluator may not come).
  const std::size_t ended = seen["timeout"] + seen["bad_output"] + crashes;
  BOOST_TEST(starts + 3u >= 3u + ended);
  BOOST_TEST(starts > 3u);
  BOOST_TEST(read_file(d.path + "/out/logs/local_0-1.out").find("started") == 0u);
}

BOOST_AUTO_TEST_CASE(too_many_failures_stop_with_a_clear_error) {
  temp_dir d;
  write_config(d.path + "/c.ini", d.path);
  auto r = run_program({binary(), "run", d.path + "/c.ini", "--output.dir=" + d.path + "/out",
                        "--objective.max-failure-fraction=0.1"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.err.find("points failed, more than objective.max-failure-fraction = 0.1")
               != std::string::npos,
             r.err);
  auto s = nlohmann::json::parse(read_file(d.path + "/out/summary.json"));
  BOOST_TEST(s["status"] == "failed");
}

BOOST_AUTO_TEST_CASE(sigkill_then_resume_loses_nothing_and_completes_the_budget) {
  temp_dir d;
  const std::string out = d.path + "/out";
  const std::vector<std::string> args = {
    binary(), "run", source_dir() + "/config/branin-async.ini", "--output.dir=" + out,
    "--delay.time-scale=0.2", "--experiment.num-observations=40",
    "--acquisition.samples=512", "--output.progress=never"};
  pid_t pid = start_program(args, "/dev/null", "/dev/null");
  // Kill it once 15 results are in.
  for (int i = 0; i < 600; ++i) {
    auto text = read_file(out + "/observations.csv");
    if (std::count(text.begin(), text.end(), '\n') >= 16)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  BOOST_REQUIRE(WIFSIGNALED(st));
  auto before = rows_by_id(out + "/observations.csv");
  BOOST_REQUIRE(before.size() >= 15u);
  BOOST_TEST_REQUIRE(!std::filesystem::exists(out + "/summary.json"));
  auto r = run_program({args[0], "run", args[2], "--output.dir=" + out, args[4], args[5],
                        args[6], args[7], "--resume"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  BOOST_TEST(r.err.find("resuming in") != std::string::npos);
  auto after = rows_by_id(out + "/observations.csv");
  // Everything completed before the kill is still there, once, unchanged.
  for (auto& [id, rows] : before) {
    BOOST_REQUIRE(after.count(id));
    int ok = 0;
    for (auto& row : after[id])
      ok += row[6] == "ok" ? 1 : 0;
    BOOST_TEST(ok == 1, "id " << id);
    BOOST_TEST(after[id].front() == rows.front());
  }
  // The attempts that died with the head have their own rows.
  std::size_t lost = 0;
  for (auto& [id, rows] : after)
    for (auto& row : rows)
      if (row[6] == "lost") {
        ++lost;
        BOOST_TEST(row[7] == "the head process stopped before the result arrived");
      }
  BOOST_TEST(lost >= 1u);
  // The budget completes: 3 initial + 40 asked, one ok row each.
  std::size_t asked = 0, initial = 0;
  for (auto& [id, rows] : after) {
    int ok = 0;
    for (auto& row : rows)
      ok += row[6] == "ok" ? 1 : 0;
    BOOST_TEST(ok == 1, "id " << id);
    (rows.front()[2] == "initial" ? initial : asked) += 1;
  }
  BOOST_TEST(initial == 3u);
  BOOST_TEST(asked == 40u);
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  BOOST_TEST(s["observations"].get<int>() == 40);
  BOOST_TEST(s["resumed"].get<int>() == 1);
}

BOOST_AUTO_TEST_CASE(sigkill_with_persistent_programs_then_resume_loses_nothing) {
  temp_dir d;
  const std::string out = d.path + "/out";
  // The example's programs, started from the source tree.
  const std::vector<std::string> args = {
    binary(), "run", source_dir() + "/config/persistent-example.ini", "--output.dir=" + out,
    "--experiment.num-observations=16", "--acquisition.samples=256",
    "--objective.command=[\"python3\", \"" + source_dir() + "/examples/persistent_train.py\"]",
    "--output.progress=never"};
  pid_t pid = start_program(args, "/dev/null", d.path + "/err1");
  for (int i = 0; i < 1500; ++i) {
    auto text = read_file(out + "/observations.csv");
    if (std::count(text.begin(), text.end(), '\n') >= 11)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  BOOST_REQUIRE(WIFSIGNALED(st));
  auto before = rows_by_id(out + "/observations.csv");
  BOOST_REQUIRE(before.size() >= 10u);
  auto r = run_program({args[0], "run", args[2], "--output.dir=" + out, args[4], args[5],
                        args[6], args[7], "--resume"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto after = rows_by_id(out + "/observations.csv");
  for (auto& [id, rows] : before) {
    BOOST_REQUIRE(after.count(id));
    BOOST_TEST(after[id].front() == rows.front());
  }
  std::size_t initial = 0, asked = 0;
  // Columns: id, attempt, kind, lr, momentum, layers, value, status (7), ...
  for (auto& [id, rows] : after) {
    int ok = 0;
    for (auto& row : rows)
      ok += row[7] == "ok" ? 1 : 0;
    BOOST_TEST(ok == 1, "id " << id);
    (rows.front()[2] == "initial" ? initial : asked) += 1;
  }
  BOOST_TEST(initial == 6u);
  BOOST_TEST(asked == 16u);
  // The killed head's programs died with it (PR_SET_PDEATHSIG), and the
  // resumed run's at its end. (This process may be a subreaper since an
  // earlier case: the killed head's programs are then our zombies, reaped
  // while we wait.)
  const bool none_left = poll_until(
      [] {
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
        return processes_matching({"persistent_train.py", source_dir()}) == 0;
      },
      10);
  BOOST_TEST(none_left);
}

BOOST_AUTO_TEST_CASE(damaged_logs_and_changed_configs_refuse_to_resume) {
  temp_dir d;
  const std::string out = d.path + "/out";
  auto cfg = source_dir() + "/config/branin-async.ini";
  auto r = run_program({binary(), "run", cfg, "--output.dir=" + out,
                        "--delay.time-scale=0", "--experiment.num-observations=6",
                        "--acquisition.samples=256"});
  BOOST_REQUIRE(r.code == 0);
  const std::string events = read_file(out + "/events.jsonl");
  // A changed problem is refused with both values.
  auto r1 = run_program({binary(), "run", cfg, "--output.dir=" + out, "--resume",
                         "--experiment.objective=\"hartmann6\""});
  BOOST_TEST(r1.code == 2);
  BOOST_TEST(r1.err.find("--resume refused: experiment.objective is \"scaled-branin\" in "
                         "the log but \"hartmann6\" now")
               != std::string::npos,
             r1.err);
  // A smaller budget than already asked is refused.
  auto r2 = run_program({binary(), "run", cfg, "--output.dir=" + out, "--resume",
                         "--experiment.num-observations=2"});
  BOOST_TEST(r2.code == 2);
  BOOST_TEST(r2.err.find("experiment.num-observations is 2 but the log already asked 6 "
                         "points")
               != std::string::npos,
             r2.err);
  // A damaged line in the middle names the line.
  {
    std::string bad = events;
    auto third = bad.find('\n', bad.find('\n', bad.find('\n') + 1) + 1);
    bad.insert(third + 1, "{\"event\": \"result\", \"id\": 1}\n");
    std::ofstream(out + "/events.jsonl", std::ios::trunc) << bad;
  }
  auto r3 = run_program({binary(), "run", cfg, "--output.dir=" + out, "--resume"});
  BOOST_TEST(r3.code == 2);
  BOOST_TEST(r3.err.find("--resume: events.jsonl:4: bad result line: missing field "
                         "\"attempt\"")
               != std::string::npos,
             r3.err);
  {
    std::string bad = events;
    auto second = bad.find('\n');
    bad.insert(second + 1, "not json\n");
    std::ofstream(out + "/events.jsonl", std::ios::trunc) << bad;
  }
  auto r4 = run_program({binary(), "run", cfg, "--output.dir=" + out, "--resume"});
  BOOST_TEST(r4.code == 2);
  BOOST_TEST(r4.err.find("events.jsonl:2: not a JSON object; the log is damaged")
               != std::string::npos,
             r4.err);
  // A truncated final line is dropped with a warning, and the run goes on.
  std::ofstream(out + "/events.jsonl", std::ios::trunc)
    << events << "{\"event\":\"dispatch\",\"id\":99,\"att";
  auto r5 = run_program({binary(), "run", cfg, "--output.dir=" + out, "--resume",
                         "--delay.time-scale=0", "--experiment.num-observations=8",
                         "--acquisition.samples=256"});
  BOOST_TEST(r5.code == 0, r5.err);
  BOOST_TEST(r5.err.find("dropped a truncated last line") != std::string::npos, r5.err);
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  BOOST_TEST(s["observations"].get<int>() == 8);
  // Resuming a run that is not there.
  auto r6 = run_program({binary(), "run", cfg, "--output.dir=" + d.path + "/none", "--resume"});
  BOOST_TEST(r6.code == 2);
  BOOST_TEST(r6.err.find("does not exist (nothing to resume)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigint_stops_cleanly_kills_the_programs_and_resume_finishes) {
  temp_dir d;
  ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  // Every evaluation of ids 6k+2 hangs on its first attempt; a long timeout
  // keeps them running until the interrupt.
  write_config(d.path + "/c.ini", d.path);
  const std::string out = d.path + "/out";
  std::vector<std::string> args = {binary(), "run", d.path + "/c.ini",
                                   "--output.dir=" + out, "--objective.timeout=60"};
  pid_t pid = start_program(args, d.path + "/run.out", d.path + "/run.err");
  // Wait until the hanging evaluation (id 2) is running.
  BOOST_REQUIRE(wait_for_text(out + "/events.jsonl", "\"event\":\"dispatch\",\"id\":2,", 20));
  // ... its program has started (its first line is in its log), and its
  // child that would outlive it (`sh -c 'sleep 300; true' MARKER`) is up.
  const bool hanging
    = wait_for_text(out + "/logs/2-0.out", "evaluating 2 0", 20)
      && poll_until([&] { return processes_matching({"sleep 300", d.path}) > 0; }, 20);
  if (!hanging)
    ::kill(pid, SIGKILL); // leave nothing running behind a failed check
  BOOST_REQUIRE(hanging);
  ::kill(pid, SIGINT);
  // The hanging program (timeout 60 s) is killed, not waited for: the run
  // ends with 130 (wait_program gives -1 if it is still running).
  int rc = wait_program(pid, 30);
  BOOST_TEST(rc == 130, read_file(d.path + "/run.err"));
  BOOST_TEST(our_children().empty(), "left behind: " << our_children().front());
  auto s = nlohmann::json::parse(read_file(out + "/summary.json"));
  BOOST_TEST(s["status"] == "interrupted");
  BOOST_TEST(read_file(d.path + "/run.err").find("interrupted by SIGINT") != std::string::npos);
  // The interrupted run resumes and completes its budget.
  auto r = run_program({binary(), "run", d.path + "/c.ini", "--output.dir=" + out,
                        "--resume"});
  BOOST_TEST_REQUIRE(r.code == 0, r.err);
  auto by_id = rows_by_id(out + "/observations.csv");
  BOOST_TEST(by_id.size() == 18u);
  auto s2 = nlohmann::json::parse(read_file(out + "/summary.json"));
  BOOST_TEST(s2["status"] == "completed");
  BOOST_TEST(our_children().empty());
}

BOOST_AUTO_TEST_CASE(command_configuration_errors_are_exact) {
  temp_dir d;
  write_config(d.path + "/c.ini", d.path, "");
  auto r = run_program({binary(), "run", d.path + "/c.ini", "--objective.timeout=-1",
                        "--space.names=[\"a\", \"a\"]"});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find("objective.timeout: must be >= 0, got -1") != std::string::npos,
             r.err);
  auto r2 = run_program({binary(), "run", d.path + "/c.ini",
                         "--space.names=[\"a\", \"a\"]"});
  BOOST_TEST(r2.code == 2);
  BOOST_TEST(r2.err.find("space: search space dimension 1 ('a'): names must be unique, "
                         "'a' appears twice")
               != std::string::npos,
             r2.err);
  auto r3 = run_program({binary(), "run", d.path + "/c.ini", "--objective.command=[]"});
  BOOST_TEST(r3.code == 2);
  BOOST_TEST(r3.err.find("objective.command: must not be empty when experiment.objective "
                         "is \"command\"")
               != std::string::npos,
             r3.err);
  auto r4 = run_program({binary(), "run", d.path + "/c.ini", "--space.lower=[0.0, 2.0]"});
  BOOST_TEST(r4.code == 2);
  BOOST_TEST(r4.err.find("space: search space dimension 1 ('b'): lower bound 2 must be < "
                         "upper bound 1")
               != std::string::npos,
             r4.err);
}

BOOST_AUTO_TEST_SUITE_END()
