"""ZVT over RS-232 (PROTOCOLS.md 4.2): each APDU in a block ``DLE STX <APDU, DLE doubled> DLE ETX CRC-lo CRC-hi``.

The line runs 9600 baud (or 115200), 8 data bits, no parity, 2 stop bits. The receiver answers every block at once
with a bare ACK (06) or, when the CRC or the framing is wrong or the bytes stop for more than T1 (200 ms) inside a
block, NAK (15). The sender waits T2 (5 s) for that answer and sends the block again after a NAK or silence, up to two
more times, then gives up with :class:`~hal.payment.errors.TransportError`. The CRC is CRC-16/KERMIT (reflected
polynomial 0x8408, init 0, no final XOR) over the unstuffed APDU and the ETX, sent low byte first.

:func:`frame` and :class:`Deframer` are the pure codec, shared with the terminal simulator; :class:`SerialLink` is the
client's side over pyserial (``zvt+serial:///dev/serial/by-id/...?baud=9600``).
"""

from __future__ import annotations

import threading
import time

from hal.errors import require
from hal.payment.apdu import Apdu, decode
from hal.payment.errors import ConnectionLost, TerminalNotFound, TransportError, ZvtProtocolError
from hal.payment.link import Link

DLE, STX, ETX, ACK, NAK = 0x10, 0x02, 0x03, 0x06, 0x15
T1_S = 0.2          # longest gap between two bytes of one block
T2_S = 5.0          # longest wait for ACK/NAK after a block
RETRIES = 2         # resends after the first try
MAX_BLOCK = 2 * 65540


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/KERMIT, bit by bit (a few hundred bytes per block; no table needed)."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def frame(apdu: bytes) -> bytes:
    """The serial block for one encoded APDU."""
    crc = crc16(apdu + bytes((ETX,)))
    return bytes((DLE, STX)) + apdu.replace(b"\x10", b"\x10\x10") + bytes((DLE, ETX, crc & 0xFF, crc >> 8))


def unframe(block: bytes) -> bytes:
    """The APDU bytes of exactly one block (for tests and tools); a bad block raises ZvtProtocolError."""
    d = Deframer()
    events = d.feed(block, 0.0)
    frames = [e for e in events if e[0] == "frame"]
    bad = [e for e in events if e[0] == "bad"]
    if bad:
        raise ZvtProtocolError(bad[0][1])
    if len(frames) != 1 or d.in_block:
        raise ZvtProtocolError(f"not exactly one complete block: {block.hex(' ').upper()}")
    return frames[0][1]


class Deframer:
    """Splits the bytes of a serial line into events: ``("ack",)``, ``("nak",)``, ``("frame", apdu_bytes)`` and
    ``("bad", reason)`` for a block to be NAKed. Bytes outside a block that are neither ACK nor NAK are line noise
    and are dropped. ``check_gap(now)`` reports a block whose bytes stopped for longer than T1."""

    def __init__(self, t1: float = T1_S) -> None:
        self.t1 = t1
        self._state = "idle"
        self._buf = bytearray()
        self._crc_lo = 0
        self._last = 0.0
        self.noise = 0

    @property
    def in_block(self) -> bool:
        return self._state not in ("idle", "idle-dle")

    def feed(self, data: bytes, now: float) -> list[tuple]:
        out: list[tuple] = []
        if self.in_block and now - self._last > self.t1:
            out.append(self._abandon(f"more than {self.t1 * 1000:.0f} ms between two bytes of a block (T1)"))
        self._last = now
        for b in data:
            s = self._state
            if s == "idle":
                if b == ACK:
                    out.append(("ack",))
                elif b == NAK:
                    out.append(("nak",))
                elif b == DLE:
                    self._state = "idle-dle"
                else:
                    self.noise += 1
            elif s == "idle-dle":
                if b == STX:
                    self._state, self._buf = "data", bytearray()
                else:
                    self.noise += 1
                    self._state = "idle"
            elif s == "data":
                if b == DLE:
                    self._state = "dle"
                else:
                    self._buf.append(b)
                    if len(self._buf) > MAX_BLOCK:
                        out.append(self._abandon("block longer than any APDU"))
            elif s == "dle":
                if b == DLE:
                    self._buf.append(DLE)
                    self._state = "data"
                elif b == ETX:
                    self._state = "crc1"
                elif b == STX:             # a new block began before this one ended: this one is lost
                    out.append(("bad", "block started again before it ended (DLE STX inside a block)"))
                    self._state, self._buf = "data", bytearray()
                else:
                    out.append(self._abandon(f"DLE followed by {b:02X} inside a block"))
            elif s == "crc1":
                self._crc_lo = b
                self._state = "crc2"
            elif s == "crc2":
                got = self._crc_lo | (b << 8)
                want = crc16(bytes(self._buf) + bytes((ETX,)))
                self._state = "idle"
                if got == want:
                    out.append(("frame", bytes(self._buf)))
                else:
                    out.append(("bad", f"CRC {got:04X} where {want:04X} was expected"))
        return out

    def check_gap(self, now: float) -> tuple | None:
        if self.in_block and now - self._last > self.t1:
            return self._abandon(f"more than {self.t1 * 1000:.0f} ms between two bytes of a block (T1)")
        return None

    def _abandon(self, reason: str) -> tuple:
        self._state, self._buf = "idle", bytearray()
        return ("bad", reason)


