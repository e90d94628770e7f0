"""ZVT TLV data objects: what BMP 06 carries (receipt text blocks, permitted commands, printer width, long trace...).

BER-style, as PROTOCOLS.md 4.1 describes: a tag of one byte, or more when its low five bits are all ones (then every
following byte with its top bit set announces one more); bit 6 of the first tag byte marks a *constructed* object
whose value is itself a list of objects; the length is one byte below 0x80, else ``81 xx`` or ``82 hi lo``
(big-endian, unlike the APDU's extended length). Tags are kept as integers of their bytes (``0x1F07``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from hal.payment.errors import ZvtProtocolError

# Tags the kiosk uses (PROTOCOLS.md 4.5).
TEXT_LINE = 0x07
ATTRIBUTE = 0x09
ZVT_COMMAND = 0x0A
PRINTER_WIDTH = 0x12
CHARACTER_SET = 0x14
MAX_APDU_LENGTH = 0x1A
DISPLAY_TEXTS = 0x24
PRINT_TEXTS = 0x25
PERMITTED_COMMANDS = 0x26
RECEIPT_TYPE = 0x1F07
LONG_TRACE = 0x1F2B
CARD_TYPE_ID = 0x41


def is_constructed(tag: int) -> bool:
    return bool(tag_bytes(tag)[0] & 0x20)


def tag_bytes(tag: int) -> bytes:
    """The tag's bytes, checked: a multi-byte tag starts with xxx11111 and continues while bit 8 is set."""
    if tag < 0 or tag > 0xFFFFFFFF:
        raise ZvtProtocolError(f"TLV tag {tag!r} is out of range")
    raw = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    more = (raw[0] & 0x1F) == 0x1F
    if more != (len(raw) > 1) or any(not b & 0x80 for b in raw[1:-1]) or (len(raw) > 1 and raw[-1] & 0x80):
        raise ZvtProtocolError(f"{tag:X} is not a valid BER tag")
    return raw


def length_bytes(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    if n <= 0xFF:
        return bytes((0x81, n))
    if n <= 0xFFFF:
        return bytes((0x82, n >> 8, n & 0xFF))
    raise ZvtProtocolError(f"a TLV value of {n} bytes is too long (at most 65535)")


def read_length(data: bytes, i: int, what: str = "TLV") -> tuple[int, int]:
    """The BER length at ``data[i]`` and the index after it."""
    if i >= len(data):
        raise ZvtProtocolError(f"{what}: length missing at offset {i}")
    first = data[i]
    if first < 0x80:
        return first, i + 1
    if first in (0x81, 0x82):
        n = first - 0x80
        if i + 1 + n > len(data):
            raise ZvtProtocolError(f"{what}: length field {data[i:i + 1 + n].hex(' ').upper()} is cut off")
        return int.from_bytes(data[i + 1:i + 1 + n], "big"), i + 1 + n
    raise ZvtProtocolError(f"{what}: unsupported length byte {first:02X} at offset {i} (1 byte, 81 xx or 82 xx xx)")


@dataclass(frozen=True, slots=True)
class Tlv:
    """One data object: a primitive one has ``value`` bytes, a constructed one has ``children``."""
    tag: int
    value: bytes = b""
    children: tuple["Tlv", ...] = ()

    @classmethod
    def of(cls, tag: int, value: "bytes | str | int | Iterable[Tlv]" = b"") -> "Tlv":
        """Build an object: bytes as they are, str as CP437 text (ZVT's default set), int as one byte, or children."""
        if is_constructed(tag):
            if isinstance(value, (bytes, bytearray)):
                return cls(tag, children=parse(bytes(value)))
            return cls(tag, children=tuple(value))            # type: ignore[arg-type]
        if isinstance(value, str):
            value = value.encode("cp437", errors="replace")
        elif isinstance(value, int):
            value = bytes((value,))
        return cls(tag, bytes(value))                          # type: ignore[arg-type]

    @property
    def constructed(self) -> bool:
        return is_constructed(self.tag)

    def encode(self) -> bytes:
        body = b"".join(c.encode() for c in self.children) if self.constructed else self.value
        return tag_bytes(self.tag) + length_bytes(len(body)) + body

    def text(self, encoding: str = "cp437") -> str:
        return self.value.decode(encoding, errors="replace")

    def walk(self) -> Iterator["Tlv"]:
        yield self
        for c in self.children:
            yield from c.walk()

    def __repr__(self) -> str:
        if self.constructed:
            return f"Tlv({self.tag:X}, [{', '.join(map(repr, self.children))}])"
        return f"Tlv({self.tag:X}, {self.value.hex(' ').upper()})"


def parse(data: bytes, *, _depth: int = 0) -> tuple[Tlv, ...]:
    """All objects in ``data`` (constructed ones parsed recursively)."""
    if _depth > 16:
        raise ZvtProtocolError("TLV nested more than 16 levels deep")
    data = bytes(data)
    out: list[Tlv] = []
    i = 0
    while i < len(data):
        start = i
        first = data[i]
        i += 1
        if (first & 0x1F) == 0x1F:
            while True:
                if i >= len(data):
                    raise ZvtProtocolError(f"TLV tag starting {data[start:].hex(' ').upper()} is cut off")
                b = data[i]
                i += 1
                if not b & 0x80:
                    break
                if i - start > 4:
                    raise ZvtProtocolError(f"TLV tag at offset {start} is longer than 4 bytes")
        tag = int.from_bytes(data[start:i], "big")
        n, i = read_length(data, i, f"TLV tag {tag:X}")
        if i + n > len(data):
            raise ZvtProtocolError(f"TLV tag {tag:X} says {n} bytes but only {len(data) - i} follow")
        value = data[i:i + n]
        i += n
        if first & 0x20:
            out.append(Tlv(tag, children=parse(value, _depth=_depth + 1)))
        else:
            out.append(Tlv(tag, value))
    return tuple(out)


def encode(objects: Iterable[Tlv]) -> bytes:
    return b"".join(o.encode() for o in objects)


def find(objects: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first object with ``tag``, searching constructed objects depth-first."""
    for o in objects:
        for node in o.walk():
            if node.tag == tag:
                return node
    return None


def find_all(objects: Iterable[Tlv], tag: int) -> list[Tlv]:
    return [node for o in objects for node in o.walk() if node.tag == tag]
