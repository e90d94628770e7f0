"""The lane's rules that a store may tune: timeouts, tolerances, who may do what.

They travel inside the journal's ``LaneStarted`` event, so a replay always decides with the settings that were in
force, and the reducer stays a function of the journal alone. The shell builds them from the lane's TOML config.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Which attendant commands each role may give. A role also has everything of the roles listed before it.
ROLE_ORDER = ("attendant", "supervisor", "technician")
ROLE_COMMANDS: dict[str, frozenset[str]] = {
    "attendant": frozenset({"approve", "verify_age", "reject_age", "void_line", "set_qty", "cancel", "suspend",
                            "audit_done",
                            "reprint", "sign_out"}),
    "supervisor": frozenset({"close_lane", "open_lane", "end_of_day", "restart"}),
    "technician": frozenset({"close_lane", "open_lane", "restart"}),
}


def role_may(role: str, command: str) -> bool:
    """True when ``role`` may give ``command`` (roles are cumulative in ``ROLE_ORDER``)."""
    if role not in ROLE_ORDER:
        return False
    for r in ROLE_ORDER[: ROLE_ORDER.index(role) + 1]:
        if command in ROLE_COMMANDS[r]:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Settings:
    """Times in seconds, weights in grams, money in cents, VAT in basis points."""

    default_lang: str = "de"
    # Clock-driven transitions (all through Tick events, never sleeps).
    idle_empty_s: float = 60.0          # scanning with an empty basket and no input -> back to welcome
    idle_prompt_s: float = 90.0         # basket with items and no input -> "are you still there?"
    idle_answer_s: float = 30.0         # no answer to that prompt -> call an attendant
    thank_you_s: float = 6.0            # thank-you screen -> welcome
    receipt_choice_s: float = 20.0      # no choice -> the default receipt
    receipt_default: str = "paper"      # paper, ereceipt, none
    attendant_idle_s: float = 120.0     # an attendant signed in at the lane is signed out after this
    more_time_factor: float = 2.0       # the shopper's "more time" choice multiplies their time limits by this
    # Interventions: how long the shopper may correct the situation before an attendant is called.
    nudge_s: float = 12.0
    bag_timeout_s: float = 20.0         # a scanned item not placed in the bagging area within this
    # Bagging-area weights.
    weight_threshold_g: float = 8.0     # smaller settled changes are noise
    default_tolerance_g: float = 15.0
    default_tolerance_pct: float = 5.0
    unknown_weight_max_g: float = 3000.0  # an item without a catalog weight is believed up to this
    own_bag_max_g: float = 1500.0       # a shopper's own bag heavier than this is an item, not a bag
    bagging_enabled: bool = True
    # The bagging-area rules (kiosk/security/bagging.py).
    confirm_s: float = 2.0              # an unexplained settled change must persist this long before a prompt
    forgive_first: bool = True          # the first small weight mismatch of a transaction is accepted (and noted)
    forgive_factor: float = 1.34        # "small": within this many times the item's tolerance (4 sd at 3 sd)
    total_check: bool = True            # at payment the bagging area must agree with the sum of what was bagged
    total_sigma: float = 4.0            # ... within this many predicted standard deviations of the sum
    own_bag_heavy_g: float = 600.0      # an own bag heavier than this is a risk signal
    settle_s: float = 1.0               # an item scanned less than this before the scale settled is not on it
    own_bag_prompt_g: float = 300.0     # an unexplained increase up to this, before any bag, is asked about as a bag
    # Learned item weights (kiosk/security/weights.py).
    weight_model: str = "learned"       # learned: tolerances from learned spread; catalog: fixed around catalog weights
    tolerance_sigma: float = 3.5        # the main tolerance setting: predicted standard deviations of one unit
    tolerance_floor_g: float = 6.0      # no tolerance below this (the scale's resolution, two settled readings)
    weighed_tolerance_pct: float = 2.0  # a weighed article against its label weight (plus the produce bag)
    prior_n: float = 3.0                # the catalog weight counts as this many observations
    confirmed_weight: float = 3.0       # an observation an attendant confirmed counts this many times
    reject_sigma: float = 5.0           # unconfirmed observations further out are not learned ...
    min_obs_to_reject: int = 3          # ... once an article has this many observations
    max_n: float = 60.0                 # evidence cap: older observations fade (a new pack is learned)
    category_min_obs: int = 10          # placements before a category's weight range replaces "anything plausible"
    category_range_sigma: float = 3.0   # an unknown article of a category: its unit weights' log mean +- this
    # Risk score and random rescan audits (kiosk/security/risk.py): points per signal.
    audit_seed: str = ""                # the secret seed of the audit draw; empty: no random audits
    audit_base: float = 0.01            # audit probability of a transaction with no risk signal
    audit_per_point: float = 0.04       # ... plus this per risk point
    audit_max: float = 0.6
    risk_void: float = 1.0              # per void by the shopper after the first
    risk_unknown: float = 1.0           # per unknown code
    risk_scan_gap: float = 0.5          # per gap longer than scan_gap_s between two scans
    scan_gap_s: float = 90.0
    risk_high_value: float = 1.0        # per high-value article (flag high_value or a price from high_value_cents)
    high_value_cents: int = 3000
    risk_cheap_heavy: float = 2.0       # per cheap article bagged clearly heavier than it should be
    cheap_cents: int = 150
    risk_produce_weight: float = 2.0    # per weighed article whose bagged weight did not fit its label
    risk_weight_stop: float = 1.5       # per bagging-area stop (mismatch, unexpected, removed)
    risk_forgiven: float = 1.0          # the forgiven small mismatch
    risk_own_bag_heavy: float = 1.0
    # Money.
    voucher_vat_bp: int = 1900          # the VAT of a bottle-return voucher's negative line
    max_declines_before_help: int = 2
    # Attendants.
    pin_attempts: int = 5               # wrong PINs before the lane locks PIN sign-in
    pin_lockout_s: float = 300.0
    role_commands: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # extra (role, command) grants

    def tolerance_for(self, weight_g: float, item_tolerance_g: float | None) -> float:
        """The tolerance for one unit: the catalog's own, else the larger of the absolute and relative default."""
        if item_tolerance_g is not None and item_tolerance_g > 0:
            return max(item_tolerance_g, self.weight_threshold_g)
        return max(self.default_tolerance_g, weight_g * self.default_tolerance_pct / 100.0)

    def may(self, role: str, command: str) -> bool:
        return role_may(role, command) or (role, command) in self.role_commands
