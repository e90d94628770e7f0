"""Helpers shared by the scale tests (no tests here): an event recorder to wait on, and a polling wait.

Waits are generous and poll for outcomes; nothing asserts on how long something took.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Callable

from hal import events as ev
from hal.scale.sim import LoadCellModel


class Events:
    """A device listener that keeps every event; tests wait for the one they expect."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self._cond = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cond:
            self.items.append(event)
            self._cond.notify_all()

    def mark(self) -> int:
        with self._cond:
            return len(self.items)

    def since(self, mark: int) -> list[object]:
        with self._cond:
            return list(self.items[mark:])

    def wait_for(self, pred: Callable[[object], bool], since: int = 0, timeout: float = 10.0, what: str = ""):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for item in self.items[since:]:
                    if pred(item):
                        return item
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no event {what or pred} within {timeout} s; got {self.items[since:]}")
                self._cond.wait(left)

    def weight(self, kind: str, since: int = 0, near: float | None = None, tol: float = 2.0,
               timeout: float = 10.0) -> ev.WeightEvent:
        def ok(e):
            return isinstance(e, ev.WeightEvent) and e.kind == kind and (near is None or abs(e.grams - near) <= tol)
        return self.wait_for(ok, since, timeout, f"{kind} {near if near is not None else ''}")

    def status(self, status: str, since: int = 0, timeout: float = 10.0) -> ev.StatusUpdate:
        return self.wait_for(lambda e: isinstance(e, ev.StatusUpdate) and e.status == status, since, timeout,
                             f"status {status}")

    def kinds(self, since: int = 0) -> list[str]:
        return [e.kind for e in self.since(since) if isinstance(e, ev.WeightEvent)]


def wait_until(fn: Callable[[], object], timeout: float = 10.0, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition {what or fn} not met within {timeout} s")
        time.sleep(0.02)


def quick_model(seed: int = 1, **kw) -> LoadCellModel:
    """A platform that rings briefly, so tests settle in well under a second."""
    kw.setdefault("ring_s", 0.04)
    kw.setdefault("noise_g", 0.3)
    return LoadCellModel(random.Random(seed), **kw)
