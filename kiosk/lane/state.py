"""The lane's state: a plain, frozen value rebuilt by replaying the journal through the reducer.

Nothing in here is a live object: the UI draws it, snapshots store it (see ``plain.py``), tests compare it with ``==``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.domain.item import Item
from kiosk.domain.money import VatTotal, vat_breakdown
from kiosk.lane.settings import Settings
from kiosk.lane.summary import TransactionSummary
from kiosk.security.weights import Expected

# Modes: the screen the shopper is on (DESIGN.md section 3). Interventions overlay a mode rather than being one,
# because the lane must come back exactly where it was once one is resolved.
OUT_OF_SERVICE = "out_of_service"
WELCOME = "welcome"
SCANNING = "scanning"
BAGGING = "bagging"
PAYMENT = "payment"
RECEIPT = "receipt"
THANK_YOU = "thank_you"
MODES = (OUT_OF_SERVICE, WELCOME, SCANNING, BAGGING, PAYMENT, RECEIPT, THANK_YOU)

# Accessibility choices a shopper can switch on and off at any time (EN 301 549 for self-service terminals); they
# last until the shopper leaves, like the language.
CONTRAST = "contrast"       # high-contrast colours
LARGE_TEXT = "large_text"   # larger text and buttons
SPEECH = "speech"           # prompts, items and totals spoken (headphone socket or speaker)
MORE_TIME = "more_time"     # every time limit the shopper faces is longer (Settings.more_time_factor)
ACCESS_OPTIONS = (CONTRAST, LARGE_TEXT, SPEECH, MORE_TIME)

# Line kinds.
ITEM = "item"
DEPOSIT = "deposit"
VOUCHER = "voucher"


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the basket. ``qty`` is what is still sold (0 once fully voided; the line stays for the audit)."""

    id: int
    kind: str                         # item, deposit, voucher
    name: str
    qty: int
    unit_cents: int                   # per piece, or per kg for a weighed line
    amount_cents: int                 # what the line costs now (negative for a voucher)
    vat_bp: int
    sku: str | None = None
    item: Item | None = None          # the catalog row as scanned (item lines)
    code: str | None = None           # the scanned code (a voucher's identity)
    weight_g: int | None = None       # weighed lines: the label's or the scale's weight
    parent: int | None = None         # a deposit line's item line
    voided_qty: int = 0
    mergeable: bool = True            # a second scan of the same article adds to this line
    t: float = 0.0                    # when it was scanned
    unit_weight: Expected | None = None  # what one unit should weigh in the bagging area (weight model at the scan)

    @property
    def active(self) -> bool:
        return self.qty > 0


@dataclass(frozen=True, slots=True)
class VoidRecord:
    line: int
    qty: int
    by: str                           # "shopper" or "attendant:<id>"
    t: float


@dataclass(frozen=True, slots=True)
class Payment:
    ref: str
    amount_cents: int
    outcome: str                      # pending, approved, declined, failed, aborted
    method: str = "card"
    t: float = 0.0
    message: str | None = None
    receipt_lines: tuple[str, ...] = ()
    step: str = ""                    # the saga's last journaled step while pending (PaymentStep.step)
    baseline: str | None = None       # the terminal's last receipt number before this payment was authorised
    receipt_no: str | None = None     # the terminal's receipt number once answered


@dataclass(frozen=True, slots=True)
class Intervention:
    """Something that stops or may stop the sale until it is corrected or an attendant decides.

    Life: raised (``nudge``: the shopper is asked to correct it) -> ``alerted`` (an attendant is called, when the
    shopper did not or could not correct it in time) -> ``resolved`` (by the shopper's correction, by the lane
    itself, or by an attendant, recorded with who and when).
    """

    id: int
    kind: str
    t_raised: float
    status: str = "nudge"             # nudge, alerted, resolved
    txn: int | None = None
    blocking: bool = True             # scanning stops until it is resolved
    nudge_until: float | None = None  # when the attendant is called if the shopper has not corrected it
    t_alerted: float | None = None
    line: int | None = None
    sku: str | None = None
    expected_g: float | None = None
    measured_g: float | None = None
    detail: str = ""                  # a message key or a short text for the attendant
    item: str = ""                    # the item's name, for the shopper's prompt and the attendant
    prompt: str = ""                  # the specific correction the shopper is asked for (scan_or_remove, put_back...)
    reasons: tuple[str, ...] = ()     # the transaction's risk signals when it was raised ("voids:2"), for the alert
    risk: float = 0.0                 # the transaction's risk score when it was raised
    t_resolved: float | None = None
    resolved_by: str | None = None    # shopper, lane, attendant:<id>
    resolution: str | None = None     # corrected, approved, voided, cancelled, verified, rejected, ...

    @property
    def open(self) -> bool:
        return self.status != "resolved"


@dataclass(frozen=True, slots=True)
class Expectation:
    """An item the lane is waiting to see in the bagging area."""

    line: int
    sku: str | None
    weight_g: float | None            # None: weight unknown, an increase within min_g .. max_g is accepted
    tolerance_g: float
    t_due: float
    sd_g: float = 0.0                 # predicted spread of the weight (the total check at payment adds these)
    min_g: float = 0.0                # unknown weight: the plausible range
    max_g: float = 0.0
    optional: bool = False            # a no_bag item: accepted when bagged, never waited for
    source: str = "catalog"           # where the weight came from: catalog, learned, label, category, unknown
    t_since: float = 0.0              # when the lane began to expect it (the scan, the void)


