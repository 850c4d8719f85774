#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Does a slow or hostile dashboard client slow the run?

Runs the same experiment (seed config, built-in delays) with the dashboard on,
alternately without clients ("quiet") and with hostile ones ("hostile"):
  * 8 clients that request /api/observations?since=0 and never read,
  * 8 that send half a request and never finish it (each reconnects when the
    server drops it after its 2 s timeout),
  * 1 that polls /api/status, /api/evaluators and /plot.svg as fast as it can.
and reports, per mode, the medians over runs of summary.json's transport_ms
(result arrival -> next point at an evaluator, minus the ask: the runtime's
own overhead) and dispatch_ms (trigger -> points sent out, with the ask), and
their ratios hostile / quiet, run by run.

  python3 bench/dashboard_load.py [RUNS=5] [asyncbo run overrides...]
"""
import json, os, re, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "asyncbo")


def hostile(port, stop):
    def never_read():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
                s.sendall(b"GET /api/observations?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
                stop.wait(3)
                s.close()
            except OSError:
                stop.wait(0.1)

    def half_request():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"GET /api/status HTTP/1.1\r\nHo")
                stop.wait(3)
                s.close()
            except OSError:
                stop.wait(0.1)

    def hammer():
        while not stop.is_set():
            for path in ("/api/status", "/api/evaluators", "/plot.svg"):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
                except OSError:
                    pass
    threads = [threading.Thread(target=f, daemon=True)
               for f in [never_read] * 8 + [half_request] * 8 + [hammer]]
    for t in threads:
        t.start()
    return threads


def run(mode, extra):
    with tempfile.TemporaryDirectory() as d:
        err = open(os.path.join(d, "err"), "w+")
        p = subprocess.Popen([BIN, "run", os.path.join(ROOT, "config/branin-async.ini"),
                              "--output.dir=" + d + "/out", "--output.dashboard-port=0",
                              "--output.progress=never"] + extra,
                             stderr=err, stdout=subprocess.DEVNULL)
        port = None
        for _ in range(600):
            err.seek(0)
            m = re.search(r"dashboard: http://127\.0\.0\.1:(\d+)/", err.read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.01)
        stop = threading.Event()
        if mode == "hostile" and port:
            hostile(port, stop)
        rc = p.wait()
        stop.set()
        if rc != 0:
            err.seek(0)
            sys.exit(f"{mode} run failed ({rc}): {err.read()}")
        s = json.load(open(d + "/out/summary.json"))
        return s["transport_ms"]["median"], s["dispatch_ms"]["median"], s["observations"]


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    extra = sys.argv[2:] or ["--delay.time-scale=0.2", "--experiment.num-observations=60"]
    res = {"quiet": [], "hostile": []}
    for i in range(runs):
        for mode in ("quiet", "hostile"):
            res[mode].append(run(mode, extra))
    out = {"runs": runs, "args": extra}
    for mode, rows in res.items():
        out[mode] = {"transport_ms_median": statistics.median(r[0] for r in rows),
                     "dispatch_ms_median": statistics.median(r[1] for r in rows),
                     "observations": [r[2] for r in rows]}
    out["ratio_transport"] = [round(h[0] / q[0], 3) for q, h in zip(res["quiet"], res["hostile"])]
    out["ratio_dispatch"] = [round(h[1] / q[1], 3) for q, h in zip(res["quiet"], res["hostile"])]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
