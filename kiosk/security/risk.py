"""The transaction's risk score and the random rescan audit.

Weight catches what is bagged; it cannot see what never reaches the bagging area, and a lane that always trusts a
clean weight is easy to learn. So every transaction collects signals that are each innocent alone and telling
together: voids, unknown codes, long gaps between scans, high-value articles, cheap articles bagged heavy, weighed
produce whose bagged weight did not fit its label, bagging-area stops, a forgiven mismatch, a heavy "own bag".
Each signal has points (``Settings.risk_*``); the score is their sum, and ``reasons`` explains it on the attendant's
alert ("voids:2"). Before payment a rescan audit is drawn with a probability that rises with the score.

The draw is pure: a keyed hash of the lane, the transaction's start time and the store's secret ``audit_seed``,
so a replay of the journal draws the same and a shopper cannot predict it without the seed.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from kiosk.lane.interventions import ITEM_REMOVED, UNEXPECTED_ITEM, UNKNOWN_ITEM, WEIGHT_MISMATCH, TOTAL_MISMATCH
from kiosk.lane.state import ITEM, LaneState, Transaction

STOP_KINDS = frozenset({UNEXPECTED_ITEM, ITEM_REMOVED, WEIGHT_MISMATCH, TOTAL_MISMATCH})
#: A cheap article bagged more than this many predicted standard deviations heavy counts as "cheap, heavy".
CHEAP_HEAVY_Z = 1.5
#: A weighed article bagged this many predicted standard deviations off its label counts as "produce weight".
PRODUCE_Z = 2.0


@dataclass(frozen=True, slots=True)
class Risk:
    score: float
    reasons: tuple[str, ...]         # "signal:count", in a fixed order, only signals that are present

    @property
    def text(self) -> str:
        return ", ".join(self.reasons)


def signals(state: LaneState, txn: Transaction) -> dict[str, int]:
    """Counts of each risk signal in the transaction so far."""
    s = state.settings
    out: dict[str, int] = {}
    shopper_voids = sum(1 for v in txn.voids if v.by == "shopper")
    out["voids"] = max(0, shopper_voids - 1)
    ivs = [i for i in state.interventions if i.txn == txn.number]
    out["unknown"] = sum(1 for i in ivs if i.kind == UNKNOWN_ITEM)
    out["weight_stops"] = sum(1 for i in ivs if i.kind in STOP_KINDS)
    items = [ln for ln in txn.lines if ln.kind == ITEM]
    times = sorted(ln.t for ln in items)
    out["scan_gap"] = sum(1 for a, b in zip(times, times[1:]) if b - a > s.scan_gap_s)
    out["high_value"] = sum(1 for ln in items if ln.qty > 0 and ln.item is not None
                            and (ln.item.has_flag("high_value") or ln.unit_cents >= s.high_value_cents))
    by_line = {ln.id: ln for ln in items}
    cheap_heavy = produce = 0
    for p in state.bagging.placements:
        if p.expected_g is None or p.sd_g <= 0:
            continue
        z = (p.delta_g - p.expected_g) / p.sd_g
        line = by_line.get(p.lines[0])
        if line is None or line.item is None:
            continue
        if line.item.weighed:
            produce += abs(z) > PRODUCE_Z
        elif line.unit_cents <= s.cheap_cents and z > CHEAP_HEAVY_Z:
            cheap_heavy += 1
    out["cheap_heavy"] = cheap_heavy if cheap_heavy >= 2 else 0   # one heavy pack is chance, a pattern is not
    out["produce_weight"] = produce
    out["forgiven"] = state.bagging.forgiven
    out["own_bag_heavy"] = int(state.bagging.tare_g > s.own_bag_heavy_g)
    return {k: v for k, v in out.items() if v > 0}


def score(state: LaneState, txn: Transaction | None = None) -> Risk:
    txn = txn if txn is not None else state.txn
    if txn is None:
        return Risk(0.0, ())
    s = state.settings
    points = {"voids": s.risk_void, "unknown": s.risk_unknown, "weight_stops": s.risk_weight_stop,
              "scan_gap": s.risk_scan_gap, "high_value": s.risk_high_value, "cheap_heavy": s.risk_cheap_heavy,
              "produce_weight": s.risk_produce_weight, "forgiven": s.risk_forgiven,
              "own_bag_heavy": s.risk_own_bag_heavy}
    found = signals(state, txn)
    total = sum(points[k] * n for k, n in found.items())
    return Risk(round(total, 3), tuple(f"{k}:{n}" for k, n in found.items()))


def audit_probability(risk: Risk, state: LaneState) -> float:
    s = state.settings
    if not s.audit_seed:
        return 0.0
    return max(0.0, min(s.audit_max, s.audit_base + s.audit_per_point * risk.score))


def audit_draw(state: LaneState, txn: Transaction) -> float:
    """A uniform number in [0, 1) fixed by the seed, the lane and the transaction's start."""
    key = state.settings.audit_seed.encode()
    msg = f"{state.lane_id}|{txn.t_started:.3f}".encode()
    digest = hmac.new(key, msg, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def audit_due(state: LaneState, txn: Transaction) -> tuple[bool, Risk]:
    risk = score(state, txn)
    p = audit_probability(risk, state)
    return (p > 0 and audit_draw(state, txn) < p), risk
