"""A load-cell model for the scale simulators: what a real scale platform reads, not a constant.

Each placement or removal makes the platform ring for a moment (a damped oscillation); an item dropped rather than
set down overshoots first; every sample carries noise; a resting load creeps slowly towards a little more than its
weight; a trolley bumping the lane sends a vibration burst through the platform; a hand leaning on the rail adds a
wobbling load; and the zero and span drift with the cell's temperature, which follows the room with a lag.
``reading(t)`` is the model's output at time ``t`` (grams, 0.1 g steps); the demo lane, the HX711 pin-level
simulator and the serial-scale simulators all sample it. ``load_g`` is the true load, what a perfect scale at rest
would show. Randomness comes only from the ``random.Random`` passed in, so the same calls give the same readings.
The model is safe to use from several threads (the demo's shopper places items while a simulator samples).
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass

REFERENCE_C = 20.0        # the temperature at which the scale was calibrated


@dataclass(frozen=True)
class _Step:
    t: float
    delta_g: float
    ramp_s: float = 0.0       # time the hand takes to let go of the item (0: instant)
    overshoot: float = 0.0    # >0 for an item dropped onto the platform (its momentum hits the cell)


@dataclass(frozen=True)
class _Burst:
    t: float
    seconds: float
    amplitude_g: float
    freqs: tuple[float, float]
    phases: tuple[float, float]


@dataclass(frozen=True)
class _Lean:
    t: float
    seconds: float
    grams: float


class LoadCellModel:
    """The platform of a bagging or produce scale; all times are the caller's clock (``time.monotonic()``).

    ``creep_g_per_min`` is the initial creep rate for a 10 kg load change; creep levels off after a few
    ``creep_s`` (default: 1 g per 10 kg after ~15 minutes, about what a C3 cell does).
    """

    def __init__(self, rng: random.Random | None = None, noise_g: float = 0.4, ring_s: float = 0.12,
                 ring_hz: float = 6.0, creep_g_per_min: float = 0.2, *, creep_s: float = 300.0,
                 zero_drift_g_per_c: float = 0.0, span_drift_per_c: float = 0.0, thermal_s: float = 120.0,
                 temperature_c: float = REFERENCE_C):
        self.rng = rng or random.Random(0)
        self.noise_g = noise_g
        self.ring_s = ring_s
        self.ring_hz = ring_hz
        self.creep_s = creep_s
        self.creep_fraction = creep_g_per_min / 60.0 * creep_s / 10_000.0
        self.zero_drift_g_per_c = zero_drift_g_per_c
        self.span_drift_per_c = span_drift_per_c
        self.thermal_s = thermal_s
        self._temp = (0.0, temperature_c, temperature_c)   # since t, the cell was at T0 and the room is at T
        self._lock = threading.RLock()
        self._steps: list[_Step] = []
        self._bursts: list[_Burst] = []
        self._leans: list[_Lean] = []
        self._load = 0.0          # true load: every placement minus every removal
        self._folded = 0.0        # placements whose ringing is over, with their creep once it has finished
        self._pending = (0.0, 0.0)  # (since t, grams of creep still to come) of the folded placements

    # ------------------------------------------------------------------------------------------- what happens

    @property
    def load_g(self) -> float:
        """The true load (what a perfect scale at rest would show)."""
        return self._load

    def place(self, t: float, grams: float, ramp_s: float = 0.0) -> None:
        """Set an item down at ``t`` (negative grams: take one off); ``ramp_s`` is how long the hand lets go."""
        with self._lock:
            self._steps.append(_Step(t, float(grams), max(0.0, ramp_s)))
            self._load += grams
            self._forget(t)

    def remove(self, t: float, grams: float, ramp_s: float = 0.0) -> None:
        self.place(t, -grams, ramp_s)

    def drop(self, t: float, grams: float, overshoot: float = 1.5) -> None:
        """An item thrown onto the platform: the first swing reads up to about twice its weight."""
        with self._lock:
            self._steps.append(_Step(t, float(grams), 0.0, max(0.0, overshoot)))
            self._load += grams
            self._forget(t)

    def lean(self, t: float, seconds: float, grams: float) -> None:
        """A hand leaning on the rail: a wobbling extra load for a while, then gone."""
        with self._lock:
            self._leans.append(_Lean(t, seconds, grams))

    def vibrate(self, t: float, seconds: float = 1.0, amplitude_g: float = 25.0) -> None:
        """A vibration burst through the platform (a trolley bumping the lane, a door slammed)."""
        with self._lock:
            freqs = (self.rng.uniform(7.0, 14.0), self.rng.uniform(15.0, 30.0))
            phases = (self.rng.uniform(0, 2 * math.pi), self.rng.uniform(0, 2 * math.pi))
            self._bursts.append(_Burst(t, seconds, amplitude_g, freqs, phases))

    def bump(self, t: float, amplitude_g: float = 40.0) -> None:
        """A short knock against the lane."""
        self.vibrate(t, 0.4, amplitude_g)

    def set_temperature(self, t: float, celsius: float) -> None:
        """The room changes to ``celsius`` at ``t``; the cell follows with a lag of ``thermal_s``."""
        with self._lock:
            self._temp = (t, self.cell_temperature(t), celsius)

    def cell_temperature(self, t: float) -> float:
        t0, cell0, room = self._temp
        if t <= t0 or self.thermal_s <= 0:
            return cell0 if t <= t0 else room
        return room + (cell0 - room) * math.exp(-(t - t0) / self.thermal_s)

    # ----------------------------------------------------------------------------------------------- readings

    def at_rest(self, t: float) -> float:
        """What the scale would show at ``t`` without noise, ringing, vibration or a hand (creep and drift kept)."""
        with self._lock:
            value = self._folded_value(t)
            for s in self._steps:
                if s.t <= t:
                    value += s.delta_g + self._creep(s, t - s.t)
            return self._drifted(t, value)

    def reading(self, t: float) -> float:
        """One sample at ``t``, as the load cell's amplifier sees it."""
        with self._lock:
            value = self._folded_value(t)
            for s in self._steps:
                if s.t <= t:
                    value += self._step_response(s, t - s.t) + self._creep(s, t - s.t)
            for b in self._bursts:
                if b.t <= t < b.t + b.seconds:
                    age = t - b.t
                    envelope = math.sin(math.pi * age / b.seconds) * math.exp(-2.0 * age / b.seconds)
                    value += b.amplitude_g * envelope * (
                        math.sin(2 * math.pi * b.freqs[0] * age + b.phases[0])
                        + 0.5 * math.sin(2 * math.pi * b.freqs[1] * age + b.phases[1]))
            for lean in self._leans:
                if lean.t <= t < lean.t + lean.seconds:
                    age = t - lean.t
                    onset = min(1.0, age / 0.3)          # a hand takes a moment to put its weight on the rail
                    value += lean.grams * onset * (1 + 0.3 * math.sin(2 * math.pi * 1.5 * age))
            value = self._drifted(t, value)
            return round(value + self.rng.gauss(0.0, self.noise_g), 1)

    # --------------------------------------------------------------------------------------------- internals

    def _step_response(self, s: _Step, age: float) -> float:
        if s.ramp_s > 0 and age < s.ramp_s:
            return s.delta_g * age / s.ramp_s
        since = age - s.ramp_s
        if since > 10 * self.ring_s:
            return s.delta_g
        # A slowly released item excites the platform less than one set down at once.
        amp = 1.0 / (1.0 + 2.0 * s.ramp_s / self.ring_s) if self.ring_s > 0 else 0.0
        decay = math.exp(-since / self.ring_s) if self.ring_s > 0 else 0.0
        w = 2 * math.pi * self.ring_hz * since
        value = s.delta_g * (1.0 - amp * decay * math.cos(w))
        if s.overshoot:
            value += abs(s.delta_g) * s.overshoot * decay * math.sin(w)
        return value

    def _creep(self, s: _Step, age: float) -> float:
        if self.creep_s <= 0:
            return 0.0
        return s.delta_g * self.creep_fraction * (1.0 - math.exp(-age / self.creep_s))

    def _drifted(self, t: float, value: float) -> float:
        dt = self.cell_temperature(t) - REFERENCE_C
        return value * (1.0 + self.span_drift_per_c * dt) + self.zero_drift_g_per_c * dt

    def _folded_value(self, t: float) -> float:
        since, pending = self._pending
        if pending and self.creep_s > 0:
            return self._folded - pending * math.exp(-(t - since) / self.creep_s)
        return self._folded

    def _forget(self, t: float) -> None:
        """Fold steps whose ringing is over into a constant plus one decaying creep term, so long runs stay cheap.

        Creep of every step approaches its final value with the same time constant, so the creep still to come
        of all folded steps together is one exponential.
        """
        keep = []
        for s in self._steps:
            if t - s.t > 10 * self.ring_s + s.ramp_s:
                since, pending = self._pending
                pending = pending * math.exp(-(t - since) / self.creep_s) if self.creep_s > 0 else 0.0
                if self.creep_s > 0:
                    pending += s.delta_g * self.creep_fraction * math.exp(-(t - s.t) / self.creep_s)
                self._pending = (t, pending)
                self._folded += s.delta_g * (1.0 + self.creep_fraction)
            else:
                keep.append(s)
        self._steps = keep
        self._bursts = [b for b in self._bursts if b.t + b.seconds > t]
        self._leans = [x for x in self._leans if x.t + x.seconds > t]
