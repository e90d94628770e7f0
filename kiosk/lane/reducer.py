"""The lane's state machine: ``reduce(state, event) -> (state, effects)``, a pure function.

Everything the lane decides is decided here, from the event and the state alone: no clock (events carry ``t``), no
I/O, no randomness. The journal replays events through this function to rebuild the lane after a crash, the scenario
replay runs shoppers through it, and the property tests hammer it. Mode changes go through the transition table
(``transitions.check``); interventions go through ``interventions``; bagging verdicts come from ``kiosk.security``.

Derived outputs (the lane light, alerts to the attendant and their clearing) are computed once, after every event,
by comparing the state before and after, so no handler can forget them.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.domain.codes import OtherCode, ScanRejected, VoucherCode
from kiosk.domain.item import Item
from kiosk.domain.money import round_half_away
from kiosk.domain.pricing import PricingError, price_scan
from kiosk.lane import effects as fx
from kiosk.lane import summary as sm
from kiosk.lane import interventions as iv_
from kiosk.lane.events import (AttendantCommand, AttendantSignedIn, AttendantSignedOut, AttendantSignInFailed,
                               DeviceStatus, Event, LaneStarted, PaymentResult, PaymentStep, PrintResult, Scanned,
                               Tick, Touched, WeightSettled)
from kiosk.lane.interventions import (AGE_CHECK, CANCEL_REQUEST, DEVICE_FAULT, HELP, IDLE, ITEM_NOT_BAGGED,
                                      ITEM_REMOVED, PAYMENT_FAILED, PAYOUT, PRICE_REQUIRED, RESCAN_AUDIT,
                                      TOTAL_MISMATCH, UNEXPECTED_ITEM, UNKNOWN_ITEM, WEIGHT_KINDS, WEIGHT_MISMATCH)
from kiosk.lane.state import (ACCESS_OPTIONS, BAGGING, DEPOSIT, ITEM, OUT_OF_SERVICE, PAYMENT, RECEIPT,
                              SCANNING, THANK_YOU, VOUCHER, WELCOME, AttendantSession, BaggingArea, Expectation,
                              LaneState, Line, Notice, Payment, Transaction, VoidRecord)
from kiosk.lane.transitions import check
from kiosk.security import bagging, risk
from kiosk.security import weights as wm

Effects = list

#: Bumped whenever the meaning of a stored state changes: older snapshots are then ignored and the journal replayed.
REDUCER_VERSION = 2

_RECENT_COMMANDS = 256
_SELLING = (SCANNING, BAGGING)


def initial_state() -> LaneState:
    return LaneState()


def reduce(state: LaneState, event: Event) -> tuple[LaneState, list]:
    """Apply one event. Returns the new state and the effects the shell must carry out, in order."""
    handler = _HANDLERS[type(event)]
    new, effects = handler(state, event)
    if new.t != event.t:
        new = replace(new, t=event.t)
    new = _explain_alerts(state, new)
    if state.blocked and not new.blocked and new.bagging.expected:
        new = _restart_bag_timers(new, event.t)
    return new, effects + _derived(state, new)


def _restart_bag_timers(state: LaneState, t: float) -> LaneState:
    """A stop is over: the shopper, who waited for it, gets the full time again to bag what is still expected."""
    due = t + state.limit(state.settings.bag_timeout_s)
    return replace(state, bagging=replace(state.bagging, expected=tuple(
        replace(e, t_due=due) if e.t_due < due else e for e in state.bagging.expected)))


# ----------------------------------------------------------------------------------------------------------- helpers

def _goto(state: LaneState, trigger: str, target: str, t: float) -> LaneState:
    if state.mode == target:
        return state
    return replace(state, mode=check(state.mode, trigger, target), t_mode=t)


def _notice(state: LaneState, key: str, t: float, *args: str) -> LaneState:
    return replace(state, notice=Notice(key, tuple(str(a) for a in args), t))


def _begin(state: LaneState, t: float, trigger: str, target: str = SCANNING) -> LaneState:
    """Start a transaction (the mode is WELCOME or THANK_YOU)."""
    number = state.txn_counter + 1
    # Between shoppers the lane accepts only what leaves the bagging area: whatever was put down since the last
    # shopper left is the new shopper's to explain (an own bag, or an item that was never scanned).
    before = state.bagging
    area = BaggingArea(accepted_g=before.accepted_g, measured_g=before.measured_g, t_measured=before.t_measured)
    if abs(area.measured_g - area.accepted_g) > state.settings.weight_threshold_g and state.settings.bagging_enabled:
        area = replace(area, suspect_t=t)
    lang = state.lang if state.mode == WELCOME else state.settings.default_lang
    access = state.access if state.mode == WELCOME else frozenset()
    state = replace(state, txn=Transaction(number, t), txn_counter=number, bagging=area, lang=lang, access=access,
                    interventions=state.open_interventions, idle_stage=0)
    return _goto(state, trigger, target, t)


def summarize(state: LaneState, txn: Transaction) -> sm.TransactionSummary:
    lines = tuple(sm.SummaryLine(ln.id, ln.kind, ln.sku, ln.name, ln.qty, ln.unit_cents, ln.amount_cents, ln.vat_bp,
                                 ln.weight_g)
                  for ln in txn.lines if ln.qty > 0)
    vat = tuple(sm.SummaryVat(v.rate_bp, v.net_cents, v.tax_cents, v.gross_cents) for v in txn.vat)
    pays = tuple(sm.SummaryPayment(p.ref, p.method, p.amount_cents, p.outcome, p.receipt_lines) for p in txn.payments)
    ivs = tuple(sm.SummaryIntervention(i.id, i.kind, i.t_raised, i.t_resolved, i.resolved_by, i.resolution, i.detail)
                for i in state.interventions if i.txn == txn.number)
    return sm.TransactionSummary(txn.number, state.lane_id, txn.status, txn.t_started, txn.t_ended, state.lang,
                                 lines, txn.total_cents, vat, pays, ivs, len(txn.voids))


def _welcome(state: LaneState, t: float, trigger: str) -> LaneState:
    """Back to the welcome screen: the transaction is gone, so are its interventions and expectations."""
    state = _goto(state, trigger, WELCOME, t)
    keep = tuple(i for i in state.interventions if i.status != "resolved" and i.txn is None)
    area = BaggingArea(accepted_g=state.bagging.measured_g, measured_g=state.bagging.measured_g)
    return replace(state, txn=None, interventions=keep, bagging=area, lang=state.settings.default_lang,
                   access=frozenset(), idle_stage=0, notice=None)


def _end(state: LaneState, t: float, status: str, trigger: str, by: str) -> tuple[LaneState, list]:
    """End the open transaction as cancelled or suspended and go back to welcome."""
    txn = state.txn
    if txn is None:
        return state, []
    effects: list = []
    for iv in state.interventions:
        if iv.status != "resolved" and iv.txn == txn.number:
            state = iv_.resolve(state, iv.id, t, by, "cancelled" if status == "cancelled" else "suspended")
    txn = replace(txn, status=status, t_ended=t)
    state = replace(state, txn=txn, last_closed=txn.number)
    # A transaction in which nothing happened leaves no trace beyond its journal events.
    if txn.lines or txn.payments or any(i.txn == txn.number for i in state.interventions):
        effects.append(fx.TransactionClosed(summarize(state, txn)))
    return _welcome(state, t, trigger), effects


def _update_line(txn: Transaction, line: Line) -> Transaction:
    return replace(txn, lines=tuple(line if ln.id == line.id else ln for ln in txn.lines))


def _set_qty(txn: Transaction, line: Line, qty: int) -> Transaction:
    """Change an item line's quantity; its deposit line follows."""
    if qty == line.qty:
        amount = line.amount_cents
    elif line.weight_g is None:
        amount = line.unit_cents * qty
    else:   # a line priced by weight: its price per kilogram is not its price per piece
        amount = round_half_away(line.amount_cents * qty, line.qty) if line.qty else 0
    txn = _update_line(txn, replace(line, qty=qty, amount_cents=amount,
                                    voided_qty=line.voided_qty + max(0, line.qty - qty)))
    for dep in txn.lines:
        if dep.parent == line.id and dep.kind == DEPOSIT:
            txn = _update_line(txn, replace(dep, qty=qty, amount_cents=dep.unit_cents * qty,
                                            voided_qty=dep.voided_qty + max(0, dep.qty - qty)))
    return txn


