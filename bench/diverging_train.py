#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A user-like objective for benchmarks (docs/experiments/history.md §24): a stand-in
# for a training run with config/command-example.ini's space (lr, momentum,
# layers). It starts slowly (0.2 s), is noisy (sd 0.02), fails (exit 1, as a
# NaN loss would) where lr (1 + 5 momentum) > 0.2, and returns losses 10^4
# times larger where that product exceeds 0.05 (nearly diverged).
import argparse
import math
import random
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, required=True)
p.add_argument("--momentum", type=float, required=True)
p.add_argument("--layers", type=int, required=True)
a = p.parse_args()
time.sleep(0.2)
step = a.lr * (1 + 5 * a.momentum)
if step > 0.2:
    print("loss is nan: diverged", file=sys.stderr)
    sys.exit(1)
loss = (math.log10(a.lr) + 2.5) ** 2 + 4 * (a.momentum - 0.9) ** 2 + 0.05 * (a.layers - 4) ** 2
if step > 0.05:
    loss *= 1e4
print(loss + random.gauss(0.0, 0.02))
