"""Catalog rows as a technician writes them, checked before a single one reaches the lane.

A catalog arrives as a spreadsheet export (CSV, often German Excel with ``;``) or as JSON from a merchandise system.
This module turns one row into an :class:`~kiosk.domain.item.Item` or into the complete list of what is wrong with
it, so that the technician fixes a file in one round instead of one error per attempt. It also finds what no single
row can show: the same SKU, GTIN or PLU on two rows. It is pure: the shell (``kiosk/catalog.py``) reads the file,
numbers the rows and decides what to do with the verdict.

Row numbers are those a person sees: in a CSV opened in a spreadsheet the header is row 1 and the first item row 2;
in JSON it is the 1-based position of the object in the array.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from kiosk.domain.barcodes import GTIN_LENGTHS, gtin_check_digit, is_valid_gtin
from kiosk.domain.item import KNOWN_FLAGS, FLAG_WEIGHED, Item
from kiosk.domain.money import MoneyError, parse_amount, parse_vat_rate

REQUIRED_COLUMNS = ("sku", "gtin", "name", "price", "vat")
OPTIONAL_COLUMNS = (
    "name_de", "name_en", "name_nl", "weight_g", "weight_tolerance_g", "min_age", "deposit", "flags", "plu",
    "image", "category",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_NAME = 120
MAX_SKU = 64
MAX_CATEGORY = 60
MAX_IMAGE = 255
MAX_PRICE_CENTS = 9_999_999      # 99,999.99: a lane never sells anything dearer; more is a typo (cents for euros)
MAX_WEIGHT_G = 100_000.0         # 100 kg: nothing heavier goes through a lane; more is a typo or the wrong unit

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PRICE = re.compile(r"(\d{1,7})(?:[.,](\d{1,2}))?")
_GRAMS = re.compile(r"(\d{1,7})(?:[.,](\d{1,3}))?")
_PLU = re.compile(r"\d{1,6}")
_SCIENTIFIC = re.compile(r"\d[.,]\d*[eE]\+?\d+")
# Combining marks left by NFKD: the diacritics of Latin, Greek and Cyrillic letters (ä -> a + U+0308).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row: where (row as a person counts it, column) and what is wrong with which value.

    ``row`` 0 stands for the file as a whole (it is not JSON, not UTF-8, ...).
    """

    row: int
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row > 0 else "file"
        if self.column is not None:
            where = f"{where}, column {self.column}"
        if self.value is None:
            return f"{where}: {self.message}"
        value = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f'{where}: "{value}" {self.message}'


# --- text -----------------------------------------------------------------------------------------------------------


def normalise_column(name: object) -> str:
    """Header cell -> column name: spreadsheets add spaces, capitals and sometimes a stray BOM."""
    return str(name).strip().lstrip("\ufeff").strip().lower()


