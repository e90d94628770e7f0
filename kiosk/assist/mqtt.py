"""The assist bus over MQTT: a lane or a console talking to the store's broker (mosquitto) through paho-mqtt.

:class:`MqttBus` implements :class:`kiosk.assist.bus.Bus` with MQTT 3.1.1, QoS 1 for everything, a retained last
will, and TLS that checks the broker against the store CA (``kiosk store init``) including its host name.

The lane never waits for the broker. :meth:`MqttBus.start` only starts paho's network thread, which connects in the
background and reconnects with a growing delay (0.5 s doubling up to 10 s) for as long as the lane runs. What the
lane publishes meanwhile is kept, in order, and sent when the broker is back:

- paho itself keeps every QoS 1 message it has not seen acknowledged (``Client._out_messages``), also the ones
  published while disconnected, and sends them again after a reconnection. But it sends them only after its
  ``on_connect`` callback, and a message published from that callback, or from another thread in that moment, goes
  out first. A lane publishing its fresh state on reconnection would then see its older queued states overwrite the
  retained one at the broker. So this bus keeps its own queue while it is not connected (bounded by
  ``queue_limit``; when full the oldest message is dropped, counted in :attr:`MqttBus.dropped` and logged once),
  and on every connection takes back what paho still holds unacknowledged (``drop_out_messages()``, oldest first),
  puts it in front of its queue and hands the lot to paho in order, before anyone hears of the connection. QoS 1 is
  at least once: a message in flight when the connection broke may arrive twice (the protocol's ids and sequence
  numbers make that harmless).
- Subscriptions are remembered and made again (QoS 1) on every connection, before the queued messages go out, so a
  broker that lost its sessions (restarted without persistence) still delivers; the broker then also sends the
  retained messages again, which is how a console sees the present after an outage.

Connection failures are logged once per outage, with the reason (connection refused, unknown host, TLS error,
refused by the broker: not authorised), and a different reason once more; :attr:`MqttBus.last_error` keeps the last
one for ``kiosk doctor``. Handlers run on paho's network thread; one that raises is logged and the others still get
the message.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections import deque
from typing import Callable
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from kiosk.assist.bus import Handler, matches

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}
#: paho's message ids are 16 bits; more unacknowledged messages than that cannot be told apart.
MAX_QUEUE = 60000


def parse_url(url: str) -> tuple[str, int, bool]:
    """``(host, port, tls)`` of ``mqtt://host[:port]`` or ``mqtts://host[:port]``; ValueError says what is wrong."""
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"{url!r} is not a broker address: expected mqtt://host:port or mqtts://host:port")
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(f"{url!r}: the scheme must be mqtt:// (plain) or mqtts:// (TLS), not {parts.scheme}://")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{url!r}: put the user in [assist] username and password_file, not in the address")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"{url!r}: a broker address has no path or query, only mqtts://host:port")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise ValueError(f"{url!r}: the broker's host is missing")
    if port == 0:
        raise ValueError(f"{url!r}: the port must be a number from 1 to 65535")
    return parts.hostname, port or DEFAULT_PORTS[parts.scheme], parts.scheme == "mqtts"


