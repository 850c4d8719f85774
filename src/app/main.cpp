// SPDX-License-Identifier: Apache-2.0
// The asyncbo command-line interface.
//
//   asyncbo run CONFIG [--section.key=value ...] [--resume]
//   asyncbo worker [CONFIG] [--cluster.host=H --cluster.port=P ...]
//   asyncbo status DIR
//   asyncbo sweep CONFIG [--sweep.section.key=[values] ...] [--section.key=value ...]
//   asyncbo report DIR
//   asyncbo --help | --version
//
// Exit codes: 0 success, 1 the run failed, 2 bad usage or configuration.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "app/config_loader.hpp"
#include "app/experiment.hpp"
#include "io/event_log.hpp"
#include "app/sweep.hpp"
#include "core/objectives.hpp"
#include "io/summary.hpp"
#include "app/worker.hpp"
#include "io/settings.hpp"

#ifndef ASYNCBO_VERSION
#define ASYNCBO_VERSION "0.0.0"
#endif

namespace {

using namespace asyncbo;

const char* usage = R"(asyncbo - asynchronous batch Bayesian optimisation

usage:
  asyncbo run CONFIG [--section.key=value ...] [--resume]
      Run the experiment described by CONFIG (an INI file in CAF's format).
      Every key can be overridden on the command line, e.g.
      --experiment.batch-size=4 --delay.time-scale=0.01.
      --resume continues the run in output.dir from its event log.
  asyncbo worker [CONFIG] [--cluster.host=H] [--cluster.port=P]
                 [--worker.evaluators=N] [--cluster.secret=S]
      Offer N evaluators to a head started with --cluster.port.
  asyncbo status DIR
      The closing report of the run in DIR (finished, or still going: read
      from its event log).
  asyncbo sweep CONFIG [--sweep.SECTION.KEY=[v1, v2] ...] [--sweep.seeds=N]
                       [--section.key=value ...]
      Run the cross product of the swept keys x seeds, each run its own
      `asyncbo run` process (sweep.jobs at a time), into output.dir/runs/;
      write sweep.csv, report.md and report.svg there. Finished runs are
      not run again: the same command continues an interrupted sweep.
      Invalid combinations are listed and skipped. In the INI file:
      [sweep] seeds, jobs, at-evaluations, at-times, target-regret, and
      sub-sections such as [sweep.acquisition] rule=["sync", "async-joint"].
  asyncbo report DIR
      Rebuild report.md, report.svg and sweep.csv of the sweep in DIR.
  asyncbo --help      this text, with every configuration key
  asyncbo --version

Outputs (in output.dir, default runs/<config>-<time>): observations.csv (one
row per evaluation attempt, written as results arrive), events.jsonl (the
checkpoint used by --resume), summary.json and plot.svg at the end.

Exit codes: 0 success; 1 the run failed (see summary.json); 2 bad usage or
configuration (nothing was run); 130 interrupted by SIGINT/SIGTERM (resumable).

Configuration keys ([section] key = default (type) meaning):)";

int config_errors(const std::string& where, const std::vector<std::string>& errors) {
  if (where.empty()) {
    for (auto& e : errors)
      std::fprintf(stderr, "asyncbo: %s\n", e.c_str());
    return 2;
  }
  std::fprintf(stderr, "asyncbo: %s: %zu configuration error%s:\n", where.c_str(),
               errors.size(), errors.size() == 1 ? "" : "s");
  for (auto& e : errors)
    std::fprintf(stderr, "  %s\n", e.c_str());
  return 2;
}

/// Loads CONFIG (if any) and the overrides; validates. Returns 0 or an exit code.
int load_settings(const std::string& config, const std::vector<std::string>& args,
                  io::settings& s, std::vector<std::string>& rest) {
  // Every key the schema marks secret.
  for (auto& a : args)
    for (auto& k : io::schema())
      if (k.secret && a.rfind("--" + k.full() + "=", 0) == 0)
        std::fprintf(stderr, "asyncbo: warning: %s on the command line can be read by "
                             "other users of this machine (ps); %s\n",
                     k.full().c_str(),
                     k.section == "cluster" ? "prefer cluster.secret-file or "
                                              "ASYNCBO_CLUSTER_SECRET"
                                            : "prefer the config file");
  app::loaded_config lc;
  if (!app::load_config(config, args, false, lc))
    return config_errors(lc.where, lc.errors);
  rest = lc.rest;
  if (!io::parse_settings(lc.raw, s, lc.errors))
    return config_errors(lc.where, lc.errors);
  return 0;
}

int cmd_run(const std::vector<std::string>& args) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    std::fprintf(stderr, "asyncbo run: missing CONFIG (see asyncbo --help)\n");
    return 2;
  }
  const std::string config = args[0];
  std::vector<std::string> rest;
  io::settings s;
  if (int rc = load_settings(config, {args.begin() + 1, args.end()}, s, rest))
    return rc;
  app::run_request req;
  for (auto& r : rest) {
    if (r == "--resume")
      req.resume = true;
    else {
      std::fprintf(stderr, "asyncbo run: unknown argument '%s' (overrides are "
                           "--section.key=value)\n", r.c_str());
      return 2;
    }
  }
  req.settings = s;
  req.config_name = std::filesystem::path(config).stem().string();
  req.log = [](const std::string& m) { std::fprintf(stderr, "asyncbo: %s\n", m.c_str()); };
  auto out = app::run_experiment(req);
  const std::string summary = out.dir + "/summary.json";
  if (!out.dir.empty() && std::filesystem::exists(summary)) {
    // The closing report, from summary.json itself.
    try {
      std::ifstream in(summary);
      std::fprintf(stderr, "%s\n",
                   io::closing_report(nlohmann::json::parse(in), out.dir).c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "asyncbo: cannot read %s: %s\n", summary.c_str(), e.what());
    }
  } else if (out.exit_code() != 0) {
    std::fprintf(stderr, "asyncbo: %s: %s\n", io::to_string(out.status), out.message.c_str());
  }
  return out.exit_code();
}

