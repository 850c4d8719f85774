// SPDX-License-Identifier: Apache-2.0
// Rebuilding a run from its event log (events.jsonl) for --resume.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dispatch.hpp"
#include "core/engine.hpp"
#include "io/event_log.hpp"
#include "io/settings.hpp"

namespace asyncbo::app {

using io::logged_run;
using io::read_event_log;

/// Empty if `now` may continue the logged run, else why not (naming the key,
/// both values). The problem must be the same (objective, search space,
/// command, initial design size: the schema's defines_problem keys) and the budget at least what was asked.
std::string check_resume(const logged_run& log, const io::settings& now);

/// Records for the attempts that were in flight when the head died (status
/// lost), to be appended to the logs so that every attempt has its row.
std::vector<io::evaluation_record> lost_attempts(const logged_run& log, double now_s);

/// Feeds the log into a fresh engine: every final ok result is told (in log
/// order), every point that failed for good becomes failure data (lost and
/// cancelled attempts never do), every unfinished point restored as pending, later ids reserved.
/// Returns the unfinished points as proposals for the pool (next attempt).
std::vector<job> restore_engine(const logged_run& log, engine& e);

} // namespace asyncbo::app
