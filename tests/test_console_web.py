"""The attendant console over HTTP against real lanes: sign-in, the live picture, commands and their acks.

Each test runs a small store in its own asyncio loop (tests/browser.py's ConsoleStore): two real lanes (LaneRuntime
with a journal on disk, LaneLink) and the console (ConsoleHub, the aiohttp app on a free port of 127.0.0.1, an
audit log on disk), all on one in-process bus. The test talks to the console as a browser would (cookie, CSRF
token, Origin, WebSocket), and looks at the lanes' journals for what was really applied.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import aiohttp
import pytest

from browser import KEY, MILK_CODE, STORE, ConsoleStore

from kiosk.assist import protocol as p
from kiosk.assist.bus import InProcessBus
from kiosk.assist.hub import ConsoleHub
from kiosk.lane.events import AttendantCommand


class Browser:
    """An HTTP client with a cookie jar that behaves like the console's page."""

    def __init__(self, store: ConsoleStore):
        self.store = store
        self.url = store.url
        self.origin = store.url.rstrip("/")
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None

    async def close(self):
        await self.http.close()

    async def sign_in(self, who: str = "anna", pin: str = "1234") -> tuple[int, dict]:
        async with self.http.post(self.url + "login", json={"attendant": who, "pin": pin},
                                  headers={"Origin": self.origin}) as r:
            body = await r.json()
            if r.status == 200:
                self.csrf = body["csrf"]
            return r.status, body

    async def get(self, path: str) -> tuple[int, dict]:
        async with self.http.get(self.url + path) as r:
            return r.status, await r.json()

    async def command(self, lane: str, command: str, **extra) -> tuple[int, dict]:
        headers = {"Origin": self.origin, "X-CSRF-Token": self.csrf or ""}
        async with self.http.post(self.url + "api/command", json={"lane": lane, "command": command, **extra},
                                  headers=headers) as r:
            return r.status, await r.json()

    def ws(self, origin: str | None = None):
        return self.http.ws_connect(self.url + "api/ws", headers={"Origin": origin or self.origin})


async def until(ws, predicate, timeout: float = 10.0) -> dict:
    """The next WebSocket message that satisfies ``predicate`` (earlier ones are skipped)."""
    async def wait():
        while True:
            msg = await ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"WebSocket ended: {msg.type} {msg.data!r}")
            d = json.loads(msg.data)
            if predicate(d):
                return d
    return await asyncio.wait_for(wait(), timeout)


async def eventually(condition, timeout: float = 10.0) -> None:
    """Wait until ``condition()`` holds (the lane handles posted commands on the loop, a moment later)."""
    async def wait():
        while not condition():
            await asyncio.sleep(0.01)
    await asyncio.wait_for(wait(), timeout)


def ack_of(cid: str):
    return lambda d: d.get("type") == "ack" and d.get("id") == cid


def attendant_commands(lane) -> list[AttendantCommand]:
    return [ev for _, ev in lane.rt.journal.events() if isinstance(ev, AttendantCommand)]


def scenario(test):
    """Run ``test(store, browser)`` against a fresh store with lanes lane-1 and lane-2."""
    def runner(tmp_path):
        async def main():
            store = ConsoleStore(tmp_path, ("lane-1", "lane-2"))
            await store.start()
            b = Browser(store)
            try:
                await test(store, b)
            finally:
                await b.close()
                await store.stop()
        asyncio.run(main())
    runner.__name__ = test.__name__
    runner.__doc__ = test.__doc__
    return runner


# ------------------------------------------------------------------------------------------------------- flows

