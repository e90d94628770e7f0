"""``gpio:?red=17&amber=27&green=22&active_high=1``: the lane's tower lamp on three GPIO pins, through gpiozero.

Each lamp is a gpiozero ``LED`` (usually a transistor or relay board switching the 24 V lamp). Pins are BCM numbers
or gpiozero pin names (``BOARD11``). ``active_high=0`` is for boards that switch a lamp on with a low pin. Only one
lamp is lit at a time: ``show`` puts the others out first. ``blink`` (1 Hz) and ``fast`` (4 Hz) run in gpiozero's
background thread, so ``show`` returns at once. Closing puts every lamp out before releasing the pins.

The pins come from gpiozero's pin factory: on a Raspberry Pi that is lgpio (``apt install python3-lgpio``), which
also drives the Pi 5. Where no GPIO library can work (a PC, a container) opening fails with :class:`NoPinLibrary`
and says to use ``sim:``; gpiozero's mock pins are never chosen behind the user's back. Tests and ``sim:`` pass a
``pin_factory`` (a gpiozero ``MockFactory``).
"""

from __future__ import annotations

import warnings
from typing import Any

from hal.errors import DeviceUnavailable, require
from hal.light.base import COLORS, PATTERNS, Light
from hal.light.errors import BadPins, NoPinLibrary, PinsBusy

LAMPS = ("red", "amber", "green")
# Half-periods of the patterns: 1 Hz asks for an attendant, 4 Hz is an alert.
HALF_PERIOD_S = {"blink": 0.5, "fast": 0.125}


def _pin(value: str) -> int | str:
    return int(value) if value.isdigit() else value


class GpioLight(Light):
    def __init__(self, url, listener=None, *, name=None, pin_factory: Any = None):
        super().__init__(url, listener, name=name)
        missing = [lamp for lamp in LAMPS if not self.url.text(lamp)]
        if missing:
            raise BadPins(f"{self.url.raw}: give the pin of every lamp ({', '.join(missing)} missing), e.g. "
                          f"gpio:?red=17&amber=27&green=22")
        self.pins = {lamp: _pin(self.url.text(lamp)) for lamp in LAMPS}
        if len(set(self.pins.values())) != len(LAMPS):
            raise BadPins(f"{self.url.raw}: two lamps on the same pin")
        self.active_high = self.url.flag("active_high", True)
        self.pin_factory = pin_factory
        self.current = ("off", "steady")
        self.leds: dict[str, Any] = {}

    def _open_device(self) -> None:
        gpiozero = require("gpiozero", "pip install gpiozero", "the gpio: lane light")
        leds: dict[str, Any] = {}
        try:
            # gpiozero warns once per pin library it could not load before it gives up; those reasons are what the
            # technician needs, so they go into the error rather than to stderr.
            with warnings.catch_warnings(record=True) as fallbacks:
                warnings.simplefilter("always", gpiozero.PinFactoryFallback)
                for lamp, pin in self.pins.items():
                    leds[lamp] = gpiozero.LED(pin, active_high=self.active_high, initial_value=False,
                                              pin_factory=self.pin_factory)
        except gpiozero.BadPinFactory as exc:
            self._close_leds(leds)
            reasons = "; ".join(str(w.message) for w in fallbacks) or str(exc)
            raise NoPinLibrary(f"{self.url.raw}: no GPIO library can drive the lamp pins here ({reasons}). On a "
                               f"Raspberry Pi install lgpio: apt install python3-lgpio (or pip install "
                               f"'kiosk[pi]'); on a PC use light=sim:") from exc
        except (gpiozero.PinInvalidPin, gpiozero.PinFixedPull, ValueError) as exc:
            self._close_leds(leds)
            raise BadPins(f"{self.url.raw}: {exc}; give BCM GPIO numbers (17) or pin names (BOARD11)") from exc
        except Exception as exc:
            self._close_leds(leds)
            raise PinsBusy(f"{self.url.raw}: cannot claim the lamp pins ({type(exc).__name__}: {exc}). Is another "
                           f"program using them (gpioinfo)? Is this user in the group gpio?") from exc
        self.leds = leds
        self.current = ("off", "steady")

    def _close_device(self) -> None:
        for led in self.leds.values():
            try:
                led.off()
            except Exception:
                pass
        self._close_leds(self.leds)
        self.leds = {}
        self.current = ("off", "steady")

    @staticmethod
    def _close_leds(leds: dict[str, Any]) -> None:
        for led in leds.values():
            led.close()

    def show(self, color: str, pattern: str = "steady") -> None:
        if color not in COLORS:
            raise ValueError(f"lane light colour {color!r}: use one of {', '.join(COLORS)}")
        if pattern not in PATTERNS:
            raise ValueError(f"lane light pattern {pattern!r}: use one of {', '.join(PATTERNS)}")
        if color == "off":
            pattern = "steady"
        with self._lock:
            if not self._is_open:
                raise DeviceUnavailable(f"{self.name} is closed")
            if (color, pattern) == self.current:
                return                     # restarting a blink would make it stutter
            for lamp, led in self.leds.items():
                if lamp != color:
                    led.off()              # off() also ends that lamp's blink thread
            if color != "off":
                led = self.leds[color]
                if pattern == "steady":
                    led.on()
                else:
                    half = HALF_PERIOD_S[pattern]
                    led.blink(on_time=half, off_time=half, background=True)
            self.current = (color, pattern)

    def health(self):
        h = super().health()
        h.info.update(showing=" ".join(self.current), pins=dict(self.pins), active_high=self.active_high)
        return h
