"""Legal-for-trade produce scale speaking Dialog 06 (PROTOCOLS.md 2.5): the scale weighs and computes the price.

URL: ``dialog06:///dev/serial/by-id/usb-...?baud=9600&parity=O&bytesize=7`` (7O1 by default; the line settings
are per scale, configure them). ``weigh(unit_price_cents, tare_g, text)`` sends the price record (01: price,
03: + tare, 04: + text, 05: + tare and text) and waits for ACK, then asks ``EOT ENQ`` for the result: record 02
(unit, weight in g, unit price, amount in cents) is returned as a :class:`~hal.scale.base.Weighing`; a NAK is
followed by the status request (08) whose answer (09) says why: 20 "still in motion" and 22 "not finished" are
asked again until ``motion_timeout_s``; 21 (no weight change since the last weighing), 30 (below minimum),
31 (below zero), 32 (overload) and 10-13 (record rejected) raise the errors of :mod:`hal.scale.errors`, each with
a text for the shopper (``exc.shopper``) and one for the attendant (the message).

The checksum challenge (records 10/11): a scale may answer ``EOT ENQ`` with ``STX "11" ESC <challenge> ETX``,
asking for a checksum of the POS software; the driver answers ``EOT STX "10" ESC <answer> ETX`` and the scale
confirms ``11 ESC 1`` (then the driver asks for the result again) or refuses with ``11 ESC 0``. The algorithm is
part of the scale's approval documents and not public, so it is pluggable: pass ``checksum=`` an object with
``answer(challenge: str) -> str``. Without one, a challenge raises :class:`ChecksumRequired`. The record layout of
this exchange is our reading of the public summaries; check it against the scale's manual.

A keep-alive status request every ``keepalive_s`` tells a silent scale from an idle one; hot-plug as for every
serial device (:mod:`hal.scale.serial_base`).
"""

from __future__ import annotations

import logging
import time
import unicodedata
from typing import Any, Protocol

from hal.scale.base import ProduceScale, Weighing
from hal.scale.errors import (BelowMinimum, BelowZero, ChecksumRequired, NoWeightChange, ProduceOverload,
                              ProduceScaleError, ProduceScaleMotion, RecordRejected, ScaleNotAnswering,
                              ScaleProtocolError)
from hal.scale.serial_base import SerialDevice, SerialLink

log = logging.getLogger("hal.scale.dialog06")

EOT, STX, ETX, ENQ, ACK, NAK, ESC = b"\x04", b"\x02", b"\x03", b"\x05", b"\x06", b"\x15", b"\x1b"

STATUS_TEXT = {
    "00": "no error", "01": "general error", "02": "parity error or buffer overflow",
    "10": "invalid record", "11": "invalid unit price", "12": "invalid tare", "13": "invalid text",
    "20": "still in motion", "21": "no motion since the last weighing", "22": "measurement not finished",
    "30": "below the minimum weight", "31": "below zero", "32": "overload",
}


class ChecksumProvider(Protocol):
    def answer(self, challenge: str) -> str:
        """The record-10 answer to the scale's challenge (the approved algorithm)."""


def error_for(code: str) -> ProduceScaleError:
    """The exception for a Dialog 06 status code, with texts for the attendant and the shopper."""
    text = STATUS_TEXT.get(code, f"unknown status {code}")
    if code in ("20", "22"):
        return ProduceScaleMotion(f"the produce scale did not come to rest ({text})", code)
    if code == "21":
        return NoWeightChange("the produce scale needs the weight to change between two weighings: take the item "
                              "off and put it back", code)
    if code == "30":
        return BelowMinimum("the item is below the produce scale's minimum weight", code)
    if code == "31":
        return BelowZero("the produce scale reads below zero: clear the pan and let it zero", code)
    if code == "32":
        return ProduceOverload("the item is above the produce scale's capacity", code)
    if code in ("10", "11", "12", "13"):
        return RecordRejected(f"the produce scale rejected the weighing request ({text}): check the item's unit "
                              "price, tare and text in the catalog", code)
    return ProduceScaleError(f"the produce scale reports {text}; if it repeats, switch the scale off and on",
                             code)


def _text13(text: str) -> bytes:
    """13 characters of plain ASCII (umlauts spelled out), padded with blanks."""
    plain = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("Ä", "Ae").replace("Ö", "Oe") \
        .replace("Ü", "Ue").replace("ß", "ss")
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode("ascii")
    plain = "".join(c if " " <= c <= "~" else " " for c in plain)
    return plain[:13].ljust(13).encode("ascii")