@scenario
async def test_an_attendant_sees_an_age_check_and_verifies_it(store, b):
    """Sign in, see the lane's alert in the snapshot, verify the age: the lane applies it once, with Anna's id."""
    iid = store.age_check("lane-1")
    status, me = await b.sign_in()
    assert status == 200 and me["me"]["name"] == "Anna" and me["me"]["role"] == "attendant"
    status, snap = await b.get("api/lanes")
    assert status == 200 and snap["store"] == STORE and snap["csrf"] == b.csrf
    lanes = {lane["lane"]: lane for lane in snap["lanes"]}
    assert set(lanes) == {"lane-1", "lane-2"}
    one = lanes["lane-1"]
    assert (one["online"], one["mode"], one["light"], one["items"]) == (True, "bagging", "amber", 1)
    assert [(a["id"], a["kind"], a["status"], a["detail"]) for a in one["alerts"]] == [(iid, "age_check", "alerted",
                                                                                       "16")]
    assert lanes["lane-2"]["alerts"] == [] and lanes["lane-2"]["light"] == "green"
    async with b.ws() as ws:
        first = await until(ws, lambda d: True)
        assert first["type"] == "snapshot" and [a["id"] for a in first["lanes"][0]["alerts"]] == [iid]
        status, sent = await b.command("lane-1", "verify_age", intervention=iid, arg="16")
        assert status == 202
        resolved = await until(ws, lambda d: d["type"] == "alert" and d["alert"]["id"] == iid)
        assert resolved["event"] == "resolved" and resolved["alert"]["resolved_by"] == "attendant:anna"
        state = await until(ws, lambda d: d["type"] == "state" and d["lane"] == "lane-1")
        assert state["alerts"] == [] and state["light"] == "green"
        ack = await until(ws, ack_of(sent["id"]))
        assert (ack["status"], ack["reason"], ack["attendant"]) == ("applied", "", "anna")
    assert store.lane("lane-1").state.txn.age_verified == 16
    applied = attendant_commands(store.lane("lane-1"))
    assert [(c.command, c.attendant, c.role, c.via, c.command_id) for c in applied] == [
        ("verify_age", "anna", "attendant", "console", sent["id"])]
    assert store.hub.outcome(sent["id"]).status == "applied"
    status, outcome = await b.get(f"api/command/{sent['id']}")
    assert status == 200 and outcome["status"] == "applied" and outcome["lane"] == "lane-1"
    rows = store.audit.for_command(sent["id"])
    assert [(r["event"], r["status"], r["attendant"], r["lane"]) for r in rows] == [
        ("command_sent", "sent", "anna", "lane-1"), ("ack", "applied", "anna", "lane-1")]
    assert rows[0]["target"] == "alert 1, arg 16"


@scenario
async def test_a_foreign_page_cannot_open_the_attendants_stream(store, b):
    """A page of another site, in the attendant's browser, cannot read the store's alerts with her cookie."""
    import aiohttp
    await b.sign_in()
    try:
        async with b.ws(origin="http://evil.example"):
            raise AssertionError("the stream opened for a foreign origin")
    except aiohttp.WSServerHandshakeError as exc:
        assert exc.status == 403
    async with b.ws() as ws:                       # the console's own page still can
        assert (await ws.receive_json(timeout=10))["type"] == "snapshot"


