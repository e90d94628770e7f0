"""When is a scale reading settled? Motion detection shared by every scale driver (and by scenario replay).

A load cell never reads the same value twice; what the lane wants is "the weight changed and is now at rest". The
detector keeps the readings of the last ``window_s`` seconds, holding each reading until the next one arrives (a
driver that only reports changes and one that streams 80 samples per second look the same), and calls the scale
stable when everything in the window lies within ``band_g``. Each time it becomes stable at a weight that differs
from the last settled one by at least ``resolution_g`` it reports one settled weight (the mean of the window).

Pure: time comes in with every reading, so the same readings always settle at the same times. ``disturb`` and
``reset`` let a driver say what only it knows (the device reports motion; the zero moved). With ``refine=True``
(the scale drivers' processor uses it) a rest that goes on is reported again once the mean of the last window has
moved by ``resolution_g`` from the reported weight: at 10 samples a second the rest is often declared while the
platform's ring is still dying out, a gram or two off.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settled:
    t: float
    grams: float


class StabilityDetector:
    def __init__(self, window_s: float = 0.5, band_g: float = 3.0, resolution_g: float = 2.0,
                 refine: bool = False):
        if window_s <= 0 or band_g < 0 or resolution_g < 0:
            raise ValueError("window_s must be positive, band_g and resolution_g not negative")
        self.window_s = window_s
        self.band_g = band_g
        self.resolution_g = resolution_g
        self.refine = refine
        self._since = 0.0                 # when the value now reported was settled (or refined)
        self._samples: deque[tuple[float, float]] = deque()
        self._stable = False
        self._value = 0.0                 # mean of the readings when the scale came to rest
        self._last: float | None = None
        self._moving: tuple[float, float] | None = None    # the reading ``disturb`` holds (see there)

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
        if out is None and self.refine and self._stable and t - self._since >= self.window_s:
            out = self._refined(t)
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
        self._since = due
        value = self._value = self._mean_of_stable_run()
        if self._last is not None and abs(value - self._last) < self.resolution_g:
            return None
        self._last = value
        return Settled(due, value)

    def window_mean(self) -> float | None:
        """Mean of the readings held in the window (None before the first)."""
        if not self._samples:
            return None
        values = self._at_rest(self._samples)
        return sum(values) / len(values)

    def _refined(self, t: float) -> Settled | None:
        """Still at rest, but the last window's mean has moved by the resolution since it was reported: the rest
        was declared while a slow ring was dying out (or the load crept). Report the better value."""
        mean = round(self.window_mean(), 1)
        if self._last is None or abs(mean - self._last) < self.resolution_g:
            return None
        self._value = self._last = mean
        self._since = t
        return Settled(t, mean)

    def disturb(self, t: float) -> None:
        """The device itself reports motion at ``t``: nothing held before ``t`` counts towards rest any more."""
        self._stable = False
        last = self._samples[-1][1] if self._samples else None
        self._samples.clear()
        if last is not None:
            self._moving = (t, last)
            self._samples.append(self._moving)

    def reset(self, *, forget_settled: bool = True) -> None:
        """Start afresh (after a zero or tare, or the scale leaving its range): the next rest is reported even at
        the weight settled last, unless ``forget_settled`` is False."""
        self._samples.clear()
        self._stable = False
        if forget_settled:
            self._last = None

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
        run = self._at_rest([s for s in self._samples if s[0] >= start])
        return round(sum(run) / len(run), 1)

    def _at_rest(self, samples) -> list[float]:
        """The values of ``samples`` that may make up a rest. The reading held from a disturbance is one the device
        called moving: it still times the rest (rest cannot start before the disturbance), but once a later reading
        is there its value is not averaged in. Averaged in, an MT-SICS ``S D`` line 3 g off, held at the start of
        the window, settled a 150 g bag at 151.5 g, and the steady 150 g after it was within ``resolution_g`` of
        that, so it was never refined."""
        values = [s[1] for s in samples if s is not self._moving]
        return values or [g for _, g in samples]
