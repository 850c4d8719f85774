#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the test suites with AddressSanitizer + UndefinedBehaviorSanitizer
# (+ LeakSanitizer) in ./build-asan and runs them through CTest. Not part of
# .ci/run: on 2 cores the sanitized build alone takes longer than the whole
# normal CI (BENCHMARKS.md, build and test time).
# -fno-sanitize=null silences a known report inside CAF's headers
# (caf/detail/init_fun_factory.hpp, reference binding to null pointer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASYNCBO_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize=null" >/dev/null
cmake --build build-asan -j"$jobs"
cd build-asan
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1
ctest --output-on-failure -j"$jobs" -E install_and_find_package
