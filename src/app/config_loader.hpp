// SPDX-License-Identifier: Apache-2.0
// Reads CAF INI files and --section.key=value overrides into the raw JSON
// configuration that io::parse_settings validates.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace asyncbo::app {

/// Parses `path` with CAF's INI parser and merges it into `out`
/// ({"section": {"key": value}}). Returns an error message, or "" on success.
std::string load_config_file(const std::string& path, nlohmann::json& out);

/// Parses one command-line value the way CAF reads INI values (numbers,
/// booleans, [lists], "quoted strings", durations such as 10s), falling back
/// to the plain text as a string.
nlohmann::json parse_cli_value(const std::string& text);

/// Applies "--section.key=value" overrides. Arguments that are not of that
/// form are returned in `rest`; malformed overrides produce errors.
void apply_overrides(const std::vector<std::string>& args, nlohmann::json& out,
                     std::vector<std::string>& rest, std::vector<std::string>& errors);

} // namespace asyncbo::app
