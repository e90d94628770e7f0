"""Errors of the barcode-scanner family. Each says what the technician should do about it.

They subclass the shared classes of :mod:`hal.errors`, so a caller may catch ``DeviceNotFound`` (or even
``FileNotFoundError``) without knowing which family raised it. The serial, HID and camera scanner drivers share them.
"""

from __future__ import annotations

from hal.errors import BadDeviceURL, DeviceNotFound, DeviceUnavailable, HalError, ProtocolError


class ScannerError(HalError):
    """Base class of every scanner error."""


class BadScannerURL(ScannerError, BadDeviceURL):
    """A scanner URL has an unknown parameter value (suffix, layout, timeout ...)."""


class ScannerNotFound(ScannerError, DeviceNotFound):
    """The scanner's device path does not exist: it is not plugged in, or the path in the config is wrong."""


class ScannerUnavailable(ScannerError, DeviceUnavailable):
    """The scanner is there but cannot be used: no permission, or another program has it open."""


class ScannerGrabbed(ScannerUnavailable):
    """Another program holds the HID scanner exclusively (EVIOCGRAB), so its keystrokes would not reach us."""


class BadRead(ScannerError, ProtocolError):
    """A read that is not a barcode (control characters, missing prefix, cut off); drivers report it as an
    ErrorEvent and keep reading, so it never reaches the lane as an exception."""


class SimulatorUnavailable(ScannerError, DeviceUnavailable):
    """A scanner simulator cannot run here (no /dev/uinput), or nothing reads from it."""
