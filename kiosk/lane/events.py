"""The lane's input events: everything that can happen to a lane, as data.

Each event is appended to the journal before the reducer sees it, so this module is also the journal's schema.
Events carry their own time ``t`` (seconds; wall clock on a lane, scenario time in a replay): the reducer never reads
a clock. The shell enriches raw input before it becomes an event (a scan carries its classification and the catalog
row as it was at that moment), so replaying the journal never depends on today's catalog or rules.

Adding an optional field with a default is backwards compatible; renaming or removing one is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain.codes import GtinCode, InstoreCode, OtherCode, ScanRejected, VoucherCode
from kiosk.domain.item import Item
from kiosk.lane.settings import Settings
from kiosk.security.weights import CategoryEstimate, WeightEstimate


@dataclass(frozen=True, slots=True)
class LaneStarted:
    """The lane application started (or restarted after a crash) with these settings."""

    t: float
    lane_id: str
    settings: Settings = field(default_factory=Settings)
    version: str = ""


@dataclass(frozen=True, slots=True)
class Touched:
    """A shopper's action on the screen, by name (``start``, ``pay``, ``void_last``, ``lang``+``de``, ...)."""

    t: float
    action: str
    arg: str | None = None


@dataclass(frozen=True, slots=True)
class Scanned:
    """A code read by a scanner, classified, with the catalog row it resolved to (None: not in the catalog)."""

    t: float
    raw: str
    code: GtinCode | InstoreCode | VoucherCode | OtherCode | ScanRejected
    item: Item | None = None
    source: str = "scanner"   # scanner, keyboard, camera, script
    learned: WeightEstimate | None = None            # the article's learned weight at that moment
    category_learned: CategoryEstimate | None = None  # its category's learned spread and weight range


@dataclass(frozen=True, slots=True)
class WeightSettled:
    """The bagging-area scale settled at a new weight (grams, after zero and calibration)."""

    t: float
    grams: float


@dataclass(frozen=True, slots=True)
class AttendantSignedIn:
    """An attendant proved who they are at the lane (PIN, badge) or at the console."""

    t: float
    attendant: str
    role: str
    via: str = "pin"   # pin, badge, console


@dataclass(frozen=True, slots=True)
class AttendantSignInFailed:
    """A wrong PIN or an unknown badge. The PIN itself is never journaled."""

    t: float
    via: str = "pin"
    reason: str = "wrong_pin"


@dataclass(frozen=True, slots=True)
class AttendantSignedOut:
    t: float
    attendant: str = ""


@dataclass(frozen=True, slots=True)
class AttendantCommand:
    """An attendant's decision: ``approve``, ``verify_age``, ``void_line``, ``set_qty``, ``cancel``, ``suspend``,
    ``audit_done``, ``close_lane``, ``open_lane``, ``reprint``, ``reject_age``, ``end_of_day``, ``restart``.
    ``command_id`` makes it idempotent; ``via`` says where it was given (at the lane, or from the console)."""

    t: float
    command: str
    attendant: str
    role: str
    command_id: str = ""
    intervention: int | None = None
    line: int | None = None
    arg: str | None = None
    via: str = "lane"   # lane, console


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """The outcome of a ``Charge`` effect, from the payment terminal."""

    t: float
    ref: str
    outcome: str                      # approved, declined, failed, aborted
    amount_cents: int = 0
    method: str = "card"
    message: str | None = None        # terminal's text or result code, for the attendant and the journal
    receipt_lines: tuple[str, ...] = ()
    receipt_no: str | None = None     # the terminal's receipt number of the transaction (what a reversal names)


@dataclass(frozen=True, slots=True)
class PaymentStep:
    """A step of the payment saga, journaled before it is taken (kiosk/payment/saga.py).

    ``step``: ``authorising`` (the authorisation is about to go to the terminal; ``baseline`` is the receipt number
    of the terminal's last transaction before it, so that recovery can tell whether a new one happened),
    ``recovering`` (the outcome was lost: the terminal is being asked), ``reversing`` (an approval that no sale may
    keep is being reversed; ``baseline`` is the receipt number being reversed).
    """

    t: float
    ref: str
    step: str
    baseline: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class PrintResult:
    """The outcome of a ``Print`` effect."""

    t: float
    job: str
    ok: bool
    message: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A device went away, came back or reported a fault (``device`` is a family name: scanner, scale, ...)."""

    t: float
    device: str
    ok: bool
    message: str = ""


@dataclass(frozen=True, slots=True)
class Tick:
    """The clock reached a deadline the lane asked for (``next_deadline``). Only journaled when one is due."""

    t: float


Event = (LaneStarted | Touched | Scanned | WeightSettled | AttendantSignedIn | AttendantSignInFailed
         | AttendantSignedOut | AttendantCommand | PaymentResult | PaymentStep | PrintResult | DeviceStatus | Tick)

EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (LaneStarted, Touched, Scanned, WeightSettled, AttendantSignedIn, AttendantSignInFailed,
                AttendantSignedOut, AttendantCommand, PaymentResult, PaymentStep, PrintResult, DeviceStatus, Tick)
}
