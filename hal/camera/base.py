"""The camera interface: frames for the camera scanner and stills (JPEG) for attendant alerts.

``frame()`` returns the latest frame as a numpy array, (h, w, 3) uint8 in BGR order (OpenCV's), or (h, w) grey when
the driver was opened with ``gray=1``. ``still_jpeg()`` encodes one frame as JPEG bytes.
"""

from __future__ import annotations

from hal.base import Device


class Camera(Device):
    family = "camera"

    def frame(self):
        raise NotImplementedError

    def still_jpeg(self, quality: int = 85) -> bytes:
        raise NotImplementedError
