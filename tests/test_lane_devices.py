"""The lane on its devices: every device opened from a ``sim:`` URL, talking to its simulator over a real wire.

A story of one sale, told through the hardware: the code goes down the simulated scanner's pty and comes back through
the serial driver, the milk lands on the simulated load cell and is read by the HX711 driver bit by bit on mock pins,
the receipt crosses TCP to the simulated ESC/POS printer, which parses it back into text, and the lamp's mock pins
follow the lane's state. Then the devices misbehave: the scanner is unplugged and comes back, the printer runs out
of paper.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest

from hal import events as hev
from kiosk.app import LaneApp
from kiosk.config import load
from kiosk.devices import LaneDevices
from kiosk.journal import Journal
from kiosk.runtime import LaneRuntime

ROOT = Path(__file__).resolve().parent.parent
MILK = "4021107406584"          # Frische fettarme Milch 1,5 % 1 l, 1060 g


@pytest.fixture(scope="module")
def catalog(sample_catalog):
    return sample_catalog


@pytest.fixture
def lane_on_sims(tmp_path, catalog):
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path)
    devices = LaneDevices(config)
    devices.open_all()
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), catalog)
    app = LaneApp(config, lane, devices, size=(320, 200), headless=True, speed=4.0)
    yield app
    devices.close_all()
    lane.journal.close()


async def pump(app: LaneApp, until, timeout: float = 10.0) -> bool:
    """Run the lane's loop (without a screen) until ``until()`` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app._device_reports()
        app.devices.retry()
        app.execute(app.lane.tick())
        app.devices.follow(app.lane.state)
        if until():
            return True
        await asyncio.sleep(0.01)
    return until()


def test_a_sale_through_every_simulated_device(lane_on_sims):
    app = lane_on_sims
    devices, lane = app.devices, app.lane
    assert devices.failures == {}
    assert set(devices.devices) == {"scanner", "scale", "printer", "camera", "light", "payment"}
    printer_sim = devices.simulator("printer")

    async def story():
        app.execute(lane.start())
        assert await pump(app, lambda: devices.devices["light"].current[0] == "green")
        app.execute(lane.touch("start"))
        app._scan(MILK, "]E0")                       # down the pty, back through the serial driver
        assert await pump(app, lambda: lane.state.txn is not None and len(lane.state.txn.lines) == 1)
        assert lane.state.txn.lines[0].name.startswith("Frische fettarme Milch")
        assert devices.devices["scale"].processor._hold       # no zero tracking while items are expected
        devices.scale_model.place(time.monotonic(), 1061.0)   # read by the HX711 driver on mock pins
        assert await pump(app, lambda: not lane.state.bagging.expected and lane.state.mode == "scanning")
        app.execute(lane.touch("pay"))
        assert await pump(app, lambda: lane.state.mode == "receipt", timeout=15)
        app.execute(lane.touch("receipt", "paper"))
        assert await pump(app, lambda: len(printer_sim.receipts()) == 1, timeout=10)

    asyncio.run(story())
    receipt = printer_sim.receipts()[0]
    assert "Frische fettarme Milch" in receipt and "SUMME" in receipt
    assert "Hauptstraße 1" in receipt             # sent in CP858, decoded back by the simulator


def test_an_unplugged_scanner_stops_the_lane_and_a_replugged_one_sells_again(lane_on_sims):
    app = lane_on_sims
    devices, lane = app.devices, app.lane
    scanner_sim = devices.simulator("scanner")

    async def story():
        app.execute(lane.start())
        app.execute(lane.touch("start"))
        scanner_sim.command("unplug")
        assert await pump(app, lambda: "scanner" in lane.state.devices_down, timeout=5)
        scanner_sim.command("replug")
        assert await pump(app, lambda: "scanner" not in lane.state.devices_down, timeout=5)
        app._scan(MILK)
        assert await pump(app, lambda: lane.state.txn is not None and len(lane.state.txn.lines) == 1)

    asyncio.run(story())


def test_paper_out_is_a_device_fault_and_the_receipt_is_not_lost(lane_on_sims):
    app = lane_on_sims
    devices = app.devices
    printer_sim = devices.simulator("printer")
    printer_sim.command("paper out")
    result = devices.devices["printer"].print_job("t-1", b"\x1b@hello\n\x1dV\x00")
    assert result.outcome == "paper_out" and not result.ok
    printer_sim.command("refill")
    again = devices.devices["printer"].print_job("t-1", b"\x1b@hello\n\x1dV\x00")
    assert again.ok and printer_sim.receipts()[-1].strip().endswith("hello")
    assert devices.devices["printer"].print_job("t-1", b"\x1b@hello\n\x1dV\x00").outcome == "already_printed"
    assert sum("hello" in r for r in printer_sim.receipts()) == 1


def test_a_device_that_cannot_be_opened_is_reported_and_retried(tmp_path, catalog):
    base = load(ROOT / "config" / "lane.toml")
    missing = tmp_path / "by-id" / "usb-Scanner-if00"
    config = dataclasses.replace(base, data_dir=tmp_path,
                                 devices={"scanner": f"serial://{missing}", "light": "sim:"})
    devices = LaneDevices(config)
    devices.open_all()
    try:
        assert "scanner" in devices.failures and "plug" in devices.failures["scanner"].lower()
        reports = devices.drain()
        assert any(isinstance(e, hev.StatusUpdate) and e.status == hev.OFFLINE for f, e in reports if f == "scanner")
        assert "light" in devices.devices
    finally:
        devices.close_all()


def test_a_garbled_read_on_the_scanners_wire_asks_the_shopper_to_scan_again(lane_on_sims):
    app = lane_on_sims
    devices, lane = app.devices, app.lane

    async def story():
        app.execute(lane.start())
        app.execute(lane.touch("start"))
        devices.simulator("scanner").write_raw(b"\x00\x1b\xff\xfe4021\r")   # line noise on the serial wire
        assert await pump(app, lambda: lane.state.notice is not None)
        assert lane.state.notice.key == "scan_again" and lane.state.mode == "scanning"
        assert lane.state.txn is not None and not lane.state.txn.lines            # nothing was sold, nothing lost
        (rejected,) = [e for _, e in lane.journal.events() if type(e).__name__ == "Scanned"]
        assert rejected.code.reason == "unreadable" and rejected.source == "scanner"   # the driver's report
        app._scan(MILK, "]E0")                                                      # the next read is fine
        assert await pump(app, lambda: len(lane.state.txn.lines) == 1)

    asyncio.run(story())
