// SPDX-License-Identifier: Apache-2.0
// Runs one experiment: resolves the objective, opens the outputs, builds the
// engine, spawns the runtime, waits for the end and returns the outcome.
// Usable as a library.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/evaluator.hpp"
#include "actors/messages.hpp"
#include "core/space.hpp"
#include "io/settings.hpp"

namespace asyncbo::app {

/// A user-supplied objective (library use): called with space coordinates,
/// reports failure by throwing or returning a non-finite value.
struct custom_objective {
  search_space space;
  actors::point_function fn;
  std::optional<double> minimum;  ///< known minimum, for regret
  std::string name = "custom";
  /// Run each evaluator on its own thread (the callable may take long).
  bool blocking = true;
};

struct run_request {
  io::settings settings;
  std::optional<custom_objective> custom;
  bool resume = false;
  /// The config file's name, for the default output directory.
  std::string config_name = "experiment";
  /// Messages for the user (the CLI prints them on stderr).
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

/// Runs the experiment to its end. The outcome's status: completed, failed
/// (exit 1), interrupted (130) or refused (2: bad output directory, refused
/// resume, ...: nothing ran).
actors::run_outcome run_experiment(const run_request& req);

/// output.dir when none is given: runs/<name>-<date-time>.
std::string default_output_dir(const std::string& config_name);

/// Middleman settings of head and workers: heartbeats every cluster.heartbeat
/// seconds, a peer silent for five of them is dropped (0 = off).
void configure_cluster(caf::actor_system_config& cfg, const io::settings& s);

} // namespace asyncbo::app
