"""No lost sale, no double charge: the payment saga interrupted at every step, on the lane's side and the terminal's.

Each case sells one basket on a real lane runtime with its journal on disk, paying at the ZVT terminal simulator over
TCP through the real client (and, for comparison, at the scripted replay terminal), and interrupts the payment once:

- the lane dies (the process state is thrown away; only the journal survives) before or after a step, or
- the link to the terminal drops before or after the terminal has done its part.

Then the lane is started again from its journal, as after a crash, and finishes what was pending. In every case the
terminal must end with exactly one kept charge if and only if the sale is paid. The table of outcomes is printed
(``pytest -s tests/test_payment_recovery.py``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from kiosk.config import load
from kiosk.journal import Journal
from kiosk.lane import effects as fx
from hal.registry import open_device
from kiosk.payment.scripted import ScriptedTerminal
from kiosk.payment.service import PaymentSaga
from kiosk.payment.terminals import ZvtCardTerminal
from kiosk.runtime import LaneRuntime

ROOT = Path(__file__).resolve().parent.parent
MILK = "4021107406584"            # 1,05 EUR, 1060 g


class LaneDied(BaseException):
    """The lane process ends here (not an error the saga may catch)."""


class Interrupting:
    """The scripted terminal, with one interruption at a named point of the saga."""

    def __init__(self, terminal: ScriptedTerminal, point: str):
        self.t = terminal
        self.point = point
        self.fired = False

    def _at(self, name: str, exc: BaseException) -> None:
        if self.point == name and not self.fired:
            self.fired = True
            raise exc

    def last_transaction(self):
        self._at("lane dies before asking the baseline", LaneDied())
        self._at("link down before the baseline", OSError("link down"))
        return self.t.last_transaction()

    def authorise(self, amount, on_prompt=None):
        self._at("lane dies after journaling 'authorising'", LaneDied())
        self._at("link down before the terminal got it", OSError("connection reset"))
        if self.point == "terminal charged another amount" and not self.fired:
            self.fired = True
            self.t.authorise(amount + 100, on_prompt)        # an approval no sale may keep
            raise LaneDied()
        rec = self.t.authorise(amount, on_prompt)
        self._at("link down after the terminal answered", OSError("connection reset"))
        self._at("lane dies after the terminal answered", LaneDied())
        return rec

    def reverse(self, receipt_no):
        return self.t.reverse(receipt_no)


CASES = [
    ("no interruption", "approve"),
    ("lane dies before asking the baseline", "approve"),
    ("link down before the baseline", "approve"),
    ("lane dies after journaling 'authorising'", "approve"),
    ("link down before the terminal got it", "approve"),
    ("link down after the terminal answered", "approve"),
    ("lane dies after the terminal answered", "approve"),
    ("lane dies after the terminal answered", "decline"),
    ("link down after the terminal answered", "decline"),
    ("terminal charged another amount", "approve"),
]


def sell(config, catalog, terminal, *, pay_again: bool) -> LaneRuntime:
    """Start (or restart) the lane from its journal and drive it until the payment is settled."""
    lane = LaneRuntime(config, Journal(config.journal_path), catalog)
    saga = PaymentSaga(lane, lambda effects: charges.extend(e for e in effects if isinstance(e, fx.Charge)),
                       terminal, retry_s=0.01)
    charges: list = []

    async def go():
        charges.extend(e for e in lane.start() if isinstance(e, fx.Charge))
        if lane.state.txn is None:
            lane.touch("start")
            lane.scan(MILK)
            lane.weight(1061)
            charges.extend(e for e in lane.touch("pay") if isinstance(e, fx.Charge))
        while charges:
            await saga.run(charges.pop(0))
        txn = lane.state.txn
        if pay_again and txn is not None and txn.pending_payment is None and txn.paid_cents < txn.total_cents:
            charges.extend(e for e in lane.touch("pay") if isinstance(e, fx.Charge))   # the shopper tries again
            while charges:
                await saga.run(charges.pop(0))

    asyncio.run(go())
    return lane


class Zvt:
    """The ZVT terminal simulator on TCP, the real client, the lane's adapter; ``charges`` = charges standing."""

    def __init__(self):
        self.device = open_device("payment", "sim:tcp")
        self.card = ZvtCardTerminal(self.device)

    def script(self, outcome):
        self.card.script(outcome)

    @property
    def charges(self):
        return len(self.device.simulator.charges())

    def reversals(self):
        return [e for e in self.device.simulator.transactions if e.kind == "authorisation" and e.reversed]

    def close(self):
        self.device.close()


