"""The lane's end of the assist channel (kiosk/assist/link.py) with the real runtime, journal and catalog on disk,
over the in-process bus: what the consoles see, and every way a command can be wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.assist import protocol as p
from kiosk.assist.bus import InProcessBus
from kiosk.assist.link import LaneLink
from kiosk.config import load
from kiosk.journal import Journal
from kiosk.lane import effects as fx
from kiosk.lane.events import AttendantCommand
from kiosk.runtime import LaneRuntime
from kiosk.stills import still_name

ROOT = Path(__file__).resolve().parent.parent
CONFIG = load(ROOT / "config" / "lane.toml")
LANE = CONFIG.lane_id
BEER_CAN = "4071583820169"      # 16+
MILK = "4021107406584"
KEY = bytes(range(32))


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Console:
    """What a console sees on the bus, and how it sends."""

    def __init__(self, bus):
        self.bus = bus
        self.seen: list[p.Message] = []
        bus.subscribe("kiosk/v1/demo/+/+", self._got)
        self.n = 0

    def _got(self, topic, payload):
        if p.parse_topic(topic)[2] != "command":
            self.seen.append(p.decode(payload))

    def of(self, cls):
        return [m for m in self.seen if isinstance(m, cls)]

    def send(self, command, *, key=KEY, attendant="anna", role="attendant", t=None, id=None, **kw) -> p.CommandMsg:
        self.n += 1
        msg = p.CommandMsg("demo", LANE, id or f"c-{self.n}", command, attendant, role,
                           t if t is not None else 1000.0, **kw)
        if key is not None:
            msg = p.sign(msg, key)
        self.bus.publish(p.topic("demo", LANE, "command"), p.encode(msg))
        return msg

    def ack(self, cmd_id):
        acks = [a for a in self.of(p.AckMsg) if a.id == cmd_id]
        return acks[-1] if acks else None


@pytest.fixture
def world(tmp_path, sample_catalog):
    clock = Clock()
    journal_path = tmp_path / "journal.db"
    rt = LaneRuntime(CONFIG, Journal(journal_path), sample_catalog, clock=clock)
    bus = InProcessBus()
    console = Console(bus)
    executed: list = []

    def execute(effects):
        executed.extend(effects)
        link.after(effects)

    link = LaneLink(bus, rt, store="demo", command_key=KEY, execute=execute, post=lambda f: f(),
                    stills_dir=tmp_path / "stills")
    link.after(rt.start())
    link.start()
    yield rt, link, console, bus, clock, executed, journal_path
    rt.journal.close()


def _age_alert(rt, link):
    link.after(rt.touch("start"))
    link.after(rt.scan(BEER_CAN))
    (iv,) = rt.state.open_interventions
    assert iv.kind == "age_check" and iv.status == "alerted"
    return iv


def _console_commands(rt):
    return [ev for _, ev in rt.journal.events() if isinstance(ev, AttendantCommand) and ev.via == "console"]


def test_the_console_sees_the_state_retained_and_every_change(world):
    rt, link, console, bus, *_ = world
    late: list[p.LaneStateMsg] = []
    bus.subscribe(p.topic("demo", LANE, "state"), lambda t, b: late.append(p.decode(b)))
    assert late[-1].online and late[-1].mode == "welcome" and late[-1].light == "green"
    link.after(rt.touch("start"))
    link.after(rt.scan(MILK))
    s = console.of(p.LaneStateMsg)[-1]
    assert (s.mode, s.items, s.txn) == ("bagging", 1, rt.state.txn.number)
    assert s.total_cents == rt.state.txn.total_cents and s.lines[0].name == rt.state.txn.lines[0].name
    seqs = [m.seq for m in console.of(p.LaneStateMsg)]
    assert seqs == sorted(seqs)
    n = len(console.of(p.LaneStateMsg))
    link.after([])                       # nothing changed: nothing sent
    assert len(console.of(p.LaneStateMsg)) == n


def test_an_alert_is_answered_from_the_console_and_journaled_with_the_attendant(world):
    rt, link, console, *_ = world
    iv = _age_alert(rt, link)
    raised = console.of(p.AlertMsg)[-1]
    assert (raised.event, raised.alert.id, raised.alert.kind) == ("raised", iv.id, "age_check")
    assert console.of(p.LaneStateMsg)[-1].light == "amber"
    cmd = console.send("verify_age", intervention=iv.id)
    assert console.ack(cmd.id).status == "applied"
    assert rt.state.open_interventions == ()
    resolved = console.of(p.AlertMsg)[-1]
    assert resolved.event == "resolved" and resolved.alert.resolved_by == "attendant:anna"
    assert console.of(p.LaneStateMsg)[-1].light == "green"
    (ev,) = _console_commands(rt)
    assert (ev.command, ev.attendant, ev.role, ev.command_id) == ("verify_age", "anna", "attendant", cmd.id)


def test_a_duplicated_command_is_applied_once_even_across_a_restart(world, sample_catalog):
    rt, link, console, bus, clock, executed, journal_path = world
    link.after(rt.touch("start"))
    link.after(rt.scan(MILK))
    link.after(rt.scan(MILK))
    line = rt.state.txn.lines[0]
    assert line.qty == 2
    cmd = console.send("set_qty", line=line.id, arg="1")
    dup = p.encode(p.sign(p.CommandMsg("demo", LANE, cmd.id, "set_qty", "anna", "attendant", 1000.0, line=line.id,
                                       arg="1"), KEY))
    bus.publish(p.topic("demo", LANE, "command"), dup)
    acks = [a for a in console.of(p.AckMsg) if a.id == cmd.id]
    assert [a.status for a in acks] == ["applied", "duplicate"]
    assert rt.state.txn.lines[0].qty == 1
    # The lane restarts (a new process): the journal remembers the command's id.
    rt.journal.close()
    rt2 = LaneRuntime(CONFIG, Journal(journal_path), sample_catalog, clock=clock)
    link2 = LaneLink(InProcessBus(), rt2, store="demo", command_key=KEY, execute=lambda e: None, post=lambda f: f())
    rt2.start()
    assert link2.handle(dup).status == "duplicate"
    assert rt2.state.txn.lines[0].qty == 1 and len(_console_commands(rt2)) == 1
    rt2.journal.close()
    rt.journal = Journal(journal_path)     # for the fixture's clean-up


def test_a_forged_command_is_refused_and_nothing_is_journaled(world):
    rt, link, console, *_ = world
    iv = _age_alert(rt, link)
    unsigned = console.send("verify_age", key=None, intervention=iv.id)
    wrong_key = console.send("verify_age", key=b"guess" * 8, intervention=iv.id)
    assert console.ack(unsigned.id).reason == "bad_signature"
    assert console.ack(wrong_key.id).reason == "bad_signature"
    assert rt.state.open_interventions and _console_commands(rt) == []
    assert link.counts["rejected"] == 2


def test_a_command_for_a_closed_alert_is_rejected(world):
    rt, link, console, *_ = world
    iv = _age_alert(rt, link)
    first = console.send("approve", intervention=iv.id)
    second = console.send("approve", intervention=iv.id)       # a second attendant, a moment later
    assert console.ack(first.id).status == "applied"
    assert (console.ack(second.id).status, console.ack(second.id).reason) == ("rejected", "no_open_intervention")


def test_the_lane_takes_the_role_from_its_own_list_not_from_the_message(world):
    rt, link, console, *_ = world
    claims = console.send("close_lane", attendant="anna", role="technician")
    assert (console.ack(claims.id).status, console.ack(claims.id).reason) == ("rejected", "not_allowed")
    stranger = console.send("close_lane", attendant="mallory", role="technician")
    assert console.ack(stranger.id).reason == "unknown_attendant"
    ok = console.send("close_lane", attendant="bernd", role="supervisor")
    assert console.ack(ok.id).status == "applied" and rt.state.mode == "out_of_service"
    assert console.of(p.LaneStateMsg)[-1].light == "red"


def test_a_stale_command_is_refused(world):
    rt, link, console, bus, clock, *_ = world
    iv = _age_alert(rt, link)
    old = console.send("verify_age", intervention=iv.id, t=clock.now - 301)
    assert console.ack(old.id).reason == "expired" and rt.state.open_interventions


def test_a_malformed_command_is_dropped_and_the_lane_goes_on(world):
    rt, link, console, bus, *_ = world
    for junk in (b"\xff\xfe", b"{}", b'{"v":1,"type":"command"}', p.encode(p.AckMsg("demo", LANE, "x", "approve",
                                                                                    "applied", 1.0))):
        bus.publish(p.topic("demo", LANE, "command"), junk)
    assert console.of(p.AckMsg) == [] and link.counts["dropped"] == 4
    link.after(rt.touch("start"))
    link.after(rt.scan(MILK))
    assert rt.state.txn.item_count == 1


def test_the_camera_still_follows_its_alert(world, tmp_path):
    rt, link, console, *_ = world
    iv = _age_alert(rt, link)
    (tmp_path / "stills").mkdir()
    (tmp_path / "stills" / still_name(LANE, iv.id)).write_bytes(b"\xff\xd8 jpeg")
    link.still_ready(iv.id)
    update = console.of(p.AlertMsg)[-1]
    assert update.event == "updated" and update.still_jpeg == b"\xff\xd8 jpeg" and update.alert.id == iv.id


def test_restart_and_a_clean_stop_and_a_crash(world):
    rt, link, console, bus, clock, executed, _ = world
    cmd = console.send("restart", attendant="tim", role="technician")
    assert console.ack(cmd.id).status == "applied"
    assert any(isinstance(e, fx.Restart) and e.attendant == "tim" for e in executed)
    link.stop()
    assert console.of(p.LaneStateMsg)[-1].online is False


def test_a_lane_that_vanishes_is_marked_offline_by_its_last_will(world):
    rt, link, console, bus, *_ = world
    bus.close(unexpected=True)
    last = console.of(p.LaneStateMsg)[-1]
    assert last.online is False and last.lane == LANE and last.light == "off"


def test_the_console_learns_the_alerts_item_and_which_lines_are_deposits(world):
    rt, link, console, *_ = world
    _age_alert(rt, link)
    alert = console.of(p.AlertMsg)[-1].alert
    beer = rt.state.txn.lines[0]
    assert alert.item == beer.name and beer.name
    kinds = {line.id: line.kind for line in console.of(p.LaneStateMsg)[-1].lines}
    assert kinds == {line.id: line.kind for line in rt.state.txn.active_lines}
    assert kinds[beer.id] == "item" and "deposit" in kinds.values()
