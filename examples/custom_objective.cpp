// SPDX-License-Identifier: Apache-2.0
// Using asyncbo as a library: optimise your own C++ function with 4
// asynchronous workers, no CLI and no config file.
//
//   build/examples/custom_objective [output-dir]
#include <cmath>
#include <cstdio>
#include <thread>

#include "app/experiment.hpp"

int main(int argc, char** argv) {
  using namespace asyncbo;
  app::run_request req;
  // Every key of the INI files is a field of the layers' option structs
  // (docs/design.md, "Where each option lives").
  io::settings& s = req.settings;
  s.num_workers = 4;
  s.dispatch.batch_size = 1;        // a new point whenever a worker is free
  s.dispatch.initial = 5;
  s.dispatch.budget = 25;           // evaluations after the initial design
  s.engine.rule = rule_kind::async_greedy;
  s.engine.acquisition = acquisition_kind::local_penalization;
  s.engine.likelihood_variance = 1e-7;
  s.output.dir = argc > 1 ? argv[1] : "runs/custom-objective";
  s.output.progress = io::progress_mode::never;

  // Named parameters: `rate` is searched on a log scale, `depth` is an integer.
  search_space space({{"rate", 1e-4, 1e-1, /*log*/ true, false},
                      {"shift", -2.0, 2.0, false, false},
                      {"depth", 1, 6, false, /*integer*/ true}});
  // Any callable: called with space coordinates; throw (or return NaN) to
  // report a failed evaluation. Each worker runs it on its own thread.
  auto fn = [](const std::vector<double>& x) {
    double a = std::log10(x[0]) + 2.5, b = x[1] - 0.5, c = x[2] - 3.0;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return a * a + 10.0 * (b - a * a) * (b - a * a) + 0.1 * c * c;
  };
  app::custom_objective obj{space, fn, /*minimum*/ 0.0, "shifted-rosenbrock"};
  req.custom = obj;

  auto out = app::run_experiment(req);
  std::printf("%s (exit %d) -> %s/summary.json\n", io::to_string(out.status),
              out.exit_code(), s.output.dir.c_str());
  return out.exit_code();
}
