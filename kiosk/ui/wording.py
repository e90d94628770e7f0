"""What the lane says about its state, in the shopper's language: line labels, prompts, notices, interventions.

Pure functions of the lane state and a language, so every view words things the same way and tests can check the
wording without drawing anything.
"""

from __future__ import annotations

from kiosk.domain.money import format_amount
from kiosk.lane import interventions as iv_
from kiosk.lane.interventions import RESCAN_AUDIT
from kiosk.lane.state import BAGGING, DEPOSIT, ITEM, VOUCHER, Intervention, LaneState, Line, Notice, Transaction
from kiosk.ui.i18n import has, tr
from kiosk.ui.theme import ERROR, INFO, WARN

#: Names of the positional arguments of notices (``Notice.args``), for the ``{name}`` placeholders.
NOTICE_ARGS = {
    "price_required": ("name",),
    "payment_declined": ("message",),
    "payment_failed": ("message",),
    "payment_aborted": ("message",),
}

NOTICE_TONES = {
    "cannot_cancel_now": WARN,
    "bag_items_first": WARN,
    "wait_for_attendant": WARN,
    "basket_empty": INFO,
    "lane_closed": ERROR,
    "payment_in_progress": WARN,
    "scan_again": ERROR,
    "not_an_item": ERROR,
    "unknown_item": ERROR,
    "price_required": WARN,
    "voucher_used": ERROR,
    "payment_declined": ERROR,
    "payment_failed": ERROR,
    "payment_aborted": ERROR,
}


def money(cents: int, lang: str) -> str:
    return format_amount(cents, lang)


def kilograms(grams: int | float, lang: str) -> str:
    text = f"{grams / 1000:.3f}"
    return text if lang == "en" else text.replace(".", ",")


def item_name(line: Line, lang: str) -> str:
    return line.item.display_name(lang) if line.item is not None else line.name


def line_name(line: Line, txn: Transaction | None, lang: str) -> str:
    """A basket line as the shopper reads it: the item, "Pfand <item>" or "Leergutbon"."""
    if line.kind == VOUCHER:
        return tr(lang, "line.voucher")
    if line.kind == DEPOSIT:
        parent = txn.line(line.parent) if (txn is not None and line.parent is not None) else None
        return tr(lang, "line.deposit", name=item_name(parent, lang) if parent is not None else line.name)
    return item_name(line, lang)


def line_detail(line: Line, lang: str) -> str | None:
    """Quantity times unit price, or weight times price per kilogram; None for a single piece."""
    if line.kind != ITEM:
        return None
    if line.item is not None and line.item.weighed and line.weight_g is not None:
        return tr(lang, "line.weight", weight=kilograms(line.weight_g, lang), price=money(line.unit_cents, lang))
    if line.qty > 1:
        return tr(lang, "line.qty", qty=line.qty, price=money(line.unit_cents, lang))
    return None


def deposit_of(line: Line, txn: Transaction) -> Line | None:
    for other in txn.lines:
        if other.kind == DEPOSIT and other.parent == line.id and other.qty > 0:
            return other
    return None


def deposit_total(txn: Transaction) -> int:
    return sum(line.amount_cents for line in txn.lines if line.kind == DEPOSIT and line.qty > 0)


def items_label(count: int, lang: str) -> str:
    return tr(lang, "basket.items_one") if count == 1 else tr(lang, "basket.items_other", count=count)


def notice_text(notice: Notice, lang: str) -> str:
    names = NOTICE_ARGS.get(notice.key, ())
    args = {f"arg{i}": a for i, a in enumerate(notice.args)}
    args.update({name: a for name, a in zip(names, notice.args)})
    return tr(lang, f"notice.{notice.key}", **args)


def notice_tone(notice: Notice) -> tuple:
    return NOTICE_TONES.get(notice.key, WARN)


def _removal(iv: Intervention) -> bool:
    return iv.expected_g is not None and iv.expected_g < 0


def intervention_title(iv: Intervention, lang: str) -> str:
    return tr(lang, f"iv.{iv.kind}.title")


def intervention_text(iv: Intervention, lang: str) -> str:
    """The instruction for the shopper: what to do to correct it (nudge kinds), or what happens now."""
    if iv.kind in (iv_.ITEM_NOT_BAGGED, iv_.WEIGHT_MISMATCH) and _removal(iv):
        return tr(lang, f"iv.{iv.kind}.text_remove")
    return tr(lang, f"iv.{iv.kind}.text")


def shown_interventions(state: LaneState) -> tuple[Intervention | None, Intervention | None, int]:
    """(the blocking one drawn as a modal panel, the newest other one drawn as a card, how many more are open)."""
    open_ = state.open_interventions
    blocking = next((iv for iv in open_ if iv.blocking), None)
    others = [iv for iv in open_ if iv is not blocking]
    card = others[-1] if others and blocking is None else None
    shown = (blocking is not None) + (card is not None)
    return blocking, card, len(open_) - shown


def prompt(state: LaneState, lang: str) -> tuple[str, tuple]:
    """The instruction strip of the selling screens: what the shopper should do next, and its tone."""
    area = state.bagging
    if state.mode == BAGGING and area.expected:
        first = area.expected[0]
        if first.weight_g is not None and first.weight_g < 0:
            return tr(lang, "bag.remove"), WARN
        return tr(lang, "bag.place"), WARN
    if area.own_bag:
        return tr(lang, "scan.own_bag"), INFO
    if state.txn is not None and state.txn.active_lines:
        return tr(lang, "scan.next"), INFO
    return tr(lang, "scan.first"), INFO


def attendant_lang(state: LaneState) -> str:
    """Attendants read the store's language, whatever the shopper chose."""
    return state.settings.default_lang


#: The prompt that offers the shopper the "own bag" button (the touch action the welcome screen sends too).
OWN_BAG = "own_bag"


def intervention_item(state: LaneState, iv: Intervention, lang: str) -> str:
    """The name of the item an intervention is about, in ``lang`` when its basket line is known ("" if none)."""
    txn = state.txn
    if iv.line is not None and txn is not None:
        line = txn.line(iv.line)
        if line is not None and line.item is not None:
            return item_name(line, lang)
    return iv.item


def shopper_title(iv: Intervention, lang: str) -> str:
    """The heading the shopper reads: the specific prompt's when there is one, else the kind's."""
    if iv.prompt and has(lang, f"iv.prompt.{iv.prompt}.title"):
        return tr(lang, f"iv.prompt.{iv.prompt}.title")
    return intervention_title(iv, lang)


def shopper_text(iv: Intervention, lang: str, item: str = "") -> str:
    """The instruction the shopper reads: the specific prompt's (naming ``item`` when it helps), else the kind's."""
    if iv.prompt:
        base = f"iv.prompt.{iv.prompt}"
        if item and has(lang, f"{base}.text_item"):
            return tr(lang, f"{base}.text_item", item=item)
        if has(lang, f"{base}.text"):
            if iv.prompt == OWN_BAG:
                return tr(lang, f"{base}.text", button=tr(lang, f"{base}.button"))
            return tr(lang, f"{base}.text")
    return intervention_text(iv, lang)


def status_text(iv: Intervention, lang: str) -> str:
    """What the shopper reads under the instruction once an attendant is called."""
    return tr(lang, "iv.rescan_audit.status") if iv.kind == RESCAN_AUDIT else tr(lang, "help_on_the_way")
