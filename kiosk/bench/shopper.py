"""The shopper simulator of the security benchmark: a store's true item weights, baskets, behaviours, and a closed
loop that plays one shopper (and the attendant) against a lane, recording every input as a replayable scenario.

- :class:`Store` is the truth about the catalog. A catalog weight is what the label says; what a unit really weighs
  differs: packaged goods by a few percent (and about one article in twelve is off by 5-15 %, the catalog listing
  the net weight or an old pack), drinks by about one percent, bakery and produce sold per piece by 8-20 %. Weighed
  produce gets an in-store weight label (EAN-13 prefix 28) printed from its true weight at the produce scale.
- :func:`make_plan` draws one transaction: a basket (1-40 lines, log-normal around ten units), the shopper's honest
  habits (own bag, slow bagging, rearranging bags, a handbag put down, leaning on the rail, bumps) and at most one
  mistake (forgot to scan, double scan) or fraud (not scanning, ticket switch to a lighter or a heavier article,
  taking an item back out, stacking two items on one scan). Every draw of the plan comes from its own seeded
  generator, so the same transaction is played against every lane configuration.
- :class:`Checkout` plays a plan against a :class:`kiosk.replay.ScenarioRunner` in closed loop: the hands move a
  :class:`hal.scale.sim.LoadCellModel` sampled at 10 readings a second, the shopper reacts to the lane's prompts
  (an honest one corrects what the prompt asks for; a fraudster ignores them), and an attendant comes when the lane
  calls one. Every input given to the lane is written as a scenario line (scale readings thinned: a line when the
  value moved 1 g or a second passed), with ``truth`` labels, and the runner is fed exactly those lines, so
  ``kiosk replay`` of the file gives the same interventions.

Everything random comes from ``random.Random`` seeded with strings, so the same seed gives the same run in any process.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from hal.scale.sim import LoadCellModel
from kiosk.domain.barcodes import InstoreLayout, classify, gtin_check_digit, price_check_digit_4, price_check_digit_5
from kiosk.domain.item import Item
from kiosk.lane.interventions import (AGE_CHECK, DEVICE_FAULT, ITEM_NOT_BAGGED, ITEM_REMOVED, RESCAN_AUDIT,
                                      SECURITY_KINDS, TOTAL_MISMATCH, UNEXPECTED_ITEM, WEIGHT_MISMATCH)
from kiosk.lane.state import BAGGING, ITEM, PAYMENT, RECEIPT, SCANNING, THANK_YOU, Intervention
from kiosk.replay import ScenarioRunner, parse_scenario
from kiosk.runtime import lookup

TICK_S = 0.1                 # the load cell is sampled at 10 readings per second
THIN_G = 1.0                 # a reading is written when it moved this much from the last one written ...
THIN_S = 1.0                 # ... or this long after it
LIMIT_S = 1200.0             # a transaction still open after this long is stuck: the attendant cancels it

HONEST, MISTAKE, FRAUD = "honest", "mistake", "fraud"
FORGOT_SCAN, DOUBLE_SCAN = "forgot_scan", "double_scan"
UNSCANNED, SWITCH_LIGHTER, SWITCH_HEAVIER, TAKEN_OUT, STACKED = (
    "unscanned", "switch_lighter", "switch_heavier", "taken_out", "stacked")
MISTAKES = (FORGOT_SCAN, DOUBLE_SCAN)
FRAUDS = (UNSCANNED, SWITCH_LIGHTER, SWITCH_HEAVIER, TAKEN_OUT, STACKED)

#: The prompt a shopper sees for a kind when the lane gives none of its own.
DEFAULT_PROMPT = {UNEXPECTED_ITEM: "scan_or_remove", ITEM_REMOVED: "put_back", WEIGHT_MISMATCH: "place_scanned_only",
                  ITEM_NOT_BAGGED: "bag_item", TOTAL_MISMATCH: "put_all_back"}

WEIGHT_CLASSES = ("<50 g", "50-200 g", ">200 g")

DRINKS = ("Getränke", "Bier & Wein", "Spirituosen")
PIECE_CATEGORIES = ("Brot & Backwaren", "Obst & Gemüse")
#: A plausible unit weight for an article the catalog gives none (grams, by category).
CATEGORY_GRAMS = {"Brot & Backwaren": 80.0, "Obst & Gemüse": 300.0, "Getränke": 1000.0, "Molkereiprodukte": 250.0,
                  "Süßwaren & Knabbereien": 150.0, "Drogerie & Kosmetik": 200.0, "Haushalt": 300.0}


def weight_class(grams: float) -> str:
    return WEIGHT_CLASSES[0] if grams < 50 else WEIGHT_CLASSES[1] if grams <= 200 else WEIGHT_CLASSES[2]


# ------------------------------------------------------------------------------------------------------ the store

@dataclass(frozen=True)
class Article:
    """The truth about one catalog article: what a unit really weighs (mean, spread) and how it is scanned."""

    item: Item
    kind: str                  # packaged, drink, piece (bakery, produce per piece), weighed
    mean_g: float              # true mean of one unit (weighed: typical purchase)
    sd_g: float
    code: str | None           # what the scanner reads; weighed articles get a label per purchase

    @property
    def sku(self) -> str:
        return self.item.sku

    @property
    def baggable(self) -> bool:
        return not self.item.no_bag


def ean13_of(gtin14: str) -> str:
    return gtin14[1:] if len(gtin14) == 14 and gtin14.startswith("0") else gtin14


def instore_code(layout: InstoreLayout, article: str, value: int | None) -> str | None:
    """An in-store code of ``layout`` for ``article`` (and ``value``), or None if it does not fit the layout."""
    t = layout.template
    n_a, n_v = t.count("A"), t.count("V")
    if len(article) > n_a or (n_v and (value is None or len(str(value)) > n_v)):
        return None
    art = article.zfill(n_a)
    val = str(value).zfill(n_v) if n_v else ""
    out: list[str] = []
    ai = vi = 0
    for ch in t:
        if ch.isdigit():
            out.append(ch)
        elif ch == "A":
            out.append(art[ai])
            ai += 1
        elif ch == "V":
            out.append(val[vi])
            vi += 1
        elif ch == "K":
            out.append(str(price_check_digit_5(val) if n_v == 5 else price_check_digit_4(val)))
        elif ch == "X":
            out.append("0")
        elif ch == "C":
            out.append(str(gtin_check_digit("".join(out))))
    return "".join(out)


class Store:
    """Every article of the catalog with its true weight; drawn once per seed, the same for every configuration."""

    def __init__(self, items: Iterable[Item], layouts: tuple[InstoreLayout, ...], lookup, seed: str):
        self.layouts = layouts
        self.lookup = lookup
        self._weight_layout = next((lay for lay in layouts if lay.kind == "weight"), None)
        self._article_layout = next((lay for lay in layouts if lay.kind == "article"), None)
        rng = random.Random(f"{seed}/store")
        arts: list[Article] = []
        for item in sorted(items, key=lambda i: i.sku):
            art = self._truth(item, rng)
            if art is not None:
                arts.append(art)
        self.articles = tuple(arts)
        self.by_sku = {a.sku: a for a in arts}
        self._weights = [self._popularity(a) for a in arts]
        # Articles a thief takes off the shelf, by weight class of their true weight.
        stealable = [a for a in arts if a.baggable and a.kind != "weighed"]
        self.by_class = {c: [a for a in stealable if weight_class(a.mean_g) == c] for c in WEIGHT_CLASSES}
        self.packaged = [a for a in stealable if a.kind in ("packaged", "drink") and a.item.gtins]

    def _truth(self, item: Item, rng: random.Random) -> Article | None:
        if item.weighed:
            code = self.weight_label(item, 500)
            if code is None:
                return None          # its PLU does not fit the store's weight labels: sold at the counter only
            typical = 250.0 if "theke" in (item.category or "").lower() else 700.0
            return Article(item, "weighed", typical, 0.0, None)
        if item.gtins:
            code = ean13_of(item.gtins[0])
        elif item.plu and self._article_layout is not None:
            code = instore_code(self._article_layout, item.plu, None)
        else:
            code = None
        if code is None or not self._resolves(code, item.sku):
            return None
        catalog_g = item.weight_g if item.weight_g else CATEGORY_GRAMS.get(item.category or "", 300.0)
        category = item.category or ""
        if not item.gtins and category in PIECE_CATEGORIES:
            mean = catalog_g * (1 + rng.gauss(0.0, 0.05))
            return Article(item, "piece", mean, mean * rng.uniform(0.08, 0.20), code)
        mean = catalog_g * (1 + rng.gauss(0.0, 0.01))
        if rng.random() < 0.08:                 # the catalog lists the net weight, or an old pack
            off = rng.uniform(0.05, 0.15)
            mean = catalog_g * (1 + off if rng.random() < 0.7 else 1 - off)
        if category in DRINKS:
            return Article(item, "drink", mean, mean * rng.uniform(0.007, 0.013), code)
        return Article(item, "packaged", mean, mean * rng.uniform(0.01, 0.03), code)

    @staticmethod
    def _popularity(a: Article) -> float:
        if a.item.min_age:
            return 0.25
        if a.item.no_bag:
            return 0.3
        if a.item.has_flag("high_value"):
            return 0.5
        return 1.0

    def _resolves(self, code: str, sku: str) -> bool:
        """The code classifies and looks up to ``sku`` exactly as the lane's runtime does it."""
        item = lookup(self.lookup, classify(code, None, self.layouts))
        return item is not None and item.sku == sku

    def weight_label(self, item: Item, grams: int) -> str | None:
        if self._weight_layout is None or not item.plu:
            return None
        code = instore_code(self._weight_layout, item.plu, grams)
        return code if code is not None and self._resolves(code, item.sku) else None

    def pick(self, rng: random.Random) -> Article:
        return rng.choices(self.articles, weights=self._weights)[0]

    def unit(self, art: Article, rng: random.Random) -> tuple[float, str]:
        """One unit as the shopper takes it: its true weight in the bagging area and the code they will scan."""
        if art.kind == "weighed":
            grams = min(3000.0, max(60.0, art.mean_g * rng.lognormvariate(0.0, 0.45)))
            label = round(grams)
            code = self.weight_label(art.item, label)
            assert code is not None   # checked when the store was built
            return grams + rng.uniform(2.0, 5.0), code      # the produce bag
        assert art.code is not None
        return max(1.0, rng.gauss(art.mean_g, art.sd_g)), art.code