def describe_failure(exc: BaseException, host: str, port: int, tls: bool = False) -> str:
    """A technician's reading of why a connection to the broker failed."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS error: the broker's certificate was not accepted ({exc.verify_message or exc})"
    if isinstance(exc, ssl.SSLError):
        if exc.reason == "WRONG_VERSION_NUMBER":
            return f"TLS error: {host}:{port} does not speak TLS (mqtts:// to a plain MQTT port?)"
        return f"TLS error: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {host}:{port} (is the broker running?)"
    if isinstance(exc, socket.gaierror):
        return f"unknown host {host!r} ({exc.strerror})"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"no answer from {host}:{port} (timed out)"
    if tls and isinstance(exc, ConnectionError):      # reset or broken pipe after the TCP connect
        return f"TLS error: {host}:{port} closed the connection in the handshake (not the broker's TLS port?)"
    if isinstance(exc, ConnectionError):
        return f"connection to {host}:{port} broken ({exc.strerror or exc})"
    if isinstance(exc, OSError) and exc.strerror:
        return f"cannot reach {host}:{port}: {exc.strerror}"
    return f"cannot reach {host}:{port}: {exc}"


def describe_refusal(reason: object) -> str:
    """Why the broker refused the connection (its CONNACK code), with what to check."""
    text = str(reason)
    low = text.lower()
    if "authori" in low or "user name or password" in low or "bad user" in low:
        return f"refused by the broker: not authorised ({text}; check [assist] username and password_file)"
    return f"refused by the broker: {text}"


class _Client(mqtt.Client):
    """paho's client, telling why a connection attempt failed (paho's loop swallows the exception)."""

    on_attempt_failed: Callable[[BaseException], None] | None = None

    def reconnect(self) -> MQTTErrorCode:
        try:
            return super().reconnect()
        except OSError as exc:   # includes ssl.SSLError and socket.gaierror; paho retries after its delay
            if self.on_attempt_failed is not None:
                self.on_attempt_failed(exc)
            raise


class MqttBus:
    """A lane's or a console's connection to the store's broker; see the module docstring for the guarantees.

    ``url`` is ``mqtt://host:port`` or ``mqtts://host:port`` (TLS, the broker checked against ``ca_file``, or the
    system's CAs without one, and its host name against the certificate). ``cert_file``/``key_file`` add a client
    certificate for a broker that asks for one. ``clean_session=False`` (the default) asks the broker to keep this
    client's subscriptions and its undelivered QoS 1 messages while it is away, so ``client_id`` must be unique and
    stable (the lane id for a lane).
    """

    def __init__(self, url: str, client_id: str, *, username: str | None = None, password: str | None = None,
                 ca_file: str | None = None, cert_file: str | None = None, key_file: str | None = None,
                 keepalive: int = 10, clean_session: bool = False, queue_limit: int = 10000,
                 reconnect_delay: tuple[float, float] = (0.5, 10.0)) -> None:
        self.url = url
        self.host, self.port, self.tls = parse_url(url)
        if not client_id:
            raise ValueError("the broker client id must not be empty")
        if not 1 <= queue_limit <= MAX_QUEUE:
            raise ValueError(f"queue_limit must be from 1 to {MAX_QUEUE}, not {queue_limit}")
        if (ca_file or cert_file) and not self.tls:
            raise ValueError(f"{url!r}: a CA or client certificate needs mqtts://")
        self.client_id = client_id
        self._who = f"{client_id} at {url}"      # how the log names this connection
        self.queue_limit = queue_limit
        #: The last reason a connection failed or broke (None until one did, and again once connected).
        self.last_error: str | None = None
        #: Messages dropped because the queue was full during an outage (the oldest go first).
        self.dropped = 0

        c = _Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session,
                    protocol=mqtt.MQTTv311)
        c.reconnect_delay_set(min_delay=reconnect_delay[0], max_delay=reconnect_delay[1])  # type: ignore[arg-type]
        c.max_queued_messages_set(0)    # paho never refuses a publish; this bus bounds its own queue
        c.suppress_exceptions = True    # a bug in a callback must not end paho's loop (they log their own errors)
        if username is not None:
            c.username_pw_set(username, password)
        if self.tls:
            c.tls_set_context(_tls_context(ca_file, cert_file, key_file))
        c.on_connect = _logged(self._on_connect)
        c.on_disconnect = _logged(self._on_disconnect)
        c.on_message = self._on_message        # guards each handler itself
        c.on_attempt_failed = _logged(self._on_attempt_failed)
        self._client = c
        self._keepalive = keepalive

        # One lock orders publish() against (re)connection: while _ready, messages go straight to paho; otherwise to
        # _queue. Lock order: this lock, then paho's internal locks (never the other way round: paho's callbacks
        # that run under its locks, on_publish, do not take it).
        self._lock = threading.RLock()
        self._queue: deque[tuple[str, bytes, bool]] = deque()
        self._sent: deque[mqtt.MQTTMessageInfo] = deque()     # handed to paho, maybe not acknowledged yet
        self._ready = False
        self._filters: list[str] = []
        self._subs: list[tuple[str, Handler]] = []
        self._callbacks: list[Callable[[bool], None]] = []
        self._started = False
        self._closing = False
        # outage bookkeeping for the log: when it began, which reasons were told already
        self._outage_since: float | None = None
        self._told: set[str] = set()
        self._answered = False      # the broker answered the current attempt's CONNECT (yes or no)

    # ------------------------------------------------------------------------------------------------ the Bus API

    @property
    def connected(self) -> bool:
        """True while connected to the broker (and the queue has been handed over)."""
        return self._ready

    @property
    def pending(self) -> int:
        """Messages not yet acknowledged by the broker: queued during an outage or in flight."""
        with self._lock:
            while self._sent and _acked(self._sent[0]):
                self._sent.popleft()
            return len(self._queue) + sum(1 for info in self._sent if not _acked(info))

    def set_will(self, topic: str, payload: bytes) -> None:
        """The retained QoS 1 message the broker publishes when this client vanishes without :meth:`close`.

        Call it before :meth:`start`; a later call takes effect at the next reconnection.
        """
        self._client.will_set(topic, payload, qos=1, retain=True)

    def on_connection(self, callback: Callable[[bool], None]) -> None:
        """``callback(True)`` on every connection (at once if connected now), ``callback(False)`` when it is lost.

        Called on paho's thread after the queued messages were handed over, so what the callback publishes goes out
        after them.
        """
        with self._lock:
            self._callbacks.append(callback)
            now = self._ready
        if now:
            _call(callback, True)

    def subscribe(self, pattern: str, handler: Handler) -> None:
        """Deliver messages matching the MQTT filter ``pattern`` to ``handler(topic, payload)``, from now on and
        after every reconnection (QoS 1)."""
        if not _valid_filter(pattern):
            raise ValueError(f"{pattern!r} is not an MQTT topic filter")
        with self._lock:
            self._subs.append((pattern, handler))
            if pattern not in self._filters:
                self._filters.append(pattern)
                if self._ready:
                    self._client.subscribe(pattern, qos=1)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Send ``payload`` with QoS 1; while disconnected it is queued and sent, in order, on reconnection."""
        if not topic or "+" in topic or "#" in topic or "\x00" in topic:
            raise ValueError(f"{topic!r} is not a topic to publish on")
        payload = bytes(payload)
        with self._lock:
            if self._closing:
                log.debug("assist bus %s: closed, not publishing on %s", self._who, topic)
                return
            if self._ready:
                self._send(topic, payload, retain)
                return
            if len(self._queue) >= self.queue_limit:
                self._queue.popleft()
                self.dropped += 1
                if "queue full" not in self._told:
                    self._told.add("queue full")
                    log.warning("assist bus %s: %d messages queued while the broker is away; dropping the oldest",
                                self._who, self.queue_limit)
            self._queue.append((topic, payload, retain))

    def start(self) -> None:
        """Connect in the background and keep connecting; returns at once, broker or not."""
        with self._lock:
            if self._started or self._closing:
                return
            self._started = True
            self._outage_since = time.monotonic()
        self._client.connect_async(self.host, self.port, keepalive=self._keepalive)
        self._client.loop_start()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the broker acknowledged everything published so far; False if it did not within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.pending:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout: float = 2.0) -> None:
        """Disconnect cleanly (the broker discards the last will) and stop the network thread.

        While connected, waits up to ``timeout`` for what was published to be acknowledged first.
        """
        with self._lock:
            if self._closing:
                return
            started = self._started
        if started and self._ready:
            self.flush(timeout)
        with self._lock:
            self._closing = True
            left = len(self._queue)
        if left:
            log.warning("assist bus %s: closing with %d messages the broker never received", self._who, left)
        if started:
            self._client.disconnect()
            self._client.loop_stop()    # paho does not join its own thread when closed from a handler

    # ------------------------------------------------------------------------------------------ paho's callbacks

    def _send(self, topic: str, payload: bytes, retain: bool) -> None:
        """Hand one message to paho (with the lock held)."""
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        # NO_CONN: the connection broke a moment ago; paho keeps the message and it is requeued at the next connection
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            log.error("assist bus %s: paho refused a message on %s: %s", self._who, topic, mqtt.error_string(info.rc))
        while self._sent and _acked(self._sent[0]):
            self._sent.popleft()
        self._sent.append(info)

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        self._answered = True
        if reason.is_failure:
            self._failed(describe_refusal(reason))
            return
        sock = client.socket()
        if sock is not None:      # alerts and commands are small: send at once, not after Nagle's ~40 ms
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        with self._lock:
            for pattern in self._filters:
                client.subscribe(pattern, qos=1)
            # what paho holds unacknowledged is older than anything in the queue: it goes first, in its order
            again = client.drop_out_messages()
            self._sent.clear()
            backlog = [(m.topic, m.payload, m.retain) for m in again] + list(self._queue)
            self._queue.clear()
            for topic, payload, retain in backlog:
                self._send(topic, payload, retain)
            self._ready = True
            callbacks = list(self._callbacks)
            since, self._outage_since = self._outage_since, None
            told, self._told = self._told, set()
        self.last_error = None
        if since is not None and told:
            log.info("assist bus %s: connected, after %.0f s without the broker (%d queued messages sent)",
                     self._who, time.monotonic() - since, len(backlog))
        else:
            log.info("assist bus %s: connected", self._who)
        for cb in callbacks:
            _call(cb, True)

    def _on_disconnect(self, client, userdata, flags, reason, properties) -> None:
        with self._lock:
            was = self._ready
            self._ready = False
            callbacks = list(self._callbacks) if was else []
            closing = self._closing
            why = f"connection lost ({reason})" if reason.is_failure else "disconnected by the broker"
            if was and not closing:
                self._outage_since = time.monotonic()
                self._told.add(why)
            answered, self._answered = self._answered, False
        if not was:
            if not answered and not closing:     # the connection closed before the broker said yes or no
                self._failed(f"{self.host}:{self.port} closed the connection before answering (mqtt:// to a TLS "
                             "port, or a broker that does not speak MQTT 3.1.1?)")
            return
        if closing:
            log.info("assist bus %s: disconnected", self._who)
        else:
            self.last_error = why
            log.warning("assist bus %s: %s; reconnecting in the background, publishing into the queue",
                        self._who, why)
        for cb in callbacks:
            _call(cb, False)

    def _on_attempt_failed(self, exc: BaseException) -> None:
        self._failed(describe_failure(exc, self.host, self.port, self.tls))

    def _failed(self, why: str) -> None:
        """A connection attempt failed: remember why, and log it once per outage (each different reason once)."""
        self.last_error = why
        with self._lock:
            if self._closing or why in self._told:
                return
            self._told.add(why)
        log.warning("assist bus %s: cannot connect: %s; retrying in the background (messages wait in the queue)",
                    self._who, why)

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        try:
            topic = message.topic
        except UnicodeDecodeError:
            log.warning("assist bus %s: dropped a message whose topic is not UTF-8", self._who)
            return
        with self._lock:
            handlers = [h for pattern, h in self._subs if matches(pattern, topic)]
        payload = bytes(message.payload)
        for handler in handlers:
            try:
                handler(topic, payload)
            except Exception:   # noqa: BLE001 - one broken handler must not stop paho's loop or the others
                log.exception("assist bus handler failed for %s", topic)


