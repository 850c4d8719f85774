// SPDX-License-Identifier: Apache-2.0
// How one evaluation attempt ended: the one list of attempt statuses and
// their text (observations.csv, events.jsonl and the wire all use it).
#pragma once

#include <cstdint>
#include <string>

namespace asyncbo {

/// The outcome of one evaluation attempt.
enum class attempt_status : std::uint8_t {
  ok,         ///< a finite value
  error,      ///< the objective failed (non-zero exit, signal, cannot start)
  timeout,    ///< no result within objective.timeout; process group killed
  bad_output, ///< the program's output is not a value
  not_finite, ///< NaN or an infinity
  exception,  ///< a C++ objective threw
  cancelled,  ///< the run was interrupted while the attempt ran
  lost,       ///< the evaluator (or the head) went away; re-dispatched
};

/// The status's text, as written in the logs ("ok", "bad_output", ...).
const char* to_string(attempt_status s);

/// Parses the text written by to_string; false if unknown.
bool parse_attempt_status(const std::string& text, attempt_status& out);

/// True if the attempt failed because of the point itself (it may fail again
/// there), false for ok and for attempts that ended for other reasons (lost
/// evaluators, interrupted runs), which say nothing about the point.
bool is_point_failure(attempt_status s);

} // namespace asyncbo
