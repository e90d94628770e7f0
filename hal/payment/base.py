"""The payment interface: a card terminal the lane drives semi-integrated (card data never reaches the kiosk).

A driver provides these blocking calls (the lane calls them from a worker thread; every wait inside is bounded):

- ``authorise(amount_cents)`` charges the card and returns a :class:`PaymentResult` whose ``outcome`` is
  ``approved``, ``declined``, ``aborted`` (the shopper or the terminal's timer stopped it), ``failed`` (technical,
  nothing was charged) or ``timeout`` (the terminal stopped answering: the outcome is unknown).
- ``reverse(receipt_no)``, ``refund(amount_cents)``, ``end_of_day()``, ``diagnosis()``, ``repeat_receipt()`` return
  a PaymentResult too; ``status_enquiry()`` a :class:`TerminalStatus`; ``abort()`` asks the terminal to stop the
  running command (it may be called from another thread while ``authorise`` runs); ``log_off()``.
- While a command runs, the terminal's prompts ("insert card", "PIN", "please wait") reach the listener as
  :class:`Prompt` events with the text in German, English and Dutch.

If the link drops while a command runs, the call raises :class:`~hal.payment.errors.TerminalUnavailable` (its
``outcome_unknown`` says whether the terminal got the command); the next call reconnects. The lane then asks
``status_enquiry()`` (whose ``last`` is a transaction the terminal could not deliver) or ``repeat_receipt()`` (the
terminal's last transaction with its receipt) whether the payment went through, and never charges blindly again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from hal.base import Device
from hal.payment import results as rs


@dataclass(frozen=True, slots=True)
class Prompt:
    """The terminal shows the shopper something (an intermediate status 04 FF) while a command runs."""
    device: str
    command: str                   # the running command ("authorisation", ...)
    code: int                      # the ZVT intermediate status code (0x0A = insert card)
    texts: dict[str, str]          # "de" / "en" / "nl" -> text for the kiosk screen
    t: float = 0.0

    def text(self, lang: str = "de") -> str:
        return self.texts.get(lang) or self.texts["en"]


@dataclass(frozen=True, slots=True)
class ReceiptCopy:
    """One receipt the terminal sent for the kiosk to print, as it sent it (line by line)."""
    kind: str                      # "merchant", "customer", "administration", or "" when the terminal did not say
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PaymentResult:
    command: str                   # authorisation | reversal | refund | end_of_day | diagnosis | repeat_receipt
    outcome: str                   # approved | declined | aborted | failed | timeout
    amount_cents: int | None = None
    result_code: int | None = None  # ZVT result code (BMP 27 / 06 1E / 84 xx); None when there was none
    message: str = ""              # for the shopper, in the driver's language
    messages: dict[str, str] = field(default_factory=dict)   # "de" / "en" / "nl"
    technical: str = ""            # for the log and the technician (English)
    receipt_no: int | None = None
    trace_no: int | None = None
    terminal_id: str | None = None
    card: str | None = None        # card name as the terminal says it ("Debit Mastercard"), else the type's name
    card_type: int | None = None   # ZVT card-type id (BMP 8A)
    masked_pan: str | None = None  # as the terminal sent it, masked digits as "*"
    currency: int | None = None
    date: str | None = None        # MMDD (BMP 0D) or YYMMDD (BMP AA), as sent
    time: str | None = None        # HHMMSS
    approval_code: str | None = None
    vu_number: str | None = None
    receipt_lines: tuple[str, ...] = ()
    receipts: tuple[ReceiptCopy, ...] = ()
    prompts: tuple[int, ...] = ()  # intermediate status codes seen, in order
    fields: dict[int, Any] = field(default_factory=dict)   # the status information's BMPs, tag -> value

    @property
    def approved(self) -> bool:
        return self.outcome == rs.APPROVED

    @property
    def outcome_unknown(self) -> bool:
        """A timeout: the terminal may or may not have charged; ask it before doing anything else."""
        return self.outcome == rs.TIMEOUT


@dataclass(frozen=True)
class TerminalStatus:
    """The answer to a status enquiry (05 01)."""
    code: int                      # terminal status code (00 = ready)
    text: str
    software: str | None = None    # the terminal's software version, when it sent it
    terminal_id: str | None = None
    last: PaymentResult | None = None   # a transaction the terminal had not delivered yet (it repeats it), if any

    @property
    def ready(self) -> bool:
        return self.code == 0x00


@dataclass(frozen=True)
class Registration:
    """What the terminal answered to the Registration (06 00) the driver sends on open and after reconnecting."""
    terminal_id: str | None
    status_byte: int | None
    currency: int | None


class PaymentTerminal(Device):
    family = "payment"

    def authorise(self, amount_cents: int, *, on_prompt: Callable[[Prompt], None] | None = None) -> PaymentResult:
        raise NotImplementedError

    def reverse(self, receipt_no: int, *, amount_cents: int | None = None,
                on_prompt: Callable[[Prompt], None] | None = None) -> PaymentResult:
        raise NotImplementedError

    def refund(self, amount_cents: int, *, on_prompt: Callable[[Prompt], None] | None = None) -> PaymentResult:
        raise NotImplementedError

    def end_of_day(self) -> PaymentResult:
        raise NotImplementedError

    def diagnosis(self) -> PaymentResult:
        raise NotImplementedError

    def repeat_receipt(self) -> PaymentResult:
        raise NotImplementedError

    def status_enquiry(self) -> TerminalStatus:
        raise NotImplementedError

    def abort(self) -> bool:
        raise NotImplementedError

    def log_off(self) -> None:
        raise NotImplementedError
