"""The lane's catalog on disk: one SQLite file, imported all-or-nothing, looked up on every scan.

A technician imports a CSV or JSON export; every row is checked by the pure rules of ``kiosk.domain.catalog`` while
it streams into one write transaction, and the transaction commits only if the whole file is good. So a lane never
sells from half a catalog: a lane process reading through its own connection (WAL mode) sees the old catalog until
the commit and the new one after it. sqlite-utils creates the schema (and is what a technician's ad-hoc queries use);
the scan path is one cached prepared statement on a plain ``sqlite3`` connection.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import itertools
import json
import os
import logging
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator

import sqlite_utils

from kiosk.domain.catalog import (
    RowError,
    RowValidator,
    ValidationReport,
    check_header,
    fold_text,
    header_lacks_required,
    normalise_column,
)
from kiosk.domain.barcodes import GERMAN_LAYOUTS, classify
from kiosk.domain.codes import GtinCode, InstoreCode, ScanRejected
from kiosk.domain.item import LANGUAGES, Item

SCHEMA_VERSION = "1"
MAX_KEPT_ERRORS = 10_000    # a file that is wrong everywhere still yields a report of bounded size
_BATCH = 5_000

_ITEM_COLUMNS = (
    "sku", "name", "price_cents", "vat_bp", "gtins", "name_de", "name_en", "name_nl", "weight_g",
    "weight_tolerance_g", "min_age", "deposit_cents", "flags", "plu", "image", "category",
)
_FOLD_COLUMNS = ("fold_de", "fold_en", "fold_nl")
_SELECT = "SELECT " + ", ".join(f"i.{c}" for c in _ITEM_COLUMNS) + " FROM items i"
_SQL_BY_GTIN = _SELECT + " JOIN gtins g ON g.sku = i.sku WHERE g.gtin = ?"
_SQL_BY_PLU = _SELECT + " WHERE i.plu = ? LIMIT 1"
_SQL_BY_SKU = _SELECT + " WHERE i.sku = ?"
_SQL_INSERT_ITEM = (
    f"INSERT INTO items ({', '.join(_ITEM_COLUMNS + _FOLD_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_ITEM_COLUMNS + _FOLD_COLUMNS))})"
)
_SQL_UPSERT_ITEM = _SQL_INSERT_ITEM + " ON CONFLICT(sku) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _ITEM_COLUMNS[1:] + _FOLD_COLUMNS
)
# Secondary indexes: dropped before a full replace and built again after the bulk insert, which is much faster.
_INDEXES = (
    ("idx_items_plu", "items", ("plu",)),
    ("idx_items_category", "items", ("category", "fold_de")),
    ("idx_gtins_sku", "gtins", ("sku",)),
)


log = logging.getLogger(__name__)


class CatalogError(Exception):
    """The catalog database cannot be opened or used; the message names the file and what to do."""


class CatalogImportError(CatalogError, ValueError):
    """A catalog file was refused as a whole; ``report`` lists every bad row and why. Nothing was imported."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.summary(max_lines=20))
        self.report = report


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import, for the technician's terminal and for the logs."""

    validation: ValidationReport
    imported: int = 0          # items written (0 whenever anything was wrong)
    replaced: bool = True      # True: the file replaced the catalog; False: merged by sku
    total: int = 0             # items in the catalog after the import
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.validation.ok

    def summary(self, max_lines: int = 200) -> str:
        source = self.validation.source or "the file"
        if not self.ok:
            head = f"NOTHING WAS IMPORTED: {source} has errors; the catalog is unchanged."
        elif self.replaced:
            head = (f"Imported {self.imported} items from {source} in {self.seconds:.1f} s; "
                    f"they replace the previous catalog.")
        else:
            head = (f"Merged {self.imported} items from {source} in {self.seconds:.1f} s; "
                    f"the catalog now has {self.total} items.")
        return head + "\n" + self.validation.summary(max_lines=max_lines)


