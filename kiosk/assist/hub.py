"""The console's view of the store: every lane's newest state, its open alerts and their stills, and the commands sent.

A :class:`ConsoleHub` sits on the assist bus (in process beside an embedded lane, or MQTT to the store's broker) and
listens to every lane of one store: ``state`` (retained, so the present arrives at once), ``alert`` and ``ack``. It
keeps

- the newest :class:`~kiosk.assist.protocol.LaneStateMsg` per lane, by ``seq``; an ``online: false`` state (the
  lane's last will, or its clean stop) always replaces it, and a lane that comes back after being offline is
  believed whatever its ``seq`` (its journal may have been set aside);
- the open alerts per lane: a state message brings the full list, an alert message adds or updates one and a
  resolved one leaves. While a lane is offline its last known alerts stay (the shopper is still waiting there);
- the latest camera still per (lane, alert), bounded in number and bytes;
- the outcome of every command this console sent, matched by id when the lane's ack comes back.

:meth:`ConsoleHub.send` signs an attendant's decision with the store's command key and publishes it. Listeners
(the console's WebSocket fan-out) receive every accepted message as a JSON-ready dict on the bus's thread; the
console hands them to its asyncio loop with ``call_soon_threadsafe``. Everything is guarded by one lock, because
the bus thread writes while the web loop reads; the bus is never called with the lock held, so a lane answering
synchronously (the in-process bus) cannot deadlock against a console sending.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import Any, Callable

from kiosk.assist import protocol as p
from kiosk.assist.audit import ConsoleAudit
from kiosk.assist.bus import Bus
from kiosk.lane.settings import role_may

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]

#: Stills kept (the newest win): enough for every open alert of a large store, bounded in memory.
MAX_STILLS = 200
MAX_STILL_BYTES = 32 * 1024 * 1024
#: Command outcomes remembered (for the page's "applied / rejected" and the audit).
MAX_COMMANDS = 5000


@dataclass
class SentCommand:
    """A command this console sent and, once the lane answered, what became of it."""

    cmd: p.CommandMsg
    remote: str | None = None
    status: str = "sent"          # sent, then applied / rejected / duplicate as the lane's acks arrive
    reason: str = ""
    t_ack: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.cmd.id, "lane": self.cmd.lane, "command": self.cmd.command,
                "attendant": self.cmd.attendant, "intervention": self.cmd.intervention, "line": self.cmd.line,
                "arg": self.cmd.arg, "t": self.cmd.t, "status": self.status, "reason": self.reason,
                "t_ack": self.t_ack}


class ConsoleHub:
    """One console's live picture of the store's lanes (see the module docstring)."""

    def __init__(self, bus: Bus, store: str, command_key: bytes, *, clock: Callable[[], float] = time.time,
                 audit: ConsoleAudit | None = None, max_stills: int = MAX_STILLS,
                 max_still_bytes: int = MAX_STILL_BYTES):
        if not p.valid_name(store):
            raise ValueError(f"store id {store!r} is not usable in a topic")
        if not command_key:
            raise ValueError("the console needs the store's command key to sign commands")
        self.bus = bus
        self.store = store
        self._key = command_key
        self.clock = clock
        self.audit = audit
        self.max_stills = max_stills
        self.max_still_bytes = max_still_bytes
        self._lock = threading.RLock()
        self._lanes: dict[str, p.LaneStateMsg] = {}
        self._alerts: dict[str, dict[int, p.AlertInfo]] = {}
        self._offset: dict[str, float] = {}            # per lane: min(console clock - message t), its clock skew
        self._stills: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._still_bytes = 0
        self._sent: OrderedDict[str, SentCommand] = OrderedDict()
        self._listeners: list[Listener] = []
        self.counts = {"state": 0, "alert": 0, "ack": 0, "stale": 0, "dropped": 0}
        self.broker = bus.connected       # the console's own connection: while it is down, what it shows is old
        for kind in ("state", "alert", "ack"):
            bus.subscribe(p.subscription(store, kind), self._arrived)
        bus.on_connection(self._connection)

    def _connection(self, up: bool) -> None:
        """On the bus's thread: the console reached or lost the broker; its pages say so."""
        with self._lock:
            if up == self.broker:
                return
            self.broker = up
            self._tell({"type": "broker", "connected": up})

    # ----------------------------------------------------------------------------------------------- reading

    def lanes(self) -> list[str]:
        with self._lock:
            return sorted(self._lanes)

    def lane(self, lane: str) -> p.LaneStateMsg | None:
        with self._lock:
            return self._lanes.get(lane)

    def open_alerts(self, lane: str) -> list[p.AlertInfo]:
        with self._lock:
            return sorted(self._alerts.get(lane, {}).values(), key=lambda a: a.id)

    def still(self, lane: str, alert: int) -> bytes | None:
        with self._lock:
            return self._stills.get((lane, alert))

    def outcome(self, command_id: str) -> SentCommand | None:
        with self._lock:
            return self._sent.get(command_id)

    def snapshot(self) -> dict[str, Any]:
        """Everything a page needs to draw the store now, JSON-ready.

        ``lanes`` holds each lane's newest state (as :func:`protocol.to_json` gives it) with ``alerts`` replaced by
        the hub's open alerts (each with ``has_still``) and ``offset``, the lane's clock skew against the console's
        (``console time - lane time``), so a page can tick "time since the alert" with the lane's timestamps.
        """
        with self._lock:
            return self._snapshot()

    def _snapshot(self) -> dict[str, Any]:
        out = []
        for lane in sorted(self._lanes):
            d = p.to_json(self._lanes[lane])
            d["alerts"] = [self._alert_json(lane, a) for a in sorted(self._alerts.get(lane, {}).values(),
                                                                      key=lambda a: a.id)]
            d["offset"] = self._offset.get(lane)
            out.append(d)
        return {"type": "snapshot", "store": self.store, "now": self.clock(), "broker": self.broker, "lanes": out}

    def _alert_json(self, lane: str, a: p.AlertInfo) -> dict[str, Any]:
        d = asdict(a)
        d["has_still"] = (lane, a.id) in self._stills
        return d

    # ----------------------------------------------------------------------------------------------- listeners

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            try:
                self._listeners.remove(listener)
            except ValueError:
                pass

    def attach(self, listener: Listener) -> dict[str, Any]:
        """Subscribe and take a snapshot in one step: nothing that happens in between is lost or seen twice."""
        with self._lock:
            self._listeners.append(listener)
            return self._snapshot()

    def _tell(self, d: dict[str, Any]) -> None:
        # Called with the lock held, so every listener sees the messages in the order the hub applied them.
        for listener in list(self._listeners):
            try:
                listener(d)
            except Exception:   # noqa: BLE001 - one broken page must not stop the others
                log.exception("console listener failed")

    # ----------------------------------------------------------------------------------------------- sending

    def send(self, attendant_id: str, role: str, lane: str, command: str, *, intervention: int | None = None,
             line: int | None = None, arg: str | None = None, remote: str | None = None) -> str:
        """Sign and publish an attendant's command to ``lane``; returns its id (the page matches the ack by it).

        ``ValueError`` for a lane id or command the protocol does not know, ``PermissionError`` when ``role`` may
        not give ``command`` (the console's web layer refuses earlier with a 403; the lane checks again itself).
        """
        if not p.valid_name(lane):
            raise ValueError(f"lane id {lane!r} is not valid")
        if command not in p.COMMANDS:
            raise ValueError(f"unknown command {command!r}")
        if not role_may(role, command):
            raise PermissionError(f"role {role!r} may not {command}")
        cmd = p.sign(p.CommandMsg(self.store, lane, uuid.uuid4().hex, command, attendant_id, role, self.clock(),
                                  intervention=intervention, line=line, arg=arg), self._key)
        with self._lock:
            # Recorded before publishing: an in-process lane may answer before publish() returns.
            self._sent[cmd.id] = SentCommand(cmd, remote)
            while len(self._sent) > MAX_COMMANDS:
                self._sent.popitem(last=False)
        if self.audit is not None:
            self.audit.command_sent(cmd, remote)
        self.bus.publish(p.topic(self.store, lane, "command"), p.encode(cmd))
        log.info("console: %s (%s) sent %s to %s (id %s)", attendant_id, role, command, lane, cmd.id)
        return cmd.id

    # ----------------------------------------------------------------------------------------------- receiving

    def _arrived(self, topic: str, payload: bytes) -> None:
        """On the bus's thread: check, apply and pass on one message."""
        try:
            store, lane, kind = p.parse_topic(topic)
            msg = p.decode(payload)
            if store != self.store or msg.store != store or msg.lane != lane or msg.type != kind:
                raise p.BadMessage(f"a {msg.type} for {msg.store}/{msg.lane} on {topic}")
        except p.BadMessage as exc:
            self.counts["dropped"] += 1
            log.warning("console: dropped a malformed message on %s: %s", topic[:120], exc)
            return
        rx = self.clock()
        ack_to_audit: tuple[p.AckMsg, bool] | None = None
        with self._lock:
            if isinstance(msg, p.LaneStateMsg):
                if not self._on_state(msg):
                    self.counts["stale"] += 1
                    return
            elif isinstance(msg, p.AlertMsg):
                self._on_alert(msg)
            elif isinstance(msg, p.AckMsg):
                ack_to_audit = self._on_ack(msg)
            else:
                return      # a command on a state/alert/ack topic was refused above; nothing else is possible
            self.counts[kind] += 1
            if msg.t > 0:
                off = rx - msg.t
                self._offset[lane] = min(off, self._offset.get(lane, off))
            d = p.to_json(msg)
            d["rx"] = rx
            d["offset"] = self._offset.get(lane)
            if isinstance(msg, p.AlertMsg):
                d["alert"]["has_still"] = (lane, msg.alert.id) in self._stills
            self._tell(d)
        if ack_to_audit is not None and self.audit is not None:
            self.audit.ack(ack_to_audit[0], forged=ack_to_audit[1])

    def _on_state(self, msg: p.LaneStateMsg) -> bool:
        old = self._lanes.get(msg.lane)
        if old is not None and msg.online and old.online and msg.seq < old.seq:
            return False         # an older state overtaken by a newer one (a late retained copy)
        if old is not None and msg.online and not old.online:
            self._offset.pop(msg.lane, None)   # a restarted lane: its clock may have been set meanwhile
        self._lanes[msg.lane] = msg
        if msg.online:
            self._alerts[msg.lane] = {a.id: a for a in msg.alerts if a.status != "resolved"}
            self._forget_stills(msg.lane)
        return True

    def _on_alert(self, msg: p.AlertMsg) -> None:
        a = msg.alert
        open_ = self._alerts.setdefault(msg.lane, {})
        if msg.event == "resolved" or a.status == "resolved":
            open_.pop(a.id, None)
            self._drop_still((msg.lane, a.id))
        else:
            open_[a.id] = a
            if msg.still_jpeg:
                self._keep_still((msg.lane, a.id), msg.still_jpeg)

    def _on_ack(self, ack: p.AckMsg) -> tuple[p.AckMsg, bool] | None:
        sent = self._sent.get(ack.id)
        if sent is None:
            # Another console's command (each audits its own), unless a lane refused a forgery: that is worth
            # a row in every console's log.
            if ack.status == "rejected" and ack.reason == "bad_signature":
                return ack, True
            return None
        if sent.status == "sent" or ack.status != "duplicate":   # a repeat keeps the first outcome
            sent.status, sent.reason, sent.t_ack = ack.status, ack.reason, self.clock()
        return ack, False

    # ----------------------------------------------------------------------------------------------- stills

    def _keep_still(self, key: tuple[str, int], jpeg: bytes) -> None:
        self._drop_still(key)
        self._stills[key] = jpeg
        self._still_bytes += len(jpeg)
        while self._stills and (len(self._stills) > self.max_stills or self._still_bytes > self.max_still_bytes):
            _, old = self._stills.popitem(last=False)
            self._still_bytes -= len(old)

    def _drop_still(self, key: tuple[str, int]) -> None:
        old = self._stills.pop(key, None)
        if old is not None:
            self._still_bytes -= len(old)

    def _forget_stills(self, lane: str) -> None:
        """Drop the stills of alerts no longer open at ``lane`` (a state message is the full list)."""
        open_ = self._alerts.get(lane, {})
        for key in [k for k in self._stills if k[0] == lane and k[1] not in open_]:
            self._drop_still(key)

    def close(self) -> None:
        """Detach every listener (the bus itself belongs to whoever started it)."""
        with self._lock:
            self._listeners.clear()

