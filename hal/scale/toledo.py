"""Scales speaking the Toledo 8217 POS protocol on a serial line (PROTOCOLS.md 2.4).

URL: ``toledo:///dev/serial/by-id/usb-...?baud=9600&unit=kg`` (7 data bits, even parity, 1 stop bit by default).
Commands are single characters with at least 200 ms between them: ``W`` asks for the weight, ``Z`` zeroes, ``S``
asks for the status. ``W`` is answered ``STX <digits with a decimal point> CR`` while the weight is valid, else
``STX ? <status> CR``. Status byte 1: bit 0 in motion, bit 1 at zero, bit 2 RAM error, bit 3 EEPROM error, bits 4-5
always 1, bit 6 "another status byte follows"; byte 2 (multi-byte variants): bit 0 under capacity, bit 1 over
capacity, bit 2 ROM error, bit 3 faulty calibration. Bit 7 is parity (masked off). The reply carries no unit:
``unit=`` must match the scale's setting (kg, lb or g). There is no tare command; ``tare()`` is the processor's.
The processor's spike filter is a median of 3 here (not 5): the scale only reports weights it considers at rest.
"""

from __future__ import annotations

import time

from hal.errors import BadDeviceURL
from hal.scale.errors import OutOfZeroRange, ScaleMoving, ScaleNotAnswering
from hal.scale.serial_base import UNITS_G, SerialLink, SerialScale

STX, CR = b"\x02", b"\r"
MOTION, AT_ZERO, RAM_ERROR, EEPROM_ERROR, MORE = 0x01, 0x02, 0x04, 0x08, 0x40
UNDER, OVER, ROM_ERROR, BAD_CALIBRATION = 0x01, 0x02, 0x04, 0x08


def parse_reply(raw: bytes) -> tuple[float | None, list[int]]:
    """``STX ...`` without its CR: (weight in the scale's unit, []) or (None, status bytes)."""
    i = raw.rfind(STX)
    if i < 0:
        raise ValueError(f"no STX in {raw[:20]!r}")
    body = bytes(b & 0x7F for b in raw[i + 1:])
    if body.startswith(b"?"):
        status = list(body[1:])
        if not status or any(b & 0x30 != 0x30 for b in status):
            raise ValueError(f"bad status bytes {body!r}")
        for n, b in enumerate(status):
            if not b & MORE:
                return None, status[:n + 1]
        raise ValueError(f"status record ends while bytes should follow: {body!r}")
    text = body.decode("ascii")
    if not text or not all(c.isdigit() or c == "." for c in text) or text.count(".") > 1:
        raise ValueError(f"not a weight: {text!r}")
    return float(text), []


class ToledoScale(SerialScale):
    scheme = "toledo"
    protocol = "8217 scale"
    default_bytesize = 7
    default_parity = "E"
    min_interval_s = 0.22        # the protocol wants at least 200 ms between commands; 20 ms margin for jitter

    def __init__(self, url, listener=None, **kwargs):
        # The scale answers W with a weight only once it is at rest itself, ~4 times a second: a median of 3
        # still drops a garbled-but-readable reply without adding a second of delay.
        kwargs.setdefault("median", 3)
        super().__init__(url, listener, **kwargs)
        unit = (self.url.text("unit") or "kg").lower()
        if unit not in ("kg", "lb", "g"):
            raise BadDeviceURL(f"{self.url.raw}: unit must be kg, lb or g (the scale's display unit)")
        self.unit_g = UNITS_G[unit]
        if self.poll_s is None:
            self.poll_s = self.min_interval_s
        self._next_poll = 0.0

    def _ask(self, link: SerialLink, command: bytes) -> tuple[float | None, list[int]]:
        link.write(command)
        raw = link.read_until(CR, self.reply_timeout_s)
        if raw is None:
            self.stats["timeouts"] += 1
            link.discard_input()
            raise ScaleNotAnswering(f"the 8217 scale did not answer {command!r} within {self.reply_timeout_s:g} s")
        self.heard()
        try:
            reply = parse_reply(raw)
        except ValueError:
            self.stats["garbled"] += 1
            raise
        self.answered()
        return reply

    def _handshake(self, link: SerialLink) -> None:
        link.discard_input()
        for _ in range(3):
            try:
                _, status = self._ask(link, b"S")
            except ValueError:
                continue                          # garbage on the line: ask again
            self._check_faults(status)
            return
        raise ScaleNotAnswering("the 8217 scale answers only garbage: check baud rate, 7E1 and the cable")

    def _cycle(self, link: SerialLink) -> None:
        wait = self._next_poll - time.monotonic()
        if wait > 0:
            self._rc.stopping.wait(wait)
            return
        self._next_poll = time.monotonic() + self.poll_s
        t = time.monotonic()
        try:
            weight, status = self._ask(link, b"W")
        except (ScaleNotAnswering, ValueError):
            return
        if weight is not None:
            self.processor.feed(t, weight * self.unit_g, device_stable=True)
            self.set_device_fault(None)
            return
        self._check_faults(status)
        over = len(status) > 1 and status[1] & OVER
        under = len(status) > 1 and status[1] & UNDER
        if over:
            self.processor.overload(t)
        elif under:
            self.processor.underload(t)
        else:
            # In motion, or "?" without motion or range bits: the weight is slightly negative (a removed bag
            # after a tare) or invalid for a reason this variant does not say. Either way: no weight, no rest.
            self.processor.motion(t)

    def _check_faults(self, status: list[int]) -> None:
        faults = []
        if status and status[0] & RAM_ERROR:
            faults.append("RAM error")
        if status and status[0] & EEPROM_ERROR:
            faults.append("EEPROM error")
        if len(status) > 1 and status[1] & ROM_ERROR:
            faults.append("ROM error")
        if len(status) > 1 and status[1] & BAD_CALIBRATION:
            faults.append("faulty calibration")
        self.set_device_fault(f"the scale reports {', '.join(faults)}: it needs service" if faults else None)

    def zero(self) -> None:
        def request(link: SerialLink) -> None:
            _, status = self._ask(link, b"Z")
            if not status:
                raise ValueError("the scale answered Z with a weight")
            if status[0] & MOTION:
                raise ScaleMoving("the scale did not zero: it is moving; wait until it is still")
            if not status[0] & AT_ZERO:
                raise OutOfZeroRange("the scale did not zero: the weight is outside its zero range; take "
                                     "everything off the platform first")
        self.command(request)
