"""The kinds of intervention and the mechanism every kind shares: raise, nudge, alert, resolve.

A kind says whether it stops scanning (``blocking``) and whether the shopper can correct it (``nudge``: a specific
prompt first, the attendant only when it is not corrected within ``Settings.nudge_s``). Every open intervention stops
payment. Security rules (bagging area, fraud) decide *when* to raise; this module decides *how*.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kiosk.lane.state import Intervention, LaneState


@dataclass(frozen=True, slots=True)
class Kind:
    blocking: bool
    nudge: bool


UNEXPECTED_ITEM = "unexpected_item"
ITEM_REMOVED = "item_removed"
WEIGHT_MISMATCH = "weight_mismatch"
ITEM_NOT_BAGGED = "item_not_bagged"
AGE_CHECK = "age_check"
UNKNOWN_ITEM = "unknown_item"
PRICE_REQUIRED = "price_required"
CANCEL_REQUEST = "cancel_request"
HELP = "help"
IDLE = "idle"
PAYMENT_FAILED = "payment_failed"
PAYOUT = "payout"
DEVICE_FAULT = "device_fault"
TOTAL_MISMATCH = "total_mismatch"
RESCAN_AUDIT = "rescan_audit"

KINDS: dict[str, Kind] = {
    UNEXPECTED_ITEM: Kind(blocking=True, nudge=True),
    ITEM_REMOVED: Kind(blocking=True, nudge=True),
    WEIGHT_MISMATCH: Kind(blocking=True, nudge=True),
    ITEM_NOT_BAGGED: Kind(blocking=False, nudge=True),
    AGE_CHECK: Kind(blocking=False, nudge=False),
    UNKNOWN_ITEM: Kind(blocking=False, nudge=False),
    PRICE_REQUIRED: Kind(blocking=False, nudge=False),
    CANCEL_REQUEST: Kind(blocking=True, nudge=False),
    HELP: Kind(blocking=False, nudge=False),
    IDLE: Kind(blocking=False, nudge=False),
    PAYMENT_FAILED: Kind(blocking=False, nudge=False),
    PAYOUT: Kind(blocking=True, nudge=False),
    DEVICE_FAULT: Kind(blocking=False, nudge=False),
    TOTAL_MISMATCH: Kind(blocking=True, nudge=True),
    RESCAN_AUDIT: Kind(blocking=True, nudge=False),
}

#: Interventions about the weight in the bagging area: at most one of these is open at a time.
WEIGHT_KINDS = frozenset({UNEXPECTED_ITEM, ITEM_REMOVED, WEIGHT_MISMATCH})
#: Interventions raised by the bagging-area and fraud rules (the security benchmark counts these).
SECURITY_KINDS = WEIGHT_KINDS | {ITEM_NOT_BAGGED, TOTAL_MISMATCH}


def raise_(state: LaneState, kind: str, t: float, lane_level: bool = False,
           **details) -> tuple[LaneState, Intervention]:
    """Open an intervention of ``kind``; nudge kinds give the shopper ``nudge_s`` before an attendant is called.

    ``lane_level`` interventions (a device fault) belong to the lane and outlive the shopper's transaction.
    """
    spec = KINDS[kind]
    iid = state.intervention_counter + 1
    open_txn = state.txn is not None and state.txn.status == "open"
    txn = state.txn.number if open_txn and not lane_level else None  # type: ignore[union-attr]
    if spec.nudge and state.settings.nudge_s > 0:
        iv = Intervention(iid, kind, t, "nudge", txn, spec.blocking, nudge_until=t + state.settings.nudge_s,
                          **details)
    else:
        iv = Intervention(iid, kind, t, "alerted", txn, spec.blocking, t_alerted=t, **details)
    return replace(state, interventions=state.interventions + (iv,), intervention_counter=iid), iv


def resolve(state: LaneState, iid: int, t: float, by: str, resolution: str) -> LaneState:
    """Close intervention ``iid``, recording who (``shopper``, ``lane``, ``attendant:<id>``), how and when."""
    out = []
    for iv in state.interventions:
        if iv.id == iid and iv.status != "resolved":
            iv = replace(iv, status="resolved", t_resolved=t, resolved_by=by, resolution=resolution)
        out.append(iv)
    return replace(state, interventions=tuple(out))


def update(state: LaneState, iid: int, **changes) -> LaneState:
    return replace(state, interventions=tuple(replace(iv, **changes) if iv.id == iid else iv
                                              for iv in state.interventions))


def escalate_due(state: LaneState, t: float) -> LaneState:
    """Call the attendant for every nudge the shopper has not corrected in time."""
    if not any(iv.status == "nudge" and iv.nudge_until is not None and iv.nudge_until <= t
               for iv in state.interventions):
        return state
    return replace(state, interventions=tuple(
        replace(iv, status="alerted", t_alerted=t)
        if iv.status == "nudge" and iv.nudge_until is not None and iv.nudge_until <= t else iv
        for iv in state.interventions))


def open_of(state: LaneState, kinds: frozenset[str] | set[str] | tuple[str, ...]) -> Intervention | None:
    """The oldest open intervention of one of ``kinds``."""
    for iv in state.interventions:
        if iv.status != "resolved" and iv.kind in kinds:
            return iv
    return None
