"""How much a scanned article costs: unit price, quantity, embedded prices and weights, deposits.

Pure functions from a catalog item and a classified code to a priced line. German in-store labels (PROTOCOLS.md 1.5)
carry either the price (the scale at the counter already priced it) or the weight (priced here from the catalog's
per-kg price); GS1 element strings may carry net weight (310n), amount payable (392n) or a count (30).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.codes import GtinCode, InstoreCode
from kiosk.domain.item import Item
from kiosk.domain.money import scale_price


class PricingError(ValueError):
    """The code and the item do not give a price (a weighed item scanned without a weight)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Priced:
    qty: int
    unit_cents: int                   # per piece, or per kg for a weighed line
    amount_cents: int
    weight_g: int | None = None
    mergeable: bool = True            # a repeated scan may add to the same line (not for labels with a measure)


def price_scan(item: Item, code: GtinCode | InstoreCode) -> Priced:
    """Price one scan of ``item`` read through ``code``."""
    if isinstance(code, InstoreCode):
        if code.kind == "price" and code.value is not None:
            return Priced(1, code.value, code.value, None, mergeable=False)
        if code.kind == "weight" and code.value is not None:
            return _by_weight(item, code.value)
        if code.kind == "count" and code.value is not None:
            if code.value <= 0:
                raise PricingError("zero_count", f"label {code.code} has a count of zero")
            return Priced(code.value, item.price_cents, item.price_cents * code.value, mergeable=False)
        return _plain(item)
    if code.price_cents is not None:
        return Priced(1, code.price_cents, code.price_cents, code.weight_g, mergeable=False)
    if code.weight_g is not None and item.weighed:
        return _by_weight(item, code.weight_g)
    if code.count is not None:
        if code.count <= 0:
            raise PricingError("zero_count", f"code for {item.sku} has a count of zero")
        return Priced(code.count, item.price_cents, item.price_cents * code.count, mergeable=False)
    return _plain(item)


def price_weighed(item: Item, grams: int) -> Priced:
    """A weighed article priced from a weight (a produce scale or a label)."""
    return _by_weight(item, grams)


def _plain(item: Item) -> Priced:
    if item.weighed:
        raise PricingError("needs_weight", f"{item.sku} is sold by weight and the code carries no weight")
    return Priced(1, item.price_cents, item.price_cents)


def _by_weight(item: Item, grams: int) -> Priced:
    if grams <= 0:
        raise PricingError("zero_weight", f"weight {grams} g for {item.sku} is not positive")
    return Priced(1, item.price_cents, scale_price(item.price_cents, grams), grams, mergeable=False)
