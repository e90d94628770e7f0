"""The attendant console's audit log: who signed in (or tried), who sent which command to which lane, what came of it.

One SQLite file on the console's disk (WAL, so the page can read while the hub writes). The lanes journal every
command they apply with the attendant's id; this log is the console's side of the story, and the only place that
sees failed sign-ins, lockouts and commands the console refused before they reached a lane. A PIN is never written
here, not even a wrong one: a failed sign-in records the attendant id that was typed and the remote address.

Rows are written from two threads (the console's asyncio loop for sign-ins and commands, the bus thread for acks),
so one connection is shared under a lock. Every write is a single small INSERT.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

#: The kinds of row. ``login_*`` and ``logout`` are sessions, ``command_*`` the console's commands, ``ack`` and
#: ``forged`` what the lanes answered (``forged``: a lane refused a command with a bad signature that this console
#: did not send, i.e. someone else reached the broker).
EVENTS = ("login_ok", "login_failed", "login_locked", "login_limited", "logout", "session_expired",
          "command_sent", "command_refused", "ack", "forged")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    t          REAL NOT NULL,
    event      TEXT NOT NULL,
    attendant  TEXT,
    role       TEXT,
    remote     TEXT,
    lane       TEXT,
    command    TEXT,
    target     TEXT,
    command_id TEXT,
    status     TEXT,
    detail     TEXT
);
CREATE INDEX IF NOT EXISTS audit_command ON audit (command_id);
"""

_COLUMNS = ("seq", "t", "event", "attendant", "role", "remote", "lane", "command", "target", "command_id", "status",
            "detail")


class ConsoleAudit:
    """The console's audit log on disk (``path``), or in memory with ``":memory:"`` for a throwaway console."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    # ------------------------------------------------------------------------------------------------ writing

    def record(self, event: str, *, attendant: str | None = None, role: str | None = None,
               remote: str | None = None, lane: str | None = None, command: str | None = None,
               target: str | None = None, command_id: str | None = None, status: str | None = None,
               detail: str = "") -> None:
        """Append one row. A failing disk is logged, never raised: the console keeps working without its log."""
        if event not in EVENTS:
            raise ValueError(f"unknown audit event {event!r}")
        row = (self.clock(), event, _short(attendant), _short(role), _short(remote), _short(lane), _short(command),
               _short(target), _short(command_id), _short(status), _short(detail, 500))
        try:
            with self._lock:
                self._db.execute("INSERT INTO audit (t, event, attendant, role, remote, lane, command, target, "
                                 "command_id, status, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?)", row)
        except sqlite3.Error as exc:
            log.error("console audit log: could not write a %s row: %s", event, exc)

    def login(self, outcome: str, attendant: str, remote: str | None, *, role: str | None = None,
              detail: str = "") -> None:
        """A sign-in attempt: ``ok``, ``failed``, ``locked`` (the attendant is locked out) or ``limited`` (the
        address made too many attempts). ``attendant`` is the id that was typed; the PIN is never passed here."""
        self.record(f"login_{outcome}", attendant=attendant, role=role, remote=remote, detail=detail)

    def logout(self, attendant: str, remote: str | None, *, expired: bool = False, role: str | None = None) -> None:
        self.record("session_expired" if expired else "logout", attendant=attendant, role=role, remote=remote)

    def command_sent(self, cmd, remote: str | None = None) -> None:
        """A signed command went out to a lane (``cmd`` is the protocol's CommandMsg)."""
        self.record("command_sent", attendant=cmd.attendant, role=cmd.role, remote=remote, lane=cmd.lane,
                    command=cmd.command, target=_target(cmd), command_id=cmd.id, status="sent")

    def command_refused(self, attendant: str, role: str, lane: str | None, command: str | None, reason: str,
                        remote: str | None = None) -> None:
        """The console refused a command before sending it (the role may not, or it was malformed)."""
        self.record("command_refused", attendant=attendant, role=role, remote=remote, lane=lane, command=command,
                    status="refused", detail=reason)

    def ack(self, ack, *, forged: bool = False) -> None:
        """What a lane did with a command (``ack`` is the protocol's AckMsg)."""
        self.record("forged" if forged else "ack", attendant=ack.attendant, lane=ack.lane, command=ack.command,
                    command_id=ack.id, status=ack.status, detail=ack.reason)

    # ------------------------------------------------------------------------------------------------ reading

    def recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest ``limit`` rows, newest first, as JSON-ready dicts (the supervisors' audit view)."""
        limit = max(1, min(int(limit), 1000))
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit ORDER BY seq DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [dict(zip(_COLUMNS, r)) for r in rows]

    def for_command(self, command_id: str) -> list[dict[str, Any]]:
        """Every row about one command (sent, then its ack or acks), oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit WHERE command_id = ? ORDER BY seq",
                                    (command_id,)).fetchall()
        return [dict(zip(_COLUMNS, r)) for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _target(cmd) -> str | None:
    """What a command is about, in one short text: the alert, the basket line, the argument."""
    parts = []
    if cmd.intervention is not None:
        parts.append(f"alert {cmd.intervention}")
    if cmd.line is not None:
        parts.append(f"line {cmd.line}")
    if cmd.arg:
        parts.append(f"arg {cmd.arg}")
    return ", ".join(parts) or None


def _short(text: Any, limit: int = 120) -> str | None:
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
