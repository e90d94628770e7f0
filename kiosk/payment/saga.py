"""The card payment as a saga: what the lane does after each step, and after a crash or a lost link at any step.

A ZVT terminal does not know our references: every authorisation it receives is a new charge. So the lane never
sends an authorisation twice for one payment, and when it does not know how one ended (the lane crashed, the link
dropped) it asks the terminal what its last transaction was and compares it with what the journal says:

1. ``authorising`` is journaled *before* the authorisation goes out, with ``baseline``: the receipt number of the
   terminal's last transaction at that moment.
2. The outcome is journaled as ``PaymentResult`` with the terminal's receipt number.
3. On recovery the terminal's last transaction decides (:func:`decide`):
   - the step was never journaled: nothing reached the terminal, so the payment simply fails (not charged) and the
     shopper pays again;
   - no transaction after the baseline: not charged either;
   - a new approved transaction of exactly the payment's amount while the basket still waits for it: it is ours,
     the sale completes with the terminal's receipt lines;
   - a new approved transaction that no sale may keep (a different amount, or the basket is no longer waiting for
     it): it is reversed, and journaled as ``reversing`` before the reversal is sent;
   - a new declined or aborted transaction: that is the outcome.
   After ``reversing``, a reversal found on the terminal (or the approval already gone) ends the payment as failed,
   otherwise the reversal is sent again.

Never two charges for one basket: an approval is matched to a payment once (by receipt number) and any other
approval is reversed. Never an approved payment without its sale: an approval is either kept by its sale or
reversed. Pure: no I/O; the shell in :mod:`kiosk.payment.service` talks to the terminal and the journal.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.lane.state import Payment


@dataclass(frozen=True, slots=True)
class TerminalRecord:
    """What the terminal says about its last transaction (status enquiry / repeat receipt)."""

    receipt_no: str | None
    amount_cents: int
    outcome: str                      # approved, declined, aborted, reversed
    receipt_lines: tuple[str, ...] = ()
    message: str = ""
    reverses: str | None = None       # for a reversal: the receipt number it reversed
    messages: dict[str, str] | None = None   # the outcome in the shopper's words, by language (de, en, nl)


@dataclass(frozen=True, slots=True)
class Decision:
    action: str                       # "complete", "not_charged", "outcome", "reverse", "reversed", "ask_again"
    outcome: str = "failed"           # the PaymentResult outcome to journal (for complete/not_charged/outcome/reversed)
    receipt_no: str | None = None     # the terminal transaction concerned
    receipt_lines: tuple[str, ...] = ()
    message: str = ""


def _newer(record: TerminalRecord | None, baseline: str | None) -> bool:
    if record is None or record.receipt_no is None:
        return False
    if baseline is None:
        return True
    try:
        return int(record.receipt_no) > int(baseline)
    except ValueError:
        return record.receipt_no != baseline


def decide(payment: Payment, last: TerminalRecord | None, *, basket_waiting: bool) -> Decision:
    """What to do with ``payment`` (still pending in the journal) given the terminal's last transaction.

    ``basket_waiting``: the transaction is still open and waiting for exactly this payment.
    ``last`` None means the terminal has no transaction on record (or none it will tell about).
    """
    step = payment.step
    if step == "":
        return Decision("not_charged", "failed", message="payment interrupted before it reached the terminal")
    if step == "reversing":
        target = payment.receipt_no or payment.baseline
        if last is not None and (last.reverses == target or (last.receipt_no == target and last.outcome == "reversed")):
            return Decision("reversed", "failed", target, message="payment reversed")
        return Decision("reverse", receipt_no=target, message="reversal not confirmed yet")
    # authorising / recovering: did the terminal make a new transaction after the baseline?
    if last is None or not _newer(last, payment.baseline):
        return Decision("not_charged", "failed", message="the terminal made no transaction: not charged")
    if last.outcome == "approved":
        if last.amount_cents == payment.amount_cents and basket_waiting:
            return Decision("complete", "approved", last.receipt_no, last.receipt_lines, last.message)
        why = "amount differs" if last.amount_cents != payment.amount_cents else "the sale no longer waits for it"
        return Decision("reverse", receipt_no=last.receipt_no, message=f"approval without its sale ({why})")
    if last.outcome in ("declined", "aborted"):
        return Decision("outcome", last.outcome, last.receipt_no, last.receipt_lines, last.message)
    return Decision("not_charged", "failed", last.receipt_no, message=f"terminal's last transaction: {last.outcome}")
