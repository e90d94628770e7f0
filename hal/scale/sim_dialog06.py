"""A Dialog 06 produce scale on a pty, over the load-cell physics model (``sim:dialog06``, ``kiosk sim scale
dialog06``).

It accepts the price records 01/03/04/05 (ACK, or NAK with status 10-13 for a bad record), answers ``EOT ENQ`` with
record 02 or a NAK whose reason the status request (08 -> 09) gives: 20 while the load moves, 21 if the weight has
not changed (no motion and no return to zero) since the last weighing, 30 below the minimum weight (20 e),
31 below zero, 32 overload. Weights are rounded to the scale interval (multi-interval: 2 g up to 6 kg, 5 g above)
and the amount is ``weight x unit price`` rounded half up to the cent. Each weighing needs a fresh price record.

The checksum challenge is simulated with :class:`DemoChecksum`, which is NOT the approved Dialog 06 algorithm (that
one is not public): ``challenge`` makes the next ``EOT ENQ`` ask for it, ``challenge_every`` does so every N
weighings. Fault commands are those of :class:`~hal.scale.sim_serial.SerialScaleSimulator` plus ``fail CODE``
(the next weighing request gets a NAK with that status).
"""

from __future__ import annotations

import hashlib

from hal.scale.dialog06 import ACK, EOT, ENQ, ESC, ETX, NAK, STX, Dialog06Scale
from hal.scale.sim import LoadCellModel
from hal.scale.sim_serial import SerialScaleSimulator
from hal.sim import open_with
from hal.url import DeviceURL, parse


class DemoChecksum:
    """A stand-in for the approved checksum algorithm (not public): a hash of a shared secret and the challenge."""

    def __init__(self, secret: str = "kiosk-demo"):
        self.secret = secret

    def answer(self, challenge: str) -> str:
        return hashlib.sha256((self.secret + challenge).encode()).hexdigest()[:8].upper()


def interval_g(grams: float) -> int:
    return 2 if grams <= 6000 else 5


