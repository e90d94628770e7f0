"""``kiosk calibrate scale``: zero and span the bagging scale with a known test weight, at the lane.

The procedure is the hal's (:func:`hal.scale.calibration.calibrate`); this is the technician's side of it: the
instructions on the terminal, a wait for Enter between the steps, and the result stored in the lane's data directory
(``scale-calibration.json``, which survives a read-only root and an image update). On a simulated scale (``sim:``) the
steps are carried out on the simulated platform, so the whole procedure can be tried, and tested, without hardware.
"""

from __future__ import annotations

import sys

from hal.errors import HalError
from hal.registry import open_device
from hal.scale.errors import CalibrationFailed
from kiosk.config import LaneConfig
from kiosk.devices import device_options


def calibrate_scale(config: LaneConfig, known_g: float, *, wait: bool = True) -> int:
    url = config.devices.get("scale")
    if url is None:
        print("kiosk calibrate: no scale in the config ([devices] scale = ...)", file=sys.stderr)
        return 2
    from hal.scale.calibration import calibrate

    options = device_options(config, "scale")
    try:
        scale = open_device("scale", url, name=f"scale {url}", **options)
    except (HalError, OSError) as exc:
        print(f"kiosk calibrate: the scale cannot be opened: {exc}", file=sys.stderr)
        return 1
    model = getattr(scale.simulator, "model", None)
    steps = iter(("empty", "weight"))

    def ask(text: str) -> None:
        print(text, flush=True)
        step = next(steps, None)
        if model is not None:                     # the simulated technician does what was asked
            import time
            now = time.monotonic()
            if step == "empty" and model.load_g:
                model.remove(now, model.load_g)
            elif step == "weight":
                model.place(now, known_g)
            print(f"  (simulated scale: {'emptied' if step == 'empty' else f'{known_g:g} g put on'})", flush=True)
        elif wait:
            input("  Press Enter when done. ")

    try:
        with scale:
            result = calibrate(scale, known_g, ask)
    except CalibrationFailed as exc:
        print(f"kiosk calibrate: {exc}", file=sys.stderr)
        return 1
    except (HalError, OSError) as exc:
        print(f"kiosk calibrate: the scale failed during calibration: {exc}", file=sys.stderr)
        return 1
    cal = result.calibration
    print(f"Calibrated: {cal.counts_per_g:.3f} counts per gram, zero at {cal.offset:.0f} counts; the test weight "
          f"reads {result.verified_g:.1f} g (noise {result.noise_g:.2f} g).\nSaved to {result.path}.", flush=True)
    return 0
