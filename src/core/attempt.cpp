// SPDX-License-Identifier: Apache-2.0
// Attempt statuses and their text.
#include "core/attempt.hpp"

namespace asyncbo {

const char* to_string(attempt_status s) {
  switch (s) {
    case attempt_status::ok: return "ok";
    case attempt_status::error: return "error";
    case attempt_status::timeout: return "timeout";
    case attempt_status::bad_output: return "bad_output";
    case attempt_status::not_finite: return "not_finite";
    case attempt_status::exception: return "exception";
    case attempt_status::cancelled: return "cancelled";
    case attempt_status::lost: return "lost";
  }
  return "unknown";
}

bool parse_attempt_status(const std::string& text, attempt_status& out) {
  for (auto s : {attempt_status::ok, attempt_status::error, attempt_status::timeout,
                 attempt_status::bad_output, attempt_status::not_finite,
                 attempt_status::exception, attempt_status::cancelled,
                 attempt_status::lost})
    if (text == to_string(s)) {
      out = s;
      return true;
    }
  return false;
}

bool is_point_failure(attempt_status s) {
  switch (s) {
    case attempt_status::error:
    case attempt_status::timeout:
    case attempt_status::bad_output:
    case attempt_status::not_finite:
    case attempt_status::exception: return true;
    case attempt_status::ok:
    case attempt_status::cancelled:
    case attempt_status::lost: return false;
  }
  return false;
}

} // namespace asyncbo
