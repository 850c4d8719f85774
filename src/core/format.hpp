// SPDX-License-Identifier: Apache-2.0
// Text for doubles that reads back exactly (logs, command arguments, error
// messages): the shortest round-trip form of std::to_chars.
#pragma once

#include <charconv>
#include <string>

namespace asyncbo {

/// The shortest text that std::strtod reads back as exactly `v` ("0.1",
/// "1e-07", "inf", "nan").
inline std::string exact(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

} // namespace asyncbo