class SerialLink(Link):
    """The ECR's end of the serial cable (pyserial, 8N2)."""

    def __init__(self, path: str, *, baud: int = 9600, t1: float = T1_S, t2: float = T2_S, retries: int = RETRIES):
        super().__init__()
        self.path, self.baud = path, baud
        self.t2, self.retries = t2, retries
        self.description = f"ZVT terminal on {path}"
        self.deframer = Deframer(t1)
        self._serial = None
        self._acks: list[str] = []
        self._ack_cv = threading.Condition()
        self._send_lock = threading.Lock()
        self.naks_sent = 0
        self.resends = 0
        self.bytes_read = 0
        self.bytes_written = 0

    def open(self) -> None:
        serial = require("serial", "pip install pyserial", "the ZVT serial driver (zvt+serial://)")
        try:
            self._serial = serial.Serial(self.path, self.baud, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
                                         stopbits=serial.STOPBITS_TWO, timeout=0.02, write_timeout=self.t2,
                                         xonxoff=False, rtscts=False, dsrdtr=False)
        except (OSError, serial.SerialException) as exc:
            raise TerminalNotFound(f"cannot open the card terminal's serial port {self.path} ({exc}); check the "
                                   f"cable, the path in the payment URL (zvt+serial:///dev/serial/by-id/...) and "
                                   f"that the user may open it (group dialout)") from exc
        self._start_reader()

    def _read_loop(self) -> None:
        ser = self._serial
        while not self._closing:
            try:
                data = ser.read(max(1, ser.in_waiting))
            except Exception as exc:         # pyserial raises SerialException/OSError/TypeError on a vanished port
                self._fail(ConnectionLost(f"{self.description}: serial line lost ({exc})"))
                self._wake_sender()
                return
            now = time.monotonic()
            self.bytes_read += len(data)
            events = self.deframer.feed(data, now) if data else []
            if not data:
                gap = self.deframer.check_gap(now)
                if gap:
                    events.append(gap)
            for ev in events:
                self._handle(ev)

    def _handle(self, ev: tuple) -> None:
        kind = ev[0]
        if kind in ("ack", "nak"):
            with self._ack_cv:
                self._acks.append(kind)
                self._ack_cv.notify_all()
        elif kind == "bad":
            self.naks_sent += 1
            self._write(bytes((NAK,)))
        else:
            self._write(bytes((ACK,)))
            try:
                self._deliver(decode(ev[1]))
            except ZvtProtocolError as exc:
                # the block arrived intact, the APDU in it is wrong: a terminal bug, not line noise
                self._fail(ZvtProtocolError(f"{self.description} sent a malformed APDU: {exc}"))

    def _write(self, data: bytes) -> None:
        with self._wlock:
            try:
                self._serial.write(data)
                self.bytes_written += len(data)
            except Exception as exc:
                self._fail(ConnectionLost(f"{self.description}: cannot write to the serial line ({exc})"))

    def _wake_sender(self) -> None:
        with self._ack_cv:
            self._ack_cv.notify_all()

    def send(self, apdu: Apdu) -> None:
        block = frame(apdu.encode())
        with self._send_lock:
            for attempt in range(1 + self.retries):
                if self._error is not None:
                    raise self._error
                with self._ack_cv:
                    self._acks.clear()
                if attempt:
                    self.resends += 1
                self._write(block)
                answer = self._wait_ack()
                if answer == "ack":
                    return
            raise TransportError(f"{self.description} did not acknowledge {apdu.name} after {1 + self.retries} "
                                 f"tries (no ACK within T2 = {self.t2} s, or NAK each time); check the cable, the "
                                 f"baud rate (baud= in the URL) and that the terminal is set to ZVT on its serial "
                                 f"port")

    def _wait_ack(self) -> str | None:
        deadline = time.monotonic() + self.t2
        with self._ack_cv:
            while not self._acks:
                if self._error is not None:
                    raise self._error
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._ack_cv.wait(left)
            return self._acks.pop(0)

    def _close_wire(self) -> None:
        ser = self._serial
        if ser is None:
            return
        try:
            ser.close()
        except Exception:
            pass
