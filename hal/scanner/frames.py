"""From a stream of pieces to whole reads: the framing the serial and HID scanner drivers share.

A scanner sends ``[prefix][AIM id][data][suffix]`` (PROTOCOLS.md 1.1). The driver finds the suffix itself (CR/LF on a
serial line, Enter on a keyboard) and feeds everything else to a :class:`Framer`, piece by piece. A read also ends
when the scanner pauses longer than ``pause_s``: for a scanner configured without suffix that pause *is* the end of
the code; for one configured with a suffix it means the read was cut off, which is reported, not guessed at. A
finished read is checked (printable characters, plus GS = 0x1D kept byte-exact for GS1 element strings), its prefix
stripped and its AIM id split off, and becomes ``on_scan(data, aim, t)``; anything wrong becomes ``on_error(message,
t)``. ``t`` is the time the last piece of the read arrived (the moment the suffix was read, when there is one).

:class:`FramedScanner` is what the two drivers share around their framer: the URL parameters that configure it
(``suffix``, ``timeout_ms``, ``prefix``, ``aim``, ``max_len``), the :class:`hal.base.Reconnector` that owns the
read loop, the loop's wait up to the pause deadline, and how reads and errors reach the lane.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from hal import events as ev
from hal.base import Reconnector
from hal.scanner import aim as aim_ids
from hal.scanner.base import Scanner
from hal.scanner.errors import BadRead, BadScannerURL

log = logging.getLogger("hal.scanner")

GS = "\x1d"   # GS1 FNC1 separator; the only control character a barcode may carry


def show(raw: Any, limit: int = 40) -> str:
    """A short printable form of raw bytes or text for error messages and logs."""
    text = repr(raw[:limit])
    return text + ("..." if len(raw) > limit else "")


def to_scan(text: str, *, prefix: str = "", split_aim: bool = True) -> tuple[str, str | None]:
    """Check one read's text and take it apart: ``(data, aim)``; raises :class:`BadRead`."""
    odd = sorted({c for c in text if c != GS and not c.isprintable()})
    if odd:
        raise BadRead(f"read contains control characters {', '.join(f'0x{ord(c):02x}' for c in odd)}: {show(text)}")
    if prefix:
        if not text.startswith(prefix):
            raise BadRead(f"read does not start with the configured prefix {prefix!r}: {show(text)}")
        text = text[len(prefix):]
    aim, data = aim_ids.split(text) if split_aim else (None, text)
    if not data:
        raise BadRead(f"read has no data after prefix and symbology id: {show(text)}")
    return data, aim


class Framer:
    """Collects the pieces of one read and decides when it is complete.

    ``decode`` turns the joined pieces into text (serial: bytes -> str, raising ``ValueError`` on undecodable bytes;
    HID: the pieces already are text, so ``str``). ``pause_ends_read`` says whether a pause is a normal end of a
    read (the scanner sends no suffix) or a cut-off read. Reads longer than ``max_len`` are reported as soon as
    they overflow and the rest of them is skipped, so a stuck scanner cannot fill memory.
    """

    def __init__(self, on_scan: Callable[[str, str | None, float], None],
                 on_error: Callable[[str, float], None], *, decode: Callable[[Any], str] = str,
                 prefix: str = "", split_aim: bool = True, pause_s: float = 0.08, pause_ends_read: bool = True,
                 max_len: int = 4096):
        self.on_scan, self.on_error = on_scan, on_error
        self.decode = decode
        self.prefix, self.split_aim = prefix, split_aim
        self.pause_s, self.pause_ends_read = pause_s, pause_ends_read
        self.max_len = max_len
        self.reset()

    def reset(self) -> None:
        """Forget the read in progress without reporting it."""
        self._pieces: list = []
        self._length = 0
        self._active = False          # something arrived since the last end of a read
        self._spoiled: str | None = None
        self._overflowed = False
        self._last_t = 0.0

    @property
    def deadline(self) -> float | None:
        """When the current read ends by pause (``None`` while nothing is pending)."""
        return self._last_t + self.pause_s if self._active else None

    def feed(self, piece, t: float) -> None:
        if not piece:
            return
        self._active, self._last_t = True, t
        if self._overflowed:
            return
        self._length += len(piece)
        self._pieces.append(piece)
        if self._length > self.max_len:
            self._overflowed = True
            self.on_error(f"read longer than {self.max_len} without an end; skipped up to the next end: "
                          f"{show(self.decode_quietly())}", t)
            self._pieces = []

    def spoil(self, reason: str, t: float) -> None:
        """Mark the current read bad (an unknown key, say); it is reported once, when it ends."""
        self._active, self._last_t = True, t
        if self._spoiled is None:
            self._spoiled = reason

    def end(self, t: float) -> None:
        """The suffix arrived."""
        self._finish(t, by_pause=False)

    def expire(self, now: float) -> None:
        """Call whenever time passed: ends the pending read if the scanner has been quiet for ``pause_s``."""
        if self._active and now - self._last_t >= self.pause_s:
            self._finish(self._last_t, by_pause=True)

    def abandon(self, why: str, t: float) -> None:
        """The link went away: a half-received read is reported, not dropped silently."""
        if self._active and not self._overflowed:
            self.on_error(f"{why} in the middle of a read: {show(self.decode_quietly())}", t)
        self.reset()

    def decode_quietly(self):
        """The pending read as text if it decodes, else as the raw pieces (for messages)."""
        if not self._pieces:
            return ""
        raw = _join(self._pieces)
        try:
            return self.decode(raw)
        except ValueError:
            return raw

    def _finish(self, t: float, *, by_pause: bool) -> None:
        active, spoiled, overflowed, pieces = self._active, self._spoiled, self._overflowed, self._pieces
        self.reset()
        if not active or overflowed:      # a bare suffix (the LF of CR LF), or already reported
            return
        if spoiled is not None:
            self.on_error(spoiled, t)
            return
        raw = _join(pieces)
        try:
            text = self.decode(raw)
        except ValueError as exc:
            self.on_error(f"read is not valid text ({exc}): {show(raw)}", t)
            return
        if by_pause and not self.pause_ends_read:
            self.on_error(f"read cut off: no suffix after {show(text)} (the scanner went quiet for "
                          f"{self.pause_s * 1000:.0f} ms)", t)
            return
        try:
            data, aim = to_scan(text, prefix=self.prefix, split_aim=self.split_aim)
        except BadRead as exc:
            self.on_error(str(exc), t)
            return
        self.on_scan(data, aim, t)


