"""End of day at the lane: a supervisor closes the card terminal's day from the attendant menu; the report prints."""

from __future__ import annotations

import asyncio
import dataclasses

import pygame

from kiosk.lane import effects as fx
from kiosk.lane.events import AttendantCommand, AttendantSignedIn
from kiosk.lane.reducer import reduce
from kiosk.ui.model import ATTENDANT, UiLocal
from kiosk.ui.screen import LaneScreen
from lanekit import MILK, run, scanned, started


def command(state, who: str, role: str, t: float = 5.0):
    state, _ = reduce(state, AttendantSignedIn(t, who, role))
    return reduce(state, AttendantCommand(t, "end_of_day", who, role, f"eod-{t}"))


def test_a_supervisor_closes_the_day_between_shoppers_and_an_attendant_may_not():
    s, effects = command(started(), "bernd", "supervisor")
    assert [type(e) for e in effects if isinstance(e, (fx.EndOfDay, fx.CommandRejected))] == [fx.EndOfDay]
    (eod,) = [e for e in effects if isinstance(e, fx.EndOfDay)]
    assert eod.attendant == "bernd" and eod.job == "test-1-eod-eod-5.0"
    _, effects = command(started(), "anna", "attendant")
    assert [e.reason for e in effects if isinstance(e, fx.CommandRejected)] == ["not_allowed"]
    busy, _ = run(started(), scanned(1, MILK.gtins[0][1:]))
    _, effects = command(busy, "bernd", "supervisor")
    assert [e.reason for e in effects if isinstance(e, fx.CommandRejected)] == ["transaction_open"]


def test_the_menu_offers_end_of_day_only_between_shoppers():
    pygame.font.init()
    screen = LaneScreen((1280, 800))
    surface = pygame.Surface((1280, 800))
    s, _ = reduce(started(), AttendantSignedIn(1, "bernd", "supervisor"))
    buttons = screen.draw(surface, s, UiLocal(), 1.0)
    assert any(b.kind == ATTENDANT and b.action == "end_of_day" for b in buttons)
    assert "Tagesabschluss" in screen.last_texts
    busy, _ = run(s, scanned(2, MILK.gtins[0][1:]))
    assert not any(b.action == "end_of_day" for b in screen.draw(surface, busy, UiLocal(), 2.0))


def test_the_app_closes_the_simulated_terminals_day_prints_its_report_and_tells_the_attendant(tmp_path):
    from kiosk.app import LaneApp
    from kiosk.config import find_config, load
    from kiosk.devices import LaneDevices
    from kiosk.journal import Journal
    from kiosk.runtime import LaneRuntime
    from lanekit import DictCatalog

    config = dataclasses.replace(load(find_config(None)), data_dir=tmp_path,
                                 # config 0xBE: the terminal sends its administration receipts to the lane
                                 devices={"payment": "sim:?sim_delay=0&config=0xBE", "printer": "sim:"})
    devices = LaneDevices(config)
    devices.open_all()
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), DictCatalog())
    app = LaneApp(config, lane, devices, size=(320, 200), headless=True)
    if app.speaker is not None:
        app.speaker.close()
        app.speaker = None
    app.local = UiLocal()
    try:
        assert devices.terminal is not None
        assert devices.terminal.authorise(1234).outcome == "approved"
        app.execute(lane.start())
        asyncio.run(app._end_of_day(fx.EndOfDay("demo-eod-1", "bernd")))
        assert app.local.staff_message == "Tagesabschluss erledigt: 12,34 €"
        report = (devices.receipts / "demo-eod-1.txt").read_text(encoding="utf-8")
        assert "Kassenschnitt" in report and "12,34" in report   # the terminal's own lines, sent to the printer
        asyncio.run(app._end_of_day(fx.EndOfDay("demo-eod-2", "bernd")))
        assert app.local.staff_message == "Tagesabschluss erledigt: 0,00 €"   # a new day's batch is empty
    finally:
        devices.close_all()
        lane.journal.close()
