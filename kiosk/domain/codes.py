"""What a scanned code means, as plain data (the parser lives in ``barcodes.py``).

A scan is classified once, in the shell, before it goes into the journal, so replay never re-parses with different
rules. Every kind is a frozen dataclass; ``ScanRejected`` is the answer for input that is not a usable code at all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GtinCode:
    """A trade item number (EAN-8/13, UPC-A/E, GTIN-14, or the GTIN of a GS1 element string / Digital Link)."""

    gtin: str                          # normalised to 14 digits
    symbology: str | None = None       # AIM identifier as received, e.g. "]E0"
    # From GS1 element strings / Digital Link when present:
    weight_g: int | None = None        # AI 310n net weight, converted to grams
    price_cents: int | None = None     # AI 392n amount payable
    count: int | None = None           # AI 30 variable count
    lot: str | None = None             # AI 10
    serial: str | None = None          # AI 21
    best_before: str | None = None     # AI 15, ISO date
    expiry: str | None = None          # AI 17, ISO date


@dataclass(frozen=True, slots=True)
class InstoreCode:
    """A restricted-circulation number (German 2x prefixes): an article number plus an embedded measure."""

    code: str                # the 13 digits as scanned
    article: str             # the article digits (PLU) as printed
    kind: str                # "price" (value = cents), "weight" (value = grams), "count" (value = pieces),
                             # or "article" (no value: a store-internal number to look up)
    value: int | None


@dataclass(frozen=True, slots=True)
class VoucherCode:
    """A bottle-return voucher (Leergutbon) printed by a reverse vending machine: redeemed once, as a negative line."""

    code: str                # the full code: it is the voucher's identity for "each voucher once"
    serial: str
    value_cents: int


@dataclass(frozen=True, slots=True)
class OtherCode:
    """A readable code that is not a trade item: a Code 128 badge, a plain QR text. The shell decides what it is."""

    data: str
    symbology: str | None = None


@dataclass(frozen=True, slots=True)
class ScanRejected:
    """Input that is not a usable code. ``reason`` is a stable key for messages and statistics."""

    reason: str              # "empty", "too_long", "control_characters", "check_digit", "price_check", "not_a_code",
                             # "unreadable" (the scanner itself reported a garbled read)
    message: str             # a plain explanation for the journal and the technician (not shown to shoppers as is)


ScanCode = GtinCode | InstoreCode | VoucherCode | OtherCode
