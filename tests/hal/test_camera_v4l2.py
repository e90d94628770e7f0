"""The V4L2 camera: a missing camera says what to plug in, a pulled camera goes OFFLINE and comes back.

This machine has no /dev/video*; the hot-plug test gives the driver a capture source (its ``capture=`` option)
that reads a picture file standing in for the device node: deleting the file is pulling the camera out.
"""

from __future__ import annotations

import os
import time

import cv2
import numpy as np
import pytest

from hal import events as ev
from hal.camera.errors import CameraNotFound, CameraUnavailable
from hal.camera.v4l2 import V4l2Camera
from hal.errors import BadDeviceURL, DeviceNotFound, DeviceUnavailable
from hal.registry import open_device
from halkit import wait_for


def test_a_missing_camera_says_what_to_plug_in(tmp_path):
    with pytest.raises(CameraNotFound) as exc:
        open_device("camera", f"v4l2://{tmp_path}/video0")
    assert isinstance(exc.value, DeviceNotFound)
    assert "Plug in the USB camera" in str(exc.value) and "v4l2-ctl --list-devices" in str(exc.value)


def test_a_node_that_is_not_a_camera_is_reported_by_opencv_as_unusable(tmp_path):
    node = tmp_path / "video0"
    node.write_bytes(b"")
    with pytest.raises(CameraUnavailable) as exc:
        open_device("camera", f"v4l2://{node}")          # the real OpenCV V4L2 backend
    assert isinstance(exc.value, DeviceUnavailable)
    assert "cannot be opened" in str(exc.value)


def test_a_bad_fourcc_is_a_config_error():
    with pytest.raises(BadDeviceURL):
        open_device("camera", "v4l2:///dev/video0?fourcc=MJPEG")


class PictureNode:
    """A capture source with cv2.VideoCapture's interface, reading a picture file as a camera delivers frames."""

    def __init__(self, path, width, height, fps, fourcc=None):
        self.path, self.period = path, 1.0 / fps
        self.opened = os.path.exists(path)

    def isOpened(self):
        return self.opened

    def read(self):
        time.sleep(self.period)
        frame = cv2.imread(self.path) if os.path.exists(self.path) else None
        return frame is not None, frame

    def release(self):
        self.opened = False


def test_a_pulled_camera_goes_offline_and_comes_back_when_replugged(tmp_path, lane):
    node = str(tmp_path / "usb-Logitech_C270-video-index0.png")
    assert cv2.imwrite(node, np.full((120, 160, 3), 200, np.uint8))
    cam = V4l2Camera(f"v4l2://{node}?fps=50&gray=1", lane, capture=PictureNode).open()
    try:
        assert cam.frame().shape == (120, 160)
        os.unlink(node)                                          # pulled out
        wait_for(lambda: cam.status == ev.OFFLINE, what="OFFLINE")
        with pytest.raises(CameraUnavailable):
            cam.frame(timeout=0.05)
        assert not cam.health().ok
        assert cv2.imwrite(node, np.full((120, 160, 3), 90, np.uint8))   # plugged in again
        wait_for(lambda: cam.status == ev.ONLINE, what="ONLINE again")
        assert int(cam.frame()[0, 0]) == 90
        assert cam.health().info["reconnects"] == 1
    finally:
        cam.close()
    assert lane.statuses() == [ev.ONLINE, ev.OFFLINE, ev.ONLINE]


def test_a_short_glitch_is_not_reported(tmp_path, lane):
    node = str(tmp_path / "video-index0.png")
    assert cv2.imwrite(node, np.full((60, 80, 3), 50, np.uint8))
    cam = V4l2Camera(f"v4l2://{node}?fps=100", lane, capture=PictureNode).open()
    def lost():
        try:
            cam.frame(timeout=0)
        except CameraUnavailable:
            return True
        return False

    try:
        data = open(node, "rb").read()
        os.unlink(node)
        wait_for(lost, what="the driver noticing the camera is gone")
        with open(node, "wb") as f:                  # back well within the 0.5 s debounce
            f.write(data)
        wait_for(lambda: cam.health().info["reconnects"] == 1, what="the reconnection")
        assert cam.frame() is not None
    finally:
        cam.close()
    assert lane.statuses() == [ev.ONLINE]