def _in_transaction(state: LaneState) -> bool:
    return state.txn is not None and state.txn.status == "open"


def _refresh_bagging_mode(state: LaneState, t: float, trigger: str) -> LaneState:
    if state.mode == BAGGING and not bagging.required(state.bagging):
        return _goto(state, trigger, SCANNING, t)
    return state


def _resolve_not_bagged(state: LaneState, t: float, by: str, resolution: str) -> LaneState:
    """Close 'not bagged' prompts whose expectation is gone."""
    waiting = {e.line for e in state.bagging.expected}
    for iv in state.interventions:
        if iv.kind == ITEM_NOT_BAGGED and iv.status != "resolved" and iv.line not in waiting:
            state = iv_.resolve(state, iv.id, t, by, resolution)
    return state


# ---------------------------------------------------------------------------------------------------------- handlers

def _on_started(state: LaneState, ev: LaneStarted) -> tuple[LaneState, list]:
    state = replace(state, lane_id=ev.lane_id, settings=ev.settings, devices_down=())
    if state.mode == OUT_OF_SERVICE and state.in_service and state.txn is None:
        state = _goto(state, "lane started", WELCOME, ev.t)
        state = replace(state, lang=ev.settings.default_lang, t_activity=ev.t)
    return state, []


def _on_touched(state: LaneState, ev: Touched) -> tuple[LaneState, list]:
    t, action, arg = ev.t, ev.action, ev.arg
    if state.mode == OUT_OF_SERVICE:
        return state, []
    state = replace(state, t_activity=t, idle_stage=0, notice=None)
    mode = state.mode
    if action == "lang":
        if arg in ("de", "en", "nl"):
            return replace(state, lang=arg), []
        return state, []
    if action == "access":
        if arg in ACCESS_OPTIONS:
            return replace(state, access=state.access ^ {arg}), []
        return state, []
    if action in ("start", "own_bag"):
        if mode in (WELCOME, THANK_YOU):
            if mode == THANK_YOU:
                state = _welcome(state, t, "done")
            state = _begin(state, t, "start")
        if action == "own_bag" and state.mode in _SELLING:
            state = replace(state, bagging=replace(state.bagging, own_bag=True))
            return _rejudge(state, t)
        return state, []
    if action == "void_last":
        return _shopper_void_last(state, t)
    if action == "qty":
        return _shopper_qty(state, t, arg)
    if action == "pay":
        return _pay(state, t)
    if action == "back":
        if mode == PAYMENT and state.txn is not None and state.txn.pending_payment is None:
            return _goto(state, "back", SCANNING, t), []
        return state, []
    if action == "cancel":
        if mode in _SELLING + (PAYMENT,) and state.txn is not None:
            if state.txn.pending_payment is not None or state.txn.paid_cents:
                return _notice(state, "cannot_cancel_now", t), []
            if not state.txn.active_lines and not state.open_interventions and not state.bagging.expected:
                return _end(state, t, "cancelled", "cancel", "shopper")
            if iv_.open_of(state, (CANCEL_REQUEST,)) is None:
                state, _ = iv_.raise_(state, CANCEL_REQUEST, t)
        return state, []
    if action == "help":
        if iv_.open_of(state, (HELP,)) is None:
            state, _ = iv_.raise_(state, HELP, t)
        return state, []
    if action == "continue":
        return state, []
    if action == "receipt":
        if mode == RECEIPT and arg in ("paper", "ereceipt", "none"):
            return _receipt(state, t, arg)
        return state, []
    if action == "done":
        if mode == THANK_YOU:
            return _welcome(state, t, "done"), []
        return state, []
    return state, []


def _shopper_void_last(state: LaneState, t: float) -> tuple[LaneState, list]:
    """The shopper takes back the last item scanned (one unit). Anything else needs an attendant."""
    if state.mode not in _SELLING or state.txn is None:
        return state, []
    if state.blocked:
        return _notice(state, "wait_for_attendant", t), []
    line = state.txn.last_item_line
    if line is None:
        return state, []
    return _void(state, t, line, 1, "shopper")


