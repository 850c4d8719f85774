// SPDX-License-Identifier: Apache-2.0
// The asyncbo command-line interface.
//
//   asyncbo run CONFIG [--section.key=value ...] [--resume]
//   asyncbo worker [CONFIG] [--cluster.host=H --cluster.port=P ...]
//   asyncbo --help | --version
//
// Exit codes: 0 success, 1 the run failed, 2 bad usage or configuration.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "app/config_loader.hpp"
#include "app/experiment.hpp"
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
  asyncbo --help      this text, with every configuration key
  asyncbo --version

Outputs (in output.dir, default runs/<config>-<time>): observations.csv (one
row per evaluation attempt, written as results arrive), events.jsonl (the
checkpoint used by --resume), summary.json and plot.svg at the end.

Exit codes: 0 success; 1 the run failed (see summary.json); 2 bad usage or
configuration (nothing was run); 130 interrupted by SIGINT/SIGTERM (resumable).

Configuration keys ([section] key = default (type) meaning):)";

int config_errors(const std::string& where, const std::vector<std::string>& errors) {
  std::fprintf(stderr, "asyncbo: %s: %zu configuration error%s:\n", where.c_str(),
               errors.size(), errors.size() == 1 ? "" : "s");
  for (auto& e : errors)
    std::fprintf(stderr, "  %s\n", e.c_str());
  return 2;
}

/// Loads CONFIG (if any) and the overrides; validates. Returns 0 or an exit code.
int load_settings(const std::string& config, const std::vector<std::string>& args,
                  io::settings& s, std::vector<std::string>& rest) {
  for (auto& a : args)
    if (a.rfind("--cluster.secret=", 0) == 0 || a.rfind("--cluster.tls-passphrase=", 0) == 0)
      std::fprintf(stderr, "asyncbo: warning: %s on the command line can be read by other "
                           "users of this machine (ps); prefer cluster.secret-file or "
                           "ASYNCBO_CLUSTER_SECRET\n",
                   a.substr(2, a.find('=') - 2).c_str());
  nlohmann::json raw = nlohmann::json::object();
  if (!config.empty()) {
    if (auto err = app::load_config_file(config, raw); !err.empty()) {
      std::fprintf(stderr, "asyncbo: %s\n", err.c_str());
      return 2;
    }
  }
  std::vector<std::string> errors;
  app::apply_overrides(args, raw, rest, errors);
  if (!errors.empty())
    return config_errors("command line", errors);
  if (!io::parse_settings(raw, s, errors))
    return config_errors(config.empty() ? "command line" : config, errors);
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
  if (out.exit_code() != 0)
    std::fprintf(stderr, "asyncbo: %s: %s\n", io::to_string(out.status), out.message.c_str());
  return out.exit_code();
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asyncbo: internal error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "asyncbo: unknown command '%s' (asyncbo --help)\n", cmd.c_str());
  return 2;
}
