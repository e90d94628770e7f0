"""Where the German TSE goes: the :class:`Fiscal` interface and the no-op :class:`NoFiscal` the lane runs with today.

Germany (§146a AO, KassenSichV) wants every transaction of an electronic till signed by a certified technical
security device (TSE: a secure element with a certified time source and a signature counter, as a USB stick, microSD
card or cloud service such as Fiskaly, Deutsche Fiskal, Swissbit, Epson). The lane uses it like this:

- ``start_transaction`` when a transaction begins (the first scan): the TSE logs the start time and gives the
  transaction its TSE number;
- ``finish_transaction`` when it ends, paid, cancelled or suspended (KassenSichV: every transaction is finished,
  an aborted one as ``AVBelegabbruch``): the TSE signs the process data (:func:`process_data`, DSFinV-K
  ``Kassenbeleg-V1``: gross per VAT slot and the payments) and returns :class:`FiscalData`.

What the TSE adds to the receipt (KassenSichV §6 Nr. 2, 4 and 6; AEAO zu §146a on the receipt's contents), printed by
:func:`kiosk.receipt.content.fiscal_blocks` when ``ReceiptOptions.fiscal`` is given:

- the serial number of the till (``client_id``, as registered with the TSE) and of the TSE (``tse_serial``),
- the TSE's transaction number and signature counter,
- the start and end time of the transaction as the TSE logged them,
- the signature (Prüfwert), with its algorithm and time format,
- optionally the same as a QR code in the DSFinV-K format (:func:`qr_payload`) so an auditor can scan it;
- and, if the TSE failed, that it failed ("TSE ausgefallen") instead of a signature: the sale goes on, the receipt
  says so.

The signature must be the one the journal holds: ``FiscalData`` is made once per transaction, journaled with it, and
a reprint (KOPIE) prints the stored data again; it never asks the TSE a second time. The Netherlands has no such
device; a Dutch lane keeps :class:`NoFiscal`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from kiosk.lane.summary import TransactionSummary


@dataclass(frozen=True, slots=True)
class FiscalData:
    """What a TSE returns for a finished transaction, as the receipt prints it."""

    client_id: str                 # Kassen-Seriennummer (the lane as the TSE knows it)
    tse_serial: str                # the TSE's serial (hex SHA-256 of its public key)
    transaction_number: int        # the TSE's transaction number
    signature_counter: int
    time_start: str                # ISO 8601 as logged by the TSE, e.g. 2025-03-14T15:40:02.000Z
    time_end: str
    signature: str                 # base64
    algorithm: str = "ecdsa-plain-SHA384"
    time_format: str = "utcTime"
    public_key: str = ""           # base64
    process_type: str = "Kassenbeleg-V1"
    process_data: str = ""
    error: str | None = None       # the TSE failed: the receipt says so instead of printing a signature


@runtime_checkable
class Fiscal(Protocol):
    """A fiscal device. ``start_transaction`` at the first scan, ``finish_transaction`` at the end (every status)."""

    def start_transaction(self, lane_id: str, number: int, t: float) -> str | None:
        """Log the start; returns the device's transaction reference (or None)."""
        ...

    def finish_transaction(self, summary: TransactionSummary) -> FiscalData | None:
        """Sign the finished transaction; returns what the receipt must print (None: nothing to print)."""
        ...


class NoFiscal:
    """No fiscal device (the Netherlands; Germany until the TSE driver arrives): nothing is signed, nothing printed."""

    name = "none"

    def start_transaction(self, lane_id: str, number: int, t: float) -> str | None:
        return None

    def finish_transaction(self, summary: TransactionSummary) -> FiscalData | None:
        return None


# ---------------------------------------------------------------------------------------------- DSFinV-K data

# The five VAT slots of DSFinV-K's process data, in order: general rate, reduced rate, average rates of §24 (1)
# Nr. 3 and Nr. 1 UStG (farmers), 0 %. The temporary 16 / 5 % of 2020 went into the first two slots.
_SLOTS = {1900: 0, 1600: 0, 700: 1, 500: 1, 1070: 2, 550: 3, 0: 4}


def _decimal(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def process_data(summary: TransactionSummary) -> str:
    """The ``processData`` a TSE signs for a receipt (DSFinV-K ``Kassenbeleg-V1``):
    ``Beleg^<gross 19 %>_<gross 7 %>_<10,7 %>_<5,5 %>_<0 %>^<amount>:<Bar|Unbar>_...``."""
    slots = [0] * 5
    for v in summary.vat:
        if v.rate_bp not in _SLOTS:
            raise ValueError(f"VAT rate {v.rate_bp / 100:g} % has no DSFinV-K slot (a German TSE signs German rates)")
        slots[_SLOTS[v.rate_bp]] += v.gross_cents
    pays = [f"{_decimal(p.amount_cents)}:{'Bar' if p.method == 'cash' else 'Unbar'}"
            for p in summary.payments if p.outcome == "approved"]
    kind = "Beleg" if summary.status == "paid" else "AVBelegabbruch"
    return f"{kind}^{'_'.join(_decimal(c) for c in slots)}^{'_'.join(pays)}"


def qr_payload(data: FiscalData) -> str:
    """The receipt QR code of DSFinV-K (Anhang I): ``V0;client;processType;processData;txn;counter;start;end;
    algorithm;timeFormat;signature;publicKey``."""
    parts = ["V0", data.client_id, data.process_type, data.process_data, str(data.transaction_number),
             str(data.signature_counter), data.time_start, data.time_end, data.algorithm, data.time_format,
             data.signature, data.public_key]
    return ";".join(parts)


__all__ = ["Fiscal", "FiscalData", "NoFiscal", "process_data", "qr_payload"]
