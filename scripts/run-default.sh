#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds asyncbo and runs the default experiment (the seed: config/branin-async.ini).
# Extra arguments are passed to `asyncbo run`, e.g. --delay.time-scale=0.01
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
exec ./build/asyncbo run config/branin-async.ini "$@"
