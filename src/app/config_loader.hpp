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

/// A configuration as a command reads it: CONFIG plus the overrides.
struct loaded_config {
  nlohmann::json raw = nlohmann::json::object();
  std::vector<std::string> rest;     ///< arguments that are not overrides
  std::vector<std::string> errors;   ///< each naming the path, or the key and the rule
  std::string where;                 ///< what the errors are about: CONFIG, "command line", or "" (the message names the file)
};

/// The one loader of `asyncbo run`, `worker`, `sweep` and asyncbo-bench:
/// reads CONFIG (none if empty) and applies the overrides. A file's [sweep]
/// sections are for `asyncbo sweep` (keep_sweep); every other command drops
/// them, so a study's config runs (and benchmarks) as its base experiment.
/// False with `errors` on an unreadable file or a malformed override.
bool load_config(const std::string& config, const std::vector<std::string>& args,
                 bool keep_sweep, loaded_config& out);

} // namespace asyncbo::app
