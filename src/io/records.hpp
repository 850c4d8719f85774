// SPDX-License-Identifier: Apache-2.0
// What a run writes as it goes: observations.csv (one row per evaluation
// attempt) and the line files under it (events.jsonl is io/event_log). Every
// line is written with one write(2) call and, with fsync, synced, so a killed
// process loses nothing it had already received.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/attempt.hpp"

namespace asyncbo::io {

/// Per coordinate, the choices of a categorical parameter (empty: numeric).
/// A point's categorical coordinates are choice indices in memory and on
/// the wire, and their strings in every file a user reads.
using point_choices = std::vector<std::vector<std::string>>;

/// A point as a JSON array: numbers, and strings for categorical coordinates.
nlohmann::json point_to_json(const std::vector<double>& x, const point_choices& choices);
/// A point as an object by parameter name (choices as their strings): the
/// form of summaries, the dashboard and the programs' JSON protocols.
nlohmann::json named_point(const std::vector<std::string>& names, const std::vector<double>& x,
                           const point_choices& choices = {});
/// The inverse of point_to_json; throws std::invalid_argument for an unknown choice or a
/// string where a number belongs.
std::vector<double> point_from_json(const nlohmann::json& j, const point_choices& choices);

/// One evaluation attempt, as recorded.
struct evaluation_record {
  std::uint64_t id = 0;
  std::uint32_t attempt = 0;
  bool initial = false;
  std::uint64_t batch = 0;           ///< which ask produced the point
  std::vector<double> x;             ///< space coordinates
  double value = 0.0;                ///< meaningful when status is ok
  attempt_status status = attempt_status::ok;
  std::string reason;                ///< human-readable cause of a failure
  std::string worker;                ///< evaluator name
  double dispatch_time = 0.0;        ///< seconds since the run started
  double start_time = 0.0;
  double end_time = 0.0;
  /// The point's final outcome (ok, or failed with no retry left). Recorded in
  /// events.jsonl so that a resumed run knows what is still to be done.
  bool final = true;

  bool ok() const { return status == attempt_status::ok; }
};

/// An append-only text file written line by line with write(2).
class line_file {
public:
  line_file() = default;
  /// Opens `path` for appending (creating it). Throws std::runtime_error
  /// naming the path and the OS error.
  line_file(const std::string& path, bool fsync);
  ~line_file();
  line_file(line_file&&) noexcept;
  line_file& operator=(line_file&&) noexcept;
  line_file(const line_file&) = delete;
  line_file& operator=(const line_file&) = delete;

  bool is_open() const noexcept { return fd_ >= 0; }
  /// Appends `line` plus a newline in one write; throws std::runtime_error on
  /// failure (disk full, ...).
  void write_line(const std::string& line);
  void close();

private:
  int fd_ = -1;
  bool fsync_ = false;
  std::string path_;
};

/// observations.csv: header
///   id,attempt,kind,<names...>,value,status,reason,worker,batch,
///   dispatch_s,start_s,end_s
/// kind is "initial" or "asked"; value is empty unless status is ok.
class observations_csv {
public:
  observations_csv() = default;
  /// Creates the file with its header, or (append) continues an existing one.
  observations_csv(const std::string& path, const std::vector<std::string>& names,
                   bool fsync, bool append, point_choices choices = {});
  void write(const evaluation_record& r);
  static std::string header(const std::vector<std::string>& names);
  /// A row; categorical coordinates as their choice.
  static std::string row(const evaluation_record& r, const point_choices& choices = {});

private:
  line_file file_;
  point_choices choices_;
};

nlohmann::json to_json(const evaluation_record& r, const point_choices& choices = {});
/// Throws std::invalid_argument naming the missing or mistyped field.
evaluation_record record_from_json(const nlohmann::json& j, const point_choices& choices = {});

/// Writes all of `data` to `fd`, retrying after EINTR and short writes.
/// Returns false on an error (errno is set).
bool write_fully(int fd, const char* data, std::size_t size);

/// If the file's last line has no newline (the process died while writing
/// it), cuts it off. Returns the dropped text ("" if none). Throws
/// std::runtime_error if the file cannot be repaired.
std::string drop_partial_last_line(const std::string& path);

} // namespace asyncbo::io
