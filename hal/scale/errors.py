"""Errors of the scale family. Each says what the shopper, the attendant or the technician should do next.

The produce-scale errors (Dialog 06 status codes) carry two texts: ``shopper`` for the lane's screen and the
exception message for the attendant and the log.
"""

from __future__ import annotations

from hal.errors import DeviceNotFound, DeviceUnavailable, HalError, ProtocolError


class ScaleError(HalError, RuntimeError):
    """A scale refused or could not carry out an operation."""


class ScaleNotFound(ScaleError, DeviceNotFound):
    """The scale's serial port or GPIO chip is not there."""


class ScaleNotAnswering(ScaleError, DeviceUnavailable):
    """The scale is connected but does not answer (in time)."""


class ScaleProtocolError(ScaleError, ProtocolError):
    """The scale sent something that its protocol does not allow."""


class NotCalibrated(ScaleError):
    """An ADC scale has no calibration yet: run ``kiosk calibrate scale``."""


class ScaleMoving(ScaleError):
    """The operation needs the scale at rest (zero, tare, calibration)."""


class OutOfZeroRange(ScaleError, ValueError):
    """Zeroing would move the zero further than the scale allows: something is on the platform."""


class CalibrationFailed(ScaleError):
    """The calibration procedure could not produce a trustworthy calibration."""


class ProduceScaleError(ScaleError):
    """The produce scale answered a weighing with an error status (Dialog 06 record 09)."""

    code = "01"
    shopper = "The scale could not weigh this item. Please ask a member of staff."

    def __init__(self, message: str, code: str | None = None, shopper: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        if shopper is not None:
            self.shopper = shopper


class ProduceScaleMotion(ProduceScaleError):
    """The item did not come to rest on the scale in time (status 20/22)."""
    code = "20"
    shopper = "Please hold still: the scale is still moving."


class NoWeightChange(ProduceScaleError):
    """The scale needs the weight to change (or go back to zero) between two weighings (status 21)."""
    code = "21"
    shopper = "Please take the item off the scale and put it back on."


class BelowMinimum(ProduceScaleError):
    """Below the scale's minimum weight (status 30)."""
    code = "30"
    shopper = "Please put the item on the scale. If it is on the scale, it is too light to be weighed here."


class BelowZero(ProduceScaleError):
    """The scale reads below zero (status 31): the pan was lifted or the zero is wrong."""
    code = "31"
    shopper = "Please take everything off the scale and wait a moment."


class ProduceOverload(ProduceScaleError):
    """Above the scale's capacity (status 32)."""
    code = "32"
    shopper = "This is too heavy for the scale. Please weigh it in smaller portions."


class RecordRejected(ProduceScaleError):
    """The scale rejected the price, tare or text record (status 10..13): a configuration or catalog problem."""
    code = "10"
    shopper = "This item cannot be weighed here. Please ask a member of staff."


class ChecksumRequired(ProduceScaleError):
    """The scale asks for the Dialog 06 software checksum (records 10/11) and no provider is configured."""
    code = "11"
    shopper = "The scale is locked. Please ask a member of staff."