def price_record(unit_price_cents: int, tare_g: int = 0, text: str = "") -> bytes:
    """The record (between STX and ETX) that sets up a weighing: 01, 03, 04 or 05."""
    if not isinstance(unit_price_cents, int) or not 0 < unit_price_cents <= 999_999:
        raise ValueError(f"unit price {unit_price_cents!r}: a whole number of cents per kg, 1..999999")
    if not isinstance(tare_g, int) or not 0 <= tare_g <= 9999:
        raise ValueError(f"tare {tare_g!r}: a whole number of grams, 0..9999")
    price = f"{unit_price_cents:06d}".encode("ascii")
    tare = f"{tare_g:04d}".encode("ascii")
    if tare_g and text:
        return b"05" + ESC + price + ESC + tare + ESC + _text13(text)
    if text:
        return b"04" + ESC + price + ESC + _text13(text)
    if tare_g:
        return b"03" + ESC + price + ESC + tare
    return b"01" + ESC + price + ESC


def parse_weighing(fields: list[bytes]) -> Weighing:
    """Record 02: [b"02", unit, weight g, unit price, amount]."""
    if len(fields) != 5 or fields[0] != b"02":
        raise ValueError(f"not a record 02: {fields!r}")
    unit, weight, price, amount = (f.decode("ascii") for f in fields[1:])
    if unit != "3":
        raise ValueError(f"weight unit status {unit!r}: the scale is not set to kg")
    if not (len(weight) == 5 and len(price) == 6 and len(amount) == 6
            and weight.isdigit() and price.isdigit() and amount.isdigit()):
        raise ValueError(f"malformed record 02 fields {fields[1:]!r}")
    return Weighing(int(weight), int(price), int(amount))


