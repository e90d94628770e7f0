"""Stories of a lane, told to the pure reducer: given a state, when the shopper or attendant does X, then Y."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.domain.barcodes import gtin_check_digit
from kiosk.lane import effects as fx
from kiosk.lane.events import (AttendantCommand, AttendantSignedIn, AttendantSignInFailed, DeviceStatus,
                               PaymentResult, Tick, Touched, WeightSettled)
from kiosk.lane.reducer import next_deadline, reduce
from kiosk.lane.settings import Settings
from kiosk.lane.state import BAGGING, OUT_OF_SERVICE, PAYMENT, RECEIPT, SCANNING, THANK_YOU, WELCOME
from lanekit import BEER, GOUDA, MILK, ROLL, VODKA, WATER_CRATE, run, scanned, started

MILK_CODE = MILK.gtins[0][1:]
BEER_CODE = BEER.gtins[0][1:]
VODKA_CODE = VODKA.gtins[0][1:]
CRATE_CODE = WATER_CRATE.gtins[0][1:]
ROLL_CODE = ROLL.gtins[0][1:]


def voucher(serial: str, cents: int) -> str:
    payload = f"980{serial}{cents:04d}"
    return payload + str(gtin_check_digit(payload))


def signed_in(state, who="anna", role="attendant", t=None):
    state, _ = reduce(state, AttendantSignedIn(state.t if t is None else t, who, role))
    return state


def cmd(state, command, t=None, who="anna", role="attendant", **kw):
    return reduce(state, AttendantCommand(state.t if t is None else t, command, who, role,
                                          kw.pop("command_id", f"c{state.t}-{command}"), **kw))


def of(effects, cls):
    return [e for e in effects if isinstance(e, cls)]


def test_a_shopper_scans_bags_pays_and_gets_a_receipt():
    s = started()
    assert s.mode == WELCOME
    s, _ = run(s, scanned(1, MILK_CODE))
    assert s.mode == BAGGING and s.txn.total_cents == 129
    s, _ = run(s, WeightSettled(2, 1032))
    assert s.mode == SCANNING and not s.bagging.expected
    s, effects = run(s, Touched(3, "pay"))
    (charge,) = of(effects, fx.Charge)
    assert s.mode == PAYMENT and charge.amount_cents == 129
    s, effects = run(s, PaymentResult(5, charge.ref, "approved", 129))
    (closed,) = of(effects, fx.TransactionClosed)
    assert closed.summary.status == "paid" and s.mode == RECEIPT
    assert closed.summary.vat[0].rate_bp == 700 and closed.summary.vat[0].gross_cents == 129
    assert closed.summary.vat[0].net_cents + closed.summary.vat[0].tax_cents == 129
    s, effects = run(s, Touched(6, "receipt", "paper"))
    assert s.mode == THANK_YOU and of(effects, fx.Print)
    s, _ = run(s, Tick(6 + s.settings.thank_you_s))
    assert s.mode == WELCOME and s.txn is None


def test_a_second_scan_of_the_same_item_adds_to_its_line_and_its_deposit_follows():
    s, _ = run(started(), scanned(1, BEER_CODE), AttendantSignedIn(1.5, "anna", "attendant"))
    s, _ = cmd(s, "verify_age", t=1.6)
    s, _ = run(s, WeightSettled(2, 520), scanned(3, BEER_CODE), WeightSettled(4, 1041))
    item, deposit = s.txn.active_lines
    assert (item.qty, item.amount_cents) == (2, 178)
    assert (deposit.kind, deposit.qty, deposit.amount_cents, deposit.parent) == ("deposit", 2, 50, item.id)
    s, _ = run(s, Touched(5, "void_last"))
    item, deposit = s.txn.active_lines
    assert item.qty == 1 and deposit.qty == 1 and s.txn.total_cents == 89 + 25
    assert s.txn.voids[-1].by == "shopper"
    # The voided can was bagged: the lane now waits for it to leave the bagging area, at the weight it was bagged at.
    assert s.mode == BAGGING and s.bagging.expected[0].weight_g == -521
    s, _ = run(s, WeightSettled(6, 522))
    assert s.mode == SCANNING


def test_age_restricted_items_need_one_check_and_block_payment_until_then():
    s, effects = run(started(), scanned(1, BEER_CODE))
    (alert,) = of(effects, fx.Alert)
    assert alert.intervention.kind == "age_check" and alert.intervention.status == "alerted"
    s, _ = run(s, WeightSettled(2, 520), Touched(3, "pay"))
    assert s.mode == SCANNING and s.notice.key == "wait_for_attendant"
    s = signed_in(s, t=4)
    s, effects = cmd(s, "verify_age", t=4)
    assert not s.open_interventions and of(effects, fx.AlertCleared)
    s, effects = run(s, scanned(5, BEER_CODE), WeightSettled(6, 1040))
    assert not of(effects, fx.Alert), "a verified age covers the rest of the transaction"
    s, effects = run(s, scanned(7, VODKA_CODE))
    assert of(effects, fx.Alert), "an 18+ item needs a new check after a 16+ check"


def test_rejecting_an_age_check_voids_the_restricted_items():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035), scanned(3, VODKA_CODE))
    s = signed_in(s, t=4)
    s, _ = cmd(s, "reject_age", t=4)
    assert [ln.sku for ln in s.txn.active_lines] == [MILK.sku]
    assert s.open_interventions == ()


def test_bottle_return_vouchers_are_negative_lines_redeemed_once():
    code = voucher("00042", 325)
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035), scanned(3, code))
    assert s.txn.total_cents == 129 - 325 + 0 or s.txn.total_cents == -196
    (v,) = [ln for ln in s.txn.active_lines if ln.kind == "voucher"]
    assert v.amount_cents == -325 and v.vat_bp == 1900
    s, effects = run(s, scanned(4, code))
    assert s.notice.key == "voucher_used" and len(s.txn.active_lines) == 2
    # Total is negative: the attendant pays the difference out in cash.
    s, effects = run(s, Touched(5, "pay"))
    (payout,) = of(effects, fx.Alert)
    assert payout.intervention.kind == "payout"
    s = signed_in(s, t=6)
    s, effects = cmd(s, "approve", t=6)
    (closed,) = of(effects, fx.TransactionClosed)
    assert closed.summary.payments[0].method == "cash_payout" and closed.summary.payments[0].amount_cents == -196
    assert code in s.redeemed_vouchers
    s, _ = run(s, Touched(7, "receipt", "none"), Touched(8, "done"), scanned(9, code))
    assert s.notice.key == "voucher_used", "a redeemed voucher is refused in the next transaction too"


def test_a_voucher_of_a_cancelled_transaction_can_be_used_again():
    code = voucher("00043", 25)
    s, _ = run(started(), scanned(1, code), Touched(2, "cancel"))
    s = signed_in(s, t=3)
    s, effects = cmd(s, "approve", t=3)
    assert s.mode == WELCOME and of(effects, fx.TransactionClosed)[0].summary.status == "cancelled"
    s, _ = run(s, scanned(4, code))
    assert [ln.kind for ln in s.txn.active_lines] == ["voucher"]


def test_in_store_labels_are_priced_from_the_label():
    s, _ = run(started(), scanned(1, "2812347012503"))    # Gouda, 1.250 kg at 14.90/kg
    (line,) = s.txn.active_lines
    assert (line.sku, line.weight_g, line.amount_cents) == (GOUDA.sku, 1250, 1863)
    s, _ = run(s, WeightSettled(2, 1252), scanned(3, "2212342001999"))  # Gouda, price label 1.99
    assert s.txn.active_lines[-1].amount_cents == 199
    assert len(s.txn.active_lines) == 2, "labels with a measure never merge"


def test_a_weighed_article_without_a_weight_needs_an_attendant():
    from kiosk.domain.codes import GtinCode
    from kiosk.lane.events import Scanned
    weighed = replace(GOUDA, gtins=("04000000000000",))
    s, effects = run(started(), Scanned(1, "x", GtinCode("04000000000000"), weighed))
    assert s.open_interventions[0].kind == "price_required" and not s.txn.active_lines


def test_an_unexpected_item_is_nudged_first_and_corrected_by_the_shopper():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035))
    s, effects = run(s, WeightSettled(3, 1435))
    assert not s.open_interventions and s.bagging.suspect_t == 3      # it must last confirm_s first
    assert next_deadline(s) == 3 + s.settings.confirm_s
    s, effects = run(s, Tick(3 + s.settings.confirm_s))
    (iv,) = s.open_interventions
    assert iv.kind == "unexpected_item" and iv.status == "nudge" and not of(effects, fx.Alert)
    assert iv.measured_g == pytest.approx(400) and iv.prompt == "scan_or_remove"
    s, _ = run(s, Touched(6, "void_last"))           # not now: the stop is open
    assert s.notice.key == "wait_for_attendant" and len(s.txn.active_lines) == 1
    s, effects = run(s, WeightSettled(7, 1036))      # taken off again
    assert not s.open_interventions
    resolved = s.interventions[-1]
    assert (resolved.resolved_by, resolved.resolution, resolved.t_resolved) == ("shopper", "corrected", 7)


def test_scanning_the_item_placed_without_a_scan_resolves_the_prompt():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035), WeightSettled(3, 2070), Tick(5))
    assert s.open_interventions[0].kind == "unexpected_item"
    s, _ = run(s, scanned(8, MILK_CODE))             # scanning stays open while an unexpected item is the stop
    assert not s.open_interventions and s.txn.active_lines[0].qty == 2 and s.mode == SCANNING
    assert s.interventions[-1].resolution == "corrected" and s.bagging.accepted_g == 2070


def test_an_uncorrected_nudge_calls_the_attendant_who_approves_it():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035), WeightSettled(3, 1435))
    s, _ = run(s, Tick(3 + s.settings.confirm_s))
    deadline = next_deadline(s)
    assert deadline == 3 + s.settings.confirm_s + s.settings.nudge_s
    s, effects = run(s, Tick(deadline))
    assert s.open_interventions[0].status == "alerted" and of(effects, fx.Alert)
    assert of(effects, fx.Light)[0].color == "amber"
    s = signed_in(s, t=20)
    s, effects = cmd(s, "approve", t=20)
    assert not s.open_interventions and s.bagging.accepted_g == 1435
    assert of(effects, fx.Light)[0].color == "green"
    assert s.interventions[-1].resolved_by == "attendant:anna"


def test_an_item_not_bagged_in_time_is_prompted_and_placing_it_resolves_it():
    s, _ = run(started(), scanned(1, MILK_CODE))
    s, _ = run(s, Tick(1 + s.settings.bag_timeout_s))
    (iv,) = s.open_interventions
    assert iv.kind == "item_not_bagged" and iv.line == s.txn.lines[0].id
    s, _ = run(s, WeightSettled(30, 1030))
    assert not s.open_interventions and s.mode == SCANNING


def test_items_that_stay_in_the_trolley_skip_bagging():
    s, _ = run(started(), scanned(1, CRATE_CODE))
    assert s.mode == SCANNING and all(e.optional for e in s.bagging.expected)
    assert next_deadline(s) == 1 + s.settings.idle_prompt_s   # nobody waits for it in the bagging area
    assert [ln.kind for ln in s.txn.active_lines] == ["item", "deposit"]


def test_two_items_bagged_together_are_accepted():
    s, _ = run(started(), scanned(1, MILK_CODE), scanned(2, ROLL_CODE), scanned(3, MILK_CODE))
    assert len(s.bagging.expected) == 3
    s, _ = run(s, WeightSettled(4, 2 * 1035 + 60))
    assert not s.bagging.expected and not s.open_interventions and s.mode == SCANNING


def test_an_own_bag_is_learned_as_tare():
    s, _ = run(started(), Touched(1, "own_bag"), WeightSettled(2, 180))
    assert s.mode == SCANNING and not s.open_interventions and s.bagging.accepted_g == 180
    s, _ = run(s, scanned(3, MILK_CODE), WeightSettled(4, 1215))
    assert not s.open_interventions and s.mode == SCANNING


def test_a_different_weight_than_scanned_is_a_mismatch():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 300), Tick(2 + Settings().confirm_s))
    (iv,) = s.open_interventions
    assert iv.kind == "weight_mismatch" and iv.expected_g == 1035 and iv.sku == MILK.sku


def test_cancelling_a_basket_needs_an_attendant():
    s, effects = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035), Touched(3, "cancel"))
    assert s.open_interventions[0].kind == "cancel_request" and of(effects, fx.Alert)
    s = signed_in(s, t=4)
    s, effects = cmd(s, "approve", t=4)
    (closed,) = of(effects, fx.TransactionClosed)
    assert closed.summary.status == "cancelled" and s.mode == WELCOME
    assert closed.summary.interventions[0].resolution == "approved"


def test_an_empty_transaction_cancels_without_trace():
    s, effects = run(started(), Touched(1, "start"), Touched(2, "cancel"))
    assert s.mode == WELCOME and not of(effects, fx.TransactionClosed)


def test_an_attendant_suspends_a_transaction():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035))
    s = signed_in(s, t=3)
    s, effects = cmd(s, "suspend", t=3)
    assert of(effects, fx.TransactionClosed)[0].summary.status == "suspended" and s.mode == WELCOME


def test_an_empty_basket_left_alone_returns_to_welcome_and_a_full_one_calls_for_help():
    s, _ = run(started(), Touched(1, "start"))
    s, _ = run(s, Tick(next_deadline(s)))
    assert s.mode == WELCOME
    s, _ = run(s, scanned(100, CRATE_CODE))
    d1 = next_deadline(s)
    s, _ = run(s, Tick(d1))
    assert s.idle_stage == 1 and not s.open_interventions, "first the shopper is asked 'are you still there?'"
    s, _ = run(s, Tick(next_deadline(s)))
    assert s.open_interventions[0].kind == "idle"
    s, _ = run(s, Touched(500, "continue"))
    assert s.idle_stage == 0


def test_declined_payments_can_be_retried_and_repeated_declines_call_for_help():
    s, effects = run(started(), scanned(1, CRATE_CODE), Touched(2, "pay"))
    ref1 = of(effects, fx.Charge)[0].ref
    s, _ = run(s, PaymentResult(4, ref1, "declined", message="Karte abgelehnt"))
    assert s.mode == PAYMENT and s.notice.key == "payment_declined"
    s, effects = run(s, Touched(5, "pay"))
    ref2 = of(effects, fx.Charge)[0].ref
    assert ref2 != ref1
    s, effects = run(s, PaymentResult(7, ref2, "declined"))
    assert s.open_interventions[0].kind == "payment_failed" and of(effects, fx.Alert)
    s, _ = run(s, PaymentResult(8, ref2, "approved", 929))
    assert s.mode == PAYMENT, "a late answer for a finished attempt changes nothing"


def test_a_payment_answer_is_applied_once():
    s, effects = run(started(), scanned(1, CRATE_CODE), Touched(2, "pay"))
    ref = of(effects, fx.Charge)[0].ref
    s, effects = run(s, PaymentResult(4, ref, "approved", 929))
    assert len(of(effects, fx.TransactionClosed)) == 1
    s2, effects2 = run(s, PaymentResult(5, ref, "approved", 929))
    assert not of(effects2, fx.TransactionClosed) and s2.txn.payments == s.txn.payments


def test_commands_are_checked_for_role_sign_in_and_repetition():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035))
    s2, effects = cmd(s, "void_line", t=3, line=1)
    assert of(effects, fx.CommandRejected)[0].reason == "not_signed_in"
    s = signed_in(s, t=3)
    s, effects = cmd(s, "void_line", t=3, line=1, command_id="abc")
    assert s.txn.total_cents == 0
    again, effects = cmd(s, "void_line", t=4, line=1, command_id="abc")
    assert again == replace(s, t=4) and effects == [], "the same command id is applied once"
    s, effects = cmd(s, "close_lane", t=5)
    assert of(effects, fx.CommandRejected)[0].reason == "not_allowed"


def test_a_supervisor_closes_and_opens_the_lane():
    s = signed_in(started(), "bernd", "supervisor", t=1)
    s, effects = cmd(s, "close_lane", t=1, who="bernd", role="supervisor")
    assert s.mode == OUT_OF_SERVICE and of(effects, fx.Light)[0].color == "red"
    s, _ = run(s, scanned(2, MILK_CODE))
    assert s.txn is None and s.notice.key == "lane_closed"
    s, _ = cmd(s, "open_lane", t=3, who="bernd", role="supervisor")
    assert s.mode == WELCOME


def test_wrong_pins_lock_the_pin_pad_for_a_while():
    s = started(Settings(pin_attempts=3, pin_lockout_s=60))
    s, _ = run(s, *(AttendantSignInFailed(t) for t in (1, 2, 3)))
    assert s.pin_locked_until == 63
    s, _ = run(s, AttendantSignInFailed(10))
    assert s.pin_locked_until == 63 and s.pin_failures == 0, "attempts during the lockout do not extend it"


def test_a_device_fault_belongs_to_the_lane_not_the_transaction():
    s, _ = run(started(), scanned(1, CRATE_CODE), DeviceStatus(2, "printer", False, "paper out"))
    assert s.open_interventions[-1].txn is None
    s = signed_in(s, t=3)
    s, _ = cmd(s, "suspend", t=3)
    assert [i.kind for i in s.open_interventions] == ["device_fault"]
    s, _ = run(s, DeviceStatus(4, "printer", True))
    assert not s.open_interventions


def test_payment_waits_for_bagging_and_open_interventions():
    s, _ = run(started(), scanned(1, MILK_CODE), Touched(2, "pay"))
    assert s.mode == BAGGING and s.notice.key == "bag_items_first"
    s, _ = run(s, WeightSettled(3, 1035), Touched(4, "help"), Touched(5, "pay"))
    assert s.mode == SCANNING and s.notice.key == "wait_for_attendant"


def test_a_shopper_may_raise_the_quantity_of_the_last_item_but_not_lower_it_without_a_void():
    s, _ = run(started(), scanned(1, CRATE_CODE), Touched(2, "qty", "3"))
    assert s.txn.active_lines[0].qty == 3 and s.txn.active_lines[1].qty == 3
    s, _ = run(s, Touched(3, "qty", "1"))
    assert s.txn.active_lines[0].qty == 1 and sum(v.qty for v in s.txn.voids) == 2


def test_accessibility_choices_last_until_the_shopper_leaves_and_more_time_lengthens_the_limits():
    s, _ = run(started(), Touched(1, "access", "contrast"), Touched(2, "access", "more_time"),
               Touched(2.5, "access", "nonsense"))
    assert s.access == {"contrast", "more_time"} and s.mode == WELCOME
    s, _ = run(s, scanned(3, MILK_CODE))
    assert s.access == {"contrast", "more_time"}                      # carried into the transaction, like the language
    assert s.bagging.expected[0].t_due == 3 + 2 * s.settings.bag_timeout_s
    s, _ = run(s, Touched(4, "access", "contrast"))                  # switched off again at any time
    assert s.access == {"more_time"}
    s, _ = run(s, WeightSettled(5, 1035))
    assert next_deadline(s) == 4 + 2 * s.settings.idle_prompt_s       # from the shopper's last touch
    s, _ = run(s, Touched(6, "cancel"))
    s, _ = cmd(signed_in(s, t=7), "approve", t=7)
    assert s.mode == WELCOME and s.access == frozenset()             # the next shopper starts plain