@dataclass(frozen=True, slots=True)
class Placement:
    """An accepted change of the bagging area: which expectations it met, what they should and did weigh."""

    lines: tuple[int, ...]
    sku: str | None                   # when every unit is of one article
    expected_g: float | None          # None when an item of unknown weight was among them
    sd_g: float
    delta_g: float
    count: int = 1
    forgiven: bool = False
    source: str = ""                  # where the expectation's weight came from (catalog, learned, label, ...)
    approved: bool = False            # an attendant accepted this weight


@dataclass(frozen=True, slots=True)
class BaggingArea:
    """What the lane believes is in the bagging area: the accepted weight and the items still expected."""

    accepted_g: float = 0.0           # settled weight of everything accepted so far (bags included)
    measured_g: float = 0.0           # the last settled reading
    expected: tuple[Expectation, ...] = ()
    own_bag: bool = False             # the shopper announced an own bag: the next placement is tare
    bagged_g: float = 0.0             # sum of accepted item weights (without bags)
    tare_g: float = 0.0               # the shopper's own bags
    suspect_t: float | None = None    # since when the scale shows a change nothing explains (confirm_s runs)
    t_measured: float | None = None   # when the scale last settled at a different weight
    placements: tuple[Placement, ...] = ()
    forgiven: int = 0                 # small mismatches forgiven in this transaction


@dataclass(frozen=True, slots=True)
class Transaction:
    number: int
    t_started: float
    lines: tuple[Line, ...] = ()
    next_line: int = 1
    voids: tuple[VoidRecord, ...] = ()
    payments: tuple[Payment, ...] = ()
    status: str = "open"              # open, paid, cancelled, suspended
    age_verified: int = 0             # highest age an attendant has checked in this transaction
    declines: int = 0
    receipt: str | None = None        # paper, ereceipt, none
    t_ended: float | None = None
    audit: str = ""                   # rescan audit: "" not drawn yet, none, pending, ok, found

    @property
    def active_lines(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.qty > 0)

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines if line.qty > 0)

    @property
    def item_count(self) -> int:
        return sum(line.qty for line in self.lines if line.qty > 0 and line.kind == ITEM)

    @property
    def vat(self) -> tuple[VatTotal, ...]:
        return vat_breakdown((line.amount_cents, line.vat_bp) for line in self.lines if line.qty > 0)

    @property
    def paid_cents(self) -> int:
        return sum(p.amount_cents for p in self.payments if p.outcome == "approved")

    @property
    def pending_payment(self) -> Payment | None:
        for p in self.payments:
            if p.outcome == "pending":
                return p
        return None

    @property
    def vouchers(self) -> frozenset[str]:
        return frozenset(line.code for line in self.lines if line.kind == VOUCHER and line.qty > 0 and line.code)

    def line(self, line_id: int) -> Line | None:
        for line in self.lines:
            if line.id == line_id:
                return line
        return None

    @property
    def last_item_line(self) -> Line | None:
        for line in reversed(self.lines):
            if line.qty > 0 and line.kind in (ITEM, VOUCHER):
                return line
        return None


@dataclass(frozen=True, slots=True)
class AttendantSession:
    attendant: str
    role: str
    t_signed_in: float
    via: str = "pin"
    t_last: float = 0.0


@dataclass(frozen=True, slots=True)
class Notice:
    """A short message for the shopper (a message key with arguments), shown until the next action."""

    key: str
    args: tuple[str, ...] = ()
    t: float = 0.0


@dataclass(frozen=True, slots=True)
class LaneState:
    lane_id: str = ""
    settings: Settings = field(default_factory=Settings)
    mode: str = OUT_OF_SERVICE
    lang: str = "de"
    access: frozenset[str] = frozenset()   # the shopper's accessibility choices (ACCESS_OPTIONS)
    t: float = 0.0                    # time of the last event
    t_activity: float = 0.0           # last shopper input (idle timeouts count from here)
    t_mode: float = 0.0               # when the current mode was entered
    idle_stage: int = 0               # 0 active, 1 "are you still there?" shown, 2 attendant called
    t_idle: float = 0.0               # when the current idle stage began
    txn: Transaction | None = None
    txn_counter: int = 0              # number of the last transaction that was started
    interventions: tuple[Intervention, ...] = ()   # open ones, and resolved ones of the current transaction
    intervention_counter: int = 0
    bagging: BaggingArea = field(default_factory=BaggingArea)
    attendant: AttendantSession | None = None
    pin_failures: int = 0
    pin_locked_until: float = 0.0
    redeemed_vouchers: frozenset[str] = frozenset()
    recent_commands: tuple[str, ...] = ()          # ids of the latest attendant commands (idempotency)
    in_service: bool = True
    notice: Notice | None = None
    devices_down: tuple[str, ...] = ()
    print_pending: tuple[str, ...] = ()             # print jobs sent and not yet confirmed
    last_closed: int = 0                            # number of the last transaction that ended
    last_summary: TransactionSummary | None = None  # the last paid transaction (receipt choice, reprint)

    @property
    def open_interventions(self) -> tuple[Intervention, ...]:
        return tuple(i for i in self.interventions if i.status != "resolved")

    def limit(self, seconds: float) -> float:
        """A time limit the shopper faces: longer when they asked for more time (``MORE_TIME``)."""
        return seconds * self.settings.more_time_factor if MORE_TIME in self.access else seconds

    @property
    def blocked(self) -> bool:
        return any(i.blocking and i.status != "resolved" for i in self.interventions)

    def intervention(self, iid: int) -> Intervention | None:
        for i in self.interventions:
            if i.id == iid:
                return i
        return None

    @property
    def light(self) -> str:
        """The lane light: red = closed or broken, amber = an attendant is needed, green = open."""
        if not self.in_service or self.mode == OUT_OF_SERVICE:
            return "red"
        if any(i.status == "alerted" for i in self.interventions):
            return "amber"
        return "green"
