"""The payment saga's decisions: after a crash or a lost link at any step, complete the sale or undo the charge.

Pure tests of :func:`kiosk.payment.saga.decide` and of how the reducer keeps the saga's steps in the journal.
"""

from __future__ import annotations

import pytest

from kiosk.lane.events import PaymentResult, PaymentStep, Touched, WeightSettled
from kiosk.lane.state import Payment
from kiosk.payment.saga import TerminalRecord, decide
from lanekit import MILK, run, scanned, started

EUR_12 = 1234


def pending(step: str = "authorising", baseline: str | None = "0041", receipt_no: str | None = None) -> Payment:
    return Payment("lane-1-1-1", EUR_12, "pending", "card", 0.0, step=step, baseline=baseline, receipt_no=receipt_no)


def approved(no: str = "0042", amount: int = EUR_12) -> TerminalRecord:
    return TerminalRecord(no, amount, "approved", ("Girocard", "Betrag EUR 12,34", "Beleg-Nr. " + no), "Zahlung erfolgt")


@pytest.mark.parametrize("story, payment, last, waiting, action, outcome", [
    ("crash before the authorisation was journaled", pending(step="", baseline=None), approved(), True,
     "not_charged", "failed"),
    ("crash after journaling, before the terminal got it", pending(), approved("0041"), True,
     "not_charged", "failed"),
    ("the terminal has never made a transaction", pending(baseline=None), None, True, "not_charged", "failed"),
    ("approved while the lane was down", pending(), approved(), True, "complete", "approved"),
    ("approved, first transaction ever on this terminal", pending(baseline=None), approved("0001"), True,
     "complete", "approved"),
    ("approved for another amount", pending(), approved(amount=999), True, "reverse", "failed"),
    ("approved but the basket no longer waits", pending(), approved(), False, "reverse", "failed"),
    ("declined while the lane was down", pending(), TerminalRecord("0042", EUR_12, "declined", message="05"), True,
     "outcome", "declined"),
    ("shopper aborted at the terminal", pending(), TerminalRecord("0042", EUR_12, "aborted"), True,
     "outcome", "aborted"),
    ("crash while reversing, reversal done", pending(step="reversing", receipt_no="0042"),
     TerminalRecord("0043", EUR_12, "reversed", reverses="0042"), True, "reversed", "failed"),
    ("crash while reversing, reversal not sent", pending(step="reversing", receipt_no="0042"), approved(), True,
     "reverse", "failed"),
])
def test_recovery_decides_from_the_terminals_last_transaction(story, payment, last, waiting, action, outcome):
    d = decide(payment, last, basket_waiting=waiting)
    assert (d.action, d.outcome) == (action, outcome), story
    if action == "complete":
        assert d.receipt_no == last.receipt_no and d.receipt_lines == last.receipt_lines
    if action in ("reverse", "reversed"):
        assert d.receipt_no == "0042"


def test_an_approval_is_never_kept_twice():
    """The same approval offered to a second payment (the next attempt) is newer than nothing: it must not match."""
    first = pending()
    d1 = decide(first, approved(), basket_waiting=True)
    assert d1.action == "complete"
    second = Payment("lane-1-1-2", EUR_12, "pending", "card", 0.0, step="authorising", baseline=d1.receipt_no)
    assert decide(second, approved(), basket_waiting=True).action == "not_charged"


def test_the_reducer_keeps_the_sagas_steps_with_the_pending_payment():
    state, _ = run(started(), scanned(1.0, MILK.gtins[0]), WeightSettled(2.0, 1035), Touched(3.0, "pay"))
    ref = state.txn.pending_payment.ref
    state, effects = run(state, PaymentStep(4.0, ref, "authorising", "0041"))
    assert effects == []
    assert (state.txn.pending_payment.step, state.txn.pending_payment.baseline) == ("authorising", "0041")
    state, _ = run(state, PaymentStep(5.0, ref, "reversing", "0042"))
    assert state.txn.pending_payment.receipt_no == "0042" and state.txn.pending_payment.baseline == "0041"
    state, _ = run(state, PaymentResult(6.0, ref, "failed", message="payment reversed", receipt_no="0042"))
    assert state.txn.pending_payment is None and state.txn.payments[-1].receipt_no == "0042"
    assert state.notice.key == "payment_failed"


def test_a_step_for_another_payment_changes_nothing():
    state, _ = run(started(), scanned(1.0, MILK.gtins[0]), WeightSettled(2.0, 1035), Touched(3.0, "pay"))
    after, effects = run(state, PaymentStep(4.0, "some-other-ref", "authorising", "0041"))
    assert effects == [] and after.txn == state.txn


def test_every_reprint_is_a_print_job_of_its_own():
    """The printer prints a job id once; two reprints of the same receipt must not share one."""
    from kiosk.lane import effects as fx
    from kiosk.lane.events import AttendantCommand, AttendantSignedIn

    state, _ = run(started(), scanned(1.0, MILK.gtins[0]), WeightSettled(2.0, 1035), Touched(3.0, "pay"))
    ref = state.txn.pending_payment.ref
    state, _ = run(state, PaymentResult(4.0, ref, "approved", state.txn.total_cents, receipt_no="0001"),
                   Touched(5.0, "receipt", "paper"), AttendantSignedIn(9.0, "anna", "attendant"))
    jobs = []
    for i, t in enumerate((10.0, 11.0, 12.0)):
        cmd = AttendantCommand(t, "reprint", "anna", "attendant", command_id=f"cmd-{i}" if i else "")
        state, effects = run(state, cmd)
        jobs += [e.job for e in effects if isinstance(e, fx.Print)]
    assert len(jobs) == 3 and len(set(jobs)) == 3 and all("copy" in j for j in jobs)
