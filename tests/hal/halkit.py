"""Helpers shared by the hal tests (no tests here): a polling wait, and the lane's ear on a device.

Waits are generous and poll for outcomes; nothing asserts on how long something took.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from hal import events as ev

WAIT_S = 20.0     # generous: only a failing test waits this long


def wait_for(predicate: Callable[[], object], timeout: float = WAIT_S, *, step: float = 0.01, what: str = ""):
    """Poll ``predicate`` every ``step`` seconds until it gives something true, and return that; fail the test
    if it has not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(step)


class Lane:
    """A device listener that keeps every event it is told, as the lane hears them from the device's thread; tests
    wait on it for the outcome they expect."""

    def __init__(self) -> None:
        self.events: list[object] = []
        self._cv = threading.Condition()

    def __call__(self, event: object) -> None:
        with self._cv:
            self.events.append(event)
            self._cv.notify_all()

    def mark(self) -> int:
        """Where the events told from now on start: pass it as ``since``."""
        with self._cv:
            return len(self.events)

    def since(self, mark: int = 0) -> list[object]:
        with self._cv:
            return list(self.events[mark:])

    def scans(self) -> list[ev.ScanData]:
        with self._cv:
            return [e for e in self.events if isinstance(e, ev.ScanData)]

    def codes(self) -> list[str]:
        return [s.data for s in self.scans()]

    def reads(self) -> list[tuple[str, str | None, str]]:
        """Each scan as (data, AIM id, source)."""
        return [(s.data, s.aim, s.source) for s in self.scans()]

    def errors(self) -> list[ev.ErrorEvent]:
        with self._cv:
            return [e for e in self.events if isinstance(e, ev.ErrorEvent)]

    def statuses(self) -> list[str]:
        with self._cv:
            return [e.status for e in self.events if isinstance(e, ev.StatusUpdate)]

    def wait(self, outcome: Callable[[], object], timeout: float = WAIT_S) -> bool:
        """Wait until ``outcome()`` holds; it is re-checked on every event and every 10 ms (it may watch the
        device or the log rather than the events)."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while not outcome():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cv.wait(min(left, 0.01))
            return True

    def wait_scans(self, n: int) -> list[str]:
        assert self.wait(lambda: len(self.scans()) >= n), f"expected {n} scans, got {self.events}"
        return self.codes()

    def wait_errors(self, n: int) -> list[str]:
        assert self.wait(lambda: len(self.errors()) >= n), f"expected {n} errors, got {self.events}"
        return [e.message for e in self.errors()]

    def wait_event(self, pred: Callable[[object], bool], since: int = 0, timeout: float = WAIT_S, what: str = ""):
        """The first event from ``since`` on for which ``pred`` holds, waiting for it to come if need be."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for event in self.events[since:]:
                    if pred(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no event {what or pred} within {timeout} s; got {self.events[since:]}")
                self._cv.wait(left)

    def status(self, status: str, since: int = 0, timeout: float = WAIT_S) -> ev.StatusUpdate:
        return self.wait_event(lambda e: isinstance(e, ev.StatusUpdate) and e.status == status, since, timeout,
                               f"status {status}")
