#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The toy training script of examples/toy_train.py in persistent mode: the
# slow start (imports, loading a data set: 0.3 s here) is paid once per
# evaluator, then each point costs only its own work. Run from the repository
# root:  build/asyncbo run config/persistent-example.ini
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asyncbo_objective import serve  # noqa: E402

time.sleep(0.3)   # "import torch; load the data set"
print("data loaded", flush=True)   # goes to the evaluator's log


def validation_loss(x):
    # A validation loss with its optimum near lr=3e-3, momentum=0.9, 4 layers.
    layers = int(x["layers"])
    time.sleep(0.01 * layers)
    print(f"trained {layers} layers")
    loss = (math.log10(x["lr"]) + 2.5) ** 2 + 4 * (x["momentum"] - 0.9) ** 2 \
        + 0.05 * (layers - 4) ** 2
    # A categorical parameter arrives as its string (if the config has one).
    return loss + {"adam": 0.0, "sgd": 0.5, "rmsprop": 0.1}[x.get("optimizer", "adam")]


serve(validation_loss)
