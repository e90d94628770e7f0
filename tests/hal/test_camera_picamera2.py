"""The picamera2 camera: reported, never replaced, when picamera2 is missing; streams set up per PROTOCOLS.md 6.2.

picamera2 exists only on a Raspberry Pi. The configuration test puts a stand-in ``picamera2`` module in front of
the driver that answers like the library (YUV420 arrays of shape (h * 3 / 2, w), the first h rows being Y).
"""

from __future__ import annotations

import sys
import types

import cv2
import numpy as np
import pytest

from hal.camera.errors import CameraNotFound
from hal.errors import MissingLibrary
from hal.registry import open_device


def test_without_picamera2_the_driver_says_to_install_it_from_apt(monkeypatch):
    monkeypatch.setitem(sys.modules, "picamera2", None)     # what an import sees when it is not installed
    with pytest.raises(MissingLibrary) as exc:
        open_device("camera", "picamera2:0")
    assert "apt install python3-picamera2" in str(exc.value)
    assert isinstance(exc.value, ImportError)


class StandInPicamera2:
    cameras = 1
    made: list["StandInPicamera2"] = []

    def __init__(self, camera_num=0):
        if camera_num >= self.cameras:
            raise IndexError("list index out of range")
        self.config = None
        self.started = self.closed = False
        StandInPicamera2.made.append(self)

    def create_preview_configuration(self, main, lores, buffer_count):
        return {"main": main, "lores": lores, "buffer_count": buffer_count}

    def configure(self, config):
        self.config = config

    def start(self):
        self.started = True

    def capture_array(self, stream):
        w, h = self.config[stream]["size"]
        if stream == "lores":
            yuv = np.full((h * 3 // 2, w), 128, np.uint8)     # U and V planes: grey
            yuv[:h] = np.arange(w, dtype=np.uint8) % 200      # Y plane: a ramp
            return yuv
        return np.full((h, w, 3), (10, 20, 30), np.uint8)

    def stop(self):
        self.started = False

    def close(self):
        self.closed = True


@pytest.fixture
def picamera2(monkeypatch):
    module = types.ModuleType("picamera2")
    module.Picamera2 = StandInPicamera2
    StandInPicamera2.made = []
    monkeypatch.setitem(sys.modules, "picamera2", module)
    return StandInPicamera2


def test_main_is_rgb888_lores_is_yuv420_and_grey_frames_are_the_y_plane(picamera2):
    with open_device("camera", "picamera2:0?width=1280&height=720&lores_width=320&lores_height=240&gray=1") as cam:
        made = picamera2.made[0]
        assert made.config["main"] == {"size": (1280, 720), "format": "RGB888"}
        assert made.config["lores"] == {"size": (320, 240), "format": "YUV420"}
        grey = cam.frame()
        assert grey.shape == (240, 320)
        assert grey[0, 199] == 199 and grey[-1, 5] == 5          # Y rows only, no chroma rows
        still = cv2.imdecode(np.frombuffer(cam.still_jpeg(90), np.uint8), cv2.IMREAD_COLOR)
        assert still.shape == (720, 1280, 3)                      # stills come from main, in colour
    assert made.closed and not made.started


def test_colour_frames_come_from_main_in_opencv_order(picamera2):
    with open_device("camera", "picamera2:0?width=640&height=480") as cam:
        frame = cam.frame()
    assert frame.shape == (480, 640, 3) and tuple(frame[0, 0]) == (10, 20, 30)


def test_a_camera_number_that_is_not_connected_points_at_the_ribbon_cable(picamera2):
    with pytest.raises(CameraNotFound, match="ribbon cable"):
        open_device("camera", "picamera2:1")
