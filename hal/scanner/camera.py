"""``camera:?device=v4l2:///dev/video0&decoder=zxing&fps=15``: a barcode scanner made of a camera and a decoder.

A thread takes frames from a camera device (opened from ``device=`` through the registry, so any camera URL works,
``sim:`` included), decodes each new frame in grey (:mod:`hal.scanner.decode`) and reports every code as
:class:`hal.events.ScanData` with source ``"camera"``. A camera sees the same packet in many frames in a row, so
:class:`InView` reports a code once while it stays in view: after it has been read in ``confirm`` frames (default 2:
a misread of a blurred frame seldom repeats with the same digits), and again only after it has been missing from
the frames for ``gone`` seconds' worth of frames (default 1 s).

Parameters: ``device`` (required), ``decoder`` (``zbar``, the default, or ``zxing``), ``symbologies`` (``retail``
or ``all``), ``fps`` (frames decoded per second at most, default 15), ``gone``, ``confirm``. Any other parameter
belongs to the camera URL: ``camera:?device=v4l2:///dev/video0&width=1280&height=720`` opens
``v4l2:///dev/video0?width=1280&height=720``. A camera parameter the scanner also has goes inside ``device=``,
before the first ``&``: ``camera:?device=v4l2:///dev/video0?fps=30&fps=15`` runs the camera at 30 and decodes 15
frames per second. The camera is asked for grey frames (``gray=1``) unless the URL says otherwise; picamera2 then
gives its Y plane without any conversion. The camera's OFFLINE/ONLINE become the scanner's.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from hal import events as ev
from hal.camera.frames import to_grey
from hal.errors import BadDeviceURL, DeviceUnavailable
from hal.registry import open_device
from hal.scanner.base import Scanner
from hal.scanner.decode import DECODERS, SYMBOLOGY_SETS, Decoded, make_decoder
from hal.url import parse

log = logging.getLogger("hal.scanner.camera")

# Measured with `python bench/bench_camera.py` (this repository's development machine, AMD EPYC, one thread; 640x480
# frames; symbologies "retail"; 300 EAN-13 frames of every size, angle, noise and blur plus 100 empty ones; then 120
# packets moved through the picture, read through InView with confirm=2):
#                  frames/s    EAN-13 frames read   wrong reads   packets scanned   wrong codes reported
#   zxing-cpp      143 - 165          60.0 %              0             86.7 %                0
#   zbar (pyzbar)   55 -  58          73.7 %              1             98.3 %                0
# (frames/s over three runs). zxing-cpp is 2.5 to 3 times as fast but does not decode as well: ZBar reads more of
# the blurred, smeared and steeply turned frames, and scanned 98 % of the passing packets against 87 %. So ZBar is
# the default. It keeps up with 15 frames/s with room to spare but misses the bench's 100 frames/s target, and it
# reads no Data Matrix: choose decoder=zxing where GS1 DataMatrix matters or the CPU is short.
DEFAULT_DECODER = "zbar"

_OWN = ("device", "decoder", "symbologies", "fps", "gone", "confirm")


@dataclass
class _Seen:
    reads: int = 0
    last: int = 0
    reported: bool = False


class InView:
    """The codes in view, frame after frame: which ones to report now.

    A code is reported when it has been read in ``confirm`` frames, then not again while it stays in view; once it
    has been missing from ``gone`` frames in a row it is forgotten, and reported again when it is next confirmed.
    A frame in which a code is not read (blur, a hand over it) does not make it gone.
    """

    def __init__(self, confirm: int = 2, gone: int = 15):
        self.confirm, self.gone = confirm, gone
        self.frame = 0
        self._codes: dict[str, _Seen] = {}

    def update(self, found: list[Decoded]) -> list[Decoded]:
        self.frame += 1
        report = []
        for d in found:
            seen = self._codes.setdefault(d.data, _Seen())
            if seen.last == self.frame:          # the same code twice in one frame (two labels on a packet)
                continue
            seen.reads += 1
            seen.last = self.frame
            if not seen.reported and seen.reads >= self.confirm:
                seen.reported = True
                report.append(d)
        for data in [k for k, s in self._codes.items() if self.frame - s.last >= self.gone]:
            del self._codes[data]
        return report

    def clear(self) -> None:
        self._codes.clear()

    @property
    def codes(self) -> list[str]:
        return [k for k, s in self._codes.items() if s.reported]


def camera_url(device: str, extra: dict[str, str]) -> str:
    """The camera's URL: ``device`` plus the parameters the scanner does not know, grey frames unless told."""
    params = dict(extra)
    if "gray" not in parse(device).params and "gray" not in params:
        params["gray"] = "1"
    if not params:
        return device
    return device + ("&" if "?" in device else "?") + urlencode(params)


