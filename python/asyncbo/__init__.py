# SPDX-License-Identifier: Apache-2.0
"""asyncbo from Python: search spaces by name and an ask/tell optimiser on the
same C++ engine as the `asyncbo` binary.

    import asyncbo
    space = {"lr": asyncbo.Real(1e-5, 1e-1, log=True),
             "layers": asyncbo.Integer(1, 8),
             "optimizer": asyncbo.Categorical(["adam", "sgd"])}
    opt = asyncbo.Optimizer(space, seed=0)
    for trial in opt.ask(2):
        opt.tell(trial.id, train(**trial.x))
    print(opt.recommend())

Settings are the INI keys by name ({"acquisition.rule": "async-greedy"}),
validated by the binary's schema: an unknown key or a bad value raises
ValueError naming it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _core

__all__ = ["Real", "Integer", "Categorical", "Trial", "Recommendation", "Optimizer",
           "minimize", "Result"]


@dataclass(frozen=True)
class Real:
    """A number in [low, high], searched on a log scale with log=True."""
    low: float
    high: float
    log: bool = False
    _kind = "real"

    def _dim(self, name):
        return (name, self._kind, float(self.low), float(self.high), bool(self.log), [])

    def _out(self, v):
        return float(v)


@dataclass(frozen=True)
class Integer(Real):
    """A whole number in [low, high] (both included); log=True for a log scale."""
    _kind = "integer"

    def _dim(self, name):
        if int(self.low) != self.low or int(self.high) != self.high:
            raise ValueError(f"space: {name}: Integer bounds must be whole numbers, "
                             f"got {self.low} and {self.high}")
        return super()._dim(name)

    def _out(self, v):
        return int(round(v))


@dataclass(frozen=True)
class Categorical:
    """One of a list of choices (strings); the model sees them one-hot."""
    choices: Sequence[str]

    def _dim(self, name):
        return (name, "categorical", 0.0, 0.0, False, [str(c) for c in self.choices])

    def _out(self, v):
        return self.choices[int(round(v))]


@dataclass(frozen=True)
class Trial:
    """A point to evaluate: pending until told, failed or forgotten."""
    id: int
    x: Dict[str, Any]


@dataclass(frozen=True)
class Recommendation:
    """The observed point of lowest posterior mean (the model's pick)."""
    x: Dict[str, Any]
    mean: float
    sd: float
    observed: float


def _nested(settings: Optional[Mapping[str, Any]]) -> str:
    out: Dict[str, Dict[str, Any]] = {}
    for key, value in (settings or {}).items():
        section, dot, name = key.partition(".")
        if not dot or not section or not name:
            raise ValueError(f"settings: {key!r}: keys are 'section.key', "
                             f"e.g. 'acquisition.rule'")
        out.setdefault(section, {})[name] = value
    return json.dumps(out)


class Optimizer:
    """Ask/tell on the C++ engine (the optimizer actor's engine, without
    actors). The first experiment.num-initial-points points asked come from
    the initial design, the rest from the model; every point asked stays
    pending (the model conditions on it) until tell, tell_failure or forget.
    The same seed and the same calls give the same points as the C++ engine,
    to the bit."""

    def __init__(self, space: Mapping[str, Any], seed: int = 0,
                 settings: Optional[Mapping[str, Any]] = None):
        if not space:
            raise ValueError("space: needs at least one parameter")
        self._names: List[str] = list(space)
        self._params = [space[n] for n in self._names]
        for n, p in zip(self._names, self._params):
            if not isinstance(p, (Real, Categorical)):
                raise ValueError(f"space: {n}: expected asyncbo.Real, Integer or "
                                 f"Categorical, got {type(p).__name__}")
        self._core = _core.CoreOptimizer([p._dim(n) for n, p in zip(self._names, self._params)],
                                         int(seed), _nested(settings))
        self._initial_left = self._core.initial_points()
        self._pending: Dict[int, Dict[str, Any]] = {}
        self._records: List[Dict[str, Any]] = []
        self.last_message = ""

    def _point(self, values: Sequence[float]) -> Dict[str, Any]:
        return {n: p._out(v) for n, p, v in zip(self._names, self._params, values)}

    def ask(self, n: int = 1) -> List[Trial]:
        """n new trials (fewer only when a finite space has run out: then
        last_message says so)."""
        if n < 0:
            raise ValueError(f"ask: n must be >= 0, got {n}")
        out = []
        first = min(n, self._initial_left)
        if first > 0:
            out += self._core.initial_design(first)
            self._initial_left -= first
        if n - first > 0:
            out += self._core.ask(n - first)
            self.last_message = self._core.last_message()
        trials = [Trial(int(i), self._point(x)) for i, x in out]
        for t in trials:
            self._pending[t.id] = t.x
        return trials

    def tell(self, trial_id: int, value: float) -> None:
        """The trial's objective value (to be minimised; finite)."""
        value = float(value)
        self._core.tell(int(trial_id), value)
        x = self._pending.pop(int(trial_id))
        self._records.append({"id": int(trial_id), **x, "value": value, "status": "ok"})

    def tell_failure(self, trial_id: int, reason: str = "") -> None:
        """The evaluation failed for good: the model learns where runs fail."""
        self._core.tell_failure(int(trial_id))
        x = self._pending.pop(int(trial_id))
        self._records.append({"id": int(trial_id), **x, "value": math.nan,
                              "status": "failed", "reason": reason})

    def forget(self, trial_id: int) -> bool:
        """A cancelled trial: no longer pending, and no data."""
        self._pending.pop(int(trial_id), None)
        return self._core.forget(int(trial_id))

    @property
    def pending(self) -> List[Trial]:
        return [Trial(i, self._pending[i]) for i in self._core.pending()]

    @property
    def best(self) -> Optional[Dict[str, Any]]:
        """The lowest observed value and its point, or None."""
        b = self._core.best()
        return None if b is None else {"x": self._point(b[0]), "value": b[1]}

    def recommend(self) -> Optional[Recommendation]:
        r = self._core.recommend()
        if r is None:
            return None
        return Recommendation(self._point(r[0]), r[1], r[2], r[3])

    @property
    def observations(self):
        """Every told trial, in order: a pandas DataFrame where pandas is
        installed, else a list of dicts."""
        try:
            import pandas
        except ImportError:
            return list(self._records)
        return pandas.DataFrame(self._records)


from .run import Result, minimize  # noqa: E402  (needs the classes above)
