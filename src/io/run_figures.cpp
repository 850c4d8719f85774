// SPDX-License-Identifier: Apache-2.0
// The figures of a run.
#include "io/run_figures.hpp"

#include <algorithm>
#include <limits>

#include "core/objectives.hpp"

namespace asyncbo::io {

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
} // namespace

double known_answer::regret(const std::vector<double>& x, double observed) const {
  if (!minimum)
    return nan_v;
  return (truth ? truth(x) : observed) - *minimum;
}

known_answer known_answer_of(const std::string& name, std::optional<double> minimum) {
  known_answer a;
  a.minimum = minimum;
  if (const test_function* f = find_test_function(name)) {
    if (!a.minimum)
      a.minimum = f->minimum;
    a.truth = [f](const std::vector<double>& x) {
      return (*f)(Eigen::Map<const vec>(x.data(), static_cast<Eigen::Index>(x.size())));
    };
  }
  return a;
}

known_answer recorded_answer(const nlohmann::json& config, const nlohmann::json& minimum) {
  std::string name;
  if (config.is_object() && config.contains("experiment")
      && config["experiment"].is_object() && config["experiment"].contains("objective")
      && config["experiment"]["objective"].is_string())
    name = config["experiment"]["objective"].get<std::string>();
  std::optional<double> m;
  if (minimum.is_number())
    m = minimum.get<double>();
  return known_answer_of(name, m);
}

std::vector<progress_step> best_so_far(const std::vector<evaluation_record>& recs,
                                       const known_answer& answer) {
  std::vector<const evaluation_record*> done;
  for (auto& r : recs)
    if (r.final)
      done.push_back(&r);
  std::stable_sort(done.begin(), done.end(),
                   [](auto* a, auto* b) { return a->end_time < b->end_time; });
  std::vector<progress_step> out;
  out.reserve(done.size());
  progress_step s;
  s.best_value = std::numeric_limits<double>::infinity();
  s.best_regret = nan_v;
  for (const auto* r : done) {
    ++s.points;
    s.initial = r->initial;
    s.time = r->end_time;
    if (r->ok()) {
      ++s.ok;
      if (r->value < s.best_value) {
        s.best_value = r->value;
        s.best_regret = answer.regret(r->x, r->value);
        s.best_x = r->x;
      }
    }
    out.push_back(s);
  }
  return out;
}

} // namespace asyncbo::io
