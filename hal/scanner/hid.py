"""The HID keyboard-wedge barcode scanner: key events read straight from its Linux input device, grabbed.

URL: ``hid:///dev/input/by-id/usb-<vendor>_<model>-event-kbd?layout=us``. Parameters: ``layout`` (``us`` or ``de``:
the keyboard country the *scanner* is set to, see :mod:`hal.scanner.keymaps`), ``suffix`` (``auto``: Enter,
keypad Enter or a pause of ``timeout_ms`` end a code; ``enter``: the scanner sends Enter, so a pause mid-code means
it was cut off; ``none``: only the pause), ``timeout_ms`` (default 80), ``prefix``, ``aim=off``, ``max_len``.

The device is read as raw ``struct input_event`` records (timeval, type, code, value: ``llHHi`` in the machine's
native layout), so neither the console's keymap nor python-evdev's event objects stand in between. Only key-downs
of EV_KEY type characters; key-ups matter for modifiers, autorepeat and EV_MSC scan codes are ignored. GS arrives
as Ctrl+] (or Alt+keypad 029). A key that types nothing on the layout spoils the code it belongs to, which is then
reported as an :class:`hal.events.ErrorEvent`.

A character device is grabbed (EVIOCGRAB), so the scanner's typing reaches neither the console nor the kiosk's UI;
the grab ends when the device is closed. A FIFO is accepted too, without grabbing: that is how the simulator hands
kernel-format events to this driver where ``/dev/uinput`` is missing (a FIFO that is replaced or whose writer goes
away counts as unplugged). Unplug and replug are handled by :class:`hal.base.Reconnector`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import stat
import struct
import time

from hal.base import Health
from hal.scanner import keymaps
from hal.scanner.errors import BadScannerURL, ScannerGrabbed, ScannerNotFound, ScannerUnavailable
from hal.scanner.frames import FramedScanner
from hal.scanner.serial import plugged_in

BY_ID = "/dev/input/by-id"
EVENT = struct.Struct("llHHi")      # struct input_event: timeval (two C longs), type, code, value
SYN_DROPPED = 3                     # the kernel's buffer overflowed: events of the read in progress are lost
# EVIOCGRAB = _IOW('E', 0x90, int): direction write (1 << 30), argument size 4, type 'E', number 0x90.
EVIOCGRAB = (1 << 30) | (4 << 16) | (ord("E") << 8) | 0x90
SUFFIXES = {"auto": True, "none": True, "enter": False}     # does a pause end a code normally?
PARAMS = frozenset({"layout", "suffix", "timeout_ms", "prefix", "aim", "max_len"})


class HidScanner(FramedScanner):
    source = "hid"
    PARAMS = PARAMS
    SUFFIXES = SUFFIXES

    def __init__(self, url, listener=None, *, name: str | None = None, debounce_s: float = 0.5,
                 poll_s: float = 0.05):
        super().__init__(url, listener, name=name)
        u = self.url
        self._check_params()
        self.path = u.require_path("the scanner's event device, e.g. hid:///dev/input/by-id/usb-...-event-kbd")
        layout = (u.text("layout") or "us").lower()
        if layout not in keymaps.LAYOUTS:
            raise BadScannerURL(f"{u.raw}: layout={layout} is not one of {', '.join(keymaps.LAYOUTS)}")
        suffix = self._suffix()
        self.layout = keymaps.LAYOUTS[layout]
        self.decoder = keymaps.KeyDecoder(self.layout)
        self.poll_s = poll_s
        self.framer = self._make_framer(suffix, decode=str)
        self._reconnector = self._make_reconnector(lambda: os.path.exists(self.path), debounce_s)

    def health(self) -> Health:
        h = super().health()
        return Health(h.ok, h.status, h.detail, {"device": self.path, "layout": self.layout.name,
                                                 "reconnects": self._reconnector.reconnects})

    # ------------------------------------------------------------------------------------------ connection

    def _connect(self) -> int:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            raise ScannerNotFound(
                f"no HID barcode scanner at {self.path}: plug in the scanner (USB, keyboard mode) or fix the path "
                f"in the config. Use its name ending in -event-kbd from {BY_ID} (there now: {plugged_in(BY_ID)})"
            ) from None
        except PermissionError:
            raise ScannerUnavailable(f"no permission to read {self.path}: add the kiosk user to the 'input' group "
                                     f"(or install the kiosk's udev rule)") from None
        except OSError as exc:
            raise ScannerUnavailable(f"cannot open the HID scanner at {self.path}: {exc}") from exc
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISCHR(mode):
                self._grab(fd)
            elif not stat.S_ISFIFO(mode):
                raise ScannerUnavailable(f"{self.path} is neither an input event device nor a simulator FIFO: "
                                         f"use the -event-kbd entry in {BY_ID}")
        except BaseException:
            os.close(fd)
            raise
        self.decoder.reset()
        return fd

    def _grab(self, fd: int) -> None:
        """Take the scanner for ourselves, so its typing reaches neither the console nor the UI."""
        try:
            fcntl.ioctl(fd, EVIOCGRAB, 1)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                raise ScannerGrabbed(
                    f"another program holds the scanner {self.path} (it grabbed the input device: a second kiosk, "
                    f"a barcode daemon?); stop it. The kiosk user also needs read access: the 'input' group or the "
                    f"kiosk's udev rule") from None
            raise ScannerUnavailable(f"cannot grab {self.path} ({exc.strerror}): it is not an input event device; "
                                     f"use the -event-kbd entry in {BY_ID}") from None

    def _disconnect(self, fd: int) -> None:
        self._abandon_read()
        try:
            if stat.S_ISCHR(os.fstat(fd).st_mode):
                fcntl.ioctl(fd, EVIOCGRAB, 0)
        except OSError:
            pass                       # an unplugged device is released anyway
        os.close(fd)

    def _replaced(self, fd: int) -> bool:
        """A FIFO cannot report an unplug by itself: it is gone when its path no longer names the same FIFO."""
        try:
            now, ours = os.stat(self.path), os.fstat(fd)
        except OSError:
            return True
        return (now.st_dev, now.st_ino) != (ours.st_dev, ours.st_ino)

    # -------------------------------------------------------------------------------------------- reading

    def _run(self, fd: int) -> None:
        is_fifo = stat.S_ISFIFO(os.fstat(fd).st_mode)
        pending = b""
        stopping = self._reconnector.stopping
        while not stopping.is_set():
            if not select.select([fd], [], [], self._wait())[0]:
                if is_fifo and self._replaced(fd):
                    raise ScannerUnavailable(f"{self.path} was removed")
                continue
            try:
                data = os.read(fd, EVENT.size * 64)
            except BlockingIOError:
                continue
            if not data:
                raise ScannerUnavailable(f"{self.path}: the scanner's event stream ended")
            t = time.monotonic()
            pending += data
            whole = len(pending) - len(pending) % EVENT.size
            events, pending = pending[:whole], pending[whole:]
            try:
                self._events(events, t)
            except Exception:          # a bug in decoding must cost one read, not the scanner
                self._lose_read(f"events {events[:96]!r}", t)
                self.decoder.reset()

    def _events(self, records: bytes, t: float) -> None:
        for _sec, _usec, etype, code, value in EVENT.iter_unpack(records):
            if etype == keymaps.EV_KEY:
                self._key(code, value, t)
            elif etype == keymaps.EV_SYN and code == SYN_DROPPED:
                self.framer.spoil("the kernel dropped key events of this read", t)
                self.decoder.reset()

    def _key(self, code: int, value: int, t: float) -> None:
        typed = self.decoder.key(code, value)
        if typed is None:
            self.framer.spoil(f"{keymaps.key_name(code)} types nothing on the {self.layout.name} layout (is the "
                              f"scanner set to another keyboard country, or to send function keys?)", t)
            return
        for ch in typed:
            if ch == keymaps.ENTER:
                self.framer.end(t)
            else:
                self.framer.feed(ch, t)
