"""``file:///path/*.png``: a camera made of image files, either a recording played back or a spool being written.

A recording (the default) is the sorted list of files matching the glob, played at ``fps`` (default 15): ``frame()``
returns the picture that is due now, as a camera running since ``open`` would, and starts again after the last one
(``loop=0``: the last picture stays and ``finished`` becomes true). ``fps=0`` returns the next file on every call,
to replay a recording exactly as fast as its reader takes it (tests, benchmarks).

With ``follow=1`` the directory is a spool that a producer keeps writing frames into, as the camera simulator does
(``hal.camera.sim``): each new file, in name order, is returned once, the newest picture stays until the next file
arrives, and the directory going away is an unplugged camera (OFFLINE until it is back). A producer must write each
frame under another name first and rename it, so that no half-written file matches the glob.

``gray=1`` returns (h, w) grey frames. Unreadable files (truncated, not an image) are skipped and counted.
"""

from __future__ import annotations

import glob
import logging
import os
import threading
import time

import cv2
import numpy as np

from hal import events as ev
from hal.camera.base import Camera
from hal.camera.errors import CameraNotFound, CameraUnavailable
from hal.camera.frames import encode_jpeg

log = logging.getLogger("hal.camera")


class FileCamera(Camera):
    def __init__(self, url, listener=None, *, name=None):
        super().__init__(url, listener, name=name)
        self.pattern = self.url.require_path("a glob of image files, e.g. file:///srv/frames/*.png")
        self.directory = os.path.dirname(self.pattern) or "."
        self.fps = self.url.number("fps", 15.0, lo=0, hi=1000)
        self.loop = self.url.flag("loop", True)
        self.follow = self.url.flag("follow", False)
        self.grey = self.url.flag("gray", False)
        self.files: list[str] = []
        self.finished = False
        self.frames_read = 0            # files decoded into frames
        self.skipped = 0                # files that could not be read
        self.last_file: str | None = None
        self._index = -1
        self._current: np.ndarray | None = None
        self._pending: list[str] = []
        self._t0 = 0.0
        self._frame_lock = threading.Lock()

    def _open_device(self) -> None:
        self.files = sorted(glob.glob(self.pattern))
        self._index, self._current, self._pending, self.finished = -1, None, [], False
        self.last_file = None
        if self.follow:
            if not os.path.isdir(self.directory):
                raise CameraNotFound(f"{self.url.raw}: the directory {self.directory} does not exist; start the "
                                     f"program that writes the frames (for example `kiosk sim camera`) or fix the path")
            # A camera shows what is in front of it now: start with the newest frame, not the spool's backlog.
            self._pending = self.files[-1:]
            self.last_file = self.files[-2] if len(self.files) > 1 else None
        elif not self.files:
            raise CameraNotFound(f"{self.url.raw}: no image files match {self.pattern}; check the path and the "
                                 f"pattern (for example file:///srv/frames/*.png)")
        self._t0 = time.monotonic()

    def _close_device(self) -> None:
        self._current = None

    # ----------------------------------------------------------------------------------------------- frames

    def frame(self) -> np.ndarray:
        with self._frame_lock:
            if not self._is_open:
                raise CameraUnavailable(f"{self.name} is closed")
            if self.follow:
                return self._next_spooled()
            n = len(self.files)
            index = int((time.monotonic() - self._t0) * self.fps) if self.fps > 0 else self._index + 1
            if index >= n:
                if self.loop:
                    index %= n
                else:
                    index, self.finished = n - 1, True
            if index != self._index or self._current is None:
                self._index = index
                self._take(self.files[index])
            if self._current is None:
                raise CameraUnavailable(f"{self.url.raw}: none of the files read so far is an image")
            return self._current

    def still_jpeg(self, quality: int = 85) -> bytes:
        # A still must not use up a frame of the sequence (the scanner may be reading the same camera).
        current = self._current
        return encode_jpeg(current if current is not None else self.frame(), quality)

    def _next_spooled(self) -> np.ndarray:
        failed = False
        for _ in range(2):
            if not self._pending:
                self._pending = self._spool_files()
            while self._pending:
                path = self._pending.pop(0)
                self.last_file = path
                if self._take(path):
                    return self._current
                failed = True
            if not failed:
                break
            # A file vanished before we read it: a slow reader (the producer keeps only the newest files) or the
            # whole directory gone; look again, which also tells which.
        if self._current is None:
            raise CameraUnavailable(f"{self.url.raw}: no frame has been written to {self.directory} yet")
        return self._current

    def _spool_files(self) -> list[str]:
        if not os.path.isdir(self.directory):
            self.set_status(ev.OFFLINE, f"the frame directory {self.directory} is gone")
            raise CameraUnavailable(f"{self.url.raw}: the frame directory {self.directory} is gone; is the "
                                    f"program writing the frames still running?")
        if self.status == ev.OFFLINE:
            self.set_status(ev.ONLINE)
        last = self.last_file
        return [f for f in sorted(glob.glob(self.pattern)) if last is None or f > last]

    def _take(self, path: str) -> bool:
        """Decode one file into the current frame; False (current frame unchanged) if it is not an image."""
        try:
            with open(path, "rb") as f:
                data = np.frombuffer(f.read(), np.uint8)
        except OSError:              # deleted by the producer before we got to it
            data = None
        img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE if self.grey else cv2.IMREAD_COLOR) if data is not None \
            and data.size else None
        if img is None:
            self.skipped += 1
            log.debug("%s: skipped %s (not a readable image)", self.name, path)
            return False
        self._current = img
        self.frames_read += 1
        return True

    def health(self):
        h = super().health()
        h.info.update(files=len(self.files), frames_read=self.frames_read, skipped=self.skipped,
                      mode="follow" if self.follow else f"{self.fps:g} fps" + ("" if self.loop else ", once"))
        return h
