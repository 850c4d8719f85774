// SPDX-License-Identifier: Apache-2.0
// asyncbo-bench's commands: micro benchmarks of the numerical core
// (bench/micro.cpp) and runs of the product itself (bench/product.cpp).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace asyncbo::bench {

/// --key value arguments of the micro benchmarks.
struct args {
  std::map<std::string, std::string> kv;
  std::string get(const std::string& k, const std::string& def) const {
    auto i = kv.find(k);
    return i == kv.end() ? def : i->second;
  }
  long num(const std::string& k, long def) const {
    auto i = kv.find(k);
    return i == kv.end() ? def : std::stol(i->second);
  }
};

// Micro benchmarks (bench/micro.cpp): a GP of N points of a built-in, no actors.
int cmd_ask(const args& a);
int cmd_fallback(const args& a);
int cmd_qei_error(const args& a);

// Product runs (bench/product.cpp): `asyncbo run` on the virtual clock, one
// process per seed. argv: CONFIG, then --section.key=value overrides and the
// command's own arguments.
int cmd_regret(const std::vector<std::string>& argv);
int cmd_diagnose(const std::vector<std::string>& argv);
int cmd_suite(const std::vector<std::string>& argv);

} // namespace asyncbo::bench
