// SPDX-License-Identifier: Apache-2.0
// The names of an enum's values, written once: one table per enum, read by
// to_string, by parse_enum, by the settings schema and by --help.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace asyncbo {

/// Specialised once per enum E, in E's own header:
///
///   template <> struct enum_names<rule_kind> {
///     static constexpr std::pair<rule_kind, const char*> items[] = {...};
///   };
///
/// in documentation order (the first is listed first in --help).
template <class E>
struct enum_names;

/// The name of `e` in its table ("unknown" for a value outside it).
template <class E, class = decltype(enum_names<E>::items)>
const char* to_string(E e) {
  for (const auto& [value, name] : enum_names<E>::items)
    if (value == e)
      return name;
  return "unknown";
}

/// The value named `s`; false (and `out` unchanged) if no value has that name.
template <class E>
bool parse_enum(const std::string& s, E& out) {
  for (const auto& [value, name] : enum_names<E>::items)
    if (s == name) {
      out = value;
      return true;
    }
  return false;
}

/// Every name of E's table, in its order.
template <class E>
std::vector<std::string> enum_name_list() {
  std::vector<std::string> out;
  for (const auto& item : enum_names<E>::items)
    out.emplace_back(item.second);
  return out;
}

} // namespace asyncbo
