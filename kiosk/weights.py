"""The lane's table of learned item weights: on disk, looked up for every scan, taught by every accepted placement.

The estimates and the learning rule are pure (``kiosk/security/weights.py``); this module keeps them. On a lane the
table lives in ``weights.db`` (SQLite, WAL) in the lane's data directory, on the data partition that survives image
updates; replays and benchmarks use it in memory. ``kiosk weights export`` writes it as JSON and ``kiosk weights
import`` reads such a file, so a store seeds a new lane from the others: an imported estimate replaces a local one
only when it carries more observations (or always, with ``replace``).
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.domain.item import Item
from kiosk.lane.settings import Settings
from kiosk.security import weights as w

FORMAT = "kiosk-weights/1"


class WeightsError(ValueError):
    """A weights file or table that cannot be read; the message says where and why."""


@dataclass(frozen=True)
class ImportSummary:
    added: int
    replaced: int
    kept: int


def _fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def decode(key: str, value: Any) -> w.WeightEstimate | w.CategoryEstimate:
    """One exported entry back into an estimate; raises WeightsError naming the key."""
    if not isinstance(value, dict):
        raise WeightsError(f"{key}: expected an object, got {type(value).__name__}")
    cls = w.WeightEstimate if key.startswith("sku:") else w.CategoryEstimate if key.startswith("cat:") else None
    if cls is None:
        raise WeightsError(f"{key}: keys start with 'sku:' or 'cat:'")
    unknown = set(value) - _fields(cls)
    if unknown:
        raise WeightsError(f"{key}: unknown field(s) {', '.join(sorted(unknown))}")
    for name, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
            raise WeightsError(f"{key}.{name}: must be a finite number, not {v!r}")
        if v < 0 and name not in ("log_mean",):
            raise WeightsError(f"{key}.{name}: must not be negative")
    try:
        est = cls(**value)
    except TypeError as exc:
        raise WeightsError(f"{key}: {exc}") from None
    if isinstance(est, w.WeightEstimate) and (est.mean_g <= 0 or est.n <= 0):
        raise WeightsError(f"{key}: mean_g and n must be greater than 0")
    if isinstance(est, w.WeightEstimate):
        counts = {name: getattr(est, name) for name in ("obs", "rejected", "confirmed")}
        for name, v in counts.items():
            if int(v) != v:
                raise WeightsError(f"{key}.{name}: must be a whole number")
        est = dataclasses.replace(est, **{name: int(v) for name, v in counts.items()})
    return est


def _evidence(est) -> float:
    return est.obs if isinstance(est, w.WeightEstimate) else est.log_n


class WeightBook:
    """Learned estimates by key (``sku:<sku>``, ``cat:<category>``); persistent when given a path."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else None
        self._mem: dict[str, w.WeightEstimate | w.CategoryEstimate] = {}
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("CREATE TABLE IF NOT EXISTS weights (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
                           "updated REAL NOT NULL)")
                for key, value in db.execute("SELECT key, value FROM weights"):
                    self._mem[key] = decode(key, json.loads(value))
            except (WeightsError, json.JSONDecodeError, sqlite3.DatabaseError) as exc:
                db.close()
                raise WeightsError(f"{self.path}: {exc} (move the file aside to start learning afresh)") from None
            self._db = db

    # ------------------------------------------------------------------------------------------------ lookups

    def article(self, sku: str) -> w.WeightEstimate | None:
        est = self._mem.get(w.sku_key(sku))
        return est if isinstance(est, w.WeightEstimate) else None

    def category(self, name: str | None) -> w.CategoryEstimate | None:
        if not name:
            return None
        est = self._mem.get(w.category_key(name))
        return est if isinstance(est, w.CategoryEstimate) else None

    def __len__(self) -> int:
        return len(self._mem)

    def keys(self) -> list[str]:
        return sorted(self._mem)

    def get(self, key: str):
        return self._mem.get(key)

    # ----------------------------------------------------------------------------------------------- learning

    def learn(self, item: Item, grams: float, settings: Settings, confirmed: bool = False) -> None:
        """One unit of ``item`` was accepted in the bagging area weighing ``grams`` (``confirmed`` by an attendant)."""
        cat = self.category(item.category)
        before = self.article(item.sku)
        start = before if before is not None else w.prior(item, cat, settings)
        if start is None:   # no catalog weight: the first placement is the estimate, its spread the category's
            cv = cat.cv if cat is not None and cat.cv_n >= settings.min_obs_to_reject else 0.1
            sd = max(grams * cv, settings.tolerance_floor_g / settings.tolerance_sigma)
            start = w.WeightEstimate(grams, sd * sd, settings.prior_n)
            after = w.WeightEstimate(grams, sd * sd, settings.prior_n + 1, obs=1, confirmed=int(confirmed))
        else:
            after = w.observe(start, grams, settings, confirmed)
        changes = {w.sku_key(item.sku): after}
        if item.category and after.obs > start.obs:
            changes[w.category_key(item.category)] = w.observe_category(cat, grams, before, settings)
        self._put(changes)

    # ------------------------------------------------------------------------------------------ export/import

    def export(self, keys=None) -> dict[str, Any]:
        """The table (or the given keys that exist) as a JSON-ready document."""
        chosen = sorted(self._mem) if keys is None else sorted(k for k in set(keys) if k in self._mem)
        return {"format": FORMAT, "estimates": {k: dataclasses.asdict(self._mem[k]) for k in chosen}}

    def load(self, document: Any, replace: bool = False) -> ImportSummary:
        """Merge an exported document: all of it or, when any entry is bad, nothing (WeightsError)."""
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise WeightsError(f"not a weights export (expected \"format\": \"{FORMAT}\")")
        entries = document.get("estimates")
        if not isinstance(entries, dict):
            raise WeightsError("'estimates' must be an object of key -> estimate")
        decoded = {key: decode(key, value) for key, value in entries.items()}
        added = replaced = kept = 0
        changes = {}
        for key, est in decoded.items():
            mine = self._mem.get(key)
            if mine is None:
                added += 1
            elif replace or _evidence(est) > _evidence(mine):
                replaced += 1
            else:
                kept += 1
                continue
            changes[key] = est
        self._put(changes)
        return ImportSummary(added, replaced, kept)

    def seed(self, entries: dict[str, Any]) -> None:
        """Set entries from an exported ``estimates`` object as they are (a scenario's ``learned`` line)."""
        self._put({key: decode(key, value) for key, value in entries.items()})

    # -------------------------------------------------------------------------------------------------- disk

    def _put(self, changes: dict) -> None:
        """Write ``changes`` to disk first, then to memory, so the two never disagree."""
        if not changes:
            return
        if self._db is not None:
            now = time.time()
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO weights (key, value, updated) VALUES (?, ?, ?)",
                                     [(k, json.dumps(dataclasses.asdict(v)), now) for k, v in changes.items()])
        self._mem.update(changes)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> "WeightBook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
