"""A plain-text receipt of a transaction summary, for the demo's simulated printer and the technician's log.

The real receipt (ESC/POS, CP858, QR code, the terminal's lines, everything a German receipt must carry) belongs to
the payment and receipt issue; this text form already shows lines, deposits, vouchers and totals per VAT rate.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.config import Store
from kiosk.domain.money import format_amount, format_rate
from kiosk.lane.summary import TransactionSummary

_WORDS = {
    "de": {"deposit": "Pfand", "voucher": "Leergutbon", "total": "SUMME", "net": "Netto", "tax": "MwSt",
           "gross": "Brutto", "copy": "KOPIE", "txn": "Bon-Nr."},
    "en": {"deposit": "Deposit", "voucher": "Bottle return", "total": "TOTAL", "net": "Net", "tax": "VAT",
           "gross": "Gross", "copy": "COPY", "txn": "Receipt no."},
    "nl": {"deposit": "Statiegeld", "voucher": "Statiegeldbon", "total": "TOTAAL", "net": "Netto", "tax": "BTW",
           "gross": "Bruto", "copy": "KOPIE", "txn": "Bonnr."},
}


def render(summary: TransactionSummary, store: Store, width: int = 42, copy: bool = False) -> str:
    lang = summary.lang if summary.lang in _WORDS else "de"
    w = _WORDS[lang]
    money = lambda c: format_amount(c, lang, symbol="")  # noqa: E731
    out = [store.name.center(width)]
    if store.address:
        out.append(store.address.center(width))
    if store.vat_id:
        out.append(f"USt-IdNr. {store.vat_id}".center(width))
    if copy:
        out.append(f"*** {w['copy']} ***".center(width))
    out.append("-" * width)
    rates = sorted({ln.vat_bp for ln in summary.lines}, reverse=True)
    letter = {rate: chr(ord("A") + i) for i, rate in enumerate(rates)}
    for ln in summary.lines:
        name = ln.name if ln.kind == "item" else (f"{w['deposit']} {ln.name}" if ln.kind == "deposit" else w["voucher"])
        right = f"{money(ln.amount_cents)} {letter[ln.vat_bp]}"
        out.append(_pair(name, right, width))
        if ln.weight_g:
            out.append(f"  {ln.weight_g / 1000:.3f} kg x {money(ln.unit_cents)}/kg".replace(".", "," if lang != "en" else "."))
        elif ln.qty > 1:
            out.append(f"  {ln.qty} x {money(ln.unit_cents)}")
    out.append("-" * width)
    out.append(_pair(w["total"], f"EUR {money(summary.total_cents)}", width))
    out.append("")
    out.append(_pair(f"{w['tax']}", f"{w['net']}  {w['tax']}  {w['gross']}", width))
    for v in summary.vat:
        out.append(_pair(f"{letter.get(v.rate_bp, '?')} {format_rate(v.rate_bp, lang)}",
                         f"{money(v.net_cents)}  {money(v.tax_cents)}  {money(v.gross_cents)}", width))
    for p in summary.payments:
        if p.outcome == "approved":
            out.append("")
            out.extend(p.receipt_lines or (f"{p.method} {money(p.amount_cents)}",))
    out.append("-" * width)
    # The lane's local time, as the shopper's watch shows it.
    when = datetime.fromtimestamp(summary.t_ended or summary.t_started).astimezone().strftime("%d.%m.%Y %H:%M")
    out.append(_pair(f"{w['txn']} {summary.lane_id}-{summary.number}", when, width))
    return "\n".join(out) + "\n"


def _pair(left: str, right: str, width: int) -> str:
    room = max(1, width - len(right) - 1)
    if len(left) > room:
        left = left[: room - 1] + "…"
    return f"{left:<{room}} {right}"