def _row_to_item(r: tuple) -> Item:
    """A row of ``_SELECT`` -> Item; positional because the columns are in Item's field order (and it is faster)."""
    return Item(
        r[0], r[1], r[2], r[3], tuple(r[4].split("|")) if r[4] else (), r[5], r[6], r[7], r[8], r[9], r[10], r[11],
        tuple(r[12].split("|")) if r[12] else (), r[13], r[14], r[15],
    )


def _folds(item: Item) -> tuple[str, str | None, str | None]:
    """Search keys per language; German also finds the default name. ``None``: same as German (saves space)."""
    name = item.name
    de = item.name_de
    fold_de = fold_text(name if de is None or de == name else f"{de}\n{name}")
    fold_en = None if item.name_en is None else fold_text(item.name_en)
    fold_nl = None if item.name_nl is None else fold_text(item.name_nl)
    return fold_de, fold_en, fold_nl


def _fold_column(lang: str) -> str:
    return f"coalesce(i.fold_{lang}, i.fold_de)" if lang in ("en", "nl") else "i.fold_de"


def _item_row(item: Item) -> tuple:
    return (
        item.sku, item.name, item.price_cents, item.vat_bp, "|".join(item.gtins) or None, item.name_de,
        item.name_en, item.name_nl, item.weight_g, item.weight_tolerance_g, item.min_age, item.deposit_cents,
        "|".join(item.flags) or None, item.plu, item.image, item.category, *_folds(item),
    )


# --- reading files --------------------------------------------------------------------------------------------------

Checked = Iterator[tuple[int, "Item | list[RowError]"]]


def _sniff_delimiter(header_line: str) -> str:
    """German Excel writes ``;``, most tools ``,``; a few ``\\t``. The header line decides."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def _not_utf8(path: Path) -> RowError:
    """Where a file stops being UTF-8 (found only after decoding failed, so the good path never pays for it)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                line += chunk.count(b"\n", 0, max(e.start, 0))
                break
            line += chunk.count(b"\n")
    return RowError(0, None, None, f"is not UTF-8 text (line {line}, probably saved by Excel as plain \"CSV\"): "
                                   "save it as \"CSV UTF-8\" and import again")


def _read_csv(path: Path, validator: RowValidator) -> tuple[list[RowError], bool, Checked]:
    f = open(path, encoding="utf-8-sig", newline="")
    try:
        first = f.readline()
    except UnicodeDecodeError:
        f.close()
        return [_not_utf8(path)], False, iter(())
    reader = csv.reader(itertools.chain([first], f), delimiter=_sniff_delimiter(first))
    header = next(reader, None)
    if header is None or _blank(header):
        f.close()
        return [RowError(0, None, None, "is empty: expected a header line with sku, gtin, name, price, vat")], \
            False, iter(())
    columns = [normalise_column(c) for c in header]
    header_errors = check_header(header, row=1)
    width = len(columns)
    unnamed = [i for i, c in enumerate(columns) if not c]
    several_unnamed = len(unnamed) > 1  # all must be empty, but a dict keeps only the last one's cell

    def rows() -> Checked:
        check = validator.check
        row_no = 1
        try:
            for row_no, cells in enumerate(reader, start=2):
                if len(cells) == width and any(cells):
                    row = dict(zip(columns, cells))
                elif _blank(cells):
                    continue  # spreadsheets like to end with ";;;;" lines
                else:
                    row = dict(zip(columns, cells))
                    if len(cells) > width:
                        row[None] = cells[width:]  # type: ignore[index]
                if several_unnamed:
                    row[""] = " ".join(cells[i] for i in unnamed if i < len(cells)).strip()
                yield row_no, check(row, row_no)
        except UnicodeDecodeError:
            yield row_no + 1, [_not_utf8(path)]
        except csv.Error as e:
            yield row_no + 1, [RowError(row_no + 1, None, None, f"cannot be read as CSV: {e}")]
        finally:
            f.close()

    return header_errors, not header_lacks_required(header_errors), rows()


