"""A scripted card terminal for the demo lane and scenario replay, until the ZVT terminal simulator replaces it.

It answers a charge after a realistic delay with the next scripted outcome (``approve`` by default). Two faces:

- ``charge(ref, amount)`` for scenario replay on a virtual clock: it remembers every reference it has answered, so
  asking again after a restart returns the first answer instead of charging twice;
- ``last_transaction()``, ``authorise(amount)`` and ``reverse(receipt_no)`` for the lane's payment saga
  (:mod:`kiosk.payment.service`), with the semantics of a real terminal: every authorisation is a new charge with a
  new receipt number, and the terminal can tell its last transaction.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from kiosk.payment.saga import TerminalRecord

OUTCOMES = {"approve": "approved", "approved": "approved", "decline": "declined", "declined": "declined",
            "fail": "failed", "failed": "failed", "abort": "aborted", "aborted": "aborted"}

_MESSAGES = {
    "approved": "Zahlung erfolgt",
    "declined": "Karte abgelehnt (05)",
    "failed": "Terminal nicht erreichbar",
    "aborted": "Abbruch durch Kunde",
}


@dataclass(frozen=True, slots=True)
class TerminalAnswer:
    ref: str
    outcome: str
    amount_cents: int
    message: str
    receipt_lines: tuple[str, ...]


class ScriptedTerminal:
    def __init__(self, delay_s: float = 2.0):
        self.delay_s = delay_s
        self._script: deque[str] = deque()
        self._answers: dict[str, TerminalAnswer] = {}
        self.charges = 0              # approved charges actually made (a double charge would show here)
        self._journal: list[TerminalRecord] = []
        self._receipt_no = 0
        self._lock = threading.Lock()

    def script(self, outcome: str) -> None:
        """Queue the outcome of the next new charge (``approve``, ``decline``, ``fail``, ``abort``)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown card outcome {outcome!r}; use one of {', '.join(sorted(OUTCOMES))}")
        self._script.append(OUTCOMES[outcome])

    def charge(self, ref: str, amount_cents: int) -> TerminalAnswer:
        known = self._answers.get(ref)
        if known is not None:
            return known
        outcome = self._script.popleft() if self._script else "approved"
        lines: tuple[str, ...] = ()
        if outcome == "approved":
            self.charges += 1
            lines = ("Kartenzahlung", "girocard", "Karte ############1234", f"Betrag EUR {amount_cents / 100:.2f}",
                     "Zahlung erfolgt")
        answer = TerminalAnswer(ref, outcome, amount_cents if outcome == "approved" else 0, _MESSAGES[outcome], lines)
        self._answers[ref] = answer
        return answer

    # ---------------------------------------------------------------------------------- the saga's interface

    def _record(self, rec: TerminalRecord) -> TerminalRecord:
        with self._lock:
            self._journal.append(rec)
        return rec

    def _next_no(self) -> str:
        with self._lock:
            self._receipt_no += 1
            return f"{self._receipt_no:04d}"

    def transactions(self) -> list[TerminalRecord]:
        """The terminal's own journal, oldest first (what an end-of-day report would list)."""
        with self._lock:
            return list(self._journal)

    def last_transaction(self) -> TerminalRecord | None:
        with self._lock:
            return self._journal[-1] if self._journal else None

    def authorise(self, amount_cents: int, on_prompt=None) -> TerminalRecord:
        for prompt in ("Karte bitte", "PIN-Eingabe", "Bitte warten"):
            if on_prompt is not None:
                on_prompt(prompt)
            time.sleep(self.delay_s / 3)
        outcome = self._script.popleft() if self._script else "approved"
        no = self._next_no()
        lines: tuple[str, ...] = ()
        if outcome == "approved":
            self.charges += 1
            lines = ("Kartenzahlung", "girocard", "Karte ############1234", f"Betrag EUR {amount_cents / 100:.2f}",
                     f"Beleg-Nr. {no}", "Zahlung erfolgt")
        return self._record(TerminalRecord(no, amount_cents, outcome, lines, _MESSAGES[outcome]))

    def reverse(self, receipt_no: str) -> TerminalRecord:
        with self._lock:
            target = next((r for r in self._journal if r.receipt_no == receipt_no), None)
        if target is None or target.outcome != "approved":
            raise ValueError(f"no approved transaction {receipt_no} to reverse")
        self.charges -= 1
        return self._record(TerminalRecord(self._next_no(), target.amount_cents, "reversed", (), "Storno",
                                           reverses=receipt_no))
