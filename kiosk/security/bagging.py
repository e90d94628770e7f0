"""The bagging-area weight model: does a settled weight change fit what was scanned?

Fed by settled readings of the bagging scale (never raw samples) and by the lane's scans and voids. It knows the weight
it has accepted so far and the items it is still waiting for; each settled change is compared with the sums of the
pending expectations, oldest first, so that a shopper who scans two items and bags them together is not stopped.
A removal (a voided item taken back out) is an expectation with a negative weight.

The verdict is data (``Verdict``); the reducer turns it into interventions. Learned weights and the forgiving rules of
the security issue build on this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.lane.settings import Settings
from kiosk.lane.state import BaggingArea, Expectation

ACCEPTED = "accepted"      # the change matches the first ``count`` expectations
NOISE = "noise"            # within noise of the accepted weight: rearranged bags, or a removed item put back
OWN_BAG = "own_bag"        # the announced own bag, learned as tare
UNEXPECTED = "unexpected"  # heavier, nothing expected
REMOVED = "removed"        # lighter, nothing expected to leave
MISMATCH = "mismatch"      # changed, but not by what was expected


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str
    delta_g: float
    count: int = 0                   # expectations met (ACCEPTED)
    expected_g: float | None = None  # what the lane expected instead (MISMATCH)


def expect(area: BaggingArea, line: int, sku: str | None, weight_g: float | None, t_due: float,
           settings: Settings, item_tolerance_g: float | None = None) -> BaggingArea:
    """Wait for an item of ``weight_g`` (negative: to be taken out) to arrive by ``t_due``."""
    tol = settings.tolerance_for(abs(weight_g) if weight_g is not None else 0.0, item_tolerance_g)
    return replace(area, expected=area.expected + (Expectation(line, sku, weight_g, tol, t_due),))


def forget(area: BaggingArea, line: int, count: int | None = None) -> tuple[BaggingArea, int]:
    """Drop up to ``count`` (all if None) expectations of ``line``, newest first; returns how many were dropped."""
    kept = list(area.expected)
    dropped = 0
    for i in range(len(kept) - 1, -1, -1):
        if kept[i].line == line and (count is None or dropped < count):
            del kept[i]
            dropped += 1
    return replace(area, expected=tuple(kept)), dropped


def judge(area: BaggingArea, grams: float, settings: Settings) -> Verdict:
    """What a new settled reading means, given the accepted weight and the pending expectations."""
    delta = grams - area.accepted_g
    threshold = settings.weight_threshold_g
    # Oldest first: the k-th candidate is "the first k expected items arrived (or left) together". When several
    # fit, the one that explains the most items wins (two milks and a roll of unknown weight placed together).
    total = 0.0
    tol = 0.0
    unknown = 0
    best = 0
    for k, exp in enumerate(area.expected, start=1):
        if exp.weight_g is None:
            unknown += 1
        else:
            total += exp.weight_g
        tol += exp.tolerance_g
        if unknown:
            # Items of unknown weight: anything in a plausible range on top of the known part fits.
            rest = delta - total
            if threshold * unknown < rest <= settings.unknown_weight_max_g * unknown + tol:
                best = k
        elif abs(delta - total) <= tol:
            best = k
    if best:
        return Verdict(ACCEPTED, delta, best)
    if abs(delta) <= threshold:
        return Verdict(NOISE, delta)
    if area.own_bag and 0 < delta <= settings.own_bag_max_g:
        return Verdict(OWN_BAG, delta)
    if area.expected:
        first = area.expected[0].weight_g
        return Verdict(MISMATCH, delta, expected_g=first)
    return Verdict(UNEXPECTED if delta > 0 else REMOVED, delta)


def apply(area: BaggingArea, grams: float, verdict: Verdict) -> BaggingArea:
    """The bagging area after a verdict: accepted changes move the accepted weight, others only the measurement."""
    if verdict.kind == ACCEPTED:
        met = area.expected[: verdict.count]
        return replace(area, accepted_g=grams, measured_g=grams, expected=area.expected[verdict.count:],
                       bagged_g=area.bagged_g + verdict.delta_g if met else area.bagged_g)
    if verdict.kind == OWN_BAG:
        return replace(area, accepted_g=grams, measured_g=grams, own_bag=False)
    return replace(area, measured_g=grams)


def accept_measured(area: BaggingArea, drop_first: int = 0) -> BaggingArea:
    """An attendant accepts what is on the scale now (and, for a mismatch, that the first item(s) are bagged)."""
    return replace(area, accepted_g=area.measured_g, expected=area.expected[drop_first:])