def _join(pieces: list):
    """Join bytes or str pieces alike (the framer never finishes a read without pieces)."""
    return pieces[0][:0].join(pieces)


class FramedScanner(Scanner):
    """Base of the drivers that read a stream and frame it (serial, HID). A subclass sets ``PARAMS`` (the URL
    parameters it knows) and ``SUFFIXES`` (suffix setting -> does a pause end a read normally?), sets ``poll_s``,
    builds ``self.framer`` with :meth:`_make_framer` and ``self._reconnector`` with :meth:`_make_reconnector`, and
    provides ``_connect``, ``_run`` and ``_disconnect`` for the reconnector."""

    PARAMS: frozenset[str] = frozenset()
    SUFFIXES: dict[str, bool] = {}

    def _check_params(self) -> None:
        unknown = set(self.url.params) - self.PARAMS
        if unknown:
            raise BadScannerURL(f"{self.url.raw}: unknown parameter(s) {', '.join(sorted(unknown))} "
                                f"(known: {', '.join(sorted(self.PARAMS))})")

    def _suffix(self) -> str:
        suffix = (self.url.text("suffix") or "auto").lower()
        if suffix not in self.SUFFIXES:
            raise BadScannerURL(f"{self.url.raw}: suffix={suffix} is not one of {', '.join(self.SUFFIXES)}")
        return suffix

    def _make_framer(self, suffix: str, decode: Callable[[Any], str]) -> Framer:
        u = self.url
        return Framer(self._scanned, self._garbled, decode=decode, prefix=u.text("prefix") or "",
                      split_aim=u.flag("aim", True), pause_s=u.number("timeout_ms", 80, lo=5, hi=5000) / 1000,
                      pause_ends_read=self.SUFFIXES[suffix], max_len=u.integer("max_len", 4096, lo=16))

    def _make_reconnector(self, exists: Callable[[], bool], debounce_s: float) -> Reconnector:
        return Reconnector(self, connect=self._connect, run=self._run, disconnect=self._disconnect, exists=exists,
                           debounce_s=debounce_s, poll_s=self.poll_s)

    # ------------------------------------------------------------------------------------------- lifecycle

    def _open_device(self) -> None:
        first = self._connect()        # fails loudly here; later failures are the reconnector's business
        self._reconnector.start(first)

    def _close_device(self) -> None:
        self._reconnector.stop()

    # -------------------------------------------------------------------------------------------- reading

    def _wait(self) -> float:
        """Called at the top of the read loop: ends a read the scanner has paused after, and says how long the
        next read may wait (until the pause deadline of the read in progress, at most ``poll_s``)."""
        now = time.monotonic()
        self.framer.expire(now)
        deadline = self.framer.deadline
        return self.poll_s if deadline is None else min(self.poll_s, max(0.0, deadline - now))

    def _abandon_read(self) -> None:
        """The connection is going: a half-received read is reported, unless the driver is closing."""
        if not self._reconnector.stopping.is_set():
            self.framer.abandon("the scanner went away", time.monotonic())

    def _lose_read(self, what: str, t: float) -> None:
        """Called from an ``except`` block: log the bug, drop the read in progress and tell the lane it is lost."""
        log.exception("scanner %s: failed on %s", self.name, what)
        self.framer.reset()
        self._garbled("internal error while reading (see the log); this read is lost", t)

    def _scanned(self, data: str, aim: str | None, t: float) -> None:
        if self.enabled:
            self.emit(ev.ScanData(data, aim, self.source, t))

    def _garbled(self, message: str, t: float) -> None:
        log.warning("scanner %s: %s", self.name, message)
        if self.enabled:
            self.emit(ev.ErrorEvent(self.family, self.name, message, t))
