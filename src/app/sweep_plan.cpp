// SPDX-License-Identifier: Apache-2.0
// The plan of a sweep.
#include "app/sweep_plan.hpp"

#include <cmath>
#include <cstdio>

#include "io/settings.hpp"

namespace asyncbo::app {

using nlohmann::json;

std::string show_value(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

namespace {

bool known_key(const std::string& full) {
  for (auto& k : io::schema())
    if (k.full() == full)
      return true;
  return false;
}

/// A positive number or a list of them (sweep.at-evaluations, sweep.at-times).
bool read_points(const json& v, const std::string& key, std::vector<double>& out,
                 std::vector<std::string>& errors) {
  std::vector<json> items = v.is_array() ? std::vector<json>(v.begin(), v.end())
                                         : std::vector<json>{v};
  out.clear();
  for (auto& x : items) {
    if (!x.is_number() || !(x.get<double>() > 0)) {
      errors.push_back("sweep." + key + ": must be a positive number or a list of them, got "
                       + v.dump());
      return false;
    }
    out.push_back(x.get<double>());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return true;
}

void add_axis(const std::string& key, const json& v, sweep_options& out,
              std::vector<std::string>& errors) {
  const std::string where = "sweep." + key;
  if (key == "experiment.seed") {
    errors.push_back(where + ": the seeds of a sweep are sweep.seeds (runs use "
                             "experiment.seed, +1, ...)");
    return;
  }
  if (key.rfind("output.", 0) == 0) {
    errors.push_back(where + ": output keys cannot be swept (the sweep chooses each "
                             "run's folder)");
    return;
  }
  if (!known_key(key)) {
    errors.push_back(where + ": " + key + " is not a configuration key (asyncbo --help)");
    return;
  }
  sweep_axis a;
  a.key = key;
  if (v.is_array())
    a.values.assign(v.begin(), v.end());
  else
    a.values.push_back(v);
  if (a.values.empty()) {
    errors.push_back(where + ": needs at least one value");
    return;
  }
  out.axes.push_back(std::move(a));
}

double rounded_time(double t) {
  return std::round(t * 1e6) / 1e6;
}

} // namespace

bool parse_sweep(json& raw, sweep_options& out, std::vector<std::string>& errors) {
  const std::size_t errors_before = errors.size();
  json sw = json::object();
  if (raw.contains("sweep")) {
    if (!raw["sweep"].is_object())
      errors.push_back("[sweep]: must be a section");
    else
      sw = raw["sweep"];
    raw.erase("sweep");
  }
  // Sub-sections may also arrive flat ("sweep.acquisition" = {...}).
  for (auto it = raw.begin(); it != raw.end();) {
    if (it.key().rfind("sweep.", 0) == 0) {
      sw[it.key().substr(6)] = it.value();
      it = raw.erase(it);
    } else {
      ++it;
    }
  }
  out = sweep_options{};
  for (auto& [k, v] : sw.items()) {
    if (v.is_object()) {
      for (auto& [k2, v2] : v.items())
        add_axis(k + "." + k2, v2, out, errors);
    } else if (k.find('.') != std::string::npos) {
      add_axis(k, v, out, errors);
    } else if (k == "seeds") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1)
        errors.push_back("sweep.seeds: must be an integer >= 1, got " + v.dump());
      else
        out.seeds = v.get<std::uint64_t>();
    } else if (k == "jobs") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
        errors.push_back("sweep.jobs: must be an integer >= 0 (0 = all cores), got "
                         + v.dump());
      else
        out.jobs = v.get<std::int64_t>();
    } else if (k == "at-evaluations") {
      read_points(v, k, out.at_evaluations, errors);
    } else if (k == "at-times") {
      read_points(v, k, out.at_times, errors);
    } else if (k == "mode") {
      if (v != "cross" && v != "zip")
        errors.push_back("sweep.mode: must be one of cross, zip, got " + v.dump());
      else
        out.zip = v == "zip";
    } else if (k == "target-regret") {
      if (!v.is_number() || !(v.get<double>() > 0))
        errors.push_back("sweep.target-regret: must be a number > 0, got " + v.dump());
      else
        out.target_regret = v.get<double>();
    } else {
      errors.push_back("sweep." + k + ": unknown key (sweep options: seeds, jobs, "
                       "at-evaluations, at-times, target-regret; swept keys are "
                       "sweep.SECTION.KEY)");
    }
  }
  if (out.zip)
    for (auto& a : out.axes)
      if (a.values.size() != out.axes.front().values.size())
        errors.push_back("sweep." + a.key + ": sweep.mode = \"zip\" needs lists of one "
                         "length; " + out.axes.front().key + " has "
                         + std::to_string(out.axes.front().values.size()) + " values, "
                         + a.key + " " + std::to_string(a.values.size()));
  return errors.size() == errors_before;
}

