"""The HX711 at pin level, on gpiozero's MockFactory: the real driver bit-bangs it as it would the chip.

:class:`Hx711Chip` watches the SCK mock pin's edges and drives the DOUT mock pin the way the datasheet says
(PROTOCOLS.md 2.1): DOUT high while converting and low when a conversion is ready (10 or 80 per second); each rising
SCK edge shifts out the next of 24 bits, MSB first, two's complement; the pulses after the 24th choose the next
conversion (25: A/128, 26: B/32, 27: A/64); fewer than 25 (a read abandoned for a whole period) or more than 27 is
a communication error after which the chip stays silent until it is reset; SCK held high longer than
``powerdown_s`` powers the chip down, and SCK low again resets it (A/128, first data after four conversion periods).
The first conversion after a gain or channel change is not settled. The value is
``offset + counts_per_g * model.reading(t)`` (halved for gain 64; channel B has its own offset and a quarter of the
gain), plus a little ADC noise, saturating at the 24-bit limits.

The chip keeps no thread: time is read from ``clock`` whenever the driver touches a pin, so conversions are due
exactly on their grid, and a virtual clock makes whole runs repeatable (the benchmark uses one). Faults for tests:
``stall`` (the next read is pre-empted long enough to power the chip down mid-read), ``glitch N`` (N spurious SCK
edges), and the power-down threshold itself. Under Python a real 60 us threshold trips whenever the driver is
pre-empted; ``sim:hx711`` therefore defaults to 50 ms (URL ``pd_us=``), tests set 60 us on purpose.

Each simulator has its own MockFactory instance (never the global ``Device.pin_factory``), so several coexist.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import Callable

from gpiozero.pins.mock import MockFactory, MockPin

from hal.scale.calibration import Calibration
from hal.scale.hx711 import GAINS, Hx711
from hal.scale.sim import LoadCellModel
from hal.sim import Simulator, open_with
from hal.url import DeviceURL, parse

MAX = (1 << 23) - 1
MIN = -(1 << 23)
MODES = {25: ("A", 128), 26: ("B", 32), 27: ("A", 64)}


class _QuietPin(MockPin):
    """A mock pin that keeps no history (MockPin's list would grow by thousands of entries a second)."""

    def _change_state(self, value):
        if self._state == value:
            return False
        self._state = value
        return True


class _ClockPin(_QuietPin):
    def __init__(self, factory, info, chip=None):
        self.chip = chip
        super().__init__(factory, info)

    def _change_state(self, value):
        changed = super()._change_state(value)
        if changed and self.chip is not None:
            self.chip.on_sck(bool(value))
        return changed


class _DataPin(_QuietPin):
    def __init__(self, factory, info, chip=None):
        self.chip = chip
        super().__init__(factory, info)

    def _get_state(self):
        if self.chip is not None:
            self.chip.sync()
        return self._state


class Hx711Chip:
    def __init__(self, model: LoadCellModel, *, rate: int = 10, offset_a: float = 84_210.0,
                 counts_per_g: float = 240.0, offset_b: float = -31_500.0, noise_counts: float | None = None,
                 powerdown_s: float = 60e-6, settle_periods: int = 4, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None, model_b: LoadCellModel | None = None):
        if rate not in (10, 80):
            raise ValueError("the HX711 converts at 10 or 80 samples per second")
        self.model = model
        self.model_b = model_b or model      # the simulated cell is wired to both inputs unless told otherwise
        self.rate = rate
        self.period = 1.0 / rate
        self.offset_a = offset_a
        self.counts_per_g = counts_per_g
        self.offset_b = offset_b
        # Input-referred noise ~50 nV at 10 SPS, ~90 nV at 80 SPS (SparkFun): ~20 / ~38 counts at A/128.
        self.noise_counts = noise_counts if noise_counts is not None else (20.0 if rate == 10 else 38.0)
        self.powerdown_s = powerdown_s
        self.settle_periods = settle_periods
        self.clock = clock
        self.rng = rng or random.Random(1)
        self.dout = None            # the DOUT MockPin, set by attach()
        self._lock = threading.RLock()
        self.history: deque[tuple[float, str]] = deque(maxlen=500)
        self.stats = {"conversions": 0, "reads": 0, "pulse_errors": 0, "power_downs": 0, "resets": 0}
        now = clock()
        self._powered = True
        self._error = False
        self._mode = 25              # pulses that chose the conversion now running
        self._unsettled = 0          # the previous setting, while the first conversion after a change runs
        self._next = now + settle_periods * self.period
        self._latched = 0
        self._ready = False
        self._count = 0
        self._last_edge = now
        self._high_since: float | None = None
        self._stall = False
        self._stall_at = 0
        self._glitch = 0

    def attach(self, dout_pin) -> None:
        self.dout = dout_pin
        self._set_dout(True)

    # ------------------------------------------------------------------------------------------ fault control

    def stall(self) -> None:
        """The next read is pre-empted with SCK high long enough to power the chip down in the middle."""
        with self._lock:
            self._stall = True
            self._stall_at = self.rng.randint(2, 22)

    def glitch(self, pulses: int = 1) -> None:
        """Spurious SCK edges (noise on a long wire) during the next read."""
        with self._lock:
            self._glitch += pulses

    @property
    def gain(self) -> tuple[str, int]:
        return MODES[self._mode]

    @property
    def next_conversion(self) -> float:
        """When the conversion now running will be ready (for simulations that jump from one to the next)."""
        return self._next

    @property
    def in_error(self) -> bool:
        return self._error

    @property
    def powered(self) -> bool:
        with self._lock:
            self.sync()
            return self._powered

    def expected_raw(self, grams: float, gain: int = 128) -> float:
        channel = GAINS[gain][0]
        if channel == "B":
            return self.offset_b + self.counts_per_g / 4 * grams
        return (self.offset_a + self.counts_per_g * grams) * gain / 128

    # ------------------------------------------------------------------------------------------- pin events

    def on_sck(self, high: bool) -> None:
        with self._lock:
            t = self.clock()
            if high:
                self._rise(t)
            else:
                self._fall(t)
            self._last_edge = t

    def _rise(self, t: float) -> None:
        self.sync()                                   # DOUT falls at conversion time whether or not anyone looks
        self._high_since = t
        if not self._powered or self._error:
            return
        if not self._ready and self._count == 0:
            return                                    # nothing to shift out: the edge does nothing
        self._count += 1 + self._glitch
        if self._glitch:
            self.history.append((t, f"glitch: {self._glitch} spurious edge(s)"))
            self._glitch = 0
        if self._stall and self._count >= self._stall_at:
            # The driver got pre-empted right here: SCK stays high past the power-down threshold.
            self._stall = False
            self._power_down(t)
            return
        if self._count <= 24:
            self._set_dout(bool((self._latched >> (24 - self._count)) & 1))
        elif self._count == 25:
            self._ready = False
            self._set_dout(True)
        if self._count > 27:
            self._set_error(t, f"{self._count} pulses")

    def _fall(self, t: float) -> None:
        since, self._high_since = self._high_since, None
        if since is not None and t - since > self.powerdown_s and self._powered:
            self._power_down(since + self.powerdown_s)
        if not self._powered:
            self._reset(t)

    def sync(self) -> None:
        """Bring the chip up to the present: power-down while SCK is held high, and conversions that are due."""
        with self._lock:
            t = self.clock()
            if self._high_since is not None and self._powered and t - self._high_since > self.powerdown_s:
                self._power_down(self._high_since + self.powerdown_s)
            if not self._powered or self._error or t < self._next:
                return
            if 1 <= self._count <= 24:
                if t - self._last_edge <= self.period:
                    return                            # a read in progress: the conversion waits for it
                self._set_error(t, f"read abandoned after {self._count} pulses")
                return
            if self._high_since is not None or (self._count and t - self._last_edge < 0.0005):
                return                                # SCK high, or more selection pulses may follow
            if self._count:
                self.stats["reads"] += 1
                if self._count != self._mode:
                    self._unsettled = self._mode
                    self.history.append((t, "gain %s/%d" % MODES[self._count]))
                self._mode = self._count
                self._count = 0
            # Missed conversions are overwritten: only the newest one is kept.
            k = int((t - self._next) / self.period)
            tc = self._next + k * self.period
            self._next = tc + self.period
            self._latched = self._convert(tc) & 0xFFFFFF
            self._ready = True
            self.stats["conversions"] += 1
            self._set_dout(False)

    # ------------------------------------------------------------------------------------------- internals

    def _convert(self, tc: float) -> int:
        value = self._value(self._mode, tc)
        if self._unsettled:
            value = (value + self._value(self._unsettled, tc)) / 2      # half way from the previous setting
            self._unsettled = 0
        return int(round(max(MIN, min(MAX, value))))

    def _value(self, mode: int, tc: float) -> float:
        noise = self.rng.gauss(0.0, self.noise_counts)
        channel, gain = MODES[mode]
        if channel == "B":
            return self.offset_b + self.counts_per_g / 4 * self.model_b.reading(tc) + noise / 4
        return (self.offset_a + self.counts_per_g * self.model.reading(tc) + noise) * gain / 128

    def _set_dout(self, high: bool) -> None:
        if self.dout is not None:
            if high:
                self.dout.drive_high()
            else:
                self.dout.drive_low()

    def _set_error(self, t: float, why: str) -> None:
        self._error = True
        self._ready = False
        self.stats["pulse_errors"] += 1
        self.history.append((t, f"communication error: {why}; needs a reset"))
        self._set_dout(True)

    def _power_down(self, t: float) -> None:
        self._powered = False
        self._ready = False
        self.stats["power_downs"] += 1
        self.history.append((t, "power down"))
        self._set_dout(True)

    def _reset(self, t: float) -> None:
        self._powered = True
        self._error = False
        self._mode = 25
        self._unsettled = 0
        self._count = 0
        self._ready = False
        self._next = t + self.settle_periods * self.period
        self.stats["resets"] += 1
        self.history.append((t, "reset: A/128"))
        self._set_dout(True)


class Hx711Simulator(Simulator):
    """An HX711 board on two mock GPIO pins with a load cell (``model``) under it."""

    name = "hx711"
    COMMANDS = {
        "place GRAMS": "set an item down on the platform",
        "remove GRAMS": "take an item off",
        "drop GRAMS": "throw an item onto the platform (overshoot)",
        "lean SECONDS GRAMS": "a hand leaning on the rail",
        "bump [GRAMS]": "a trolley bumps the lane (vibration burst)",
        "temperature CELSIUS": "the room temperature changes",
        "stall": "the next read is pre-empted and the chip powers down mid-read",
        "glitch [N]": "N spurious SCK edges during the next read (pulse-count error)",
        "pd_us MICROSECONDS": "SCK-high time after which the chip powers down",
    }

    def __init__(self, *, model: LoadCellModel | None = None, seed: int = 0, rate: int = 10, dout: int = 5,
                 sck: int = 6, powerdown_us: float = 60.0, factory: MockFactory | None = None,
                 clock: Callable[[], float] = time.monotonic, **chip_options):
        super().__init__()
        self.rng = random.Random(seed)
        self.model = model or LoadCellModel(random.Random(seed))
        self.factory = factory or MockFactory()
        self._own_factory = factory is None
        self.clock = clock
        self.dout, self.sck = dout, sck
        self.chip = Hx711Chip(self.model, rate=rate, powerdown_s=powerdown_us * 1e-6, clock=clock,
                              rng=random.Random(seed + 1), **chip_options)

    def start(self) -> str:
        if not self.running:
            dout = self.factory.pin(self.dout, pin_class=_DataPin, chip=self.chip)
            self.factory.pin(self.sck, pin_class=_ClockPin, chip=self.chip)
            self.chip.attach(dout)
            self.running = True
            self.address = f"mock-gpio:?dout={self.dout}&sck={self.sck}&rate={self.chip.rate}"
            self.record("started")
        return self.address

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.record("stopped")
            if self._own_factory:
                self.factory.close()

    def calibration(self, gain: int = 128) -> Calibration:
        """The calibration a technician would measure on this simulated board (so the demo needs none)."""
        zero = self.chip.expected_raw(0.0, gain)
        cpg = self.chip.expected_raw(1000.0, gain) / 1000 - zero / 1000
        channel = GAINS[gain][0]
        return Calibration(offset=round(zero, 1), counts_per_g=cpg, known_g=None,
                           tags={"driver": "hx711", "channel": channel, "gain": gain, "simulated": True})

    # ------------------------------------------------------------------------------------------- commands

    def do_place(self, grams: str) -> str:
        self.model.place(self.clock(), float(grams))
        self.record(f"place {grams}")
        return f"load {self.model.load_g:.1f} g"

    def do_remove(self, grams: str) -> str:
        self.model.remove(self.clock(), float(grams))
        self.record(f"remove {grams}")
        return f"load {self.model.load_g:.1f} g"

    def do_drop(self, grams: str) -> str:
        self.model.drop(self.clock(), float(grams))
        self.record(f"drop {grams}")
        return f"load {self.model.load_g:.1f} g"

    def do_lean(self, seconds: str, grams: str) -> None:
        self.model.lean(self.clock(), float(seconds), float(grams))
        self.record(f"lean {seconds} {grams}")

    def do_bump(self, grams: str = "40") -> None:
        self.model.bump(self.clock(), float(grams))
        self.record(f"bump {grams}")

    def do_temperature(self, celsius: str) -> None:
        self.model.set_temperature(self.clock(), float(celsius))
        self.record(f"temperature {celsius}")

    def do_stall(self) -> None:
        self.chip.stall()
        self.record("stall")

    def do_glitch(self, n: str = "1") -> None:
        self.chip.glitch(int(n))
        self.record(f"glitch {n}")

    def do_pd_us(self, us: str) -> None:
        self.chip.powerdown_s = float(us) * 1e-6
        self.record(f"pd_us {us}")


def open_simulated(url: DeviceURL, listener=None, *, name: str | None = None, model: LoadCellModel | None = None,
                   seed: int | None = None, **options) -> Hx711:
    """``sim:`` / ``sim:hx711?rate=80&gain=64&pd_us=60&calibrated=0``: the pin-level chip plus the real driver.

    The driver gets the calibration that matches the simulated board unless ``calibrated=0`` (then it behaves like
    a fresh board: ERROR "not calibrated" until ``kiosk calibrate scale``, with ``calibration_path`` honoured).
    """
    u = parse(url)
    rate = u.integer("rate", 10)
    gain = u.integer("gain", 128)
    sim = Hx711Simulator(model=model, seed=seed if seed is not None else u.integer("seed", 0), rate=rate,
                         powerdown_us=u.number("pd_us", 50_000.0, lo=1.0))

    def driver(_: str) -> Hx711:
        driver_url = f"hx711:?dout={sim.dout}&sck={sim.sck}&gain={gain}&rate={rate}"
        for key in ("capacity", "division"):
            if u.text(key) is not None:
                driver_url += f"&{key}={u.text(key)}"
        if u.flag("calibrated", True) and "calibration" not in options:
            options["calibration"] = sim.calibration(gain)
        return Hx711(driver_url, listener, name=name or u.raw, pin_factory=sim.factory, **options)

    return open_with(sim, driver)
