"""The lane light on GPIO pins: one lamp at a time, steady or blinking, out when closed; read back from gpiozero's
mock pins the driver really drives."""

from __future__ import annotations

import importlib.util

import pytest
from gpiozero.pins.mock import MockFactory

from hal.errors import BadDeviceURL, DeviceUnavailable, MissingLibrary
from hal.light.gpio import GpioLight
from hal.registry import open_device
from halkit import wait_for


@pytest.fixture
def light():
    with open_device("light", "sim:") as device:
        yield device


def test_each_colour_lights_its_own_lamp_and_only_that_one(light):
    sim = light.simulator
    assert sim.lit() == {"red": False, "amber": False, "green": False}
    for colour in ("green", "amber", "red", "green"):
        light.show(colour)
        assert sim.lit() == {lamp: lamp == colour for lamp in ("red", "amber", "green")}
        assert light.current == (colour, "steady")
    light.show("off")
    assert not any(sim.lit().values())


def test_the_pins_are_those_of_the_url(light):
    sim = light.simulator
    light.show("amber")
    assert sim.pins["amber"].info.name == "GPIO27" and sim.pins["amber"].state is True
    assert sim.pins["red"].info.name == "GPIO17" and sim.pins["green"].info.name == "GPIO22"


def test_a_steady_lamp_does_not_flicker(light):
    sim = light.simulator
    light.show("green")
    before = sim.changes("green")
    light.show("green")                                   # showing the same again changes nothing
    other = open_device("light", "sim:")                  # let some blink periods pass elsewhere
    try:
        other.show("red", "fast")
        wait_for(lambda: other.simulator.changes("red") >= 4, what="the other lamp blinking")
    finally:
        other.close()
    assert sim.changes("green") == before and sim.lit()["green"]


def test_blink_and_fast_blink_switch_the_lamp_and_fast_switches_more_often():
    slow, fast = open_device("light", "sim:"), open_device("light", "sim:")
    try:
        slow.show("amber", "blink")
        fast.show("red", "fast")
        wait_for(lambda: slow.simulator.changes("amber") >= 4, what="two slow blinks")
        slow_n, fast_n = slow.simulator.changes("amber"), fast.simulator.changes("red")
        # 1 Hz against 4 Hz over the same time: counted loosely, never timed.
        assert fast_n >= 2 * slow_n
        assert slow.simulator.changes("red") == slow.simulator.changes("green") == 0
        assert fast.simulator.changes("amber") == fast.simulator.changes("green") == 0
        fast.show("green")                               # a new colour ends the blinking
        assert fast.simulator.lit() == {"red": False, "amber": False, "green": True}
        changes = fast.simulator.changes("red")
        wait_for(lambda: slow.simulator.changes("amber") >= slow_n + 2, what="more slow blinks")
        assert fast.simulator.changes("red") == changes
    finally:
        slow.close()
        fast.close()


def test_closing_puts_every_lamp_out():
    light = open_device("light", "sim:")
    sim = light.simulator
    light.show("red", "fast")
    wait_for(lambda: sim.changes("red") >= 2, what="blinking")
    light.close()
    assert not any(sim.lit().values())
    assert [s.state for s in sim.pins["red"].states][-1] is False
    assert not sim.running


def test_an_active_low_board_lights_a_lamp_with_a_low_pin():
    with open_device("light", "sim:?active_high=0") as light:
        sim = light.simulator
        assert sim.pins["green"].state is True           # all out: pins high
        light.show("green")
        assert sim.pins["green"].state is False and sim.lit()["green"]
    assert sim.pins["green"].states[-1].state is True    # out again before the pin was released


def test_unknown_colours_and_patterns_are_refused(light):
    with pytest.raises(ValueError, match="blue"):
        light.show("blue")
    with pytest.raises(ValueError, match="disco"):
        light.show("red", "disco")
    light.close()
    with pytest.raises(DeviceUnavailable):
        light.show("red")


@pytest.mark.parametrize("url, why", [
    ("gpio:?red=17&amber=27", "green"),
    ("gpio:?red=17&amber=17&green=22", "same pin"),
    ("gpio:?red=17&amber=27&green=99", "99"),
])
def test_bad_pins_are_config_errors(url, why):
    with pytest.raises(BadDeviceURL, match=why):
        GpioLight(url, pin_factory=MockFactory()).open()


def test_pins_already_claimed_are_reported_as_busy():
    factory = MockFactory()
    first = GpioLight("gpio:?red=17&amber=27&green=22", pin_factory=factory).open()
    try:
        with pytest.raises(DeviceUnavailable, match="cannot claim"):
            GpioLight("gpio:?red=5&amber=6&green=22", pin_factory=factory).open()
        with GpioLight("gpio:?red=5&amber=6&green=13", pin_factory=factory) as second:   # the failed open freed 5, 6
            assert second.is_open
    finally:
        first.close()


@pytest.mark.skipif(importlib.util.find_spec("lgpio") is not None, reason="lgpio is installed: this may be a Pi")
def test_without_a_gpio_library_the_error_says_what_to_install_or_to_use_sim(monkeypatch):
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    with pytest.raises(MissingLibrary) as exc:
        open_device("light", "gpio:?red=17&amber=27&green=22")
    message = str(exc.value)
    assert "apt install python3-lgpio" in message and "light=sim:" in message
    assert "lgpio" in message.split("here (")[1]         # gpiozero's own reasons are passed on