# ------------------------------------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class Unit:
    """One unit the shopper handles: its article, its true weight, the code they scan, how they bag it."""

    sku: str
    grams: float
    code: str
    baggable: bool
    bag_after_s: float          # scan to bag
    slow: bool = False          # a slow bagger: the lane asks for it before it comes
    ramp_s: float = 0.1         # the hand lets go over this long
    drop: bool = False          # dropped rather than set down


@dataclass(frozen=True)
class Act:
    """One step of the plan, done after ``gap_s`` of looking for the next item."""

    kind: str                   # unit, handbag, rearrange, lean, bump, forgot_scan, double_scan, unscanned,
                                # switch_lighter, switch_heavier, taken_out, stacked
    gap_s: float
    unit: Unit | None = None    # the unit handled (switch: the one bagged; stacked: the one scanned)
    other: Unit | None = None   # switch: the unit whose code is scanned; stacked: the unscanned one on top
    grams: float = 0.0          # handbag, lean; bump: amplitude
    seconds: float = 0.0        # handbag, rearrange, lean
    target: int = -1            # taken_out: index (in ``Plan.acts``) of the unit act taken back out


@dataclass(frozen=True)
class Plan:
    index: int
    kind: str                            # honest, mistake, fraud
    behaviours: tuple[str, ...]
    acts: tuple[Act, ...]
    own_bag_g: float | None = None
    own_bag_first: bool = True           # tap "own bag" before putting it down (else put it down, tap when asked)
    start_touch: bool = True             # touch "start" (else the first scan starts the transaction)
    skus: tuple[str, ...] = ()           # every article whose code may be scanned in this transaction

    @property
    def honest(self) -> bool:
        return self.kind == HONEST

    @property
    def reacts(self) -> bool:
        """Does this shopper correct what the lane asks for? (A fraudster ignores prompts.)"""
        return self.kind != FRAUD

    @property
    def label(self) -> str:
        special = [b for b in self.behaviours if b in MISTAKES + FRAUDS]
        return special[0] if special else HONEST


