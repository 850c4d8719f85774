#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# asyncbo-bench's command line: usage errors exit 2 naming the flag, and the
# product runs read a config the way `asyncbo` does ([sweep] sections are the
# sweep's, not an error). Usage: bench_cli.sh ASYNCBO_BENCH SOURCE_DIR
set -uo pipefail
bench=$1
src=$2
fail=0
expect() { # expect CODE PATTERN -- command...
  local code=$1 pattern=$2
  shift 3
  local out rc
  out=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [[ $rc -ne $code ]]; then
    echo "FAIL: $* exited $rc, expected $code: $out"
    fail=1
  elif ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL: $* did not say \"$pattern\": $out"
    fail=1
  else
    echo "ok: $*"
  fi
}
expect 2 '--seeds must be a whole number >= 1, got "0"' -- \
  "$bench" regret "$src/config/branin-async.ini" --seeds 0
expect 2 '--seeds must be a whole number >= 1, got "0"' -- \
  "$bench" suite "$src/config/branin-async.ini" --seeds 0
expect 2 'cannot read config file' -- "$bench" regret "$src/config/nothing.ini" --seeds 1
expect 2 'experiment.num-workers' -- \
  "$bench" regret "$src/config/branin-async.ini" --seeds 1 --experiment.num-workers=0
# The study config has a [sweep] section: the bench runs its base experiment.
out=$("$bench" regret "$src/config/study-async-vs-sync.ini" --seeds 1 --at 12 \
  --experiment.num-observations=12 --acquisition.samples=128 2>/dev/null)
if [[ $? -ne 0 ]] || ! grep -q '"regrets":\[' <<<"$out"; then
  echo "FAIL: the bench refused the study config: $out"
  fail=1
else
  echo "ok: study config"
fi
exit $fail
