"""Errors shared by every device family. Each family's ``errors`` module subclasses these.

Every message says what the technician should do: plug something in, install a package, fix a config value. Each
class also has a builtin second base (the gpiozero habit), so callers may catch ``OSError`` or ``ImportError`` without
knowing about the hal.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class HalError(Exception):
    """Base class of every device error."""


class BadDeviceURL(HalError, ValueError):
    """A device URL in the config cannot be used (unknown scheme, missing or bad parameter)."""


class MissingLibrary(HalError, ImportError):
    """A driver needs a library that is not installed; the message says which package to install."""


class DeviceNotFound(HalError, FileNotFoundError):
    """The device is not there (not plugged in, wrong path, host unreachable)."""


class DeviceUnavailable(HalError, ConnectionError):
    """The device is there but does not answer, went away, or is used by someone else."""


class ProtocolError(HalError, ValueError):
    """The device sent something that does not follow its protocol (garbled, truncated, unexpected)."""


def require(module: str, install: str, why: str) -> ModuleType:
    """Import ``module`` lazily for a driver; if it is missing, say what to install instead of failing obscurely.

    ``install`` is the exact command or package ("apt install python3-picamera2", "pip install 'kiosk[pi]'"),
    ``why`` names the driver that needs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingLibrary(f"{why} needs the Python module {module!r}, which is not installed ({exc}). "
                             f"Install it with: {install}") from exc
