// SPDX-License-Identifier: Apache-2.0
// CAF INI -> JSON.
#include "app/config_loader.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <caf/all.hpp>

namespace asyncbo::app {

namespace {

nlohmann::json to_json(const caf::config_value& v) {
  if (auto x = caf::get_if<caf::config_value::integer>(&v))
    return *x;
  if (auto x = caf::get_if<caf::config_value::boolean>(&v))
    return *x;
  if (auto x = caf::get_if<caf::config_value::real>(&v))
    return *x;
  if (auto x = caf::get_if<caf::config_value::string>(&v))
    return *x;
  if (auto x = caf::get_if<caf::atom_value>(&v))
    return caf::to_string(*x);
  if (auto x = caf::get_if<caf::timespan>(&v))
    return std::chrono::duration<double>(*x).count();
  if (auto x = caf::get_if<caf::config_value::list>(&v)) {
    auto arr = nlohmann::json::array();
    for (auto& e : *x)
      arr.push_back(to_json(e));
    return arr;
  }
  if (auto x = caf::get_if<caf::config_value::dictionary>(&v)) {
    auto obj = nlohmann::json::object();
    for (auto& [k, e] : *x)
      obj[k] = to_json(e);
    return obj;
  }
  return caf::to_string(v);
}

} // namespace

std::string load_config_file(const std::string& path, nlohmann::json& out) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return "config file " + path + " is a directory, not an INI file";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "cannot read config file " + path;
  std::string text((std::istreambuf_iterator<char>(in)), {});
  if (!in.eof() && in.fail())
    return "cannot read config file " + path;
  // CAF's parser stops quietly at bytes it does not understand; a binary file
  // must not read as an empty (default) configuration.
  if (text.find('\0') != std::string::npos)
    return "config file " + path + " is not text (it holds NUL bytes)";
  std::istringstream text_in(text);
  auto parsed = caf::actor_system_config::parse_config(text_in);
  if (!parsed)
    return path + ": not a valid INI file (" + caf::to_string(parsed.error())
           + "); strings must be double-quoted, lists written [a, b]";
  for (auto& [section, body] : *parsed)
    out[section] = to_json(body);
  return {};
}

nlohmann::json parse_cli_value(const std::string& text) {
  if (text.empty())
    return "";
  auto v = caf::config_value::parse(text);
  if (v && !caf::holds_alternative<caf::atom_value>(*v)
      && !caf::holds_alternative<caf::uri>(*v))
    return to_json(*v);
  return text;
}

void apply_overrides(const std::vector<std::string>& args, nlohmann::json& out,
                     std::vector<std::string>& rest, std::vector<std::string>& errors) {
  for (auto& a : args) {
    if (a.rfind("--", 0) != 0 || a.find('.') == std::string::npos) {
      rest.push_back(a);
      continue;
    }
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      errors.push_back(a + ": expected --section.key=value");
      continue;
    }
    std::string name = a.substr(2, eq - 2);
    auto dot = name.find('.');
    if (dot == 0 || dot == std::string::npos || dot + 1 == name.size()) {
      errors.push_back(a + ": expected --section.key=value");
      continue;
    }
    std::string section = name.substr(0, dot), key = name.substr(dot + 1);
    if (!out.contains(section) || !out[section].is_object())
      out[section] = nlohmann::json::object();
    out[section][key] = parse_cli_value(a.substr(eq + 1));
  }
}

bool load_config(const std::string& config, const std::vector<std::string>& args,
                 bool keep_sweep, loaded_config& out) {
  out.where = config.empty() ? "command line" : config;
  if (!config.empty()) {
    if (auto err = load_config_file(config, out.raw); !err.empty()) {
      out.errors.push_back(err);
      out.where.clear();   // the message names the path itself
      return false;
    }
    if (!keep_sweep)
      for (auto it = out.raw.begin(); it != out.raw.end();)
        it = it.key() == "sweep" || it.key().rfind("sweep.", 0) == 0 ? out.raw.erase(it)
                                                                     : std::next(it);
  }
  apply_overrides(args, out.raw, out.rest, out.errors);
  if (!out.errors.empty()) {
    out.where = "command line";
    return false;
  }
  return true;
}

} // namespace asyncbo::app
