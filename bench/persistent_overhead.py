#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Per-evaluation overhead of external programs: spawn mode vs persistent mode.

A Python objective that imports numpy (PYTHON, default /usr/bin/python3, with
Debian's python3-numpy; any python3 without numpy imports json instead, and
the output says so) and spends 10 ms per evaluation. 4 workers, N evaluations,
the random rule (so that the figure is the runtime's and the protocol's, not
the model's), spawn and persistent runs alternated R times. Overhead per
evaluation = (end_s - dispatch_s) - 10 ms, from observations.csv; the initial
design (where persistent programs start) is left out, as in steady state.

  python3 bench/persistent_overhead.py [N=400] [R=3]
"""
import csv, json, os, shutil, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "asyncbo")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3")
WORK_S = 0.010

SPAWN = """
import sys, time
import {lib}
a, b = float(sys.argv[1]), float(sys.argv[2])
time.sleep({work})
print((a - 0.3) ** 2 + (b - 0.7) ** 2)
"""
PERSISTENT = """
import sys, time
sys.path.insert(0, {examples!r})
import {lib}
from asyncbo_objective import serve
def f(x):
    time.sleep({work})
    return (x["a"] - 0.3) ** 2 + (x["b"] - 0.7) ** 2
serve(f)
"""


def run(mode, script, n, d):
    out = os.path.join(d, mode)
    shutil.rmtree(out, ignore_errors=True)
    cmd = [PYTHON, script] + (["{a}", "{b}"] if mode == "spawn" else [])
    ini = os.path.join(d, "bench.ini")
    with open(ini, "w") as f:
        f.write('[experiment]\nobjective="command"\nnum-workers=4\nbatch-size=1\n'
                'num-initial-points=4\n[acquisition]\nrule="random"\n'
                '[space]\nnames=["a", "b"]\nlower=[0.0, 0.0]\nupper=[1.0, 1.0]\n')
    args = [BIN, "run", ini, f"--experiment.num-observations={n}",
            "--objective.command=" + json.dumps(cmd), f"--objective.mode={mode}",
            "--output.dir=" + out, "--output.progress=never", "--output.plot=false"]
    subprocess.run(args, check=True, stderr=subprocess.DEVNULL)
    with open(os.path.join(out, "observations.csv")) as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "asked" and r["status"] == "ok"]
    return [1000.0 * (float(r["end_s"]) - float(r["dispatch_s"]) - WORK_S) for r in rows]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    has_numpy = subprocess.run([PYTHON, "-c", "import numpy"], capture_output=True).returncode == 0
    lib = "numpy" if has_numpy else "json"
    with tempfile.TemporaryDirectory() as d:
        scripts = {}
        for mode, text in (("spawn", SPAWN), ("persistent", PERSISTENT)):
            scripts[mode] = os.path.join(d, mode + ".py")
            with open(scripts[mode], "w") as f:
                f.write(text.format(lib=lib, work=WORK_S, examples=os.path.join(ROOT, "examples")))
        res = {"spawn": [], "persistent": []}
        for _ in range(reps):
            for mode in ("spawn", "persistent"):
                res[mode].append(statistics.median(run(mode, scripts[mode], n, d)))
    print(json.dumps({"python": PYTHON, "imports": lib, "evaluations": n, "runs": reps,
                      "median_overhead_ms": {m: round(statistics.median(v), 2) for m, v in res.items()},
                      "per_run_ms": {m: [round(x, 2) for x in v] for m, v in res.items()},
                      "ratio_spawn_over_persistent": [round(s / p, 1) for s, p in
                                                      zip(res["spawn"], res["persistent"])]},
                     indent=1))


if __name__ == "__main__":
    main()