def fold_text(text: str) -> str:
    """Text for case- and accent-insensitive search: ``"Käse"`` and ``"KASE"`` both fold to ``"kase"``, ß to ss."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _shown(value: object) -> str:
    """A raw cell as it goes into an error message."""
    if isinstance(value, (list, tuple)):
        return "|".join(_shown(v) for v in value)
    return str(value)


# --- GTIN -----------------------------------------------------------------------------------------------------------

gtin_is_valid = is_valid_gtin   # the catalog checks GTIN cells with the scanner's own rule (barcodes.py)


def _parse_gtin(text: str) -> tuple[str | None, str | None]:
    """One GTIN cell part -> (normalised GTIN-14, None) or (None, why not)."""
    s = text.replace(" ", "")
    if not (s.isascii() and s.isdigit()):
        if _SCIENTIFIC.fullmatch(s):
            return None, "was turned into a number by a spreadsheet: format the column as text and export again"
        return None, "is not a GTIN: digits only (8, 12, 13 or 14)"
    if len(s) not in GTIN_LENGTHS:
        return None, f"has {len(s)} digits; a GTIN has 8, 12, 13 or 14"
    if not s.strip("0"):
        return None, "is all zeros: not a GTIN"
    expected = gtin_check_digit(s[:-1])
    if expected != ord(s[-1]) - 48:
        return None, f"has a wrong check digit (expected {expected})"
    return s.zfill(14), None


# --- cells ----------------------------------------------------------------------------------------------------------


class _Cell(ValueError):
    """A cell that cannot be read; the message completes '<value> ...'."""


def _text(value: object) -> str | None:
    """A text cell: stripped, ``None`` when empty; whole JSON numbers are accepted as their digits."""
    if value is None:
        return None
    if isinstance(value, str):
        s = value.strip()
        return s or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _Cell("is not text")


def _grams(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        if not value:
            return None
        if value.isdigit() and value.isascii() and len(value) <= 7:
            grams = float(value)
            if grams > MAX_WEIGHT_G:
                raise _Cell("grams is more than 100 kg: weights are in grams")
            return grams
        s = value.strip()
        if not s:
            return None
        m = _GRAMS.fullmatch(s)
        if m is None:
            if s.startswith("-"):
                raise _Cell("must not be negative")
            raise _Cell("is not a weight in grams (such as 515 or 12.5)")
        whole, frac = m.groups()
        grams = float(f"{whole}.{frac}") if frac else float(whole)
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            grams = float(value)
        except (ArithmeticError, ValueError):  # 10**400, Decimal("sNaN")
            raise _Cell("is not a weight in grams") from None
        if grams != grams or grams in (float("inf"), float("-inf")):
            raise _Cell("is not a weight in grams")
        if grams < 0:
            raise _Cell("must not be negative")
    else:
        raise _Cell("is not a weight in grams")
    if grams > MAX_WEIGHT_G:
        raise _Cell("grams is more than 100 kg: weights are in grams")
    return grams


def _price(value: object) -> int:
    """Gross price in cents; fast path for the plain ``1.99`` / ``1,99`` of a catalog, money.py for the rest."""
    if isinstance(value, str):
        m = _PRICE.fullmatch(value.strip())
        if m is not None:
            whole, frac = m.groups()
            return int(whole) * 100 + (int(frac) * (10 if len(frac) == 1 else 1) if frac else 0)
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _Cell("is not an amount (expected a decimal such as 1.99)")
    try:
        return parse_amount(value)
    except ArithmeticError:  # decimal overflow of absurd exponents such as 1e999999
        raise _Cell("is not an amount (expected a decimal such as 1.99)") from None
    except MoneyError as e:
        text = str(e)
        if "more than two decimals" in text:
            raise _Cell("has more than two decimals") from None
        raise _Cell("is not an amount (expected a decimal such as 1.99)") from None


_VAT_CACHE = {"19": 1900, "7": 700, "0": 0, "19%": 1900, "7%": 700, "21": 2100, "9": 900}


def _vat(value: object) -> int:
    if isinstance(value, str):
        bp = _VAT_CACHE.get(value.strip())
        if bp is not None:
            return bp
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _Cell("is not a VAT rate (expected a percentage such as 19 or 7)")
    try:
        return parse_vat_rate(value)
    except ArithmeticError:
        raise _Cell("is not a VAT rate (expected a percentage such as 19 or 7)") from None
    except MoneyError as e:
        text = str(e)
        if "outside" in text and any(c.isdigit() for c in str(value)):  # not for NaN and Infinity
            raise _Cell("is outside 0..99.99 %") from None
        if "more than two decimals" in text:
            raise _Cell("has more than two decimals") from None
        raise _Cell("is not a VAT rate (expected a percentage such as 19 or 7)") from None


def _split(value: object) -> list[str]:
    """A multi-value cell: ``a|b`` in CSV, a list (or such a string) in JSON; empty parts dropped."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split("|") if p.strip()]
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, (str, int)):
                raise _Cell("holds something that is not text")
            s = str(v).strip()
            if s:
                out.append(s)
        return out
    raise _Cell("is neither text nor a list")


# --- one row --------------------------------------------------------------------------------------------------------