/// asyncbo status DIR: the closing report of a finished run, or the same
/// figures for a run still going (or killed), read from its event log.
int cmd_status(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "asyncbo status: usage: asyncbo status DIR\n");
    return 2;
  }
  const std::string dir = args[0];
  try {
    if (std::filesystem::exists(dir + "/summary.json")) {
      std::ifstream in(dir + "/summary.json");
      std::printf("%s\n", io::closing_report(nlohmann::json::parse(in), dir).c_str());
      return 0;
    }
    if (!std::filesystem::exists(dir + "/events.jsonl")) {
      std::fprintf(stderr, "asyncbo status: %s holds no asyncbo run (no events.jsonl)\n",
                   dir.c_str());
      return 2;
    }
    auto log = io::read_event_log(dir + "/events.jsonl");
    io::run_stats st;
    st.wall_time_s = log.last_time;
    auto j = io::make_summary(log.records, log.names, io::recorded_answer(log.config), st, log.config,
                              io::recommendation{}, log.choices);
    j["status"] = "running (or stopped without a summary)";
    std::printf("%s\n", io::closing_report(j, dir).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asyncbo status: %s\n", e.what());
    return 2;
  }
}

/// asyncbo sweep CONFIG [overrides]: see the usage text and app/sweep.hpp.
int cmd_sweep(const std::vector<std::string>& args, const char* argv0) {
  if (args.empty() || args[0].rfind("--", 0) == 0) {
    std::fprintf(stderr, "asyncbo sweep: missing CONFIG (see asyncbo --help)\n");
    return 2;
  }
  const std::string config = args[0];
  const std::vector<std::string> rest_args(args.begin() + 1, args.end());
  app::loaded_config lc;
  if (!app::load_config(config, rest_args, true, lc))
    return config_errors(lc.where, lc.errors);
  auto& raw = lc.raw;
  std::vector<std::string> errors;
  if (!lc.rest.empty())
    return config_errors("command line", {lc.rest[0] + ": unknown argument (overrides are "
                                                      "--section.key=value)"});
  app::sweep_options o;
  if (!app::parse_sweep(raw, o, errors))
    return config_errors(config, errors);
  io::settings s;
  if (!io::parse_settings(raw, s, errors))
    return config_errors(config, errors);
  auto plan = app::expand_sweep(raw, o);
  if (plan.runs.empty()) {
    std::fprintf(stderr, "asyncbo sweep: every combination is invalid:\n");
    for (auto& c : plan.combinations)
      std::fprintf(stderr, "  %s: %s\n", c.label.c_str(), c.skipped.c_str());
    return 2;
  }
  app::sweep_request req;
  std::error_code ec;
  req.binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec)
    req.binary = argv0;
  req.config = config;
  // The user's overrides go to every run, except where each run's output goes.
  for (auto& a : rest_args)
    if (a.rfind("--sweep.", 0) != 0 && a.rfind("--output.dir=", 0) != 0
        && a.rfind("--output.progress=", 0) != 0)
      req.overrides.push_back(a);
  const std::string stem = std::filesystem::path(config).stem().string();
  req.dir = s.output.dir.empty() ? app::default_output_dir(stem + "-sweep") : s.output.dir;
  req.title = stem + ": " + s.objective.name + ", " + std::to_string(s.num_workers) + " workers, "
              + std::to_string(o.seeds) + " seeds";
  req.tty = ::isatty(2) != 0;
  req.log = [](const std::string& m) { std::fprintf(stderr, "asyncbo: %s\n", m.c_str()); };
  return app::run_sweep(req, plan, o);
}

int cmd_report(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::fprintf(stderr, "asyncbo report: usage: asyncbo report DIR\n");
    return 2;
  }
  return app::rebuild_report(args[0], [](const std::string& m) {
    std::fprintf(stderr, "asyncbo: %s\n", m.c_str());
  });
}

int cmd_worker(const std::vector<std::string>& args) {
  std::string config;
  std::vector<std::string> overrides = args;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config = args[0];
    overrides.erase(overrides.begin());
  }
  std::vector<std::string> rest;
  io::settings s;
  // A worker needs no objective of its own; the head sends it.
  if (int rc = load_settings(config, overrides, s, rest))
    return rc;
  if (!rest.empty()) {
    std::fprintf(stderr, "asyncbo worker: unknown argument '%s'\n", rest[0].c_str());
    return 2;
  }
  return app::run_worker(s, [](const std::string& m) {
    std::fprintf(stderr, "asyncbo worker: %s\n", m.c_str());
  });
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fprintf(stderr, "%s\n", "usage: asyncbo run CONFIG [--section.key=value ...] "
                                 "(asyncbo --help for more)");
    return 2;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage << "\n" << io::keys_help();
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "asyncbo " << ASYNCBO_VERSION << "\n";
    return 0;
  }
  try {
    if (cmd == "run")
      return cmd_run(args);
    if (cmd == "worker")
      return cmd_worker(args);
    if (cmd == "status")
      return cmd_status(args);
    if (cmd == "sweep")
      return cmd_sweep(args, argv[0]);
    if (cmd == "report")
      return cmd_report(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asyncbo: internal error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "asyncbo: unknown command '%s' (asyncbo --help)\n", cmd.c_str());
  return 2;
}
