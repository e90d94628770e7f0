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
                            "reprint", "sign_out"}),
    "supervisor": frozenset({"close_lane", "open_lane"}),
    "technician": frozenset({"close_lane", "open_lane"}),
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
