"""The lane's append-only event journal in SQLite: durable before the reducer sees an event, replayed after a crash.

One row per input event (``events``), written in its own transaction with ``journal_mode=WAL`` and
``synchronous=FULL``, so that once :meth:`Journal.append` returns, the event survives a power cut. Each row carries a
CRC32 over its sequence number, type and body: SQLite's own WAL checksums already reject a torn page, and ours catch
what SQLite cannot know about (a row written by a broken tool, a disk that returns garbage). A bad row and every row
after it are moved to ``quarantine`` (never deleted, for the technician) and the lane continues from the last good
event: a torn last write is dropped, never half-applied.

Snapshots of the lane state (``snapshots``) are a cache for speed: recovery starts from the newest snapshot whose
reducer version and CRC match and replays only the events after it; without one it replays from the start.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from kiosk.lane.events import EVENT_TYPES, Event
from kiosk.lane.plain import PlainError, from_plain, to_plain
from kiosk.lane.state import LaneState

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq   INTEGER PRIMARY KEY,
    t     REAL    NOT NULL,
    type  TEXT    NOT NULL,
    body  TEXT    NOT NULL,
    crc   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq     INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    body    TEXT    NOT NULL,
    crc     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    id        INTEGER PRIMARY KEY,
    seq       INTEGER,
    t         REAL,
    type      TEXT,
    body      TEXT,
    crc       INTEGER,
    reason    TEXT NOT NULL,
    moved_at  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class JournalError(RuntimeError):
    """The journal file cannot be used; the message names the file and what to do."""


def _crc(seq: int, type_: str, body: str) -> int:
    return zlib.crc32(f"{seq}\x1f{type_}\x1f{body}".encode("utf-8"))


def encode_event(event: Event) -> tuple[str, str]:
    """``(type, body)`` of an event as stored; the body is compact JSON without the type tag."""
    plain = to_plain(event)
    type_ = plain.pop("$")
    return type_, json.dumps(plain, ensure_ascii=False, separators=(",", ":"))


def decode_event(type_: str, body: str) -> Event:
    cls = EVENT_TYPES.get(type_)
    if cls is None:
        raise PlainError(f"unknown event type {type_!r}")
    return from_plain(cls, json.loads(body))


@dataclass
class Recovery:
    """What :meth:`Journal.recover` did, for the log and for ``kiosk journal show``."""

    state: LaneState
    last_seq: int
    from_snapshot: int = 0            # seq of the snapshot used (0: replayed from the start)
    replayed: int = 0
    quarantined: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Journal:
    """The journal of one lane. Not thread-safe: the lane's loop owns it."""

    def __init__(self, path: str | os.PathLike, *, durable: bool = True):
        self.path = Path(path)
        self.durable = durable
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal" and str(self.path) != ":memory:":
                raise JournalError(f"{self.path}: SQLite refused WAL mode ({mode}); is the file system read-only?")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'OFF'}")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"{self.path} is not a usable journal ({exc}). Move it aside (it is evidence: keep it) and restart "
                f"the lane to begin a new journal.") from None
        self._last_seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        self.appends = 0

    # --------------------------------------------------------------------------------------------------- writing

    @property
    def last_seq(self) -> int:
        return self._last_seq

    def append(self, event: Event) -> int:
        """Write one event durably and return its sequence number."""
        type_, body = encode_event(event)
        seq = self._last_seq + 1
        self._db.execute("INSERT INTO events(seq, t, type, body, crc) VALUES (?, ?, ?, ?, ?)",
                         (seq, float(event.t), type_, body, _crc(seq, type_, body)))
        self._last_seq = seq
        self.appends += 1
        return seq

    def snapshot(self, seq: int, state: LaneState, version: int) -> None:
        """Store the state after event ``seq``; older snapshots are kept only as a short history."""
        body = json.dumps(to_plain(state), ensure_ascii=False, separators=(",", ":"))
        crc = _crc(seq, f"snapshot{version}", body)
        with self._tx():
            self._db.execute("INSERT OR REPLACE INTO snapshots(seq, version, body, crc) VALUES (?, ?, ?, ?)",
                             (seq, version, body, crc))
            self._db.execute("DELETE FROM snapshots WHERE seq NOT IN "
                             "(SELECT seq FROM snapshots ORDER BY seq DESC LIMIT 3)")

    # --------------------------------------------------------------------------------------------------- reading

    def rows(self, after: int = 0, limit: int | None = None) -> Iterator[tuple[int, float, str, str, int]]:
        sql = "SELECT seq, t, type, body, crc FROM events WHERE seq > ? ORDER BY seq"
        args: tuple[Any, ...] = (after,)
        if limit is not None:
            sql += " LIMIT ?"
            args += (limit,)
        yield from self._db.execute(sql, args)

    def events(self, after: int = 0) -> Iterator[tuple[int, Event]]:
        """Verified events after ``after``; stops with :class:`JournalError` at the first bad row."""
        for seq, _t, type_, body, crc in self.rows(after):
            yield seq, self._verified(seq, type_, body, crc)

    @staticmethod
    def _verified(seq: int, type_: str, body: str, crc: int) -> Event:
        if _crc(seq, type_, body) != crc:
            raise _BadRow(seq, "checksum mismatch (torn or altered write)")
        try:
            return decode_event(type_, body)
        except (PlainError, ValueError, TypeError) as exc:
            raise _BadRow(seq, f"cannot decode: {exc}") from None

    def quarantined(self) -> list[tuple[int, int, str, str]]:
        return list(self._db.execute("SELECT id, seq, type, reason FROM quarantine ORDER BY id"))

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    # -------------------------------------------------------------------------------------------------- recovery

    def recover(self, initial: LaneState, reduce: Callable[[LaneState, Event], tuple[LaneState, list]],
                version: int, repair: bool = True) -> Recovery:
        """Rebuild the lane state: newest usable snapshot, then every verified event after it.

        With ``repair`` (a lane starting) a bad row and all after it are set aside; without it (a technician
        looking) the journal is left as it is and the state is the one up to the bad row.
        """
        started = time.perf_counter()
        state, snap_seq = initial, 0
        for seq, ver, body, crc in self._db.execute(
                "SELECT seq, version, body, crc FROM snapshots ORDER BY seq DESC"):
            if ver != version or crc != _crc(seq, f"snapshot{ver}", body) or seq > self._last_seq:
                continue
            try:
                state, snap_seq = from_plain(LaneState, json.loads(body)), seq
                break
            except (PlainError, ValueError, TypeError) as exc:
                log.warning("snapshot %d unusable (%s); trying an older one", seq, exc)
        rec = Recovery(state, snap_seq, from_snapshot=snap_seq)
        try:
            for seq, event in self.events(snap_seq):
                state, _ = reduce(state, event)
                rec.replayed += 1
                rec.last_seq = seq
        except _BadRow as bad:
            if repair:
                rec.quarantined = self._quarantine_from(bad.seq, bad.reason)
                rec.last_seq = self._last_seq
            else:
                rec.quarantined = [f"row {bad.seq}: {bad.reason} (not yet set aside)"]
        rec.state = state
        rec.seconds = time.perf_counter() - started
        return rec

    def _quarantine_from(self, seq: int, reason: str) -> list[str]:
        """Move row ``seq`` and everything after it out of the replayed journal (nothing is deleted)."""
        now = time.time()
        notes = []
        with self._tx():
            rows = list(self._db.execute("SELECT seq, t, type, body, crc FROM events WHERE seq >= ? ORDER BY seq",
                                         (seq,)))
            for r in rows:
                why = reason if r[0] == seq else f"follows bad row {seq}"
                self._db.execute("INSERT INTO quarantine(seq, t, type, body, crc, reason, moved_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)", (*r, why, now))
                notes.append(f"row {r[0]} ({r[2]}): {why}")
            self._db.execute("DELETE FROM events WHERE seq >= ?", (seq,))
            self._db.execute("DELETE FROM snapshots WHERE seq >= ?", (seq,))
        self._last_seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        log.error("journal %s: set aside %d row(s) from %d on: %s", self.path, len(rows), seq, reason)
        return notes

    # -------------------------------------------------------------------------------------------------- plumbing

    def _tx(self):
        db = self._db

        class _Tx:
            def __enter__(self):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self, exc_type, exc, tb):
                db.execute("COMMIT" if exc_type is None else "ROLLBACK")
                return False

        return _Tx()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None  # type: ignore[assignment]

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _BadRow(Exception):
    def __init__(self, seq: int, reason: str):
        super().__init__(f"row {seq}: {reason}")
        self.seq = seq
        self.reason = reason