@dataclass(frozen=True)
class Mix:
    """Shares of honest, mistaken and fraudulent transactions, and of the honest habits."""

    honest: float = 0.6
    mistake: float = 0.1
    fraud: float = 0.3
    own_bag: float = 0.5
    slow_bagging: float = 0.06          # per unit
    rearrange: float = 0.25
    handbag: float = 0.12
    lean: float = 0.3
    bump: float = 0.2


def _gap(rng: random.Random) -> float:
    return round(rng.uniform(2.0, 8.0), 1)


def _draw_unit(store: Store, art: Article, rng: random.Random, mix: Mix) -> Unit:
    grams, code = store.unit(art, rng)
    slow = art.baggable and rng.random() < mix.slow_bagging
    return Unit(art.sku, round(grams, 1), code, art.baggable,
                round(rng.uniform(10.0, 40.0) if slow else rng.uniform(1.5, 6.0), 1), slow,
                round(rng.uniform(0.0, 0.3), 2), rng.random() < 0.1)


def draw_basket(store: Store, rng: random.Random) -> list[tuple[Article, int]]:
    """1-40 lines, log-normal around ten to twelve units; bread rolls and drinks come several at a time."""
    units = max(1, min(60, round(rng.lognormvariate(math.log(11.0), 0.6))))
    lines: list[tuple[Article, int]] = []
    seen: set[str] = set()
    total = 0
    while total < units and len(lines) < 40:
        art = store.pick(rng)
        if art.sku in seen:
            continue
        seen.add(art.sku)
        if art.kind == "weighed":
            qty = 1
        elif art.kind == "piece":
            qty = rng.choice((1, 1, 2, 2, 3, 4, 6))
        else:
            qty = 1 if rng.random() < 0.85 else rng.randint(2, 4)
        qty = min(qty, units - total) or 1
        lines.append((art, qty))
        total += qty
    return lines


def make_plan(store: Store, index: int, seed: str, mix: Mix, force: str | None = None,
              behaviour: str | None = None) -> Plan:
    """Draw transaction ``index``: basket, habits, and (per ``mix``) a mistake or a fraud. ``force`` fixes the kind
    (honest, mistake, fraud); ``behaviour`` the mistake or fraud (``unscanned``...)."""
    rng = random.Random(f"{seed}/plan")
    if behaviour is not None:
        force = MISTAKE if behaviour in MISTAKES else FRAUD if behaviour in FRAUDS else None
        if force is None:
            raise ValueError(f"unknown behaviour {behaviour!r} (one of {', '.join(MISTAKES + FRAUDS)})")
    kind = force or rng.choices((HONEST, MISTAKE, FRAUD), weights=(mix.honest, mix.mistake, mix.fraud))[0]
    behaviours: list[str] = []
    acts: list[Act] = []
    for art, qty in draw_basket(store, rng):
        for _ in range(qty):
            acts.append(Act("unit", _gap(rng), _draw_unit(store, art, rng, mix)))
    if any(a.unit is not None and a.unit.slow for a in acts):
        behaviours.append("slow_bagging")
    own_bag_g = None
    own_bag_first = True
    if rng.random() < mix.own_bag:
        own_bag_g = round(min(1200.0, max(20.0, rng.lognormvariate(math.log(120.0), 0.7))), 1)
        own_bag_first = rng.random() < 0.7
        behaviours.append("own_bag" if own_bag_first else "own_bag_untapped")
    start_touch = rng.random() < 0.5

    def insert(act: Act, lo: int = 0) -> int:
        pos = rng.randint(min(lo, len(acts)), len(acts))
        acts.insert(pos, act)
        return pos

    # Honest habits. In a fraud transaction only those that cannot hide or mimic a fraud: what the lane raises
    # after the fraud is then the fraud's doing.
    if kind != FRAUD and rng.random() < mix.rearrange:
        behaviours.append("rearrange")
        for _ in range(rng.randint(1, 2)):
            insert(Act("rearrange", _gap(rng), seconds=round(rng.uniform(1.0, 6.0), 1)), lo=3)
    if kind != FRAUD and rng.random() < mix.handbag:
        behaviours.append("handbag")
        insert(Act("handbag", _gap(rng), grams=round(min(2500.0, max(300.0, rng.lognormvariate(math.log(800.0),
                                                                                              0.4))), 1),
                   seconds=round(rng.uniform(5.0, 30.0), 1)))
    if rng.random() < mix.lean:
        behaviours.append("lean")
        for _ in range(rng.randint(1, 3)):
            insert(Act("lean", round(rng.uniform(0.5, 3.0), 1), grams=round(rng.uniform(100.0, 1500.0), 1),
                       seconds=round(rng.uniform(1.0, 5.0), 1)))
    if rng.random() < mix.bump:
        behaviours.append("bump")
        for _ in range(rng.randint(1, 2)):
            insert(Act("bump", round(rng.uniform(0.5, 3.0), 1), grams=round(rng.uniform(20.0, 60.0), 1)))

    units = [i for i, a in enumerate(acts) if a.kind == "unit" and a.unit is not None and a.unit.baggable
             and not store.by_sku[a.unit.sku].kind == "weighed"]
    if kind == MISTAKE:
        mistake = behaviour or rng.choice(MISTAKES)
        if units:
            i = rng.choice(units)
            acts[i] = Act(mistake, acts[i].gap_s, acts[i].unit)
            behaviours.append(mistake)
        else:
            kind = HONEST
    elif kind == FRAUD:
        fraud = behaviour or rng.choice(FRAUDS)
        done = _plan_fraud(store, fraud, acts, units, rng, mix)
        if done:
            behaviours.append(fraud)
        else:
            kind = HONEST
    skus = sorted({u.sku for a in acts for u in (a.unit, a.other) if u is not None})
    return Plan(index, kind, tuple(behaviours), tuple(acts), own_bag_g, own_bag_first, start_touch, tuple(skus))


