"""Serial scales on a pty: an MT-SICS responder and a Toledo 8217 responder over the load-cell physics model.

:class:`SerialScaleSimulator` is what every simulated serial scale shares: a :class:`hal.sim.PtyLink` standing for
``/dev/serial/by-id/...``, a sampling thread that reads the :class:`~hal.scale.sim.LoadCellModel` 20 times a second
and decides, like the scale's firmware, whether the weight is at rest (its own stability detector), a display
value rounded to the division, its own zero and tare, and the faults: ``unplug``/``replug``, ``silent`` (no answer),
``slow MS`` (answers late), ``garbage N`` and ``truncate N`` (the next N replies garbled or cut short), ``noise N``
(N bytes of line noise now), ``overload`` and ``motion SECONDS`` (forced states), plus the physics commands
(``place``, ``remove``, ``drop``, ``lean``, ``bump``). Replies go through a sender thread so a slow answer does not
block the responder and replies keep their order.

:class:`SicsSimulator` answers ``@``, ``I1``..``I4``, ``S``, ``SI``, ``SIR`` (10 lines a second; any other command
ends the stream), ``Z``, ``ZI``, ``T``, ``TI``, ``TA``, ``TAC``, and ``ES`` to anything else. :class:`ToledoSimulator`
answers ``W``, ``Z``, ``S`` with the 8217 records and ignores a command that comes too soon after the last (200 ms
in the protocol; the simulator allows 50 ms for the jitter of its own pty reader thread, and still catches a driver
that does not pace its commands at all).
``open_sics`` / ``open_toledo`` are the ``sim:sics`` / ``sim:toledo`` entries: simulator plus the real driver.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from hal.scale.sics import SicsScale
from hal.scale.sim import LoadCellModel
from hal.scale.stability import StabilityDetector
from hal.scale.toledo import ToledoScale
from hal.sim import PtyLink, Simulator, open_with
from hal.url import DeviceURL, parse


@dataclass(frozen=True)
class Snapshot:
    gross: float          # displayed gross weight (rounded to the division), relative to the scale's zero
    net: float            # gross minus tare
    stable: bool
    over: bool
    under: bool


def _on(arg: str) -> bool:
    return arg.lower() in ("on", "1", "true", "yes")


class SerialScaleSimulator(Simulator):
    by_id = "usb-Kiosk_Sim_Scale-if00-port0"
    COMMANDS = {
        "place GRAMS / remove GRAMS": "set an item down / take one off",
        "drop GRAMS": "throw an item onto the platform (overshoot)",
        "lean SECONDS GRAMS": "a hand leaning on the rail",
        "bump [GRAMS]": "a trolley bumps the lane",
        "unplug / replug": "pull the USB-serial adapter out / plug it back in",
        "silent [on|off]": "the scale stops answering (switched off at the scale end)",
        "slow MS": "answer MS milliseconds late (0: normal)",
        "garbage [N]": "garble the next N replies",
        "truncate [N]": "cut the next N replies short",
        "noise [N]": "send N bytes of line noise now",
        "overload [on|off]": "report overload whatever the load",
        "motion [SECONDS]": "report motion for SECONDS whatever the load",
    }

    def __init__(self, *, model: LoadCellModel | None = None, seed: int = 0, directory: str | None = None,
                 capacity_g: float = 15000.0, division_g: float = 1.0, sample_hz: float = 20.0,
                 rest_s: float = 0.3, zero_range_g: float | None = None, name: str | None = None):
        super().__init__()
        self.model = model or LoadCellModel(random.Random(seed))
        self.rng = random.Random(seed + 7)
        self.capacity_g = capacity_g
        self.division_g = division_g
        self.zero_range_g = zero_range_g if zero_range_g is not None else 0.02 * capacity_g
        self.sample_s = 1.0 / sample_hz
        self.link = PtyLink(name or self.by_id, on_data=self._on_data, directory=directory)
        self._lock = threading.RLock()
        # The firmware's own idea of rest: ``rest_s`` of readings within 1.5 divisions.
        self._detector = StabilityDetector(window_s=rest_s, band_g=max(1.5 * division_g, 1.0), resolution_g=0.0)
        self._recent: deque[float] = deque(maxlen=4)
        self.zero_g = 0.0
        self.tare_g = 0.0
        self.silent = False
        self.delay_s = 0.0
        self._garble = 0
        self._truncate = 0
        self.forced_overload = False
        self._motion_until = 0.0
        self._outbox: list[tuple[float, int, bytes]] = []
        self._seq = itertools.count()
        self._wake = threading.Condition(self._lock)
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # ------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        if not self.running:
            self.address = self.link.start()
            self._stopping.clear()
            self.running = True
            self._sample(time.monotonic())
            self._threads = [threading.Thread(target=self._sampler, daemon=True, name=f"sim:{self.name}"),
                             threading.Thread(target=self._sender, daemon=True, name=f"sim:{self.name}:tx")]
            for th in self._threads:
                th.start()
            self.record("started")
        return self.address

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for th in self._threads:
            th.join(1.0)
        self.link.stop()
        self.record("stopped")

    HISTORY_MAX = 2000

    def record(self, what: str) -> None:
        """Keep the history bounded: a polled scale logs a command every 200 ms, for days in the demo."""
        super().record(what)
        if len(self.history) > self.HISTORY_MAX:
            del self.history[:len(self.history) - self.HISTORY_MAX // 2]

    # ---------------------------------------------------------------------------------- the scale's firmware

    def _sampler(self) -> None:
        next_t = time.monotonic()
        while not self._stopping.is_set():
            next_t += self.sample_s
            self._stopping.wait(max(0.0, next_t - time.monotonic()))
            now = time.monotonic()
            if now - next_t > 1.0:
                next_t = now           # we were suspended: do not catch up a burst of samples
            self._sample(now)

    def _sample(self, t: float) -> None:
        with self._lock:
            grams = self.model.reading(t)
            self._recent.append(grams)
            self._detector.feed(t, grams)
            self._detector.poll(t)
        self.on_sample(t)

    def on_sample(self, t: float) -> None:
        """Called after every sample (streaming, pending ``S``)."""

    def snapshot(self) -> Snapshot:
        with self._lock:
            mean = sum(self._recent) / len(self._recent) if self._recent else 0.0
            d = self.division_g
            gross = round(round((mean - self.zero_g) / d) * d, 6)
            stable = self._detector.stable and time.monotonic() >= self._motion_until
            over = self.forced_overload or gross > self.capacity_g + 9 * d
            under = gross < -20 * d
            return Snapshot(gross, round(gross - self.tare_g, 6), stable, over, under)

    # ---------------------------------------------------------------------------------------------- sending

    def send(self, data: bytes) -> None:
        with self._lock:
            if self.silent:
                self.record(f"silent: dropped {data!r}")
                return
            if self._garble:
                self._garble -= 1
                data = bytes(self.rng.choice(b"\x00\x7f\xff#%&*?@XYZ0123456789 ") for _ in range(len(data) - 1)) \
                    + data[-1:]
                self.record(f"garbled reply {data!r}")
            elif self._truncate:
                self._truncate -= 1
                data = data[:self.rng.randint(1, max(1, len(data) - 2))]
                self.record(f"truncated reply {data!r}")
            heapq.heappush(self._outbox, (time.monotonic() + self.delay_s, next(self._seq), data))
            self._wake.notify_all()

    def _sender(self) -> None:
        with self._wake:
            while not self._stopping.is_set():
                if not self._outbox:
                    self._wake.wait(0.5)
                    continue
                due, _, data = self._outbox[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                heapq.heappop(self._outbox)
                self._wake.release()
                try:
                    self.link.write(data)
                except OSError:
                    pass                # unplugged while sending: the bytes are lost, as on a real cable
                finally:
                    self._wake.acquire()

    def _on_data(self, data: bytes) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------------------------- commands

    def do_place(self, grams: str) -> str:
        self.model.place(time.monotonic(), float(grams))
        return f"load {self.model.load_g:.1f} g"

    def do_remove(self, grams: str) -> str:
        self.model.remove(time.monotonic(), float(grams))
        return f"load {self.model.load_g:.1f} g"

    def do_drop(self, grams: str) -> str:
        self.model.drop(time.monotonic(), float(grams))
        return f"load {self.model.load_g:.1f} g"

    def do_lean(self, seconds: str, grams: str) -> None:
        self.model.lean(time.monotonic(), float(seconds), float(grams))

    def do_bump(self, grams: str = "40") -> None:
        self.model.bump(time.monotonic(), float(grams))

    def do_unplug(self) -> None:
        self.record("unplug")
        self.link.unplug()

    def do_replug(self) -> str:
        self.record("replug")
        return self.link.replug()

    def do_silent(self, on: str = "on") -> None:
        self.silent = _on(on)
        self.record(f"silent {self.silent}")

    def do_slow(self, ms: str) -> None:
        self.delay_s = float(ms) / 1000.0
        self.record(f"slow {ms} ms")

    def do_garbage(self, n: str = "1") -> None:
        self._garble = int(n)

    def do_truncate(self, n: str = "1") -> None:
        self._truncate = int(n)

    def do_noise(self, n: str = "16") -> None:
        with self._lock:
            noise = bytes(self.rng.randrange(256) for _ in range(int(n)))
            heapq.heappush(self._outbox, (time.monotonic(), next(self._seq), noise))
            self._wake.notify_all()
        self.record(f"noise {noise!r}")

    def do_overload(self, on: str = "on") -> None:
        self.forced_overload = _on(on)
        self.record(f"overload {self.forced_overload}")

    def do_motion(self, seconds: str = "2") -> None:
        self._motion_until = time.monotonic() + float(seconds)
        self.record(f"motion {seconds} s")


# ------------------------------------------------------------------------------------------------------ MT-SICS

class SicsSimulator(SerialScaleSimulator):
    name = "sics"
    by_id = "usb-Mettler_Toledo_SICS_Sim-if00-port0"
    SERIAL = "B123456789"

    def __init__(self, *, unit: str = "kg", stream_hz: float = 10.0, **kwargs):
        super().__init__(**kwargs)
        if unit not in ("g", "kg"):
            raise ValueError("the simulated MT-SICS scale reports g or kg")
        self.unit = unit
        self.streaming = False
        self._stream_every = max(1, round(1.0 / (stream_hz * self.sample_s)))
        self._tick = 0
        self._pending_s: float | None = None      # deadline of an "S" that waits for rest
        self._inbuf = bytearray()

    def _format(self, grams: float) -> str:
        if self.unit == "kg":
            return f"{grams / 1000:>10.3f} kg"
        return f"{grams:>10.0f} g"

    def _weight_line(self, snap: Snapshot) -> str:
        if snap.over:
            return "S +"
        if snap.under:
            return "S -"
        return f"S {'S' if snap.stable else 'D'} {self._format(snap.net)}"

    def reply(self, line: str) -> None:
        self.send(line.encode("ascii") + b"\r\n")

    def on_sample(self, t: float) -> None:
        self._tick += 1
        if self.streaming and self._tick % self._stream_every == 0:
            self.reply(self._weight_line(self.snapshot()))
        if self._pending_s is not None:
            snap = self.snapshot()
            if snap.stable or snap.over or snap.under:
                self._pending_s = None
                self.reply(self._weight_line(snap))
            elif t > self._pending_s:
                self._pending_s = None
                self.reply("S I")

    def _on_data(self, data: bytes) -> None:
        self._inbuf += data
        while True:
            cut = [i for i in (self._inbuf.find(b"\r"), self._inbuf.find(b"\n")) if i >= 0]
            if not cut:
                break
            i = min(cut)
            line = self._inbuf[:i].decode("ascii", "replace").strip()
            del self._inbuf[:i + 1]
            if line:
                self.record(f"rx {line}")
                self.respond(line)

    def respond(self, line: str) -> None:
        words = line.split()
        cmd = words[0].upper()
        if cmd != "SIR":
            self.streaming = False
        snap = self.snapshot()
        if cmd == "@":
            self.tare_g = 0.0
            self._pending_s = None
            self.reply(f'I4 A "{self.SERIAL}"')
        elif cmd == "I1":
            self.reply('I1 A "0123" "2.30" "2.20" "1.00" "1.50"')
        elif cmd == "I2":
            self.reply(f'I2 A "KioskSim {self.capacity_g / 1000:g}kg {self.capacity_g / 1000:.3f} kg"')
        elif cmd == "I3":
            self.reply('I3 A "1.00 sim"')
        elif cmd == "I4":
            self.reply(f'I4 A "{self.SERIAL}"')
        elif cmd == "SI":
            self.reply(self._weight_line(snap))
        elif cmd == "S":
            self._pending_s = time.monotonic() + 3.0
        elif cmd == "SIR":
            self.streaming = True
        elif cmd in ("Z", "ZI"):
            self.reply(self._zero(cmd, snap))
        elif cmd in ("T", "TI"):
            self.reply(self._tare(cmd, snap))
        elif cmd == "TA":
            self.reply(f"TA A {self._format(self.tare_g)}")
        elif cmd == "TAC":
            self.tare_g = 0.0
            self.reply("TAC A")
        else:
            self.reply("ES")

    def _zero(self, cmd: str, snap: Snapshot) -> str:
        if cmd == "Z" and not snap.stable:
            return "Z I"
        with self._lock:
            target = self.zero_g + snap.gross
            if target > self.zero_range_g:
                return "Z +"
            if target < -self.zero_range_g:
                return "Z -"
            self.zero_g = target
            self.tare_g = 0.0
        return "Z A"

    def _tare(self, cmd: str, snap: Snapshot) -> str:
        if cmd == "T" and not snap.stable:
            return "T I"
        if snap.over or snap.gross > self.capacity_g:
            return "T +"
        if snap.gross < 0:
            return "T -"
        self.tare_g = snap.gross
        return f"T S {self._format(self.tare_g)}"


# ------------------------------------------------------------------------------------------------- Toledo 8217

class ToledoSimulator(SerialScaleSimulator):
    name = "toledo"
    by_id = "usb-Toledo_8217_Sim-if00-port0"
    COMMANDS = {**SerialScaleSimulator.COMMANDS, "ram_error [on|off]": "report a RAM error in the status"}

    def __init__(self, *, min_interval_s: float = 0.15, unit: str = "kg", **kwargs):
        super().__init__(**kwargs)
        if unit not in ("kg", "g", "lb"):
            raise ValueError("the simulated 8217 scale shows kg, g or lb")
        self.unit = unit
        self.min_interval_s = min_interval_s
        self.ram_error = False
        self.ignored = 0
        self._last_cmd = 0.0

    def _status(self, snap: Snapshot) -> bytes:
        s1 = 0x30 | (0 if snap.stable else 0x01) | (0x02 if abs(snap.gross) < self.division_g / 2 else 0)
        s1 |= 0x04 if self.ram_error else 0
        if snap.over or snap.under:
            s2 = 0x30 | (0x01 if snap.under else 0) | (0x02 if snap.over else 0)
            return bytes([s1 | 0x40, s2])
        return bytes([s1])

    def _digits(self, grams: float) -> str:
        if self.unit == "kg":
            return f"{grams / 1000:06.3f}"
        if self.unit == "lb":
            return f"{grams / 453.59237:06.2f}"
        return f"{grams:05.0f}"

    def _on_data(self, data: bytes) -> None:
        for byte in data:
            ch = chr(byte & 0x7F).upper()
            if ch in "\r\n ":
                continue
            now = time.monotonic()
            if now - self._last_cmd < self.min_interval_s:
                self.ignored += 1
                self.record(f"ignored {ch!r}: less than {self.min_interval_s * 1000:.0f} ms after the last command")
                continue
            self._last_cmd = now
            self.record(f"rx {ch}")
            self.respond(ch)

    def respond(self, ch: str) -> None:
        snap = self.snapshot()
        if ch == "W":
            if not snap.stable or snap.over or snap.under or snap.net < 0 or self.ram_error:
                self.send(b"\x02?" + self._status(snap) + b"\r")
            else:
                self.send(b"\x02" + self._digits(snap.net).encode("ascii") + b"\r")
        elif ch == "Z":
            if snap.stable and abs(self.zero_g + snap.gross) <= self.zero_range_g:
                with self._lock:
                    self.zero_g += snap.gross
                    self.tare_g = 0.0
                snap = self.snapshot()
                snap = Snapshot(0.0, 0.0, snap.stable, snap.over, snap.under)
            self.send(b"\x02?" + self._status(snap) + b"\r")
        elif ch == "S":
            self.send(b"\x02?" + self._status(snap) + b"\r")
        # Anything else: an 8217 scale stays quiet.

    def do_ram_error(self, on: str = "on") -> None:
        self.ram_error = _on(on)


# ------------------------------------------------------------------------------------------- sim: entries

def _open(driver, sim: SerialScaleSimulator, url: DeviceURL, listener, name, options):
    query = "&".join(f"{k}={v}" for k, v in url.params.items() if k not in ("seed", "rest"))
    return open_with(sim, lambda path: driver(f"{driver.scheme}://{path}" + (f"?{query}" if query else ""), listener,
                                              name=name or url.raw, **options))


def open_sics(url: DeviceURL, listener=None, *, name: str | None = None, model: LoadCellModel | None = None,
              seed: int | None = None, **options):
    """``sim:sics?mode=poll&unit=g&rest=0.3``: an MT-SICS responder on a pty and the real driver (``rest``: how
    long the simulated scale waits before it calls the load at rest; ``seed``: its randomness)."""
    u = parse(url)
    sim = SicsSimulator(model=model, seed=seed if seed is not None else u.integer("seed", 0),
                        unit=u.text("unit", "kg"), rest_s=u.number("rest", 0.3, lo=0.05, hi=5))
    return _open(SicsScale, sim, u, listener, name, options)


def open_toledo(url: DeviceURL, listener=None, *, name: str | None = None, model: LoadCellModel | None = None,
                seed: int | None = None, **options):
    """``sim:toledo?unit=kg&rest=0.3``: an 8217 responder on a pty and the real driver."""
    u = parse(url)
    sim = ToledoSimulator(model=model, seed=seed if seed is not None else u.integer("seed", 0),
                          unit=u.text("unit", "kg"), rest_s=u.number("rest", 0.3, lo=0.05, hi=5))
    return _open(ToledoScale, sim, u, listener, name, options)