def _valid_filter(pattern: str) -> bool:
    """An MQTT topic filter: ``+`` alone in a level, ``#`` alone in the last one."""
    if not isinstance(pattern, str) or not pattern or "\x00" in pattern or len(pattern.encode()) > 65535:
        return False
    levels = pattern.split("/")
    for i, level in enumerate(levels):
        if ("+" in level or "#" in level) and level not in ("+", "#"):
            return False
        if level == "#" and i != len(levels) - 1:
            return False
    return True


def _tls_context(ca_file: str | None, cert_file: str | None, key_file: str | None) -> ssl.SSLContext:
    """TLS 1.2 or newer, the broker's certificate checked against ``ca_file`` and its host name."""
    try:
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
        if cert_file:
            ctx.load_cert_chain(cert_file, key_file)
    except FileNotFoundError as exc:
        raise ValueError(f"TLS file not found: {exc.filename}") from None
    except (OSError, ssl.SSLError) as exc:
        what = ", ".join(str(f) for f in (ca_file, cert_file) if f) or "the system's CAs"
        raise ValueError(f"cannot load the TLS files ({what}): {exc}") from None
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _logged(callback):
    """``callback`` with any exception logged (paho, told to suppress them, would swallow it silently)."""
    def call(*args):
        try:
            callback(*args)
        except Exception:   # noqa: BLE001 - logged; the network thread goes on
            log.exception("assist bus: %s failed", callback.__name__)
    return call


def _acked(info: mqtt.MQTTMessageInfo) -> bool:
    """True once the broker acknowledged the message (paho's is_published() raises for one handed over while the
    connection was already gone: that one is taken back and sent again at the next connection, never acked)."""
    try:
        return info.is_published()
    except (RuntimeError, ValueError):
        return False


def _call(callback: Callable[[bool], None], up: bool) -> None:
    try:
        callback(up)
    except Exception:   # noqa: BLE001 - a broken listener must not stop paho's loop
        log.exception("assist bus connection callback failed")