def parse_row(row: Mapping[str, object], row_no: int) -> Item | list[RowError]:
    """One catalog row (CSV strings or JSON values) -> an :class:`Item`, or every problem the row has.

    Never raises for bad data: whatever the cells hold, the answer is an item or a non-empty list of errors.
    Keys must already be normalised column names (:func:`normalise_column`); unknown keys are the header check's
    business and are ignored here, except the ``None`` key under which a CSV reader puts surplus cells.
    """
    errors: list[RowError] = []

    def bad(column: str | None, value: object, message: str) -> None:
        errors.append(RowError(row_no, column, None if value is None else _shown(value), message))

    get = row.get
    if None in row:
        extra = row[None]  # type: ignore[index]
        n = len(extra) if isinstance(extra, list) else 1
        bad(None, None, f"has {n} more cell{'s' if n != 1 else ''} than the header has columns")
    unnamed = get("")
    if unnamed is not None and str(unnamed).strip():
        bad(None, unnamed, "is in a column without a name in the header")

    # sku, names, free text
    def text(column: str, limit: int, required: bool = False) -> str | None:
        raw = get(column)
        if raw.__class__ is str:  # the common case first: a plain, good CSV cell or an empty optional one
            s = raw.strip()
            if s:
                if len(s) <= limit and _CONTROL.search(s) is None:
                    return s
            elif not required:
                return None
        elif raw is None and not required:
            return None
        try:
            s = _text(raw)
        except _Cell as e:
            bad(column, raw, str(e))
            return None
        if s is None:
            if required:
                bad(column, None, "is required" if raw is None and column not in row else "is empty")
            return None
        if len(s) > limit:
            bad(column, s, f"is longer than {limit} characters")
            return None
        if _CONTROL.search(s):
            bad(column, s.encode("unicode_escape").decode("ascii"), "contains control characters (a line break?)")
            return None
        return s

    sku = text("sku", MAX_SKU, required=True)
    name = text("name", MAX_NAME, required=True)
    name_de = text("name_de", MAX_NAME)
    name_en = text("name_en", MAX_NAME)
    name_nl = text("name_nl", MAX_NAME)
    image = text("image", MAX_IMAGE)
    category = text("category", MAX_CATEGORY)

    # price and VAT
    price_cents = 0
    raw = get("price")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        bad("price", None, "is required" if "price" not in row else "is empty")
    else:
        try:
            price_cents = _price(raw)
        except _Cell as e:
            bad("price", raw, str(e))
        else:
            if price_cents <= 0:
                bad("price", raw, "must be more than 0")
            elif price_cents > MAX_PRICE_CENTS:
                bad("price", raw, "is more than 99999.99")

    vat_bp = 0
    raw = get("vat")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        bad("vat", None, "is required" if "vat" not in row else "is empty")
    else:
        try:
            vat_bp = _vat(raw)
        except _Cell as e:
            bad("vat", raw, str(e))

    deposit_cents = 0
    raw = get("deposit")
    if raw is not None and not (isinstance(raw, str) and not raw.strip()):
        try:
            deposit_cents = _price(raw)
        except _Cell as e:
            bad("deposit", raw, str(e))
        else:
            if deposit_cents < 0:
                bad("deposit", raw, "must not be negative")
            elif deposit_cents > MAX_PRICE_CENTS:
                bad("deposit", raw, "is more than 99999.99")

    # weights
    weight_g = tolerance_g = None
    weight_unreadable = False
    raw = get("weight_g")
    try:
        weight_g = _grams(raw)
    except _Cell as e:
        bad("weight_g", raw, str(e))
        weight_unreadable = True
    raw_tol = get("weight_tolerance_g")
    try:
        tolerance_g = _grams(raw_tol)
    except _Cell as e:
        bad("weight_tolerance_g", raw_tol, str(e))

    # age
    min_age = 0
    raw = get("min_age")
    if isinstance(raw, int) and not isinstance(raw, bool):
        min_age = raw
        if not 0 <= raw <= 99:
            bad("min_age", raw, "is not an age in years (0..99)")
    elif isinstance(raw, str) and raw.strip():
        s = raw.strip()
        if len(s) <= 2 and s.isascii() and s.isdigit():
            min_age = int(s)
        else:
            bad("min_age", raw, "is not an age in years (0..99)")
    elif raw is not None and not isinstance(raw, str):
        bad("min_age", raw, "is not an age in years (0..99)")

    # flags
    flags: tuple[str, ...] = ()
    raw = get("flags")
    try:
        parts = _split(raw)
    except _Cell as e:
        bad("flags", raw, str(e))
        parts = []
    if parts:
        wanted = {p.lower() for p in parts}
        for unknown in sorted(wanted - KNOWN_FLAGS):
            bad("flags", unknown, f"is not a known flag (known: {', '.join(sorted(KNOWN_FLAGS))})")
        flags = tuple(sorted(wanted & KNOWN_FLAGS))

    # PLU
    plu = None
    raw = get("plu")
    try:
        plu = _text(raw)
    except _Cell as e:
        bad("plu", raw, str(e))
    if plu is not None and not (plu.isascii() and _PLU.fullmatch(plu)):
        bad("plu", plu, "is not a PLU (1 to 6 digits)")
        plu = None

    # GTINs
    gtins: list[str] = []
    raw = get("gtin")
    if raw is None and "gtin" not in row:
        bad("gtin", None, "is required (it may be empty for loose goods that have a plu)")
    else:
        try:
            parts = _split(raw)
        except _Cell as e:
            bad("gtin", raw, str(e))
            parts = [""]  # unreadable, not empty: the message above says enough
        for part in filter(None, parts):
            gtin, why = _parse_gtin(part)
            if gtin is None:
                bad("gtin", part, why)  # type: ignore[arg-type]
            elif gtin not in gtins:
                gtins.append(gtin)
        if not parts and plu is None and _plu_cell_empty(row):
            bad("gtin", None, "is empty: an item needs a GTIN or, for loose goods, a plu")

    # rules across cells
    weighed = FLAG_WEIGHED in flags
    if weighed and weight_g is not None:
        bad("weight_g", _shown(get("weight_g")), "is set, but a weighed item is priced per kg: leave weight_g empty")
    if tolerance_g is not None and weight_g is None and not weighed and not weight_unreadable:
        bad("weight_tolerance_g", _shown(raw_tol), "is set, but weight_g is empty")

    if errors:
        return errors
    return Item(
        sku=sku,  # type: ignore[arg-type]
        name=name,  # type: ignore[arg-type]
        price_cents=price_cents,
        vat_bp=vat_bp,
        gtins=tuple(gtins),
        name_de=name_de,
        name_en=name_en,
        name_nl=name_nl,
        weight_g=weight_g,
        weight_tolerance_g=tolerance_g,
        min_age=min_age,
        deposit_cents=deposit_cents,
        flags=flags,
        plu=plu,
        image=image,
        category=category,
    )


