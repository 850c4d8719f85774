#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The product in real time: one `asyncbo run` per seed, variant and time scale,
one after another (never two at once: they would share the cores), and a table of
medians from the runs' summary.json: true regret of the recommendation, of the best
observed point, wall time, fallback points.

  python3 bench/realtime.py build/asyncbo config/branin-async.ini --seeds 10 \
      --scales 1,0.1,0.02,0.01 --variant default= --variant none=--experiment.fallback='"none"'

A variant is NAME=OVERRIDES (space-separated --section.key=value, may be empty).
Prints a markdown table and, with --json F, writes every run's figures to F."""
import argparse, json, os, shlex, statistics, subprocess, sys, tempfile

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("config")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--scales", default="0.01")
    ap.add_argument("--variant", action="append", default=[])
    ap.add_argument("--json")
    a = ap.parse_args()
    variants = [v.split("=", 1) for v in (a.variant or ["default="])]
    scales = [float(s) for s in a.scales.split(",")]
    rows, runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            for name, overrides in variants:
                figs = []
                for k in range(a.seeds):
                    seed = a.first_seed + k
                    out = os.path.join(tmp, f"{name}-{scale}-{seed}")
                    cmd = [a.binary, "run", a.config, f"--experiment.seed={seed}",
                           f"--delay.time-scale={scale}", f"--output.dir={out}"]
                    cmd += shlex.split(overrides)
                    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                       text=True)
                    if r.returncode != 0:
                        sys.exit(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stderr[-2000:]}")
                    with open(os.path.join(out, "summary.json")) as f:
                        s = json.load(f)
                    fb = s.get("fallback", {})
                    fig = {"variant": name, "scale": scale, "seed": seed,
                           "regret": s["regret"], "best_regret": s["best_regret"],
                           "wall_s": s["wall_time_s"], "fallback_points": fb.get("points", 0),
                           "asked": s["observations"] - s["initial_observations"],
                           "busy_steady": s.get("busy_fraction_steady")}
                    figs.append(fig)
                    runs.append(fig)
                med = lambda key: statistics.median(f[key] for f in figs)
                rows.append((scale, name, med("regret"), med("best_regret"), med("wall_s"),
                             med("fallback_points"), med("asked")))
    print("| time-scale | variant | regret (recommended) | best_regret | wall s | "
          "fallback points | asked points |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for scale, name, reg, best, wall, fb, asked in rows:
        print(f"| {scale:g} | {name} | {reg:.3g} | {best:.3g} | {wall:.3g} | {fb:g} | {asked:g} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(runs, f)

if __name__ == "__main__":
    main()