class Dialog06Simulator(SerialScaleSimulator):
    name = "dialog06"
    by_id = "usb-Dialog06_Sim_Scale-if00-port0"
    COMMANDS = {**SerialScaleSimulator.COMMANDS,
                "challenge": "ask for the software checksum at the next weighing request",
                "fail CODE": "answer the next weighing request with NAK and status CODE (e.g. 01)"}

    def __init__(self, *, checksum=None, challenge_every: int = 0, **kwargs):
        kwargs.setdefault("capacity_g", 15000.0)
        super().__init__(**kwargs)
        self.checksum = checksum or DemoChecksum()
        self.challenge_every = challenge_every
        self.min_g = 20 * interval_g(0)
        self.code = "00"
        self.price: tuple[int, int, str] | None = None      # unit price, tare, text of the coming weighing
        self.weighings: list[tuple[int, int, int]] = []     # (grams, unit price, amount)
        self._moved = True
        self._challenge: str | None = None
        self._fail: str | None = None
        self._parse = bytearray()
        self._in_frame = False

    # --------------------------------------------------------------------------------------- scale firmware

    def on_sample(self, t: float) -> None:
        snap = self.snapshot()
        if not snap.stable or abs(snap.gross) < interval_g(0):
            self._moved = True

    def _on_data(self, data: bytes) -> None:
        for byte in data:
            b = bytes([byte & 0x7F])
            if b == EOT:
                self._parse.clear()
                self._in_frame = False
            elif b == ENQ and not self._in_frame:
                self.record("rx EOT ENQ")
                self._enquiry()
            elif b == STX:
                self._parse.clear()
                self._in_frame = True
            elif b == ETX and self._in_frame:
                self._in_frame = False
                self._record(bytes(self._parse).split(ESC))
            elif self._in_frame:
                self._parse += b

    def _nak(self, code: str) -> None:
        self.code = code
        self.record(f"NAK {code}")
        self.send(NAK)

    def _record(self, fields: list[bytes]) -> None:
        number = fields[0].decode("ascii", "replace")
        self.record(f"rx record {number} {fields[1:]!r}")
        if number in ("01", "03", "04", "05"):
            self._price_record(number, fields)
        elif number == "08":
            code, self.code = self.code, "00"
            self.send(STX + b"09" + ESC + code.encode("ascii") + ETX)
        elif number == "10":
            answer = fields[1].decode("ascii", "replace") if len(fields) > 1 else ""
            ok = self._challenge is not None and answer == self.checksum.answer(self._challenge)
            if ok:
                self._challenge = None
            self.send(STX + b"11" + ESC + (b"1" if ok else b"0") + ETX)
        else:
            self._nak("10")

    def _price_record(self, number: str, fields: list[bytes]) -> None:
        layout = {"01": ("price",), "03": ("price", "tare"), "04": ("price", "text"),
                  "05": ("price", "tare", "text")}[number]
        values = fields[1:]
        if number == "01" and values[-1:] == [b""]:
            values = values[:-1]                 # record 01 ends with ESC
        if len(values) != len(layout):
            return self._nak("10")
        got = dict(zip(layout, values))
        price, tare = got["price"], got.get("tare", b"0000")
        if len(price) != 6 or not price.isdigit() or int(price) == 0:
            return self._nak("11")
        if len(tare) != 4 or not tare.isdigit() or int(tare) >= self.capacity_g:
            return self._nak("12")
        text = got.get("text", b" " * 13)
        if len(text) != 13:
            return self._nak("13")
        self.price = (int(price), int(tare), text.decode("ascii", "replace"))
        self.code = "00"
        self.send(ACK)

    def _enquiry(self) -> None:
        if self._challenge is not None:
            self.send(STX + b"11" + ESC + self._challenge.encode("ascii") + ETX)
            return
        if self._fail is not None:
            code, self._fail = self._fail, None
            return self._nak(code)
        if self.price is None:
            return self._nak("10")
        snap = self.snapshot()
        price, tare, _ = self.price
        if snap.over or snap.gross - tare > self.capacity_g:
            return self._nak("32")
        if snap.gross < -interval_g(0):
            return self._nak("31")
        if not snap.stable:
            return self._nak("20")
        if not self._moved:
            return self._nak("21")
        net = snap.gross - tare
        if net < self.min_g:
            return self._nak("30")
        e = interval_g(net)
        grams = int(round(net / e) * e)
        amount = (grams * price + 500) // 1000          # half up to the cent
        self.weighings.append((grams, price, amount))
        self.price = None
        self._moved = False
        self.code = "00"
        self.record(f"weighed {grams} g at {price} ct/kg = {amount} ct")
        self.send(STX + b"02" + ESC + b"3" + ESC + f"{grams:05d}".encode() + ESC + f"{price:06d}".encode()
                  + ESC + f"{amount:06d}".encode() + ETX)
        if self.challenge_every and len(self.weighings) % self.challenge_every == 0:
            self.do_challenge()

    # ------------------------------------------------------------------------------------------- commands

    def do_challenge(self) -> str:
        self._challenge = f"{self.rng.randrange(10 ** 8):08d}"
        self.record(f"challenge {self._challenge}")
        return self._challenge

    def do_fail(self, code: str) -> None:
        self._fail = f"{int(code):02d}"


def open_simulated(url: DeviceURL, listener=None, *, name: str | None = None, model: LoadCellModel | None = None,
                   seed: int | None = None, **options) -> Dialog06Scale:
    """``sim:dialog06?challenge_every=50&rest=0.3``: the produce-scale responder on a pty and the real driver.
    The simulator checks :class:`DemoChecksum`; the driver gets the same unless a ``checksum`` option says otherwise."""
    u = parse(url)
    checksum = options.pop("checksum", None) or DemoChecksum()
    sim = Dialog06Simulator(model=model, seed=seed if seed is not None else u.integer("seed", 0),
                            checksum=DemoChecksum(), challenge_every=u.integer("challenge_every", 0, lo=0),
                            rest_s=u.number("rest", 0.3, lo=0.05, hi=5))
    return open_with(sim, lambda path: Dialog06Scale(f"dialog06://{path}", listener, name=name or u.raw,
                                                     checksum=checksum, **options))