def _stolen(store: Store, rng: random.Random, mix: Mix) -> Unit:
    """An article a thief takes: its weight class first (so every class is measured), then an article of it."""
    cls = rng.choices(WEIGHT_CLASSES, weights=(0.2, 0.35, 0.45))[0]
    pool = store.by_class[cls] or store.by_class[WEIGHT_CLASSES[2]]
    return _draw_unit(store, rng.choice(pool), rng, mix)


def _plan_fraud(store: Store, fraud: str, acts: list[Act], units: list[int], rng: random.Random,
                mix: Mix) -> bool:
    if fraud in (UNSCANNED, STACKED):
        stolen = _stolen(store, rng, mix)
        if fraud == UNSCANNED:
            acts.insert(rng.randint(min(1, len(acts)), len(acts)), Act(UNSCANNED, _gap(rng), stolen))
            return True
        if not units:
            return False
        i = rng.choice(units)
        acts[i] = Act(STACKED, acts[i].gap_s, acts[i].unit, stolen)
        return True
    if fraud in (SWITCH_LIGHTER, SWITCH_HEAVIER):
        pool = store.packaged
        for _ in range(50):
            bagged = rng.choice(pool)
            if fraud == SWITCH_LIGHTER:
                # Scan a cheaper, lighter article's code; bag the heavier one.
                decoys = [a for a in pool if a.item.price_cents < bagged.item.price_cents
                          and a.mean_g < bagged.mean_g and a.sku != bagged.sku]
            else:
                # Scan a cheap heavier article's code; bag a lighter, dearer one.
                decoys = [a for a in pool if a.item.price_cents < bagged.item.price_cents
                          and a.mean_g > bagged.mean_g and a.sku != bagged.sku]
            if decoys:
                decoy = rng.choice(decoys)
                act = Act(fraud, _gap(rng), _draw_unit(store, bagged, rng, mix), _draw_unit(store, decoy, rng, mix))
                acts.insert(rng.randint(min(1, len(acts)), len(acts)), act)
                return True
        return False
    if fraud == TAKEN_OUT:
        if not units:
            return False
        # The dearest unit bagged, taken back out one to three items later (or just before paying).
        i = max(units, key=lambda j: (store.by_sku[acts[j].unit.sku].item.price_cents, -j))  # type: ignore[union-attr]
        pos = min(len(acts), i + 1 + rng.randint(1, 3))
        acts.insert(pos, Act(TAKEN_OUT, _gap(rng), acts[i].unit, target=i))
        return True
    raise ValueError(f"unknown fraud {fraud!r}")


# --------------------------------------------------------------------------------------------- the closed loop

@dataclass(eq=False)
class Thing:
    """Something physical the shopper or attendant handles; ``where`` it is now."""

    kind: str                   # item, own_bag, handbag
    grams: float
    sku: str = ""
    code: str = ""
    paid: bool = True           # scanned as what it is (or not merchandise)
    scanned_as: str = ""        # a ticket switch: the sku whose code was scanned for it
    truth: str = ""             # the mistake or fraud it belongs to
    where: str = "hand"         # hand, scale, lifted, pocket, trolley, gone


@dataclass(frozen=True)
class Action:
    """A labelled mistake or fraud (a ``truth`` line)."""

    kind: str
    sku: str
    grams: float
    t_action: float


@dataclass(frozen=True)
class IvRecord:
    """An intervention as the simulator saw it over its life."""

    id: int
    kind: str
    prompt: str
    t_raised: float
    t_alerted: float | None
    t_resolved: float | None
    resolved_by: str | None
    resolution: str | None


@dataclass(frozen=True)
class TxnRecord:
    """What one simulated transaction was (truth) and what the lane did (interventions)."""

    index: int
    kind: str                              # honest, mistake, fraud
    behaviours: tuple[str, ...]
    actions: tuple[Action, ...]
    interventions: tuple[IvRecord, ...]
    t_start: float
    t_end: float
    status: str                            # paid, cancelled, stuck, ...
    unpaid_left: tuple[tuple[str, float], ...] = ()   # items that left the store unpaid (sku, grams)
    attendant_visits: int = 0

    @property
    def honest(self) -> bool:
        return self.kind == HONEST


@dataclass
class _Wait:
    at: float | None = None
    pred: Callable[[], bool] | None = None


@dataclass
class _Actor:
    name: str
    gen: Iterator[_Wait]
    wait: _Wait = field(default_factory=_Wait)


