"""The card terminal as the payment saga sees it: its last transaction, an authorisation, a reversal.

:class:`ZvtCardTerminal` adapts the hal's ZVT client (:class:`hal.payment.client.ZvtTerminal`) to the three calls of
:class:`kiosk.payment.service.CardTerminal`:

- ``last_transaction()`` is the terminal's *repeat receipt*: the last transaction it made a receipt for, with its
  receipt number, amount, outcome and lines. That is what recovery compares with the journal's baseline.
- ``authorise()`` passes the terminal's prompts on (texts in de, en and nl) and returns the outcome with the
  terminal's receipt lines; a lost link is an ``OSError`` (the saga then recovers), and so is a timeout, because its
  outcome is unknown.
- ``reverse()`` reverses one receipt number; "already reversed" (result code B4) counts as done, which is what makes
  a reversal safe to send again after a crash.
"""

from __future__ import annotations

from typing import Callable

from hal.payment.errors import TerminalRefused
from kiosk.payment.saga import TerminalRecord

ALREADY_REVERSED = 0xB4
#: What ``:card`` / F8 in the demo ask the simulated terminal to do with the next payment.
SCRIPT = {"approve": "approve", "decline": "decline 05", "fail": "timeout", "abort": "abort",
          "wrong-pin": "wrong-pin", "busy": "busy"}


def shopper_lines(r) -> tuple[str, ...]:
    """The terminal's lines for the shopper's receipt: its customer copy when it says which copy is which (the
    merchant copy stays in the store's records), else everything it sent."""
    customer = [c for c in getattr(r, "receipts", ()) if c.kind == "customer"]
    if customer:
        return tuple(line for c in customer for line in c.lines)
    return tuple(r.receipt_lines)


def _record(r, outcome: str | None = None, reverses: str | None = None) -> TerminalRecord:
    return TerminalRecord(None if r.receipt_no is None else f"{int(r.receipt_no):04d}", r.amount_cents or 0,
                          outcome or r.outcome, shopper_lines(r), r.message or "", reverses,
                          dict(getattr(r, "messages", None) or {}) or None)


class ZvtCardTerminal:
    def __init__(self, device):
        self.device = device

    def last_transaction(self) -> TerminalRecord | None:
        try:
            r = self.device.repeat_receipt()
        except TerminalRefused as exc:
            raise ConnectionError(f"the terminal refused to repeat its last receipt: {exc}") from exc
        if r.receipt_no is None:
            return None
        return _record(r)

    def authorise(self, amount_cents: int, on_prompt: Callable | None = None) -> TerminalRecord:
        def prompt(p) -> None:
            if on_prompt is not None:
                on_prompt(dict(p.texts))
        try:
            r = self.device.authorise(amount_cents, on_prompt=prompt)
        except TerminalRefused as exc:
            return TerminalRecord(None, amount_cents, "failed", (), str(exc))
        if r.outcome_unknown:
            raise TimeoutError(f"the terminal did not finish the payment in time ({r.message})")
        return _record(r)

    def reverse(self, receipt_no: str) -> TerminalRecord:
        r = self.device.reverse(int(receipt_no))
        if r.approved or r.result_code == ALREADY_REVERSED:
            return _record(r, "reversed", reverses=receipt_no)
        if r.outcome_unknown:
            raise TimeoutError(f"the reversal of {receipt_no} did not finish in time")
        raise ConnectionError(f"the terminal did not reverse receipt {receipt_no}: {r.message}")

    def script(self, outcome: str) -> None:
        """The demo's way to choose the next payment's outcome on the simulated terminal."""
        sim = self.device.simulator
        if sim is None:
            raise ValueError("only a simulated terminal can be told how the next payment ends")
        if outcome not in SCRIPT:
            raise ValueError(f"unknown card outcome {outcome!r}; use one of {', '.join(sorted(SCRIPT))}")
        sim.command(SCRIPT[outcome])
