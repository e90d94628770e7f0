"""ZVT APDUs: the unit both sides exchange, ``CLASS INSTR LEN [DATA]`` (PROTOCOLS.md 4.1).

A command is ``06 01 ...``, a reply ``80 00 00`` (positive) or ``84 <code> ...`` (negative). LEN is one byte for
0..254 data bytes; ``FF`` means the next two bytes hold the length, low byte first (0..65535). Over TCP APDUs come back
to back with no framing, so :class:`ApduReader` cuts them out of a byte stream by their headers, whatever pieces the
stream arrives in. Anything that is not a valid APDU raises :class:`~hal.payment.errors.ZvtProtocolError` with the
offending bytes in the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from hal.payment.errors import ZvtProtocolError

MAX_DATA = 0xFFFF

# Command names, for logs and error messages (both directions).
NAMES: dict[bytes, str] = {
    b"\x06\x00": "Registration", b"\x06\x01": "Authorisation", b"\x06\x02": "Log-Off",
    b"\x06\x0f": "Completion", b"\x06\x10": "Send Turnover Totals", b"\x06\x1e": "Abort (PT)",
    b"\x06\x20": "Repeat Receipt", b"\x06\x30": "Reversal", b"\x06\x31": "Refund", b"\x06\x50": "End-of-Day",
    b"\x06\x70": "Diagnosis", b"\x06\x91": "Set Date/Time", b"\x06\x93": "Initialisation", b"\x06\xb0": "Abort",
    b"\x06\xc0": "Read Card", b"\x06\xd1": "Print Line", b"\x06\xd3": "Print Text-Block", b"\x06\xe0": "Display Text",
    b"\x05\x01": "Status Enquiry", b"\x04\x01": "Set Date/Time in ECR", b"\x04\x0f": "Status Information",
    b"\x04\xff": "Intermediate Status", b"\x08\x40": "Change Baudrate", b"\x08\x50": "Activate Card Reader",
    b"\x80\x00": "ACK", b"\x84\x00": "ACK (84 00)",
}


@dataclass(frozen=True, slots=True)
class Apdu:
    cls: int
    instr: int
    data: bytes = b""

    @property
    def command(self) -> bytes:
        return bytes((self.cls, self.instr))

    @property
    def is_reply(self) -> bool:
        """A reply to a command (80 xx / 84 xx) rather than a command."""
        return self.cls in (0x80, 0x84)

    @property
    def is_positive(self) -> bool:
        """``80 00`` and ``84 00`` both mean yes (the latter from vending terminals)."""
        return self.cls in (0x80, 0x84) and (self.cls == 0x80 or self.instr == 0x00)

    @property
    def name(self) -> str:
        if self.cls == 0x84 and self.instr != 0:
            return f"NAK 84 {self.instr:02X}"
        return NAMES.get(self.command, f"command {self.cls:02X} {self.instr:02X}")

    def encode(self) -> bytes:
        return encode(self.cls, self.instr, self.data)

    def __repr__(self) -> str:
        data = self.data.hex(" ").upper()
        return f"Apdu({self.cls:02X} {self.instr:02X} [{len(self.data)}] {data[:120]}{'…' if len(data) > 120 else ''})"


ACK = Apdu(0x80, 0x00)


def nak(code: int) -> Apdu:
    """A negative reply ``84 <code> 00``."""
    return Apdu(0x84, code & 0xFF)


def length_field(n: int) -> bytes:
    if n < 0 or n > MAX_DATA:
        raise ZvtProtocolError(f"an APDU carries at most {MAX_DATA} data bytes, not {n}")
    if n < 0xFF:
        return bytes((n,))
    return bytes((0xFF, n & 0xFF, n >> 8))


def encode(cls: int, instr: int, data: bytes = b"") -> bytes:
    if not (0 <= cls <= 0xFF and 0 <= instr <= 0xFF):
        raise ZvtProtocolError(f"APDU class/instruction must be bytes, not {cls!r}/{instr!r}")
    return bytes((cls, instr)) + length_field(len(data)) + bytes(data)


def total_length(buf: bytes | bytearray | memoryview) -> int | None:
    """The size of the APDU at the start of ``buf``, header included, or None while the header is incomplete."""
    if len(buf) < 3:
        return None
    if buf[2] != 0xFF:
        return 3 + buf[2]
    if len(buf) < 5:
        return None
    return 5 + (buf[3] | (buf[4] << 8))


def decode(raw: bytes) -> Apdu:
    """Exactly one APDU; a truncated one or one with bytes after it is an error that shows the bytes."""
    raw = bytes(raw)
    n = total_length(raw)
    if n is None:
        raise ZvtProtocolError(f"truncated APDU header: {raw.hex(' ').upper() or '(nothing)'}")
    if len(raw) < n:
        raise ZvtProtocolError(f"truncated APDU: header says {n - (5 if raw[2] == 0xFF else 3)} data bytes, "
                               f"got {len(raw) - (5 if raw[2] == 0xFF else 3)} ({raw[:40].hex(' ').upper()})")
    if len(raw) > n:
        raise ZvtProtocolError(f"{len(raw) - n} bytes after the end of the APDU ({raw[:40].hex(' ').upper()})")
    start = 5 if raw[2] == 0xFF else 3
    return Apdu(raw[0], raw[1], raw[start:n])


class ApduReader:
    """Re-assembles APDUs from a TCP stream: ``feed(chunk)`` returns the APDUs completed by it (maybe none, maybe
    several); an unfinished one waits for the next chunk."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[Apdu]:
        self._buf += chunk
        out: list[Apdu] = []
        while True:
            n = total_length(self._buf)
            if n is None or len(self._buf) < n:
                return out
            out.append(decode(bytes(self._buf[:n])))
            del self._buf[:n]

    @property
    def pending(self) -> int:
        """Bytes of an unfinished APDU waiting for the rest."""
        return len(self._buf)

    def clear(self) -> None:
        self._buf.clear()
