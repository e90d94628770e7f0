"""The lane light simulator: the lamp pins as gpiozero mock pins, read back the way a lamp would show them.

``sim:`` (``sim:?red=17&amber=27&green=22&active_high=1``) starts :class:`LightSim` with its own gpiozero
``MockFactory`` (never the process-wide default) and opens the real :class:`hal.light.gpio.GpioLight` on it, so
tests read the pins the driver drives: ``device.simulator.lit()`` says which lamps are lit, ``pins[colour]`` is the
gpiozero ``MockPin`` with its state history (``states``, ``assert_states``), ``changes(colour)`` counts switchings.

``kiosk sim light`` runs :class:`LightConsole`: the same pins with a lamp driven by commands (``show red blink``),
printing every change of the lamps as a line, so one can watch a blink pattern on a terminal.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from hal.errors import require
from hal.light.gpio import LAMPS, GpioLight
from hal.sim import Simulator, open_with
from hal.url import DeviceURL

DEFAULT_PINS = {"red": 17, "amber": 27, "green": 22}


class LightSim(Simulator):
    name = "light"
    COMMANDS = {
        "state": "which lamps are lit",
        "changes": "how often each lamp has switched since the start",
    }

    def __init__(self, *, red: int | str = 17, amber: int | str = 27, green: int | str = 22,
                 active_high: bool = True):
        super().__init__()
        self.pin_numbers = {"red": red, "amber": amber, "green": green}
        self.active_high = active_high
        self.factory: Any = None
        self.pins: dict[str, Any] = {}

    def start(self) -> str:
        if self.running:
            return self.address
        mock = require("gpiozero.pins.mock", "pip install gpiozero", "the lane light simulator")
        self.factory = mock.MockFactory()
        self.pins = {lamp: self.factory.pin(n) for lamp, n in self.pin_numbers.items()}
        self.running = True
        self.address = "mock-gpio:" + ",".join(f"{lamp}={n}" for lamp, n in self.pin_numbers.items())
        self.record(f"start {self.address}")
        return self.address

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        self.record("stop")
        self.factory.close()

    def url(self) -> str:
        """The driver URL for these pins."""
        pins = "&".join(f"{lamp}={n}" for lamp, n in self.pin_numbers.items())
        return f"gpio:?{pins}&active_high={int(self.active_high)}"

    def lit(self) -> dict[str, bool]:
        """Which lamps are lit now (a low pin lights the lamp on an active-low board)."""
        return {lamp: bool(pin.state) == self.active_high for lamp, pin in self.pins.items()}

    def changes(self, lamp: str) -> int:
        """How often the lamp's pin has switched since it was claimed (blinking counts two per period)."""
        return max(0, len(self.pins[lamp].states) - 1)

    def do_state(self) -> str:
        return "  ".join(f"{lamp} {'ON ' if on else 'off'}" for lamp, on in self.lit().items())

    def do_changes(self) -> str:
        return "  ".join(f"{lamp} {self.changes(lamp)}" for lamp in LAMPS)


class LightConsole(LightSim):
    """``kiosk sim light``: the simulated pins with a lamp on them, driven by commands, printing what it shows."""

    COMMANDS = {
        "show COLOUR [PATTERN]": "light red/amber/green steady, blink (1 Hz) or fast (4 Hz)",
        "off": "all lamps out",
        **LightSim.COMMANDS,
    }

    def __init__(self, *, out: Callable[[str], None] = print, poll_s: float = 0.02, **pins: Any):
        super().__init__(**pins)
        self.out = out
        self.poll_s = poll_s
        self.light: GpioLight | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> str:
        address = super().start()
        self.light = GpioLight(self.url(), name="lane light", pin_factory=self.factory).open()
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="light-console")
        self._watcher.start()
        return address

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(1.0)
        if self.light is not None:
            self.light.close()
        super().stop()

    def _watch(self) -> None:
        # Mock output pins call no callback when the driver sets them, so the console looks a few times per flash.
        shown = None
        while not self._stop.wait(self.poll_s):
            now = self.lit()
            if now != shown:
                shown = now
                lamps = "  ".join(f"[{lamp.upper():5s}]" if on else f" {lamp:5s} " for lamp, on in now.items())
                self.out(f"{time.strftime('%H:%M:%S')}  {lamps}")

    def do_show(self, colour: str, pattern: str = "steady") -> str:
        self.light.show(colour, pattern)
        self.record(f"show {colour} {pattern}")
        return f"showing {colour} {pattern}"

    def do_off(self) -> str:
        return self.do_show("off")


def open_simulated(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any) -> GpioLight:
    pins = {lamp: url.text(lamp) or DEFAULT_PINS[lamp] for lamp in LAMPS}
    sim = LightSim(**{lamp: int(p) if str(p).isdigit() else p for lamp, p in pins.items()},
                   active_high=url.flag("active_high", True))
    return open_with(sim, lambda _: GpioLight(sim.url(), listener, name=name, pin_factory=sim.factory))
