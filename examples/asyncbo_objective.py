# SPDX-License-Identifier: Apache-2.0
"""Serve an objective to asyncbo in persistent mode (objective.mode = "persistent").

Standard library only. Put this file next to your script (or on PYTHONPATH):

    from asyncbo_objective import serve

    model_data = load_everything()          # paid once per evaluator, not per point

    def objective(x):                       # x: {"lr": 0.01, "layers": 4, ...}
        return train_and_validate(model_data, **x)

    serve(objective)

Protocol (any language can speak it): asyncbo writes one JSON object per line
on stdin, {"id": 7, "attempt": 0, "worker": "local/1", "x": {...}}, and reads
one JSON object per line on stdout, {"id": 7, "value": 0.53} or
{"id": 7, "error": "why"}. Any other stdout line, and all of stderr, goes to
the evaluator's log. serve() sends everything the function prints to stderr,
so that stdout carries only the replies.
"""
import json
import math
import sys
import traceback

__all__ = ["serve"]


def serve(function, with_request=False, stdin=None, stdout=None):
    """Answers asyncbo's requests until stdin closes.

    function(x) gets the point as a dict (parameter name -> value) and returns
    the value to minimise; with with_request=True it gets the whole request
    (id, attempt, worker, x). An exception is reported as a failed evaluation
    (an "error" reply, with the traceback in the log); a non-finite value as
    null, which asyncbo records as not finite.
    """
    requests = stdin or sys.stdin
    replies = stdout or sys.stdout
    if stdout is None:
        sys.stdout = sys.stderr   # the function's prints go to the log
    for line in requests:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        ident = request["id"]
        try:
            value = float(function(request if with_request else request["x"]))
            reply = {"id": ident, "value": value if math.isfinite(value) else None}
        except Exception as e:  # reported, never fatal: the program stays up
            traceback.print_exc(file=sys.stderr)
            reply = {"id": ident, "error": f"{type(e).__name__}: {e}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
