"""HX711 load-cell ADC on two GPIO pins, bit-banged through a gpiozero pin factory (PROTOCOLS.md 2.1).

URL: ``hx711:?dout=5&sck=6&gain=128&rate=10`` (BCM numbers or gpiozero pin names; gain 128 or 64 = channel A,
32 = channel B; rate = the board's RATE strap, 10 or 80 samples per second). Options: ``pin_factory`` (a gpiozero
Factory or a name: lgpio, rpigpio, native; default: ``GPIOZERO_PIN_FACTORY``, then an already chosen
``gpiozero.Device.pin_factory``, then lgpio), ``calibration`` or ``calibration_path``, and the processing options of
:class:`~hal.scale.processing.ScaleProcessor` (``capacity_g``, ``division_g`` ...; URL ``capacity=``/``division=``).

A reader thread waits for DOUT to go low (conversion ready), clocks 24 bits in MSB first (each bit read after the
falling edge, so SCK stays high as briefly as possible) and 1-3 more pulses to choose the next gain and channel,
and hands the sign-extended value to the processor. Linux can pre-empt us while SCK is high; past ~60 us the chip
powers down and the read is garbage, and a stray edge can leave it in a pulse-count error. So the driver rejects
saturated values and impossible jumps (a jump counts only once the next sample confirms it), discards the first
samples after a reset or gain change, and resets the chip (SCK high, then low) when DOUT stays high too long.
Without a saved calibration the driver still opens and samples (so it can be calibrated) but reports ERROR
"not calibrated: run kiosk calibrate scale".
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import time
from typing import Any, Callable

from hal import events as ev
from hal.errors import BadDeviceURL, require
from hal.scale.base import Scale
from hal.scale.calibration import Calibration
from hal.scale.errors import NotCalibrated, ScaleNotFound
from hal.scale.processing import ScaleProcessor
from hal.url import DeviceURL

log = logging.getLogger("hal.scale.hx711")

# gain -> (channel, clock pulses per read: 24 data bits + the ones that select the next conversion)
GAINS = {128: ("A", 25), 64: ("A", 27), 32: ("B", 26)}
FULL_SCALE = 1 << 23          # 24-bit two's complement: -8388608 .. 8388607
INSTALL = "pip install 'kiosk[pi]' (or: apt install python3-lgpio)"

PROCESSING_OPTIONS = ("capacity_g", "division_g", "under_zero_g", "window_s", "band_g", "resolution_g", "median",
                      "range_hold_s", "zero_tracking", "zero_track_d_per_s", "zero_range_g", "refine")


def processing_options(url: DeviceURL, options: dict[str, Any]) -> dict[str, Any]:
    """The processor settings of a scale driver: options from the lane's config, then URL parameters."""
    out = {k: options.pop(k) for k in PROCESSING_OPTIONS if k in options}
    if "capacity_g" not in out and url.text("capacity") is not None:
        out["capacity_g"] = url.number("capacity", lo=1)
    if "division_g" not in out and url.text("division") is not None:
        out["division_g"] = url.number("division", lo=0.001)
    return out


def to_signed(raw24: int) -> int:
    """24-bit two's complement to int: 0x7FFFFF -> 8388607, 0x800000 -> -8388608, 0xFFFFFF -> -1."""
    raw24 &= 0xFFFFFF
    return raw24 - (1 << 24) if raw24 & 0x800000 else raw24


