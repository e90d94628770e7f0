"""The serial barcode scanner: a line reader for scanners in USB CDC-ACM ("virtual COM port") or RS-232 mode.

URL: ``serial:///dev/serial/by-id/usb-<vendor>_<model>-if00?baud=9600&suffix=auto&timeout_ms=80``, or any pyserial
URL after ``serial:`` (``serial:socket://127.0.0.1:7000``, ``serial:loop://``; pyserial's own options go inside,
percent-encoded: ``serial:loop://%3Flogging%3Ddebug``). Parameters:

- ``suffix``: ``auto`` (default) or ``none``: CR, LF or CR LF end a code, and so does a pause of ``timeout_ms``
  (a scanner configured without suffix); ``cr``, ``lf``, ``crlf``: the scanner is configured to send a suffix, so a
  pause in the middle of a code means it was cut off, which is reported as an error. CR LF is always one code.
- ``timeout_ms`` (default 80): the inter-character pause that ends (or cuts off) a read.
- ``prefix``: a configured prefix to strip (a read without it is an error); ``aim=off`` keeps a leading AIM id
  (``]E0``) in the data instead of splitting it into ``ScanData.aim``; ``encoding`` (default utf-8);
  ``max_len`` (default 4096 bytes); ``baud`` (RS-232 only; CDC ignores it).

Bytes other than printable text and GS (0x1D, kept for GS1) make the read an :class:`hal.events.ErrorEvent`; the
reader goes on. ``ScanData.t`` is the monotonic time at which the read holding the suffix returned.

The driver opens the port itself, except when given one: ``SerialScanner(url, listener, port=already_open)`` reads
an already-open pyserial object and leaves closing it to its owner; that is how ``sim:loop`` shares one ``loop://``
port between the simulator (writing) and the driver (reading). Unplug and replug are handled by
:class:`hal.base.Reconnector`. The read loop is our own rather than ``serial.threaded``: it has to wake up at the
pause deadline of the read in progress, and the reconnector, not a protocol object, owns what happens on a failure.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import select
import time

import serial

from hal.base import Health
from hal.scanner.errors import BadScannerURL, ScannerNotFound, ScannerUnavailable
from hal.scanner.frames import FramedScanner

BY_ID = "/dev/serial/by-id"
# suffix setting -> does a pause end a read normally (True) or cut it off (False)?
SUFFIXES = {"auto": True, "none": True, "cr": False, "lf": False, "crlf": False}
PARAMS = frozenset({"baud", "suffix", "timeout_ms", "prefix", "aim", "encoding", "max_len"})
_LINE_END = re.compile(rb"[\r\n]")


def plugged_in(directory: str = BY_ID) -> str:
    """The names in a by-id directory, for error messages ("none" when nothing is plugged in)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
    return ", ".join(names) if names else f"none ({directory} is empty or missing)"


class SerialScanner(FramedScanner):
    source = "serial"
    PARAMS = PARAMS
    SUFFIXES = SUFFIXES

    def __init__(self, url, listener=None, *, name: str | None = None, port: serial.SerialBase | None = None,
                 debounce_s: float = 0.5, poll_s: float = 0.05):
        super().__init__(url, listener, name=name)
        u = self.url
        self._check_params()
        self.target = u.require_path("the scanner's port, e.g. serial:///dev/serial/by-id/usb-...-if00")
        self.is_url = "://" in self.target
        self.baudrate = u.integer("baud", 9600, lo=50, hi=4_000_000)
        suffix = self._suffix()
        encoding = u.text("encoding") or "utf-8"
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise BadScannerURL(f"{u.raw}: encoding={encoding} is not a known text encoding") from None
        self.poll_s = poll_s
        self.framer = self._make_framer(suffix, decode=lambda raw: raw.decode(encoding))
        self._given_port = port
        self._reconnector = self._make_reconnector(self._exists, debounce_s)

    def health(self) -> Health:
        h = super().health()
        return Health(h.ok, h.status, h.detail, {"port": self.target, "reconnects": self._reconnector.reconnects})

    # ------------------------------------------------------------------------------------------ connection

    def _exists(self) -> bool:
        return self._given_port is not None or self.is_url or os.path.exists(self.target)

    def _connect(self) -> serial.SerialBase:
        if self._given_port is not None:
            if not self._given_port.is_open:
                raise ScannerUnavailable(f"{self.name}: the serial port object given to the driver is closed")
            return self._given_port
        try:
            options = {} if self.is_url else {"exclusive": True}
            return serial.serial_for_url(self.target, baudrate=self.baudrate, timeout=0, **options)
        except serial.SerialException as exc:
            raise self._explain(exc) from exc

    def _explain(self, exc: serial.SerialException) -> Exception:
        code = getattr(exc, "errno", None)
        if code == errno.ENOENT:
            return ScannerNotFound(
                f"no barcode scanner at {self.target}: plug in the scanner (USB in CDC / virtual COM port mode, or "
                f"RS-232 through an adapter) or fix the path in the config. Use the stable name from {BY_ID} "
                f"(plugged in now: {plugged_in()})")
        if code == errno.EACCES:
            return ScannerUnavailable(f"no permission to open {self.target}: add the kiosk user to the 'dialout' "
                                      f"group (or install the kiosk's udev rule)")
        if code in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK):
            return ScannerUnavailable(f"{self.target} is in use by another program (ModemManager probing new USB "
                                      f"serial devices, a serial console, a second kiosk?): stop it, then retry")
        return ScannerUnavailable(f"cannot open the scanner at {self.target}: {exc}")

    def _disconnect(self, port: serial.SerialBase) -> None:
        self._abandon_read()
        if port is not self._given_port:
            port.close()

    # -------------------------------------------------------------------------------------------- reading

    def _run(self, port: serial.SerialBase) -> None:
        try:
            fd = port.fileno()
        except (AttributeError, OSError, ValueError):    # loop:// and other handlers without a file descriptor
            fd = None
        if fd is not None and port.timeout != 0:
            port.timeout = 0
        stopping = self._reconnector.stopping
        while not stopping.is_set():
            chunk = self._read(port, fd, self._wait())
            if chunk:
                t = time.monotonic()
                try:
                    self._take(chunk, t)
                except Exception:      # a bug in framing must cost one read, not the scanner
                    self._lose_read(repr(chunk[:80]), t)

    @staticmethod
    def _read(port: serial.SerialBase, fd: int | None, wait: float) -> bytes:
        """Whatever arrives within ``wait`` seconds (b"" if nothing); a failed port raises ``SerialException``."""
        if fd is not None:
            # Our own select, so the wait can follow the pause deadline without reconfiguring the tty each time.
            if not select.select([fd], [], [], wait)[0]:
                return b""
        elif port.timeout != wait:
            port.timeout = wait
        return port.read(port.in_waiting or 1)

    def _take(self, chunk: bytes, t: float) -> None:
        start = 0
        for m in _LINE_END.finditer(chunk):
            self.framer.feed(chunk[start:m.start()], t)
            self.framer.end(t)        # the LF of a CR LF ends an empty read, which the framer ignores
            start = m.end()
        self.framer.feed(chunk[start:], t)
