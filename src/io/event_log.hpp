// SPDX-License-Identifier: Apache-2.0
// events.jsonl, the run's checkpoint: its writer, its reader and the names of
// its events, in one place. The reader is what --resume, `asyncbo status`, the
// sweep's report and the bench rebuild a run from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/records.hpp"

namespace asyncbo::io {

/// The "event" field of each line.
namespace event_names {
inline constexpr const char* header = "header";
inline constexpr const char* dispatch = "dispatch";
inline constexpr const char* result = "result";
inline constexpr const char* resume = "resume";
inline constexpr const char* note = "note";
} // namespace event_names

/// events.jsonl: one JSON object per line.
///   {"event":"header", "version":1, "config":{...}, "names":[...],
///    "choices":[[...], ...] (only with categorical parameters)}
/// Points ("x") hold strings for categorical coordinates.
///   {"event":"dispatch", "id", "attempt", "x", "initial", "batch", "t"}
///    (and "fallback": true for a fallback point, experiment.fallback)
///   {"event":"result", ...evaluation_record fields...}
///   {"event":"resume", "t"}
///   {"event":"note", "text", "t"}      (cluster membership, rejections)
class event_log {
public:
  event_log() = default;
  event_log(const std::string& path, bool fsync, point_choices choices = {});
  void header(const nlohmann::json& config, const std::vector<std::string>& names);
  void dispatch(std::uint64_t id, std::uint32_t attempt, const std::vector<double>& x,
                bool initial, std::uint64_t batch, double t, bool fallback = false);
  void result(const evaluation_record& r);
  void resume(double t);
  void note(const std::string& text, double t);

private:
  line_file file_;
  point_choices choices_;
};

/// What a log says about a run.
struct logged_run {
  nlohmann::json config;                        ///< the header's settings
  std::vector<std::string> names;
  point_choices choices;                        ///< from the header (categorical parameters)
  std::vector<evaluation_record> records;       ///< every result, in order
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
    bool fallback = false;                      ///< chosen as a fallback point (any attempt)
  };
  std::vector<point> points;                    ///< every dispatched point, by id
  std::vector<std::string> notes;               ///< the note events' texts, in order
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

} // namespace asyncbo::io
