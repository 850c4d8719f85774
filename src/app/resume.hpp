// SPDX-License-Identifier: Apache-2.0
// Rebuilding a run from its event log (events.jsonl) for --resume.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dispatch.hpp"
#include "core/engine.hpp"
#include "io/records.hpp"
#include "io/settings.hpp"

namespace asyncbo::app {

/// What the log says about a run.
struct logged_run {
  nlohmann::json config;                        ///< the header's settings
  std::vector<std::string> names;
  io::point_choices choices;   ///< from the header (categorical parameters)
  std::vector<io::evaluation_record> records;   ///< every result, in order
  struct point {
    std::uint64_t id = 0;
    std::vector<double> x;
    bool initial = false;
    std::uint64_t batch = 0;
    std::uint32_t next_attempt = 0;             ///< one past the last attempt seen
    /// A dispatched attempt with no result: it died with the head.
    bool open = false;
    double open_dispatch_s = 0.0;
    bool final = false;
    bool ok = false;
    double value = 0.0;
  };
  std::vector<point> points;                    ///< every dispatched point, by id
  double last_time = 0.0;                       ///< latest time stamp in the log
  std::size_t resumes = 0;                      ///< earlier resume events
  std::vector<std::string> warnings;            ///< e.g. a dropped partial line

  std::uint64_t next_id() const;
  std::uint64_t initial_points() const;         ///< distinct initial ids
  std::uint64_t asked_points() const;           ///< distinct non-initial ids
  std::uint64_t failed_points() const;          ///< final failures
};

/// Reads `path`. A truncated final line (no newline: the process died while
/// writing it) is dropped with a warning; any other malformed line is an
/// error naming the file and the line: std::runtime_error
/// ("events.jsonl:17: ..."). The file must start with a header.
logged_run read_event_log(const std::string& path);

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