sweep_plan expand_sweep(const json& raw, const sweep_options& o) {
  sweep_plan plan;
  std::uint64_t base_seed = 0;
  if (raw.contains("experiment") && raw["experiment"].contains("seed")
      && raw["experiment"]["seed"].is_number_unsigned())
    base_seed = raw["experiment"]["seed"].get<std::uint64_t>();
  // Short labels ("rule") unless two axes share the short name.
  std::map<std::string, int> short_count;
  for (auto& a : o.axes)
    ++short_count[a.key.substr(a.key.find('.') + 1)];
  auto label_of = [&](const std::string& key) {
    const std::string s = key.substr(key.find('.') + 1);
    return short_count[s] > 1 ? key : s;
  };
  std::vector<std::size_t> index(o.axes.size(), 0);
  for (;;) {
    sweep_combination c;
    json cfg = raw;
    for (std::size_t a = 0; a < o.axes.size(); ++a) {
      const auto& axis = o.axes[a];
      const json& v = axis.values[index[a]];
      c.values.emplace_back(axis.key, v);
      const auto dot = axis.key.find('.');
      cfg[axis.key.substr(0, dot)][axis.key.substr(dot + 1)] = v;
      c.label += (c.label.empty() ? "" : ", ") + label_of(axis.key) + "=" + show_value(v);
    }
    if (c.label.empty())
      c.label = "base";
    io::settings s;
    std::vector<std::string> errs;
    if (!io::parse_settings(cfg, s, errs)) {
      for (auto& e : errs)
        c.skipped += (c.skipped.empty() ? "" : "; ") + e;
    }
    const std::size_t ci = plan.combinations.size();
    if (c.skipped.empty())
      for (std::uint64_t k = 0; k < o.seeds; ++k) {
        sweep_run r;
        char name[48];
        std::snprintf(name, sizeof(name), "c%02zu-s%llu", ci + 1,
                      static_cast<unsigned long long>(base_seed + k));
        r.name = name;
        r.combination = ci;
        r.seed = base_seed + k;
        for (auto& [key, v] : c.values)
          r.overrides.push_back("--" + key + "=" + v.dump());
        r.overrides.push_back("--experiment.seed=" + std::to_string(r.seed));
        plan.runs.push_back(std::move(r));
      }
    plan.combinations.push_back(std::move(c));
    // Next combination: the last axis fastest; zip moves all together.
    bool more = false;
    if (o.zip) {
      for (auto& i : index)
        ++i;
      if (!index.empty() && index[0] < o.axes[0].values.size())
        continue;
      break;
    }
    for (std::size_t a = o.axes.size(); a-- > 0;) {
      if (++index[a] < o.axes[a].values.size()) {
        more = true;
        break;
      }
      index[a] = 0;
    }
    if (!more)
      break;
  }
  return plan;
}

json plan_json(const sweep_plan& plan, const sweep_options& o, const std::string& title,
               const std::string& config) {
  json j;
  j["title"] = title;
  j["config"] = config;
  j["seeds"] = o.seeds;
  j["at_evaluations"] = o.at_evaluations;
  j["at_times"] = o.at_times;
  j["target_regret"] = o.target_regret ? json(*o.target_regret) : json(nullptr);
  j["mode"] = o.zip ? "zip" : "cross";
  j["axes"] = json::array();
  for (auto& a : o.axes)
    j["axes"].push_back({{"key", a.key}, {"values", a.values}});
  j["combinations"] = json::array();
  for (auto& c : plan.combinations) {
    json v = json::array();
    for (auto& [k, x] : c.values)
      v.push_back({k, x});
    j["combinations"].push_back({{"label", c.label}, {"values", v}, {"skipped", c.skipped}});
  }
  j["runs"] = json::array();
  for (auto& r : plan.runs)
    j["runs"].push_back({{"name", r.name},
                         {"combination", r.combination},
                         {"seed", r.seed},
                         {"overrides", r.overrides}});
  return j;
}

void plan_from_json(const json& j, sweep_plan& plan, sweep_options& o, std::string& title) {
  title = j.at("title").get<std::string>();
  o.seeds = j.at("seeds").get<std::uint64_t>();
  o.at_evaluations = j.at("at_evaluations").get<std::vector<double>>();
  o.at_times = j.at("at_times").get<std::vector<double>>();
  o.zip = j.value("mode", std::string("cross")) == "zip";
  if (!j.at("target_regret").is_null())
    o.target_regret = j["target_regret"].get<double>();
  for (auto& a : j.at("axes"))
    o.axes.push_back({a.at("key").get<std::string>(),
                      a.at("values").get<std::vector<json>>()});
  for (auto& c : j.at("combinations")) {
    sweep_combination sc;
    sc.label = c.at("label").get<std::string>();
    sc.skipped = c.at("skipped").get<std::string>();
    for (auto& kv : c.at("values"))
      sc.values.emplace_back(kv.at(0).get<std::string>(), kv.at(1));
    plan.combinations.push_back(std::move(sc));
  }
  for (auto& r : j.at("runs")) {
    sweep_run sr;
    sr.name = r.at("name").get<std::string>();
    sr.combination = r.at("combination").get<std::size_t>();
    sr.seed = r.at("seed").get<std::uint64_t>();
    sr.overrides = r.at("overrides").get<std::vector<std::string>>();
    plan.runs.push_back(std::move(sr));
  }
}

} // namespace asyncbo::app