def _read_json(path: Path, validator: RowValidator) -> tuple[list[RowError], bool, Checked]:
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f, parse_float=Decimal)  # never a float near money
    except UnicodeDecodeError:
        return [_not_utf8(path)], False, iter(())
    except json.JSONDecodeError as e:
        return [RowError(0, None, None, f"is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}")], \
            False, iter(())
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        return [RowError(0, None, None, "is neither a JSON array of items nor an object with an \"items\" array")], \
            False, iter(())
    seen: set[str] = set()
    header_errors: list[RowError] = []
    for row_no, obj in enumerate(data, start=1):
        if isinstance(obj, dict):
            new = [k for k in obj if normalise_column(k) not in seen]
            if new:
                header_errors.extend(check_header(new, row=row_no, require=False))
                seen.update(normalise_column(k) for k in new)

    def rows() -> Checked:
        check = validator.check
        for row_no, obj in enumerate(data, start=1):
            if not isinstance(obj, dict):
                yield row_no, [RowError(row_no, None, None, "is not an object with sku, gtin, name, price, vat")]
                continue
            yield row_no, check({normalise_column(k): v for k, v in obj.items()}, row_no)

    return header_errors, True, rows()


# --- the catalog ----------------------------------------------------------------------------------------------------


class Catalog:
    """The lane's item catalog in one SQLite file. Use :meth:`open`; one instance per thread."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._closed = False

    # lifecycle

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Catalog:
        """Open (and create, if missing) the catalog at ``path``."""
        memory = str(path) == ":memory:"
        path = Path(path)
        if not memory:
            if path.is_dir():
                raise CatalogError(f"{path} is a directory, not a catalog database file")
            if not path.parent.is_dir():
                raise CatalogError(f"cannot create the catalog {path}: the directory {path.parent} does not exist")
        try:
            conn = sqlite3.connect(":memory:" if memory else path, isolation_level=None, timeout=10.0,
                                   cached_statements=64)
        except sqlite3.Error as e:
            raise CatalogError(f"cannot open the catalog {path}: {e}") from None
        try:
            # 8 KiB pages: a catalog row is a few hundred bytes; measured 15 % faster bulk imports than 4 KiB.
            # Takes effect only when the file is created.
            conn.execute("PRAGMA page_size = 8192")
            conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL is enough here (unlike the journal): a power cut can at worst lose the last import, which the
            # technician repeats; it can never leave half of one.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA journal_size_limit = 67108864")  # a big import must not leave a 300 MB WAL behind
            cls._ensure_schema(conn, path)
        except sqlite3.DatabaseError as e:
            conn.close()
            if "not a database" in str(e) or "malformed" in str(e):
                raise CatalogError(
                    f"{path} is not a SQLite catalog database ({e}); pass another --db path or move the file away"
                ) from None
            raise CatalogError(f"cannot use the catalog {path}: {e}") from None
        except CatalogError:
            conn.close()
            raise
        return cls(conn, path)

    @staticmethod
    def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
        db = sqlite_utils.Database(conn, execute_plugins=False, recursive_triggers=False)
        tables = set(db.table_names())
        if "meta" in tables:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is not None and row[0] != SCHEMA_VERSION:
                raise CatalogError(f"{path} has catalog schema {row[0]}, this program reads {SCHEMA_VERSION}: "
                                   "import the catalog into a new file")
        elif tables and "items" not in tables:
            raise CatalogError(f"{path} is a SQLite database but not a catalog (tables: {', '.join(sorted(tables))})")
        if {"items", "gtins", "meta"} <= tables:
            return
        with db.atomic():
            db["items"].create(
                {
                    "sku": str, "name": str, "price_cents": int, "vat_bp": int, "gtins": str,
                    "name_de": str, "name_en": str, "name_nl": str, "weight_g": float, "weight_tolerance_g": float,
                    "min_age": int, "deposit_cents": int, "flags": str, "plu": str, "image": str, "category": str,
                    "fold_de": str, "fold_en": str, "fold_nl": str,
                },
                pk="sku",
                not_null={"name", "price_cents", "vat_bp", "min_age", "deposit_cents", "fold_de"},
                defaults={"min_age": 0, "deposit_cents": 0},
                if_not_exists=True,
            )
            # One small row per GTIN, looked up by its key on every scan: a WITHOUT ROWID table is one b-tree
            # instead of a table plus an index (sqlite-utils cannot declare that, hence the SQL).
            db.execute("CREATE TABLE IF NOT EXISTS gtins (gtin TEXT PRIMARY KEY, sku TEXT NOT NULL "
                       "REFERENCES items(sku)) WITHOUT ROWID")
            for name, table, columns in _INDEXES:
                db[table].create_index(columns, index_name=name, if_not_exists=True)
            db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
            db["meta"].upsert({"key": "schema_version", "value": SCHEMA_VERSION}, pk="key")

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        if not self._closed:
            self._closed = True
            self._conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the scan path

    def lookup_gtin(self, gtin14: str) -> Item | None:
        """The item a scanned GTIN belongs to (GTIN-14; shorter ones are left-padded), or ``None``."""
        if len(gtin14) != 14:
            gtin14 = gtin14.zfill(14)
        r = self._conn.execute(_SQL_BY_GTIN, (gtin14,)).fetchone()
        return None if r is None else _row_to_item(r)

    def lookup_plu(self, plu: str) -> Item | None:
        """The item with this PLU (exactly as written, leading zeros count: ``0815`` is not ``815``), or ``None``."""
        r = self._conn.execute(_SQL_BY_PLU, (plu,)).fetchone()
        return None if r is None else _row_to_item(r)

    def get(self, sku: str) -> Item | None:
        r = self._conn.execute(_SQL_BY_SKU, (sku,)).fetchone()
        return None if r is None else _row_to_item(r)

    # the look-up screen

    def search(self, text: str, lang: str = "de", limit: int = 20) -> list[Item]:
        """Items whose name contains ``text`` (any case, umlauts or not), best matches first.

        Names in every language match; the order is: name in ``lang`` starts with the text, a word of it starts with
        the text, it contains the text, only another language's name contains it; then alphabetically.
        """
        needle = fold_text(text.strip())
        if not needle or limit <= 0:
            return []
        col = _fold_column(lang)
        sql = (
            f"{_SELECT} WHERE instr(i.fold_de, :q) OR instr(i.fold_en, :q) OR instr(i.fold_nl, :q) "
            f"ORDER BY CASE WHEN instr({col}, :q) = 1 THEN 0 "
            f"WHEN instr(' ' || {col}, ' ' || :q) THEN 1 WHEN instr({col}, :q) THEN 2 ELSE 3 END, "
            f"{col}, i.sku LIMIT :limit"
        )
        return [_row_to_item(r) for r in self._conn.execute(sql, {"q": needle, "limit": limit})]

    def categories(self) -> list[str]:
        rows = self._conn.execute("SELECT DISTINCT category FROM items WHERE category IS NOT NULL").fetchall()
        return sorted((r[0] for r in rows), key=lambda c: (fold_text(c), c))

    def items_by_category(self, category: str, limit: int = 100, lang: str = "de") -> list[Item]:
        sql = f"{_SELECT} WHERE i.category = ? ORDER BY {_fold_column(lang)}, i.sku LIMIT ?"
        return [_row_to_item(r) for r in self._conn.execute(sql, (category, limit))]

    def category_counts(self) -> list[tuple[str | None, int]]:
        """``(category, number of items)`` for the technician; items without a category last as ``None``."""
        rows = self._conn.execute("SELECT category, count(*) FROM items GROUP BY category").fetchall()
        return sorted(rows, key=lambda r: (r[0] is None, fold_text(r[0] or ""), r[0] or ""))

    def count(self) -> int:
        return self._conn.execute("SELECT count(*) FROM items").fetchone()[0]

    def meta(self) -> dict[str, str]:
        """What the last import recorded: ``imported_at``, ``source``, ``rows``, ``mode``, ``schema_version``."""
        return dict(self._conn.execute("SELECT key, value FROM meta").fetchall())

    # importing

    def import_file(self, path: str | os.PathLike[str], *, replace: bool = True,
                    now: datetime | None = None) -> ImportReport:
        """Import a ``.csv`` or ``.json`` catalog, all or nothing.

        ``replace=True``: the file becomes the whole catalog, in one transaction. ``replace=False``: its rows are
        upserted by sku and the rest of the catalog stays. Raises :class:`CatalogImportError` (with the report)
        if the file or any row is bad; then nothing has changed.
        """
        path = Path(path)
        if not path.is_file():
            raise CatalogError(f"catalog file {path} {'is not a file' if path.exists() else 'does not exist'}")
        validator = RowValidator()
        reader = _read_json if path.suffix.lower() == ".json" else _read_csv
        header_errors, rows_readable, rows = reader(path, validator)
        extra_meta = {"source_path": str(path.resolve()), "source_mtime_ns": str(path.stat().st_mtime_ns)}
        return self._import(rows if rows_readable else iter(()), header_errors, rows_readable, path.name,
                            replace, now, extra_meta)

    def import_items(self, items: Iterable[Item], *, replace: bool = True, source: str = "items",
                     now: datetime | None = None) -> ImportReport:
        """Import items that exist already (tests, benchmarks, a merchandise system's API), all or nothing.

        An :class:`Item` is taken as valid on its own; the checks across rows (a sku, GTIN or PLU used twice) and
        the merge conflicts apply as for a file, with the item's 1-based position as its row number.
        """
        validator = RowValidator()
        rows = ((n, validator.check_item(item, n)) for n, item in enumerate(items, start=1))
        return self._import(rows, [], True, source, replace, now, {"source_path": "", "source_mtime_ns": ""})

    def _import(self, rows: Checked, header_errors: list[RowError], rows_checked: bool, source: str,
                replace: bool, now: datetime | None, extra_meta: dict[str, str]) -> ImportReport:
        started = time.perf_counter()
        errors = list(header_errors)
        dropped = 0
        n_rows = n_ok = 0
        conn = self._conn
        batch: list[tuple] = []
        gtin_batch: list[tuple[str, str, int]] = []
        writing = not errors

        def flush() -> None:
            # GTINs wait in a temporary table: inserted in GTIN order at the end, the b-tree is built by appending,
            # and a merge can look for conflicts only after every row of the file has released its old GTINs.
            if replace:
                conn.executemany(_SQL_INSERT_ITEM, batch)
            else:
                conn.executemany(_SQL_UPSERT_ITEM, batch)
                conn.executemany("DELETE FROM gtins WHERE sku = ?", [(row[0],) for row in batch])
                conn.executemany("INSERT INTO temp.merged_skus (sku, row_no) VALUES (?, ?)", batch_rows)
            conn.executemany("INSERT INTO temp.merged (gtin, sku, row_no) VALUES (?, ?, ?)", gtin_batch)
            batch.clear()
            gtin_batch.clear()
            batch_rows.clear()

        batch_rows: list[tuple[str, int]] = []
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while importing; the primary-key indexes grow in it
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS merged (gtin TEXT, sku TEXT, row_no INTEGER)")
            conn.execute("DELETE FROM temp.merged")
            if replace:
                for name, _table, _columns in _INDEXES:
                    conn.execute(f"DROP INDEX IF EXISTS {name}")
                conn.execute("DELETE FROM gtins")
                conn.execute("DELETE FROM items")
            else:
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS merged_skus (sku TEXT PRIMARY KEY, row_no INTEGER)")
                conn.execute("DELETE FROM temp.merged_skus")
            for row_no, result in rows:
                n_rows += 1
                if type(result) is Item:
                    n_ok += 1
                    if writing:
                        batch.append(_item_row(result))
                        if not replace:
                            batch_rows.append((result.sku, row_no))
                        for g in result.gtins:
                            gtin_batch.append((g, result.sku, row_no))
                        if len(batch) >= _BATCH:
                            flush()
                else:
                    writing = False
                    room = MAX_KEPT_ERRORS - len(errors)
                    errors.extend(result[:max(room, 0)])
                    dropped += max(0, len(result) - max(room, 0))
            if writing:
                flush()
                if not replace:
                    errors.extend(self._merge_conflicts())
            if errors or dropped:
                conn.execute("ROLLBACK")
                report = ValidationReport(rows=n_rows, items_ok=n_ok, errors=errors, source=source,
                                          errors_not_kept=dropped, rows_checked=rows_checked)
                raise CatalogImportError(ImportReport(report, replaced=replace))
            conn.execute("INSERT INTO gtins (gtin, sku) SELECT gtin, sku FROM temp.merged ORDER BY gtin")
            for name, table, columns in _INDEXES:
                conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(columns)})")
            total = conn.execute("SELECT count(*) FROM items").fetchone()[0]
            stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [("imported_at", stamp), ("source", source), ("rows", str(total)),
                 ("mode", "replace" if replace else "merge"), ("schema_version", SCHEMA_VERSION),
                 *extra_meta.items()],
            )
            conn.execute("COMMIT")
        except CatalogImportError:
            raise
        except sqlite3.Error as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise CatalogError(f"importing {source} into {self.path} failed, nothing was imported: {e}") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("PRAGMA cache_size = -8192")
            conn.execute("DROP TABLE IF EXISTS temp.merged")
            conn.execute("DROP TABLE IF EXISTS temp.merged_skus")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        report = ValidationReport(rows=n_rows, items_ok=n_ok, errors=[], source=source)
        return ImportReport(report, imported=n_ok, replaced=replace, total=total,
                            seconds=time.perf_counter() - started)

    def _merge_conflicts(self) -> list[RowError]:
        """A merged row must not take a GTIN or PLU that an item outside the file keeps."""
        errors = []
        for gtin, row_no, other in self._conn.execute(
            "SELECT m.gtin, m.row_no, g.sku FROM temp.merged m JOIN gtins g ON g.gtin = m.gtin ORDER BY m.row_no"
        ):
            shown = gtin[1:] if gtin[0] == "0" else gtin
            errors.append(RowError(row_no, "gtin", shown, f"already belongs to sku {other}, which is not in this file"))
        for plu, row_no, other in self._conn.execute(
            "SELECT i.plu, s.row_no, o.sku FROM temp.merged_skus s JOIN items i ON i.sku = s.sku "
            "JOIN items o ON o.plu = i.plu AND o.sku != i.sku "
            "WHERE i.plu IS NOT NULL AND o.sku NOT IN (SELECT sku FROM temp.merged_skus) ORDER BY s.row_no"
        ):
            errors.append(RowError(row_no, "plu", plu, f"already belongs to sku {other}, which is not in this file"))
        return errors


# --- for the lane and the replay tool -------------------------------------------------------------------------------


def ensure_catalog(config) -> Catalog:
    """The lane's catalog (``config.catalog_db``), first (re)imported from ``config.catalog_seed`` if that is set and
    the database is empty or was last imported from another file or another version of it (size/mtime changed).

    A bad seed leaves the database as it was: if it holds a catalog, the lane keeps selling with it and the report
    is logged (a technician's bad export must not close the lane); if it is empty, :class:`CatalogImportError`.
    """
    catalog = Catalog.open(config.catalog_db)
    try:
        seed = getattr(config, "catalog_seed", None)
        if seed is not None:
            seed = Path(seed)
            if not seed.is_file():
                raise CatalogError(f"the catalog seed {seed} named in the lane config does not exist")
            meta = catalog.meta()
            stale = (
                catalog.count() == 0
                or meta.get("source_path") != str(seed.resolve())
                or meta.get("source_mtime_ns") != str(seed.stat().st_mtime_ns)
            )
            if stale:
                try:
                    catalog.import_file(seed, replace=True)
                except CatalogImportError as exc:
                    if catalog.count() == 0:
                        raise
                    log.error("catalog seed %s not imported, selling with the previous catalog (%d items):\n%s",
                              seed, catalog.count(), exc.report.summary())
    except BaseException:
        catalog.close()
        raise
    return catalog


def open_for_replay(path: Path | None, config) -> Catalog:
    """The catalog a scenario replay prices with, never the lane's live database unless asked for.

    ``path`` may be a ``.csv`` or ``.json`` catalog (imported into memory), or a catalog database (opened as is).
    Without ``path``: the config's seed file in memory if it has one, else the config's database.
    """
    if path is None:
        seed = getattr(config, "catalog_seed", None)
        if seed is None:
            return Catalog.open(config.catalog_db)
        path = Path(seed)
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"catalog {path} does not exist")
    if path.suffix.lower() in (".csv", ".json", ".tsv", ".txt"):
        catalog = Catalog.open(":memory:")
        try:
            catalog.import_file(path)
        except BaseException:
            catalog.close()
            raise
        return catalog
    return Catalog.open(path)


# --- command line ---------------------------------------------------------------------------------------------------


def register_cli(subparsers: argparse._SubParsersAction,
                 default_db: str | os.PathLike[str] | Callable[[], str | os.PathLike[str]],
                 layouts: Callable[[], tuple] | None = None) -> None:
    """Add ``catalog import|lookup|stats``; each handler takes the parsed args and returns the exit code.

    ``default_db`` is the database used without ``--db``: a path, or a function that finds it (called only when
    needed, so that ``--db`` works even where the lane config cannot be loaded).
    """
    p = subparsers.add_parser("catalog", help="import and inspect the item catalog",
                              description="Import and inspect the lane's item catalog.")
    sub = p.add_subparsers(dest="catalog_command", metavar="COMMAND", required=True)

    shown = "the lane config's catalog database" if callable(default_db) else str(default_db)

    def db_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", default=None, metavar="PATH", help=f"catalog database (default: {shown})")
        sp.set_defaults(catalog_default_db=default_db)

    imp = sub.add_parser("import", help="import a CSV or JSON catalog, all or nothing",
                         description="Check every row of FILE and import it only if all rows are good. "
                                     "Exit code 0: imported; 2: nothing imported, the report says why.")
    imp.add_argument("file", metavar="FILE", help="catalog .csv (',' or ';') or .json")
    imp.add_argument("--merge", action="store_true",
                     help="update and add items by sku, keep the others (default: FILE replaces the catalog)")
    db_option(imp)
    imp.set_defaults(func=_cli_import)

    look = sub.add_parser("lookup", help="show the item of a GTIN or PLU")
    look.add_argument("code", metavar="GTIN_OR_PLU")
    db_option(look)
    look.set_defaults(catalog_layouts=layouts)   # the lane's in-store code layouts, read when needed
    look.set_defaults(func=_cli_lookup)

    stats = sub.add_parser("stats", help="item count, categories and the last import")
    db_option(stats)
    stats.set_defaults(func=_cli_stats)


def _db_path(args: argparse.Namespace) -> str:
    if args.db is None:
        default = args.catalog_default_db
        args.db = str(default() if callable(default) else default)
    return args.db


def _open_for_cli(args: argparse.Namespace, *, create: bool = False) -> Catalog | None:
    path = _db_path(args)
    if not create and path != ":memory:" and not Path(path).exists():
        print(f"kiosk catalog: there is no catalog at {path} yet: import one with 'kiosk catalog import FILE'",
              file=sys.stderr)
        return None
    try:
        return Catalog.open(path)
    except CatalogError as e:
        print(f"kiosk catalog: {e}", file=sys.stderr)
        return None


def _cli_import(args: argparse.Namespace) -> int:
    catalog = _open_for_cli(args, create=True)
    if catalog is None:
        return 2
    with catalog:
        try:
            report = catalog.import_file(args.file, replace=not args.merge)
        except CatalogImportError as e:
            print(e.report.summary())
            return 2
        except CatalogError as e:
            print(f"NOTHING WAS IMPORTED: {e}")
            return 2
    print(report.summary())
    return 0


def _describe(item: Item) -> str:
    from kiosk.domain.money import format_amount, format_rate

    unit = " per kg" if item.weighed else ""
    lines = [
        f"{item.name}  (sku {item.sku})",
        f"  price     {format_amount(item.price_cents)}{unit}, VAT {format_rate(item.vat_bp)}"
        + (f", deposit {format_amount(item.deposit_cents)}" if item.deposit_cents else ""),
    ]
    if item.gtins:
        lines.append(f"  gtin      {', '.join(item.gtins)}")
    if item.plu:
        lines.append(f"  plu       {item.plu}")
    for lang in LANGUAGES:
        name = getattr(item, f"name_{lang}")
        if name:
            lines.append(f"  name_{lang}   {name}")
    if item.weight_g is not None:
        tol = f" +/- {item.weight_tolerance_g:g}" if item.weight_tolerance_g is not None else ""
        lines.append(f"  weight    {item.weight_g:g} g{tol}")
    if item.min_age:
        lines.append(f"  min age   {item.min_age}")
    if item.flags:
        lines.append(f"  flags     {', '.join(item.flags)}")
    if item.category:
        lines.append(f"  category  {item.category}")
    return "\n".join(lines)


def _cli_lookup(args: argparse.Namespace) -> int:
    code = args.code.strip()
    catalog = _open_for_cli(args)
    if catalog is None:
        return 2
    with catalog:
        item = note = None
        layouts = args.catalog_layouts() if callable(args.catalog_layouts) else GERMAN_LAYOUTS
        scanned = classify(code, layouts=layouts)
        if isinstance(scanned, GtinCode):
            item = catalog.lookup_gtin(scanned.gtin)
        elif isinstance(scanned, InstoreCode):
            item = catalog.lookup_plu(scanned.article) or catalog.lookup_plu(scanned.article.lstrip("0") or "0")
            note = f"in-store code: article {scanned.article}, {scanned.kind} {scanned.value}"
        elif isinstance(scanned, ScanRejected) and not code.isdigit():
            print(f"{code}: {scanned.message}")
            return 2
        if item is None and code.isdigit() and len(code) <= 6:
            item = catalog.lookup_plu(code)
        if item is None:
            print(f"{code}: not in the catalog {args.db}")
            return 1
        if note:
            print(note)
        print(_describe(item))
    return 0


def _cli_stats(args: argparse.Namespace) -> int:
    catalog = _open_for_cli(args)
    if catalog is None:
        return 2
    with catalog:
        meta = catalog.meta()
        print(f"catalog     {catalog.path}")
        print(f"items       {catalog.count()}")
        if "imported_at" in meta:
            print(f"imported    {meta['imported_at']} from {meta.get('source', '-')} ({meta.get('mode', '-')})")
        else:
            print("imported    never")
        counts = catalog.category_counts()
        print(f"categories  {sum(1 for c in counts if c[0] is not None)}")
        for category, n in counts:
            print(f"  {n:8d}  {category or '(no category)'}")
    return 0


__all__ = ["Catalog", "CatalogError", "CatalogImportError", "ImportReport", "ensure_catalog", "open_for_replay",
           "register_cli"]
