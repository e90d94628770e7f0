"""Helpers shared by the scale tests (no tests here): the lane's ear with the scale's waits, a quick platform model
and the opened serial scale the MT-SICS and Toledo tests share.
"""

from __future__ import annotations

import random

from hal import events as ev
from hal.registry import open_device
from hal.scale.sim import LoadCellModel
from halkit import WAIT_S, Lane


class Events(Lane):
    """What the lane hears from a scale; tests wait for the weight or status they expect."""

    def weight(self, kind: str, since: int = 0, near: float | None = None, tol: float = 2.0,
               timeout: float = WAIT_S) -> ev.WeightEvent:
        def ok(e):
            return isinstance(e, ev.WeightEvent) and e.kind == kind and (near is None or abs(e.grams - near) <= tol)
        return self.wait_event(ok, since, timeout, f"{kind} {near if near is not None else ''}")

    def kinds(self, since: int = 0) -> list[str]:
        return [e.kind for e in self.since(since) if isinstance(e, ev.WeightEvent)]


def quick_model(seed: int = 1, **kw) -> LoadCellModel:
    """A platform that rings briefly, so tests settle in well under a second."""
    kw.setdefault("ring_s", 0.04)
    kw.setdefault("noise_g", 0.3)
    return LoadCellModel(random.Random(seed), **kw)


def opened_serial_scale(request, url: str):
    """The body of a ``scale`` fixture for a serial scale at ``url``; parametrize it indirectly with a URL, options,
    or (URL, options)."""
    events = Events()
    param = getattr(request, "param", url)
    url, opts = (param, {}) if isinstance(param, str) else (url, param) if isinstance(param, dict) else param
    opts = {"silent_after_s": 1.0, **opts}
    device = open_device("scale", url, events, model=quick_model(), window_s=0.2, reply_timeout_s=0.4,
                         debounce_s=0.2, range_hold_s=0.2, **opts)
    device.events = events
    yield device
    device.close()
