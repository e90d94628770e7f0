"""A catalog item as the lane sees it at the moment of a scan.

The shell copies the catalog row into the scan event, so a price change in the catalog never rewrites a sale that is
already in the journal: replaying the journal always prices with the row as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Flags a catalog row may carry (``flags`` column, ``|``-separated).
FLAG_NO_BAG = "no_bag"          # heavy or bulky: stays in the trolley, skips the bagging check
FLAG_WEIGHED = "weighed"        # sold by weight: ``price_cents`` is per kilogram
FLAG_HIGH_VALUE = "high_value"  # raises the transaction's risk score (issue: security)
KNOWN_FLAGS = frozenset({FLAG_NO_BAG, FLAG_WEIGHED, FLAG_HIGH_VALUE})

LANGUAGES = ("de", "en", "nl")


@dataclass(frozen=True, slots=True)
class Item:
    """One article: price is gross in cents (per kg when weighed), VAT in basis points (19 % = 1900)."""

    sku: str
    name: str
    price_cents: int
    vat_bp: int
    gtins: tuple[str, ...] = ()          # normalised GTIN-14s
    name_de: str | None = None
    name_en: str | None = None
    name_nl: str | None = None
    weight_g: float | None = None        # expected weight of one unit in the bagging area
    weight_tolerance_g: float | None = None
    min_age: int = 0                     # 0, 16 or 18 in Germany (JuSchG); checked by an attendant
    deposit_cents: int = 0               # Pfand per unit, added as its own line
    flags: tuple[str, ...] = ()          # sorted, from KNOWN_FLAGS
    plu: str | None = None               # price look-up code (produce, bakery, in-store labels)
    image: str | None = None             # path or file name of a product picture
    category: str | None = None          # for look-up screens and per-category weight defaults

    def display_name(self, lang: str) -> str:
        """The name in the shopper's language, falling back to the default name."""
        return getattr(self, f"name_{lang}", None) or self.name if lang in LANGUAGES else self.name

    def has_flag(self, flag: str) -> bool:
        return flag in self.flags

    @property
    def weighed(self) -> bool:
        return FLAG_WEIGHED in self.flags

    @property
    def no_bag(self) -> bool:
        return FLAG_NO_BAG in self.flags
