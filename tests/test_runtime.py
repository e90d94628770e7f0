"""The lane's shell around the pure core: raw input in, journal on disk, recovery after a restart.

Runs the real runtime with the real catalog (the shipped sample, imported into SQLite on disk) and a durable journal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load
from kiosk.journal import Journal
from kiosk.lane import effects as fx
from kiosk.lane.state import BAGGING, PAYMENT, WELCOME
from kiosk.runtime import LaneRuntime

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load(ROOT / "config" / "lane.toml")
MILK = "4021107406584"          # Frische fettarme Milch 1,5 % 1 l, 1.05, 1060 g
BEER_CAN = "4071583820169"      # Pils 0,5 l Dose, 16+, deposit 0.25


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture(scope="module")
def catalog(sample_catalog):
    return sample_catalog


@pytest.fixture
def lane(tmp_path, catalog):
    clock = Clock()
    rt = LaneRuntime(CONFIG, Journal(tmp_path / "journal.db"), catalog, clock=clock)
    rt.start()
    yield rt
    rt.journal.close()


@pytest.mark.parametrize("raw, reason", [
    ("", "empty"),
    ("\x00\x01\x02", "control_characters"),
    ("4021107406\x0784", "control_characters"),
    ("9" * 5000, "too_long"),
    ("4021107406585", "check_digit"),
])
def test_a_garbled_scan_is_refused_clearly_and_the_lane_sells_on(lane, raw, reason):
    lane.scan(MILK)
    before = lane.state.txn.lines
    rows = lane.journal.count()
    effects = lane.scan(raw)
    assert lane.state.notice.key == "scan_again"
    assert any(isinstance(e, fx.Sound) and e.kind == "error" for e in effects)
    assert lane.state.txn.lines == before, "nothing already recorded is lost or changed"
    assert lane.journal.count() == rows + 1, "the bad scan itself is journaled"
    (_seq, ev), = list(lane.journal.events(rows))
    assert ev.code.reason == reason and len(ev.raw) <= 256
    lane.scan(MILK)
    assert lane.state.txn.active_lines[0].qty == 2


def test_an_unknown_article_calls_for_help_without_stopping_the_lane(lane):
    lane.scan("4000000000013")   # a valid GTIN that is not in the catalog
    assert lane.state.open_interventions[0].kind == "unknown_item"
    lane.scan(MILK)
    assert lane.state.mode == BAGGING and len(lane.state.txn.active_lines) == 1


def test_an_attendant_badge_signs_in_and_an_unknown_badge_does_not(lane):
    lane.scan("ATT-0001", "]C0")
    assert lane.state.attendant.attendant == "anna"
    lane.sign_out()
    lane.scan("ATT-9999", "]C0")
    assert lane.state.attendant is None
    (_s, last), = list(lane.journal.events(lane.journal.last_seq - 1))
    assert type(last).__name__ == "AttendantSignInFailed" and last.reason == "unknown_badge"


def test_wrong_pins_are_journaled_without_the_pin_and_lock_the_pad(lane):
    for _ in range(CONFIG.settings.pin_attempts):
        ok, _ = lane.sign_in_pin("0000")
        assert not ok
    ok, _ = lane.sign_in_pin("1234")
    assert not ok and lane.state.pin_locked_until > lane.clock()
    bodies = [row[3] for row in lane.journal.rows()]
    assert not any("0000" in b or "1234" in b for b in bodies)
    lane.clock.now += CONFIG.settings.pin_lockout_s + 1
    ok, _ = lane.sign_in_pin("1234")
    assert ok and lane.state.attendant.attendant == "anna"


def test_a_restarted_lane_shows_the_same_basket_and_asks_the_terminal_again(tmp_path, catalog):
    clock = Clock()
    path = tmp_path / "journal.db"
    first = LaneRuntime(CONFIG, Journal(path), catalog, clock=clock)
    first.start()
    first.scan(MILK)
    clock.now += 2
    first.weight(1061)
    clock.now += 2
    effects = first.touch("pay")
    (charge,) = [e for e in effects if isinstance(e, fx.Charge)]
    state = first.state
    first.journal.close()          # the process dies here, before the terminal answered
    second = LaneRuntime(CONFIG, Journal(path), catalog, clock=clock)
    redo = second.start()
    assert second.state.mode == PAYMENT
    assert second.state.txn == state.txn
    assert [e for e in redo if isinstance(e, fx.Charge)] == [charge], "the same reference: no second charge"
    second.payment_result(charge.ref, "approved", charge.amount_cents)
    assert second.state.txn.status == "paid"
    second.journal.close()


def test_a_snapshot_is_taken_when_a_transaction_ends(lane):
    lane.touch("start")
    lane.touch("cancel")
    assert lane.state.mode == WELCOME
    snaps = list(lane.journal._db.execute("SELECT seq FROM snapshots"))
    assert snaps and snaps[-1][0] == lane.journal.last_seq


def test_in_store_labels_resolve_through_the_plu(lane):
    lane.scan("2812347012503")
    (line,) = lane.state.txn.active_lines
    assert line.name.startswith("Gouda") and line.amount_cents == 1863

