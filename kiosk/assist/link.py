"""The lane's end of the assist channel: its state and alerts out to the consoles, attendants' commands in.

The lane never depends on the channel to sell (DESIGN.md section 6). Everything here runs on the lane's own thread
(the asyncio loop of kiosk/app.py): the bus hands incoming commands over through ``post``, and the lane's effects
reach :meth:`LaneLink.after` right after the reducer made them. While the broker is away the bus queues what the
lane publishes; the alert also goes to the lane light and to whoever signs in at the lane, which the reducer does
anyway. When the broker is back the retained state tells every console the present.

A command is checked here before the reducer sees it, in this order, and answered with an ack either way:

1. it decodes as a protocol command for this store and lane (else it is dropped and logged: no ack, since nothing
   in it can be trusted);
2. its signature is valid with the store's command key (``bad_signature``: a client that reached the broker
   without being a console);
3. it was applied before (``duplicate``, with the first outcome repeated; the reducer also ignores a repeated id);
4. it is not stale (``expired``: sent more than ``max_age_s`` ago, say queued at the broker while the lane was off);
5. the attendant is one of this lane's attendants (``unknown_attendant``); their role is taken from the lane's own
   list, not from the message.

Then it is journaled as an ``AttendantCommand`` with the attendant's id and ``via="console"``, and the reducer
decides the rest (the alert it answers is still open, the role may do it): ``applied`` or ``rejected`` with the
reducer's reason.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Callable

from kiosk.assist import protocol as p
from kiosk.assist.bus import Bus
from kiosk.lane import effects as fx
from kiosk.lane.state import LaneState
from kiosk.stills import still_for

log = logging.getLogger(__name__)

#: How old a command may be when it reaches the lane (seconds, by the lane's clock against the console's).
MAX_AGE_S = 300.0
#: How many command outcomes the lane remembers to answer a repeated delivery with the first outcome.
REMEMBER = 1024
#: Stills larger than this are not sent over the bus (the attendant sees the alert without it).
MAX_STILL = 256 * 1024


def alert_info(iv, state: LaneState | None = None) -> p.AlertInfo:
    """The protocol's view of an intervention (kiosk/lane/state.py), named after its item where the lane knows it."""
    item = iv.item or _item_name(state, iv)
    return p.AlertInfo(id=iv.id, kind=iv.kind, status=iv.status, t_raised=iv.t_raised, t_alerted=iv.t_alerted,
                       txn=iv.txn, line=iv.line, item=item, sku=iv.sku, expected_g=iv.expected_g,
                       measured_g=iv.measured_g, detail=iv.detail, prompt=iv.prompt, risk=iv.risk,
                       reasons=tuple(iv.reasons), t_resolved=iv.t_resolved, resolved_by=iv.resolved_by,
                       resolution=iv.resolution)


def _item_name(state: LaneState | None, iv) -> str:
    """The basket line an intervention is about (its line, else the latest line of its article), for the attendant."""
    txn = state.txn if state is not None else None
    if txn is None:
        return ""
    line = txn.line(iv.line) if iv.line is not None else None
    if line is None and iv.sku:
        line = next((ln for ln in reversed(txn.lines) if ln.sku == iv.sku), None)
    return line.name if line is not None else ""


def state_message(state: LaneState, store: str, seq: int, version: str = "") -> p.LaneStateMsg:
    """What the consoles see of a lane: a pure function of the lane state."""
    txn = state.txn
    return p.LaneStateMsg(
        store=store, lane=state.lane_id, t=state.t, seq=seq, online=True, mode=state.mode,
        in_service=state.in_service, light=state.light, txn=txn.number if txn else None,
        items=txn.item_count if txn else 0, total_cents=txn.total_cents if txn else 0, lang=state.lang,
        attendant=state.attendant.attendant if state.attendant else None,
        alerts=tuple(alert_info(iv, state) for iv in state.open_interventions),
        lines=tuple(p.LineInfo(line.id, line.name, line.qty, line.amount_cents, line.kind)
                    for line in (txn.active_lines if txn else ())),
        devices_down=tuple(state.devices_down), version=version)


