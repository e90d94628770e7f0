"""The assist protocol (kiosk/assist/protocol.py) and the in-process bus: messages survive the wire exactly, anything
malformed is refused with a reason, signatures bind every field, topic filters match as a broker's do."""

from __future__ import annotations

import json

import pytest

from kiosk.assist import protocol as p
from kiosk.assist.bus import InProcessBus, matches

ALERT = p.AlertInfo(7, "unexpected_item", "alerted", 100.0, t_alerted=112.0, txn=3, item="Milch 1 l", sku="1001",
                    expected_g=0.0, measured_g=412.5, reasons=("voids:2", "gap"), risk=3.5)
KEY = b"k" * 32


def _cmd(**kw) -> p.CommandMsg:
    base = dict(store="demo", lane="lane-1", id="c-1", command="approve", attendant="anna", role="attendant",
                t=120.0, intervention=7)
    base.update(kw)
    return p.CommandMsg(**base)


@pytest.mark.parametrize("msg", [
    p.LaneStateMsg("demo", "lane-1", 120.0, seq=42, mode="bagging", light="amber", txn=3, items=4, total_cents=1234,
                   attendant="anna", alerts=(ALERT,), lines=(p.LineInfo(1, "Milch 1 l", 2, 210),),
                   devices_down=("printer",), version="0.1.0"),
    p.LaneStateMsg("demo", "lane-1", 0.0, online=False, light="off"),
    p.AlertMsg("demo", "lane-1", 120.0, ALERT, "updated", b"\xff\xd8\xff\xe0 a still"),
    p.AlertMsg("demo", "lane-1", 120.0, ALERT),
    p.sign(_cmd(arg="18", line=2), KEY),
    p.AckMsg("demo", "lane-1", "c-1", "approve", "rejected", 121.0, "no_open_intervention", "anna"),
])
def test_every_message_survives_the_wire_exactly(msg):
    assert p.decode(p.encode(msg)) == msg


def test_to_json_leaves_the_still_out_and_says_there_is_one():
    d = p.to_json(p.AlertMsg("demo", "lane-1", 1.0, ALERT, still_jpeg=b"jpeg"))
    assert d["still_jpeg"] is None and d["has_still"] is True and d["alert"]["measured_g"] == 412.5
    json.dumps(d)


def _body(msg, **changes) -> bytes:
    d = json.loads(p.encode(msg))
    for k, v in changes.items():
        if v is ...:
            d.pop(k)
        else:
            d[k] = v
    return json.dumps(d).encode()


@pytest.mark.parametrize("payload, reason", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (_body(_cmd(), v=2), "protocol version 2"),
    (_body(_cmd(), type="reboot"), "unknown message type"),
    (_body(_cmd(), command="rm -rf"), "unknown command"),
    (_body(_cmd(), id=""), "needs an id"),
    (_body(_cmd(), lane="lane/+"), "not a valid id"),
    (_body(_cmd(), t="yesterday"), "t: expected float"),
    (_body(_cmd(), t=True), "t: expected float"),
    (_body(_cmd(), attendant=...), "attendant: missing"),
    (_body(_cmd(), intervention=1.5), "intervention: expected int"),
    (_body(p.AckMsg("demo", "l", "c", "approve", "applied", 1.0), status="maybe"), "status"),
    (_body(p.LaneStateMsg("demo", "l", 1.0), light="purple"), "light"),
    (_body(p.LaneStateMsg("demo", "l", 1.0), alerts=[{"id": 1}]), "alerts.kind: missing"),
    (_body(p.LaneStateMsg("demo", "l", 1.0), t=float("nan")), "finite"),
    (_body(p.AlertMsg("demo", "l", 1.0, ALERT), still_jpeg="%%%"), "not base64"),
    (b"{" + b" " * p.MAX_MESSAGE + b"}", "too large"),
])
def test_a_malformed_message_is_refused_with_a_reason(payload, reason):
    with pytest.raises(p.BadMessage, match=reason):
        p.decode(payload)


def test_a_signature_binds_every_field_of_a_command():
    signed = p.sign(_cmd(), KEY)
    assert p.signature_ok(signed, KEY)
    assert not p.signature_ok(signed, b"x" * 32)
    assert not p.signature_ok(_cmd(), KEY)            # unsigned
    from dataclasses import replace
    for change in ({"command": "cancel"}, {"lane": "lane-2"}, {"attendant": "bernd"}, {"role": "technician"},
                   {"intervention": 8}, {"t": 121.0}, {"id": "c-2"}, {"arg": "x"}):
        assert not p.signature_ok(replace(signed, **change), KEY), change


def test_topics_are_built_and_read_back_and_refuse_wildcards():
    t = p.topic("demo", "lane-1", "state")
    assert t == "kiosk/v1/demo/lane-1/state"
    assert p.parse_topic(t) == ("demo", "lane-1", "state")
    for bad in ("kiosk/v1/demo/lane-1", "kiosk/v2/demo/lane-1/state", "kiosk/v1/demo/+/state", "x/v1/d/l/state"):
        with pytest.raises(p.BadMessage):
            p.parse_topic(bad)
    for store, lane in (("de#mo", "l"), ("demo", "l/1"), ("demo", "+"), ("", "l")):
        with pytest.raises(ValueError):
            p.topic(store, lane, "state")


@pytest.mark.parametrize("pattern, topic, hit", [
    ("kiosk/v1/demo/+/state", "kiosk/v1/demo/lane-1/state", True),
    ("kiosk/v1/demo/+/state", "kiosk/v1/demo/lane-1/alert", False),
    ("kiosk/v1/demo/#", "kiosk/v1/demo/lane-1/ack", True),
    ("kiosk/v1/demo/lane-1/command", "kiosk/v1/demo/lane-2/command", False),
    ("kiosk/v1/+/+/state", "kiosk/v1/demo/lane-1/state/extra", False),
    ("kiosk/v1/demo/+", "kiosk/v1/demo/lane-1/state", False),
])
def test_topic_filters_match_as_on_a_broker(pattern, topic, hit):
    assert matches(pattern, topic) is hit


def test_the_in_process_bus_retains_delivers_and_survives_a_broken_handler():
    bus = InProcessBus()
    bus.start()
    bus.publish("kiosk/v1/demo/lane-1/state", b"s1", retain=True)
    bus.publish("kiosk/v1/demo/lane-1/alert", b"a1")                    # not retained: a late subscriber misses it
    seen: list[tuple[str, bytes]] = []
    bus.subscribe("kiosk/v1/demo/+/#", lambda t, b: 1 / 0)              # a broken handler first
    bus.subscribe("kiosk/v1/demo/+/#", lambda t, b: seen.append((t, b)))
    assert seen == [("kiosk/v1/demo/lane-1/state", b"s1")]
    bus.publish("kiosk/v1/demo/lane-2/alert", b"a2")
    assert seen[-1] == ("kiosk/v1/demo/lane-2/alert", b"a2")
    bus.set_will("kiosk/v1/demo/lane-1/state", b"offline")
    bus.close(unexpected=True)
    assert seen[-1] == ("kiosk/v1/demo/lane-1/state", b"offline")
    late: list[bytes] = []
    bus.subscribe("kiosk/v1/demo/lane-1/state", lambda t, b: late.append(b))
    assert late == [b"offline"]
