"""Errors of the receipt printer family; each says what to plug in, install or configure.

They subclass the shared classes of :mod:`hal.errors` (and through them a builtin), so the lane can catch
``DeviceNotFound`` or plain ``OSError`` without knowing the printer. Job outcomes (paper out, cover open) are not
errors: ``print_job`` reports them in its :class:`~hal.printer.base.JobResult`.
"""

from __future__ import annotations

from hal.errors import BadDeviceURL, DeviceNotFound, DeviceUnavailable, HalError


class BadPrinterOption(BadDeviceURL):
    """A printer option in the URL or the config is unknown or out of range."""


class PrinterNotFound(DeviceNotFound):
    """No printer at the configured address: not plugged in, switched off, wrong path, host or port."""


class PrinterBusy(DeviceUnavailable):
    """The printer is there but cannot be claimed: another driver (usblp) or program holds it, or no permission."""


class RenderError(HalError, ValueError):
    """Receipt content that cannot become ESC/POS: a bad barcode, an image too wide, a code page the profile lacks."""
