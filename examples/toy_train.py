#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A stand-in for a training script, to show asyncbo's objective protocol:
# parameters arrive as arguments (and as JSON on stdin with input="json");
# anything may be printed; the LAST line of stdout is the value to minimise
# (a number, or a JSON object with "value"). A non-zero exit code is a failed
# evaluation. ASYNCBO_ID / ASYNCBO_ATTEMPT / ASYNCBO_WORKER identify the run.
import argparse
import json
import math
import os
import time

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, required=True)
p.add_argument("--momentum", type=float, required=True)
p.add_argument("--layers", type=int, required=True)
p.add_argument("--optimizer", choices=["adam", "sgd", "rmsprop"], default="adam")
a = p.parse_args()

# "Training": a validation loss with its optimum near lr=3e-3, momentum=0.9,
# 4 layers; takes longer with more layers.
time.sleep(0.05 * a.layers)
print(f"optimizer {a.optimizer}", flush=True)
for epoch in range(3):
    print(f"[{os.environ.get('ASYNCBO_ID')}] epoch {epoch}", flush=True)
loss = (math.log10(a.lr) + 2.5) ** 2 + 4 * (a.momentum - 0.9) ** 2 + 0.05 * (a.layers - 4) ** 2
# A categorical choice: sgd is worse, rmsprop wants a 3x smaller learning rate.
if a.optimizer == "sgd":
    loss += 0.5
elif a.optimizer == "rmsprop":
    loss = (math.log10(a.lr * 3) + 2.5) ** 2 + 4 * (a.momentum - 0.9) ** 2 \
        + 0.05 * (a.layers - 4) ** 2 + 0.1
print(json.dumps({"value": loss, "layers": a.layers}))
