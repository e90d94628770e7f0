"""The MQTT assist bus (kiosk/assist/mqtt.py) against a real mosquitto: delivery, retained lane state, the last will
of a lane that dies, and no message lost while the store's broker is away."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.assist.mqtt import MqttBus, parse_url
from mosquitto import WAIT, Inbox, Mosquitto, free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
FAST = (0.1, 0.5)    # reconnection delays for the tests (the default is 0.5 s doubling up to 10 s)


@pytest.fixture
def broker(tmp_path):
    with Mosquitto(tmp_path / "broker") as b:
        yield b


@pytest.fixture
def buses():
    """Make buses that are closed after the test, whatever happens."""
    made: list[MqttBus] = []

    def make(url: str, client_id: str, **kw) -> MqttBus:
        kw.setdefault("reconnect_delay", FAST)
        bus = MqttBus(url, client_id, **kw)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close(timeout=0.5)


def connected(bus: MqttBus) -> MqttBus:
    bus.start()
    wait_for(lambda: bus.connected, what=f"{bus.client_id} to connect ({bus.last_error})")
    return bus


def subscribed(bus: MqttBus, sender: MqttBus, topic: str, inbox: Inbox) -> None:
    """Wait until ``bus``'s subscription delivers: ``sender`` probes on ``topic`` until a probe arrives."""
    def arrived() -> bool:
        sender.publish(topic, b"probe")
        time.sleep(0.05)
        return b"probe" in inbox.payloads
    wait_for(arrived, what=f"{bus.client_id}'s subscription to deliver")


# ---------------------------------------------------------------------------------------------- addresses

def test_broker_addresses_are_checked():
    assert parse_url("mqtt://store-server:1883") == ("store-server", 1883, False)
    assert parse_url("mqtts://10.0.0.5:8883") == ("10.0.0.5", 8883, True)
    assert parse_url("mqtts://broker.local") == ("broker.local", 8883, True)
    assert parse_url("mqtt://[::1]:1884") == ("::1", 1884, False)
    for bad, says in [("broker:1883", "expected mqtt://host:port"), ("http://broker:80", "scheme"),
                      ("mqtt://:1883", "host"), ("mqtt://broker:99999", "port"), ("mqtt://broker:x", "port"),
                      ("mqtts://user:pw@broker:8883", "password_file"), ("mqtt://broker:1883/kiosk", "path")]:
        with pytest.raises(ValueError, match=says):
            MqttBus(bad, "lane-1")
    with pytest.raises(ValueError, match="mqtts"):
        MqttBus("mqtt://broker:1883", "lane-1", ca_file="/nonexistent/ca.crt")
    with pytest.raises(ValueError, match="not found"):
        MqttBus("mqtts://broker:8883", "lane-1", ca_file="/nonexistent/ca.crt")
    bus = MqttBus("mqtt://broker:1883", "lane-1")
    for bad in ("", "kiosk/#/state", "kiosk/v1+/x", "kiosk/v1/S1/lane#"):
        with pytest.raises(ValueError, match="filter"):
            bus.subscribe(bad, lambda t, p: None)
    for bad in ("", "kiosk/v1/+/state", "kiosk/#"):
        with pytest.raises(ValueError, match="topic"):
            bus.publish(bad, b"x")


# ----------------------------------------------------------------------------------------------- delivery

def test_publish_and_subscribe_through_the_broker(broker, buses, caplog):
    console, lane = buses(broker.url, "console"), buses(broker.url, "lane-1")
    states, everything, calls = Inbox(), Inbox(), []

    def broken(topic, payload):
        calls.append(topic)
        raise RuntimeError("a console bug")

    console.subscribe("kiosk/v1/S1/+/state", broken)       # raises: logged, the others still get the message
    console.subscribe("kiosk/v1/S1/+/state", states)
    console.subscribe("kiosk/v1/S1/#", everything)
    connected(console), connected(lane)
    subscribed(console, lane, "kiosk/v1/S1/probe", everything)

    with caplog.at_level(logging.ERROR, logger="kiosk.assist.mqtt"):
        lane.publish("kiosk/v1/S1/lane-1/state", b'{"seq":1}')
        lane.publish("kiosk/v1/S1/lane-1/alert", bytes(range(256)))     # any bytes, untouched
        lane.publish("kiosk/v1/S1/lane-2/state", b'{"seq":2}')
        assert states.wait(2) == [b'{"seq":1}', b'{"seq":2}']
        wait_for(lambda: bytes(range(256)) in everything.payloads, what="the binary alert")
    assert ("kiosk/v1/S1/lane-1/state", b'{"seq":1}') in states.items
    assert calls == ["kiosk/v1/S1/lane-1/state", "kiosk/v1/S1/lane-2/state"]
    assert sum("handler failed" in r.message for r in caplog.records) == 2
    assert console.connected and lane.flush() and lane.pending == 0


