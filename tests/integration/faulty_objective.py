#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A test objective that misbehaves on chosen evaluations, by ASYNCBO_ID:
#   id % 6 == 1: exits with code 3 (every attempt)
#   id % 6 == 2: hangs with a hanging child process on attempt 0 (killed at the
#                timeout), answers normally on the retry
#   id % 6 == 3: prints garbage as its last line (every attempt)
#   id % 6 == 4: prints nan (every attempt)
# Otherwise: a few log lines, then the value of a quadratic as the last line.
# usage: faulty_objective.py MARKER a b   (MARKER tags the processes)
import os
import subprocess
import sys
import time

marker, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ident = int(os.environ["ASYNCBO_ID"])
attempt = int(os.environ["ASYNCBO_ATTEMPT"])
print("evaluating", ident, attempt, os.environ["ASYNCBO_WORKER"], flush=True)
if ident % 6 == 1:
    print("something went wrong", file=sys.stderr)
    sys.exit(3)
if ident % 6 == 2 and attempt == 0:
    # A child that would outlive the program (MARKER names it in ps).
    subprocess.Popen(["sh", "-c", "sleep 300; true", marker])
    time.sleep(300)
if ident % 6 == 3:
    print("loss: 0.25 (final)")
    sys.exit(0)
if ident % 6 == 4:
    print("nan")
    sys.exit(0)
print("epoch 1 loss 3.0")
print((a - 0.3) ** 2 + (b - 0.7) ** 2)
