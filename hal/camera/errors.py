"""Camera errors. Each says what to plug in, install or check; the builtin second base comes from hal.errors."""

from __future__ import annotations

from hal.errors import DeviceNotFound, DeviceUnavailable, HalError


class CameraError(HalError):
    """Base class of the camera errors."""


class CameraNotFound(CameraError, DeviceNotFound):
    """No camera (or no image files) where the URL points."""


class CameraUnavailable(CameraError, DeviceUnavailable):
    """The camera is there but gives no frames: busy, unplugged a moment ago, or not a camera."""
