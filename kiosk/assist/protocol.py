"""The remote-assist protocol, version 1: lane state, alerts, attendant commands and acknowledgements as JSON.

Every message is one JSON object with ``"v": 1`` and a ``"type"``. Topics (MQTT, and the same strings on the
in-process bus) are ``kiosk/v1/<store>/<lane>/{state,alert,command,ack}``:

- ``state`` (lane -> consoles, retained, QoS 1): what the lane is doing now, with its open alerts in full, so a
  console that connects (or reconnects) sees the present at once. The lane's last will replaces it with
  ``online: false``.
- ``alert`` (lane -> consoles, QoS 1): an alert raised, updated (its camera still arrived) or resolved.
- ``command`` (console -> lane, QoS 1): an attendant's decision. ``id`` is unique per decision and makes the command
  idempotent: the lane applies it once however often it arrives. ``sig`` is an HMAC-SHA256 over the command's
  canonical form with the store's command key, so a client that can reach the broker but holds no console key
  cannot forge one.
- ``ack`` (lane -> consoles, QoS 1): what the lane did with a command: ``applied``, ``rejected`` (with a reason) or
  ``duplicate`` (already applied; the first outcome is repeated).

Decoding checks every field's type and bounds and raises :class:`BadMessage` with a short reason; a bad message
is dropped by whoever receives it, never half applied. This module is pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

VERSION = 1
PREFIX = f"kiosk/v{VERSION}"
KINDS = ("state", "alert", "command", "ack")

#: The commands a console may send (the lane's reducer knows them; ``restart`` is carried out by the lane's shell).
COMMANDS = ("approve", "verify_age", "reject_age", "void_line", "set_qty", "cancel", "audit_done", "close_lane",
            "open_lane", "reprint", "restart")
ACK_STATUSES = ("applied", "rejected", "duplicate")
LIGHTS = ("green", "amber", "red", "off")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")   # store and lane ids: safe in a topic and a file name
MAX_MESSAGE = 512 * 1024                                    # a state or an alert with its still stays well below


class BadMessage(ValueError):
    """A message that is not valid JSON of this protocol version; the text says what is wrong."""


def valid_name(name: str) -> bool:
    """True for a store or lane id that may appear in a topic (letters, digits, ``_ . -``; no MQTT wildcards)."""
    return isinstance(name, str) and bool(_NAME.match(name))


def topic(store: str, lane: str, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown topic kind {kind!r}")
    for what, name in (("store", store), ("lane", lane)):
        if not valid_name(name):
            raise ValueError(f"{what} id {name!r} is not usable in a topic")
    return f"{PREFIX}/{store}/{lane}/{kind}"


def subscription(store: str, kind: str, lane: str = "+") -> str:
    """The topic filter for ``kind`` messages of one lane, or of every lane of the store (``lane="+"``)."""
    return f"{PREFIX}/{store}/{lane}/{kind}"


def parse_topic(name: str) -> tuple[str, str, str]:
    """``(store, lane, kind)`` of a protocol topic; BadMessage for anything else."""
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != PREFIX or parts[4] not in KINDS \
            or not valid_name(parts[2]) or not valid_name(parts[3]):
        raise BadMessage(f"not a kiosk/v{VERSION} topic: {name[:120]!r}")
    return parts[2], parts[3], parts[4]


# ----------------------------------------------------------------------------------------------------- messages

@dataclass(frozen=True, slots=True)
class AlertInfo:
    """One alert of a lane: what happened and why, as the attendant needs it."""

    id: int                           # the lane's intervention id (unique per lane)
    kind: str                         # unexpected_item, age_check, rescan_audit, ...
    status: str                       # nudge, alerted, resolved
    t_raised: float
    t_alerted: float | None = None
    txn: int | None = None
    line: int | None = None
    item: str = ""
    sku: str | None = None
    expected_g: float | None = None
    measured_g: float | None = None
    detail: str = ""
    prompt: str = ""
    risk: float = 0.0
    reasons: tuple[str, ...] = ()
    t_resolved: float | None = None
    resolved_by: str | None = None
    resolution: str | None = None


@dataclass(frozen=True, slots=True)
class LineInfo:
    """A basket line as the console lists it (to void one)."""

    id: int
    name: str
    qty: int
    amount_cents: int
    kind: str = "item"                # item, deposit (voided with its item), voucher


@dataclass(frozen=True, slots=True)
class LaneStateMsg:
    store: str
    lane: str
    t: float
    seq: int = 0                      # grows with every state the lane publishes (a console keeps the newest)
    online: bool = True
    mode: str = "welcome"
    in_service: bool = True
    light: str = "green"
    txn: int | None = None
    items: int = 0
    total_cents: int = 0
    currency: str = "EUR"
    lang: str = "de"
    attendant: str | None = None      # who is signed in at the lane
    alerts: tuple[AlertInfo, ...] = ()   # the open ones
    lines: tuple[LineInfo, ...] = ()     # the active basket lines
    devices_down: tuple[str, ...] = ()
    version: str = ""
    type: str = field(default="state", init=False)


@dataclass(frozen=True, slots=True)
class AlertMsg:
    store: str
    lane: str
    t: float
    alert: AlertInfo
    event: str = "raised"             # raised, updated, resolved
    still_jpeg: bytes | None = None   # the camera still of the alert (base64 on the wire)
    type: str = field(default="alert", init=False)


@dataclass(frozen=True, slots=True)
class CommandMsg:
    store: str
    lane: str
    id: str                           # unique per decision (the console makes it): the idempotency key
    command: str
    attendant: str
    role: str
    t: float                          # when the console sent it (the lane refuses stale commands)
    intervention: int | None = None
    line: int | None = None
    arg: str | None = None
    sig: str = ""
    type: str = field(default="command", init=False)


@dataclass(frozen=True, slots=True)
class AckMsg:
    store: str
    lane: str
    id: str                           # the command's id
    command: str
    status: str                       # applied, rejected, duplicate
    t: float
    reason: str = ""
    attendant: str = ""
    type: str = field(default="ack", init=False)


Message = LaneStateMsg | AlertMsg | CommandMsg | AckMsg


# ------------------------------------------------------------------------------------------------------ signing

def _canonical(cmd: CommandMsg) -> bytes:
    body = {f.name: getattr(cmd, f.name) for f in fields(cmd) if f.name not in ("sig", "type")}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def sign(cmd: CommandMsg, key: bytes) -> CommandMsg:
    """The command with its ``sig`` set (HMAC-SHA256 of the canonical form, hex)."""
    return replace(cmd, sig=hmac.new(key, _canonical(cmd), hashlib.sha256).hexdigest())


def signature_ok(cmd: CommandMsg, key: bytes) -> bool:
    if not cmd.sig:
        return False
    return hmac.compare_digest(cmd.sig, hmac.new(key, _canonical(cmd), hashlib.sha256).hexdigest())


# ------------------------------------------------------------------------------------------------- to and from JSON

def encode(msg: Message) -> bytes:
    d = asdict(msg)
    d["v"] = VERSION
    if isinstance(msg, AlertMsg):
        d["still_jpeg"] = base64.b64encode(msg.still_jpeg).decode("ascii") if msg.still_jpeg else None
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def to_json(msg: Message) -> dict[str, Any]:
    """The message as a JSON-ready dict (what the console hands its browsers); the still is left out."""
    d = asdict(msg)
    d["v"] = VERSION
    if isinstance(msg, AlertMsg):
        d["still_jpeg"] = None
        d["has_still"] = msg.still_jpeg is not None
    return d


def decode(payload: bytes | str) -> Message:
    """The message in ``payload``; BadMessage when it is not a valid message of this version."""
    if len(payload) > MAX_MESSAGE:
        raise BadMessage(f"message of {len(payload)} bytes is too large")
    try:
        d = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if not isinstance(d, dict):
        raise BadMessage("not a JSON object")
    if d.get("v") != VERSION:
        raise BadMessage(f"protocol version {d.get('v')!r}, this lane speaks {VERSION}")
    kind = d.get("type")
    cls = _CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise BadMessage(f"unknown message type {kind!r}")
    msg = _build(cls, d)
    _check(msg)
    return msg


_CLASSES: dict[str, type] = {"state": LaneStateMsg, "alert": AlertMsg, "command": CommandMsg, "ack": AckMsg}
_TYPES: dict[str, tuple] = {
    "int": (int,), "float": (int, float), "str": (str,), "bool": (bool,),
}


def _value(ftype: str, v: Any, name: str) -> Any:
    optional = ftype.endswith("| None")
    base = ftype.removesuffix(" | None")
    if v is None:
        if optional:
            return None
        raise BadMessage(f"{name}: missing")
    if base in _TYPES:
        ok = isinstance(v, _TYPES[base]) and not (base != "bool" and isinstance(v, bool))
        if not ok:
            raise BadMessage(f"{name}: expected {base}, got {type(v).__name__}")
        if base == "float":
            v = float(v)
            if v != v or v in (float("inf"), float("-inf")):
                raise BadMessage(f"{name}: not a finite number")
        if base == "str" and len(v) > 4096:
            raise BadMessage(f"{name}: too long")
        return v
    if base == "tuple[str, ...]":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v) or len(v) > 256:
            raise BadMessage(f"{name}: expected a list of strings")
        return tuple(v)
    if base == "tuple[AlertInfo, ...]":
        if not isinstance(v, list) or len(v) > 256:
            raise BadMessage(f"{name}: expected a list of alerts")
        return tuple(_build(AlertInfo, x, name) for x in v)
    if base == "tuple[LineInfo, ...]":
        if not isinstance(v, list) or len(v) > 2000:
            raise BadMessage(f"{name}: expected a list of lines")
        return tuple(_build(LineInfo, x, name) for x in v)
    if base == "AlertInfo":
        return _build(AlertInfo, v, name)
    if base == "bytes":
        if not isinstance(v, str):
            raise BadMessage(f"{name}: expected base64 text")
        try:
            return base64.b64decode(v, validate=True)
        except ValueError:
            raise BadMessage(f"{name}: not base64") from None
    raise AssertionError(f"no decoder for {ftype}")   # pragma: no cover - a field type this module does not know


def _build(cls, d: Any, where: str = ""):
    if not isinstance(d, dict):
        raise BadMessage(f"{where or cls.__name__}: not an object")
    kwargs = {}
    for f in fields(cls):
        if not f.init:
            continue
        name = f"{where}.{f.name}" if where else f.name
        if f.name not in d:
            if f.default is not MISSING or f.default_factory is not MISSING:
                continue                  # an optional field a sender of an older minor revision leaves out
            raise BadMessage(f"{name}: missing")
        kwargs[f.name] = _value(str(f.type), d[f.name], name)
    return cls(**kwargs)


def _check(msg: Message) -> None:
    for what in ("store", "lane"):
        if not valid_name(getattr(msg, what)):
            raise BadMessage(f"{what}: {getattr(msg, what)!r} is not a valid id")
    if isinstance(msg, CommandMsg):
        if msg.command not in COMMANDS:
            raise BadMessage(f"command: unknown command {msg.command!r}")
        if not msg.id or len(msg.id) > 64:
            raise BadMessage("id: a command needs an id of 1 to 64 characters")
    elif isinstance(msg, AckMsg):
        if msg.status not in ACK_STATUSES:
            raise BadMessage(f"status: {msg.status!r} is not one of {', '.join(ACK_STATUSES)}")
    elif isinstance(msg, LaneStateMsg):
        if msg.light not in LIGHTS:
            raise BadMessage(f"light: {msg.light!r} is not one of {', '.join(LIGHTS)}")
