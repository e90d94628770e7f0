"""The signal path every bagging-scale driver shares, from a raw reading to the events the lane sees.

raw reading -> calibration (counts -> grams; identity for scales that report grams) -> zero and tare -> median-of-5
spike filter (a reading far from the median of the last five is replaced by it) ->
:class:`~hal.scale.stability.StabilityDetector` -> :class:`hal.events.WeightEvent` to the driver's listener:
STABLE with the settled net weight (only when it differs from the last one by the detector's resolution; again,
refined, if the mean of a continuing rest moves by that resolution), UNSTABLE when motion starts, OVERWEIGHT above
``capacity_g``, UNDER_ZERO below ``under_zero_g`` (both only once the condition has lasted ``range_hold_s``, so the
swing of a dropped item or of a removal raises no alarm).
Readings outside the range never settle; back inside it the next rest is reported even at the old weight.

Zero tracking (PROTOCOLS.md 2.2) follows slow drift of an empty platform: only at rest, only within half a division
of zero, at most ``zero_track_d_per_s`` divisions per second, never while a tare is set or while the lane holds it
(``hold_zero_tracking(True)`` while an item is expected), and never further than ``zero_range_g`` from the
calibrated zero. ``zero()`` and ``tare()`` need the scale at rest.

Drivers call ``feed(t, raw)`` from their reader thread; ``motion``, ``overload`` and ``underload`` are for scales
that report those states without a number. Every method is thread-safe.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from typing import Callable

from hal import events as ev
from hal.scale.base import Reading
from hal.scale.calibration import IDENTITY, Calibration
from hal.scale.errors import NotCalibrated, OutOfZeroRange, ScaleMoving
from hal.scale.stability import StabilityDetector

IN_RANGE = "in_range"


class ScaleProcessor:
    def __init__(self, emit: Callable[[object], None], *, calibration: Calibration | None = IDENTITY,
                 capacity_g: float = 15000.0, division_g: float = 1.0, under_zero_g: float | None = None,
                 window_s: float = 0.5, band_g: float = 3.0, resolution_g: float = 2.0, median: int = 5,
                 range_hold_s: float = 0.5, zero_tracking: bool = True, zero_track_d_per_s: float = 0.5,
                 zero_range_g: float | None = None, refine: bool = True):
        self._emit = emit
        self.calibration = calibration
        self.capacity_g = float(capacity_g)
        self.division_g = float(division_g)
        self.under_zero_g = float(under_zero_g) if under_zero_g is not None else -max(20.0, 20 * division_g)
        self.range_hold_s = range_hold_s
        self.zero_tracking = zero_tracking
        self.zero_track_rate = zero_track_d_per_s * division_g
        self.zero_range_g = float(zero_range_g) if zero_range_g is not None else 0.04 * capacity_g
        self.band_g = band_g
        self.detector = StabilityDetector(window_s, band_g, resolution_g, refine=refine)
        self._median: deque[float] = deque(maxlen=max(1, median))
        self._lock = threading.RLock()
        self._fresh = threading.Condition(self._lock)
        self._raw: deque[tuple[float, float]] = deque(maxlen=400)
        self._raw_count = 0
        self.zero_g = 0.0           # gross weight that counts as zero (set by zero() and zero tracking)
        self.tare_g = 0.0
        self._hold = False
        self._range = IN_RANGE
        self._out_since: tuple[str, float] | None = None
        self._last: Reading | None = None
        self._last_t: float | None = None
        self.stats = {"samples": 0, "stable_events": 0, "unstable_events": 0, "out_of_range_events": 0}

    # ------------------------------------------------------------------------------------------ configuration

    @property
    def calibrated(self) -> bool:
        return self.calibration is not None

    def set_calibration(self, calibration: Calibration | None) -> None:
        with self._lock:
            self.calibration = calibration
            self.zero_g = self.tare_g = 0.0
            self._median.clear()
            self.detector.reset()
            self._range, self._out_since = IN_RANGE, None

    def hold_zero_tracking(self, hold: bool = True) -> None:
        """The lane expects an item (or an attendant is checking): keep the zero where it is."""
        with self._lock:
            self._hold = bool(hold)

    # ------------------------------------------------------------------------------------------- readings in

    def feed(self, t: float, raw: float, device_stable: bool | None = None) -> None:
        """One reading at ``t``: counts for an ADC scale, grams for a scale that reports grams.

        ``device_stable=False`` means the device itself says the weight is moving (MT-SICS ``S D``).
        """
        with self._lock:
            self._raw.append((t, float(raw)))
            self._raw_count += 1
            self._fresh.notify_all()
            self.stats["samples"] += 1
            cal = self.calibration
            if cal is None:
                return
            gross = cal.grams(raw) - self.zero_g
            net = self._despike(gross - self.tare_g)
            dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
            self._last_t = t
            if self._check_range(t, net + self.tare_g, net):
                was_stable = self.detector.stable
                settled = self.detector.feed(t, net)
                if device_stable is False:
                    self.detector.disturb(t)
                self._after_detector(t, net, was_stable, settled)
                if self.detector.stable:
                    self._track_zero(self.detector.window_mean(), dt)
            stable = self.detector.stable and self._range == IN_RANGE
            # At rest, show the window's mean (steady); in motion, the latest reading.
            shown = self.detector.window_mean() if stable else net
            self._last = Reading(round(shown, 1), stable, t)

    def tick(self, t: float) -> None:
        """Time passes without a reading (a scale that reports only changes): settle if due."""
        with self._lock:
            if self.calibration is None or self._range != IN_RANGE:
                return
            was = self.detector.stable
            settled = self.detector.poll(t)
            self._after_detector(t, self._last.grams if self._last else 0.0, was, settled)

    def motion(self, t: float) -> None:
        """The device says the weight is moving but gives no number (8217 status reply)."""
        with self._lock:
            was = self.detector.stable
            self.detector.disturb(t)
            self._out_since = None if self._range == IN_RANGE else self._out_since
            if was:
                self._send(ev.WeightEvent(ev.UNSTABLE, self._last.grams if self._last else 0.0, t))
                self.stats["unstable_events"] += 1

    def overload(self, t: float) -> None:
        """The device reports overload without a number (MT-SICS ``S +``, ADC saturation)."""
        with self._lock:
            self._check_range(t, float("inf"), float("inf"))

    def underload(self, t: float) -> None:
        """The device reports underload without a number (MT-SICS ``S -``)."""
        with self._lock:
            self._check_range(t, float("-inf"), float("-inf"))

    # -------------------------------------------------------------------------------------------- commands

    def weight(self) -> Reading | None:
        """The latest net weight: the mean of the stability window at rest, the latest reading in motion."""
        with self._lock:
            return self._last

    def zero(self) -> None:
        """Make the present gross weight the zero (platform empty and at rest)."""
        with self._lock:
            self._require_rest("zero")
            gross = self._last.grams + self.tare_g + self.zero_g
            if abs(gross) > self.zero_range_g:
                raise OutOfZeroRange(f"cannot zero: the platform reads {gross:.0f} g, more than the zero range "
                                     f"±{self.zero_range_g:.0f} g; take everything off the platform first")
            self.zero_g = gross
            self.tare_g = 0.0
            self._restart()

    def tare(self) -> None:
        """Subtract what is on the platform now (an own bag): the net weight becomes 0."""
        with self._lock:
            self._require_rest("tare")
            self.tare_g += self._last.grams
            self._restart()

    def clear_tare(self) -> None:
        with self._lock:
            self.tare_g = 0.0
            self._restart()

    def capture(self, n: int, timeout_s: float) -> list[float]:
        """Wait for ``n`` new raw readings (for calibration); returns fewer if the time runs out."""
        with self._lock:
            start = self._raw_count
            deadline = time.monotonic() + timeout_s
            while self._raw_count - start < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._fresh.wait(left)
            got = min(n, self._raw_count - start, len(self._raw))
            return [raw for _, raw in list(self._raw)[len(self._raw) - got:]]

    def recent_raw(self, n: int = 20) -> list[float]:
        with self._lock:
            return [raw for _, raw in list(self._raw)[-n:]]

    # ------------------------------------------------------------------------------------------- internals

    def _despike(self, x: float) -> float:
        """The median-of-5 spike filter: a reading far from the median of the last five (beyond the stability
        band and beyond 3 robust standard deviations of those five) is replaced by that median; the others pass
        unchanged. A plain running median would flatten a wobbling load (a hand on the rail sampled at 10 per
        second) into plateaus that look like rest."""
        self._median.append(x)
        if len(self._median) < 3:
            return x
        med = statistics.median_low(self._median)
        mad = statistics.median_low([abs(v - med) for v in self._median])
        return x if abs(x - med) <= max(self.band_g, 3 * 1.4826 * mad) else med

    def _send(self, event: object) -> None:
        self._emit(event)

    def _require_rest(self, what: str) -> None:
        if self.calibration is None:
            raise NotCalibrated(f"cannot {what}: not calibrated: run kiosk calibrate scale")
        if self._last is None or not self._last.stable:
            raise ScaleMoving(f"cannot {what} while the scale is moving or out of range; wait until it is still")

    def _restart(self) -> None:
        self._median.clear()
        self.detector.reset()

    def _after_detector(self, t: float, net: float, was_stable: bool, settled) -> None:
        if settled is not None:
            self.stats["stable_events"] += 1
            self._send(ev.WeightEvent(ev.STABLE, settled.grams, settled.t))
        elif was_stable and not self.detector.stable:
            self.stats["unstable_events"] += 1
            self._send(ev.WeightEvent(ev.UNSTABLE, round(net, 1), t))

    def _check_range(self, t: float, gross: float, net: float) -> bool:
        """Follow the range state; True if ``net`` may go on to the stability detector."""
        if gross > self.capacity_g:
            kind = ev.OVERWEIGHT
        elif net < self.under_zero_g:
            kind = ev.UNDER_ZERO
        else:
            if self._range != IN_RANGE:
                self._range = IN_RANGE
                self.detector.reset()         # report the next rest even if it is the weight settled before
            self._out_since = None
            return True
        if self._out_since is None or self._out_since[0] != kind:
            self._out_since = (kind, t)
        if self._range != kind and t - self._out_since[1] >= self.range_hold_s:
            self._range = kind
            self.stats["out_of_range_events"] += 1
            self.detector.reset()
            shown = net if abs(net) != float("inf") else (self.capacity_g if kind == ev.OVERWEIGHT
                                                          else self.under_zero_g)
            self._send(ev.WeightEvent(kind, round(shown, 1), t))
        # Out of range, if only for a moment (the swing of a dropped item): it breaks any rest.
        was = self.detector.stable
        self.detector.disturb(t)
        self._after_detector(t, net if abs(net) != float("inf") else 0.0, was, None)
        return False

    def _track_zero(self, net: float, dt: float) -> None:
        if (not self.zero_tracking or self._hold or self.tare_g or dt <= 0
                or abs(net) > 0.5 * self.division_g):
            return
        step = max(-self.zero_track_rate * dt, min(self.zero_track_rate * dt, net))
        if abs(self.zero_g + step) <= self.zero_range_g:
            self.zero_g += step
