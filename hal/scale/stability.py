"""When is a scale reading settled? Motion detection shared by every scale driver (and by scenario replay).

A load cell never reads the same value twice; what the lane wants is "the weight changed and is now at rest". The
detector keeps the readings of the last ``window_s`` seconds, holding each reading until the next one arrives (a
driver that only reports changes and one that streams 80 samples per second look the same), and calls the scale
stable when everything in the window lies within ``band_g``. Each time it becomes stable at a weight that differs
from the last settled one by at least ``resolution_g`` it reports one settled weight (the mean of the window).

Pure: time comes in with every reading, so the same readings always settle at the same times.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settled:
    t: float
    grams: float


class StabilityDetector:
    def __init__(self, window_s: float = 0.5, band_g: float = 3.0, resolution_g: float = 2.0):
        if window_s <= 0 or band_g < 0 or resolution_g < 0:
            raise ValueError("window_s must be positive, band_g and resolution_g not negative")
        self.window_s = window_s
        self.band_g = band_g
        self.resolution_g = resolution_g
        self._samples: deque[tuple[float, float]] = deque()
        self._stable = False
        self._value = 0.0                 # mean of the readings when the scale came to rest
        self._last: float | None = None

    @property
    def stable(self) -> bool:
        return self._stable

    @property
    def last_settled(self) -> float | None:
        return self._last

    def feed(self, t: float, grams: float) -> Settled | None:
        """Add one reading taken at ``t``; returns a settled weight if the scale came to rest before ``t``."""
        out = self.poll(t)
        if self._samples and t < self._samples[-1][0]:
            raise ValueError(f"reading at {t} is older than the previous one at {self._samples[-1][0]}")
        self._samples.append((t, float(grams)))
        # Keep one reading older than the window: it is the value held at the window's start.
        while len(self._samples) > 1 and self._samples[1][0] <= t - self.window_s:
            self._samples.popleft()
        if self._stable and abs(grams - self._value) > self.band_g:
            self._stable = False
        return out

    def due(self) -> float | None:
        """The time at which the held readings become stable if nothing else arrives (None: already stable/empty)."""
        if self._stable or not self._samples:
            return None
        return self._run_start() + self.window_s

    def poll(self, t: float) -> Settled | None:
        """Report a settled weight if the readings have been at rest for ``window_s`` by time ``t``."""
        due = self.due()
        if due is None or due > t:
            return None
        self._stable = True
        value = self._value = self._mean_of_stable_run()
        if self._last is not None and abs(value - self._last) < self.resolution_g:
            return None
        self._last = value
        return Settled(due, value)

    def _run_start(self) -> float:
        """Start time of the longest run of latest readings that all lie within the band."""
        lo = hi = self._samples[-1][1]
        start = self._samples[-1][0]
        for t, g in reversed(self._samples):
            lo, hi = min(lo, g), max(hi, g)
            if hi - lo > self.band_g:
                break
            start = t
        return start

    def _mean_of_stable_run(self) -> float:
        start = self._run_start()
        run = [g for t, g in self._samples if t >= start]
        return round(sum(run) / len(run), 1)