def _void(state: LaneState, t: float, line: Line, qty: int, by: str) -> tuple[LaneState, list]:
    txn = state.txn
    assert txn is not None  # guarded by callers
    qty = min(qty, line.qty)
    if qty <= 0:
        return state, []
    txn = _set_qty(txn, line, line.qty - qty)
    txn = replace(txn, voids=txn.voids + (VoidRecord(line.id, qty, by, t),))
    state = replace(state, txn=txn)
    # Units not bagged yet are simply no longer expected; bagged ones are expected to leave the bagging area.
    area, dropped = bagging.forget(state.bagging, line.id, qty)
    state = replace(state, bagging=area)
    remaining = qty - dropped
    item = line.item
    if remaining > 0 and item is not None and state.settings.bagging_enabled:
        # A bagged unit must leave again: it should weigh what it weighed when it was bagged.
        bagged = [p for p in state.bagging.placements if line.id in p.lines and p.count == 1]
        remaining = min(remaining, len(bagged)) if item.no_bag else remaining
        for i in range(remaining):
            unit = line.unit_weight
            if i < len(bagged):
                p = bagged[-1 - i]
                sd = unit.sd_g if unit is not None else state.settings.tolerance_floor_g
                tol = max(state.settings.tolerance_floor_g, state.settings.weight_threshold_g, sd)
                weight: wm.Expected | float | None = wm.Expected(-p.delta_g, tol, sd, source="placed")
            elif unit is not None and unit.mean_g is not None:
                weight = wm.Expected(-unit.mean_g, unit.tolerance_g, unit.sd_g, source=unit.source)
            else:
                weight = -line.weight_g if line.weight_g is not None else (
                    -item.weight_g if item.weight_g is not None else None)
            state = replace(state, bagging=bagging.expect(
                state.bagging, line.id, line.sku, weight, t + state.limit(state.settings.bag_timeout_s),
                state.settings, item.weight_tolerance_g, t_since=t))
        if remaining > 0:
            state = _goto(state, "void", BAGGING, t)
    state = _resolve_not_bagged(state, t, by, "voided")
    state = _refresh_bagging_mode(state, t, "void")
    # Voiding an age-restricted item may make the age check unnecessary.
    state = _drop_needless_age_check(state, t, by)
    return state, []


def _drop_needless_age_check(state: LaneState, t: float, by: str) -> LaneState:
    iv = iv_.open_of(state, (AGE_CHECK,))
    if iv is None or state.txn is None:
        return state
    if _required_age(state.txn) <= state.txn.age_verified:
        state = iv_.resolve(state, iv.id, t, by, "voided")
    return state


def _required_age(txn: Transaction) -> int:
    return max((ln.item.min_age for ln in txn.lines if ln.qty > 0 and ln.item is not None), default=0)


def _shopper_qty(state: LaneState, t: float, arg: str | None) -> tuple[LaneState, list]:
    """The shopper may raise the quantity of the last line (pay for more); lowering it is a void."""
    if state.mode not in _SELLING or state.txn is None or state.blocked or arg is None:
        return state, []
    try:
        qty = int(arg)
    except ValueError:
        return state, []
    line = state.txn.last_item_line
    if line is None or line.kind != ITEM or not line.mergeable or qty > 99:
        return state, []
    if qty < line.qty:
        return _void(state, t, line, line.qty - qty, "shopper")
    extra = qty - line.qty
    if extra == 0:
        return state, []
    return _add_units(state, t, line, extra)


def _add_units(state: LaneState, t: float, line: Line, extra: int) -> tuple[LaneState, list]:
    txn = state.txn
    assert txn is not None
    txn = _set_qty(txn, line, line.qty + extra)
    state = replace(state, txn=txn)
    item = line.item
    if item is not None and state.settings.bagging_enabled:
        state = _expect_units(state, t, line, extra)
    state, effects = _rejudge(state, t)
    return state, [fx.Sound("scan")] + effects


def _pay(state: LaneState, t: float) -> tuple[LaneState, list]:
    txn = state.txn
    if txn is None or state.mode not in (SCANNING, BAGGING, PAYMENT):
        return state, []
    if state.mode != PAYMENT and state.bagging.suspect_t is not None:
        state, effects = _confirm_suspect(state, t)
        if state.blocked:
            return state, effects
    if state.mode == BAGGING or bagging.required(state.bagging):
        return _notice(state, "bag_items_first", t), []
    if state.open_interventions and any(i.txn == txn.number or i.blocking for i in state.open_interventions):
        return _notice(state, "wait_for_attendant", t), []
    if not txn.active_lines:
        return _notice(state, "basket_empty", t), []
    if txn.pending_payment is not None:
        return state, []
    if state.mode != PAYMENT:
        state, stop = _before_payment(state, t)
        if stop:
            return state, [fx.Sound("error")]
        txn = state.txn
        assert txn is not None
    due = txn.total_cents - txn.paid_cents
    if due < 0:
        if iv_.open_of(state, (PAYOUT,)) is None:
            state, _ = iv_.raise_(state, PAYOUT, t, detail=str(-due))
        return state, []
    if due == 0:
        return _paid(state, t, "paid")
    attempt = len(txn.payments) + 1
    ref = f"{state.lane_id}-{txn.number}-{attempt}"
    txn = replace(txn, payments=txn.payments + (Payment(ref, due, "pending", "card", t),))
    state = replace(state, txn=txn)
    state = _goto(state, "pay", PAYMENT, t)
    return state, [fx.Charge(ref, due, txn.number)]


def _before_payment(state: LaneState, t: float) -> tuple[LaneState, bool]:
    """The checks between "pay" and the terminal: the bagging total, then (once per transaction) the audit draw."""
    txn = state.txn
    assert txn is not None
    s = state.settings
    if s.bagging_enabled and s.total_check and not any(
            i.kind == TOTAL_MISMATCH and i.txn == txn.number for i in state.interventions):
        check = bagging.total_check(state.bagging, s)
        if not check.ok:
            state, _ = iv_.raise_(state, TOTAL_MISMATCH, t, expected_g=round(check.expected_g, 1),
                                  measured_g=round(check.bagged_g + state.bagging.measured_g
                                                   - state.bagging.accepted_g, 1),
                                  prompt="put_all_back", detail=f"allowed {check.allowed_g:.0f} g")
            return state, True
    if not txn.audit:
        due, r = risk.audit_due(state, txn)
        state = replace(state, txn=replace(txn, audit="pending" if due else "none"))
        if due:
            state, _ = iv_.raise_(state, RESCAN_AUDIT, t, risk=r.score, reasons=r.reasons)
            return state, True
    return state, False