class Scripted:
    def __init__(self):
        self.card = ScriptedTerminal(delay_s=0)

    def script(self, outcome):
        self.card.script(outcome)

    @property
    def charges(self):
        return self.card.charges

    def reversals(self):
        return [r for r in self.card.transactions() if r.outcome == "reversed"]

    def close(self):
        pass


@pytest.mark.parametrize("kind", ["zvt", "scripted"])
@pytest.mark.parametrize("case, script", CASES)
def test_every_interruption_ends_with_one_charge_exactly_when_the_sale_is_paid(tmp_path, sample_catalog, case,
                                                                              script, kind, outcomes):
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path)
    terminal = Zvt() if kind == "zvt" else Scripted()
    try:
        terminal.script(script)
        flaky = Interrupting(terminal.card, case)
        try:
            lane = sell(config, sample_catalog, flaky, pay_again=False)
        except LaneDied:
            lane = None
        if lane is not None:
            lane.journal.close()
        # Restart from the journal (after a crash); the shopper presses "pay" again if the lane asks for it.
        lane = sell(config, sample_catalog, terminal.card, pay_again=True)
        state = lane.state
        paid = state.last_closed == 1 or (state.txn is not None and 0 < state.txn.total_cents <= state.txn.paid_cents)
        payments = state.txn.payments if state.txn is not None else ()
        lane.journal.close()
        charges = terminal.charges
        outcomes.append((kind, case, script, charges, "paid" if paid else "not paid",
                         " ".join(p.outcome for p in payments) or "-"))
        assert charges == (1 if paid else 0), (case, charges, paid)
        if case == "terminal charged another amount":
            assert len(terminal.reversals()) == 1
        if script == "approve":
            assert paid, f"{case}: an approval must end in a paid sale"
    finally:
        terminal.close()


@pytest.mark.parametrize("fate", ["complete", "lose"])
@pytest.mark.parametrize("step", ["command", "ack", "card", "pin", "host", "result", "receipt", "completion"])
def test_the_terminal_drops_the_connection_at_every_step(tmp_path, sample_catalog, step, fate, outcomes):
    """The simulator drops the TCP connection at a step of the ZVT exchange, completing or losing the payment."""
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path)
    terminal = Zvt()
    try:
        terminal.device.simulator.command(f"drop-after {step} {fate}")
        lane = sell(config, sample_catalog, terminal.card, pay_again=True)
        state = lane.state
        paid = state.last_closed == 1 or (state.txn is not None and 0 < state.txn.total_cents <= state.txn.paid_cents)
        payments = state.txn.payments if state.txn is not None else ()
        lane.journal.close()
        charges = terminal.charges
        outcomes.append(("zvt", f"terminal drops the link after '{step}' ({fate})", "approve", charges,
                         "paid" if paid else "not paid", " ".join(p.outcome for p in payments) or "-"))
        assert paid and charges == 1, (step, fate, charges, paid)
    finally:
        terminal.close()


@pytest.fixture(scope="module")
def outcomes():
    rows: list[tuple] = []
    yield rows
    if rows:
        print("\n\nterminal  payment interrupted at                                     card      kept charges  sale      payments")
        for kind, case, script, charges, sale, pays in rows:
            print(f"{kind:9s} {case:58s} {script:9s} {charges:^12d}  {sale:9s} {pays}")


@pytest.mark.parametrize("lang, words", [("de", "abgelehnt"), ("en", "declined"), ("nl", "geweigerd")])
def test_a_decline_is_told_in_the_shoppers_language(tmp_path, sample_catalog, lang, words):
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path)
    terminal = Zvt()
    try:
        terminal.script("decline")
        lane = LaneRuntime(config, Journal(config.journal_path), sample_catalog)
        lane.start()
        lane.touch("lang", lang)
        lane.touch("start")
        lane.scan(MILK)
        lane.weight(1061)
        charges = [e for e in lane.touch("pay") if isinstance(e, fx.Charge)]
        saga = PaymentSaga(lane, lambda e: None, terminal.card, retry_s=0.01)
        asyncio.run(saga.run(charges[0]))
        assert lane.state.txn.payments[-1].outcome == "declined"
        assert words in lane.state.txn.payments[-1].message.lower()
        lane.journal.close()
    finally:
        terminal.close()