class LaneLink:
    """Connects one :class:`kiosk.runtime.LaneRuntime` to an assist bus."""

    def __init__(self, bus: Bus, runtime, *, store: str, command_key: bytes,
                 execute: Callable[[list], None], post: Callable[[Callable[[], None]], None],
                 stills_dir: Path | None = None, max_age_s: float = MAX_AGE_S, version: str = ""):
        self.bus = bus
        self.runtime = runtime
        self.store = store
        self.lane = runtime.config.lane_id
        self.key = command_key
        self.execute = execute
        self.post = post
        self.stills_dir = stills_dir
        self.max_age_s = max_age_s
        self.version = version
        self._published: p.LaneStateMsg | None = None
        self._outcomes: OrderedDict[str, p.AckMsg] = OrderedDict()
        self.counts = {"applied": 0, "rejected": 0, "duplicate": 0, "dropped": 0}

    def topic(self, kind: str) -> str:
        return p.topic(self.store, self.lane, kind)

    # ------------------------------------------------------------------------------------------------ outgoing

    def start(self) -> None:
        offline = p.LaneStateMsg(self.store, self.lane, 0.0, online=False, light="off", version=self.version)
        self.bus.set_will(self.topic("state"), p.encode(offline))
        self.bus.subscribe(self.topic("command"), self._arrived)
        # Every (re)connection publishes the present again: the broker may have lost its retained copy.
        self.bus.on_connection(lambda up: up and self.post(self.republish))
        self.bus.start()
        self.publish_state(force=True)

    def stop(self) -> None:
        """A clean stop: the lane says it is offline itself (a crash leaves that to the last will)."""
        offline = p.LaneStateMsg(self.store, self.lane, self.runtime.clock(), online=False, light="off",
                                 version=self.version)
        self.bus.publish(self.topic("state"), p.encode(offline), retain=True)
        self.bus.close()

    def republish(self) -> None:
        self.publish_state(force=True)

    def publish_state(self, force: bool = False) -> None:
        state = self.runtime.state
        msg = state_message(state, self.store, self.runtime.journal.last_seq, self.version)
        if not force and self._published is not None and _same(msg, self._published):
            return
        self._published = msg
        self.bus.publish(self.topic("state"), p.encode(msg), retain=True)

    def after(self, effects: list) -> None:
        """The lane applied an event: tell the consoles what changed (alerts first, then the state)."""
        for e in effects:
            if isinstance(e, fx.Alert):
                self._alert(e.intervention, "raised")
            elif isinstance(e, fx.AlertCleared):
                iv = self.runtime.state.intervention(e.intervention)
                if iv is not None:
                    self._alert(iv, "resolved")
        self.publish_state()

    def still_ready(self, iid: int) -> None:
        """The camera still of alert ``iid`` was saved: send the alert again with it."""
        iv = self.runtime.state.intervention(iid)
        if iv is None or self.stills_dir is None:
            return
        path = still_for(self.stills_dir, self.lane, iid)
        if path is None:
            return
        try:
            jpeg = path.read_bytes()
        except OSError as exc:
            log.warning("camera still of alert %d unreadable: %s", iid, exc)
            return
        if len(jpeg) > MAX_STILL:
            log.warning("camera still of alert %d is %d bytes: not sent to the console", iid, len(jpeg))
            return
        self._alert(iv, "updated", jpeg)

    def _alert(self, iv, event: str, still: bytes | None = None) -> None:
        msg = p.AlertMsg(self.store, self.lane, self.runtime.clock(), alert_info(iv, self.runtime.state), event,
                         still)
        self.bus.publish(self.topic("alert"), p.encode(msg))

    # ------------------------------------------------------------------------------------------------ incoming

    def _arrived(self, topic: str, payload: bytes) -> None:
        """On the bus's thread: hand the command to the lane's thread."""
        self.post(lambda: self.handle(payload))

    def handle(self, payload: bytes) -> p.AckMsg | None:
        """Check and apply one command (on the lane's thread); returns the ack sent, None for a dropped message."""
        try:
            cmd = p.decode(payload)
        except p.BadMessage as exc:
            self.counts["dropped"] += 1
            log.warning("assist: dropped a malformed command: %s", exc)
            return None
        if not isinstance(cmd, p.CommandMsg) or cmd.store != self.store or cmd.lane != self.lane:
            self.counts["dropped"] += 1
            log.warning("assist: dropped a %s message for %s/%s on the command topic of %s/%s",
                        getattr(cmd, "type", "?"), cmd.store, cmd.lane, self.store, self.lane)
            return None
        if not p.signature_ok(cmd, self.key):
            log.warning("assist: refused command %s (%s) with a bad signature, claiming attendant %r",
                        cmd.id, cmd.command, cmd.attendant)
            return self._ack(cmd, "rejected", "bad_signature", remember=False)
        first = self._outcomes.get(cmd.id)
        if first is not None:
            return self._ack(cmd, "duplicate", first.reason or first.status, remember=False)
        if cmd.id in self.runtime.state.recent_commands:     # applied before this process started
            return self._ack(cmd, "duplicate", "applied", remember=False)
        now = self.runtime.clock()
        if abs(now - cmd.t) > self.max_age_s:
            return self._ack(cmd, "rejected", "expired")
        who = self.runtime.attendants.get(cmd.attendant)
        if who is None:
            return self._ack(cmd, "rejected", "unknown_attendant")
        effects = self.runtime.command(cmd.command, line=cmd.line, intervention=cmd.intervention, arg=cmd.arg,
                                       command_id=cmd.id, attendant=who.id, role=who.role, via="console")
        refused = [e for e in effects if isinstance(e, fx.CommandRejected) and e.command_id == cmd.id]
        self.execute(effects)        # the alert resolved and the new state go out before the ack
        return self._ack(cmd, "rejected", refused[0].reason) if refused else self._ack(cmd, "applied")

    def _ack(self, cmd: p.CommandMsg, status: str, reason: str = "", remember: bool = True) -> p.AckMsg:
        ack = p.AckMsg(self.store, self.lane, cmd.id, cmd.command, status, self.runtime.clock(), reason,
                       cmd.attendant)
        if remember:
            self._outcomes[cmd.id] = ack
            while len(self._outcomes) > REMEMBER:
                self._outcomes.popitem(last=False)
        self.counts[status] += 1
        self.bus.publish(self.topic("ack"), p.encode(ack))
        return ack


def _same(a: p.LaneStateMsg, b: p.LaneStateMsg) -> bool:
    """Equal but for the time and sequence: nothing a console would show differently."""
    return replace(a, t=0.0, seq=0) == replace(b, t=0.0, seq=0)