class CameraScanner(Scanner):
    def __init__(self, url, listener=None, *, name=None):
        super().__init__(url, listener, name=name)
        device = self.url.text("device")
        if not device:
            raise BadDeviceURL(f"{self.url.raw}: say which camera to read, e.g. camera:?device=v4l2:///dev/video0 "
                               f"or camera:?device=picamera2:0")
        self.decoder_name = self.url.text("decoder", DEFAULT_DECODER)
        if self.decoder_name not in DECODERS:
            raise BadDeviceURL(f"{self.url.raw}: decoder={self.decoder_name!r}; use one of {', '.join(DECODERS)}")
        self.symbologies = self.url.text("symbologies", "retail")
        if self.symbologies not in SYMBOLOGY_SETS:
            raise BadDeviceURL(f"{self.url.raw}: symbologies={self.symbologies!r}; use one of "
                               f"{', '.join(SYMBOLOGY_SETS)}")
        self.fps = self.url.number("fps", 15.0, lo=1, hi=120)
        gone_s = self.url.number("gone", 1.0, lo=0.05, hi=60)
        self.gone_frames = max(2, math.ceil(gone_s * self.fps))
        self.confirm = self.url.integer("confirm", 2, lo=1, hi=10)
        self.camera_url = camera_url(device, {k: v for k, v in self.url.params.items() if k not in _OWN})
        self.camera = None
        self.decoder = None
        self.frames = 0                 # new frames taken from the camera since open
        self.decode_ms = 0.0            # moving average of the time to decode one frame
        self.in_view = InView(self.confirm, self.gone_frames)
        self._stop = threading.Event()
        self._forget = threading.Event()
        self._thread: threading.Thread | None = None

    def _open_device(self) -> None:
        # The decoder first: a missing library is reported before the camera is touched.
        self.decoder = make_decoder(self.decoder_name, self.symbologies)
        self.camera = open_device("camera", self.camera_url, self._camera_event, name=f"{self.name}/camera")
        self.in_view = InView(self.confirm, self.gone_frames)
        self.frames = 0
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"scanner:{self.name}")
        self._thread.start()

    def _close_device(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None
        camera, self.camera = self.camera, None
        if camera is not None:
            camera.close()

    def enable(self, on: bool = True) -> None:
        super().enable(on)
        # While disabled no frame is decoded, so what was in view is unknown: the reader thread starts afresh
        # (it owns ``in_view``; clearing it from here could race with its update).
        self._forget.set()

    def _camera_event(self, event: object) -> None:
        if isinstance(event, ev.StatusUpdate) and event.status in (ev.ONLINE, ev.OFFLINE, ev.ERROR):
            if self._is_open or event.status != ev.ONLINE:
                self.set_status(event.status, f"camera: {event.detail}" if event.detail else "")
        elif isinstance(event, ev.ErrorEvent):
            self.emit(ev.ErrorEvent("scanner", self.name, f"camera: {event.message}", event.t))

    def _run(self) -> None:
        period = 1.0 / self.fps
        due = time.monotonic()
        last = None
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            due = max(due + period, time.monotonic())
            camera = self.camera
            if camera is None:
                return
            try:
                frame = camera.frame()
            except DeviceUnavailable:
                continue                  # offline: the camera reports it, and we ask again next period
            if frame is last:
                continue                  # no new picture since the last one
            last = frame
            self.frames += 1
            if self._forget.is_set():
                self._forget.clear()
                self.in_view.clear()
            if not self.enabled:
                continue
            try:
                t0 = time.perf_counter()
                found = self.decoder.decode(to_grey(frame))
                ms = (time.perf_counter() - t0) * 1000
            except Exception:             # a decoder bug must not end the scanner
                log.exception("%s: decoding a frame failed", self.name)
                continue
            self.decode_ms = ms if not self.decode_ms else 0.9 * self.decode_ms + 0.1 * ms
            for code in self.in_view.update(found):
                self.emit(ev.ScanData(code.data, code.aim, "camera", time.monotonic()))

    def health(self):
        h = super().health()
        h.info.update(decoder=self.decoder_name, frames=self.frames, decode_ms=round(self.decode_ms, 2),
                      camera=self.camera_url)
        return h
