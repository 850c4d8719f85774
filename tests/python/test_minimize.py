# SPDX-License-Identifier: Apache-2.0
"""asyncbo.minimize over executors with the core's dispatch policy."""
import concurrent.futures as cf
import math
import threading

import asyncbo

SPACE = {"x1": asyncbo.Real(0.0, 1.0), "x2": asyncbo.Real(0.0, 1.0)}


def scaled_branin(x):
    a = 15 * x["x1"] - 5
    b = 15 * x["x2"]
    return ((b - 5.1 / (4 * math.pi ** 2) * a * a + 5 / math.pi * a - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(a) - 44.81) / 51.95


def fails_on_the_left(x):
    if x["x1"] < 0.2:
        raise RuntimeError("diverged")
    return scaled_branin(x)


def test_a_run_over_a_process_pool_spends_its_budget_and_finds_branin():
    r = asyncbo.minimize(scaled_branin, SPACE, budget=20, workers=4, batch_size=2)
    assert r.status == "completed", r.message
    rows = r.observations.to_dict("records") if hasattr(r.observations, "to_dict") \
        else r.observations
    assert len(rows) == 23                       # 3 initial + 20
    assert len({row["id"] for row in rows}) == 23  # every id once
    assert r.best["value"] < -1.0                 # the minimum is -1.047


class CountingExecutor(cf.ThreadPoolExecutor):
    """Threads, and the most evaluations ever in flight at once."""
    def __init__(self, n):
        super().__init__(n)
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def submit(self, fn, *args):
        def counted():
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return fn(*args)
            finally:
                with self.lock:
                    self.now -= 1
        return super().submit(counted)


def test_failures_are_failed_evaluations_with_their_message_and_any_executor_works():
    ex = CountingExecutor(3)
    r = asyncbo.minimize(fails_on_the_left, SPACE, budget=15, workers=3, batch_size=1,
                         executor=ex, settings={"objective.max-failure-fraction": 1.0})
    ex.shutdown()
    assert r.status == "completed", r.message
    rows = r.observations.to_dict("records") if hasattr(r.observations, "to_dict") \
        else r.observations
    failed = [row for row in rows if row["status"] == "failed"]
    assert all(row["x1"] < 0.2 for row in failed)
    assert all(row["reason"] == "RuntimeError: diverged" for row in failed)
    assert r.failed == len(failed)
    assert len(rows) == 18
    assert ex.most <= 3


class InterruptingExecutor(cf.ThreadPoolExecutor):
    """Ctrl-C in the driving thread at the tenth submission."""
    def __init__(self, n):
        super().__init__(n)
        self.submitted = 0

    def submit(self, fn, *args):
        self.submitted += 1
        if self.submitted == 10:
            raise KeyboardInterrupt
        return super().submit(fn, *args)


def test_ctrl_c_stops_the_run_and_returns_what_it_has():
    ex = InterruptingExecutor(2)
    r = asyncbo.minimize(scaled_branin, SPACE, budget=30, workers=2, batch_size=1,
                         executor=ex)
    ex.shutdown()
    assert r.status == "interrupted"
    assert "KeyboardInterrupt" in r.message
    rows = r.observations.to_dict("records") if hasattr(r.observations, "to_dict") \
        else r.observations
    assert 1 <= len(rows) < 10                 # what was told before the interrupt
    assert r.best is not None
