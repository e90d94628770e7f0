"""The printer's job ledger: which job ids were printed, and which were cut short and must go out again completely.

It is what makes ``print_job`` exactly-once across retries and restarts: a job id marked ``printed`` is never sent
again. ``sending`` is written before the first byte goes out, so a crash mid-job is found on restart and treated like
an interruption. Without a path the ledger lives in memory and lasts as long as the driver. With a path ending in
``.json`` it is a small JSON file, rewritten atomically (temp file, fsync, rename) on every mark and pruned to recent
jobs; any other path is an SQLite file (WAL, synchronous=FULL), which stays fast however many jobs it holds. Either
way a mark is on disk before the next byte goes to the printer.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from hal.printer.errors import BadPrinterOption

SENDING = "sending"            # bytes are (about to be) on the wire; a crash leaves this behind
PRINTED = "printed"            # the printer confirmed it: never send it again
INTERRUPTED = "interrupted"    # printing stopped (paper out, cover open...) and the rest was cleared: send all again
UNCERTAIN = "uncertain"        # the link died or no confirmation came: send all again, after clearing the printer

STATES = (SENDING, PRINTED, INTERRUPTED, UNCERTAIN)


class JobLedger:
    def __init__(self, path: str | None = None, *, keep_days: float = 90.0, max_jobs: int = 20000):
        self.path = path
        self.keep_s = keep_days * 86400
        self.max_jobs = max_jobs
        self._lock = threading.Lock()
        self._json: dict[str, list] | None = None      # job id -> [state, attempts, updated]
        self._db: sqlite3.Connection | None = None
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        if path and path.endswith(".json"):
            self._json = self._load_json(path)
            return
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, state TEXT NOT NULL, "
                         "attempts INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL)")
        # Ids are retried within minutes; months-old ones only make the file grow.
        self._db.execute("DELETE FROM jobs WHERE updated < ?", (time.time() - self.keep_s,))

    def _load_json(self, path: str) -> dict[str, list]:
        try:
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise BadPrinterOption(f"printer job ledger {path} is unreadable ({exc}); move it aside - without it, "
                             "receipts printed before could be printed again") from exc
        jobs = raw.get("jobs", {}) if isinstance(raw, dict) else {}
        return {str(k): list(v) for k, v in jobs.items() if isinstance(v, list) and len(v) == 3}

    def _save_json(self) -> None:
        cutoff = time.time() - self.keep_s
        recent = sorted(((v[2], k) for k, v in self._json.items() if v[2] >= cutoff), reverse=True)
        self._json = {k: self._json[k] for _, k in recent[:self.max_jobs]}
        tmp = f"{self.path}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "jobs": self._json}, f, separators=(",", ":"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def _row(self, job_id: str) -> tuple[str, int] | None:
        if self._json is not None:
            v = self._json.get(job_id)
            return (v[0], v[1]) if v else None
        return self._db.execute("SELECT state, attempts FROM jobs WHERE job_id = ?", (job_id,)).fetchone()

    def state(self, job_id: str) -> str | None:
        with self._lock:
            row = self._row(job_id)
        return row[0] if row else None

    def attempts(self, job_id: str) -> int:
        """How many times the job was sent to the printer."""
        with self._lock:
            row = self._row(job_id)
        return row[1] if row else 0

    def mark(self, job_id: str, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown job state {state!r}")
        bump = 1 if state == SENDING else 0
        now = time.time()
        with self._lock:
            if self._json is not None:
                old = self._json.get(job_id)
                self._json[job_id] = [state, (old[1] if old else 0) + bump, now]
                if self.path:
                    self._save_json()
                return
            self._db.execute("INSERT INTO jobs (job_id, state, attempts, updated) VALUES (?, ?, ?, ?) "
                             "ON CONFLICT(job_id) DO UPDATE SET state = excluded.state, "
                             "attempts = attempts + ?, updated = excluded.updated",
                             (job_id, state, bump, now, bump))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
