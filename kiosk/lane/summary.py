"""A finished transaction as the receipt, the scenario report and the store's records see it (plain data)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SummaryLine:
    id: int
    kind: str
    sku: str | None
    name: str
    qty: int
    unit_cents: int
    amount_cents: int
    vat_bp: int
    weight_g: int | None = None


@dataclass(frozen=True, slots=True)
class SummaryVat:
    rate_bp: int
    net_cents: int
    tax_cents: int
    gross_cents: int


@dataclass(frozen=True, slots=True)
class SummaryPayment:
    ref: str
    method: str
    amount_cents: int
    outcome: str
    receipt_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SummaryIntervention:
    id: int
    kind: str
    t_raised: float
    t_resolved: float | None
    resolved_by: str | None
    resolution: str | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TransactionSummary:
    """A finished (or suspended) transaction as the receipt, the report and the store's records need it."""

    number: int
    lane_id: str
    status: str
    t_started: float
    t_ended: float | None
    lang: str
    lines: tuple[SummaryLine, ...]
    total_cents: int
    vat: tuple[SummaryVat, ...]
    payments: tuple[SummaryPayment, ...]
    interventions: tuple[SummaryIntervention, ...]
    voids: int = 0
