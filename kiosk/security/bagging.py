"""The bagging-area weight model: does a settled weight change fit what was scanned?

Fed by settled readings of the bagging scale (never raw samples) and by the lane's scans and voids. It knows the weight
it has accepted so far and the items it is still waiting for; each settled change is compared with the sums of the
pending expectations, oldest first, so that a shopper who scans two items and bags them together is not stopped.
A removal (a voided item taken back out) is an expectation with a negative weight. Items that may stay in the
trolley (``no_bag``) are optional expectations: bagged, they are accepted; left out, nobody waits for them.

What each expectation weighs comes from ``kiosk.security.weights`` (learned estimates or the catalog). The verdict
is data (``Verdict``); the reducer decides what to do with it: an unexplained change must persist for
``confirm_s`` before the shopper is prompted (a hand on the rail, a bag being rearranged), the first small mismatch
of a transaction may be forgiven, and the shopper gets ``nudge_s`` to correct anything before an attendant is called.
Accepted placements are kept (``Placement``) for learning, for the total check at payment and for the risk score.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from kiosk.lane.settings import Settings
from kiosk.lane.state import BaggingArea, Expectation, Placement
from kiosk.security.weights import Expected

ACCEPTED = "accepted"      # the change matches the first ``count`` expectations (or one optional one)
NOISE = "noise"            # within noise of the accepted weight: rearranged bags, or a removed item put back
OWN_BAG = "own_bag"        # the announced own bag, learned as tare
UNEXPECTED = "unexpected"  # heavier, nothing expected
REMOVED = "removed"        # lighter, nothing expected to leave
MISMATCH = "mismatch"      # changed, but not by what was expected

GOOD = frozenset({ACCEPTED, NOISE, OWN_BAG})
#: Placements whose expectation has a known spread: the total check at payment adds them up.
TOTAL_SOURCES = frozenset({"learned", "label"})


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str
    delta_g: float
    count: int = 0                   # expectations met (ACCEPTED)
    expected_g: float | None = None  # what the lane expected instead (MISMATCH)
    optional: int | None = None      # ACCEPTED: index of the optional expectation that was met
    forgivable: int = 0              # MISMATCH: close enough to the first k expectations to be forgiven once
    bag_g: float = 0.0               # ACCEPTED: of the change, the announced own bag (tare)


def expect(area: BaggingArea, line: int, sku: str | None, weight: Expected | float | None, t_due: float,
           settings: Settings, item_tolerance_g: float | None = None, optional: bool = False,
           t_since: float = 0.0) -> BaggingArea:
    """Wait for an item to arrive (negative weight: to be taken out) by ``t_due``.

    ``weight`` is an ``Expected`` from the weight model, or plain grams (a removal, a test) with the catalog's
    tolerance rule, or None for an item of unknown weight.
    """
    if isinstance(weight, Expected):
        exp = Expectation(line, sku, weight.mean_g, weight.tolerance_g, t_due, weight.sd_g, weight.min_g,
                          weight.max_g, optional, weight.source, t_since)
    else:
        tol = settings.tolerance_for(abs(weight) if weight is not None else 0.0, item_tolerance_g)
        exp = Expectation(line, sku, weight, tol, t_due, tol / settings.tolerance_sigma,
                          settings.weight_threshold_g, settings.unknown_weight_max_g, optional, "catalog", t_since)
    return replace(area, expected=area.expected + (exp,))


def forget(area: BaggingArea, line: int, count: int | None = None) -> tuple[BaggingArea, int]:
    """Drop up to ``count`` (all if None) expectations of ``line``, newest first; returns how many were dropped."""
    kept = list(area.expected)
    dropped = 0
    for i in range(len(kept) - 1, -1, -1):
        if kept[i].line == line and (count is None or dropped < count):
            del kept[i]
            dropped += 1
    return replace(area, expected=tuple(kept)), dropped


def required(area: BaggingArea) -> tuple[Expectation, ...]:
    """The expectations the lane waits for (not the optional ones)."""
    return tuple(e for e in area.expected if not e.optional)


def judge(area: BaggingArea, grams: float, settings: Settings) -> Verdict:
    """What a new settled reading means, given the accepted weight and the pending expectations."""
    delta = grams - area.accepted_g
    threshold = settings.weight_threshold_g
    # Oldest first: the k-th candidate is "the first k expected items arrived (or left) together". When several
    # fit, the one that explains the most items wins (two milks and a roll of unknown weight placed together).
    total = 0.0
    var = 0.0
    lo = hi = 0.0
    unknown = 0
    best = 0
    near = 0      # the most items that fit within forgive_factor times their tolerance
    pending = required(area)
    for k, exp in enumerate(pending, start=1):
        if exp.weight_g is None:
            unknown += 1
            lo += exp.min_g
            hi += exp.max_g
        else:
            total += exp.weight_g
            var += exp.tolerance_g ** 2
        # Tolerances of items placed together add like independent errors, never less than the largest one.
        tol = math.sqrt(var)
        if unknown:
            rest = delta - total
            if lo - tol <= rest <= hi + tol and rest > threshold * unknown:
                best = k
        elif abs(delta - total) <= tol:
            best = k
        elif abs(delta - total) <= settings.forgive_factor * tol and total > 0:
            near = k
    if best:
        return Verdict(ACCEPTED, delta, best)
    for i, exp in enumerate(area.expected):
        if exp.optional and _fits(exp, delta, threshold):
            return Verdict(ACCEPTED, delta, 0, optional=i)
    if abs(delta) <= threshold:
        return Verdict(NOISE, delta)
    if area.own_bag:
        k, bag = _bag_split(pending, delta, settings, area.t_measured)
        if k == 0:
            return Verdict(OWN_BAG, delta)
        if k > 0:
            return Verdict(ACCEPTED, delta, k, bag_g=bag)
    if pending:
        return Verdict(MISMATCH, delta, expected_g=pending[0].weight_g, forgivable=near)
    return Verdict(UNEXPECTED if delta > 0 else REMOVED, delta)


def _bag_split(pending: tuple[Expectation, ...], delta: float, settings: Settings,
               t_change: float | None) -> tuple[int, float]:
    """Can the change be the first k expected items (of known weight) plus an own bag? (k, bag grams); k -1: no.

    An item scanned less than ``settle_s`` before the scale settled at the change cannot be in it: putting it down
    and the platform settling take longer than that (a bag put down, then an item scanned, is a bag alone).
    """
    total = 0.0
    var = 0.0
    options = [(0, delta, 0.0)]
    for k, exp in enumerate(pending, start=1):
        if exp.weight_g is None or exp.weight_g < 0:
            break
        if t_change is not None and exp.t_since > t_change - settings.settle_s:
            break
        total += exp.weight_g
        var += exp.tolerance_g ** 2
        options.append((k, delta - total, math.sqrt(var)))
    for k, bag, tol in reversed(options):      # the most items first
        if settings.weight_threshold_g + tol < bag <= settings.own_bag_max_g:
            return k, bag
    return -1, 0.0


def bag_explains(area: BaggingArea, delta: float, settings: Settings) -> bool:
    """Would an own bag (with some of the expected items) explain this change? Then the prompt asks about the bag."""
    if area.tare_g > 0:
        return False
    k, bag = _bag_split(required(area), delta, settings, area.t_measured)
    return k >= 0 and bag <= settings.own_bag_prompt_g


def _fits(exp: Expectation, delta: float, threshold: float) -> bool:
    if exp.weight_g is None:
        return max(exp.min_g, threshold) <= delta <= exp.max_g
    return abs(delta - exp.weight_g) <= exp.tolerance_g


def apply(area: BaggingArea, grams: float, verdict: Verdict) -> BaggingArea:
    """The bagging area after a verdict: accepted changes move the accepted weight, others only the measurement."""
    if verdict.kind == ACCEPTED:
        if verdict.optional is not None:
            met = (area.expected[verdict.optional],)
            rest = area.expected[:verdict.optional] + area.expected[verdict.optional + 1:]
        else:
            ids = _first_required(area, verdict.count)
            met = tuple(area.expected[i] for i in ids)
            rest = tuple(e for i, e in enumerate(area.expected) if i not in ids)
        items_g = verdict.delta_g - verdict.bag_g
        if verdict.bag_g:
            area = replace(area, own_bag=False, tare_g=area.tare_g + verdict.bag_g)
        return replace(area, accepted_g=grams, measured_g=grams, expected=rest, suspect_t=None,
                       bagged_g=area.bagged_g + items_g, placements=area.placements + (_placement(met, items_g),))
    if verdict.kind == OWN_BAG:
        return replace(area, accepted_g=grams, measured_g=grams, own_bag=False, suspect_t=None,
                       tare_g=area.tare_g + verdict.delta_g)
    if verdict.kind == NOISE:
        return replace(area, measured_g=grams, suspect_t=None)
    return replace(area, measured_g=grams)


def forgive(area: BaggingArea, verdict: Verdict) -> BaggingArea:
    """Accept a small mismatch as the first ``verdict.forgivable`` expected items (once per transaction)."""
    ids = _first_required(area, verdict.forgivable)
    met = tuple(area.expected[i] for i in ids)
    p = _placement(met, verdict.delta_g, forgiven=True)
    return replace(area, accepted_g=area.measured_g, expected=tuple(e for i, e in enumerate(area.expected)
                                                                    if i not in ids),
                   suspect_t=None, bagged_g=area.bagged_g + verdict.delta_g, placements=area.placements + (p,),
                   forgiven=area.forgiven + 1)


def _first_required(area: BaggingArea, count: int) -> tuple[int, ...]:
    return tuple(i for i, e in enumerate(area.expected) if not e.optional)[:count]


def _placement(met: tuple[Expectation, ...], delta: float, forgiven: bool = False,
               approved: bool = False) -> Placement:
    known = [e for e in met if e.weight_g is not None]
    expected = sum(e.weight_g for e in known) if known else None  # type: ignore[misc]
    sd = math.sqrt(sum(e.sd_g ** 2 for e in known))
    lines = tuple(e.line for e in met)
    sku = met[0].sku if len({e.sku for e in met}) == 1 else None
    sources = {e.source for e in met}
    return Placement(lines, sku, expected if len(known) == len(met) else None, sd, delta, len(met), forgiven,
                     sources.pop() if len(sources) == 1 else "mixed", approved)


def accept_measured(area: BaggingArea, drop_first: int = 0) -> BaggingArea:
    """An attendant accepts what is on the scale now (and, for a mismatch, that the first item(s) are bagged)."""
    ids = _first_required(area, drop_first)
    met = tuple(area.expected[i] for i in ids)
    placements = area.placements
    if met:
        placements += (_placement(met, area.measured_g - area.accepted_g, approved=True),)
    return replace(area, accepted_g=area.measured_g, suspect_t=None,
                   expected=tuple(e for i, e in enumerate(area.expected) if i not in ids), placements=placements)


@dataclass(frozen=True, slots=True)
class TotalCheck:
    ok: bool
    bagged_g: float        # what the accepted placements of known weight weighed
    expected_g: float      # what they should weigh together
    allowed_g: float       # the allowed difference


def total_check(area: BaggingArea, settings: Settings) -> TotalCheck:
    """At payment: does the sum of what was bagged agree with the sum of the expectations it was accepted for?

    Each placement was within its own tolerance, but many small excesses add up (a small item slipped under every
    scan): the sum must lie within ``total_sigma`` predicted standard deviations of the sum of expectations, and the
    scale must still show what was accepted.
    """
    # Only expectations whose spread is known count: learned articles and weighed ones (a catalog weight may be
    # biased by more than its tolerance until the lane has learned it); an attendant has seen the approved ones.
    known = [p for p in area.placements
             if p.expected_g is not None and p.source in TOTAL_SOURCES and not p.approved]
    bagged = sum(p.delta_g for p in known)
    expected = sum(p.expected_g for p in known)  # type: ignore[misc]
    allowed = max(settings.tolerance_floor_g,
                  settings.total_sigma * math.sqrt(sum(p.sd_g ** 2 for p in known)))
    drift = abs(area.measured_g - area.accepted_g)
    ok = abs(bagged - expected) <= allowed and drift <= settings.weight_threshold_g
    return TotalCheck(ok, bagged, expected, allowed)