class Checkout:
    """One transaction of ``plan`` played against ``runner`` from ``t0``; :meth:`run` returns its record.

    ``lines`` is the scenario written so far (JSON texts); each was parsed and fed to the runner as written.
    """

    def __init__(self, plan: Plan, store: Store, runner: ScenarioRunner, t0: float, seed: str, *,
                 learned: dict[str, Any] | None = None, pin: str = "1234", limit_s: float = LIMIT_S):
        self.plan = plan
        self.store = store
        self.runner = runner
        self.t0 = round(t0, 1)
        self.now = self.t0
        self.pin = pin
        self.limit_s = limit_s
        self.model = LoadCellModel(random.Random(f"{seed}/scale"))
        self.rng = random.Random(f"{seed}/react")
        self.lines: list[str] = []
        self.things: list[Thing] = []
        self.actions: list[Action] = []
        self.ivs: dict[int, Intervention] = {}
        self.status = ""
        self.attendant_visits = 0
        self._k = 0
        self._last_v: float | None = None
        self._last_t = -1e9
        self._actors: list[_Actor] = []
        self._spawned: list[_Actor] = []
        self._seen_ivs: tuple = ()
        self._reacted: set[int] = set()
        self._attendant = False            # an attendant is called (on the way or here)
        self._attendant_here = False       # ... and at the lane: the shopper waits for them to finish
        self._idle_answer = False
        self._busy = 0
        self._commands = 0
        self._bag_tapped = False
        self._shopper_done = False
        self._txn_status = "none"
        self._holding: list[Thing] = []       # scanned units in the shopper's hand, not yet bagged
        self._held: list[Thing] = []          # items the attendant took to scan them properly
        self.emit(learned=learned or {})
        self.emit(truth="transaction", behaviour=list(plan.behaviours), honest=plan.honest, kind=plan.kind,
                  index=plan.index)

    # ------------------------------------------------------------------------------------------------ inputs

    def emit(self, **data: Any) -> None:
        """Write one scenario line at the current time and feed exactly that line to the lane."""
        text = json.dumps({"t": self.now, **data}, ensure_ascii=False)
        self.lines.append(text)
        (step,) = parse_scenario([text], "<bench>")
        self.runner.step(step)
        txn = self.state.txn
        if txn is not None:
            self._txn_status = txn.status
        self._observe()

    def scan(self, code: str) -> bool:
        """Scan ``code``; True if the lane took it (a line was added or counted up)."""
        before = self._scan_mark()
        self.emit(scan=code)
        return self._scan_mark() != before

    def touch(self, action: str, arg: str | None = None) -> None:
        if arg is None:
            self.emit(touch=action)
        else:
            self.emit(touch=action, arg=arg)

    def command(self, command: str, **extra: Any) -> None:
        """The attendant signs in with the PIN at the lane, gives ``command`` and signs out."""
        self._commands += 1
        self.emit(attendant=command, pin=self.pin, command_id=f"bench-{self.plan.index}-{self._commands}",
                  **{k: v for k, v in extra.items() if v is not None})

    def label(self, kind: str, thing: Thing) -> None:
        action = Action(kind, thing.sku, round(thing.grams, 1), self.now)
        self.actions.append(action)
        self.emit(truth=kind, sku=thing.sku, grams=action.grams, t_action=self.now)

    # ----------------------------------------------------------------------------------------------- physics

    def put(self, things: list[Thing], ramp_s: float = 0.15, drop: bool = False) -> None:
        grams = sum(t.grams for t in things)
        if drop:
            self.model.drop(self.now, grams, overshoot=self.rng.uniform(0.8, 1.5))
        else:
            self.model.place(self.now, grams, ramp_s)
        for t in things:
            t.where = "scale"
            if t not in self.things:
                self.things.append(t)

    def take(self, things: list[Thing], where: str, ramp_s: float = 0.3) -> None:
        things = [t for t in things if t.where == "scale"]
        if things:
            self.model.remove(self.now, sum(t.grams for t in things), ramp_s)
            for t in things:
                t.where = where

    def on_scale(self, pred: Callable[[Thing], bool] = lambda t: True) -> list[Thing]:
        return [t for t in self.things if t.where == "scale" and pred(t)]

    # -------------------------------------------------------------------------------------------- the lane

    @property
    def state(self):
        return self.runner.lane.state

    def _scan_mark(self) -> tuple | None:
        txn = self.state.txn
        if txn is None:
            return None
        return txn.number, txn.next_line, sum(ln.qty + ln.voided_qty for ln in txn.lines)

    def _open(self, iid: int) -> bool:
        iv = self.state.intervention(iid)
        return iv is not None and iv.status != "resolved"

    def _open_ivs(self) -> list[Intervention]:
        return [iv for iv in self.state.interventions if iv.status != "resolved" and iv.kind != DEVICE_FAULT]

    def _prompt(self, iv: Intervention) -> str:
        return iv.prompt or DEFAULT_PROMPT.get(iv.kind, "")

    def _observe(self) -> None:
        ivs = self.state.interventions
        if ivs is self._seen_ivs:
            return
        self._seen_ivs = ivs
        for iv in ivs:
            old = self.ivs.get(iv.id)
            self.ivs[iv.id] = iv
            if old is None and iv.kind in SECURITY_KINDS and self.plan.reacts and iv.id not in self._reacted:
                self._reacted.add(iv.id)
                self._spawn(f"react-{iv.id}", self._react(iv.id))
            if iv.status == "alerted" and (old is None or old.status != "alerted") and not self._attendant \
                    and iv.kind != DEVICE_FAULT:
                self._attendant = True
                self._spawn("attendant", self._attendant_visit())

    # ------------------------------------------------------------------------------------------- scheduling

    def sleep(self, seconds: float) -> _Wait:
        return _Wait(at=round(self.now + max(TICK_S, round(seconds, 1)), 1))

    def until(self, pred: Callable[[], bool], timeout_s: float | None = None) -> _Wait:
        return _Wait(at=None if timeout_s is None else round(self.now + max(TICK_S, timeout_s), 1), pred=pred)

    def _spawn(self, name: str, gen: Iterator[_Wait]) -> None:
        self._spawned.append(_Actor(name, gen, _Wait(at=self.now)))

    def _ready(self, actor: _Actor) -> bool:
        w = actor.wait
        if w.at is not None and self.now >= w.at - 1e-9:
            return True
        return w.pred is not None and w.pred()

    def run(self) -> TxnRecord:
        """Play the plan to its end: paid (or cancelled), the bags taken away, no attendant still on the way."""
        self._spawn("shopper", self._shopper())
        while True:
            progressed = True
            while progressed:
                progressed = False
                if self._spawned:
                    self._actors.extend(self._spawned)
                    self._spawned = []
                for actor in list(self._actors):
                    if self._ready(actor):
                        progressed = True
                        try:
                            actor.wait = next(actor.gen)
                        except StopIteration:
                            self._actors.remove(actor)
            self._sample()
            if self._shopper_done and not self._attendant:
                break
            if self.now - self.t0 > self.limit_s and self.status != "stuck":
                self.status = "stuck"
                self._actors = []
                self._spawned = []
                self._spawn("cancel", self._cancel())
            self._k += 1
            self.now = round(self.t0 + self._k * TICK_S, 1)
        self._observe()
        return self.record()

    def _sample(self) -> None:
        v = self.model.reading(self.now)
        if self._last_v is None or abs(v - self._last_v) >= THIN_G or self.now - self._last_t >= THIN_S - 1e-9:
            self._last_v, self._last_t = v, self.now
            self.emit(scale=v)
        else:
            self._observe()
        if self.state.idle_stage == 1 and not self._idle_answer:
            self._idle_answer = True
            self._spawn("still-there", self._still_there())

    def record(self) -> TxnRecord:
        if not self.status:
            self.status = self._txn_status
        ivs = tuple(IvRecord(iv.id, iv.kind, self._prompt(iv), iv.t_raised, iv.t_alerted, iv.t_resolved,
                             iv.resolved_by, iv.resolution) for iv in sorted(self.ivs.values(), key=lambda i: i.id))
        unpaid = tuple((t.sku, round(t.grams, 1)) for t in self.things
                       if t.kind == "item" and (not t.paid or t.scanned_as) and t.where in ("gone", "pocket"))
        return TxnRecord(self.plan.index, self.plan.kind, self.plan.behaviours, tuple(self.actions), ivs, self.t0,
                         self.now, self.status, unpaid, self.attendant_visits)

    # --------------------------------------------------------------------------------------------- the shopper

    def _wait_ready(self) -> Iterator[_Wait]:
        """Until the lane lets the shopper go on (nothing blocking, no correction under way)."""
        while self.state.blocked or self._busy or self._attendant_here:
            yield self.until(lambda: not self.state.blocked and not self._busy and not self._attendant_here)

    def _shopper(self) -> Iterator[_Wait]:
        plan = self.plan
        yield self.sleep(self.rng.uniform(1.0, 3.0))
        if plan.own_bag_g is not None:
            bag = Thing("own_bag", plan.own_bag_g)
            self.touch("own_bag" if plan.own_bag_first else "start")
            self._bag_tapped = plan.own_bag_first
            yield self.sleep(self.rng.uniform(1.0, 3.0))
            self.put([bag], self.rng.uniform(0.1, 0.3))
        elif plan.start_touch:
            self.touch("start")
        placed: dict[int, Thing] = {}
        for i, act in enumerate(plan.acts):
            yield from self._wait_ready()
            yield self.sleep(act.gap_s)
            yield from self._wait_ready()
            thing = yield from self._do(act)
            if thing is not None:
                placed[i] = thing
            if act.kind == TAKEN_OUT:
                target = placed.get(act.target)
                if target is not None and target.where == "scale":
                    self.take([target], "pocket", self.rng.uniform(0.2, 0.5))
                    target.truth = TAKEN_OUT
                    self.label(TAKEN_OUT, target)
        yield from self._pay()
        self._shopper_done = True

    def _do(self, act: Act) -> Iterator[_Wait]:
        u = act.unit
        if act.kind == "lean":
            self.model.lean(self.now, act.seconds, act.grams)
            return None
        if act.kind == "bump":
            self.model.bump(self.now, act.grams)
            return None
        if act.kind == "handbag":
            bag = Thing("handbag", act.grams)
            self.put([bag], 0.2)
            self._spawn("handbag", self._handbag(bag, act.seconds))
            return None
        if act.kind == "rearrange":
            lifted = self.on_scale(lambda t: t.kind in ("item", "own_bag"))
            if not any(t.kind == "own_bag" for t in lifted):
                lifted = lifted[-self.rng.randint(1, 4):]
            if not lifted:
                return None
            self.take(lifted, "lifted", self.rng.uniform(0.2, 0.5))
            yield self.sleep(act.seconds)
            back = [t for t in lifted if t.where == "lifted"]
            if back:
                self.put(back, self.rng.uniform(0.1, 0.3))
            return None
        if act.kind == TAKEN_OUT:
            return None       # the shopper loop takes the target out
        assert u is not None
        thing = Thing("item", u.grams, u.sku, u.code)
        if act.kind in ("unit", DOUBLE_SCAN, STACKED):
            yield from self._scan_until_taken(u.code)
            if act.kind == DOUBLE_SCAN:
                yield self.sleep(self.rng.uniform(0.5, 1.5))
                if self.scan(u.code):
                    self.label(DOUBLE_SCAN, thing)
            if not u.baggable:
                thing.where = "trolley"
                return thing
            yield from self._bag(thing, u)
            if act.kind == STACKED:
                assert act.other is not None
                extra = Thing("item", act.other.grams, act.other.sku, act.other.code, paid=False, truth=STACKED)
                # Set down together with the scanned one, in the same movement.
                self.model.place(self.now, extra.grams, u.ramp_s)
                extra.where = "scale"
                self.things.append(extra)
                self.label(STACKED, extra)
            if act.kind == DOUBLE_SCAN:
                yield from self._double_scan_fix()
            return thing
        if act.kind in (FORGOT_SCAN, UNSCANNED):
            thing.paid = False
            thing.truth = act.kind
            self.put([thing], u.ramp_s, u.drop)
            self.label(act.kind, thing)
            return thing
        if act.kind in (SWITCH_LIGHTER, SWITCH_HEAVIER):
            assert act.other is not None
            yield from self._scan_until_taken(act.other.code)
            thing.scanned_as = act.other.sku
            thing.truth = act.kind
            yield self.sleep(u.bag_after_s)
            self.put([thing], u.ramp_s, u.drop)
            self.label(act.kind, thing)
            return thing
        raise ValueError(f"unknown act {act.kind!r}")

    def _scan_until_taken(self, code: str) -> Iterator[_Wait]:
        for _ in range(20):
            if self.scan(code):
                return
            yield self.sleep(self.rng.uniform(1.0, 2.0))
            yield from self._wait_ready()

    def _bag(self, thing: Thing, u: Unit) -> Iterator[_Wait]:
        """Put a scanned unit in the bagging area: after ``bag_after_s``, or (slow) when the lane asks for it."""
        self._holding.append(thing)
        if u.slow:
            deadline = round(self.now + u.bag_after_s, 1)
            yield self.until(lambda: self._asks("bag_item") or thing.where != "hand", timeout_s=u.bag_after_s)
            if self.now < deadline and thing.where == "hand":
                yield self.sleep(min(self.rng.uniform(2.0, 8.0), deadline - self.now))
        else:
            yield self.sleep(u.bag_after_s)
        if thing in self._holding:
            self._holding.remove(thing)
        if thing.where == "hand":            # (an attendant may have told them to put it down already)
            self.put([thing], u.ramp_s, u.drop)

    def _waiting_for_items(self) -> bool:
        return any(not getattr(e, "optional", False) for e in self.state.bagging.expected)

    def _asks(self, prompt: str) -> bool:
        return any(iv.status != "resolved" and self._prompt(iv) == prompt for iv in self.state.interventions)

    def _double_scan_fix(self) -> Iterator[_Wait]:
        """One unit too many was scanned: when the lane asks to bag it, an honest shopper takes it back."""
        yield self.until(lambda: self._asks("bag_item") or not self.state.bagging.expected, timeout_s=120.0)
        if self._asks("bag_item") and self.plan.reacts:
            yield self.sleep(self.rng.uniform(2.0, 8.0))
            if self._asks("bag_item"):
                self.touch("void_last")

    def _handbag(self, bag: Thing, seconds: float) -> Iterator[_Wait]:
        yield self.sleep(seconds)
        if bag.where == "scale":
            self.take([bag], "hand", 0.3)

    def _still_there(self) -> Iterator[_Wait]:
        yield self.sleep(self.rng.uniform(2.0, 8.0))
        if self.state.idle_stage == 1:
            self.touch("continue")
        self._idle_answer = False

    def _pay(self) -> Iterator[_Wait]:
        """Tap "pay" once nothing is open; after five refusals ask for help (the watchdog ends a lane that never
        lets them pay). Then no receipt, take the bags, done."""
        refused = 0
        yield self.sleep(self.rng.uniform(2.0, 6.0))         # to the screen, a look at the total
        while True:
            yield from self._wait_ready()
            yield self.until(lambda: not self._waiting_for_items() and not self._open_ivs(), timeout_s=30.0)
            yield from self._wait_ready()
            if self.state.mode in (SCANNING, BAGGING):
                self.touch("pay")
            yield self.sleep(1.0)
            if self.state.mode not in (SCANNING, BAGGING):
                break
            refused += 1
            if refused == 5:
                self.touch("help")
            yield self.sleep(self.rng.uniform(2.0, 4.0))
        yield self.until(lambda: self.state.mode not in (PAYMENT,), timeout_s=60.0)
        if self.state.mode == RECEIPT:
            yield self.sleep(self.rng.uniform(1.0, 3.0))
            self.touch("receipt", "none")
        yield from self._leave()

    def _leave(self) -> Iterator[_Wait]:
        """Take the bags and go (an item in the pocket goes too)."""
        for t in self.things:
            if t.where in ("hand", "lifted", "pocket", "trolley"):
                t.where = "gone"
        while self.on_scale():
            left = self.on_scale()
            n = max(1, math.ceil(len(left) / self.rng.randint(1, 3)))
            self.take(left[:n], "gone", self.rng.uniform(0.2, 0.5))
            yield self.sleep(self.rng.uniform(1.0, 2.0))
        if self.state.mode == THANK_YOU:
            self.touch("done")
        yield self.sleep(1.0)

    # -------------------------------------------------------------------------------------- prompts and help

    def _react(self, iid: int) -> Iterator[_Wait]:
        """An honest shopper reads the prompt and, a few seconds later, corrects what it asks for (if they can)."""
        yield self.sleep(self.rng.uniform(2.0, 8.0))
        iv = self.state.intervention(iid)
        if iv is None or iv.status == "resolved":
            return
        prompt = self._prompt(iv)
        self._busy += 1
        try:
            handbags = self.on_scale(lambda t: t.kind == "handbag")
            lifted = [t for t in self.things if t.where == "lifted"]
            forgotten = self.on_scale(lambda t: t.truth == FORGOT_SCAN and not t.paid)
            if prompt in ("own_bag", "scan_or_remove", "place_scanned_only") and handbags:
                self.take(handbags, "hand", 0.3)
            elif prompt in ("own_bag", "scan_or_remove") and not self._bag_tapped and \
                    self.on_scale(lambda t: t.kind == "own_bag"):
                self._bag_tapped = True
                self.touch("own_bag")
            elif prompt == "scan_or_remove" and forgotten:
                yield from self._scan_forgotten(forgotten[0])
            elif prompt in ("put_back", "put_all_back") and lifted:
                self.put(lifted, 0.2)
        finally:
            self._busy -= 1

    def _scan_forgotten(self, thing: Thing) -> Iterator[_Wait]:
        if self.scan(thing.code):
            thing.paid = True
            return
        # The lane would not take the scan: take it off, scan it, put it back.
        self.take([thing], "hand", 0.3)
        yield self.sleep(self.rng.uniform(2.0, 4.0))
        yield from self._scan_until_taken(thing.code)
        thing.paid = True
        yield self.sleep(self.rng.uniform(1.5, 4.0))
        self.put([thing], 0.15)

    def _attendant_visit(self) -> Iterator[_Wait]:
        """The attendant walks over, deals with every alert at the lane, and leaves."""
        yield self.sleep(self.rng.uniform(15.0, 45.0))
        self.attendant_visits += 1
        self._attendant_here = True
        for _ in range(12):
            ivs = [iv for iv in self._open_ivs() if iv.status == "alerted"]
            if not ivs:
                break
            yield from self._handle(ivs[0])
            yield self.sleep(self.rng.uniform(2.0, 5.0))
        self._attendant = False
        self._attendant_here = False
        # Anything alerted while the attendant was busy brings them back.
        if any(iv.status == "alerted" for iv in self._open_ivs()):
            self._attendant = True
            self._spawn("attendant", self._attendant_visit())

    def _handle(self, iv: Intervention) -> Iterator[_Wait]:
        """Look, put right what is wrong, approve what is left (a confirmed weight), then scan and bag what the
        attendant took aside."""
        if iv.kind == AGE_CHECK:
            self.command("verify_age", intervention=iv.id)
            return
        found = False
        if iv.kind in SECURITY_KINDS or iv.kind == RESCAN_AUDIT:
            found = yield from self._inspect()
            if found:
                yield self.sleep(self.rng.uniform(2.0, 4.0))
        if self._open(iv.id):
            if iv.kind == RESCAN_AUDIT:
                self.command("audit_done", intervention=iv.id, arg="found" if found else "ok")
            elif iv.kind == ITEM_NOT_BAGGED and self._holding:
                thing = self._holding.pop(0)        # "put it in the bagging area, please"
                self.put([thing], 0.2)
                yield self.sleep(self.rng.uniform(2.0, 4.0))
                if self._open(iv.id):
                    self.command("approve", intervention=iv.id)
            else:
                self.command("approve", intervention=iv.id)
        yield from self._rebag()

    def _inspect(self) -> Iterator[_Wait]:
        """What the attendant finds in the bagging area and around it; True if anything was wrong."""
        found = False
        for thing in self.on_scale(lambda t: t.kind == "item" and not t.paid):
            found = True
            if self.scan(thing.code):               # scanning is allowed while an unexpected item is open
                thing.paid = True
            else:
                self.take([thing], "attendant", 0.3)
                self._held.append(thing)
            yield self.sleep(self.rng.uniform(2.0, 4.0))
        for thing in self.on_scale(lambda t: t.kind == "item" and bool(t.scanned_as)):
            found = True
            line = self._line_of(thing.scanned_as)
            if line is not None:
                if line.qty > 1:
                    self.command("set_qty", line=line.id, arg=str(line.qty - 1))
                else:
                    self.command("void_line", line=line.id)
                yield self.sleep(self.rng.uniform(2.0, 4.0))
            self.take([thing], "attendant", 0.3)
            thing.scanned_as = ""
            thing.paid = False
            self._held.append(thing)
            yield self.sleep(self.rng.uniform(2.0, 4.0))
        missing = [t for t in self.things if t.where in ("pocket", "lifted") and t.kind in ("item", "own_bag")]
        if missing:
            found = found or any(t.where == "pocket" for t in missing)
            self.put(missing, 0.2)
            yield self.sleep(self.rng.uniform(2.0, 4.0))
        handbags = self.on_scale(lambda t: t.kind == "handbag")
        if handbags:
            self.take(handbags, "hand", 0.3)
            yield self.sleep(self.rng.uniform(2.0, 4.0))
        return found

    def _rebag(self) -> Iterator[_Wait]:
        """Scan what the attendant took aside and put it in the bagging area (approving what blocks the scan)."""
        while self._held:
            thing = self._held.pop(0)
            for _ in range(3):
                if self.scan(thing.code):
                    thing.paid = True
                    break
                for blocking in [iv for iv in self._open_ivs() if iv.blocking]:
                    self.command("approve", intervention=blocking.id)
                yield self.sleep(self.rng.uniform(1.0, 2.0))
            if not thing.paid:
                thing.where = "store"                # not sold: the attendant keeps it
                continue
            yield self.sleep(self.rng.uniform(1.0, 3.0))
            self.put([thing], 0.2)
            yield self.sleep(self.rng.uniform(2.0, 4.0))

    def _line_of(self, sku: str):
        txn = self.state.txn
        if txn is None:
            return None
        for line in reversed(txn.lines):
            if line.kind == ITEM and line.qty > 0 and line.sku == sku:
                return line
        return None

    def _cancel(self) -> Iterator[_Wait]:
        """A stuck transaction: the attendant cancels it and the shopper clears the bagging area."""
        if self.state.txn is not None and self.state.txn.status == "open":
            self.command("cancel")
        yield from self._leave()
        self._shopper_done = True
        self._attendant = self._attendant_here = False
