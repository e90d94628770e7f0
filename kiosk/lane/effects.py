"""What the reducer asks the world to do, as data. The shell executes effects and feeds outcomes back as events.

An effect that must not happen twice (a charge, a printed receipt) carries a key derived from the journal (``ref``,
``job``): re-executing the same effect after a crash is recognised by the device side as the same request.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.item import Item
from kiosk.lane.state import Intervention
from kiosk.lane.summary import TransactionSummary


@dataclass(frozen=True, slots=True)
class Light:
    color: str                        # green, amber, red
    blink: bool = False


@dataclass(frozen=True, slots=True)
class Alert:
    """Call an attendant (console, lane light) for this intervention."""

    intervention: Intervention
    lane_id: str = ""


@dataclass(frozen=True, slots=True)
class AlertCleared:
    intervention: int
    resolved_by: str
    resolution: str


@dataclass(frozen=True, slots=True)
class Charge:
    """Ask the payment terminal for ``amount_cents``; ``ref`` is unique per attempt and idempotent."""

    ref: str
    amount_cents: int
    txn: int


@dataclass(frozen=True, slots=True)
class Print:
    """Print the receipt of transaction ``txn`` (``copy`` for an attendant's reprint)."""

    job: str
    txn: TransactionSummary
    copy: bool = False


@dataclass(frozen=True, slots=True)
class Sound:
    kind: str                         # scan, error, alert, done


@dataclass(frozen=True, slots=True)
class CommandRejected:
    """An attendant command the lane refused, with why (journaled as the command event itself)."""

    command_id: str
    command: str
    reason: str


@dataclass(frozen=True, slots=True)
class EndOfDay:
    """Close the card terminal's day (its totals go to the bank) and print its report, as ``attendant`` asked."""

    job: str
    attendant: str


@dataclass(frozen=True, slots=True)
class Restart:
    """Restart the lane application (an attendant asked, from the console): the service manager starts it again."""

    attendant: str


@dataclass(frozen=True, slots=True)
class WeightObserved:
    """One unit of ``item`` was accepted in the bagging area at ``grams``: the shell's weight table learns it."""

    item: Item
    grams: float
    confirmed: bool = False           # an attendant approved this weight


@dataclass(frozen=True, slots=True)
class TransactionClosed:
    summary: TransactionSummary


Effect = (Light | Alert | AlertCleared | Charge | Print | Sound | CommandRejected | EndOfDay | Restart | WeightObserved
          | TransactionClosed)
