"""ESC/POS as the driver speaks it: the commands it adds around a job, the printer's replies and what they mean.

Pure functions and one small parser, no I/O. :func:`decode_status` turns the four DLE EOT reply bytes into a
:class:`~hal.printer.base.PrinterStatus`; :class:`ReplyParser` splits the printer's back channel (status bytes,
Automatic Status Back frames, process-ID and clear responses, line noise) into events. Byte facts come from
PROTOCOLS.md 3.4 and, for GS ( H and DLE DC4 fn 8, from Epson's ESC/POS command reference (cited where used).
"""

from __future__ import annotations

from hal.printer.base import PrinterStatus

INIT = b"\x1b@"                       # ESC @: reset modes and the print buffer (not the receive buffer)

# DLE DC4 fn=8 "clear buffer(s)": a real-time command that empties the receive and the print buffer, even while the
# printer is offline for paper end, and answers 37 25 00 [S: Epson ESC/POS reference, TM-T88IV and later; Citizen
# CT-S300 manual]. After a job was cut short this is what keeps its unprinted rest from coming out once paper is
# back. Epson: send nothing else until the clear response has arrived.
CLEAR_BUFFERS = bytes.fromhex("10 14 08 01 03 14 01 06 02 08")

# DLE ENQ 2: recover from a recoverable error (auto-cutter jam) after clearing the buffers. Only effective in that
# error state, so it is not the general way back from paper end [S: Epson ESC/POS reference].
RECOVER_AND_CLEAR = b"\x10\x05\x02"

# GS V 65 0: feed to the cutting position and cut. Sent before a job is printed again, so whatever its interrupted
# attempt left on the paper is cut off as its own (spoiled) piece instead of becoming the head of the new receipt.
FEED_AND_CUT = b"\x1dV\x41\x00"

# GS a n, Automatic Status Back: bit 1 online/offline, bit 2 errors, bit 3 roll-paper sensor (no drawer).
ASB_MASK = 0x0E


def status_query(n: int) -> bytes:
    """DLE EOT n: real-time status, answered with one byte even mid-job (1 printer, 2 offline cause, 3 error cause,
    4 roll-paper sensor)."""
    if n not in (1, 2, 3, 4):
        raise ValueError(f"DLE EOT {n}: only 1-4 are status requests every ESC/POS printer answers")
    return bytes((0x10, 0x04, n))


def asb_command(mask: int) -> bytes:
    return b"\x1da" + bytes((mask & 0xFF,))


def process_id_request(pid: str) -> bytes:
    """GS ( H fn=48: ask for the process-ID response ``37 22 d1..d4 00`` once all data before it is processed.

    For print data that is when printing has completed [S: Epson ESC/POS reference, "GS ( H <Function 48>";
    [unverified] on our printers: check each model, clones often ignore it - use ``confirm=status`` for those].
    The four ID bytes may be 0x20-0x7E; we use four ASCII digits.
    """
    raw = pid.encode("ascii")
    if len(raw) != 4 or any(not 0x20 <= b <= 0x7E for b in raw):
        raise ValueError(f"process id {pid!r} must be 4 printable ASCII characters")
    return b"\x1d(H\x06\x00\x30\x30" + raw


def is_status_byte(b: int) -> bool:
    """A DLE EOT reply has the form 0xx1xx10 (bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0)."""
    return b & 0x93 == 0x12


def is_asb_start(b: int) -> bool:
    """The first byte of an Automatic Status Back frame has the form 0xx1xx00."""
    return b & 0x93 == 0x10


def decode_status(printer: int | None = None, offline: int | None = None, error: int | None = None,
                  paper: int | None = None) -> PrinterStatus:
    """The four DLE EOT replies (n = 1..4) as a status; a missing or malformed reply makes its part unknown.

    Unknown is never "out": ``paper`` is "unknown" unless a valid reply says otherwise, ``online`` is None unless
    the printer-status reply came back valid.
    """
    p, o, e, s = (b if b is not None and is_status_byte(b) else None for b in (printer, offline, error, paper))
    online = None if p is None else not p & 0x08
    cover_open = None if o is None else bool(o & 0x04)
    if s is not None:
        state = "out" if s & 0x60 == 0x60 else "near_end" if s & 0x0C == 0x0C else "ok"
    else:
        state = "unknown"
    if o is not None and o & 0x20:          # "printing stopped by paper end", whatever the sensor says now
        state = "out"
    fault = None
    if e is not None:
        if e & 0x08:
            fault = "cutter"
        elif e & 0x20:
            fault = "unrecoverable"
        elif e & 0x40:
            fault = "auto_recoverable"
        elif e & 0x04:
            fault = "recoverable"
    if fault is None and o is not None and o & 0x40:
        fault = "error"                      # an error occurred, cause not reported
    return PrinterStatus(online=online, paper=state, cover_open=cover_open, error=fault)