def resolve_pin_factory(option: Any):
    """The gpiozero pin factory to bit-bang with; never the mock factory unless it is handed in explicitly."""
    if option is not None and not isinstance(option, str):
        return option, False
    name = option or os.environ.get("GPIOZERO_PIN_FACTORY")
    if not name:
        gpiozero = require("gpiozero", "pip install gpiozero", "the HX711 scale driver (hx711:)")
        if gpiozero.Device.pin_factory is not None:
            return gpiozero.Device.pin_factory, False
        name = "lgpio"
    name = name.lower()
    factories = {
        "lgpio": ("lgpio", "gpiozero.pins.lgpio", "LGPIOFactory", INSTALL),
        "rpigpio": ("RPi.GPIO", "gpiozero.pins.rpigpio", "RPiGPIOFactory", "apt install python3-rpi-lgpio"),
        "native": ("gpiozero", "gpiozero.pins.native", "NativeFactory", "pip install gpiozero"),
    }
    if name == "mock":
        raise BadDeviceURL("the gpiozero mock pin factory has no HX711 behind it; for a simulated scale use the "
                           "URL sim:hx711")
    if name not in factories:
        raise BadDeviceURL(f"unknown GPIO pin factory {name!r} for the HX711 (use lgpio, rpigpio or native)")
    lib, module, cls, install = factories[name]
    require(lib, install, f"the HX711 scale driver (hx711: with the {name} pin factory)")
    try:
        return getattr(importlib.import_module(module), cls)(), True
    except Exception as exc:     # lgpio raises its own error type when there is no GPIO chip
        raise ScaleNotFound(f"no usable GPIO for the HX711 through {name} ({exc}): on a Raspberry Pi check that "
                            "/dev/gpiochip0 exists and the kiosk user is in the gpio group; on another computer "
                            "use sim:hx711") from exc


def _pin_name(url: DeviceURL, key: str) -> int | str:
    value = url.text(key)
    if value is None or value == "":
        raise BadDeviceURL(f"{url.raw}: give the GPIO pin of {key.upper()} ({key}=5)")
    return int(value) if value.isdigit() else value


