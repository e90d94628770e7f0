"""Lane light errors. Each says what to install, wire or configure; the builtin second base comes from hal.errors."""

from __future__ import annotations

from hal.errors import BadDeviceURL, DeviceUnavailable, HalError, MissingLibrary


class LightError(HalError):
    """Base class of the lane light errors."""


class NoPinLibrary(LightError, MissingLibrary):
    """No GPIO library can drive the pins here (not a Raspberry Pi, or lgpio not installed)."""


class BadPins(LightError, BadDeviceURL):
    """The pins in the light's URL are missing, repeated or not GPIO pins of this board."""


class PinsBusy(LightError, DeviceUnavailable):
    """A lamp's pin cannot be claimed (used by another program, or no permission on /dev/gpiochip*)."""
