"""The shape every device shares: URLs, idempotent open/close, status events, reconnecting after an unplug."""

from __future__ import annotations

import os
import time

import pytest

from hal import events as ev
from hal.base import Device, Reconnector
from hal.errors import BadDeviceURL, HalError, MissingLibrary, require
from hal.registry import open_device
from hal.sim import PtyLink, Simulator
from hal.url import parse
from halkit import wait_for


# ------------------------------------------------------------------------------------------------------ URLs

def test_url_parts_and_typed_parameters():
    u = parse("escpos+tcp://192.168.1.50:9100?profile=TM-T88V&timeout=2.5&cut=yes")
    assert (u.scheme, u.host, u.port) == ("escpos+tcp", "192.168.1.50", 9100)
    assert u.text("profile") == "TM-T88V"
    assert u.number("timeout") == 2.5
    assert u.flag("cut") is True
    s = parse("serial:///dev/serial/by-id/usb-Datalogic_QD2430-if00?baud=9600")
    assert s.path == "/dev/serial/by-id/usb-Datalogic_QD2430-if00"
    assert s.integer("baud") == 9600
    h = parse("hx711:?dout=5&sck=6")
    assert (h.path, h.integer("dout"), h.integer("sck")) == ("", 5, 6)
    sim = parse("sim:hid?layout=de")
    assert sim.is_sim and sim.path == "hid" and sim.text("layout") == "de"


@pytest.mark.parametrize("bad, word", [
    ("no-scheme", "not a device URL"),
    ("serial:///dev/ttyUSB0?baud=fast", "not a number"),
    ("serial:///dev/ttyUSB0?baud=9600.5", "whole number"),
    ("hx711:?dout=5&dout=6", "twice"),
    ("escpos+tcp://host:99999", "port"),
])
def test_bad_urls_say_what_is_wrong(bad, word):
    with pytest.raises(BadDeviceURL, match=word):
        u = parse(bad)
        u.integer("baud")


def test_range_checked_parameters():
    with pytest.raises(BadDeviceURL, match="outside"):
        parse("hx711:?gain=300").integer("gain", lo=32, hi=128)


def test_unknown_scheme_and_unknown_simulator_are_named():
    with pytest.raises(BadDeviceURL, match="no scanner driver for 'ftp'"):
        open_device("scanner", "ftp://x")
    with pytest.raises(BadDeviceURL, match="no printer simulator 'fax'"):
        open_device("printer", "sim:fax")
    with pytest.raises(BadDeviceURL, match="unknown device family"):
        open_device("toaster", "sim:")


def test_missing_library_says_what_to_install():
    with pytest.raises(MissingLibrary, match="apt install python3-nothing") as info:
        require("kiosk_no_such_module", "apt install python3-nothing", "The test driver")
    assert isinstance(info.value, ImportError) and isinstance(info.value, HalError)


# ------------------------------------------------------------------------------------------- device lifecycle

class CountingDevice(Device):
    family = "test"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.opened = self.closed = 0

    def _open_device(self):
        self.opened += 1

    def _close_device(self):
        self.closed += 1


class StopCounter:
    stops = 0

    def stop(self):
        self.stops += 1


def test_open_and_close_are_idempotent_and_report_status():
    seen = []
    d = CountingDevice("test:", seen.append)
    with d:
        d.open()
        assert d.is_open and d.health().ok
    d.close()
    assert (d.opened, d.closed) == (1, 1)
    assert [e.status for e in seen] == [ev.ONLINE]
    assert not d.health().ok


def test_closing_a_simulated_device_stops_its_simulator_once():
    d = CountingDevice("sim:")
    d.simulator = sim = StopCounter()
    d.open()
    d.close()
    d.close()
    assert sim.stops == 1 and d.simulator is None


def test_a_failing_listener_does_not_break_the_device():
    def bad(_):
        raise RuntimeError("listener bug")
    d = CountingDevice("test:", bad)
    d.open()
    d.set_status(ev.ERROR, "x")
    assert d.status == ev.ERROR


def test_simulator_commands_take_the_longest_known_name():
    class Sim(Simulator):
        COMMANDS = {"paper out": "no paper", "paper": "?"}

        def do_paper_out(self, *args):
            return "out " + " ".join(args)

        def do_paper(self, *args):
            return "paper"

    s = Sim()
    assert s.command("paper out now").strip() == "out now"
    assert s.command("paper") == "paper"
    with pytest.raises(ValueError, match="paper out"):
        s.command("print")


# ------------------------------------------------------------------------------------------------- hot-plug

class LineDevice(Device):
    """A minimal serial line reader on the shared Reconnector, to test unplug/replug on a real pty."""

    family = "test"

    def _open_device(self):
        import serial
        path = self.url.path

        def connect():
            return serial.Serial(path, timeout=0.05)

        def run(port):
            buf = b""
            while not self.rec.stopping.is_set():
                buf += port.read(64)
                while b"\r" in buf:
                    line, buf = buf.split(b"\r", 1)
                    self.emit(line.decode())

        self.rec = Reconnector(self, connect=connect, run=run, disconnect=lambda p: p.close(),
                               exists=lambda: os.path.exists(path), debounce_s=0.3, poll_s=0.02)
        self.rec.start(connect())

    def _close_device(self):
        self.rec.stop()


def test_an_unplugged_device_is_reported_offline_once_and_comes_back(lane):
    link = PtyLink("usb-Test_Scanner-if00")
    path = link.start()
    dev = LineDevice(f"test://{path}", lane)
    try:
        dev.open()
        link.write(b"one\r")
        assert wait_for(lambda: "one" in lane.since())
        link.unplug()
        assert wait_for(lambda: ev.OFFLINE in lane.statuses())
        time.sleep(0.2)
        assert lane.statuses().count(ev.OFFLINE) == 1
        link.replug()
        assert wait_for(lambda: dev.status == ev.ONLINE, timeout=2.0)
        link.write(b"two\r")
        assert wait_for(lambda: "two" in lane.since())
        assert dev.rec.reconnects == 1
    finally:
        dev.close()
        link.stop()


def test_a_short_blip_is_not_reported(lane):
    link = PtyLink("usb-Test_Blip-if00")
    path = link.start()
    dev = LineDevice(f"test://{path}", lane)
    try:
        dev.open()
        link.unplug()
        link.replug()
        assert wait_for(lambda: dev.rec.reconnects == 1, timeout=2.0)
        link.write(b"after\r")
        assert wait_for(lambda: "after" in lane.since())
        assert ev.OFFLINE not in lane.statuses()
    finally:
        dev.close()
        link.stop()
