"""The scale interfaces: the bagging-area scale (:class:`Scale`) and the legal-for-trade produce scale.

A bagging-area driver produces raw readings (ADC counts for the HX711, grams for serial scales) and hands each to its
:class:`hal.scale.processing.ScaleProcessor`, which is shared by every driver: calibration, tare, zero tracking while
empty, stability detection, and the events STABLE / UNSTABLE / OVERWEIGHT / UNDER_ZERO (:class:`hal.events.WeightEvent`)
sent to the listener. ``weight()`` is the latest processed reading (at rest: the mean of the stability window).

A produce scale (Dialog 06) is legal-for-trade: the scale, not the lane, computes the price; ``weigh(...)`` returns
weight, unit price and amount as the scale reports them.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.base import Device


@dataclass(frozen=True)
class Reading:
    grams: float           # net weight after calibration and tare
    stable: bool
    t: float


class Scale(Device):
    """A bagging-area scale. The defaults below work on the driver's processor; a serial scale that zeroes and
    tares itself overrides ``zero``/``tare``/``clear_tare`` to send its commands.

    ``needs_calibration`` is True for ADC scales (counts, not grams); they load their :class:`Calibration` from
    ``calibration_path`` and ``set_calibration`` saves a new one there (used by ``kiosk calibrate scale``).
    """

    family = "scale"
    processor = None       # hal.scale.processing.ScaleProcessor, set by the driver
    needs_calibration = False
    calibration_path = None

    def weight(self) -> Reading | None:
        return self.processor.weight() if self.processor is not None else None

    def tare(self) -> None:
        self.processor.tare()

    def clear_tare(self) -> None:
        self.processor.clear_tare()

    def zero(self) -> None:
        self.processor.zero()

    def hold_zero_tracking(self, hold: bool = True) -> None:
        """The lane expects an item: zero tracking must not absorb it (PROTOCOLS.md 2.2)."""
        if self.processor is not None:
            self.processor.hold_zero_tracking(hold)

    def calibration_tags(self) -> dict:
        """What a calibration of this scale is valid for (channel, gain ...), stored with it."""
        return {}

    def set_calibration(self, calibration, save: bool = True):
        """Apply a new calibration and save it to ``calibration_path``; returns the path saved to (or None)."""
        path = None
        if save and self.calibration_path:
            calibration.save(self.calibration_path)
            path = self.calibration_path
        self.processor.set_calibration(calibration)
        return path


@dataclass(frozen=True)
class Weighing:
    grams: int
    unit_price_cents: int  # per kg
    amount_cents: int


class ProduceScale(Device):
    family = "scale"

    def weigh(self, unit_price_cents: int, tare_g: int = 0, text: str = "") -> Weighing:
        raise NotImplementedError
