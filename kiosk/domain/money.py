"""Money in integer cents and VAT per rate.

Shelf prices in German and Dutch supermarkets are gross (VAT included). A receipt shows, per VAT rate, the gross sum
of the lines at that rate and the net and tax parts of it; the tax is computed once per rate on the sum (not per line
and then added up), rounded half away from zero to the cent, and net is gross minus tax, so that net + tax == gross
always holds. VAT rates are integer basis points (19 % = 1900, 10.7 % = 1070) so that no float ever touches money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Iterable


class MoneyError(ValueError):
    """An amount or a VAT rate could not be read; the message says which text and why."""


def parse_amount(text: str | int | float | Decimal) -> int:
    """Read a decimal amount such as ``"1.99"`` (or ``"1,99"``) into integer cents.

    More than two decimals are refused rather than silently rounded: a catalog price of 1.999 is a mistake to report.
    """
    if isinstance(text, bool):
        raise MoneyError(f"not an amount: {text!r}")
    if isinstance(text, int):
        return text * 100
    s = str(text).strip().replace("\u20ac", "").strip()
    if "," in s and "." not in s:
        s = s.replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise MoneyError(f"not an amount: {text!r} (expected a decimal such as 1.99)") from None
    if not value.is_finite():
        raise MoneyError(f"not an amount: {text!r}")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"amount {text!r} has more than two decimals")
    return int(cents)


def parse_vat_rate(text: str | int | float | Decimal) -> int:
    """Read a VAT rate in percent (``"19"``, ``"7"``, ``"10.7"``, ``"19%"``) into basis points."""
    s = str(text).strip().rstrip("%").strip().replace(",", ".")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise MoneyError(f"not a VAT rate: {text!r} (expected a percentage such as 19 or 7)") from None
    if not value.is_finite() or value < 0 or value >= 100:
        raise MoneyError(f"VAT rate {text!r} is outside 0..100 %")
    bp = value * 100
    if bp != bp.to_integral_value():
        raise MoneyError(f"VAT rate {text!r} has more than two decimals")
    return int(bp)


def round_half_away(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero (the commercial rounding of German and Dutch receipts)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    q, r = divmod(abs(numerator), denominator)
    if 2 * r >= denominator:
        q += 1
    return q if numerator >= 0 else -q


def scale_price(unit_price_cents: int, quantity_milli: int) -> int:
    """Price of ``quantity_milli`` thousandths of a unit (grams of a per-kg price), rounded to the cent."""
    return round_half_away(unit_price_cents * quantity_milli, 1000)


@dataclass(frozen=True, slots=True)
class VatTotal:
    """The lines of one VAT rate: gross as on the shelf, and the net and tax parts of it."""

    rate_bp: int
    net_cents: int
    tax_cents: int
    gross_cents: int


def tax_of_gross(gross_cents: int, rate_bp: int) -> int:
    """The VAT contained in a gross amount: gross * rate / (100 % + rate), rounded half away from zero."""
    return round_half_away(gross_cents * rate_bp, 10000 + rate_bp)


def vat_breakdown(lines: Iterable[tuple[int, int]]) -> tuple[VatTotal, ...]:
    """Totals per VAT rate from ``(gross_cents, rate_bp)`` pairs, highest rate first.

    Rates whose lines cancel out to zero gross are kept only if they had lines (a voucher exactly matching a deposit
    still shows as 0,00 so the receipt explains itself).
    """
    sums: dict[int, int] = {}
    for gross, rate in lines:
        sums[rate] = sums.get(rate, 0) + gross
    out = []
    for rate in sorted(sums, reverse=True):
        gross = sums[rate]
        tax = tax_of_gross(gross, rate)
        out.append(VatTotal(rate, gross - tax, tax, gross))
    return tuple(out)


_FORMATS = {
    # locale: (decimal separator, thousands separator, symbol before?)
    "de": (",", ".", False),
    "nl": (",", ".", True),
    "en": (".", ",", True),
}


def format_amount(cents: int, lang: str = "de", symbol: str = "\u20ac") -> str:
    """``1234`` -> ``"12,34 €"`` (de), ``"€ 12,34"`` (nl), ``"€12.34"`` (en); negative amounts keep their sign."""
    dec, thou, before = _FORMATS.get(lang, _FORMATS["de"])
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    whole_s = f"{whole:,}".replace(",", thou)
    number = f"{whole_s}{dec}{frac:02d}"
    if not symbol:
        return f"{sign}{number}"
    if before:
        return f"{sign}{symbol} {number}" if lang == "nl" else f"{sign}{symbol}{number}"
    return f"{sign}{number} {symbol}"


def format_rate(rate_bp: int, lang: str = "de") -> str:
    """``1900`` -> ``"19 %"``; ``1070`` -> ``"10,7 %"`` (de) / ``"10.7%"`` (en)."""
    whole, frac = divmod(rate_bp, 100)
    dec = "." if lang == "en" else ","
    number = str(whole) if frac == 0 else f"{whole}{dec}{frac:02d}".rstrip("0")
    return f"{number}%" if lang == "en" else f"{number} %"
