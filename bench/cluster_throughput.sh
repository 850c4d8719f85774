#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Throughput of the actor pipeline across processes: 1 head + W worker
# processes with E evaluators each, a cheap objective, the random-search rule.
#   bash bench/cluster_throughput.sh [WORKERS=4] [EVALUATORS=250] [BUDGET=100000] [HEAD ARGS...]
# Extra arguments go to the head, e.g. --delay.model="linear-sum"
# --delay.time-scale=0.005 to measure latency below saturation.
# Prints one JSON line: evaluations/s over the middle 80 % of the run (from
# observations.csv), lost or duplicated evaluations, and the summary figures.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-4}; E=${2:-250}; N=${3:-100000}
shift $(( $# < 3 ? $# : 3 ))
BIN=build/asyncbo
OUT=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$OUT"' EXIT
$BIN run config/branin-async.ini --experiment.num-workers=0 --experiment.batch-size=1 \
  --experiment.num-initial-points=0 --experiment.num-observations="$N" \
  --acquisition.rule="random" --delay.model="none" --cluster.port=0 \
  --output.dir="$OUT/run" --output.plot=false --output.progress=never "$@" 2> "$OUT/head.err" &
HEAD=$!
for i in $(seq 100); do grep -q "listening on" "$OUT/head.err" 2>/dev/null && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$OUT/head.err")
for w in $(seq "$W"); do
  $BIN worker --cluster.port="$PORT" --worker.evaluators="$E" 2> "$OUT/w$w.err" &
done
wait $HEAD
python3 - "$OUT/run" "$N" "$W" "$E" <<'PY'
import csv, json, sys
run, n, w, e = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = list(csv.DictReader(open(run + "/observations.csv")))
ok = {}
for r in rows:
    if r["status"] == "ok":
        ok[r["id"]] = ok.get(r["id"], 0) + 1
ends = sorted(float(r["end_s"]) for r in rows if r["status"] == "ok")
lo, hi = ends[int(0.1 * len(ends))], ends[int(0.9 * len(ends)) - 1]
s = json.load(open(run + "/summary.json"))
print(json.dumps({
    "workers": w, "evaluators_per_worker": e, "budget": n,
    "evaluations_per_s": round(0.8 * len(ends) / (hi - lo), 1),
    "observations": s["observations"], "duplicated": sum(1 for v in ok.values() if v > 1),
    "missing": n - len(ok), "lost_attempts": s["lost_attempts"],
    "wall_time_s": round(s["wall_time_s"], 2), "nodes": s["nodes"],
    "dispatch_ms_median": s["dispatch_ms"]["median"],
    "transport_ms_median": s["transport_ms"]["median"],
    "transport_ms_max": s["transport_ms"]["max"]}))
PY
