#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A persistent-mode test objective (raw protocol, no helper) that misbehaves
# on chosen requests, by id:
#   id % 6 == 1: exits with code 3 before answering (every attempt)
#   id % 6 == 2: on attempt 0 starts a child (sh -c 'sleep 300; true' MARKER) and hangs
#                (killed at the timeout); answers normally on the retry
#   id % 6 == 3: answers {"id": ..., "valu": ...}, not a valid reply
#   id % 6 == 4: answers null (not finite)
#   id % 6 == 5: answers {"id": ..., "error": "diverged"}
#   id % 6 == 0: leaks a child (sh -c 'sleep 300; true' MARKER) and answers normally
# Every request also gets a log line on stdout, and a start-up line.
# usage: faulty_persistent.py MARKER
import json
import subprocess
import sys
import time

marker = sys.argv[1]
print("started", flush=True)
for line in sys.stdin:
    req = json.loads(line)
    ident, attempt, x = req["id"], req["attempt"], req["x"]
    print("evaluating", ident, attempt, req["worker"], flush=True)
    value = (x["a"] - 0.3) ** 2 + (x["b"] - 0.7) ** 2
    k = ident % 6
    if k == 1:
        print("something went wrong", file=sys.stderr, flush=True)
        sys.exit(3)
    if k == 2 and attempt == 0:
        subprocess.Popen(["sh", "-c", "sleep 300; true", marker])
        time.sleep(300)
    if k == 3:
        reply = {"id": ident, "valu": value}
    elif k == 4:
        reply = {"id": ident, "value": None}
    elif k == 5:
        reply = {"id": ident, "error": "diverged"}
    else:
        if k == 0:
            subprocess.Popen(["sh", "-c", "sleep 300; true", marker])
        reply = {"id": ident, "value": value}
    print(json.dumps(reply), flush=True)