def _paid(state: LaneState, t: float, trigger: str) -> tuple[LaneState, list]:
    txn = state.txn
    assert txn is not None
    txn = replace(txn, status="paid", t_ended=t)
    # Whatever is still open of this transaction (a shopper who did not answer "still there?" while an attendant
    # paid a voucher out) is moot once the sale is complete.
    for iv in state.open_interventions:
        if iv.txn == txn.number:
            state = iv_.resolve(state, iv.id, t, "lane", "completed")
    state = replace(state, txn=txn, last_closed=txn.number,
                    redeemed_vouchers=state.redeemed_vouchers | txn.vouchers)
    summary = summarize(state, txn)
    state = replace(state, last_summary=summary)
    state = _goto(state, trigger, RECEIPT, t)
    return state, [fx.TransactionClosed(summary), fx.Sound("done")]


def _receipt(state: LaneState, t: float, choice: str) -> tuple[LaneState, list]:
    txn = state.txn
    effects: list = []
    if txn is not None:
        state = replace(state, txn=replace(txn, receipt=choice))
        if choice == "paper" and state.last_summary is not None:
            job = f"{state.lane_id}-{txn.number}-r"
            effects.append(fx.Print(job, state.last_summary))
            state = replace(state, print_pending=state.print_pending + (job,))
    return _goto(state, "receipt", THANK_YOU, t), effects


# ------------------------------------------------------------------------------------------------------------- scans

def _on_scanned(state: LaneState, ev: Scanned) -> tuple[LaneState, list]:
    t, code = ev.t, ev.code
    if state.mode == OUT_OF_SERVICE:
        return _notice(state, "lane_closed", t), [fx.Sound("error")]
    state = replace(state, t_activity=t, idle_stage=0, notice=None)
    if state.mode in (PAYMENT, RECEIPT):
        return _notice(state, "payment_in_progress", t), [fx.Sound("error")]
    if isinstance(code, ScanRejected):
        return _notice(state, "scan_again", t), [fx.Sound("error")]
    if state.blocked and not _may_scan_while_blocked(state):
        return _notice(state, "wait_for_attendant", t), [fx.Sound("error")]
    if isinstance(code, OtherCode):
        return _notice(state, "not_an_item", t), [fx.Sound("error")]
    if state.mode in (WELCOME, THANK_YOU):
        state = _begin(state, t, "scan")
    if isinstance(code, VoucherCode):
        return _add_voucher(state, t, code)
    item = ev.item
    if item is None:
        state, _ = iv_.raise_(state, UNKNOWN_ITEM, t, detail=ev.raw[:64])
        return _notice(state, "unknown_item", t), [fx.Sound("error")]
    try:
        priced = price_scan(item, code)
    except PricingError as exc:
        state, _ = iv_.raise_(state, PRICE_REQUIRED, t, sku=item.sku, detail=exc.reason)
        return _notice(state, "price_required", t, item.name), [fx.Sound("error")]
    return _add_item(state, t, item, priced, ev.raw, ev.learned, ev.category_learned)


def _add_voucher(state: LaneState, t: float, code: VoucherCode) -> tuple[LaneState, list]:
    txn = state.txn
    assert txn is not None
    if code.code in state.redeemed_vouchers or code.code in txn.vouchers:
        return _notice(state, "voucher_used", t), [fx.Sound("error")]
    line = Line(txn.next_line, VOUCHER, "voucher", 1, -code.value_cents, -code.value_cents,
                state.settings.voucher_vat_bp, code=code.code, mergeable=False)
    txn = replace(txn, lines=txn.lines + (line,), next_line=txn.next_line + 1)
    return replace(state, txn=txn), [fx.Sound("scan")]


def _add_item(state, t, item: Item, priced, raw: str, learned: wm.WeightEstimate | None = None,
              category: wm.CategoryEstimate | None = None) -> tuple[LaneState, list]:
    txn = state.txn
    assert txn is not None
    last = txn.lines[-1] if txn.lines else None
    # The deposit line follows its item, so "the last line" for merging is the item before it.
    if last is not None and last.kind == DEPOSIT and last.parent is not None:
        last = txn.line(last.parent)
    if (last is not None and last.kind == ITEM and last.qty > 0 and last.sku == item.sku and last.mergeable
            and priced.mergeable and last.unit_cents == priced.unit_cents and last.item == item):
        state, effects = _add_units(state, t, last, priced.qty)
        return _age_check(state, t, item), effects
    unit = wm.expected(item, learned, category, state.settings,
                       float(priced.weight_g) if priced.weight_g is not None else None)
    line = Line(txn.next_line, ITEM, item.name, priced.qty, priced.unit_cents, priced.amount_cents, item.vat_bp,
                sku=item.sku, item=item, code=raw[:64], weight_g=priced.weight_g, mergeable=priced.mergeable, t=t,
                unit_weight=unit)
    lines = txn.lines + (line,)
    next_line = txn.next_line + 1
    if item.deposit_cents:
        lines += (Line(next_line, DEPOSIT, item.name, priced.qty, item.deposit_cents,
                       item.deposit_cents * priced.qty, item.vat_bp, sku=item.sku, parent=line.id,
                       mergeable=False),)
        next_line += 1
    state = replace(state, txn=replace(txn, lines=lines, next_line=next_line))
    if state.settings.bagging_enabled:
        state = _expect_units(state, t, line, priced.qty)
    state, effects = _rejudge(state, t)
    return _age_check(state, t, item), [fx.Sound("scan")] + effects


def _expect_units(state: LaneState, t: float, line: Line, count: int) -> LaneState:
    """Wait for ``count`` more units of ``line`` in the bagging area (a no_bag article: accept them if they come)."""
    item = line.item
    assert item is not None
    unit = line.unit_weight
    weight: wm.Expected | float | None = unit if unit is not None else item.weight_g
    area = state.bagging
    for _ in range(count):
        area = bagging.expect(area, line.id, item.sku, weight, t + state.limit(state.settings.bag_timeout_s),
                              state.settings, item.weight_tolerance_g, optional=item.no_bag, t_since=t)
    state = replace(state, bagging=area)
    if not item.no_bag and state.mode == SCANNING:
        state = _goto(state, "scan to bag", BAGGING, t)
    return state