def _plu_cell_empty(row: Mapping[str, object]) -> bool:
    """True unless the plu cell was filled but unreadable (then that error already explains the missing GTIN)."""
    raw = row.get("plu")
    return raw is None or (isinstance(raw, str) and not raw.strip())


# --- header ---------------------------------------------------------------------------------------------------------


def check_header(columns: Sequence[str], *, row: int = 1, require: bool = True) -> list[RowError]:
    """Problems of a header: missing required columns, unknown columns, columns given twice.

    ``columns`` are the cells as written; they are compared after :func:`normalise_column`. ``require=False`` checks
    only for unknown and repeated names (JSON objects, where each object may leave out optional keys).
    """
    errors: list[RowError] = []
    seen: set[str] = set()
    names = [normalise_column(c) for c in columns]
    known = set(COLUMNS)
    for raw, name in zip(columns, names):
        if not name:
            continue  # spreadsheets export trailing unnamed columns; a value in one is the row check's business
        if name in seen:
            errors.append(RowError(row, name, None, "appears more than once in the header"))
            continue
        seen.add(name)
        if name not in known:
            if any(sep in name for sep in ";,\t") and len(columns) == 1:
                errors.append(RowError(row, None, str(raw), "is the whole header in one cell: wrong delimiter?"))
            else:
                errors.append(RowError(row, None, str(raw), f"is not a known column (known: {', '.join(COLUMNS)})"))
    if require:
        for name in REQUIRED_COLUMNS:
            if name not in seen:
                errors.append(RowError(row, name, None, _MISSING))
    return errors


_MISSING = "is missing from the header"


def header_lacks_required(errors: Iterable[RowError]) -> bool:
    """True if a header check found a required column missing: then checking rows only repeats that news."""
    return any(e.message == _MISSING for e in errors)


# --- across rows ----------------------------------------------------------------------------------------------------


