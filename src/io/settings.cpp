// SPDX-License-Identifier: Apache-2.0
// Settings: product defaults, parsing against the schema, the checks that
// involve several keys, and what the settings describe (space, objective).
#include "io/settings.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/format.hpp"
#include "io/command.hpp"
#include "io/schema.hpp"

namespace asyncbo::io {

namespace {

using json = nlohmann::json;

bool contains(const std::vector<std::string>& v, const std::string& n) {
  for (auto& x : v)
    if (x == n)
      return true;
  return false;
}

void check_space(const settings& s, std::vector<std::string>& err) {
  auto add = [&](const std::string& e) { err.push_back(e); };
  const auto& sp = s.space;
  if (sp.names.empty())
    add("space.names: must list the parameters when experiment.objective is \"command\"");
  const std::set<std::string> names(sp.names.begin(), sp.names.end());
  std::size_t numeric = 0;
  for (auto& n : sp.names)
    numeric += sp.categories.count(n) ? 0 : 1;
  const std::string per = sp.categories.empty() ? "per name" : "per numeric name";
  if (sp.lower.size() != numeric)
    add("space.lower: needs one bound " + per + " (" + std::to_string(numeric) + "), got "
        + std::to_string(sp.lower.size()));
  if (sp.upper.size() != numeric)
    add("space.upper: needs one bound " + per + " (" + std::to_string(numeric) + "), got "
        + std::to_string(sp.upper.size()));
  const std::size_t errors_before = err.size();
  for (auto& [n, choices] : sp.categories) {
    const std::string key = "space.categories." + n;
    if (!names.count(n))
      add(key + ": \"" + n + "\" is not in space.names");
    if (choices.size() < 2)
      add(key + ": needs at least two choices, got " + std::to_string(choices.size()));
    std::set<std::string> seen;
    for (auto& c : choices) {
      if (c.empty())
        add(key + ": choices must not be empty strings");
      else if (!seen.insert(c).second)
        add(key + ": \"" + c + "\" appears twice");
    }
  }
  const bool categories_ok = err.size() == errors_before;
  for (auto [key, list] : {std::pair<const char*, const std::vector<std::string>*>{"log", &sp.log},
                           {"integer", &sp.integer}}) {
    for (auto& n : *list)
      if (sp.categories.count(n))
        add(std::string("space.") + key + ": \"" + n + "\" is categorical (space.categories)");
    for (auto& n : *list)
      if (!names.count(n))
        add(std::string("space.") + key + ": \"" + n + "\" is not in space.names");
  }
  if (sp.lower.size() == numeric && sp.upper.size() == numeric && !sp.names.empty()
      && categories_ok) {
    try {
      (void) s.search();
    } catch (const std::invalid_argument& e) {
      add(std::string("space: ") + e.what());
    }
  }
}

void check_command(const settings& s, std::vector<std::string>& err) {
  const auto& o = s.objective;
  if (o.command.empty())
    err.push_back("objective.command: must not be empty when experiment.objective is "
                  "\"command\"");
  if (o.persistent)
    for (std::size_t i = 0; i < o.command.size(); ++i)
      try {
        (void) expand_argv({o.command[i]}, {}, {});
      } catch (const std::invalid_argument&) {
        err.push_back("objective.command: argument " + std::to_string(i) + " (\""
                      + o.command[i]
                      + "\") has a {placeholder}; in persistent mode the point arrives on "
                        "stdin as JSON, not in the arguments (write {{ and }} for literal "
                        "braces)");
      }
  check_space(s, err);
  if (o.noise.sd > 0.0 || o.noise.failure_rate > 0.0)
    err.push_back("experiment.noise: noise and failure-rate apply to built-in objectives "
                  "only, not to experiment.objective = \"command\"");
  if (s.clock.virtual_time)
    err.push_back("delay.clock: the virtual clock simulates built-in objectives only: an "
                  "external program takes the real time it takes (use delay.clock = "
                  "\"real\")");
}

void check_cluster(const settings& s, std::vector<std::string>& err) {
  const auto& c = s.cluster;
  if (!c.secret.empty() && !c.secret_file.empty())
    err.push_back("cluster.secret: give cluster.secret or cluster.secret-file, not both");
  if (c.tls() && (c.tls_certificate.empty() || c.tls_key.empty() || c.tls_cafile.empty()))
    err.push_back("cluster.tls-certificate: TLS needs cluster.tls-certificate, "
                  "cluster.tls-key and cluster.tls-cafile together");
  for (auto [key, path] : {std::pair<const char*, const std::string*>{"tls-certificate",
                                                                      &c.tls_certificate},
                           {"tls-key", &c.tls_key},
                           {"tls-cafile", &c.tls_cafile}})
    if (!path->empty() && !std::ifstream(*path))
      err.push_back(std::string("cluster.") + key + ": cannot read \"" + *path + "\"");
  const bool loopback = c.bind.rfind("127.", 0) == 0 || c.bind == "::1" || c.bind == "localhost";
  if (c.port >= 0 && !loopback && c.secret.empty() && c.secret_file.empty()
      && !std::getenv("ASYNCBO_CLUSTER_SECRET"))
    err.push_back("cluster.bind: accepting other hosts (cluster.bind = \"" + c.bind
                  + "\") needs a shared secret: set cluster.secret-file, "
                    "ASYNCBO_CLUSTER_SECRET or cluster.secret");
  if (s.clock.virtual_time && c.port >= 0)
    err.push_back("delay.clock: the virtual clock runs local evaluators only (cluster.port "
                  "is set): remote workers answer in real time");
}

/// The rules that involve several keys.
void cross_check(const settings& s, std::vector<std::string>& err) {
  auto add = [&](const std::string& e) { err.push_back(e); };
  const bool command = s.objective.is_command();
  if (!command && !s.builtin())
    add("experiment.objective: unknown objective \"" + s.objective.name + "\"; use one of "
        + test_function_names() + ", command");
  if (s.num_workers > 0 && s.dispatch.batch_size > std::size_t(s.num_workers))
    add("experiment.batch-size: must be <= experiment.num-workers ("
        + std::to_string(s.num_workers) + "), got " + std::to_string(s.dispatch.batch_size));
  if (s.num_workers == 0 && s.cluster.port < 0)
    add("experiment.num-workers: 0 needs cluster.port (all evaluators remote)");
  if (auto e = s.engine.validate(); !e.empty()) {
    std::istringstream lines(e);
    for (std::string line; std::getline(lines, line);)
      add("acquisition: " + line);
  }
  if (s.engine.rule == rule_kind::sync && s.engine.acquisition == acquisition_kind::ei
      && s.dispatch.batch_size != 1)
    add("acquisition.function: ei gives one point per ask; with rule sync "
        "experiment.batch-size must be 1, got " + std::to_string(s.dispatch.batch_size));
  if (s.objective.persistent && !command)
    add("objective.mode: \"persistent\" needs experiment.objective = \"command\" (got \""
        + s.objective.name + "\")");
  if (command)
    check_command(s, err);
  else if (!s.space.names.empty())
    add("space.names: only used with experiment.objective = \"command\" (built-in "
        "objectives have their own domain)");
  if (s.objective.noise.failure_rate >= 1.0)
    add("experiment.failure-rate: must be < 1, got " + exact(s.objective.noise.failure_rate));
  if (auto e = s.delay.validate(); !e.empty())
    add(e.substr(0, e.find(' ')) + ": " + e.substr(e.find(' ') + 1));
  if (s.clock.ask_cost < 0.0 && s.clock.ask_cost != -1.0)
    add("delay.ask-cost: must be >= 0, or -1 for the measured time, got "
        + exact(s.clock.ask_cost));
  if (!s.clock.virtual_time && s.clock.ask_cost != -1.0)
    add("delay.ask-cost: only used with delay.clock = \"virtual\"");
  if (s.dispatch.max_failure_fraction > 1.0)
    add("objective.max-failure-fraction: must be <= 1, got "
        + exact(s.dispatch.max_failure_fraction));
  check_cluster(s, err);
}

} // namespace

settings::settings() {
  // The product's defaults where they differ from the layers' own (which
  // are Trieste's or neutral): the seed experiment's policy, 2 048 Sobol
  // base samples (as accurate as 10 000 pseudo-random, docs/experiments/history.md),
  // a Sobol initial design, non-blocking dispatch, and local penalisation's
  // Lipschitz estimate on the tutorials' 2 000 points (Trieste's default 500).
  dispatch.batch_size = 2;
  dispatch.budget = 30;
  dispatch.initial = 3;
  dispatch.max_failure_fraction = 0.5;
  dispatch.fallback = true;
  engine.qei.samples = 2048;
  engine.lp.samples = 2000;
  engine.sobol_initial_design = true;
}

std::string cluster_options::shared_secret() const {
  if (secret_file.empty()) {
    if (!secret.empty())
      return secret;
    const char* env = std::getenv("ASYNCBO_CLUSTER_SECRET");
    return env ? env : "";
  }
  std::ifstream in(secret_file);
  if (!in)
    throw std::runtime_error("cluster.secret-file: cannot read " + secret_file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  if (line.empty())
    throw std::runtime_error("cluster.secret-file: " + secret_file + " is empty");
  return line;
}

delay_model settings::seeded_delay() const {
  delay_model d = delay;
  d.seed = seed;
  return d;
}

objective_spec settings::spec() const {
  objective_spec o = objective;
  if (auto* f = builtin())
    o.minimum = f->minimum;
  if (o.is_command() || builtin()) {
    const search_space sp = search();
    o.names = sp.names();
    o.choices = choices_of(sp);
  }
  o.delay = seeded_delay();
  o.noise.seed = seed;
  return o;
}

search_space settings::search() const {
  if (auto* f = builtin())
    return f->space();
  std::vector<dimension> dims;
  std::size_t b = 0;   // bounds are given for the numeric names only
  for (auto& name : space.names) {
    dimension d;
    d.name = name;
    if (auto c = space.categories.find(name); c != space.categories.end()) {
      d.choices = c->second;
    } else {
      d.lower = b < space.lower.size() ? space.lower[b] : 0.0;
      d.upper = b < space.upper.size() ? space.upper[b] : 1.0;
      d.log_scale = contains(space.log, name);
      d.integer = contains(space.integer, name);
      ++b;
    }
    dims.push_back(std::move(d));
  }
  return search_space{std::move(dims)};
}

const std::vector<key_info>& schema() {
  static const std::vector<key_info> ks = [] {
    std::vector<key_info> out;
    for (auto& e : detail::entries())
      out.push_back(e.info);
    return out;
  }();
  return ks;
}

bool parse_settings(const json& raw, settings& out, std::vector<std::string>& errors) {
  errors.clear();
  settings s;
  std::map<std::string, const detail::entry*> by_name;
  std::set<std::string> sections;
  for (auto& e : detail::entries()) {
    by_name[e.info.full()] = &e;
    sections.insert(e.info.section);
  }
  if (!raw.is_object()) {
    errors.push_back("config: expected sections of key = value pairs");
    return false;
  }
  for (auto& [sec, body] : raw.items()) {
    if (!sections.count(sec)) {
      errors.push_back("[" + sec + "]: unknown section");
      continue;
    }
    if (!body.is_object()) {
      errors.push_back(sec + ": unknown key (keys live in sections, e.g. " + sec + ".<key>)");
      continue;
    }
    for (auto& [key, val] : body.items()) {
      auto it = by_name.find(sec + "." + key);
      if (it == by_name.end()) {
        errors.push_back(sec + "." + key + ": unknown key");
        continue;
      }
      if (auto err = it->second->read(s, val); !err.empty())
        errors.push_back(sec + "." + key + ": " + err);
    }
  }
  if (errors.empty())
    cross_check(s, errors);
  if (!errors.empty())
    return false;
  out = s;
  return true;
}

json to_json(const settings& s) {
  json out = json::object();
  for (auto& e : detail::entries())
    out[e.info.section][e.info.key] = e.is_set && e.is_set(s) ? json("(set, not recorded)")
                                                              : e.write(s);
  return out;
}

std::string keys_help() {
  auto line = [](const key_info& k, bool full) {
    const std::string head = "  " + (full ? k.full() : k.key) + " = " + k.def;
    return head + std::string(head.size() < 34 ? 34 - head.size() : 1, ' ') + "(" + k.type
           + ") " + k.help + "\n";
  };
  std::string out, sec;
  for (auto& k : schema()) {
    if (k.advanced)
      continue;
    if (k.section != sec) {
      sec = k.section;
      out += "\n[" + sec + "]\n";
    }
    out += line(k, false);
  }
  out += "\nAdvanced keys (the defaults are measured; change them to experiment):\n";
  for (auto& k : schema())
    if (k.advanced)
      out += line(k, true);
  return out;
}

} // namespace asyncbo::io