def _age_check(state: LaneState, t: float, item: Item) -> LaneState:
    txn = state.txn
    if txn is None or item.min_age <= txn.age_verified or iv_.open_of(state, (AGE_CHECK,)) is not None:
        return state
    state, _ = iv_.raise_(state, AGE_CHECK, t, sku=item.sku, detail=str(item.min_age))
    return state


# ----------------------------------------------------------------------------------------------------------- weights

def _on_weight(state: LaneState, ev: WeightSettled) -> tuple[LaneState, list]:
    t, grams = ev.t, ev.grams
    if not _in_transaction(state) or state.mode not in _SELLING or not state.settings.bagging_enabled:
        area = state.bagging
        if state.txn is None or state.mode in (WELCOME, THANK_YOU, OUT_OF_SERVICE):
            area = replace(area, accepted_g=min(area.accepted_g, grams))   # bags leave; nothing new is accepted
        return replace(state, bagging=replace(area, measured_g=grams)), []
    if abs(grams - state.bagging.measured_g) > state.settings.weight_threshold_g:
        state = replace(state, bagging=replace(state.bagging, t_measured=t))
    return _judge_weight(state, t, grams, confirmed=False)


def _judge_weight(state: LaneState, t: float, grams: float, confirmed: bool) -> tuple[LaneState, list]:
    """Judge a settled weight (``confirmed``: it has persisted for ``confirm_s``, or there is no time to wait)."""
    s = state.settings
    verdict = bagging.judge(state.bagging, grams, s)
    before = state.bagging
    state = replace(state, bagging=bagging.apply(state.bagging, grams, verdict))
    open_weight = iv_.open_of(state, WEIGHT_KINDS)
    if verdict.kind in bagging.GOOD:
        if open_weight is not None:
            state = iv_.resolve(state, open_weight.id, t, "shopper", "corrected")
        effects: list = []
        if verdict.kind == bagging.ACCEPTED:
            effects = _learned(state, before, verdict)
            state = _resolve_not_bagged(state, t, "shopper", "bagged")
            state = _refresh_bagging_mode(state, t, "bagged")
        return state, effects
    if open_weight is not None:
        # Still wrong: keep the one intervention, with what the scale shows now.
        return iv_.update(state, open_weight.id, measured_g=verdict.delta_g), []
    if not confirmed and s.confirm_s > 0:
        # A hand on the rail, a bag being rearranged, an item put down just before its scan: wait and see.
        if state.bagging.suspect_t is None:
            state = replace(state, bagging=replace(state.bagging, suspect_t=t))
        return state, []
    if verdict.kind == bagging.MISMATCH and verdict.forgivable and s.forgive_first and state.bagging.forgiven == 0:
        state = replace(state, bagging=bagging.forgive(state.bagging, verdict))
        state = _resolve_not_bagged(state, t, "lane", "forgiven")
        return _refresh_bagging_mode(state, t, "bagged"), []
    return _raise_weight(state, t, verdict)


def _raise_weight(state: LaneState, t: float, verdict: bagging.Verdict) -> tuple[LaneState, list]:
    kind = {bagging.UNEXPECTED: UNEXPECTED_ITEM, bagging.REMOVED: ITEM_REMOVED,
            bagging.MISMATCH: WEIGHT_MISMATCH}[verdict.kind]
    pending = bagging.required(state.bagging)
    first = pending[0] if pending else None
    txn = state.txn
    line = txn.line(first.line) if (first is not None and txn is not None) else None
    if kind in (UNEXPECTED_ITEM, WEIGHT_MISMATCH) and bagging.bag_explains(state.bagging, verdict.delta_g,
                                                                          state.settings):
        prompt = "own_bag"          # no bag yet, and a bag (with the expected items) would explain it
    elif kind == UNEXPECTED_ITEM:
        prompt = "scan_or_remove"
    elif kind == ITEM_REMOVED:
        prompt = "put_back"
    elif first is not None and first.weight_g is not None and first.weight_g < 0:
        prompt = "remove_voided"
    elif verdict.delta_g < state.settings.weight_threshold_g:
        prompt = "put_back"          # lighter than before, while an item was expected
    else:
        prompt = "place_scanned_only"
    expected = verdict.expected_g if verdict.kind == bagging.MISMATCH else 0.0
    state = replace(state, bagging=replace(state.bagging, suspect_t=None))
    mismatch = kind == WEIGHT_MISMATCH and first is not None
    state, _ = iv_.raise_(state, kind, t, expected_g=expected, measured_g=verdict.delta_g,
                          line=first.line if mismatch else None,  # type: ignore[union-attr]
                          sku=first.sku if mismatch else None,  # type: ignore[union-attr]
                          item=line.name if (mismatch and line is not None) else "", prompt=prompt)
    return state, [fx.Sound("error")]


def _learned(state: LaneState, before: BaggingArea, verdict: bagging.Verdict) -> list:
    """The observation a placement gives the weight table: one unit of one article, weighed by its own scale."""
    if verdict.optional is not None:
        met = (before.expected[verdict.optional],)
    else:
        met = bagging.required(before)[: verdict.count]
    if len(met) != 1:
        return []
    return _observation(state, met[0], verdict.delta_g - verdict.bag_g)   # an own bag put down with it is not it


def _observation(state: LaneState, exp: Expectation, grams: float, confirmed: bool = False) -> list:
    """``grams`` as an observation of one unit of the article ``exp`` waited for, when it teaches anything: not for
    a weighed article (its label says its weight) nor a removal, and only a positive weight."""
    line = state.txn.line(exp.line) if state.txn is not None else None
    if (line is None or line.item is None or exp.source in ("label", "placed") or line.weight_g is not None
            or grams <= 0):
        return []
    return [fx.WeightObserved(line.item, round(grams, 1), confirmed=confirmed)]


def _rejudge(state: LaneState, t: float) -> tuple[LaneState, list]:
    """The expectations changed (a scan, a void): does what is already on the scale fit now?"""
    area = state.bagging
    if (not _in_transaction(state) or state.mode not in _SELLING or not state.settings.bagging_enabled
            or abs(area.measured_g - area.accepted_g) <= state.settings.weight_threshold_g):
        return state, []
    verdict = bagging.judge(area, area.measured_g, state.settings)
    if verdict.kind not in bagging.GOOD and iv_.open_of(state, WEIGHT_KINDS) is None and area.suspect_t is None:
        return state, []   # nothing was waiting to be explained by this
    return _judge_weight(state, t, area.measured_g, confirmed=False)


