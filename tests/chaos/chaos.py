#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Chaos test of the runtime: a head and worker processes on 127.0.0.1 run a
budget of evaluations while this script, at random moments drawn from a fixed
seed, SIGKILLs workers and starts new ones, and SIGKILLs the head and resumes
it. At the end it checks what asyncbo promises:

- every evaluation id has exactly one final result in events.jsonl and exactly
  one ok row in observations.csv; the ids are 0..N-1 (N = initial + budget):
  nothing lost, nothing doubled, the total equals the budget;
- every resume continued where the log ended (its ids continue the log's, and
  its resume event carries the log's last time);
- no process is left behind.

usage: chaos.py ASYNCBO [--evaluations N] [--worker-kills K] [--head-kills H]
                        [--seed S] [--timeout SECONDS]
Exit code 0 if every check passed, 1 otherwise (each failure is printed).
"""
import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def count_results(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b'"event":"result"')
    except FileNotFoundError:
        return 0


def descendants_alive(pids):
    alive = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().split(")")[-1].split()[0]
            if state != "Z":
                alive.append(pid)
        except FileNotFoundError:
            pass
    return alive


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("asyncbo")
    ap.add_argument("--evaluations", type=int, default=150)
    ap.add_argument("--worker-kills", type=int, default=6)
    ap.add_argument("--head-kills", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=240.0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix="asyncbo-chaos-")
    out = os.path.join(tmp, "out")
    port = free_port()
    initial = 4
    budget = a.evaluations - initial
    cfg = os.path.join(tmp, "c.ini")
    with open(cfg, "w") as f:
        f.write(f"""[experiment]
objective="scaled-branin"
num-workers=0
num-observations={budget}
batch-size=1
num-initial-points={initial}
seed={a.seed}
[acquisition]
rule="random"
[delay]
model="linear-sum"
factor=1.0
time-scale=0.05
[output]
dir="{out}"
progress="never"
plot=false
[cluster]
port={port}
heartbeat=0.2
""")
    failures = []
    spawned = []
    logs = open(os.path.join(tmp, "processes.log"), "w")

    def start(args):
        p = subprocess.Popen(args, stdout=logs, stderr=logs, start_new_session=True)
        spawned.append(p.pid)
        return p

    def start_head(resume):
        args = [a.asyncbo, "run", cfg]
        if resume:
            args.append("--resume")
        return start(args)

    def start_worker():
        return start([a.asyncbo, "worker", f"--cluster.port={port}",
                      "--worker.evaluators=2", "--cluster.connect-timeout=30",
                      "--cluster.heartbeat=0.2"])

    deadline = time.time() + a.timeout
    head = start_head(False)
    workers = [start_worker() for _ in range(3)]
    # When to kill: worker kills spread over the run; head kills at chosen
    # numbers of results.
    head_kill_at = sorted(rng.sample(range(a.evaluations // 5, 4 * a.evaluations // 5),
                                     a.head_kills))
    worker_kill_at = sorted(rng.sample(range(5, a.evaluations - 5), a.worker_kills))
    head_kills = worker_kills = 0
    events = os.path.join(out, "events.jsonl")
    while time.time() < deadline:
        if head.poll() is not None:
            if head.returncode == 0:
                break
            failures.append(f"the head exited with {head.returncode}")
            break
        n = count_results(events)
        if worker_kills < len(worker_kill_at) and n >= worker_kill_at[worker_kills]:
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            workers[victim] = start_worker()
            worker_kills += 1
        if head_kills < len(head_kill_at) and n >= head_kill_at[head_kills]:
            time.sleep(rng.uniform(0.0, 0.3))
            head.send_signal(signal.SIGKILL)
            head.wait()
            head = start_head(True)
            head_kills += 1
        time.sleep(0.02)
    else:
        failures.append(f"not done within {a.timeout} s")
        head.kill()
    # Workers leave by themselves when the head finishes.
    for w in workers:
        try:
            w.wait(timeout=30)
        except subprocess.TimeoutExpired:
            failures.append(f"worker {w.pid} did not exit after the head finished")
            w.kill()
    if head_kills != a.head_kills or worker_kills != a.worker_kills:
        failures.append(f"only {head_kills} head and {worker_kills} worker kills happened")

    # -- checks on the log -------------------------------------------------------
    finals, dispatched, resumes, last_t, ok_rows = {}, set(), 0, 0.0, {}
    max_id_at_resume = []
    with open(events) as f:
        for line in f:
            e = json.loads(line)
            kind = e["event"]
            if kind == "dispatch":
                dispatched.add(e["id"])
                last_t = max(last_t, e["t"])
            elif kind == "result":
                last_t = max(last_t, e["end_s"])
                if e["final"]:
                    finals[e["id"]] = finals.get(e["id"], 0) + 1
            elif kind == "resume":
                resumes += 1
                if abs(e["t"] - last_t) > 1e-9:
                    failures.append(f"resume {resumes} at t={e['t']} but the log ended at {last_t}")
                max_id_at_resume.append(max(dispatched) if dispatched else -1)
    # Every dispatched id gets one final result, and the budget is met. An id
    # may be unused: an ask's point that fallback points replaced at the end
    # of the budget is never dispatched (the optimizer forgets it).
    if set(finals) != dispatched or len(finals) != a.evaluations:
        failures.append(f"final results for {len(finals)} ids, expected {a.evaluations}; "
                        f"dispatched without one {sorted(dispatched - set(finals))[:10]}, "
                        f"never dispatched {sorted(set(finals) - dispatched)[:10]}")
    doubled = [i for i, c in finals.items() if c != 1]
    if doubled:
        failures.append(f"ids with more than one final result: {doubled[:10]}")
    if resumes != a.head_kills:
        failures.append(f"{resumes} resume events, expected {a.head_kills}")
    with open(os.path.join(out, "observations.csv")) as f:
        header = f.readline().rstrip("\n").split(",")
        status = header.index("status")
        for line in f:
            row = line.rstrip("\n").split(",")
            if row[status] == "ok":
                ok_rows[int(row[0])] = ok_rows.get(int(row[0]), 0) + 1
    ok_finals = {i for i in finals}  # every final result is ok here (no failures injected)
    if set(ok_rows) != ok_finals or any(c != 1 for c in ok_rows.values()):
        failures.append(f"observations.csv: {len(ok_rows)} ids with ok rows, "
                        f"{sum(1 for c in ok_rows.values() if c != 1)} with more than one")
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    if s["status"] != "completed" or s["observations"] != budget:
        failures.append(f"summary: status {s['status']}, observations {s['observations']}")
    deadline = time.monotonic() + 10  # poll: processes take a moment to exit
    left = descendants_alive(spawned)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = descendants_alive(spawned)
    if left:
        failures.append(f"processes left behind: {left}")
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    print(f"chaos: {a.evaluations} evaluations, {worker_kills} worker kills, "
          f"{head_kills} head kills and resumes, requeued {s.get('requeued')}, "
          f"lost attempts {s.get('lost_attempts')}, resumed {s.get('resumed')}; "
          f"log in {out}")
    for f in failures:
        print("chaos: FAILED: " + f)
    print(f"{0 if failures else 1} passed, {len(failures)} failed")
    logs.close()
    if not failures:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