@scenario
async def test_a_forged_command_is_refused_by_the_lane_and_never_applied(store, b):
    """A client on the bus without the store's command key cannot act for an attendant."""
    iid = store.age_check("lane-1")
    await b.sign_in("bernd", "4711")
    lane = store.lane("lane-1")
    before = lane.rt.journal.last_seq
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")
        topic = p.topic(STORE, "lane-1", "command")
        forged = p.sign(p.CommandMsg(STORE, "lane-1", "forged-1", "cancel", "bernd", "supervisor",
                                     lane.rt.clock()), b"not-the-store-key")
        store.bus.publish(topic, p.encode(forged))
        unsigned = p.CommandMsg(STORE, "lane-1", "forged-2", "approve", "anna", "attendant", lane.rt.clock(),
                                intervention=iid)
        store.bus.publish(topic, p.encode(unsigned))
        # A genuine command of this console, for an alert that does not exist: journaled, and refused by the lane.
        status, sent = await b.command("lane-1", "approve", intervention=iid + 100)
        assert status == 202
        for cid in ("forged-1", "forged-2"):
            ack = await until(ws, ack_of(cid))
            assert (ack["status"], ack["reason"]) == ("rejected", "bad_signature")
        real = await until(ws, ack_of(sent["id"]))
        assert (real["status"], real["reason"]) == ("rejected", "no_open_intervention")
    # A genuine command (signed with the key) tampered with on the way to another alert: the signature no longer fits.
    genuine = p.sign(p.CommandMsg(STORE, "lane-1", "forged-3", "approve", "anna", "attendant", lane.rt.clock(),
                                  intervention=iid + 1), KEY)
    store.bus.publish(topic, p.encode(replace(genuine, intervention=iid)))
    await eventually(lambda: lane.link.counts["rejected"] == 4)   # three forgeries and the unknown alert
    # Nothing forged reached the reducer: only the real (wrong-alert) command is journaled, and rejected there.
    journaled = attendant_commands(lane)
    assert [c.command_id for c in journaled] == [sent["id"]]
    assert lane.rt.journal.last_seq == before + 1
    assert lane.state.txn.status == "open" and lane.state.txn.age_verified == 0
    assert [iv.id for iv in lane.state.open_interventions] == [iid]
    forged_rows = [r for r in store.audit.recent(50) if r["event"] == "forged"]
    assert {r["command_id"] for r in forged_rows} == {"forged-1", "forged-2", "forged-3"}


@scenario
async def test_a_command_delivered_twice_is_applied_once(store, b):
    """The same command id again (a broker redelivering, say): the second answer is ``duplicate``."""
    store.begin("lane-1")
    store.scan(MILK_CODE, "lane-1")
    await b.sign_in()
    seen: list[bytes] = []
    store.bus.subscribe(p.subscription(STORE, "command"), lambda t, payload: seen.append(payload))
    lane = store.lane("lane-1")
    line = lane.state.txn.active_lines[0].id
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")
        status, sent = await b.command("lane-1", "void_line", line=line)
        assert status == 202
        first = await until(ws, ack_of(sent["id"]))
        assert first["status"] == "applied"
        assert len(seen) == 1
        store.bus.publish(p.topic(STORE, "lane-1", "command"), seen[0])      # the very same signed bytes
        second = await until(ws, ack_of(sent["id"]))
        assert (second["status"], second["reason"]) == ("duplicate", "applied")
    assert [c.command_id for c in attendant_commands(lane)] == [sent["id"]]
    assert lane.state.txn.item_count == 0
    assert store.hub.outcome(sent["id"]).status == "applied"                 # the first outcome stands
    assert [r["status"] for r in store.audit.for_command(sent["id"])] == ["sent", "applied", "duplicate"]


@scenario
async def test_a_command_for_an_alert_already_closed_is_rejected(store, b):
    """Two attendants answer the same alert: the first one wins, the second gets ``no_open_intervention``."""
    iid = store.unexpected_item("lane-2")
    await b.sign_in()
    other = Browser(store)
    try:
        await other.sign_in("bernd", "4711")
        async with b.ws() as ws:
            await until(ws, lambda d: d["type"] == "snapshot")
            _, first = await other.command("lane-2", "approve", intervention=iid)
            assert (await until(ws, ack_of(first["id"])))["status"] == "applied"
            status, late = await b.command("lane-2", "approve", intervention=iid)
            assert status == 202
            ack = await until(ws, ack_of(late["id"]))
            assert (ack["status"], ack["reason"]) == ("rejected", "no_open_intervention")
    finally:
        await other.close()
    lane = store.lane("lane-2")
    iv = lane.state.intervention(iid)
    assert iv.status == "resolved" and iv.resolved_by == "attendant:bernd"
    assert store.hub.outcome(late["id"]).reason == "no_open_intervention"
    assert lane.state.mode == "scanning" and lane.state.light == "green"


