"""The whole shopper journey in a real X11 window: ``kiosk demo`` on an Xvfb server, a screenshot per screen.

The other screen tests draw with SDL's dummy driver; this one runs the demo lane as a technician runs it on a desktop:
a display (an Xvfb server started here), no ``--headless``, no SDL_VIDEODRIVER, so SDL opens the window through
X11. The lane plays the demo journey (``config/demo-journey.jsonl``: welcome, scans, bagging, an age check an
attendant verifies, payment on the simulated card terminal, receipt, thank you, back to welcome) and writes a PNG
per screen change. While it runs, the test looks at the X server itself through libX11 (what ``xwd -root`` does, with
no extra package: SDL's X11 driver needs libX11 anyway): the lane's window must be there under its title, mapped, at
the size asked for, and the root window's pixels where it sits must show the lane's screens as they change.

Xvfb comes from the Debian package xvfb, which scripts/setup.sh installs for ./run-tests; without it the test skips
and says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402  (images only: no display is opened in this process)

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 800)
TITLE = b"Self-checkout demo-1"
JOURNEY_SCRIPT = ROOT / "config" / "demo-journey.jsonl"
JOURNEY = {"welcome", "scanning", "bagging", "payment", "receipt", "thank_you"}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("Xvfb") is None,
                                 reason="Xvfb is not installed (Debian package xvfb; ./run-tests installs it)")]


# ------------------------------------------------------------------------------------------------ the X server

def start_xvfb(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """An Xvfb server on a display number it picks itself (free, race-free with parallel test workers)."""
    read_fd, write_fd = os.pipe()
    log = open(tmp_path / "xvfb.log", "wb")
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
                             "-nolisten", "tcp", "-noreset"], pass_fds=(write_fd,), stdout=log, stderr=log)
    os.close(write_fd)
    log.close()
    with os.fdopen(read_fd, "rb") as r:
        number = r.readline().strip().decode()      # written once the server accepts connections
    if not number.isdigit():
        proc.kill()
        proc.wait()
        pytest.fail(f"Xvfb did not start: {(tmp_path / 'xvfb.log').read_text(errors='replace')[-1500:]}")
    socket = Path(f"/tmp/.X11-unix/X{number}")
    end = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < end:
        time.sleep(0.02)
    assert socket.exists(), f"Xvfb :{number} has no socket {socket}"
    return proc, f":{number}"


class XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte)), ("byte_order", ctypes.c_int),
                ("bitmap_unit", ctypes.c_int), ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int), ("bits_per_pixel", ctypes.c_int),
                ("red_mask", ctypes.c_ulong), ("green_mask", ctypes.c_ulong), ("blue_mask", ctypes.c_ulong)]


class XTextProperty(ctypes.Structure):
    _fields_ = [("value", ctypes.c_void_p), ("encoding", ctypes.c_ulong), ("format", ctypes.c_int),
                ("nitems", ctypes.c_ulong)]


class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int), ("height", ctypes.c_int),
                ("border_width", ctypes.c_int), ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                ("root", ctypes.c_ulong), ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
                ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]


IS_VIEWABLE = 2
Z_PIXMAP = 2
ALL_PLANES = ctypes.c_ulong(-1 & 0xFFFFFFFFFFFFFFFF)
_ErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class XServer:
    """The few libX11 calls ``xwininfo -tree`` and ``xwd -root`` make, through ctypes."""

    def __init__(self, display: str):
        name = ctypes.util.find_library("X11") or "libX11.so.6"
        x = self.x = ctypes.CDLL(name)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XGetWMName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XTextProperty)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(XWindowAttributes)]
        x.XTranslateCoordinates.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int,
                                            ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
                                            ctypes.POINTER(ctypes.c_ulong)]
        x.XGetImage.restype = ctypes.POINTER(XImage)
        x.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_uint,
                                ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
        x.XDestroyImage.argtypes = [ctypes.POINTER(XImage)]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        # A window that goes away between two requests is a BadWindow error: Xlib's default handler would exit
        # this process. Ignore it: the request then simply reports failure.
        self._on_error = _ErrorHandler(lambda dpy, ev: 0)
        x.XSetErrorHandler(self._on_error)
        self.dpy = x.XOpenDisplay(display.encode())
        assert self.dpy, f"libX11 cannot open display {display}"
        self.root = x.XDefaultRootWindow(self.dpy)

    def close(self) -> None:
        if self.dpy:
            self.x.XCloseDisplay(self.dpy)
            self.dpy = None

    def windows(self, parent: int | None = None) -> list[int]:
        """Every window under ``parent`` (default: the root), depth first."""
        root_ret, parent_ret = ctypes.c_ulong(), ctypes.c_ulong()
        children, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.x.XQueryTree(self.dpy, parent or self.root, ctypes.byref(root_ret), ctypes.byref(parent_ret),
                                 ctypes.byref(children), ctypes.byref(n)):
            return []
        found = [children[i] for i in range(n.value)]
        if children:
            self.x.XFree(children)
        return [w for c in found for w in [c, *self.windows(c)]]

    def name(self, window: int) -> bytes | None:
        """WM_NAME, whatever its encoding (SDL sets it as UTF8_STRING, which XFetchName does not return)."""
        prop = XTextProperty()
        if not self.x.XGetWMName(self.dpy, window, ctypes.byref(prop)) or not prop.value:
            return None
        value = ctypes.string_at(prop.value, prop.nitems)
        self.x.XFree(prop.value)
        return value

    def find(self, title: bytes) -> tuple[int, int, int, int] | None:
        """The viewable window called ``title``: its (x, y, width, height) on the root window, or None."""
        for w in self.windows():
            if self.name(w) != title:
                continue
            attrs = XWindowAttributes()
            if not self.x.XGetWindowAttributes(self.dpy, w, ctypes.byref(attrs)) or attrs.map_state != IS_VIEWABLE:
                continue
            rx, ry, child = ctypes.c_int(), ctypes.c_int(), ctypes.c_ulong()
            if self.x.XTranslateCoordinates(self.dpy, w, self.root, 0, 0, ctypes.byref(rx), ctypes.byref(ry),
                                            ctypes.byref(child)):
                return rx.value, ry.value, attrs.width, attrs.height
        return None

    def grab_root(self) -> np.ndarray:
        """The root window's pixels, as ``xwd -root`` reads them: an (height, width, 3) RGB array."""
        self.x.XSync(self.dpy, 0)
        img = self.x.XGetImage(self.dpy, self.root, 0, 0, SIZE[0], SIZE[1], ALL_PLANES, Z_PIXMAP)
        assert img, "XGetImage on the root window failed"
        try:
            im = img.contents
            assert (im.bits_per_pixel, im.byte_order, im.red_mask, im.blue_mask) == (32, 0, 0xFF0000, 0xFF), \
                f"unexpected X pixel format: {im.bits_per_pixel} bpp, masks {im.red_mask:x}/{im.blue_mask:x}"
            raw = np.ctypeslib.as_array(im.data, shape=(im.height * im.bytes_per_line,)).copy()
        finally:
            self.x.XDestroyImage(img)
        bgrx = raw.reshape(SIZE[1], -1)[:, :SIZE[0] * 4].reshape(SIZE[1], SIZE[0], 4)
        return np.ascontiguousarray(bgrx[:, :, 2::-1])


