"""Calibration of an ADC scale (HX711): the two numbers that turn counts into grams, kept in a JSON file.

``weight = (raw - offset) / counts_per_g`` (PROTOCOLS.md 2.2). ``offset`` is the reading with the platform empty,
``counts_per_g`` comes from a known weight. Serial scales report grams already and use :data:`IDENTITY`.
The lane keeps the file in its data directory (``calibration_path``), which survives a read-only root.

:func:`calibrate` is the procedure behind ``kiosk calibrate scale``: empty the platform (:func:`calibrate_zero`),
put a known weight on it (:func:`calibrate_span`), check the result against the weight, save. ``ask(text)`` shows an
instruction and returns when the technician has done it (the CLI prints and waits for Enter).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from hal.scale.errors import CalibrationFailed, NotCalibrated


@dataclass(frozen=True)
class Calibration:
    offset: float = 0.0            # raw reading with the platform empty
    counts_per_g: float = 1.0      # raw units per gram (negative if the cell is wired the other way round)
    known_g: float | None = None   # the test weight used for the span
    tags: dict[str, Any] = field(default_factory=dict)   # what the numbers are valid for: channel, gain, device
    temperature_c: float | None = None
    created: str = ""

    def grams(self, raw: float) -> float:
        return (raw - self.offset) / self.counts_per_g

    def raw(self, grams: float) -> float:
        return self.offset + grams * self.counts_per_g

    def to_json(self) -> str:
        return json.dumps({"version": 1, **asdict(self)}, indent=2, sort_keys=True)

    def save(self, path: str | os.PathLike) -> None:
        """Write atomically (a power cut leaves the old file or the new one, never half of one)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(self.to_json() + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Calibration":
        """Read a saved calibration; a missing or unreadable file is :class:`NotCalibrated` with what to do."""
        try:
            data = json.loads(Path(path).read_text())
        except FileNotFoundError:
            raise NotCalibrated(f"not calibrated: run kiosk calibrate scale (no calibration file {path})") from None
        except (OSError, ValueError) as exc:
            raise NotCalibrated(f"not calibrated: {path} is unreadable ({exc}); run kiosk calibrate scale") from None
        try:
            cal = cls(offset=float(data["offset"]), counts_per_g=float(data["counts_per_g"]),
                      known_g=None if data.get("known_g") is None else float(data["known_g"]),
                      tags=dict(data.get("tags") or {}),
                      temperature_c=None if data.get("temperature_c") is None else float(data["temperature_c"]),
                      created=str(data.get("created", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise NotCalibrated(f"not calibrated: {path} lacks {exc}; run kiosk calibrate scale") from None
        if cal.counts_per_g == 0:
            raise NotCalibrated(f"not calibrated: {path} has counts_per_g 0; run kiosk calibrate scale")
        return cal


IDENTITY = Calibration(0.0, 1.0, tags={"unit": "g"})


@dataclass(frozen=True)
class CalibrationResult:
    calibration: Calibration
    verified_g: float          # what the scale read with the test weight on, after calibrating
    noise_g: float             # spread (max - min) of the readings at rest, in grams
    path: str | None           # where it was saved (None: kept in memory only)


def _require_adc(device) -> None:
    if getattr(device, "processor", None) is None or not getattr(device, "needs_calibration", False):
        raise CalibrationFailed(f"{device.name} reports grams itself and is calibrated on the device "
                                "(see its manual); kiosk calibrate is for HX711 load cells")


def _check_weight(device, known_g: float) -> None:
    _require_adc(device)
    capacity = device.processor.capacity_g
    if not known_g or known_g <= 0:
        raise CalibrationFailed("the test weight must be a positive number of grams (e.g. 5000)")
    if known_g < 0.05 * capacity:
        raise CalibrationFailed(f"a {known_g:g} g test weight is too light for a {capacity:g} g scale; "
                                f"use at least {0.05 * capacity:g} g (a third of capacity is best)")


def _samples(device, samples: int, timeout_s: float, what: str) -> list[float]:
    _require_adc(device)
    raws = device.processor.capture(samples, timeout_s)
    if len(raws) < samples:
        raise CalibrationFailed(f"the scale delivered only {len(raws)} of {samples} readings in {timeout_s:.0f} s "
                                f"while {what}: check its connection")
    return raws


@dataclass(frozen=True)
class ZeroPoint:
    offset: float              # median raw reading of the empty platform
    spread: float              # max - min of those readings (raw units)


def calibrate_zero(device, *, samples: int = 20, timeout_s: float = 30.0) -> ZeroPoint:
    """Read the empty platform (the caller has made sure it is empty and still)."""
    raws = _samples(device, samples, timeout_s, "zeroing")
    return ZeroPoint(statistics.median(raws), max(raws) - min(raws))


def calibrate_span(device, zero: ZeroPoint, known_g: float, *, samples: int = 20,
                   timeout_s: float = 30.0) -> Calibration:
    """Read the platform with ``known_g`` on it and compute the calibration (not yet applied or saved).

    Refuses a test weight that barely changes the reading (load cell not wired, weight not on) and readings that
    moved more than max(5 g, 0.2 %) while they were taken."""
    _check_weight(device, known_g)
    raws = _samples(device, samples, timeout_s, "reading the test weight")
    delta = statistics.median(raws) - zero.offset
    spread = max(zero.spread, max(raws) - min(raws))
    if abs(delta) <= 20 * max(spread, 1.0):
        raise CalibrationFailed(f"the test weight changed the reading by only {delta:.0f} counts against a noise of "
                                f"{spread:.0f}: is the load cell wired to the HX711 (E+/E-/A+/A-) and the weight on?")
    cpg = delta / known_g
    noise_g = spread / abs(cpg)
    if noise_g > max(5.0, 0.002 * known_g):
        raise CalibrationFailed(f"the platform moved during calibration (readings spread over {noise_g:.1f} g); "
                                "keep hands and the lane still and try again")
    return Calibration(offset=round(zero.offset, 1), counts_per_g=cpg, known_g=float(known_g),
                       tags=dict(getattr(device, "calibration_tags", lambda: {})()),
                       created=time.strftime("%Y-%m-%dT%H:%M:%S%z"))


def calibrate(device, known_g: float, ask: Callable[[str], None], *, samples: int = 20, timeout_s: float = 30.0,
              settle_s: float = 1.0, tolerance_g: float | None = None) -> CalibrationResult:
    """Calibrate ``device`` (an opened ADC scale driver) with a test weight of ``known_g`` grams.

    Steps: ``ask`` to empty the platform, wait ``settle_s``, :func:`calibrate_zero`; ``ask`` to put the test weight
    on, wait, :func:`calibrate_span`; then read the test weight through the new calibration and check it within
    ``tolerance_g`` (default: 2 divisions or 0.1 % of the weight, whichever is larger); only then save it to the
    device's ``calibration_path`` and apply it. Raises :class:`CalibrationFailed` with what to do when the platform
    moved, the weight made no difference, or the check fails; nothing is saved then.
    """
    _check_weight(device, known_g)
    ask("Take everything off the scale platform and keep your hands off it.")
    time.sleep(settle_s)
    zero = calibrate_zero(device, samples=samples, timeout_s=timeout_s)
    ask(f"Put the {known_g:g} g test weight in the middle of the platform and let go.")
    time.sleep(settle_s)
    cal = calibrate_span(device, zero, known_g, samples=samples, timeout_s=timeout_s)
    check = _samples(device, samples, timeout_s, "checking")
    verified = cal.grams(statistics.median(check))
    processor = device.processor
    tol = tolerance_g if tolerance_g is not None else max(2 * processor.division_g, 0.001 * known_g)
    if abs(verified - known_g) > tol:
        raise CalibrationFailed(f"check failed: the scale reads {verified:.1f} g for the {known_g:g} g test weight "
                                f"(allowed ±{tol:g} g); was the weight moved? try again")
    noise_g = max(zero.spread, max(check) - min(check)) / abs(cal.counts_per_g)
    path = device.set_calibration(cal)
    return CalibrationResult(cal, round(verified, 1), round(noise_g, 2), None if path is None else str(path))