def _confirm_suspect(state: LaneState, t: float) -> tuple[LaneState, list]:
    """The unexplained change has lasted ``confirm_s`` (or payment was asked for): judge it for real."""
    if state.bagging.suspect_t is None:
        return state, []
    if not _in_transaction(state) or state.mode not in _SELLING:
        return replace(state, bagging=replace(state.bagging, suspect_t=None)), []
    return _judge_weight(state, t, state.bagging.measured_g, confirmed=True)


def _may_scan_while_blocked(state: LaneState) -> bool:
    """Scanning stays open while the only stop is an unexpected item: scanning it is the correction."""
    blocking = [i for i in state.open_interventions if i.blocking]
    return bool(blocking) and all(i.kind == UNEXPECTED_ITEM for i in blocking)


def _explain_alerts(before: LaneState, after: LaneState) -> LaneState:
    """Every intervention that reaches the attendant carries the transaction's risk score and its reasons."""
    if before.interventions is after.interventions or after.txn is None:
        return after
    old = {i.id: i.status for i in before.interventions}
    fresh = [iv.id for iv in after.interventions
             if iv.status == "alerted" and old.get(iv.id) != "alerted" and iv.txn == after.txn.number]
    if not fresh:
        return after
    r = risk.score(after)
    for iid in fresh:
        after = iv_.update(after, iid, risk=r.score, reasons=r.reasons)
    return after


# -------------------------------------------------------------------------------------------------------- attendants

def _on_signed_in(state: LaneState, ev: AttendantSignedIn) -> tuple[LaneState, list]:
    session = AttendantSession(ev.attendant, ev.role, ev.t, ev.via, ev.t)
    return replace(state, attendant=session, pin_failures=0), []


def _on_sign_in_failed(state: LaneState, ev: AttendantSignInFailed) -> tuple[LaneState, list]:
    if ev.reason == "locked" or ev.t < state.pin_locked_until:
        return state, []   # attempts during a lockout neither count nor extend it
    failures = state.pin_failures + 1
    if failures >= state.settings.pin_attempts:
        return replace(state, pin_failures=0, pin_locked_until=ev.t + state.settings.pin_lockout_s), []
    return replace(state, pin_failures=failures), []


def _on_signed_out(state: LaneState, ev: AttendantSignedOut) -> tuple[LaneState, list]:
    return replace(state, attendant=None), []


def _on_command(state: LaneState, ev: AttendantCommand) -> tuple[LaneState, list]:
    if ev.command_id and ev.command_id in state.recent_commands:
        return state, []   # a repeated delivery of a command already applied
    if ev.command_id:
        state = replace(state, recent_commands=(state.recent_commands + (ev.command_id,))[-_RECENT_COMMANDS:])

    def reject(reason: str) -> tuple[LaneState, list]:
        return state, [fx.CommandRejected(ev.command_id, ev.command, reason)]

    if not state.settings.may(ev.role, ev.command):
        return reject("not_allowed")
    if ev.via == "lane" and (state.attendant is None or state.attendant.attendant != ev.attendant):
        return reject("not_signed_in")
    if state.attendant is not None and state.attendant.attendant == ev.attendant:
        state = replace(state, attendant=replace(state.attendant, t_last=ev.t))
    by = f"attendant:{ev.attendant}"
    t = ev.t
    cmd = ev.command
    if cmd == "sign_out":
        return replace(state, attendant=None), []
    if cmd == "open_lane":
        state = replace(state, in_service=True)
        if state.mode == OUT_OF_SERVICE:
            state = _goto(state, "open_lane", WELCOME, t)
            state = replace(state, lang=state.settings.default_lang)
        return state, []
    if cmd == "close_lane":
        if state.mode not in (WELCOME, THANK_YOU, OUT_OF_SERVICE):
            return reject("transaction_open")
        state = replace(state, in_service=False, txn=None if state.mode == THANK_YOU else state.txn)
        return _goto(state, "close_lane", OUT_OF_SERVICE, t), []
    if cmd == "reprint":
        if state.last_summary is None:
            return reject("nothing_to_reprint")
        # The printer prints each job id once (its ledger), so every reprint needs an id of its own.
        job = f"{state.lane_id}-{state.last_summary.number}-copy-{ev.command_id or format(ev.t, '.3f')}"
        return replace(state, print_pending=state.print_pending + (job,)), [fx.Print(job, state.last_summary, True)]
    if cmd == "restart":
        # The shell stops the application and systemd starts it again; the journal brings back whatever was open.
        if state.txn is not None and state.txn.pending_payment is not None:
            return reject("payment_in_progress")
        return state, [fx.Restart(ev.attendant)]
    if cmd == "end_of_day":
        if state.mode not in (WELCOME, THANK_YOU, OUT_OF_SERVICE):
            return reject("transaction_open")
        return state, [fx.EndOfDay(f"{state.lane_id}-eod-{ev.command_id or format(ev.t, '.3f')}", ev.attendant)]
    if not _in_transaction(state):
        return reject("no_transaction")
    txn = state.txn
    assert txn is not None
    if cmd == "approve":
        target = state.intervention(ev.intervention) if ev.intervention is not None else (
            state.open_interventions[0] if state.open_interventions else None)
        if target is None or target.status == "resolved":
            return reject("no_open_intervention")
        return _approve(state, t, target, by)
    if cmd == "verify_age":
        state = replace(state, txn=replace(txn, age_verified=max(txn.age_verified, _required_age(txn),
                                                                 _int(ev.arg))))
        iv = iv_.open_of(state, (AGE_CHECK,))
        if iv is not None:
            state = iv_.resolve(state, iv.id, t, by, "verified")
        return state, []
    if cmd == "reject_age":
        effects: list = []
        for line in txn.lines:
            if line.qty > 0 and line.item is not None and line.item.min_age > txn.age_verified:
                state, more = _void(state, t, state.txn.line(line.id), line.qty, by)  # type: ignore[union-attr,arg-type]
                effects += more
        iv = iv_.open_of(state, (AGE_CHECK,))
        if iv is not None:
            state = iv_.resolve(state, iv.id, t, by, "rejected")
        return state, effects
    if cmd in ("void_line", "set_qty"):
        if state.mode not in _SELLING + (PAYMENT,) or txn.pending_payment is not None:
            return reject("not_now")
        line = txn.line(ev.line) if ev.line is not None else txn.last_item_line
        if line is None or line.kind == DEPOSIT or line.qty == 0:
            return reject("no_such_line")
        if state.mode == PAYMENT:
            state = _goto(state, "back", SCANNING, t)   # the basket changes: payment starts over
        if cmd == "void_line":
            qty = line.qty
        else:
            qty = _int(ev.arg, -1)
            if qty < 0 or qty > 999:
                return reject("bad_quantity")
            if qty > line.qty:
                if not line.mergeable:
                    return reject("not_countable")
                state, effects = _add_units(state, t, line, qty - line.qty)
                return state, effects
            qty = line.qty - qty
        return _void(state, t, line, qty, by)
    if cmd == "audit_done":
        target = iv_.open_of(state, (RESCAN_AUDIT,))
        if target is None:
            return reject("no_open_intervention")
        return _audit_done(state, t, target, by, "found" if ev.arg == "found" else "ok")
    if cmd == "cancel":
        if txn.paid_cents or txn.pending_payment is not None:
            return reject("payment_made")
        return _end(state, t, "cancelled", "cancel", by)
    if cmd == "suspend":
        if txn.paid_cents or txn.pending_payment is not None:
            return reject("payment_made")
        return _end(state, t, "suspended", "suspend", by)
    return reject("unknown_command")


