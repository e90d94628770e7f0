"""The lane's transition table, as data: which trigger moves the shopper from one screen (mode) to another.

The reducer moves between modes only through :func:`check`, so this table is the whole truth about the journey and
the README's diagram is generated from it (``kiosk lane diagram``). Interventions overlay a mode instead of being one
(see ``state.Intervention``): they block scanning or payment but the lane returns to exactly where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.lane.state import BAGGING, OUT_OF_SERVICE, PAYMENT, RECEIPT, SCANNING, THANK_YOU, WELCOME


class IllegalTransition(RuntimeError):
    """The reducer tried a move the table does not allow: a bug in the lane, never the shopper's fault."""


@dataclass(frozen=True, slots=True)
class Transition:
    source: str
    trigger: str
    target: str
    note: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(OUT_OF_SERVICE, "lane started", WELCOME, "first start of a lane that is in service"),
    Transition(OUT_OF_SERVICE, "open_lane", WELCOME, "attendant opens the lane"),
    Transition(WELCOME, "close_lane", OUT_OF_SERVICE, "attendant closes the lane"),
    Transition(THANK_YOU, "close_lane", OUT_OF_SERVICE, "attendant closes the lane"),
    Transition(WELCOME, "start", SCANNING, "shopper touches start, a language or own bag"),
    Transition(WELCOME, "scan", SCANNING, "the first scan starts a transaction"),
    Transition(THANK_YOU, "scan", SCANNING, "the next shopper starts right away"),
    Transition(SCANNING, "scan to bag", BAGGING, "an item to place in the bagging area"),
    Transition(BAGGING, "bagged", SCANNING, "every scanned item is in the bagging area"),
    Transition(BAGGING, "void", SCANNING, "the item waited for was voided"),
    Transition(SCANNING, "void", BAGGING, "a voided item must be taken out of the bagging area"),
    Transition(BAGGING, "approve", SCANNING, "an attendant accepted the bagging area as it is"),
    Transition(SCANNING, "pay", PAYMENT, "basket complete, nothing open"),
    Transition(PAYMENT, "back", SCANNING, "shopper goes back to add items"),
    Transition(PAYMENT, "paid", RECEIPT, "approved payments cover the total"),
    Transition(SCANNING, "paid", RECEIPT, "a zero total, or a payout an attendant handed over"),
    Transition(RECEIPT, "receipt", THANK_YOU, "paper, e-receipt or none, or the default after a timeout"),
    Transition(THANK_YOU, "timeout", WELCOME, "thank-you screen shown long enough"),
    Transition(THANK_YOU, "done", WELCOME, "shopper touches done"),
    Transition(SCANNING, "idle", WELCOME, "empty basket, nobody there"),
    Transition(SCANNING, "cancel", WELCOME, "transaction cancelled (empty, or by an attendant)"),
    Transition(BAGGING, "cancel", WELCOME, "transaction cancelled by an attendant"),
    Transition(PAYMENT, "cancel", WELCOME, "transaction cancelled by an attendant before any approval"),
    Transition(SCANNING, "suspend", WELCOME, "attendant suspends the transaction"),
    Transition(BAGGING, "suspend", WELCOME, "attendant suspends the transaction"),
    Transition(PAYMENT, "suspend", WELCOME, "attendant suspends the transaction before any approval"),
)

_ALLOWED = {(tr.source, tr.trigger, tr.target) for tr in TRANSITIONS}


def check(source: str, trigger: str, target: str) -> str:
    """Return ``target`` if the table allows the move; raise :class:`IllegalTransition` otherwise."""
    if source != target and (source, trigger, target) not in _ALLOWED:
        raise IllegalTransition(f"no transition {source} --{trigger}--> {target}")
    return target


def mermaid() -> str:
    """The table as a Mermaid state diagram for the README."""
    lines = ["stateDiagram-v2", f"    [*] --> {OUT_OF_SERVICE}"]
    seen: dict[tuple[str, str], list[str]] = {}
    for tr in TRANSITIONS:
        seen.setdefault((tr.source, tr.target), []).append(tr.trigger)
    for (src, dst), triggers in seen.items():
        lines.append(f"    {src} --> {dst}: {' / '.join(triggers)}")
    return "\n".join(lines)
