// SPDX-License-Identifier: Apache-2.0
// The schema's table: for every key, its description (key_info), how it is
// read into its field of the settings and written back. Used by
// io/settings.cpp only; the public face is io::schema() and parse_settings.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/settings.hpp"

namespace asyncbo::io::detail {

/// A schema entry with its reader and writer.
struct entry {
  key_info info;
  /// Reads v into its field of s; returns an error ("must be ...") or "".
  std::function<std::string(settings&, const nlohmann::json&)> read;
  std::function<nlohmann::json(const settings&)> write;
  /// For keys marked secret: whether a value is set (to_json then writes
  /// only that it was).
  std::function<bool(const settings&)> is_set;
};

/// Every key, in documentation order.
const std::vector<entry>& entries();

} // namespace asyncbo::io::detail
