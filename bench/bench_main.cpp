// SPDX-License-Identifier: Apache-2.0
// asyncbo-bench: benchmarks of the numerical core (never run by CTest).
//
//   asyncbo-bench ask --dim D --n N --q Q --pending P --samples S
//                     --repeats R --seed K [--sampler sobol|pseudo]
//                     [--preset asyncbo|trieste] [--rule async-joint|...]
//                     [--function batch-mc-ei|...]
//   asyncbo-bench qei-error --dim D --n N --q Q --pending P --samples S
//                     --repeats R --seed K [--sampler sobol|pseudo]
//   asyncbo-bench regret CONFIG --seeds N [--at E] [--section.key=value ...]
//
// `ask` times R full asks (cold MAP fit + acquisition optimisation) on a GP
// of N uniform points of ScaledBranin (D=2), Hartmann3/6, Shekel4, Ackley5,
// Levy8 or Michalewicz10, with P pending points, and prints one JSON object.
// `qei-error` measures the RMS error of the q-EI estimate against a 2^20
// point QMC reference at R random batches.
// `regret` runs the experiment of CONFIG with the product itself on the
// virtual clock (delay.clock = "virtual", asks free unless delay.ask-cost is
// set), one forked process per seed, for seeds 0..N-1 and reports the regret of the best of the first E
// evaluations (default: all; by its noise-free value), median and quartiles,
// the regret of the recommended point at the end, and the share of asked
// evaluations that failed.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench/bench.hpp"

using namespace asyncbo::bench;

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::cout << "usage: asyncbo-bench regret CONFIG --seeds N [--at E] "
                 "[--threads T] [--section.key=value ...]\n"
                 "       asyncbo-bench diagnose CONFIG --seed K [--section.key=value ...]\n"
                 "       asyncbo-bench suite CONFIG [--seeds N] [--functions a,b,...] "
                 "[--threads T] [--section.key=value ...]\n"
                 "       asyncbo-bench ask|qei-error --dim D --n N --q Q "
                 "--pending P --samples S --repeats R --seed K\n"
                 "  [--sampler sobol|pseudo] [--preset asyncbo|trieste]\n"
                 "  [--rule R] [--function F] [--restarts K] [--screening M]\n"
                 "  [--screening-samples M] [--threads T]\n"
                 "  ask: the product's engine defaults unless a flag says otherwise;\n"
                 "  [--noise V] (a fixed likelihood variance; default learned)\n"
                 "  [--steady] [--refit-every K]  (steady: a model fitted on N - Q points,\n"
                 "  then R asks in a row, each after the Q results of the one before, under\n"
                 "  the product's refit schedule unless K (model.refit-every) is given;\n"
                 "  fit_share: the share of their time in MAP fits)\n"
                 "       asyncbo-bench fallback --dim D --n N --k K --repeats R --seed S\n"
                 "  (fallback draws: build and k draws on a fitted model, beside one\n"
                 "  Thompson point of the engine)\n";
    return argc < 2 ? 2 : 0;
  }
  // Commands that take CONFIG and --section.key=value overrides.
  using config_command = int (*)(const std::vector<std::string>&);
  const std::map<std::string, config_command> with_config = {
    {"diagnose", cmd_diagnose}, {"suite", cmd_suite}, {"regret", cmd_regret}};
  if (auto c = with_config.find(argv[1]); c != with_config.end()) {
    try {
      return c->second(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const std::exception& e) {
      std::cerr << "asyncbo-bench: " << e.what() << "\n";
      return 2;
    }
  }
  args a;
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k.rfind("--", 0) != 0) {
      std::cerr << "asyncbo-bench: expected --key value, got '" << k << "'\n";
      return 2;
    }
    // A key without a value (the next argument is a key too) is a flag.
    const bool flag = i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0;
    a.kv[k.substr(2)] = flag ? "1" : argv[++i];
  }
  try {
    std::string cmd = argv[1];
    if (cmd == "ask")
      return cmd_ask(a);
    if (cmd == "qei-error")
      return cmd_qei_error(a);
    if (cmd == "fallback")
      return cmd_fallback(a);
    std::cerr << "asyncbo-bench: unknown command '" << cmd << "'\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "asyncbo-bench: " << e.what() << "\n";
    return 2;
  }
}
