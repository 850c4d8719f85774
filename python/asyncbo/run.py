# SPDX-License-Identifier: Apache-2.0
"""asyncbo.minimize: an asynchronous run over any concurrent.futures executor,
with the core's dispatch policy (k of n, pending points, budget, retries,
failure limit) driven as the binary's pool actor drives it."""
from __future__ import annotations

import concurrent.futures as cf
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional


@dataclass
class Result:
    """What a run ended with: `status` is completed, interrupted or failed
    (the failure limit), `message` says why when it is not completed."""
    status: str
    message: str
    recommendation: Any
    best: Optional[Dict[str, Any]]
    evaluations: int
    failed: int
    retried: int
    observations: Any
    wall_time_s: float


def _call(objective, x):
    return objective(x)


def minimize(objective: Callable[[Dict[str, Any]], float], space: Mapping[str, Any],
             budget: int = 30, workers: int = 4, batch_size: int = 2,
             executor: Optional[cf.Executor] = None, seed: int = 0,
             settings: Optional[Mapping[str, Any]] = None) -> Result:
    """Minimises `objective(x: dict) -> float` with `workers` evaluations in
    flight: once `batch_size` results are in, a new ask fills every free
    worker, conditioned on the running points. `executor` is any
    concurrent.futures.Executor (a ProcessPoolExecutor(workers) by default,
    a Dask distributed.Client's get_executor() for many machines). An
    exception in the objective, or a non-finite value, is a failed
    evaluation with the exception's message as the reason. Ctrl-C
    (KeyboardInterrupt) stops the run and returns what it has."""
    from . import Optimizer   # the package's, to share its conversions

    keys = dict(settings or {})
    keys.setdefault("experiment.num-observations", int(budget))
    keys.setdefault("experiment.num-workers", int(workers))
    keys.setdefault("experiment.batch-size", int(batch_size))
    opt = Optimizer(space, seed=seed, settings=keys)
    core = opt._core
    disp = core.make_dispatcher()
    t0 = time.monotonic()
    now = lambda: time.monotonic() - t0
    own = executor is None
    pool = cf.ProcessPoolExecutor(core.workers()) if own else executor
    for _ in range(core.workers()):
        disp.add_evaluator(now())
    disp.add_initial(core.initial_jobs(disp.start(now())))
    opt._initial_left = 0
    running: Dict[Any, Any] = {}
    status, message, evaluations = "completed", "", 0
    try:
        while True:
            while True:
                for a in disp.assign(now()):
                    x = opt._point(a.job.x)
                    opt._pending[a.job.id] = x
                    running[pool.submit(_call, objective, x)] = a
                k = disp.ask(now())
                if k is None:
                    break
                jobs = core.ask_jobs(k)
                exhausted = core.last_status() == "space_exhausted"
                for dropped in disp.answered(jobs, now(), exhausted):
                    core.forget(dropped)
                if exhausted:
                    message = core.last_message()
            limit = disp.failure_limit()
            if limit is not None:
                status, message = "failed", limit
                break
            if disp.done():
                break
            done, _ = cf.wait(list(running), return_when=cf.FIRST_COMPLETED)
            for fut in done:
                a = running.pop(fut)
                reason = ""
                try:
                    y = float(fut.result())
                    ok = math.isfinite(y)
                    reason = "" if ok else f"the objective returned {y}"
                except Exception as e:   # the evaluation's fault, not the run's
                    ok, reason = False, f"{type(e).__name__}: {e}"
                verdict = disp.result(a.slot, a.job.id, a.job.attempt, ok, now())
                if verdict.name != "final":
                    continue
                evaluations += 1
                if ok:
                    opt.tell(a.job.id, y)
                else:
                    opt.tell_failure(a.job.id, reason)
    except KeyboardInterrupt:
        status, message = "interrupted", "interrupted (KeyboardInterrupt)"
        for fut in running:
            fut.cancel()
    finally:
        disp.stop(now())
        if own:
            pool.shutdown(wait=status == "completed", cancel_futures=status != "completed")
    return Result(status, message, opt.recommend(), opt.best, evaluations,
                  disp.failed_points(), disp.retried(), opt.observations, now())
