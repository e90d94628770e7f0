"""The payment saga's shell: talks to the card terminal and journals every step before and after it happens.

Runs in the lane's event loop; the terminal's blocking calls go to a worker thread. For one ``Charge`` effect:

1. ask the terminal for its last transaction (the baseline); if it cannot be reached nothing was sent, so the payment
   fails as not charged and the shopper can try again;
2. journal ``PaymentStep(authorising, baseline)``, then send the authorisation;
3. journal the outcome as ``PaymentResult`` with the terminal's receipt number.

If the link drops during 2, or the lane restarts with a payment whose step is journaled but whose outcome is not,
:meth:`PaymentSaga.recover` asks the terminal again (retrying until it answers: until then the sale waits, and the
lane reports the terminal as down) and follows :func:`kiosk.payment.saga.decide`: complete the sale, report it not
charged, or journal ``reversing`` and reverse an approval no sale may keep.

The terminal is anything with ``last_transaction()``, ``authorise(amount_cents, on_prompt)`` and
``reverse(receipt_no)`` returning :class:`~kiosk.payment.saga.TerminalRecord` and raising ``OSError`` when the link
is lost (:mod:`kiosk.payment.terminals` adapts the ZVT client and the scripted demo terminal).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, Protocol

from kiosk.lane import effects as fx
from kiosk.lane.state import Payment
from kiosk.payment.saga import TerminalRecord, decide

log = logging.getLogger("kiosk.payment")


class CardTerminal(Protocol):
    def last_transaction(self) -> TerminalRecord | None: ...
    def authorise(self, amount_cents: int, on_prompt: Callable[[str], None] | None = None) -> TerminalRecord: ...
    def reverse(self, receipt_no: str) -> TerminalRecord: ...


class PaymentSaga:
    def __init__(self, lane, execute: Callable[[list], None], terminal: CardTerminal, *,
                 retry_s: float = 2.0, on_prompt: Callable[[str], None] | None = None):
        self.lane = lane
        self.execute = execute
        self.terminal = terminal
        self.retry_s = retry_s
        self.on_prompt = on_prompt
        self._busy = asyncio.Lock()

    def _pending(self, ref: str) -> Payment | None:
        txn = self.lane.state.txn
        p = txn.pending_payment if txn is not None else None
        return p if p is not None and p.ref == ref else None

    def _result(self, p: Payment, outcome: str, message: str, lines: tuple[str, ...] = (),
                receipt_no: str | None = None, amount: int | None = None) -> None:
        self.execute(self.lane.payment_result(p.ref, outcome, p.amount_cents if amount is None else amount, "card",
                                              message, lines, receipt_no))

    async def run(self, charge: fx.Charge) -> None:
        """Carry out one ``Charge`` (also the one re-issued after a restart: then it recovers instead)."""
        async with self._busy:
            p = self._pending(charge.ref)
            if p is None:
                return                              # answered already (a late duplicate of the effect)
            if p.step:
                await self._recover(p)
                return
            try:
                last = await asyncio.to_thread(self.terminal.last_transaction)
            except OSError as exc:
                self._result(p, "failed", f"terminal not reachable: {exc}")
                return
            self.execute(self.lane.payment_step(p.ref, "authorising", last.receipt_no if last else None))
            try:
                rec = await asyncio.to_thread(self.terminal.authorise, p.amount_cents, self.on_prompt)
            except OSError as exc:
                log.warning("payment %s: link to the terminal lost during the authorisation (%s)", p.ref, exc)
                self.execute(self.lane.payment_step(p.ref, "recovering", detail=str(exc)))
                p = self._pending(charge.ref)
                if p is not None:
                    await self._recover(p)
                return
            outcome = rec.outcome if rec.outcome in ("approved", "declined", "aborted") else "failed"
            message = (rec.messages or {}).get(self.lane.state.lang) or rec.message   # in the shopper's language
            self._result(p, outcome, message, rec.receipt_lines, rec.receipt_no,
                         rec.amount_cents if outcome == "approved" else None)

    async def _ask(self, what: Callable, *args):
        """Call the terminal until it answers: an unknown outcome must never be guessed."""
        delay = self.retry_s
        while True:
            try:
                return await asyncio.to_thread(what, *args)
            except OSError as exc:
                log.warning("card terminal does not answer (%s); asking again in %.0f s", exc, delay)
                self.execute(self.lane.device_status("payment", False, f"terminal not reachable: {exc}"))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _recover(self, p: Payment) -> None:
        while True:
            last = await self._ask(self.terminal.last_transaction)
            if "payment" in self.lane.state.devices_down:
                self.execute(self.lane.device_status("payment", True))
            d = decide(p, last, basket_waiting=True)
            log.info("payment %s recovered: %s (%s)", p.ref, d.action, d.message)
            if d.action != "reverse":
                self._result(p, d.outcome, d.message, d.receipt_lines, d.receipt_no)
                return
            self.execute(self.lane.payment_step(p.ref, "reversing", d.receipt_no, d.message))
            p = self._pending(p.ref) or p
            rec = await self._ask(self.terminal.reverse, d.receipt_no)
            if rec.outcome == "reversed":
                self._result(p, "failed", f"payment reversed ({d.message})", receipt_no=d.receipt_no)
                return
            # Otherwise look at the terminal again: it confirms the reversal, or the reversal is sent again.
