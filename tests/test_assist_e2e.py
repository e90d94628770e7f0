"""A store's lanes and a console through a real mosquitto with the store's own TLS, users and ACLs.

Everything is the shipped code: ``kiosk store init`` files, each lane's ``[assist]`` section read by the config
loader, the bus built by kiosk/assist/service.py, the lanes' real runtimes and journals on disk, the console's hub.
Only the shoppers and the attendant's clicks are scripted.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from kiosk.assist import protocol as p
from kiosk.assist.hub import ConsoleHub
from kiosk.assist.link import LaneLink
from kiosk.assist.service import command_key, make_bus
from kiosk.assist.store import init_store, lane_assist_snippet
from kiosk.config import AssistConfig, load
from kiosk.journal import Journal
from kiosk.lane.events import AttendantCommand
from kiosk.runtime import LaneRuntime
from mosquitto import Mosquitto, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DEMO = (ROOT / "config" / "lane.toml").read_text(encoding="utf-8")
BEER_CAN = "4071583820169"      # 16+: the lane calls an attendant for the age check
MILK = "4021107406584"
LANES = ("lane-1", "lane-2", "lane-3")


class Lane:
    """One lane as its application runs it: the runtime touched from one thread at a time, the link on the bus."""

    def __init__(self, config, catalog):
        self.config = config
        self.lock = threading.RLock()
        self.rt = LaneRuntime(config, Journal(config.journal_path), catalog)
        self.bus = make_bus(config.assist, f"lane-{config.lane_id}")
        self.link = LaneLink(self.bus, self.rt, store=config.store.store_id, command_key=command_key(config.assist),
                             execute=self.link_after, post=self.post, stills_dir=config.stills_dir)
        with self.lock:
            self.rt.start()
        self.link.start()

    def link_after(self, effects):
        self.link.after(effects)

    def post(self, fn):
        with self.lock:
            fn()

    def do(self, method, *args, **kw):
        with self.lock:
            effects = getattr(self.rt, method)(*args, **kw)
            self.link.after(effects)
            return effects

    def console_commands(self):
        with self.lock:
            return [ev for _, ev in self.rt.journal.events()
                    if isinstance(ev, AttendantCommand) and ev.via == "console"]

    def close(self):
        self.link.stop()
        self.rt.journal.close()


@pytest.fixture
def store(tmp_path, sample_catalog):
    files = init_store(tmp_path / "store", "markt-7", list(LANES))
    broker = Mosquitto(tmp_path / "broker", conf=files.mosquitto_conf).start()
    lanes: dict[str, Lane] = {}
    for lane_id in LANES:
        d = tmp_path / lane_id
        d.mkdir()
        # The lane's config as a technician writes it: the demo's, with the store's snippet and its files.
        snippet = lane_assist_snippet(files, lane_id).replace(f"localhost:{files.port}",
                                                              f"localhost:{broker.tls_port}")
        for name, src in (("ca.crt", files.ca_cert), ("command.key", files.command_key),
                          (f"{lane_id}.password", files.path(f"lanes/{lane_id}.password"))):
            (d / "assist").mkdir(exist_ok=True)
            (d / "assist" / name).write_bytes(src.read_bytes())
        text = (DEMO.replace('id = "demo-1"', f'id = "{lane_id}"').replace('id = "demo"', 'id = "markt-7"')
                .replace('data_dir = "../var/demo"', 'data_dir = "data"')
                .replace('seed = "catalog.csv"', f'seed = "{ROOT / "config" / "catalog.csv"}"'))
        text = text.split("[assist]")[0] + snippet + "\n[speech]" + text.split("[speech]", 1)[1]
        (d / "kiosk.toml").write_text(text, encoding="utf-8")
        config = load(d / "kiosk.toml")
        assert config.assist.mqtt and config.assist.username == lane_id
        config.data_dir.mkdir(parents=True)
        lanes[lane_id] = Lane(config, sample_catalog)
    console_bus = make_bus(AssistConfig(bus=broker.tls_url, username="console", ca_file=files.ca_cert,
                                        password_file=files.path("consoles/console.password"),
                                        command_key_file=files.command_key), "console-test")
    hub = ConsoleHub(console_bus, "markt-7", bytes.fromhex(files.command_key.read_text().strip()))
    console_bus.start()
    assert wait_for(lambda: set(hub.lanes()) == set(LANES)), hub.lanes()
    yield files, broker, lanes, hub, console_bus
    for lane in lanes.values():
        lane.close()
    console_bus.close()
    broker.close()


def _open_alert(hub, lane):
    alerts = hub.open_alerts(lane)
    return alerts[0] if alerts else None


def _ack(hub, cmd_id):
    out = hub.outcome(cmd_id)
    return out if out is not None and out.t_ack is not None else None


def test_alerts_reach_the_console_and_a_command_reaches_its_lane_once(store):
    files, broker, lanes, hub, console_bus = store
    for lane in lanes.values():
        lane.do("touch", "start")
        lane.do("scan", BEER_CAN)
    assert wait_for(lambda: all(_open_alert(hub, lane_id) for lane_id in LANES))
    alert = _open_alert(hub, "lane-2")
    assert alert.kind == "age_check" and hub.lane("lane-2").light == "amber"
    cid = hub.send("anna", "attendant", "lane-2", "verify_age", intervention=alert.id)
    assert wait_for(lambda: _ack(hub, cid)).status == "applied"
    assert wait_for(lambda: _open_alert(hub, "lane-2") is None)
    # The same command again (a console that resent it): the lane answers "duplicate" and applies nothing twice.
    sent = hub._sent[cid].cmd
    console_bus.publish(p.topic("markt-7", "lane-2", "command"), p.encode(sent))
    console_bus.publish(p.topic("markt-7", "lane-2", "command"), p.encode(sent))
    assert wait_for(lambda: lanes["lane-2"].link.counts["duplicate"] == 2)
    assert [ev.command_id for ev in lanes["lane-2"].console_commands()] == [cid]
    assert lanes["lane-2"].console_commands()[0].attendant == "anna"
    # The other lanes were not touched.
    for other in ("lane-1", "lane-3"):
        assert lanes[other].console_commands() == [] and lanes[other].rt.state.open_interventions


def test_a_lane_cannot_command_another_lane_or_speak_for_it(store):
    files, broker, lanes, hub, console_bus = store
    lanes["lane-2"].do("touch", "start")
    lanes["lane-2"].do("scan", BEER_CAN)
    alert = wait_for(lambda: _open_alert(hub, "lane-2"))
    # lane-1's broker user tries to approve lane-2's alert with a perfectly signed command (it holds the key, as
    # every lane does), and to publish lane-2's state: the broker's ACL drops both.
    forged = p.sign(p.CommandMsg("markt-7", "lane-2", "forged-1", "verify_age", "anna", "attendant", time.time(),
                                 intervention=alert.id), bytes.fromhex(files.command_key.read_text().strip()))
    bus1 = lanes["lane-1"].bus
    bus1.publish(p.topic("markt-7", "lane-2", "command"), p.encode(forged))
    bus1.publish(p.topic("markt-7", "lane-2", "state"),
                 p.encode(p.LaneStateMsg("markt-7", "lane-2", time.time(), seq=10 ** 9, mode="welcome")))
    assert bus1.flush(10)
    # A real command to lane-2 afterwards: once it is answered, the forged one would long have arrived.
    cid = hub.send("bernd", "supervisor", "lane-2", "open_lane")
    assert wait_for(lambda: _ack(hub, cid))
    assert [ev.command_id for ev in lanes["lane-2"].console_commands()] == [cid]
    assert lanes["lane-2"].rt.state.open_interventions
    assert hub.lane("lane-2").mode != "welcome" and hub.lane("lane-2").seq < 10 ** 9


def test_the_broker_stops_mid_transaction_and_the_lanes_keep_selling(store):
    files, broker, lanes, hub, console_bus = store
    lane = lanes["lane-3"]
    lane.do("touch", "start")
    lane.do("scan", MILK)
    assert wait_for(lambda: (hub.lane("lane-3").items, hub.lane("lane-3").mode) == (1, "bagging"))
    broker.stop()
    assert wait_for(lambda: not lane.bus.connected and not hub.broker)      # the console knows it is blind
    # Without the broker: the lane sells on, and an alert goes to the lane light and to an attendant at the lane.
    lane.do("scan", MILK)
    lane.do("scan", BEER_CAN)
    with lane.lock:
        state = lane.rt.state
        assert state.txn.item_count == 3 and state.light == "amber"
        (iv,) = state.open_interventions
    ok, effects = lane.do("sign_in_pin", "1234")
    assert ok
    lane.do("command", "verify_age", intervention=iv.id)
    with lane.lock:
        assert lane.rt.state.open_interventions == () and lane.rt.state.light == "green"
    lane.do("scan", BEER_CAN)                       # a second can: the age is checked already
    assert hub.lane("lane-3").items != 4            # the console could not know
    broker.start()
    # The broker is back: the console sees the present at once, and commands flow again.
    assert wait_for(lambda: hub.lane("lane-3") is not None and hub.lane("lane-3").items == 4, timeout=30)
    assert hub.lane("lane-3").online and hub.lane("lane-3").light == "green" and hub.broker
    lanes["lane-1"].do("touch", "start")
    lanes["lane-1"].do("scan", BEER_CAN)
    alert = wait_for(lambda: _open_alert(hub, "lane-1"))
    cid = hub.send("bernd", "supervisor", "lane-1", "cancel")
    assert wait_for(lambda: _ack(hub, cid)).status == "applied"
    assert alert.kind == "age_check"
    assert wait_for(lambda: hub.lane("lane-1").mode == "welcome")


def test_a_lane_that_vanishes_is_shown_offline_by_its_last_will(store):
    files, broker, lanes, hub, console_bus = store
    lane = lanes["lane-1"]
    # The lane's process dies without a word: its network connection is cut under it.
    client = lane.bus._client
    client.socket().close()
    assert wait_for(lambda: hub.lane("lane-1") is not None and not hub.lane("lane-1").online, timeout=30)
    assert hub.lane("lane-2").online


def test_the_doctor_checks_the_lanes_broker_user(store):
    from dataclasses import replace

    from kiosk.doctor import check_assist
    files, broker, lanes, hub, console_bus = store
    config = lanes["lane-1"].config
    good = check_assist(config)
    assert good.ok and "lane-1" in good.summary
    wrong = config.path.parent / "assist" / "wrong.password"
    wrong.write_text("not-the-password\n")
    bad = check_assist(replace(config, assist=replace(config.assist, password_file=wrong)), timeout_s=5)
    assert not bad.ok and "not authorised" in bad.summary, bad.summary


def test_kiosk_console_serves_the_store_over_https(store, tmp_path):
    """``kiosk console`` as the store server runs it: its [assist] from `kiosk store init`, https with the store's
    certificate, the lanes' state from the broker, an attendant's command through to the lane."""
    import json
    import ssl
    import subprocess
    import sys
    import urllib.request

    from kiosk.assist.store import console_assist_snippet
    from mosquitto import free_port
    files, broker, lanes, hub, console_bus = store
    port = free_port()
    snippet = (console_assist_snippet(files).replace(f"localhost:{files.port}", f"localhost:{broker.tls_port}")
               .replace("0.0.0.0:8443", f"127.0.0.1:{port}"))
    config = tmp_path / "console.toml"
    config.write_text('[lane]\ndata_dir = "console-data"\n[store]\nid = "markt-7"\n' + snippet
                      + DEMO[DEMO.index("[[attendants]]"):], encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "console", "--config", str(config)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        said = [proc.stdout.readline() for _ in range(1)]
        while said[-1] and "Attendant console of store" not in said[-1]:
            said.append(proc.stdout.readline())              # log lines come first
        assert f"https://127.0.0.1:{port}/" in said[-1], "".join(said)
        ctx = ssl.create_default_context(cafile=str(files.ca_cert))     # the store CA: no warning on the tablet
        origin = f"https://127.0.0.1:{port}"
        req = urllib.request.Request(origin + "/login", json.dumps({"attendant": "anna", "pin": "1234"}).encode(),
                                     {"Content-Type": "application/json", "Origin": origin})
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            cookie = r.headers["Set-Cookie"]
            csrf = json.loads(r.read())["csrf"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        session = cookie.split(";")[0]
        lanes["lane-2"].do("touch", "start")
        lanes["lane-2"].do("scan", BEER_CAN)

        def lanes_seen():
            req = urllib.request.Request(origin + "/api/lanes", headers={"Cookie": session})
            with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
                return json.loads(r.read())

        def alert_shown():
            for lane in lanes_seen()["lanes"]:
                if lane["lane"] == "lane-2" and lane["alerts"]:
                    return lane["alerts"][0]
            return None

        alert = wait_for(alert_shown, timeout=30)
        assert alert and alert["kind"] == "age_check"
        body = json.dumps({"lane": "lane-2", "command": "verify_age", "intervention": alert["id"]}).encode()
        req = urllib.request.Request(origin + "/api/command", body, {"Content-Type": "application/json",
                                                                     "Origin": origin, "Cookie": session,
                                                                     "X-CSRF-Token": csrf})
        with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
            assert r.status == 202
        assert wait_for(lambda: [ev.attendant for ev in lanes["lane-2"].console_commands()] == ["anna"])
    finally:
        proc.terminate()
        proc.wait(timeout=20)