def decode_asb(frame: bytes) -> PrinterStatus:
    """A 4-byte Automatic Status Back frame [S: PROTOCOLS.md 3.4] as a status."""
    if len(frame) != 4 or not is_asb_start(frame[0]):
        raise ValueError(f"not an ASB frame: {frame.hex(' ')}")
    b1, b2, b3, _ = frame
    state = "out" if b3 & 0x0C else "near_end" if b3 & 0x03 else "ok"
    fault = "cutter" if b2 & 0x08 else "unrecoverable" if b2 & 0x20 else "auto_recoverable" if b2 & 0x40 else None
    return PrinterStatus(online=not b1 & 0x08, paper=state, cover_open=bool(b1 & 0x20), error=fault)


def refusal(status: PrinterStatus) -> tuple[str, str]:
    """Why a printer that is not ready cannot take a job: (JobResult outcome, what the attendant should do)."""
    if status.online is None:
        return "offline", "the printer does not answer status requests: check power, cable or address"
    if status.cover_open:
        return "cover_open", "the printer cover is open: close it"
    if status.paper == "out":
        return "paper_out", "the printer is out of paper: put in a new roll"
    if status.error:
        return "failed", f"printer error ({status.error}): clear the paper path or cutter, then close the cover"
    if not status.online:
        return "offline", "the printer is offline (feed button held, or waiting to recover)"
    return "offline", "the printer did not report its paper sensor"


_RESPONSE_LENGTH = {0x22: 7, 0x25: 3}        # process ID: 37 22 d1..d4 00; clear: 37 25 00


class ReplyParser:
    """Splits what the printer sends back into events, resynchronising one byte at a time on anything unexpected.

    Events: ``("status", byte)``, ``("invalid", byte)``, ``("asb", frame)`` (only when ASB is expected; otherwise
    such bytes are invalid), ``("process_id", "0042")``, ``("cleared", b"")`` and ``("response", frame)`` for other
    ``37 xx .. 00`` responses. Response headers (37) can never be status bytes (bit 0 is set), and the digits inside
    a process-ID response are read as part of it, never as status.
    """

    def __init__(self, asb: bool = False):
        self.asb = asb
        self._frame: bytearray | None = None
        self._kind = ""

    def feed(self, data: bytes) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = []
        for b in data:
            self._byte(b, out)
        return out

    def _byte(self, b: int, out: list) -> None:
        frame = self._frame
        if frame is None:
            if b == 0x37:
                self._frame, self._kind = bytearray((b,)), "response"
            elif is_status_byte(b):
                out.append(("status", b))
            elif self.asb and is_asb_start(b):
                self._frame, self._kind = bytearray((b,)), "asb"
            else:
                out.append(("invalid", b))
            return
        frame.append(b)
        if self._kind == "asb":
            if len(frame) == 4:
                out.append(("asb", bytes(frame)))
                self._frame = None
            return
        if len(frame) == 2 and not 0x20 <= b <= 0x2F:
            # 37 was line noise, not a response header: drop it and read this byte afresh
            self._frame = None
            out.append(("invalid", 0x37))
            self._byte(b, out)
            return
        if b != 0 and len(frame) < 16:
            return
        self._frame = None
        want = _RESPONSE_LENGTH.get(frame[1])
        if b != 0 or (want is not None and len(frame) != want):
            out.extend(("invalid", x) for x in frame)
        elif frame[1] == 0x22:
            out.append(("process_id", frame[2:6].decode("ascii")))
        elif frame[1] == 0x25:
            out.append(("cleared", b""))
        else:
            out.append(("response", bytes(frame)))
