"""``v4l2:///dev/video0?width=640&height=480``: a USB (UVC) camera through OpenCV's V4L2 backend.

Give the camera's ``/dev/v4l/by-id/...-video-index0`` path in the config, so it keeps its name when it is replugged
into another port. A reader thread takes every frame the camera delivers and keeps only the newest, so ``frame()``
never returns a picture that waited in the driver's queue. When reads fail (the camera was pulled out) the
:class:`hal.base.Reconnector` reports OFFLINE after a short debounce, waits for the device node to come back and
reopens it; meanwhile ``frame()`` raises :class:`CameraUnavailable`.

Parameters: ``width``, ``height`` (asked of the camera; it may choose the nearest size it supports), ``fps``,
``fourcc`` (for example ``MJPG``, which many UVC cameras need for 30 frames/s at 1280x720) and ``gray=1``.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, Callable

import cv2
import numpy as np

from hal.base import Reconnector
from hal.camera.base import Camera
from hal.camera.errors import CameraNotFound, CameraUnavailable
from hal.camera.frames import encode_jpeg, to_grey
from hal.errors import BadDeviceURL


def open_v4l2(path: str, width: int, height: int, fps: float, fourcc: str | None = None) -> Any:
    """Open a V4L2 device with OpenCV (an object with isOpened/read/release, as ``cv2.VideoCapture``)."""
    real = os.path.realpath(path)
    # OpenCV's V4L2 backend opens /dev/videoN by index; the by-id symlink resolves to it.
    m = re.fullmatch(r"/dev/video(\d+)", real)
    cap = cv2.VideoCapture(int(m.group(1)) if m else real, cv2.CAP_V4L2)
    if cap.isOpened():
        if fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)     # a short queue: the newest frame, not a second-old one
    return cap


class V4l2Camera(Camera):
    """``capture`` replaces :func:`open_v4l2` (same signature), for a capture source other than a V4L2 node."""

    def __init__(self, url, listener=None, *, name=None, capture: Callable[..., Any] | None = None):
        super().__init__(url, listener, name=name)
        self.path = self.url.require_path("the camera's device node, e.g. v4l2:///dev/v4l/by-id/usb-...-video-index0")
        self.width = self.url.integer("width", 640, lo=16, hi=8192)
        self.height = self.url.integer("height", 480, lo=16, hi=8192)
        self.fps = self.url.number("fps", 30.0, lo=1, hi=240)
        self.fourcc = self.url.text("fourcc")
        if self.fourcc is not None and len(self.fourcc) != 4:
            raise BadDeviceURL(f"{self.url.raw}: fourcc={self.fourcc!r} must be four characters, e.g. MJPG")
        self.grey = self.url.flag("gray", False)
        self.open_capture = capture or open_v4l2
        self.frames_read = 0
        self._latest: np.ndarray | None = None
        self._new_frame = threading.Condition()
        self._reconnector: Reconnector | None = None

    def _open_device(self) -> None:
        if not os.path.exists(self.path):
            raise CameraNotFound(f"{self.url.raw}: there is no camera at {self.path}. Plug in the USB camera, then "
                                 f"look for it with `v4l2-ctl --list-devices` or `ls /dev/v4l/by-id/` and put "
                                 f"that path in the config")
        first = self._connect()
        self._reconnector = Reconnector(self, connect=self._connect, run=self._read_frames,
                                        disconnect=self._disconnect, exists=lambda: os.path.exists(self.path),
                                        debounce_s=0.5, poll_s=0.1)
        self._reconnector.start(first)

    def _close_device(self) -> None:
        if self._reconnector is not None:
            self._reconnector.stop()
            self._reconnector = None
        with self._new_frame:
            self._latest = None
            self._new_frame.notify_all()

    def _connect(self):
        cap = self.open_capture(self.path, self.width, self.height, self.fps, self.fourcc)
        if not cap.isOpened():
            cap.release()
            raise CameraUnavailable(f"{self.url.raw}: {self.path} is there but cannot be opened as a camera. Is "
                                    f"another program using it (`fuser {self.path}`)? Is this user in the group "
                                    f"video? Is it a capture node (`v4l2-ctl -d {self.path} --all`)?")
        # A node that opens but delivers nothing (a metadata node, a camera in a bad state) is no camera: fail here,
        # so that the Reconnector counts it as "not back yet" rather than reconnecting in a loop.
        ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            raise CameraUnavailable(f"{self.url.raw}: {self.path} opened but delivered no frame; if it is a "
                                    f"by-id path, take the one ending in -video-index0")
        self._keep(frame)
        return cap

    def _read_frames(self, cap) -> None:
        stopping = self._reconnector.stopping if self._reconnector else threading.Event()
        while not stopping.is_set():
            ok, frame = cap.read()      # blocks for one frame period at most
            if not ok or frame is None:
                raise CameraUnavailable(f"{self.path} stopped delivering frames (unplugged?)")
            self._keep(frame)

    def _disconnect(self, cap) -> None:
        cap.release()
        with self._new_frame:
            self._latest = None         # an old picture must not pass for what the camera sees now

    def _keep(self, frame: np.ndarray) -> None:
        if self.grey:
            frame = to_grey(frame)
        with self._new_frame:
            self._latest = frame
            self.frames_read += 1
            self._new_frame.notify_all()

    # ----------------------------------------------------------------------------------------------- frames

    def frame(self, timeout: float = 1.0) -> np.ndarray:
        """The newest frame; waits up to ``timeout`` s for one after a (re)connect, else CameraUnavailable."""
        with self._new_frame:
            if self._latest is None and self._is_open:
                self._new_frame.wait_for(lambda: self._latest is not None or not self._is_open, timeout)
            if self._latest is None:
                raise CameraUnavailable(f"{self.name}: no frame from {self.path} "
                                        f"({self.status_detail or self.status})")
            return self._latest

    def still_jpeg(self, quality: int = 85) -> bytes:
        return encode_jpeg(self.frame(), quality)

    def health(self):
        h = super().health()
        latest = self._latest
        h.info.update(frames_read=self.frames_read, size=None if latest is None else latest.shape[1::-1],
                      reconnects=self._reconnector.reconnects if self._reconnector else 0)
        return h