class Dialog06Scale(SerialDevice, ProduceScale):
    scheme = "dialog06"
    protocol = "Dialog 06 produce scale"
    default_bytesize = 7
    default_parity = "O"

    def __init__(self, url, listener=None, *, name: str | None = None, checksum: ChecksumProvider | None = None,
                 reply_timeout_s: float = 1.0, motion_timeout_s: float = 5.0, retry_s: float = 0.25,
                 keepalive_s: float = 5.0, debounce_s: float = 0.5, **options: Any):
        ProduceScale.__init__(self, url, listener, name=name)
        # Liveness comes from the keep-alive and the weighings themselves, not from a stream.
        self._init_serial(reply_timeout_s, float("inf"), debounce_s, None)
        for key in options:
            if key != "calibration_path":
                log.warning("%s: option %r is not used by the Dialog 06 driver", self.name, key)
        self.checksum = checksum
        self.motion_timeout_s = motion_timeout_s
        self.retry_s = retry_s
        self.keepalive_s = keepalive_s
        self._next_keepalive = 0.0
        self.stats.update(weighings=0, challenges=0)

    # ----------------------------------------------------------------------------------------------- frames

    def _frame(self, link: SerialLink, timeout_s: float) -> bytes | list[bytes] | None:
        """The next ACK, NAK or STX..ETX record (split at ESC); line noise before it is skipped."""
        deadline = time.monotonic() + timeout_s
        while True:
            buf = link.buf
            skipped = 0
            while buf and buf[0] not in (ACK[0], NAK[0], STX[0]):
                del buf[0]
                skipped += 1
            if skipped:
                self.stats["garbled"] += 1
            if buf:
                if buf[0] in (ACK[0], NAK[0]):
                    byte = bytes(buf[:1])
                    del buf[0]
                    return byte
                end = buf.find(ETX)
                if end >= 0:
                    body = bytes(buf[1:end])
                    del buf[:end + 1]
                    if STX in body:      # a truncated record followed by a fresh one: keep the fresh one
                        body = body[body.rfind(STX) + 1:]
                        self.stats["garbled"] += 1
                    return body.split(ESC)
            if time.monotonic() >= deadline:
                return None
            data = link.port.read(max(1, link.port.in_waiting))
            if data:
                buf += data

    def _exchange(self, link: SerialLink, message: bytes, what: str):
        link.write(message)
        reply = self._frame(link, self.reply_timeout_s)
        if reply is None:
            self.stats["timeouts"] += 1
            link.discard_input()
            self._set_answering(False, "the produce scale does not answer: check that it is switched on and its "
                                       "cable is plugged in")
            raise ScaleNotAnswering(f"the produce scale did not answer {what} within {self.reply_timeout_s:g} s")
        self.answered()
        return reply

    def _status(self, link: SerialLink) -> str:
        """Record 08 -> 09: the status code of the last NAK."""
        reply = self._exchange(link, EOT + STX + b"08" + ETX, "the status request")
        if isinstance(reply, list) and len(reply) == 2 and reply[0] == b"09" and len(reply[1]) == 2 \
                and reply[1].isdigit():
            return reply[1].decode("ascii")
        self.stats["garbled"] += 1
        raise ScaleProtocolError(f"the produce scale answered the status request with {reply!r}")

    # -------------------------------------------------------------------------------------- serial device

    def _handshake(self, link: SerialLink) -> None:
        link.discard_input()
        code = self._status(link)
        self.info["status"] = f"{code} {STATUS_TEXT.get(code, '')}".strip()
        self._next_keepalive = time.monotonic() + self.keepalive_s

    def _cycle(self, link: SerialLink) -> None:
        if time.monotonic() >= self._next_keepalive:
            self._next_keepalive = time.monotonic() + self.keepalive_s
            try:
                self._status(link)
            except (ScaleNotAnswering, ScaleProtocolError):
                pass
            return
        # Idle: a read notices an unplugged adapter (the port fails), and drops stray bytes.
        data = link.port.read(64)
        if data:
            link.buf.clear()

    # ------------------------------------------------------------------------------------------- weighing

    def weigh(self, unit_price_cents: int, tare_g: int = 0, text: str = "") -> Weighing:
        """Weigh what is on the produce scale at ``unit_price_cents`` per kg; the scale computes the amount."""
        record = price_record(unit_price_cents, tare_g, text)
        timeout = self.motion_timeout_s + 6 * self.reply_timeout_s + 2.0
        return self.command(lambda link: self._weigh(link, record, unit_price_cents), timeout)

    def _weigh(self, link: SerialLink, record: bytes, unit_price_cents: int) -> Weighing:
        link.discard_input()
        reply = self._exchange(link, EOT + STX + record + ETX, "the price record")
        if reply == NAK:
            raise error_for(self._status(link))
        if reply != ACK:
            raise ScaleProtocolError(f"the produce scale answered the price record with {reply!r}")
        deadline = time.monotonic() + self.motion_timeout_s
        while True:
            reply = self._exchange(link, EOT + ENQ, "the weighing request")
            if reply == NAK:
                code = self._status(link)
                if code in ("20", "22") and time.monotonic() < deadline:
                    time.sleep(self.retry_s)
                    continue
                raise error_for(code)
            if isinstance(reply, list) and reply[0] == b"11":
                self._answer_challenge(link, reply)
                continue
            try:
                weighing = parse_weighing(reply) if isinstance(reply, list) else None
            except ValueError as exc:
                raise ScaleProtocolError(f"the produce scale sent a bad result: {exc}") from None
            if weighing is None:
                raise ScaleProtocolError(f"the produce scale answered the weighing request with {reply!r}")
            if weighing.unit_price_cents != unit_price_cents:
                raise ScaleProtocolError(f"the produce scale weighed at {weighing.unit_price_cents} ct/kg, not at "
                                         f"the {unit_price_cents} ct/kg sent; weigh again")
            self.stats["weighings"] += 1
            return weighing

    def _answer_challenge(self, link: SerialLink, reply: list[bytes]) -> None:
        self.stats["challenges"] += 1
        challenge = reply[1].decode("ascii", "replace") if len(reply) > 1 else ""
        if self.checksum is None:
            raise ChecksumRequired("the produce scale asks for the Dialog 06 software checksum (record 11) and no "
                                   "checksum provider is configured; the algorithm comes with the scale's approval "
                                   "documents")
        answer = self.checksum.answer(challenge).encode("ascii")
        verdict = self._exchange(link, EOT + STX + b"10" + ESC + answer + ETX, "the checksum")
        if verdict == [b"11", b"1"]:
            return
        raise ChecksumRequired(f"the produce scale rejected the software checksum ({verdict!r}): check the "
                               "checksum provider against the scale's approval documents")