@scenario
async def test_an_expired_session_is_signed_out_everywhere(store, b):
    """After 15 idle minutes the API answers 401, the WebSocket closes with 4401, the audit says why."""
    await b.sign_in()
    assert (await b.get("api/lanes"))[0] == 200
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")
        store.console_offset += 901
        msg = await until(ws, lambda d: d["type"] == "signed_out")
        assert msg == {"type": "signed_out"}
        closing = await asyncio.wait_for(ws.receive(), 5)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4401
    assert await b.get("api/lanes") == (401, {"error": "signed_out"})
    assert (await b.command("lane-1", "reprint"))[0] == 401
    async with b.http.get(b.url + "api/ws") as r:
        assert r.status == 401
    async with b.http.get(b.url) as r:                 # the page itself loads, and shows the sign-in
        assert r.status == 200 and 'id="signin-form"' in await r.text()
    events = [r["event"] for r in reversed(store.audit.recent(10))]
    assert events == ["login_ok", "session_expired"]


@scenario
async def test_a_wrong_pin_is_refused_and_audited_without_the_pin(store, b):
    assert await b.sign_in("anna", "4321") == (401, {"error": "wrong_pin", "retry_after": 0})
    assert await b.get("api/lanes") == (401, {"error": "signed_out"})
    row = store.audit.recent(1)[0]
    assert (row["event"], row["attendant"], row["remote"]) == ("login_failed", "anna", "127.0.0.1")
    assert "4321" not in json.dumps(store.audit.recent(10))
    assert (await b.sign_in("anna", "1234"))[0] == 200


@scenario
async def test_the_alerts_camera_still_is_served_to_signed_in_attendants_only(store, b):
    iid = store.unexpected_item("lane-1")
    await b.sign_in()
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")
        jpeg = store.still(iid, "lane-1")
        updated = await until(ws, lambda d: d["type"] == "alert" and d["event"] == "updated")
        assert updated["has_still"] is True and updated["still_jpeg"] is None   # the picture goes by HTTP only
    async with b.http.get(b.url + f"api/still/lane-1/{iid}") as r:
        assert r.status == 200 and r.content_type == "image/jpeg" and await r.read() == jpeg
        assert r.headers["Cache-Control"] == "no-store"
    status, snap = await b.get("api/lanes")
    alert = next(a for lane in snap["lanes"] if lane["lane"] == "lane-1" for a in lane["alerts"])
    assert alert["id"] == iid and alert["has_still"] is True
    assert alert["expected_g"] is None or isinstance(alert["expected_g"], float)
    assert (await b.get(f"api/still/lane-1/{iid + 1}"))[0] == 404
    async with aiohttp.ClientSession() as stranger:
        async with stranger.get(b.url + f"api/still/lane-1/{iid}") as r:
            assert r.status == 401
    # Approved: the alert leaves, and so does its still.
    status, sent = await b.command("lane-1", "approve", intervention=iid)
    assert status == 202
    await eventually(lambda: store.hub.outcome(sent["id"]).status == "applied")
    assert (await b.get(f"api/still/lane-1/{iid}"))[0] == 404


@scenario
async def test_malformed_commands_and_unreachable_lanes(store, b):
    await b.sign_in("tim", "9999")
    cases = [
        ({"lane": "lane/1", "command": "approve", "intervention": 1}, "bad_lane"),
        ({"lane": "lane-1", "command": "format_disk"}, "bad_command"),
        ({"lane": "lane-1", "command": "approve"}, "intervention_required"),
        ({"lane": "lane-1", "command": "approve", "intervention": True}, "bad_intervention"),
        ({"lane": "lane-1", "command": "void_line"}, "line_required"),
        ({"lane": "lane-1", "command": "audit_done", "arg": "maybe"}, "bad_arg"),
        ({"lane": "lane-1", "command": "reprint", "extra": 1}, "unknown_field"),
        ({"lane": "lane-9", "command": "reprint"}, "unknown_lane"),
    ]
    for body, error in cases:
        lane, command = body.pop("lane"), body.pop("command")
        assert await b.command(lane, command, **body) == (400, {"error": error}), (lane, command, body)
    async with b.http.post(b.url + "api/command", data="not json", headers={
            "Origin": b.origin, "X-CSRF-Token": b.csrf, "Content-Type": "application/json"}) as r:
        assert r.status == 400
    store.lane("lane-2").link.stop()                   # the lane says it is offline
    assert await b.command("lane-2", "reprint") == (409, {"error": "lane_offline"})
    status, snap = await b.get("api/lanes")
    assert [lane["online"] for lane in snap["lanes"]] == [True, False]