def _approve(state: LaneState, t: float, target, by: str) -> tuple[LaneState, list]:
    kind = target.kind
    if kind == CANCEL_REQUEST:
        return _end(iv_.resolve(state, target.id, t, by, "approved"), t, "cancelled", "cancel", by)
    if kind == AGE_CHECK:
        txn = state.txn
        assert txn is not None
        state = replace(state, txn=replace(txn, age_verified=max(txn.age_verified, _required_age(txn))))
        return iv_.resolve(state, target.id, t, by, "verified"), []
    if kind in WEIGHT_KINDS or kind == TOTAL_MISMATCH:
        area = state.bagging
        pending = bagging.required(area)
        drop = 1 if kind == WEIGHT_MISMATCH and pending else 0
        effects: list = []
        expected = pending[0].weight_g if drop else None
        delta = area.measured_g - area.accepted_g
        # The attendant saw the item: its weight is a confirmed observation, which counts more. Only a plausible
        # unit weight is learned: not a handbag or a second item the attendant let pass.
        if expected is not None and expected > 0 and 0.5 * expected <= delta <= 1.5 * expected:
            effects = _observation(state, pending[0], delta, confirmed=True)
        state = replace(state, bagging=bagging.accept_measured(area, drop))
        state = iv_.resolve(state, target.id, t, by, "approved")
        state = _resolve_not_bagged(state, t, by, "approved")
        return _refresh_bagging_mode(state, t, "approve"), effects
    if kind == RESCAN_AUDIT:
        return _audit_done(state, t, target, by, "ok")
    if kind == ITEM_NOT_BAGGED:
        area, _ = bagging.forget(state.bagging, target.line) if target.line is not None else (state.bagging, 0)
        state = replace(state, bagging=area)
        state = _resolve_not_bagged(state, t, by, "approved")
        return _refresh_bagging_mode(state, t, "approve"), []
    if kind == PAYOUT:
        state = iv_.resolve(state, target.id, t, by, "approved")
        txn = state.txn
        assert txn is not None
        due = txn.total_cents - txn.paid_cents
        ref = f"{state.lane_id}-{txn.number}-payout"
        txn = replace(txn, payments=txn.payments + (Payment(ref, due, "approved", "cash_payout", t),))
        state = replace(state, txn=txn)
        return _paid(state, t, "paid")
    return iv_.resolve(state, target.id, t, by, "approved"), []


def _audit_done(state: LaneState, t: float, target, by: str, outcome: str) -> tuple[LaneState, list]:
    """The attendant rescanned the basket: all scanned (ok), or items were found and added (found)."""
    txn = state.txn
    assert txn is not None
    state = replace(state, txn=replace(txn, audit=outcome))
    return iv_.resolve(state, target.id, t, by, "audit_" + outcome), []


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


# ------------------------------------------------------------------------------------------------ payments, devices

def _on_payment(state: LaneState, ev: PaymentResult) -> tuple[LaneState, list]:
    txn = state.txn
    if txn is None:
        return state, []
    pending = txn.pending_payment
    if pending is None or pending.ref != ev.ref:
        return state, []   # a late or repeated answer: the journal has it, the sale does not change
    outcome = ev.outcome if ev.outcome in ("approved", "declined", "failed", "aborted") else "failed"
    amount = ev.amount_cents if outcome == "approved" and ev.amount_cents else pending.amount_cents
    done = replace(pending, outcome=outcome, amount_cents=amount, method=ev.method, t=ev.t, message=ev.message,
                   receipt_lines=ev.receipt_lines, receipt_no=ev.receipt_no)
    txn = replace(txn, payments=tuple(done if p.ref == ev.ref else p for p in txn.payments))
    if outcome != "approved":
        txn = replace(txn, declines=txn.declines + 1)
    state = replace(state, txn=txn)
    if outcome == "approved":
        if txn.paid_cents >= txn.total_cents:
            return _paid(state, ev.t, "paid")
        return state, []
    state = _notice(state, f"payment_{outcome}", ev.t, ev.message or "")
    if txn.declines >= state.settings.max_declines_before_help and iv_.open_of(state, (PAYMENT_FAILED,)) is None:
        state, _ = iv_.raise_(state, PAYMENT_FAILED, ev.t, detail=ev.message or outcome)
    return state, [fx.Sound("error")]


def _on_payment_step(state: LaneState, ev: PaymentStep) -> tuple[LaneState, list]:
    """Remember how far the saga got with the pending payment, so that recovery knows what to ask the terminal."""
    txn = state.txn
    pending = txn.pending_payment if txn is not None else None
    if pending is None or pending.ref != ev.ref:
        return state, []
    if ev.step == "authorising":
        step = replace(pending, step=ev.step, baseline=ev.baseline)
    elif ev.step == "reversing":                 # the terminal transaction being reversed
        step = replace(pending, step=ev.step, receipt_no=ev.baseline)
    else:
        step = replace(pending, step=ev.step)
    txn = replace(txn, payments=tuple(step if p.ref == ev.ref else p for p in txn.payments))
    return replace(state, txn=txn), []


