"""Open a device of any family from its URL.

Each family package (``hal.scanner``, ``hal.scale`` ...) has a table ``DRIVERS`` from URL scheme to
``"module:Class"`` and a table ``SIMULATORS`` from ``sim:`` path to ``"module:function"``; both are imported only when
used, so a lane without a camera never imports OpenCV, and a missing Pi library is reported by the driver that needs
it. ``sim:`` starts the family's simulator on a real wire and opens the real driver against it.
"""

from __future__ import annotations

import importlib
from typing import Any

from hal.base import Device, Listener
from hal.errors import BadDeviceURL
from hal.url import DeviceURL, parse

FAMILIES = ("scanner", "scale", "printer", "payment", "camera", "light")


def _load(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def family_module(family: str):
    if family not in FAMILIES:
        raise BadDeviceURL(f"unknown device family {family!r} (known: {', '.join(FAMILIES)})")
    return importlib.import_module(f"hal.{family}")


def open_device(family: str, url: str | DeviceURL, listener: Listener | None = None, *,
                name: str | None = None, **options: Any) -> Device:
    """Create and open the driver for ``url``; the caller closes it (or uses ``with``)."""
    u = parse(url)
    mod = family_module(family)
    if u.is_sim:
        table = mod.SIMULATORS
        key = u.path or "default"
        if key not in table:
            raise BadDeviceURL(f"{u.raw}: no {family} simulator {key!r} (known: {', '.join(sorted(table))})")
        return _load(table[key])(u, listener, name=name or f"sim:{key}", **options)
    if u.scheme not in mod.DRIVERS:
        raise BadDeviceURL(f"{u.raw}: no {family} driver for {u.scheme!r}: (known: "
                           f"{', '.join(sorted(mod.DRIVERS))}, sim:)")
    device = _load(mod.DRIVERS[u.scheme])(u, listener, name=name, **options)
    try:
        return device.open()
    except BaseException:
        device.close()
        raise


def start_simulator(family: str, kind: str = "default", **options: Any):
    """Start one simulator standalone (``kiosk sim FAMILY``); returns it, running, with ``address`` and ``commands``."""
    mod = family_module(family)
    table = getattr(mod, "STANDALONE", {})
    if kind not in table:
        raise BadDeviceURL(f"no standalone {family} simulator {kind!r} (known: {', '.join(sorted(table))})")
    sim = _load(table[kind])(**options)
    sim.start()
    return sim
