"""``picamera2:0``: a Raspberry Pi camera module (CSI ribbon cable) through picamera2 and libcamera.

picamera2 comes from Raspberry Pi OS (``apt install python3-picamera2``), not from PyPI, and exists only on a Pi: it
is imported when the driver opens, and its absence is reported, never replaced by a simulator. The camera runs two
streams (PROTOCOLS.md 6.2): ``main`` in RGB888, whose arrays are B, G, R (OpenCV order) and serve colour frames and
JPEG stills, and a ``lores`` stream in YUV420, whose first ``lores_height`` rows are the Y plane: a greyscale
picture for free, which is what ``gray=1`` returns (the camera scanner asks for it). On a Pi 4 and older the lores
stream must be YUV, which is why it is YUV everywhere.

Parameters: ``width``/``height`` of main (default 1280x960), ``lores_width``/``lores_height`` (default 640x480, at
most the main size), ``gray=1``. The number after ``picamera2:`` is the camera (0 or 1 on a Pi 5 with two).
"""

from __future__ import annotations

import numpy as np

from hal.camera.base import Camera
from hal.camera.errors import CameraNotFound, CameraUnavailable
from hal.camera.frames import encode_jpeg
from hal.errors import BadDeviceURL, require


class Picamera2Camera(Camera):
    def __init__(self, url, listener=None, *, name=None):
        super().__init__(url, listener, name=name)
        number = (self.url.path or self.url.host or "0").strip("/") or "0"
        if not number.isdigit():
            raise BadDeviceURL(f"{self.url.raw}: the camera number must be 0, 1, ... (picamera2:0)")
        self.index = int(number)
        self.width = self.url.integer("width", 1280, lo=64, hi=9152)
        self.height = self.url.integer("height", 960, lo=64, hi=6944)
        self.lores_width = self.url.integer("lores_width", min(640, self.width), lo=64, hi=self.width)
        self.lores_height = self.url.integer("lores_height", min(480, self.height), lo=64, hi=self.height)
        self.grey = self.url.flag("gray", False)
        self._cam = None

    def _open_device(self) -> None:
        lib = require("picamera2", "apt install python3-picamera2 (Raspberry Pi OS; it is not on PyPI)",
                      "the picamera2: camera driver (Raspberry Pi camera modules)")
        try:
            cam = lib.Picamera2(camera_num=self.index)
        except (IndexError, RuntimeError, OSError) as exc:
            raise CameraNotFound(f"{self.url.raw}: no Raspberry Pi camera number {self.index} ({exc}). Check the "
                                 f"ribbon cable (contacts facing the right way, latch closed) and "
                                 f"`rpicam-hello --list-cameras`") from exc
        try:
            config = cam.create_preview_configuration(
                main={"size": (self.width, self.height), "format": "RGB888"},
                lores={"size": (self.lores_width, self.lores_height), "format": "YUV420"},
                buffer_count=4)
            cam.configure(config)
            cam.start()
        except Exception as exc:
            cam.close()
            raise CameraUnavailable(f"{self.url.raw}: the camera would not start with main "
                                    f"{self.width}x{self.height} and lores {self.lores_width}x{self.lores_height} "
                                    f"({exc}); is another program (rpicam-*, a second kiosk) using it?") from exc
        self._cam = cam

    def _close_device(self) -> None:
        cam, self._cam = self._cam, None
        if cam is not None:
            try:
                cam.stop()
            finally:
                cam.close()

    def _capture(self, stream: str) -> np.ndarray:
        if self._cam is None:
            raise CameraUnavailable(f"{self.name} is closed")
        try:
            return self._cam.capture_array(stream)
        except RuntimeError as exc:
            raise CameraUnavailable(f"{self.name}: capture failed ({exc})") from exc

    def frame(self) -> np.ndarray:
        if self.grey:
            return self._capture("lores")[:self.lores_height, :self.lores_width]
        return self._capture("main")

    def still_jpeg(self, quality: int = 85) -> bytes:
        return encode_jpeg(self._capture("main"), quality)
