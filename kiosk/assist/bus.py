"""The assist bus: how lanes and attendant consoles exchange protocol messages (kiosk/assist/protocol.py).

Two implementations with one interface, :class:`Bus`:

- :class:`InProcessBus` (here): a lane serves its own console in the same process, the embedded default with nothing
  to install. It keeps retained messages and matches MQTT topic filters exactly like a broker.
- :class:`kiosk.assist.mqtt.MqttBus`: paho-mqtt to a broker (mosquitto on the store server), with TLS, a user per
  lane or console, QoS 1, retained state, a last will, and reconnection in the background.

Handlers are called on the bus's own thread (the publisher's thread in process, paho's network thread for MQTT) with
``(topic, payload)``; whoever owns an asyncio loop hands the message over with ``loop.call_soon_threadsafe``. A
handler that raises is logged and does not stop delivery to the others.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Protocol

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]


class Bus(Protocol):
    """What a lane link and a console need from a bus."""

    @property
    def connected(self) -> bool: ...

    def set_will(self, topic: str, payload: bytes) -> None:
        """Published by the broker, retained, when this client disappears without closing (before :meth:`start`)."""

    def on_connection(self, callback: Callable[[bool], None]) -> None:
        """``callback(True)`` on every (re)connection, ``callback(False)`` when the connection is lost."""

    def subscribe(self, pattern: str, handler: Handler) -> None:
        """Deliver messages whose topic matches the MQTT filter ``pattern`` (``+`` one level, ``#`` the rest)."""

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Send at least once (QoS 1). While disconnected the message is queued and sent on reconnection."""

    def start(self) -> None: ...

    def close(self) -> None: ...


def matches(pattern: str, topic: str) -> bool:
    """True when ``topic`` matches the MQTT topic filter ``pattern``."""
    p, t = pattern.split("/"), topic.split("/")
    for i, part in enumerate(p):
        if part == "#":
            return True
        if i >= len(t) or (part != "+" and part != t[i]):
            return False
    return len(p) == len(t)


class InProcessBus:
    """A bus inside one process: the lane and its embedded console. Retains like a broker; always connected."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._subs: list[tuple[str, Handler]] = []
        self._retained: dict[str, bytes] = {}
        self._will: tuple[str, bytes] | None = None
        self._connection: list[Callable[[bool], None]] = []
        self._open = False

    @property
    def connected(self) -> bool:
        return self._open

    def set_will(self, topic: str, payload: bytes) -> None:
        self._will = (topic, payload)

    def on_connection(self, callback: Callable[[bool], None]) -> None:
        self._connection.append(callback)
        if self._open:
            callback(True)

    def start(self) -> None:
        self._open = True
        for cb in list(self._connection):
            cb(True)

    def subscribe(self, pattern: str, handler: Handler) -> None:
        with self._lock:
            self._subs.append((pattern, handler))
            retained = [(t, p) for t, p in self._retained.items() if matches(pattern, t)]
        for t, p in retained:
            _deliver(handler, t, p)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        with self._lock:
            if retain:
                if payload:
                    self._retained[topic] = payload
                else:
                    self._retained.pop(topic, None)   # an empty retained message clears it, as in MQTT
            subs = [h for pat, h in self._subs if matches(pat, topic)]
        for h in subs:
            _deliver(h, topic, payload)

    def close(self, *, unexpected: bool = False) -> None:
        """Stop; ``unexpected=True`` publishes the last will first, as a broker does for a client that vanished.
        Whoever asked to hear of the connection hears that it is lost."""
        if unexpected and self._will is not None:
            self.publish(*self._will, retain=True)
        if self._open:
            self._open = False
            for cb in list(self._connection):
                cb(False)


def _deliver(handler: Handler, topic: str, payload: bytes) -> None:
    try:
        handler(topic, payload)
    except Exception:   # noqa: BLE001 - one broken handler must not stop the others
        log.exception("assist bus handler failed for %s", topic)