# ---------------------------------------------------------------------------------------------------- images

def pixels(path: Path) -> np.ndarray:
    """A PNG as an (height, width, 3) RGB array."""
    surface = pygame.image.load(str(path))
    return np.ascontiguousarray(pygame.surfarray.array3d(surface).transpose(1, 0, 2))


def save_png(rgb: np.ndarray, path: Path) -> None:
    h, w, _ = rgb.shape
    pygame.image.save(pygame.image.frombuffer(rgb.tobytes(), (w, h), "RGB"), str(path))


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference per channel, 0 (the same picture) to 255."""
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


# ------------------------------------------------------------------------------------------------------- test

def test_the_shopper_journey_in_an_x11_window_with_a_screenshot_per_screen(tmp_path):
    config = tmp_path / "lane.toml"
    text = (ROOT / "config" / "lane.toml").read_text(encoding="utf-8")
    for old, new in [('data_dir = "../var/demo"', f'data_dir = "{tmp_path / "data"}"'),
                     ('seed = "catalog.csv"', f'seed = "{ROOT / "config" / "catalog.csv"}"'),
                     ('payment = "sim:?sim_delay=0.7"', 'payment = "sim:?sim_delay=0.2"'),
                     ("thank_you_s = 6", "thank_you_s = 2\nreceipt_choice_s = 4")]:
        assert old in text, f"config/lane.toml no longer has {old!r}"
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    shots = tmp_path / "shots"
    xshots = tmp_path / "x-root"
    xshots.mkdir()

    xvfb, display = start_xvfb(tmp_path)
    server = lane = None
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "WAYLAND_DISPLAY")}
        env.update(DISPLAY=display, SDL_AUDIODRIVER="dummy")
        out, err = open(tmp_path / "stdout", "w+"), open(tmp_path / "stderr", "w+")
        # The demo journey, at three times its pace (the simulated terminal and the thank-you screen shortened to
        # match): about 13 s. Without a terminal on stdin and with a display the demo waits for a shopper, so the
        # journey is given as --script.
        lane = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "-v", "demo", "--config", str(config),
                                 "--size", f"{SIZE[0]}x{SIZE[1]}", "--script", str(JOURNEY_SCRIPT), "--speed", "3",
                                 "--screenshots", str(shots)],
                                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        server = XServer(display)
        window = None
        grabs: list[np.ndarray] = []
        end = time.monotonic() + 60
        while lane.poll() is None and time.monotonic() < end:
            where = server.find(TITLE)
            if where is not None:
                window = window or where
                grab = server.grab_root()
                if len(grabs) % 20 == 0:
                    save_png(grab, xshots / f"root-{len(grabs):03d}.png")
                wx, wy, ww, wh = where
                grabs.append(grab[wy:wy + wh:4, wx:wx + ww:4].copy())    # every 4th pixel is plenty to compare
            time.sleep(0.25)
        if lane.poll() is None:
            lane.kill()
        rc = lane.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        out.close()
        err.close()
        assert rc == 0, stderr[-3000:]
        assert window is not None, f"no viewable window {TITLE!r} on {display}; the lane printed:\n{stdout}"
    finally:
        if lane is not None and lane.poll() is None:
            lane.kill()
            lane.wait()
        if server is not None:
            server.close()                     # before the server goes: Xlib exits the process on a lost display
        xvfb.terminate()
        xvfb.wait(timeout=10)

    # It ran with the display, not headless, and sold the basket.
    assert "runs headless" not in stdout and "READY lane demo-1: welcome" in stdout
    assert "display: SDL video driver x11, 1280x800 window" in stderr
    assert "attendant needed at lane demo-1: age_check" in stderr and "(verified)" in stderr
    assert "transaction 1 paid: 8 lines" in stderr and "receipt demo-1-1-r: printed" in stderr
    # The window is the lane's, at the size asked for, inside the screen.
    x, y, w, h = window
    assert (w, h) == SIZE and x >= 0 and y >= 0 and x + w <= SIZE[0] and y + h <= SIZE[1]

    # One PNG per screen change, every screen of the journey, each the window's size, none blank, none the same as
    # the one before.
    files = sorted(shots.glob("*.png"))
    modes = [p.stem.split("-", 1)[1] for p in files]
    assert JOURNEY <= set(modes), modes
    assert modes[0] == "welcome" and modes[-1] == "welcome"
    assert len(files) > len(JOURNEY) + 1        # bagging prompts and the age check are screens of their own
    frames = [pixels(p) for p in files]
    for path, frame in zip(files, frames):
        assert frame.shape == (SIZE[1], SIZE[0], 3), path.name
        colours = len(np.unique(frame.reshape(-1, 3)[::7], axis=0))
        assert colours > 20 and frame.std() > 20, f"{path.name} looks blank"
    for (p1, f1), (p2, f2) in zip(zip(files, frames), zip(files[1:], frames[1:])):
        assert difference(f1, f2) > 0.05, f"{p2.name} shows the same as {p1.name}"
    by_mode = {m: f for m, f in zip(modes, frames)}
    for a in JOURNEY - {"welcome"}:
        assert difference(by_mode["welcome"], by_mode[a]) > 1.0, f"{a} looks like the welcome screen"

    # What the X server showed: the lane's window, with the lane's screens in it, changing as the journey went on.
    # Until its first frame is drawn a new window is black (on a busy machine a grab can fall in that moment);
    # from then on it always shows a screen.
    while grabs and grabs[0].std() <= 20:
        grabs.pop(0)
    assert len(grabs) >= 10, f"only {len(grabs)} root-window grabs while the lane ran"
    small = [f[::4, ::4] for f in frames]
    matched: set[int] = set()
    for i, grab in enumerate(grabs):
        assert grab.std() > 20, f"root-window grab {i} shows nothing where the lane's window is"
        scores = [difference(grab, f) for f in small]
        best = int(np.argmin(scores))
        if scores[best] < 1.0:                  # the same picture (a countdown or a terminal prompt may differ)
            matched.add(best)
    seen = {modes[i] for i in matched}
    assert len(matched) >= 5 and {"welcome", "bagging", "thank_you"} <= seen, \
        f"the X display showed only {sorted(seen)} of the lane's screens ({len(grabs)} grabs)"
    first = pixels(xshots / "root-000.png")
    assert first.shape == (SIZE[1], SIZE[0], 3) and first.std() > 20
