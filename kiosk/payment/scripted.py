"""A scripted card terminal for the demo lane and scenario replay, until the ZVT terminal simulator replaces it.

It answers a charge after a realistic delay with the next scripted outcome (``approve`` by default), and it remembers
every reference it has answered: asking again with the same reference (after a lane restart) returns the first
answer instead of charging twice, which is the property the real terminal's status enquiry gives the lane.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

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