class Hx711(Scale):
    needs_calibration = True

    def __init__(self, url, listener=None, *, name: str | None = None, pin_factory: Any = None,
                 calibration: Calibration | None = None, calibration_path: str | os.PathLike | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 reader_thread: bool = True, reset_hold_s: float = 0.1, ready_timeout_s: float | None = None,
                 **options: Any):
        super().__init__(url, listener, name=name)
        u = self.url
        self.dout = _pin_name(u, "dout")
        self.sck = _pin_name(u, "sck")
        self.gain = u.integer("gain", 128)
        if self.gain not in GAINS:
            raise BadDeviceURL(f"{u.raw}: gain={self.gain}: the HX711 offers 128 or 64 (channel A) and 32 (B)")
        self.channel, self.pulses = GAINS[self.gain]
        if u.text("channel") and u.text("channel").upper() != self.channel:
            raise BadDeviceURL(f"{u.raw}: channel {u.text('channel')} has no gain {self.gain} (A: 128/64, B: 32)")
        self.rate = u.integer("rate", 10)
        if self.rate not in (10, 80):
            raise BadDeviceURL(f"{u.raw}: rate={self.rate}: the HX711 runs at 10 or 80 samples per second "
                               "(set by its RATE pin)")
        self.period = 1.0 / self.rate
        self.calibration_path = str(calibration_path) if calibration_path else None
        self._factory_option = pin_factory if pin_factory is not None else u.text("factory")
        self._clock, self._sleep = clock, sleep
        self._reader_thread = reader_thread
        self.reset_hold_s = reset_hold_s
        # After a reset the first conversion comes after ~4 periods; waiting twice that means the chip is stuck.
        self.ready_timeout_s = max(ready_timeout_s or 1.0, 6 * self.period)
        proc = processing_options(u, options)
        for key in options:
            log.warning("%s: option %r is not used by the HX711 driver", self.name, key)
        self._cal_problem: str | None = None
        if calibration is None and self.calibration_path:
            try:
                calibration = Calibration.load(self.calibration_path)
            except NotCalibrated as exc:
                self._cal_problem = str(exc)
        if calibration is not None:
            problem = self._mismatch(calibration)
            if problem:
                self._cal_problem, calibration = problem, None
        elif self._cal_problem is None:
            self._cal_problem = "not calibrated: run kiosk calibrate scale"
        self.processor = ScaleProcessor(self.emit, calibration=calibration, **proc)
        self._factory = None
        self._own_factory = False
        self._sck_pin = self._dout_pin = None
        self._io = threading.Lock()
        self._stop = threading.Event()
        self._paused = False
        self._thread: threading.Thread | None = None
        self._fault: str | None = None
        self._discard = 0
        self._last_good: int | None = None
        self._candidate: int | None = None
        self._saturated = 0
        self.stats = {"reads": 0, "discarded": 0, "rejected_jumps": 0, "saturated": 0, "chip_resets": 0}

    # --------------------------------------------------------------------------------------------- lifecycle

    def _open_device(self) -> None:
        self._factory, self._own_factory = resolve_pin_factory(self._factory_option)
        try:
            self._factory.reserve_pins(self, self.sck, self.dout)
            self._sck_pin = self._factory.pin(self.sck)
            self._dout_pin = self._factory.pin(self.dout)
            self._sck_pin.function = "output"
            self._sck_pin.state = False
            self._dout_pin.function = "input"
            self._reset_chip()
        except BaseException:
            self._release_pins()
            raise
        self._refresh_status()
        if self._reader_thread:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True, name=f"scale:{self.name}")
            self._thread.start()

    def _close_device(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None
        self._release_pins()

    def _release_pins(self) -> None:
        for pin in (self._sck_pin, self._dout_pin):
            if pin is not None:
                try:
                    if pin is self._sck_pin:
                        pin.state = False
                    pin.close()
                except Exception:      # closing must go on even if one pin misbehaves
                    log.debug("closing pin failed", exc_info=True)
        self._sck_pin = self._dout_pin = None
        if self._factory is not None:
            self._factory.release_pins(self, self.sck, self.dout)
            if self._own_factory:
                self._factory.close()
        self._factory = None

    def _conflicts_with(self, other) -> bool:
        """gpiozero's pin reservation asks this: nobody else may use our two pins."""
        return True

    def calibration_tags(self) -> dict:
        return {"driver": "hx711", "channel": self.channel, "gain": self.gain}

    def set_calibration(self, calibration, save: bool = True):
        path = super().set_calibration(calibration, save)
        self._cal_problem = None
        self._last_good = self._candidate = None
        self._refresh_status()
        return path

    def health(self):
        h = super().health()
        cal = self.processor.calibration
        info = {**self.stats, **self.processor.stats, "rate_sps": self.rate, "gain": self.gain,
                "channel": self.channel, "calibrated": cal is not None}
        if cal is not None:
            info.update(offset=cal.offset, counts_per_g=cal.counts_per_g)
        return type(h)(h.ok, h.status, h.detail, info)

    # ------------------------------------------------------------------------------------------ chip control

    def power_down(self) -> None:
        """Put the chip (and the load cell's excitation) to sleep: SCK high for longer than 60 us."""
        with self._io:
            self._paused = True
            self._sck_pin.state = True

    def power_up(self) -> None:
        """Wake the chip: it restarts on channel A, gain 128, and needs its settling time."""
        with self._io:
            self._sck_pin.state = False
            self._paused = False
            self._discard = 1 + (self.gain != 128)

    def _reset_chip(self) -> None:
        with self._io:
            self._sck_pin.state = True
            self._sleep(self.reset_hold_s)
            self._sck_pin.state = False
            # After a reset the chip converts on A/128; the first read selects our gain, whose first conversion
            # is not settled yet.
            self._discard = 1 + (self.gain != 128)
            self._last_good = self._candidate = None

    # ----------------------------------------------------------------------------------------------- reading

    def _loop(self) -> None:
        poll = min(0.01, max(0.0005, self.period / 8))
        while not self._stop.is_set():
            if self._paused:
                self._stop.wait(0.05)
                continue
            start = self._clock()
            while self._dout_pin.state and not self._stop.is_set() and not self._paused:
                if self._clock() - start > self.ready_timeout_s:
                    break
                self._stop.wait(poll)
            if self._stop.is_set() or self._paused:
                continue
            waited = self._clock() - start
            if waited > self.ready_timeout_s:
                self.stats["chip_resets"] += 1
                self._fault = ("HX711 does not signal data ready (DOUT stays high): resetting it; if this "
                               "repeats, check the DOUT/SCK wires and the board's power")
                self._refresh_status()
                log.warning("%s: %s", self.name, self._fault)
                self._reset_chip()
                continue
            self.poll_once(waited)

    def poll_once(self, waited_s: float = 0.0) -> bool:
        """Read one sample if the chip has one ready; False if DOUT is high. Used by the reader thread, and
        directly by simulations that run the chip under a virtual clock (``reader_thread=False``)."""
        with self._io:
            if self._paused or self._dout_pin.state:
                return False
            t = self._clock()
            raw = self.shift_in()
        self.handle_sample(t, raw, waited_s)
        return True

    def shift_in(self) -> int:
        """Clock out one conversion: 24 bits MSB first, then the pulses that choose the next gain/channel."""
        sck, dout = self._sck_pin, self._dout_pin
        value = 0
        for _ in range(24):
            sck.state = True
            sck.state = False
            value = (value << 1) | (1 if dout.state else 0)
        for _ in range(self.pulses - 24):
            sck.state = True
            sck.state = False
        return to_signed(value)

    def handle_sample(self, t: float, raw: int, waited_s: float = 0.0) -> None:
        """Judge one raw sample and pass the plausible ones to the processor."""
        self.stats["reads"] += 1
        if waited_s > 2.5 * self.period:
            # DOUT stayed high for several periods: the chip was reset (a slow SCK phase powered it down) and
            # this sample is its first, converted on A/128, before our gain took effect again.
            self._discard = max(self._discard, 1 + (self.gain != 128))
        if self._discard:
            self._discard -= 1
            self.stats["discarded"] += 1
            return
        if raw >= FULL_SCALE - 1 or raw <= -FULL_SCALE:
            self.stats["saturated"] += 1
            self._saturated += 1
            if self._saturated >= 3 and self.processor.calibrated:
                # A lasting saturation is real: far more than the cell can take (or a broken wire).
                cal = self.processor.calibration
                over = (raw > 0) == (cal.counts_per_g > 0)
                (self.processor.overload if over else self.processor.underload)(t)
            return
        self._saturated = 0
        limit, confirm = self._jump_limits()
        if self._last_good is not None and abs(raw - self._last_good) > limit:
            if self._candidate is None or abs(raw - self._candidate) > confirm:
                self._candidate = raw
                self.stats["rejected_jumps"] += 1
                return
        self._candidate = None
        self._last_good = raw
        if self._fault is not None:
            self._fault = None
            self._refresh_status()
        self.processor.feed(t, raw)

    def _jump_limits(self) -> tuple[float, float]:
        """Largest believable change between two samples (half the capacity), and how close the next sample must
        be to confirm a change beyond it (5 % of capacity). Raw counts; guesses while not calibrated."""
        cal = self.processor.calibration
        if cal is None:
            return FULL_SCALE / 2, FULL_SCALE / 32
        cpg = abs(cal.counts_per_g)
        return 0.5 * self.processor.capacity_g * cpg, 0.05 * self.processor.capacity_g * cpg

    # ------------------------------------------------------------------------------------------------ status

    def _mismatch(self, cal: Calibration) -> str | None:
        for key, mine in (("channel", self.channel), ("gain", self.gain)):
            theirs = cal.tags.get(key)
            if theirs is not None and theirs != mine:
                return (f"not calibrated: the saved calibration is for {key} {theirs}, the URL says {mine}; run "
                        "kiosk calibrate scale")
        return None

    def _refresh_status(self) -> None:
        if not self._is_open and self._sck_pin is None:
            return
        if self._fault:
            self.set_status(ev.ERROR, self._fault)
        elif self.processor.calibration is None:
            self.set_status(ev.ERROR, self._cal_problem or "not calibrated: run kiosk calibrate scale")
        else:
            self.set_status(ev.ONLINE)
