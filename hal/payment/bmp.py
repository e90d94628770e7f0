"""ZVT bitmaps (BMPs): the tagged fields of a command's data block, decoded to Python values and back.

Every BMP is one tag byte and a value whose length the tag fixes (PROTOCOLS.md 4.5): fixed binary or BCD, LLVAR /
LLLVAR (``Fx Fy [Fz]`` length prefix, counted in bytes), or the TLV container 06 with a BER length. A reader that
meets a tag it does not know cannot tell where the next one starts, so an unknown tag is an error, as is a truncated
value or a BCD field holding non-digits; every message names the BMP and the offset.

Values: amounts and counters (04, 0B, 17, 37, 49, 87, 88) are ``int``; dates, times, the TID and the password are
digit strings (``"223953"``); binary bytes (01, 19, 27, 8A ...) are ``int``; texts are ``str`` (CP437, ZVT's default
character set); the PAN (22) is a ``str`` with ``*`` for the digits the terminal masked (``E`` nibbles); LLVAR data
without a text meaning stays ``bytes``; 06 is a tuple of :class:`~hal.payment.tlv.Tlv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from hal.payment import tlv as tlvmod
from hal.payment.errors import ZvtProtocolError

# Tags the client and the simulator use by name.
TIMEOUT, MAX_STATUS_INFOS, SERVICE_BYTE, AMOUNT, PUMP_NO, TLV = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
TRACE_NO, TIME, DATE, EXPIRY, CARD_SEQ_NO, TYPE_BYTE, PAN = 0x0B, 0x0C, 0x0D, 0x0E, 0x17, 0x19, 0x22
RESULT_CODE, TERMINAL_ID, VU_NUMBER, ORIGINAL_TRACE, APPROVAL_CODE, ADDITIONAL_TEXT = 0x27, 0x29, 0x2A, 0x37, 0x3B, 0x3C
PASSWORD, CURRENCY, TOTALS, RECEIPT_NO, TURNOVER_NO, CARD_TYPE, CARD_NAME = 0x3D, 0x49, 0x60, 0x87, 0x88, 0x8A, 0x8B
OPERATOR_CARD_TYPE, HOST_RESULT, DATE_LONG = 0x8C, 0xA0, 0xAA


@dataclass(frozen=True, slots=True)
class Spec:
    tag: int
    name: str
    kind: str          # bin | bcd | digits | ascii | raw | llvar | lllvar | tlv
    size: int = 0      # bytes, for the fixed kinds
    content: str = "bytes"   # for ll(l)var: bytes | text | text0 (NUL-terminated) | pan; for ascii: the pad char


def _fixed(tag, name, kind, size, content="bytes"):
    return Spec(tag, name, kind, size, content)


_SPECS = [
    _fixed(0x01, "timeout", "bin", 1), _fixed(0x02, "max_status_infos", "bin", 1),
    _fixed(0x03, "service_byte", "bin", 1), _fixed(0x04, "amount", "bcd", 6), _fixed(0x05, "pump_no", "bin", 1),
    Spec(0x06, "tlv", "tlv"), _fixed(0x0B, "trace_no", "bcd", 3), _fixed(0x0C, "time", "digits", 3),
    _fixed(0x0D, "date", "digits", 2), _fixed(0x0E, "expiry", "digits", 2), _fixed(0x17, "card_seq_no", "bcd", 2),
    _fixed(0x19, "type_byte", "bin", 1), Spec(0x22, "pan", "llvar", content="pan"),
    Spec(0x23, "track2", "llvar"), Spec(0x24, "track3", "lllvar"), _fixed(0x27, "result_code", "bin", 1),
    _fixed(0x29, "terminal_id", "digits", 4), _fixed(0x2A, "vu_number", "ascii", 15, " "),
    Spec(0x2D, "track1", "llvar"), Spec(0x2E, "sync_chip_data", "lllvar"),
    _fixed(0x37, "original_trace_no", "bcd", 3), _fixed(0x3A, "cvv", "digits", 2),
    _fixed(0x3B, "approval_code", "ascii", 8, "\0"), Spec(0x3C, "additional_text", "lllvar", content="text"),
    _fixed(0x3D, "password", "digits", 3), _fixed(0x49, "currency", "bcd", 2), Spec(0x60, "totals", "lllvar"),
    _fixed(0x87, "receipt_no", "bcd", 2), _fixed(0x88, "turnover_no", "bcd", 3), _fixed(0x8A, "card_type", "bin", 1),
    Spec(0x8B, "card_name", "llvar", content="text0"), _fixed(0x8C, "operator_card_type", "bin", 1),
    Spec(0x92, "offline_chip_data", "lllvar"), Spec(0x9A, "geldkarte_record", "lllvar"),
    _fixed(0xA0, "host_result", "bin", 1), Spec(0xA7, "chip_ef_id", "llvar"), _fixed(0xAA, "date_long", "digits", 3),
    Spec(0xAF, "ef_info", "lllvar"), _fixed(0xBA, "aid_parameter", "raw", 5), _fixed(0xD0, "algorithm_key", "bin", 1),
    Spec(0xD1, "pin_data", "llvar"), _fixed(0xD2, "card_output_direction", "bin", 1),
    _fixed(0xD3, "key_position", "bin", 1), _fixed(0xE0, "input_min_length", "bin", 1),
    *[Spec(0xE0 + i, f"text2_line{i}", "llvar", content="text") for i in range(1, 9)],
    _fixed(0xE9, "input_max_length", "bin", 1), _fixed(0xEA, "input_echo", "bin", 1), _fixed(0xEB, "mac", "raw", 8),
    _fixed(0xF0, "display_duration", "bin", 1),
    *[Spec(0xF0 + i, f"text_line{i}", "llvar", content="text") for i in range(1, 9)],
    _fixed(0xF9, "beeps", "bin", 1), _fixed(0xFA, "card_reader_activation", "bin", 1),
    _fixed(0xFB, "ok_required", "bin", 1), _fixed(0xFC, "dialog_control", "bin", 1),
    _fixed(0xFD, "display_device", "bin", 1),
]
SPECS: dict[int, Spec] = {s.tag: s for s in _SPECS}
BY_NAME: dict[str, int] = {s.name: s.tag for s in _SPECS}


def name(tag: int) -> str:
    spec = SPECS.get(tag)
    return f"{tag:02X} {spec.name}" if spec else f"{tag:02X}"


# ------------------------------------------------------------------------------------------------ primitives

def bcd_encode(number: int | str, size: int, what: str = "BCD") -> bytes:
    """``number`` as ``size`` bytes of packed BCD, left-padded with zeros."""
    digits = str(number)
    if not digits.isdigit() or len(digits) > 2 * size:
        raise ZvtProtocolError(f"{what}: {number!r} does not fit {2 * size} BCD digits")
    return bytes.fromhex(digits.rjust(2 * size, "0"))


def bcd_digits(raw: bytes, what: str = "BCD") -> str:
    text = raw.hex().upper()
    if not text.isdigit():
        raise ZvtProtocolError(f"{what}: {raw.hex(' ').upper()} is not packed BCD")
    return text


def ll_prefix(n: int, digits: int) -> bytes:
    if n >= 10 ** digits:
        raise ZvtProtocolError(f"{n} bytes do not fit a {'L' * digits}VAR field (at most {10 ** digits - 1})")
    return bytes(0xF0 | int(d) for d in str(n).rjust(digits, "0"))


def ll_read(data: bytes, i: int, digits: int, what: str) -> tuple[int, int]:
    raw = data[i:i + digits]
    if len(raw) < digits:
        raise ZvtProtocolError(f"{what}: length prefix cut off at offset {i}")
    if any((b >> 4) != 0xF or (b & 0x0F) > 9 for b in raw):
        raise ZvtProtocolError(f"{what}: length prefix {raw.hex(' ').upper()} is not of the form "
                               f"{' '.join(['Fx'] * digits)}")
    return int("".join(str(b & 0x0F) for b in raw)), i + digits


def pan_encode(pan: str) -> bytes:
    nibbles = []
    for ch in pan:
        if ch.isdigit():
            nibbles.append(ch)
        elif ch in "*E":
            nibbles.append("E")
        else:
            raise ZvtProtocolError(f"PAN {pan!r}: only digits and * (masked) are allowed")
    if len(nibbles) % 2:
        nibbles.append("F")
    return bytes.fromhex("".join(nibbles))


def pan_decode(raw: bytes, what: str = "PAN") -> str:
    text = raw.hex().upper()
    if text.endswith("F"):
        text = text[:-1]
    if any(c not in "0123456789E" for c in text):
        raise ZvtProtocolError(f"{what}: {raw.hex(' ').upper()} is not a PAN (digits, E for masked, F pad)")
    return text.replace("E", "*")


# ------------------------------------------------------------------------------------------------ one BMP

def encode_one(tag: int, value: Any) -> bytes:
    spec = SPECS.get(tag)
    if spec is None:
        raise ZvtProtocolError(f"BMP {tag:02X} is not known; it cannot be encoded")
    what = f"BMP {name(tag)}"
    k = spec.kind
    if k == "bin":
        if not isinstance(value, int) or not 0 <= value < 256 ** spec.size:
            raise ZvtProtocolError(f"{what}: {value!r} is not a {spec.size}-byte number")
        body = value.to_bytes(spec.size, "big")
    elif k in ("bcd", "digits"):
        if k == "digits" and (not isinstance(value, str) or len(value) != 2 * spec.size):
            raise ZvtProtocolError(f"{what}: {value!r} must be {2 * spec.size} digits")
        if k == "bcd" and (not isinstance(value, int) or value < 0):
            raise ZvtProtocolError(f"{what}: {value!r} must be a whole number >= 0")
        body = bcd_encode(value, spec.size, what)
    elif k == "ascii":
        raw = str(value).encode("cp437")
        if len(raw) > spec.size:
            raise ZvtProtocolError(f"{what}: {value!r} is longer than {spec.size} characters")
        body = raw.ljust(spec.size, spec.content.encode())
    elif k == "raw":
        if not isinstance(value, (bytes, bytearray)) or len(value) != spec.size:
            raise ZvtProtocolError(f"{what}: must be {spec.size} bytes")
        body = bytes(value)
    elif k in ("llvar", "lllvar"):
        if spec.content == "pan":
            raw = pan_encode(value)
        elif spec.content in ("text", "text0"):
            raw = str(value).encode("cp437") + (b"\0" if spec.content == "text0" else b"")
        else:
            raw = bytes(value)
        body = ll_prefix(len(raw), 2 if k == "llvar" else 3) + raw
    elif k == "tlv":
        objects = value if not isinstance(value, (bytes, bytearray)) else tlvmod.parse(bytes(value))
        raw = tlvmod.encode(objects)
        body = tlvmod.length_bytes(len(raw)) + raw
    else:                                                     # pragma: no cover - the table has no other kinds
        raise ZvtProtocolError(f"{what}: unknown kind {k}")
    return bytes((tag,)) + body


def _decode_value(spec: Spec, data: bytes, i: int) -> tuple[Any, int]:
    what = f"BMP {spec.tag:02X} ({spec.name}) at offset {i - 1}"
    k = spec.kind
    if k in ("bin", "bcd", "digits", "ascii", "raw"):
        raw = data[i:i + spec.size]
        if len(raw) < spec.size:
            raise ZvtProtocolError(f"{what}: needs {spec.size} bytes, only {len(raw)} left")
        end = i + spec.size
        if k == "bin":
            return int.from_bytes(raw, "big"), end
        if k == "bcd":
            return int(bcd_digits(raw, what)), end
        if k == "digits":
            return bcd_digits(raw, what), end
        if k == "ascii":
            return raw.decode("cp437").rstrip(spec.content), end
        return raw, end
    if k in ("llvar", "lllvar"):
        n, i = ll_read(data, i, 2 if k == "llvar" else 3, what)
        raw = data[i:i + n]
        if len(raw) < n:
            raise ZvtProtocolError(f"{what}: says {n} bytes, only {len(raw)} left")
        if spec.content == "pan":
            return pan_decode(raw, what), i + n
        if spec.content == "text0":
            return raw.split(b"\0", 1)[0].decode("cp437"), i + n
        if spec.content == "text":
            return raw.decode("cp437"), i + n
        return raw, i + n
    # TLV container
    n, i = tlvmod.read_length(data, i, what)
    raw = data[i:i + n]
    if len(raw) < n:
        raise ZvtProtocolError(f"{what}: TLV container says {n} bytes, only {len(raw)} left")
    return tlvmod.parse(raw), i + n


def decode(data: bytes, start: int = 0) -> list[tuple[int, Any]]:
    """All BMPs in ``data[start:]``, in order, as (tag, value)."""
    fields, error = decode_lenient(data, start)
    if error is not None:
        raise error
    return fields


def decode_lenient(data: bytes, start: int = 0) -> tuple[list[tuple[int, Any]], ZvtProtocolError | None]:
    """The BMPs that can be read, and the error that stopped the reading (None if all could be read). A terminal
    usually puts amount, trace and receipt number first, so they survive a vendor field we do not know."""
    data = bytes(data)
    out: list[tuple[int, Any]] = []
    i = start
    while i < len(data):
        tag = data[i]
        spec = SPECS.get(tag)
        if spec is None:
            return out, ZvtProtocolError(f"unknown BMP {tag:02X} at offset {i}: its length is not known, so the rest "
                                         f"({len(data) - i} bytes: {data[i:i + 24].hex(' ').upper()}) cannot be read")
        try:
            value, i = _decode_value(spec, data, i + 1)
        except ZvtProtocolError as exc:
            return out, exc
        out.append((tag, value))
    return out, None


def encode(fields: Mapping[int, Any] | Iterable[tuple[int, Any]]) -> bytes:
    items = fields.items() if isinstance(fields, Mapping) else fields
    return b"".join(encode_one(tag, value) for tag, value in items)


def as_dict(fields: Iterable[tuple[int, Any]]) -> dict[int, Any]:
    """Tag -> value (the first one wins if a tag repeats)."""
    out: dict[int, Any] = {}
    for tag, value in fields:
        out.setdefault(tag, value)
    return out
