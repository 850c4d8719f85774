// SPDX-License-Identifier: Apache-2.0
// asyncbo._core: the thin pybind11 layer over the C++ engine. Points cross it
// as lists of doubles in space coordinates (a categorical is its choice's
// index); names, choices and result objects live in the Python package.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dispatch.hpp"
#include "core/engine.hpp"
#include "io/settings.hpp"

namespace py = pybind11;
using namespace asyncbo;

namespace {

/// One dimension from Python: (name, kind, lower, upper, log, choices), kind
/// "real", "integer" or "categorical".
using dim_tuple =
  std::tuple<std::string, std::string, double, double, bool, std::vector<std::string>>;

search_space make_space(const std::vector<dim_tuple>& dims) {
  std::vector<dimension> out;
  for (auto& [name, kind, lo, hi, log, choices] : dims) {
    dimension d;
    d.name = name;
    d.lower = lo;
    d.upper = hi;
    d.log_scale = log;
    if (kind == "integer")
      d.integer = true;
    else if (kind == "categorical") {
      d.choices = choices;
      d.lower = 0.0;
      d.upper = choices.empty() ? 0.0 : double(choices.size() - 1);
    } else if (kind != "real")
      throw std::invalid_argument("space: parameter '" + name + "': unknown kind '" + kind
                                  + "' (real, integer or categorical)");
    out.push_back(std::move(d));
  }
  return search_space(std::move(out));
}

std::vector<double> to_list(const vec& x) { return {x.data(), x.data() + x.size()}; }

/// The engine with the settings it was made from.
class core_optimizer {
public:
  core_optimizer(const std::vector<dim_tuple>& dims, std::uint64_t seed,
                 const std::string& settings_json)
    : space_(make_space(dims)) {
    std::vector<std::string> errors;
    if (!io::parse_settings(nlohmann::json::parse(settings_json), settings_, errors)) {
      std::string msg;
      for (auto& e : errors)
        msg += (msg.empty() ? "" : "; ") + e;
      throw std::invalid_argument("settings: " + msg);
    }
    engine_.emplace(space_, settings_.engine, seed);
  }

  std::uint64_t initial_points() const { return settings_.dispatch.initial; }

  std::vector<std::pair<point_id, std::vector<double>>> initial_design(std::size_t n) {
    py::gil_scoped_release release;
    return pairs(engine_->initial_design(n));
  }

  std::vector<std::pair<point_id, std::vector<double>>> ask(std::size_t k) {
    py::gil_scoped_release release;
    return pairs(engine_->ask(k));
  }

  std::string last_status() const { return to_string(engine_->last_ask().status); }
  std::string last_message() const { return engine_->last_ask().message; }

  void tell(point_id id, double y) {
    if (!std::isfinite(y))
      throw std::invalid_argument("tell: trial " + std::to_string(id)
                                  + ": the value must be finite (tell_failure() for a "
                                    "failed evaluation)");
    const vec x = pending_x(id, "tell");
    py::gil_scoped_release release;
    engine_->tell({observation{id, x, y}});
  }

  void tell_failure(point_id id) { engine_->tell_failure(id, pending_x(id, "tell_failure")); }

  bool forget(point_id id) { return engine_->forget(id); }

  std::vector<point_id> pending() const {
    std::vector<point_id> out;
    for (auto& [id, p] : engine_->pending())
      out.push_back(id);
    return out;
  }

  std::optional<std::tuple<std::vector<double>, double, double, double>> recommend() {
    std::optional<engine::recommendation> r;
    {
      py::gil_scoped_release release;
      r = engine_->recommend();
    }
    if (!r)
      return std::nullopt;
    return std::make_tuple(to_list(r->x), r->mean, r->sd, r->observed);
  }

  /// The same proposals as jobs for the dispatcher (batch: the ask's number).
  std::vector<job> initial_jobs(std::size_t n) {
    py::gil_scoped_release release;
    return jobs(engine_->initial_design(n), 0);
  }
  std::vector<job> ask_jobs(std::size_t k) {
    py::gil_scoped_release release;
    return jobs(engine_->ask(k), ++asks_);
  }

  /// The dispatch policy of these settings (the binary's, without fallback
  /// draws: there is no sampler here), for a run over an executor.
  dispatcher make_dispatcher() const {
    dispatch_options o = settings_.dispatch;
    o.fallback = false;
    o.distinct_points = space_.has_discrete();
    return dispatcher(o);
  }

