// SPDX-License-Identifier: Apache-2.0
// The worker process: offers evaluators to a head over CAF networking.
#pragma once

#include <functional>
#include <string>

#include "io/settings.hpp"

namespace asyncbo::app {

/// Connects to cluster.host:cluster.port (retrying with back-off until
/// cluster.connect-timeout), registers worker.evaluators evaluators and runs
/// until the head finishes. Returns the process exit code.
int run_worker(const io::settings& s, const std::function<void(const std::string&)>& log);

} // namespace asyncbo::app