@scenario
async def test_a_supervisor_takes_a_lane_out_of_service_and_back(store, b):
    await b.sign_in("bernd", "4711")
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")
        _, sent = await b.command("lane-2", "close_lane")
        # The lane publishes its new state before the ack.
        st = await until(ws, lambda d: d["type"] == "state" and d["lane"] == "lane-2" and not d["in_service"])
        assert (st["mode"], st["light"]) == ("out_of_service", "red")
        assert (await until(ws, ack_of(sent["id"])))["status"] == "applied"
        _, sent = await b.command("lane-2", "open_lane")
        assert (await until(ws, ack_of(sent["id"])))["status"] == "applied"
        _, sent = await b.command("lane-2", "reprint")
        ack = await until(ws, ack_of(sent["id"]))
        assert (ack["status"], ack["reason"]) == ("rejected", "nothing_to_reprint")
    assert store.lane("lane-2").state.in_service and store.lane("lane-2").state.mode == "welcome"
    status, audit = await b.get("api/audit?limit=50")
    assert status == 200
    sent_rows = [r for r in audit["rows"] if r["event"] == "command_sent"]
    assert [r["command"] for r in reversed(sent_rows)] == ["close_lane", "open_lane", "reprint"]


@scenario
async def test_signing_out_ends_the_session_and_its_websocket(store, b):
    await b.sign_in()
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")
        async with b.http.post(b.url + "logout", headers={"Origin": b.origin, "X-CSRF-Token": b.csrf}) as r:
            assert r.status == 200
        await until(ws, lambda d: d["type"] == "signed_out")
        await asyncio.wait_for(ws.receive(), 5)
        assert ws.close_code == 4401
    assert (await b.get("api/lanes"))[0] == 401