def test_retained_state_reaches_a_late_subscriber(broker, buses):
    lane = connected(buses(broker.url, "lane-1"))
    lane.publish("kiosk/v1/S1/lane-1/state", b'{"seq":1}', retain=True)
    lane.publish("kiosk/v1/S1/lane-1/state", b'{"seq":2}', retain=True)
    lane.publish("kiosk/v1/S1/lane-1/alert", b"not retained")
    assert lane.flush()

    late, inbox = buses(broker.url, "console"), Inbox()
    late.subscribe("kiosk/v1/S1/+/+", inbox)
    connected(late)
    assert inbox.wait(1) == [b'{"seq":2}']          # the present, at once; not the history, not the alert
    assert inbox.items[0][0] == "kiosk/v1/S1/lane-1/state"


LANE_PROCESS = """
import sys, time
from kiosk.assist.mqtt import MqttBus
bus = MqttBus(sys.argv[1], "lane-1")
bus.set_will("kiosk/v1/S1/lane-1/state", b'{"online":false}')
bus.start()
while not bus.connected:
    time.sleep(0.01)
bus.publish("kiosk/v1/S1/lane-1/state", b'{"online":true}', retain=True)
bus.flush()
print("selling", flush=True)
time.sleep(600)
"""


def test_last_will_marks_a_killed_lane_offline(broker, buses):
    console, inbox = buses(broker.url, "console"), Inbox()
    console.subscribe("kiosk/v1/S1/+/state", inbox)
    connected(console)
    lane = subprocess.Popen([sys.executable, "-c", LANE_PROCESS, broker.url], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert lane.stdout.readline().strip() == "selling"
        assert inbox.wait(1) == [b'{"online":true}']
        lane.send_signal(signal.SIGKILL)             # a power cut: no DISCONNECT, the broker sees the socket die
        lane.wait(10)
        assert inbox.wait(2) == [b'{"online":true}', b'{"online":false}']
    finally:
        lane.kill()
        lane.wait(10)
        lane.stdout.close()
    late, seen = buses(broker.url, "console-2"), Inbox()
    late.subscribe("kiosk/v1/S1/lane-1/state", seen)
    connected(late)
    assert seen.wait(1) == [b'{"online":false}']    # the will is retained: a console starting now sees it too


def test_clean_close_does_not_publish_the_will(broker, buses):
    console, inbox = buses(broker.url, "console"), Inbox()
    console.subscribe("kiosk/v1/S1/#", inbox)
    connected(console)
    lane = buses(broker.url, "lane-1")
    lane.set_will("kiosk/v1/S1/lane-1/state", b'{"online":false}')
    connected(lane)
    lane.publish("kiosk/v1/S1/lane-1/state", b'{"online":true}', retain=True)
    lane.close()
    assert not lane.connected
    time.sleep(0.5)                                  # room for a wrongly published will to arrive first
    console.publish("kiosk/v1/S1/marker/ack", b"marker")
    assert inbox.wait(2) == [b'{"online":true}', b"marker"]


# --------------------------------------------------------------------------------------------- broker away

def test_start_does_not_block_and_the_lane_queues_until_the_broker_is_back(broker, buses, caplog):
    console, inbox = buses(broker.url, "console", clean_session=False), Inbox()
    console.subscribe("kiosk/v1/S1/+/alert", inbox)
    connected(console)
    broker.stop()                    # the console's session (its subscription) is kept in the broker's persistence

    lane = buses(broker.url, "lane-1", queue_limit=5)
    attempts = []
    failed = lane._client.on_attempt_failed
    lane._client.on_attempt_failed = lambda exc: (attempts.append(exc), failed(exc))
    with caplog.at_level(logging.WARNING, logger="kiosk.assist.mqtt"):
        starter = threading.Thread(target=lane.start)
        starter.start()
        starter.join(WAIT)
        assert not starter.is_alive(), "start() blocked without a broker"
        for i in range(1, 9):
            lane.publish("kiosk/v1/S1/lane-1/alert", b"%d" % i)
        wait_for(lambda: len(attempts) >= 3, what="three connection attempts")
    assert not lane.connected
    assert "connection refused" in lane.last_error
    told = [r.message for r in caplog.records if "lane-1 at" in r.message and "cannot connect" in r.message]
    assert len(told) == 1 and "connection refused" in told[0]                 # once per outage, not per attempt
    assert (lane.pending, lane.dropped) == (5, 3)                             # bounded: the oldest went

    broker.start()
    assert inbox.wait(5) == [b"4", b"5", b"6", b"7", b"8"]
    wait_for(lambda: lane.connected, what="the lane to connect")
    assert lane.flush() and lane.last_error is None


def test_nothing_published_while_the_broker_is_down_is_lost(broker, buses):
    console, inbox = buses(broker.url, "console", clean_session=False), Inbox()
    console.subscribe("kiosk/v1/S1/+/alert", inbox)
    lane = buses(broker.url, "lane-1")
    connected(console), connected(lane)
    subscribed(console, lane, "kiosk/v1/S1/probe/alert", inbox)
    for i in range(100):
        lane.publish("kiosk/v1/S1/lane-1/alert", b"%d" % i)
    assert lane.flush()

    broker.stop()                 # a clean stop: mosquitto keeps the console's session in its persistence
    wait_for(lambda: not lane.connected and not console.connected, what="both to notice")
    for i in range(100, 600):
        lane.publish("kiosk/v1/S1/lane-1/alert", b"%d" % i)
    assert lane.pending == 500
    broker.start()

    got = inbox.wait(601)
    numbers = [int(p) for p in got if p != b"probe"]
    assert numbers == list(range(600))       # none lost, none twice, in order
    assert lane.flush() and lane.pending == 0


def test_messages_in_flight_when_the_broker_stops_arrive(broker, buses):
    console, inbox = buses(broker.url, "console", clean_session=False), Inbox()
    console.subscribe("kiosk/v1/S1/+/alert", inbox)
    lane = buses(broker.url, "lane-1")
    connected(console), connected(lane)
    subscribed(console, lane, "kiosk/v1/S1/probe/alert", inbox)
    sent, stop = [], threading.Event()

    def sell():                                   # the lane goes on publishing, whatever the broker does
        i = 0
        while not stop.is_set():
            lane.publish("kiosk/v1/S1/lane-1/alert", b"%d" % i)
            sent.append(i)
            i += 1
            time.sleep(0.001)

    seller = threading.Thread(target=sell)
    seller.start()
    try:
        wait_for(lambda: len(inbox.payloads) > 200, what="traffic")
        broker.stop()
        wait_for(lambda: not lane.connected, what="the lane to notice")
        broker.start()
        wait_for(lambda: lane.connected, what="the lane to reconnect")
        n = len(sent)
        wait_for(lambda: len(sent) > n + 100, what="more traffic")
    finally:
        stop.set()
        seller.join()
    assert lane.flush(WAIT)
    wait_for(lambda: set(range(len(sent))) <= {int(p) for p in inbox.payloads if p != b"probe"},
             what="every message (at least once)")
    numbers = [int(p) for p in inbox.payloads if p != b"probe"]
    first = list(dict.fromkeys(numbers))          # QoS 1: one in flight at the stop may come twice; order holds
    assert first == list(range(len(sent)))


def test_subscriptions_come_back_after_a_broker_restart(broker, buses):
    # clean_session=True: the broker forgets this console at once; only the bus's own re-subscription helps
    console, inbox, ups = buses(broker.url, "console", clean_session=True), Inbox(), []
    console.on_connection(ups.append)
    console.subscribe("kiosk/v1/S1/+/ack", inbox)
    lane = buses(broker.url, "lane-1")
    connected(console), connected(lane)
    subscribed(console, lane, "kiosk/v1/S1/lane-1/ack", inbox)
    broker.restart()
    wait_for(lambda: console.connected, what="the console to reconnect")
    subscribed(console, lane, "kiosk/v1/S1/lane-1/ack", inbox)
    assert ups == [True, False, True]


def test_a_state_published_on_reconnection_goes_after_the_queued_ones(broker, buses):
    """The retained state at the broker must be the lane's newest, not a queued older one sent after it."""
    lane = buses(broker.url, "lane-1")
    seq = iter(range(1, 1000))
    latest = []

    def on_connection(up: bool) -> None:       # what a lane link does: publish its present state on connection
        if up:
            latest.append(next(seq))
            lane.publish("kiosk/v1/S1/lane-1/state", b"%d" % latest[-1], retain=True)

    lane.on_connection(on_connection)
    connected(lane)
    assert lane.flush()
    broker.stop()
    wait_for(lambda: not lane.connected, what="the lane to notice")
    for _ in range(50):
        lane.publish("kiosk/v1/S1/lane-1/state", b"%d" % next(seq), retain=True)
    broker.start()
    wait_for(lambda: lane.connected and len(latest) == 2, what="the lane to reconnect")
    assert latest[-1] == 52
    assert lane.flush()

    late, inbox = buses(broker.url, "console"), Inbox()
    late.subscribe("kiosk/v1/S1/+/state", inbox)
    connected(late)
    assert inbox.wait(1) == [b"52"]


def test_close_waits_for_the_broker_to_acknowledge(broker, buses):
    console, inbox = buses(broker.url, "console"), Inbox()
    console.subscribe("kiosk/v1/S1/+/ack", inbox)
    lane = buses(broker.url, "lane-1")
    connected(console), connected(lane)
    subscribed(console, lane, "kiosk/v1/S1/probe/ack", inbox)
    for i in range(300):
        lane.publish("kiosk/v1/S1/lane-1/ack", b"%d" % i)
    lane.close(timeout=WAIT)
    got = inbox.wait(301)
    assert [int(p) for p in got if p != b"probe"] == list(range(300))


def test_a_port_nobody_listens_on_is_retried_quietly(buses, caplog):
    lane = buses(f"mqtt://127.0.0.1:{free_port()}", "lane-1", reconnect_delay=(0.05, 0.1))
    with caplog.at_level(logging.WARNING, logger="kiosk.assist.mqtt"):
        lane.start()
        wait_for(lambda: lane.last_error is not None, what="a failed attempt")
        time.sleep(1.0)                               # some ten more attempts
        lane.close()
    assert len([r for r in caplog.records if "cannot connect" in r.message]) == 1
