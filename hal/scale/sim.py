"""A load-cell model for the bagging-area simulator: what a real scale platform reads, not a constant.

Each placement or removal makes the platform ring for a moment (a damped oscillation), every sample carries noise,
and a resting load creeps slowly. ``reading(t)`` is the model's output at time ``t``; the demo lane and (later) the
HX711 and serial-scale simulators sample it. Randomness comes from the ``random.Random`` passed in, so runs repeat.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass
class _Step:
    t: float
    delta_g: float


class LoadCellModel:
    def __init__(self, rng: random.Random | None = None, noise_g: float = 0.4, ring_s: float = 0.12,
                 ring_hz: float = 6.0, creep_g_per_min: float = 0.2):
        self.rng = rng or random.Random(0)
        self.noise_g = noise_g
        self.ring_s = ring_s
        self.ring_hz = ring_hz
        self.creep = creep_g_per_min / 60.0
        self._steps: list[_Step] = []
        self._load = 0.0
        self._lean: tuple[float, float, float] | None = None   # (start, end, grams) of a hand on the rail

    @property
    def load_g(self) -> float:
        """The true load (what a perfect scale at rest would show)."""
        return self._load

    def place(self, t: float, grams: float) -> None:
        self._steps.append(_Step(t, grams))
        self._load += grams
        self._steps = [s for s in self._steps if t - s.t < 10 * self.ring_s]

    def remove(self, t: float, grams: float) -> None:
        self.place(t, -grams)

    def lean(self, t: float, seconds: float, grams: float) -> None:
        """A hand leaning on the rail: a wobbling extra load for a while, then gone."""
        self._lean = (t, t + seconds, grams)

    def reading(self, t: float) -> float:
        value = 0.0
        for s in self._steps:
            if s.t > t:
                continue
            age = t - s.t
            value += s.delta_g
            if age < 5 * self.ring_s:
                value += -s.delta_g * math.exp(-age / self.ring_s) * math.cos(2 * math.pi * self.ring_hz * age)
        base = sum(s.delta_g for s in self._steps)
        value += self._load - base          # steps already forgotten are plain load
        value += self.creep * max(0.0, t - (self._steps[-1].t if self._steps else 0.0)) * (1 if self._load else 0)
        if self._lean is not None and self._lean[0] <= t < self._lean[1]:
            value += self._lean[2] * (1 + 0.3 * math.sin(2 * math.pi * 1.5 * (t - self._lean[0])))
        return round(value + self.rng.gauss(0.0, self.noise_g), 1)