  std::int64_t workers() const { return settings_.num_workers; }

  std::optional<std::pair<std::vector<double>, double>> best() const {
    auto b = engine_->best();
    if (!b)
      return std::nullopt;
    return std::make_pair(to_list(b->x), b->y);
  }

private:
  static std::vector<job> jobs(const std::vector<proposal>& ps, std::uint64_t batch) {
    std::vector<job> out;
    for (auto& p : ps)
      out.push_back(to_job(p, batch));
    return out;
  }

  static std::vector<std::pair<point_id, std::vector<double>>>
  pairs(const std::vector<proposal>& ps) {
    std::vector<std::pair<point_id, std::vector<double>>> out;
    for (auto& p : ps)
      out.emplace_back(p.id, to_list(p.x));
    return out;
  }

  vec pending_x(point_id id, const char* what) const {
    auto it = engine_->pending().find(id);
    if (it == engine_->pending().end())
      throw std::invalid_argument(std::string(what) + ": trial " + std::to_string(id)
                                  + " is not pending (never asked, already told or "
                                    "forgotten)");
    return it->second.x;
  }

  search_space space_;
  io::settings settings_;
  std::optional<engine> engine_;
  std::uint64_t asks_ = 0;
};

} // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "asyncbo's C++ engine (use the asyncbo package, not this module)";
  py::class_<job>(m, "Job")
    .def_readonly("id", &job::id)
    .def_readonly("attempt", &job::attempt)
    .def_readonly("initial", &job::initial)
    .def_readonly("x", &job::x);
  py::class_<assignment>(m, "Assignment")
    .def_readonly("slot", &assignment::slot)
    .def_readonly("job", &assignment::work);
  py::enum_<result_verdict>(m, "Verdict")
    .value("final", result_verdict::final)
    .value("retried", result_verdict::retried)
    .value("stale", result_verdict::stale);
  // The dispatch policy (core/dispatch), driven from Python as the pool
  // actor drives it: the same class, not a re-implementation.
  py::class_<dispatcher>(m, "Dispatcher")
    .def("add_evaluator", &dispatcher::add_evaluator)
    .def("start", &dispatcher::start)
    .def("add_initial", &dispatcher::add_initial)
    .def("assign", &dispatcher::assign)
    .def("ask", &dispatcher::ask)
    .def("answered",
         [](dispatcher& d, std::vector<job> points, double now, bool space_exhausted) {
           std::vector<job> dropped;
           d.answered(std::move(points), now, &dropped, space_exhausted);
           std::vector<point_id> ids;
           for (auto& j : dropped)
             ids.push_back(j.id);
           return ids;
         })
    .def("ask_failed", &dispatcher::ask_failed)
    .def("result", &dispatcher::result)
    .def("failure_limit", &dispatcher::failure_limit)
    .def("done", &dispatcher::done)
    .def("stop", &dispatcher::stop)
    .def("busy", &dispatcher::busy)
    .def("evaluators", &dispatcher::evaluators)
    .def("retried", [](const dispatcher& d) { return d.stats().retried; })
    .def("failed_points", [](const dispatcher& d) { return d.stats().failed_points; });
  py::class_<core_optimizer>(m, "CoreOptimizer")
    .def(py::init<const std::vector<dim_tuple>&, std::uint64_t, const std::string&>(),
         py::arg("dims"), py::arg("seed"), py::arg("settings_json"))
    .def("initial_points", &core_optimizer::initial_points)
    .def("initial_design", &core_optimizer::initial_design)
    .def("ask", &core_optimizer::ask)
    .def("last_status", &core_optimizer::last_status)
    .def("last_message", &core_optimizer::last_message)
    .def("tell", &core_optimizer::tell)
    .def("tell_failure", &core_optimizer::tell_failure)
    .def("forget", &core_optimizer::forget)
    .def("pending", &core_optimizer::pending)
    .def("recommend", &core_optimizer::recommend)
    .def("best", &core_optimizer::best)
    .def("initial_jobs", &core_optimizer::initial_jobs)
    .def("ask_jobs", &core_optimizer::ask_jobs)
    .def("make_dispatcher", &core_optimizer::make_dispatcher)
    .def("workers", &core_optimizer::workers);
}