def _on_print(state: LaneState, ev: PrintResult) -> tuple[LaneState, list]:
    state = replace(state, print_pending=tuple(j for j in state.print_pending if j != ev.job))
    if not ev.ok and iv_.open_of(state, (DEVICE_FAULT,)) is None:
        state, _ = iv_.raise_(state, DEVICE_FAULT, ev.t, lane_level=True, detail=f"printer: {ev.message or 'failed'}")
    return state, []


def _on_device(state: LaneState, ev: DeviceStatus) -> tuple[LaneState, list]:
    down = tuple(d for d in state.devices_down if d != ev.device)
    if not ev.ok:
        down += (ev.device,)
    state = replace(state, devices_down=down)
    detail = f"{ev.device}: {ev.message}" if ev.message else ev.device
    existing = [i for i in state.interventions
                if i.kind == DEVICE_FAULT and i.status != "resolved" and i.detail.split(":")[0] == ev.device]
    if not ev.ok and not existing:
        # A device fault belongs to the lane, not to the shopper's transaction: it outlives it.
        state, _ = iv_.raise_(state, DEVICE_FAULT, ev.t, lane_level=True, detail=detail)
    elif ev.ok:
        for iv in existing:
            state = iv_.resolve(state, iv.id, ev.t, "lane", "recovered")
    return state, []


# -------------------------------------------------------------------------------------------------------------- time

def next_deadline(state: LaneState) -> float | None:
    """The earliest time at which a ``Tick`` would change something, or None. The shell schedules it."""
    s = state.settings
    times: list[float] = [iv.nudge_until for iv in state.interventions
                          if iv.status == "nudge" and iv.nudge_until is not None]
    if state.mode in _SELLING and state.txn is not None:
        waiting = {iv.line for iv in state.interventions if iv.kind == ITEM_NOT_BAGGED and iv.status != "resolved"}
        if not state.blocked:       # while a stop is open the shopper waits: nothing is overdue
            times += [e.t_due for e in bagging.required(state.bagging) if e.line not in waiting]
        if state.bagging.suspect_t is not None:
            times.append(state.bagging.suspect_t + s.confirm_s)
        if not state.txn.active_lines and not state.open_interventions and not state.bagging.expected:
            times.append(state.t_activity + s.idle_empty_s)
        elif state.idle_stage == 0:
            times.append(state.t_activity + state.limit(s.idle_prompt_s))
        elif state.idle_stage == 1:
            times.append(state.t_idle + state.limit(s.idle_answer_s))
    elif state.mode == RECEIPT:
        times.append(state.t_mode + state.limit(s.receipt_choice_s))
    elif state.mode == THANK_YOU:
        times.append(state.t_mode + s.thank_you_s)
    if state.attendant is not None:
        times.append(max(state.attendant.t_last, state.attendant.t_signed_in) + s.attendant_idle_s)
    return min(times) if times else None


def _on_tick(state: LaneState, ev: Tick) -> tuple[LaneState, list]:
    t = ev.t
    s = state.settings
    effects: list = []
    state = iv_.escalate_due(state, t)
    if state.attendant is not None and max(state.attendant.t_last, state.attendant.t_signed_in) \
            + s.attendant_idle_s <= t:
        state = replace(state, attendant=None)
    if state.bagging.suspect_t is not None and state.bagging.suspect_t + s.confirm_s <= t:
        state, more = _confirm_suspect(state, t)
        effects += more
    if state.mode in _SELLING and state.txn is not None:
        waiting = {iv.line for iv in state.interventions if iv.kind == ITEM_NOT_BAGGED and iv.status != "resolved"}
        for exp in bagging.required(state.bagging):
            if exp.t_due <= t and exp.line not in waiting and not state.blocked:
                line = state.txn.line(exp.line)
                removal = exp.weight_g is not None and exp.weight_g < 0
                state, _ = iv_.raise_(state, ITEM_NOT_BAGGED, t, line=exp.line, sku=exp.sku,
                                      expected_g=exp.weight_g, item=line.name if line is not None else "",
                                      prompt="remove_voided" if removal else "bag_item")
                waiting.add(exp.line)
        if not state.txn.active_lines and not state.open_interventions and not state.bagging.expected:
            if state.t_activity + s.idle_empty_s <= t:
                state, more = _end(state, t, "cancelled", "idle", "lane")
                return state, effects + more
        elif state.idle_stage == 0 and state.t_activity + state.limit(s.idle_prompt_s) <= t:
            state = replace(state, idle_stage=1, t_idle=t)    # the shopper gets the full answer time
        elif state.idle_stage == 1 and state.t_idle + state.limit(s.idle_answer_s) <= t:
            state = replace(state, idle_stage=2, t_idle=t)
            state, _ = iv_.raise_(state, IDLE, t)
    elif state.mode == RECEIPT and state.t_mode + state.limit(s.receipt_choice_s) <= t:
        return _receipt(state, t, s.receipt_default)
    elif state.mode == THANK_YOU and state.t_mode + s.thank_you_s <= t:
        return _welcome(state, t, "timeout"), effects
    return state, effects


# ---------------------------------------------------------------------------------------------------------- derived

def _derived(before: LaneState, after: LaneState) -> list:
    """Light, alert and alert-cleared effects from the difference between two states."""
    out: list = []
    if before.interventions is not after.interventions:
        old = {i.id: i.status for i in before.interventions}
        for iv in after.interventions:
            was = old.get(iv.id)
            if iv.status == "alerted" and was != "alerted":
                out.append(fx.Alert(iv, after.lane_id))
            elif iv.status == "resolved" and was == "alerted":
                out.append(fx.AlertCleared(iv.id, iv.resolved_by or "", iv.resolution or ""))
    if before.light != after.light:
        out.append(fx.Light(after.light, blink=after.light == "amber"))
    return out


_HANDLERS = {
    LaneStarted: _on_started,
    Touched: _on_touched,
    Scanned: _on_scanned,
    WeightSettled: _on_weight,
    AttendantSignedIn: _on_signed_in,
    AttendantSignInFailed: _on_sign_in_failed,
    AttendantSignedOut: _on_signed_out,
    AttendantCommand: _on_command,
    PaymentResult: _on_payment,
    PaymentStep: _on_payment_step,
    PrintResult: _on_print,
    DeviceStatus: _on_device,
    Tick: _on_tick,
}
