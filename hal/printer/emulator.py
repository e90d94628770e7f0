"""The printer on the far side of the wire: an ESC/POS interpreter with a paper roll, a cover, a cutter and a buffer.

:class:`EscPosDevice` is what the simulator puts behind a TCP port or a pty. Bytes arrive through ``receive``; real-
time commands (DLE EOT status, DLE ENQ recovery, DLE DC4 clear and pulse) are recognised in the raw stream and
answered at once, even mid-job and while offline, as on an Epson (so, like on one, a ``10 04 n`` inside image data
is answered too). Everything else goes into a receive buffer that the print engine works through command by command,
each with its known length, while the printer can print: paper in, cover closed, online, no cutter error. When it
cannot, data waits in the buffer and prints after the refill unless the host clears it (DLE DC4 8) - exactly the
hazard the driver has to handle. The engine keeps the modes that matter for reading a receipt (code page and
international set, alignment, bold, underline, size, font, reverse), renders each receipt - from its first line to
the cut - as text with ``[EAN13 ...]``, ``[QR ...]`` and ``[IMAGE WxH]`` placeholders, and skips (and counts) bytes it
does not understand. Faults are plain attributes set through methods: paper near end / out / out after N lines,
cover, offline, cutter error, silence, invalid status replies, a slow print head.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10

CODEPAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866", 18: "cp852",
             19: "cp858", 40: "iso8859_15"}
# ESC R 2 (Germany) replaces a few ASCII positions [S: Epson international character sets].
GERMANY = str.maketrans({"@": "§", "[": "Ä", "\\": "Ö", "]": "Ü", "{": "ä", "|": "ö", "}": "ü", "~": "ß"})
DOTS = {58: 384, 80: 512}             # printable dots per line (58 mm at 203 dpi, 80 mm at 180 dpi as a TM-T88V)
FONT_DOTS = (12, 9, 9)                # Font A, B, C cell widths
CLEAR_TAIL = bytes((1, 3, 20, 1, 6, 2, 8))   # DLE DC4 8 is only "clear buffers" with exactly these 7 bytes

BARCODES = {0: "UPCA", 1: "UPCE", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
            65: "UPCA", 66: "UPCE", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR", 72: "CODE93",
            73: "CODE128", 74: "GS1-128", 75: "DATABAR", 76: "DATABAR-TRUNCATED", 77: "DATABAR-LIMITED",
            78: "DATABAR-EXPANDED", 79: "CODE128-AUTO"}
SYMBOLS = {0x30: "PDF417", 0x31: "QR", 0x32: "MAXICODE", 0x33: "DATABAR", 0x34: "COMPOSITE", 0x35: "AZTEC",
           0x36: "DATAMATRIX"}

# Bytes after the command letter, for the fixed-length commands.
ESC_ARGS = {0x40: 0, 0x21: 1, 0x45: 1, 0x47: 1, 0x2D: 1, 0x4D: 1, 0x61: 1, 0x74: 1, 0x52: 1, 0x64: 1, 0x4A: 1,
            0x32: 0, 0x33: 1, 0x2B: 1, 0x41: 1, 0x70: 3, 0x20: 1, 0x7B: 1, 0x56: 1, 0x24: 2, 0x5C: 2, 0x3D: 1,
            0x72: 1, 0x55: 1, 0x69: 0, 0x6D: 0, 0x4C: 0, 0x53: 0, 0x0C: 0, 0x54: 1, 0x57: 8, 0x25: 1, 0x3F: 1,
            0x42: 2, 0x3C: 0, 0x4B: 1, 0x63: 2, 0x65: 1, 0x66: 2}
GS_ARGS = {0x21: 1, 0x42: 1, 0x61: 1, 0x72: 1, 0x68: 1, 0x77: 1, 0x48: 1, 0x66: 1, 0x7C: 1, 0x62: 1, 0x4C: 2,
           0x57: 2, 0x2F: 1, 0x49: 1, 0x50: 2, 0x3A: 0, 0x5E: 3, 0x24: 2, 0x5C: 2, 0x54: 1, 0x45: 1, 0x7A: 1,
           0x67: 2}
FS_ARGS = {0x2E: 0, 0x26: 0, 0x21: 1, 0x2D: 1, 0x43: 1, 0x57: 1, 0x53: 2, 0x70: 2}

_CONTROL = re.compile(rb"[\x00-\x1f]")
ALIGN = ("left", "center", "right", "left")     # ESC a n & 3


def _with_length(buf: bytearray) -> int:
    """The length of an ``ESC|GS|FS ( x pL pH d1..d(pL+256*pH)`` command at the start of ``buf`` (0 while
    incomplete)."""
    if len(buf) < 5:
        return 0
    total = 5 + buf[3] + 256 * buf[4]
    return total if len(buf) >= total else 0


def ean_check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def code128_text(data: bytes) -> str:
    """Code 128 data as ESC/POS sends it ("{B" selects set B, "{C" pairs of digits as byte values) as plain text."""
    out, codeset, i = [], "B", 0
    while i < len(data):
        b = data[i]
        if b == 0x7B and i + 1 < len(data):          # "{" starts a control pair
            c = chr(data[i + 1])
            if c in "ABC":
                codeset = c
            elif c == "{":
                out.append("{")
            i += 2                                     # FNC1-4 and SHIFT ("{1".."{4", "{S") print nothing
            continue
        out.append(f"{b:02d}" if codeset == "C" else chr(b))
        i += 1
    return "".join(out)


@dataclass
class Line:
    text: str
    align: str = "left"
    bold: bool = False
    underline: int = 0
    width: int = 1
    height: int = 1
    font: int = 0
    invert: bool = False
    kind: str = "text"                  # "text", "code" (barcode, QR) or "image"
    image: tuple[int, int] | None = None

    def render(self, dots: int) -> str:
        cap = max(1, dots // (FONT_DOTS[min(self.font, 2)] * self.width))
        pad = 0
        if self.align == "center":
            pad = (cap - len(self.text)) // 2
        elif self.align == "right":
            pad = cap - len(self.text)
        return (" " * max(0, pad) + self.text).rstrip()


@dataclass
class Receipt:
    lines: list[Line]
    cut: str = "full"                   # "full", "partial", or "" for a piece that was never cut (torn off)
    dots: int = 512
    number: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.render(self.dots) for line in self.lines)

    def plain(self) -> list[str]:
        """The lines without alignment padding, for exact comparisons."""
        return [line.text for line in self.lines]


@dataclass
class _Modes:
    codepage: int = 0
    intl: int = 0
    align: int = 0
    bold: bool = False
    underline: int = 0
    font: int = 0
    width: int = 1
    height: int = 1
    invert: bool = False
    upside_down: bool = False


@dataclass
class _Pending:
    """The line being filled (the printer's print buffer)."""
    chars: list[str] = field(default_factory=list)
    dots: int = 0
    line: Line | None = None


class EscPosDevice:
    """An ESC/POS receipt printer model. Thread-safe; the print engine runs in its own thread once started."""

    def __init__(self, *, width_mm: int = 80, process_id: bool = True,
                 on_event: Callable[[str], None] | None = None):
        if width_mm not in DOTS:
            raise ValueError(f"the simulator knows 58 and 80 mm paper, not {width_mm} mm")
        self.width_mm = width_mm
        self.dots = DOTS[width_mm]
        self.process_id = process_id           # False: behave like a clone that ignores GS ( H
        self.on_event = on_event
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        # what the printer is like now (fault injection changes these through the methods below)
        self.paper = "ok"                       # "ok", "near_end", "out"
        self.cover_open = False
        self.forced_offline = False
        self.cutter_error = False
        self.silent = False                     # answers nothing at all
        self.garbage_status = False             # answers status requests with bytes that are not status bytes
        self.slow_s = 0.0                       # seconds per printed line
        self.paper_out_after: int | None = None
        # the wire
        self._rx = bytearray()
        self._rt_tail = b""
        self._reply: Callable[[bytes], None] | None = None
        self._need_more = False
        # the paper
        self.receipts: list[Receipt] = []
        self.torn: list[Receipt] = []           # pieces lost with an empty roll (printing stopped mid-receipt)
        self._lines: list[Line] = []
        self._pending = _Pending()
        self._image_open = False
        self._column_image = False
        self.modes = _Modes()
        self._qr = b""
        self._symbol: dict[int, bytes] = {}
        self._graphics: tuple[int, int] | None = None
        self.asb_mask = 0
        self._last_asb = b""
        # counters for tests and the bench
        self.bytes_received = 0
        self.lines_printed = 0
        self.status_requests = 0
        self.unknown = 0
        self.unknown_samples: list[str] = []
        self.blank_cuts = 0
        self.clears = 0
        self.drawer_kicks = 0
        self.process_ids: list[str] = []
        self._thread: threading.Thread | None = None
        self._running = False

    # --------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> None:
        with self.lock:
            if self._running:
                return
            self._running = True
        self._thread = threading.Thread(target=self._engine, daemon=True, name="escpos-sim-engine")
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None

    def _event(self, what: str) -> None:
        if self.on_event is not None:
            self.on_event(what)

    # ------------------------------------------------------------------------------------------------ the wire

    def receive(self, data: bytes, reply: Callable[[bytes], None] | None) -> None:
        """Bytes from the host; ``reply`` sends bytes back on the same wire."""
        with self._cond:
            self._reply = reply
            self.bytes_received += len(data)
            combined = self._rt_tail + bytes(data)
            appended = len(self._rt_tail)     # the tail is in the buffer already; it is only re-scanned
            self._rt_tail = b""
            i = 0
            while True:
                j = combined.find(DLE, i)
                if j < 0:
                    break
                n = self._realtime_length(combined, j)
                if n < 0:                      # a real-time command may be cut by the chunk boundary
                    self._rt_tail = combined[j:]
                    break
                if n == 0:
                    i = j + 1
                    continue
                end = j + n
                if end > appended:
                    self._rx += combined[appended:end]
                    appended = end
                self._realtime(combined[j:end])
                i = end
            self._rx += combined[appended:]
            self._need_more = False
            self._cond.notify_all()
        if self._thread is None:
            self.run_pending()

    def feed(self, data: bytes) -> bytes:
        """Without the engine thread: take ``data``, print what can be printed, return what the printer answered."""
        out = bytearray()
        self.receive(data, out.extend)
        self.run_pending()
        return bytes(out)

    def _send(self, data: bytes) -> None:
        if self.silent or self._reply is None:
            return
        try:
            self._reply(data)
        except OSError:                         # the host went away; a printer does not care
            pass

    @staticmethod
    def _realtime_length(buf: bytes, j: int) -> int:
        """Length of the real-time command at ``buf[j]`` (a DLE), 0 if it is none, -1 if more bytes are needed."""
        if j + 1 >= len(buf):
            return -1
        c = buf[j + 1]
        if c in (0x04, 0x05):
            return 3 if j + 2 < len(buf) else -1
        if c == 0x14:
            if j + 2 >= len(buf):
                return -1
            total = {1: 5, 2: 5, 7: 4, 8: 10}.get(buf[j + 2], 0)
            if total == 0:
                return 0
            if j + total > len(buf):
                return -1
            if buf[j + 2] == 8 and buf[j + 3:j + 10] != CLEAR_TAIL:
                return 0                       # not the clear command after all: keep scanning inside it
            return total
        return 0

    def _realtime(self, cmd: bytes) -> None:
        c, n = cmd[1], cmd[2]
        if c == 0x04:
            self.status_requests += 1
            if 1 <= n <= 4:
                self._send(b"\xff" if self.garbage_status else bytes((self.status_byte(n),)))
        elif c == 0x05:
            if n in (1, 2) and self.cutter_error:
                self.cutter_error = False
                if n == 2:
                    self._clear_buffers(own=len(cmd))
                self._event(f"recovered from the cutter error (DLE ENQ {n})")
                self._state_changed()
        elif c == 0x14 and n == 8:
            self._clear_buffers(own=len(cmd))
            self._send(b"\x37\x25\x00")
        elif c == 0x14 and n == 1:
            self.drawer_kicks += 1
            self._event(f"drawer pulse on pin {2 if cmd[3] in (0, 48) else 5}")

    def _clear_buffers(self, own: int = 0) -> None:
        dropped = max(0, len(self._rx) - own)     # the clear command itself is the buffer's last bytes
        self._rx.clear()
        self._pending = _Pending()
        self._need_more = False
        self.clears += 1
        self._event(f"buffers cleared ({dropped} bytes dropped)")

    # ---------------------------------------------------------------------------------------------- status

    def offline(self) -> bool:
        return self.paper == "out" or self.cover_open or self.forced_offline or self.cutter_error

    def can_print(self) -> bool:
        return not self.offline()

    def status_byte(self, n: int) -> int:
        """The DLE EOT n reply: form 0xx1xx10 with the state bits of PROTOCOLS.md 3.4."""
        b = 0x12
        if n == 1 and self.offline():
            b |= 0x08
        elif n == 2:
            b |= (0x04 if self.cover_open else 0) | (0x20 if self.paper == "out" else 0) | \
                 (0x40 if self.cutter_error else 0)
        elif n == 3 and self.cutter_error:
            b |= 0x08
        elif n == 4:
            b |= (0x0C if self.paper in ("near_end", "out") else 0) | (0x60 if self.paper == "out" else 0)
        return b

    def asb_frame(self) -> bytes:
        b1 = 0x10 | (0x08 if self.offline() else 0) | (0x20 if self.cover_open else 0)
        b2 = 0x08 if self.cutter_error else 0
        return bytes((b1, b2, self._roll_bits(), 0))

    def _roll_bits(self) -> int:
        """The roll paper sensor bits of ASB byte 3 and of the GS r 1 reply: near end, paper end."""
        return (0x03 if self.paper in ("near_end", "out") else 0) | (0x0C if self.paper == "out" else 0)

    def _state_changed(self) -> None:
        if self.asb_mask:
            frame = self.asb_frame()
            if frame != self._last_asb:
                self._last_asb = frame
                self._send(frame)
        self._cond.notify_all()

    # ------------------------------------------------------------------------------------------------ faults

    def set_paper(self, state: str) -> None:
        if state not in ("ok", "near_end", "out"):
            raise ValueError(f"paper is ok, near_end or out, not {state!r}")
        with self._cond:
            if self.paper == "out" and state != "out":
                # a new roll: what was printed before the end left with the old one
                if self._pending.chars:
                    self._end_line(consume=False)
                if self._lines:
                    self.torn.append(Receipt(self._lines, "", self.dots, len(self.torn) + 1))
                    self._lines = []
                self._event("new paper roll")
            elif state == "out":
                self._event("paper out")
            self.paper = state
            self._state_changed()
        self._kick()

    def set_paper_out_after(self, lines: int | None) -> None:
        with self._cond:
            self.paper_out_after = None if lines is None else max(0, int(lines))
            if self.paper_out_after == 0:
                self.paper_out_after = None
                self._paper_ends()

    def set_cover(self, open_: bool) -> None:
        self._set_fault("cover_open", open_, "cover opened" if open_ else "cover closed")

    def set_offline(self, offline: bool) -> None:
        self._set_fault("forced_offline", offline, "offline" if offline else "online")

    def set_cutter_error(self, error: bool) -> None:
        self._set_fault("cutter_error", error, "cutter error" if error else "cutter ok")

    def _set_fault(self, attr: str, on: bool, event: str) -> None:
        with self._cond:
            setattr(self, attr, bool(on))
            self._event(event)
            self._state_changed()
        self._kick()

    def power_cycle(self) -> None:
        """Switched off and on: received data, the line being filled and all modes are gone; the paper stays."""
        with self._cond:
            self._rx.clear()
            self._rt_tail = b""
            self._need_more = False
            self._pending = _Pending()
            self.modes = _Modes()
            self.asb_mask = 0
            self._last_asb = b""
            self._reply = None
            self._event("power cycled")

    def _kick(self) -> None:
        if self._thread is None:
            self.run_pending()

    def _paper_ends(self) -> None:
        self.paper = "out"
        self._event(f"paper ran out after {self.lines_printed} lines")
        self._state_changed()

    # -------------------------------------------------------------------------------------------- the engine

    def _engine(self) -> None:
        while True:
            with self._cond:
                while self._running and not (self._rx and not self._need_more and self.can_print()):
                    self._cond.wait(0.2)
                if not self._running:
                    return
                before = self.lines_printed
                self._step()
                printed = self.lines_printed - before
            if printed and self.slow_s:
                time.sleep(self.slow_s * printed)

    def run_pending(self) -> None:
        """Print what the buffer holds, now, in the caller's thread (used when the engine thread is not running)."""
        with self._cond:
            while self._rx and not self._need_more and self.can_print():
                self._step()

    def _step(self) -> None:
        try:
            n = self._command(self._rx)
        except (IndexError, ValueError) as exc:          # a bug in a handler must not kill the printer
            self._unknown(self._rx[:1], f"handler failed: {exc}")
            n = 1
        if n == 0:
            self._need_more = True
        else:
            del self._rx[:n]

    def _unknown(self, raw: bytes, why: str = "") -> None:
        self.unknown += 1
        if len(self.unknown_samples) < 50:
            self.unknown_samples.append(bytes(raw).hex(" ") + (f" ({why})" if why else ""))

    def _command(self, buf: bytearray) -> int:
        """Execute the command at the start of ``buf``; return its length, or 0 if it is not complete yet."""
        b = buf[0]
        if b >= 0x20:
            m = _CONTROL.search(buf)
            end = m.start() if m else len(buf)
            self._text(bytes(buf[:end]))
            return end
        if b == 0x0A:
            if self._column_image and not self._pending.chars:
                self._column_image = False     # the LF that ends an ESC * stripe moves on to the next stripe
                return 1
            self._end_line()
            return 1
        if b == 0x09:
            cap_chars = len(self._pending.chars)
            self._text(b" " * (8 - cap_chars % 8))
            return 1
        if b in (0x00, 0x0D, 0x0C, 0x18):             # NUL, CR, FF and CAN do nothing in standard mode
            return 1
        if b == ESC:
            return self._esc(buf)
        if b == GS:
            return self._gs(buf)
        if b == FS:
            return self._fs(buf)
        if b == DLE:
            return self._dle(buf)
        self._unknown(buf[:1])
        return 1

    # -------------------------------------------------------------------------------------------- text, lines

    def _text(self, raw: bytes) -> None:
        text = raw.decode(CODEPAGES.get(self.modes.codepage, "cp437"), errors="replace")
        if self.modes.intl == 2:
            text = text.translate(GERMANY)
        m = self.modes
        width = FONT_DOTS[min(m.font, 2)] * m.width
        p = self._pending
        for ch in text:
            if p.dots + width > self.dots and p.chars:
                self._end_line()               # the printer wraps a full line by itself
                p = self._pending
            if p.line is None:
                p.line = Line("", ALIGN[m.align & 3], font=m.font, width=m.width, height=m.height)
            line = p.line
            line.bold |= m.bold
            line.underline = max(line.underline, m.underline)
            line.invert |= m.invert
            line.width, line.height = max(line.width, m.width), max(line.height, m.height)
            p.chars.append(ch)
            p.dots += width
        self._image_open = self._column_image = False

    def _end_line(self, consume: bool = True) -> None:
        p = self._pending
        line = p.line or Line("", ALIGN[self.modes.align & 3])
        line.text = "".join(p.chars)
        self._lines.append(line)
        self._pending = _Pending()
        self._image_open = False
        if consume:
            self._consume(1)

    def _consume(self, lines: int) -> None:
        self.lines_printed += lines
        if self.paper_out_after is not None:
            self.paper_out_after -= lines
            if self.paper_out_after <= 0:
                self.paper_out_after = None
                self._paper_ends()

    def _block(self, text: str, kind: str = "code", lines: int = 1) -> None:
        """A barcode, QR code or image: printed on its own, after whatever text is waiting."""
        if self._pending.chars:
            self._end_line()
        self._lines.append(Line(text, ALIGN[self.modes.align & 3], kind=kind))
        self._image_open = False
        self._consume(lines)

    def _image(self, w: int, h: int) -> None:
        last = self._lines[-1] if self._lines else None
        if self._image_open and last is not None and last.kind == "image" and last.image and last.image[0] == w:
            # python-escpos sends tall images in slices: one picture on paper, one placeholder
            last.image = (w, last.image[1] + h)
            last.text = f"[IMAGE {w}x{last.image[1]}]"
            self._consume(max(1, h // 24))
        else:
            self._block(f"[IMAGE {w}x{h}]", "image", max(1, h // 24))
            self._lines[-1].image = (w, h)
        self._image_open = True

    def _cut(self, mode: str, feed_lines: int = 0) -> None:
        if self._pending.chars:
            self._end_line()
        if feed_lines:
            self._consume(feed_lines)
        lines = list(self._lines)
        while lines and lines[0].kind == "text" and not lines[0].text.strip():
            lines.pop(0)
        while lines and lines[-1].kind == "text" and not lines[-1].text.strip():
            lines.pop()
        self._lines = []
        self._image_open = False
        if not lines:
            self.blank_cuts += 1
            self._event("cut (nothing printed)")
            return
        self.receipts.append(Receipt(lines, mode, self.dots, len(self.receipts) + 1))
        self._event(f"receipt {len(self.receipts)} cut ({len(lines)} lines)")

    # ----------------------------------------------------------------------------------------------- ESC, GS

    def _esc(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        c = buf[1]
        if c == 0x2A:                                  # ESC * m nL nH d..: column bit image
            if len(buf) < 5:
                return 0
            m, n = buf[2], buf[3] + 256 * buf[4]
            per = {0: 1, 1: 1, 32: 3, 33: 3}.get(m)
            if per is None:
                self._unknown(buf[:3], "ESC * mode")
                return 3
            if len(buf) < 5 + n * per:
                return 0
            self._image(n, 8 * per)
            self._column_image = True
            return 5 + n * per
        if c == 0x44:                                  # ESC D n1..nk NUL: tab positions
            end = buf.find(0, 2)
            if end < 0:
                if len(buf) > 34:
                    self._unknown(buf[:2], "ESC D without NUL")
                    return 2
                return 0
            return end + 1
        if c == 0x26:                                  # ESC & y c1 c2 [x d1..d(y*x)]...: user-defined characters
            if len(buf) < 5:
                return 0
            y, c1, c2 = buf[2], buf[3], buf[4]
            pos = 5
            for _ in range(max(0, c2 - c1 + 1)):
                if pos >= len(buf):
                    return 0
                pos += 1 + y * buf[pos]
            return pos if pos <= len(buf) else 0
        if c == 0x28:                                  # ESC ( x pL pH ...
            return _with_length(buf)
        total = self._fixed(buf, ESC_ARGS)
        if not total or c not in ESC_ARGS:
            return total
        a = buf[2] if total > 2 else 0
        m = self.modes
        if c == 0x40:                                  # ESC @: modes back to power-on, print buffer emptied
            self.modes = _Modes()
            self._pending = _Pending()
        elif c == 0x21:
            m.font, m.bold = a & 1, bool(a & 0x08)
            m.height, m.width = (2 if a & 0x10 else 1), (2 if a & 0x20 else 1)
            m.underline = 1 if a & 0x80 else 0
        elif c == 0x45:
            m.bold = bool(a & 1)
        elif c == 0x2D:
            m.underline = a & 3 if a & 3 != 3 else 0
        elif c == 0x4D:
            m.font = a & 3 if a & 3 < 3 else 0
        elif c == 0x61:
            m.align = a & 3
        elif c == 0x74:
            if a in CODEPAGES:
                m.codepage = a
            else:
                self._unknown(buf[:3], "code page the simulator does not know")
        elif c == 0x52:
            m.intl = a
        elif c == 0x7B:
            m.upside_down = bool(a & 1)
        elif c == 0x64:                                # ESC d n: print and feed n lines
            if a == 0:
                if self._pending.chars:
                    self._end_line()
            else:
                self._end_line()
                for _ in range(a - 1):
                    self._end_line()
        elif c == 0x4A:                                # ESC J n: print and feed n dots
            if self._pending.chars:
                self._end_line()
        elif c == 0x70:                                # ESC p m t1 t2: drawer kick
            self.drawer_kicks += 1
            self._event(f"drawer kick on pin {2 if a in (0, 48) else 5}")
        elif c in (0x69, 0x6D):                        # ESC i / ESC m: the old cut commands
            self._cut("full" if c == 0x69 else "partial")
        return total

    def _gs(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        c = buf[1]
        if c == 0x56:                                  # GS V: cut
            if len(buf) < 3:
                return 0
            m = buf[2]
            if m in (0, 48, 1, 49):
                self._cut("full" if m in (0, 48) else "partial")
                return 3
            if m in (65, 66, 97, 98, 103, 104):
                if len(buf) < 4:
                    return 0
                self._cut("full" if m in (65, 97, 103) else "partial", feed_lines=1 if buf[3] else 0)
                return 4
            self._unknown(buf[:3], "GS V mode")
            return 3
        if c == 0x6B:
            return self._barcode(buf)
        if c == 0x28:                                  # GS ( x pL pH ...
            total = _with_length(buf)
            if total:
                self._gs_paren(buf[2], bytes(buf[5:total]))
            return total
        if c == 0x38:                                  # GS 8 L p1..p4 m fn ...: graphics with a 4-byte length
            if len(buf) < 7:
                return 0
            size = int.from_bytes(buf[3:7], "little")
            if buf[2] != 0x4C or size > 1 << 24:
                self._unknown(buf[:3], "GS 8")
                return 3
            if len(buf) < 7 + size:
                return 0
            self._gs_paren(0x4C, bytes(buf[7:7 + size]))
            return 7 + size
        if c == 0x76:                                  # GS v 0 m xL xH yL yH d..: raster bit image
            if len(buf) < 8:
                return 0
            if buf[2] != 0x30:
                self._unknown(buf[:3], "GS v")
                return 3
            x, y = buf[4] + 256 * buf[5], buf[6] + 256 * buf[7]
            if len(buf) < 8 + x * y:
                return 0
            m = buf[3] & 3
            self._image(x * 8 * (2 if m & 1 else 1), y * (2 if m & 2 else 1))
            return 8 + x * y
        if c == 0x2A:                                  # GS * x y d..: define a downloaded bit image
            if len(buf) < 4:
                return 0
            total = 4 + buf[2] * buf[3] * 8
            return total if len(buf) >= total else 0
        total = self._fixed(buf, GS_ARGS)
        if not total or c not in GS_ARGS:
            return total
        a = buf[2] if total > 2 else 0
        m = self.modes
        if c == 0x21:
            m.width, m.height = ((a >> 4) & 7) + 1, (a & 7) + 1
        elif c == 0x42:
            m.invert = bool(a & 1)
        elif c == 0x61:                                # GS a n: Automatic Status Back
            self.asb_mask = a
            self._last_asb = b""
            if a:
                self._state_changed()
        elif c == 0x72:                                # GS r n: status, in sequence
            if a in (1, 49):
                self._send(bytes((self._roll_bits(),)))
            elif a in (2, 50):
                self._send(b"\x00")
        elif c == 0x2F:
            self._block("[IMAGE downloaded]", "image")
        return total

    def _fixed(self, buf: bytearray, table: dict[int, int]) -> int:
        """The length of the fixed-length command at the start of ``buf`` (``table``: how many bytes follow the
        command letter), 0 while incomplete; an unknown command is counted and skipped as its two bytes."""
        args = table.get(buf[1])
        if args is None:
            self._unknown(buf[:2])
            return 2
        return 2 + args if len(buf) >= 2 + args else 0

    def _gs_paren(self, kind: int, body: bytes) -> None:
        if kind == 0x6B and len(body) >= 2:            # GS ( k: 2D symbols
            cn, fn = body[0], body[1]
            name = SYMBOLS.get(cn, f"2D-{cn:02x}")
            if fn == 0x50 and len(body) >= 3:          # store the data (after m)
                self._symbol[cn] = body[3:]
            elif fn == 0x51:                           # print the stored symbol
                data = self._symbol.get(cn, b"")
                self._block(f"[{name} {data.decode('utf-8', errors='replace')}]", "code", 4)
        elif kind == 0x48 and len(body) >= 6 and body[0] == 0x30:   # GS ( H fn 48: process-ID response
            pid = body[2:6]
            if self.process_id:
                self.process_ids.append(pid.decode("ascii", errors="replace"))
                self._send(b"\x37\x22" + pid + b"\x00")
        elif kind == 0x4C and len(body) >= 2:          # GS ( L / GS 8 L: graphics
            fn = body[1]
            if fn in (0x70, 0x71) and len(body) >= 10:   # store raster graphics: a bx by c xL xH yL yH
                self._graphics = (body[6] + 256 * body[7], body[8] + 256 * body[9])
            elif fn == 0x32 and self._graphics:          # print the stored graphics
                self._image(*self._graphics)

    def _barcode(self, buf: bytearray) -> int:
        if len(buf) < 3:
            return 0
        m = buf[2]
        if m <= 6:                                     # function A: data up to NUL
            end = buf.find(0, 3)
            if end < 0:
                if len(buf) > 3 + 255:
                    self._unknown(buf[:3], "GS k without NUL")
                    return 3
                return 0
            data, total = bytes(buf[3:end]), end + 1
        elif 65 <= m <= 79:                            # function B: a length byte, then the data
            if len(buf) < 4:
                return 0
            n = buf[3]
            if len(buf) < 4 + n:
                return 0
            data, total = bytes(buf[4:4 + n]), 4 + n
        else:
            self._unknown(buf[:3], "barcode type")
            return 3
        name = BARCODES[m]
        if name in ("CODE128", "GS1-128"):
            text = code128_text(data)
        else:
            text = data.decode("ascii", errors="replace")
            if name == "EAN13" and len(text) == 12 and text.isdigit():
                text += ean_check_digit(text)           # the printer adds the check digit
        self._block(f"[{name} {text}]", "code", 3)
        return total

    def _fs(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        c = buf[1]
        if c == 0x28:                                  # FS ( x pL pH ...
            return _with_length(buf)
        total = self._fixed(buf, FS_ARGS)
        if total and c == 0x70:
            self._block(f"[NV IMAGE {buf[2]}]", "image")
        return total

    def _dle(self, buf: bytearray) -> int:
        """A real-time command met in sequence: it was executed when it arrived, so only its length matters."""
        if len(buf) < 3:
            return 0
        c = buf[1]
        if c in (0x04, 0x05):
            return 3
        if c == 0x14:
            total = {1: 5, 2: 5, 7: 4, 8: 10}.get(buf[2], 3)
            return total if len(buf) >= total else 0
        self._unknown(buf[:2])
        return 2

    # ----------------------------------------------------------------------------------------------- reading

    def receipt_texts(self) -> list[str]:
        with self.lock:
            return [r.text for r in self.receipts]

    def current_text(self) -> str:
        """What is on the paper since the last cut (and in the line being filled)."""
        with self.lock:
            lines = list(self._lines)
            if self._pending.chars:
                pending = self._pending.line or Line("")
                lines.append(Line("".join(self._pending.chars), pending.align, font=pending.font,
                                  width=pending.width))
            return Receipt(lines, "", self.dots).text.strip("\n")

    def buffered(self) -> int:
        """Bytes received and not yet printed (waiting for paper, the cover, or more of a command)."""
        with self.lock:
            return len(self._rx)
