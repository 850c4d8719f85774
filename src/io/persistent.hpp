// SPDX-License-Identifier: Apache-2.0
// Persistent objective programs (objective.mode = "persistent"): the program
// is started once per evaluator and kept, and answers one request per line.
//
// Protocol (one JSON object per line, UTF-8):
//   asyncbo -> program (stdin):
//     {"id": 7, "attempt": 0, "worker": "local/1", "x": {"lr": 0.01, ...}}
//   program -> asyncbo (stdout):
//     {"id": 7, "value": 0.53}        the value (null: not finite)
//     {"id": 7, "error": "why"}       the evaluation failed
// A stdout line that is not a JSON object with an "id" is kept in the
// evaluator's log, as is stderr. The program is restarted (its whole process
// group killed and reaped first) after it exits, times out, or answers
// something that is not a valid reply to the request in flight; that attempt
// fails with the reason, and is retried as in spawn mode.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/command.hpp"
#include "io/objective.hpp"
#include "io/process.hpp"

namespace asyncbo::io {

/// The request line for one evaluation (no newline).
/// Categorical parameters are their choice (a string).
std::string request_line(const std::vector<std::string>& names, const std::vector<double>& x,
                         std::uint64_t id, std::uint32_t attempt, const std::string& worker,
                         const std::vector<std::vector<std::string>>& choices = {});

/// What a stdout line is.
enum class reply_kind : std::uint8_t {
  not_a_reply,   ///< any other output: logged
  reply,         ///< the answer to the request in flight (outcome filled)
  invalid,       ///< claims to be a reply but is not a valid one (reason filled)
};

/// Classifies one stdout line while request `id` is in flight.
reply_kind parse_reply(const std::string& line, std::uint64_t id, command_outcome& out);

/// One evaluator's long-lived program. Not thread-safe: one evaluation at a
/// time, on the thread that owns it (a detached evaluator), which is also the
/// thread its program dies with.
class persistent_program {
public:
  /// `log_dir`: where the program's stderr and other output go, as
  /// <worker>-<start>.err / .out ("" = discarded).
  persistent_program(objective_spec spec, std::string worker, std::string log_dir);
  ~persistent_program();
  persistent_program(const persistent_program&) = delete;
  persistent_program& operator=(const persistent_program&) = delete;

  /// Evaluates x, starting the program first if it is not running. Blocks
  /// until the reply, the program's end, the timeout (objective.timeout,
  /// counted from the request, start-up included after a restart) or
  /// cancel_processes().
  command_outcome evaluate(const std::vector<double>& x, std::uint64_t id,
                           std::uint32_t attempt);

  /// How many times the program was started.
  std::uint64_t starts() const noexcept { return starts_; }
  bool running() const noexcept { return child_.pid > 0; }

private:
  std::string start();
  /// Reaps the leader if it has exited (non-blocking); true once it has.
  bool leader_exited();
  /// Kills the group and reaps it; returns the leader's exit as text.
  std::string stop();
  /// Moves what the program printed into the logs; returns false at EOF of
  /// stdout. Complete stdout lines are appended to `lines`.
  bool drain(bool out_ready, bool err_ready, std::vector<std::string>& lines);

  objective_spec spec_;
  std::string worker_;
  std::string log_dir_;
  child_process child_;
  capped_log out_log_, err_log_;
  std::string partial_;   ///< an unfinished stdout line
  bool reaped_ = false;   ///< the leader was reaped (its group may live on)
  int reaped_status_ = 0;
  std::uint64_t starts_ = 0;
};

} // namespace asyncbo::io