class RowValidator:
    """Checks rows one at a time and remembers what it has seen, to find the same SKU, GTIN or PLU on two rows.

    This is :func:`validate_rows` for a caller that streams a large file and does not want to hold every item.
    Memory grows with the number of distinct keys (about 250 bytes per item).
    """

    __slots__ = ("_skus", "_gtins", "_plus")

    def __init__(self) -> None:
        self._skus: dict[str, int] = {}
        self._gtins: dict[int, int] = {}   # GTIN-14 as int: half the memory of the string
        self._plus: dict[str, int] = {}

    def check(self, row: Mapping[str, object], row_no: int) -> Item | list[RowError]:
        """One row: parsed, then compared with the rows before it."""
        result = parse_row(row, row_no)
        if not isinstance(result, Item):
            self._remember_keys(row, row_no)
            return result
        return self.check_item(result, row_no)

    def _remember_keys(self, row: Mapping[str, object], row_no: int) -> None:
        """Keys of a bad row that are readable still count, so that a later row repeating one names this row."""
        try:
            sku = _text(row.get("sku"))
            plu = _text(row.get("plu"))
            parts = _split(row.get("gtin"))
        except _Cell:
            return
        if sku is not None:
            self._skus.setdefault(sku, row_no)
        if plu is not None and plu.isascii() and _PLU.fullmatch(plu):
            self._plus.setdefault(plu, row_no)
        for part in parts:
            gtin, _why = _parse_gtin(part)
            if gtin is not None:
                self._gtins.setdefault(int(gtin), row_no)

    def check_item(self, item: Item, row_no: int) -> Item | list[RowError]:
        """An item that is already valid on its own: only the keys it shares with earlier rows are checked."""
        errors: list[RowError] = []
        first = self._skus.setdefault(item.sku, row_no)
        if first != row_no:
            errors.append(RowError(row_no, "sku", item.sku, f"is also the sku of row {first}"))
        gtins = self._gtins
        for gtin in item.gtins:
            first = gtins.setdefault(int(gtin), row_no)
            if first != row_no:
                shown = gtin[1:] if gtin[0] == "0" else gtin  # as printed under an EAN-13
                errors.append(RowError(row_no, "gtin", shown, f"is also a GTIN of row {first}"))
        if item.plu is not None:
            first = self._plus.setdefault(item.plu, row_no)
            if first != row_no:
                errors.append(RowError(row_no, "plu", item.plu, f"is also the plu of row {first}"))
        return errors or item


def validate_rows(rows: Iterable[Mapping[str, object]], *, first_row: int = 2) -> tuple[list[Item], list[RowError]]:
    """Every row checked: the good items and all errors, including keys repeated across rows.

    ``first_row`` is the number a person sees on the first row: 2 for a CSV (the header is row 1), 1 for JSON.
    """
    validator = RowValidator()
    items: list[Item] = []
    errors: list[RowError] = []
    for row_no, row in enumerate(rows, start=first_row):
        result = validator.check(row, row_no)
        if isinstance(result, Item):
            items.append(result)
        else:
            errors.extend(result)
    return items, errors


# --- the technician's verdict ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationReport:
    """What a check of a whole catalog file found, for the technician who has to fix the file."""

    rows: int                                   # data rows read (header not counted)
    items_ok: int                               # rows that became items
    errors: list[RowError] = field(default_factory=list)
    source: str | None = None                   # file name, for the summary
    errors_not_kept: int = 0                    # errors counted beyond those kept in ``errors``
    rows_checked: bool = True                   # False when the header was too broken to read rows

    @property
    def ok(self) -> bool:
        return not self.errors and not self.errors_not_kept

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.errors_not_kept

    @property
    def bad_rows(self) -> int:
        """Data rows with at least one error (as far as errors were kept)."""
        return max(0, self.rows - self.items_ok) if self.rows_checked else 0

    def summary(self, max_lines: int = 200) -> str:
        """Plain text: how many rows, how many bad, then one line per error (capped)."""
        name = f"{self.source}: " if self.source else ""
        if self.ok:
            return f"{name}{self.rows} rows, all good"
        if self.rows_checked:
            head = (f"{name}{self.rows} rows checked, {self.bad_rows} bad, {self.items_ok} good; "
                    f"{self.error_count} error{'s' if self.error_count != 1 else ''}")
        elif any(e.row == 0 for e in self.errors):
            head = f"{name}cannot be read as a catalog"
        else:
            head = f"{name}the header is unusable, rows were not checked"
        lines = [head]
        shown = self.errors[:max_lines]
        lines.extend(str(e) for e in shown)
        more = self.error_count - len(shown)
        if more > 0:
            lines.append(f"... and {more} more")
        return "\n".join(lines)
