// SPDX-License-Identifier: Apache-2.0
// Runs one experiment: builds the engine and the actors from validated
// settings, waits for the end, returns the outcome. Usable as a library.
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

/// Runs the experiment to its end. exit_code: 0 completed, 1 runtime failure,
/// 2 invalid request (bad output directory, refused resume, ...).
actors::run_outcome run_experiment(const run_request& req);

/// The objective description that remote workers receive.
actors::objective_spec make_objective_spec(const io::settings& s);

/// Middleman settings of head and workers: heartbeats every cluster.heartbeat
/// seconds, a peer silent for five of them is dropped (0 = off).
void configure_cluster(caf::actor_system_config& cfg, const io::settings& s);

} // namespace asyncbo::app