@scenario
async def test_the_page_and_its_files_carry_the_security_headers(store, b):
    for path, kind in (("", "text/html"), ("static/console.js", "javascript"), ("static/console.css", "text/css"),
                       ("static/i18n.js", "javascript")):
        async with b.http.get(b.url + path) as r:
            assert r.status == 200 and kind in r.headers["Content-Type"], path
            h = r.headers
            csp = h["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp
            assert h["X-Frame-Options"] == "DENY" and h["Referrer-Policy"] == "no-referrer"
            assert h["X-Content-Type-Options"] == "nosniff"
            text = await r.text()
            if path == "":
                assert h["Cache-Control"] == "no-store"
                assert "<script>" not in text and " style=" not in text and "onclick" not in text
    async with b.http.get(b.url + "api/lanes") as r:
        assert r.headers["Cache-Control"] == "no-store" and r.status == 401
    async with b.http.get(b.url + "static/../auth.py") as r:
        assert r.status in (403, 404)


# ------------------------------------------------------------------------------------------------------- the hub

@scenario
async def test_the_hub_keeps_the_newest_state_and_drops_what_it_cannot_trust(store, b):
    hub = store.hub
    got: list[dict] = []
    hub.subscribe(got.append)
    topic = p.topic(STORE, "lane-1", "state")
    newest = hub.lane("lane-1")
    old = p.LaneStateMsg(STORE, "lane-1", 1.0, seq=newest.seq - 1, mode="payment")
    store.bus.publish(topic, p.encode(old))
    assert hub.lane("lane-1") == newest and hub.counts["stale"] == 1 and not got
    for junk in (b"{", b'{"v": 2, "type": "state"}', p.encode(p.LaneStateMsg(STORE, "lane-2", 1.0, seq=99))):
        store.bus.publish(topic, junk)                 # broken, another version, another lane's state on this topic
    assert hub.counts["dropped"] == 3 and hub.lane("lane-1") == newest and not got
    # An alert, then the lane vanishes: its last will marks it offline, and its open alerts stay on show.
    iid = store.age_check("lane-1")
    assert [a.id for a in hub.open_alerts("lane-1")] == [iid]
    will = p.LaneStateMsg(STORE, "lane-1", 0.0, online=False, light="off")   # what the broker publishes for it
    store.bus.publish(topic, p.encode(will), retain=True)
    assert hub.lane("lane-1").online is False and [a.id for a in hub.open_alerts("lane-1")] == [iid]
    assert got[-1]["type"] == "state" and got[-1]["online"] is False
    snap = hub.snapshot()
    lane1 = next(lane for lane in snap["lanes"] if lane["lane"] == "lane-1")
    assert lane1["online"] is False and [a["id"] for a in lane1["alerts"]] == [iid]
    hub.unsubscribe(got.append)


@scenario
async def test_messages_from_another_thread_reach_the_page(store, b):
    """With MQTT the hub hears the lanes on paho's thread: the page still gets every message, in order."""
    await b.sign_in()
    loop = asyncio.get_running_loop()
    topic = p.topic(STORE, "lane-2", "alert")
    alerts = [p.AlertMsg(STORE, "lane-2", 5.0 + i, p.AlertInfo(50 + i, "help", "alerted", 5.0 + i)) for i in range(20)]
    async with b.ws() as ws:
        await until(ws, lambda d: d["type"] == "snapshot")

        def publish_all():          # on a worker thread, as paho's network thread would
            for msg in alerts:
                store.bus.publish(topic, p.encode(msg))

        await loop.run_in_executor(None, publish_all)
        got = []
        while len(got) < len(alerts):
            d = await until(ws, lambda d: d["type"] == "alert" and d["lane"] == "lane-2")
            got.append(d["alert"]["id"])
    assert got == [50 + i for i in range(20)]
    assert [a.id for a in store.hub.open_alerts("lane-2")] == [50 + i for i in range(20)]


def test_the_hub_keeps_a_bounded_number_of_stills():
    bus = InProcessBus()
    hub = ConsoleHub(bus, STORE, KEY, max_stills=2)
    topic = p.topic(STORE, "lane-1", "alert")
    for iid in (1, 2, 3):
        bus.publish(topic, p.encode(p.AlertMsg(STORE, "lane-1", 1.0, p.AlertInfo(iid, "help", "alerted", 1.0),
                                               "updated", bytes([0xFF, 0xD8, iid]))))
    assert hub.still("lane-1", 1) is None                       # the oldest went
    assert hub.still("lane-1", 2) == bytes([0xFF, 0xD8, 2]) and hub.still("lane-1", 3) == bytes([0xFF, 0xD8, 3])
    bus.publish(topic, p.encode(p.AlertMsg(STORE, "lane-1", 2.0, p.AlertInfo(3, "help", "resolved", 1.0),
                                           "resolved")))
    assert hub.still("lane-1", 3) is None and [a.id for a in hub.open_alerts("lane-1")] == [1, 2]
    # A state message is the full list: alerts (and stills) it no longer names are gone.
    bus.publish(p.topic(STORE, "lane-1", "state"), p.encode(p.LaneStateMsg(
        STORE, "lane-1", 3.0, seq=9, alerts=(p.AlertInfo(1, "help", "alerted", 1.0),))))
    assert [a.id for a in hub.open_alerts("lane-1")] == [1] and hub.still("lane-1", 2) is None
    with pytest.raises(PermissionError):
        hub.send("anna", "attendant", "lane-1", "restart")      # the hub refuses what the role may not do
