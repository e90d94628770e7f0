"""Shared test helpers: a small catalog of realistic items and helpers to drive the pure reducer."""

from __future__ import annotations

from kiosk.domain.barcodes import classify, gtin_check_digit
from kiosk.domain.codes import GtinCode, InstoreCode
from kiosk.domain.item import Item
from kiosk.lane.events import LaneStarted, Scanned
from kiosk.lane.reducer import initial_state, reduce
from kiosk.lane.settings import Settings


def ean13(payload12: str) -> str:
    return payload12 + str(gtin_check_digit(payload12))


MILK = Item("100001", "Vollmilch 3,5 % 1 l", 129, 700, ("0" + ean13("400638133393"),), weight_g=1035.0,
            weight_tolerance_g=20.0, category="Molkerei")
BEER = Item("200001", "Pils 0,5 l Dose", 89, 1900, ("0" + ean13("400100000001"),), weight_g=520.0,
            weight_tolerance_g=15.0, min_age=16, deposit_cents=25, category="Getränke")
VODKA = Item("200002", "Wodka 0,7 l", 1099, 1900, ("0" + ean13("400100000002"),), weight_g=1150.0, min_age=18,
             flags=("high_value",), category="Spirituosen")
WATER_CRATE = Item("200003", "Mineralwasser Kasten 12 x 0,7 l", 599, 1900, ("0" + ean13("400100000003"),),
                   weight_g=14500.0, deposit_cents=330, flags=("no_bag",), category="Getränke")
GOUDA = Item("300001", "Gouda jung am Stück", 1490, 700, (), flags=("weighed",), plu="1234", category="Käse")
ROLL = Item("300002", "Weizenbrötchen", 35, 700, ("0" + ean13("400200000001"),), weight_g=None,
            category="Backwaren")
ITEMS = (MILK, BEER, VODKA, WATER_CRATE, GOUDA, ROLL)


class DictCatalog:
    """An in-memory stand-in with the catalog's lookup interface (for pure and runtime tests)."""

    def __init__(self, items=ITEMS):
        self.by_gtin = {g: it for it in items for g in it.gtins}
        self.by_plu = {it.plu: it for it in items if it.plu}

    def lookup_gtin(self, gtin):
        return self.by_gtin.get(gtin)

    def lookup_plu(self, plu):
        return self.by_plu.get(plu)

    def count(self):
        return len(set(self.by_gtin.values()) | set(self.by_plu.values()))

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def scanned(t: float, raw: str, catalog: DictCatalog | None = None) -> Scanned:
    """A Scanned event as the shell would build it."""
    catalog = catalog or DictCatalog()
    code = classify(raw)
    item = None
    if isinstance(code, GtinCode):
        item = catalog.lookup_gtin(code.gtin)
    elif isinstance(code, InstoreCode):
        item = catalog.lookup_plu(code.article)
    return Scanned(t, raw, code, item)


def started(settings: Settings | None = None, t: float = 0.0):
    state, _ = reduce(initial_state(), LaneStarted(t, "test-1", settings or Settings()))
    return state


def run(state, *events):
    """Apply events in order; return the final state and all effects."""
    effects = []
    for ev in events:
        state, more = reduce(state, ev)
        effects += more
    return state, effects
