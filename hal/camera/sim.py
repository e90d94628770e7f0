"""The camera simulator: a camera that writes what it sees as PNG files into a spool directory.

For a camera the real boundary is pictures, so the simulator is a producer of image files and the real
``file://`` driver (``follow=1``) reads them: ``sim:`` starts :class:`CameraSim` in a fresh temporary directory and
opens :class:`hal.camera.files.FileCamera` on it. The simulated scene comes from :mod:`hal.camera.scene`: the
counter with sensor noise, and products moved through the picture on command (``scan 4006381333931``), so a camera
scanner reading this camera decodes real bars. ``kiosk sim camera`` runs the same simulator standalone; its address
is the ``file://`` URL another process opens.

Frames are written at ``fps`` whether or not anything happens, as a camera delivers them. While the scene is empty
the files are hard links to a few pictures rendered once, so an idle simulator costs almost nothing and writes no
image data (the demo lane may run for hours on an SD card). Only the newest ``keep`` files are kept.
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
import tempfile
import threading
import time
from typing import Any

import cv2
import numpy as np

from hal.camera.files import FileCamera
from hal.camera.scene import Product, Scene, make_product, with_check_digit
from hal.sim import Simulator, open_with
from hal.url import DeviceURL

log = logging.getLogger("hal.camera.sim")

_IDLE_PICTURES = 4


class CameraSim(Simulator):
    name = "camera"
    COMMANDS = {
        "scan CODE": "a packet with EAN-13/EAN-8 CODE is moved into view, held still a moment, moved out",
        "show CODE": "a packet with CODE is moved into view and stays there",
        "clear": "the packet in view is taken away",
        "garbled [CODE]": "a packet whose label is smudged passes (no code may be read from it)",
        "blank [FRAMES]": "the lens is covered for a moment (dark frames)",
        "unplug": "the frame directory disappears (the driver reports OFFLINE)",
        "replug": "the frame directory is back",
        "state": "what is in view, frames written",
    }

    def __init__(self, *, width: int = 640, height: int = 480, fps: float = 15.0, seed: int = 0, module: int = 3,
                 hold: int | None = None, move: int | None = None, keep: int = 150, directory: str | None = None):
        super().__init__()
        self.width, self.height, self.fps = int(width), int(height), float(fps)
        self.module = int(module)
        # A shopper holds a packet under a scanner window for about half a second; at least a few frames.
        self.hold = int(hold) if hold is not None else max(4, round(self.fps * 0.5))
        self.move = int(move) if move is not None else max(3, round(self.fps * 0.4))
        self.keep = int(keep)
        self.scene = Scene(self.width, self.height, seed=int(seed))
        self.written = 0
        self.last_written: str | None = None
        self.scene_end: str | None = None    # file name of the last frame of the latest scripted scene
        self._dir_given = directory
        self.dir: str | None = None
        self._script: collections.deque = collections.deque()   # (product or None, render args, blank)
        self._held: Product | None = None
        self._files: collections.deque[str] = collections.deque()
        self._idle: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._unplugged = False
        self._thread: threading.Thread | None = None

    # -------------------------------------------------------------------------------------------- lifecycle

    @property
    def pattern(self) -> str:
        return os.path.join(self.dir or "", "*.png")

    def start(self) -> str:
        if self.running:
            return self.address
        self.dir = self._dir_given or tempfile.mkdtemp(prefix="kiosk-camera-")
        os.makedirs(self.dir, exist_ok=True)
        pool = os.path.join(self.dir, "idle")   # outside the glob: the driver never reads these directly
        os.makedirs(pool, exist_ok=True)
        self._idle = []
        for i in range(_IDLE_PICTURES):
            path = os.path.join(pool, f"idle-{i}.png")
            self._write_png(path, self.scene.render())
            self._idle.append(path)
        self._stop.clear()
        self._tick()                              # a first frame, so that a driver opened right away has one
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"camera-sim:{self.dir}")
        self._thread.start()
        self.running = True
        self.address = f"file://{self.pattern}?follow=1"
        self.record(f"start {self.address}")
        return self.address

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None
        if self.running:
            self.record("stop")
        self.running = False
        if self.dir and self._dir_given is None:
            shutil.rmtree(self.dir, ignore_errors=True)
            shutil.rmtree(self.dir + ".unplugged", ignore_errors=True)

    @property
    def idle(self) -> bool:
        """No scripted scene is playing (the picture is empty or a packet is held still)."""
        with self._lock:
            return not self._script

    # ----------------------------------------------------------------------------------------- the producer

    def _run(self) -> None:
        period = 1.0 / self.fps
        due = time.monotonic() + period
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            try:
                self._tick()
            except OSError as exc:               # the directory was removed under us (unplug)
                log.debug("camera sim: %s", exc)
            now = time.monotonic()
            # Behind by more than a frame (a loaded machine): drop the lost frames rather than burst them out.
            due = max(due + period, now)

    def _tick(self) -> None:
        # Under the lock: a scripted frame is taken and written in one step (``idle`` then means "all written"),
        # and unplug cannot move the directory away in the middle of a write.
        with self._lock:
            if not self._unplugged:
                self._write_next()

    def _write_next(self) -> None:
        step = self._script.popleft() if self._script else None
        last_of_scene = step is not None and not self._script
        held = self._held
        name = os.path.join(self.dir, f"frame-{self.written + 1:09d}.png")
        tmp = os.path.join(self.dir, f".frame-{self.written + 1:09d}.tmp")
        if step is not None:
            product, args, blank = step
            picture = self.scene.blank() if blank else self.scene.render(product, **args)
            self._write_png(tmp, picture)
        elif held is not None:
            self._write_png(tmp, self.scene.render(held))
        else:
            os.link(self._idle[self.written % len(self._idle)], tmp)
        os.replace(tmp, name)
        self.written += 1
        self.last_written = name
        if last_of_scene:
            self.scene_end = name
        self._files.append(name)
        while len(self._files) > self.keep:
            try:
                os.unlink(self._files.popleft())
            except FileNotFoundError:
                pass

    @staticmethod
    def _write_png(path: str, picture: np.ndarray) -> None:
        # Compression level 1: the files live a few seconds; a faster write matters more than a smaller file.
        ok, buf = cv2.imencode(".png", picture, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise OSError(f"could not encode a frame for {path}")
        with open(path, "wb") as f:
            f.write(buf.tobytes())

    def _play(self, steps: list[tuple[Product | None, dict, bool]], held: Product | None | str = "keep") -> None:
        with self._lock:
            self._script.extend(steps)
            if held != "keep":
                self._held = held

    # ------------------------------------------------------------------------------------------- commands

    def _product(self, code: str, damage: float = 0.0) -> Product:
        rng = np.random.default_rng(int(code[-6:]) if code.isdigit() else 0)
        colour = tuple(int(c) for c in rng.integers(30, 200, 3))
        return make_product(with_check_digit(code), self.module, colour, damage=damage, rng=rng)

    def _steps(self, product: Product, hold: int | None = None, leave: bool = True) -> list:
        args = self.scene.passing(product, self.move, self.hold if hold is None else hold,
                                  self.move if leave else 0)
        return [(product, a, False) for a in args]

    def do_scan(self, code: str) -> str:
        product = self._product(code)
        self.record(f"scan {product.code}")
        self._play(self._steps(product) + self._empty(3), held=None)
        return f"{product.code} passes the camera"

    def do_show(self, code: str) -> str:
        product = self._product(code)
        self.record(f"show {product.code}")
        self._play(self._steps(product, hold=1, leave=False), held=product)
        return f"{product.code} is in view"

    def do_clear(self) -> str:
        with self._lock:
            held, self._held = self._held, None
        if held is None:
            return "nothing in view"
        self.record("clear")
        out = self.scene.passing(held, 0, 0, self.move)
        self._play([(held, a, False) for a in out] + self._empty(3))
        return f"{held.code} taken away"

    def do_garbled(self, code: str = "4006381333931") -> str:
        product = self._product(code, damage=0.35)
        self.record(f"garbled {product.code}")
        self._play(self._steps(product) + self._empty(3), held=None)
        return "a smudged label passes"

    def do_blank(self, frames: str = "") -> str:
        n = int(frames) if frames else self.hold * 2
        self.record(f"blank {n}")
        self._play([(None, {}, True)] * n + self._empty(1))
        return f"lens covered for {n} frames"

    def do_unplug(self) -> str:
        with self._lock:
            if not self._unplugged:
                self._unplugged = True
                os.replace(self.dir, self.dir + ".unplugged")
        self.record("unplug")
        return "unplugged"

    def do_replug(self) -> str:
        with self._lock:
            if self._unplugged:
                os.replace(self.dir + ".unplugged", self.dir)
                self._unplugged = False
        self.record("replug")
        return "plugged in"

    def do_state(self) -> str:
        held = self._held.code if self._held else "nothing"
        return f"in view: {held}; frames written: {self.written}; playing: {len(self._script)} frames"

    def _empty(self, n: int) -> list:
        return [(None, {}, False)] * n


def open_simulated(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any) -> FileCamera:
    """``sim:?fps=15&width=640&height=480&gray=0&seed=0&module=3&hold=N&move=N&show=CODE``: the simulator (module:
    narrowest bar in pixels; hold, move: frames a packet is held still, is moved in or out) and the file driver."""
    sim = CameraSim(width=url.integer("width", 640, lo=64, hi=4096), height=url.integer("height", 480, lo=64,
                    hi=4096), fps=url.number("fps", 15.0, lo=1, hi=120), seed=url.integer("seed", 0),
                    module=url.integer("module", 3, lo=1, hi=10), hold=url.integer("hold", None, lo=1, hi=1000),
                    move=url.integer("move", None, lo=1, hi=1000))
    gray = "&gray=1" if url.flag("gray", False) else ""
    camera = open_with(sim, lambda address: FileCamera(address + gray, listener, name=name))
    show = url.text("show")
    if show:
        sim.command(f"show {show}")
    return camera
