#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds asyncbo and runs every test suite through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
bash scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
cd build
ctest --output-on-failure -j"$jobs"
