// SPDX-License-Identifier: Apache-2.0
// The sweep runner.
#include "app/sweep.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/process_runner.hpp"
#include "io/summary.hpp"

namespace asyncbo::app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string clock_text(double s) {
  const long t = std::lround(std::max(0.0, s));
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof(buf), "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else
    std::snprintf(buf, sizeof(buf), "%ldm%02lds", t / 60, t % 60);
  return buf;
}

} // namespace

int run_sweep(const sweep_request& req, const sweep_plan& plan, const sweep_options& o) {
  const auto& log = req.log;
  std::error_code ec;
  fs::create_directories(req.dir + "/runs", ec);
  if (ec) {
    log("output.dir: cannot create " + req.dir + "/runs: " + ec.message());
    return 2;
  }
  // The same folder continues the same sweep, never another one.
  const json pj = plan_json(plan, o, req.title, req.config);
  const std::string plan_path = req.dir + "/sweep.json";
  if (fs::exists(plan_path)) {
    try {
      std::ifstream in(plan_path);
      const json old = json::parse(in);
      if (old.at("runs") != pj.at("runs")) {
        log("output.dir: " + req.dir + " holds a different sweep (its sweep.json plans "
            "other runs); choose another output.dir");
        return 2;
      }
    } catch (const std::exception& e) {
      log("output.dir: cannot read " + plan_path + ": " + e.what());
      return 2;
    }
  }
  io::write_file_atomic(plan_path, pj.dump(2) + "\n");
  for (auto& c : plan.combinations)
    if (!c.skipped.empty())
      log("sweep: skipping " + c.label + ": " + c.skipped);
  // What is left to do.
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    if (!fs::exists(req.dir + "/runs/" + plan.runs[i].name + "/summary.json"))
      todo.push_back(i);
  const std::size_t already = plan.runs.size() - todo.size();
  const std::size_t jobs = o.jobs > 0 ? static_cast<std::size_t>(o.jobs)
                                      : std::max(1u, std::thread::hardware_concurrency());
  log("sweep: " + std::to_string(plan.runs.size()) + " runs ("
      + std::to_string(plan.combinations.size()) + " combinations x "
      + std::to_string(o.seeds) + " seeds), " + std::to_string(already)
      + " already finished, " + std::to_string(jobs) + " at a time; writing to " + req.dir);

  const auto t0 = std::chrono::steady_clock::now();
  auto figs = read_sweep_rows(req.dir, plan, o, log);   // the runs finished before
  std::size_t done_now = 0, failed = 0, crashed = 0, running = 0;
  auto last_line = t0 - std::chrono::hours(1);
  auto progress = [&](bool final) {
    // A terminal gets every change; a log a line every 5 s and the last one.
    if (!req.tty && !final && std::chrono::steady_clock::now() - last_line < std::chrono::seconds(5))
      return;
    last_line = std::chrono::steady_clock::now();
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::size_t left = todo.size() - done_now;
    std::string line = "sweep: " + std::to_string(already + done_now) + "/"
                       + std::to_string(plan.runs.size()) + " runs done ("
                       + std::to_string(running) + " running), elapsed "
                       + clock_text(el);
    if (done_now > 0 && left > 0)
      line += ", ETA " + clock_text(el / double(done_now) * double(left));
    if (req.tty) {
      std::fprintf(stderr, "\r\033[Kasyncbo: %s%s", line.c_str(), final ? "\n" : "");
      std::fflush(stderr);
    } else {
      log(line);
    }
  };
  bool interrupted = false;
  process_runner_hooks hooks;
  hooks.start = [&](std::size_t t, std::string& why) -> pid_t {
    const auto& r = plan.runs[todo[t]];
    const std::string rd = req.dir + "/runs/" + r.name;
    std::error_code dir_ec;
    fs::create_directories(rd, dir_ec);
    if (dir_ec) {
      why = "cannot create " + rd + ": " + dir_ec.message();
      return -1;
    }
    std::vector<std::string> argv{req.binary, "run", req.config, "--acquisition.threads=1"};
    argv.insert(argv.end(), req.overrides.begin(), req.overrides.end());
    argv.insert(argv.end(), r.overrides.begin(), r.overrides.end());
    argv.push_back("--output.dir=" + rd);
    argv.push_back("--output.progress=\"never\"");
    if (fs::exists(rd + "/events.jsonl"))
      argv.push_back("--resume");
    const pid_t pid = spawn_logged(argv, rd + "/run.log", why);
    running += pid > 0 ? 1 : 0;
    return pid;
  };
  hooks.finished = [&](std::size_t t, int code, const std::string& why) {
    const std::size_t i = todo[t];
    const auto& r = plan.runs[i];
    ++done_now;
    if (code == failed_to_start) {
      log("sweep: " + r.name + ": " + why);
      ++crashed;
      return;
    }
    --running;
    if (code == 130)
      interrupted = true;   // stopped by a signal: resumable, not a failure
    else if (code != 0) {
      const bool has_summary = fs::exists(req.dir + "/runs/" + r.name + "/summary.json");
      if (has_summary)
        ++failed;
      else
        ++crashed;
      log("sweep: " + r.name + " (" + plan.combinations[r.combination].label + ", seed "
          + std::to_string(r.seed) + ") exited with " + std::to_string(code)
          + (has_summary ? "" : " without a summary; it runs again next time") + "; see "
          + req.dir + "/runs/" + r.name + "/run.log");
    }
    // Only this run's log is read again; the others' figures are kept.
    figs[i] = read_finished_row(req.dir, r, o, log);
    write_sweep_outputs(req.dir, plan, o, figs, req.title, false);
    progress(false);
  };
  process_runner_options ro;
  ro.jobs = jobs;
  ro.watch_signals = true;
  try {
    interrupted = !run_processes(todo.size(), hooks, ro) || interrupted;
  } catch (const std::exception& e) {
    // Every child is gone by now (process_runner.hpp); the runs that did
    // not finish are resumed by the next `asyncbo sweep`.
    log(std::string("sweep: ") + e.what() + "; stopped (the runs that did not finish "
        "continue with the same command)");
    return 1;
  }
  progress(true);
  write_sweep_outputs(req.dir, plan, o, figs, req.title, true);
  log("sweep: " + req.dir + "/report.md, report.svg, sweep.csv");
  if (interrupted) {
    log("sweep: interrupted; `asyncbo sweep` with the same arguments continues it");
    return 130;
  }
  if (crashed > 0 || failed > 0) {
    log("sweep: " + std::to_string(failed) + " runs failed, " + std::to_string(crashed)
        + " ended without a summary");
    return 1;
  }
  return 0;
}

int rebuild_report(const std::string& dir, const std::function<void(const std::string&)>& log) {
  const std::string plan_path = dir + "/sweep.json";
  sweep_plan plan;
  sweep_options o;
  std::string title;
  try {
    std::ifstream in(plan_path);
    if (!in) {
      log(plan_path + ": cannot read (is " + dir + " the output.dir of a sweep?)");
      return 2;
    }
    plan_from_json(json::parse(in), plan, o, title);
  } catch (const std::exception& e) {
    log(plan_path + ": " + e.what());
    return 2;
  }
  const auto figs = read_sweep_rows(dir, plan, o, log);
  try {
    write_sweep_outputs(dir, plan, o, figs, title, true);
  } catch (const std::exception& e) {
    log(e.what());
    return 1;
  }
  std::size_t n = 0;
  for (auto& f : figs)
    n += f ? 1 : 0;
  log("report: " + std::to_string(n) + " of " + std::to_string(plan.runs.size())
      + " runs; wrote " + dir + "/report.md, report.svg, sweep.csv");
  return 0;
}

} // namespace asyncbo::app