"""Shared by the receipt tests and bench/bench_receipt.py: real transaction summaries, made by the lane's reducer.

The basket: milk (7 %), two crates of water (19 %) with their deposit line, Gouda from an in-store weight label
(1,250 kg at 14,90 €/kg), a bottle-return voucher (-1,50 €), a yoghurt with a long German name, a bread roll; paid
by card, with the card terminal's own receipt lines as the scripted terminal makes them.
"""

from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

from kiosk.config import Store
from kiosk.domain.item import Item
from kiosk.domain.money import vat_breakdown
from kiosk.lane.reducer import summarize
from kiosk.lane.settings import Settings
from kiosk.lane.summary import SummaryLine, SummaryPayment, SummaryVat, TransactionSummary
from kiosk.payment.scripted import ScriptedTerminal
from lanekit import ITEMS, MILK, ROLL, WATER_CRATE, DictCatalog, ean13, run, scanned, started

BERLIN = ZoneInfo("Europe/Berlin")
STORE = Store("Demo-Markt Süd", "Hauptstraße 1, 12345 Musterstadt", "DE123456789", "demo")
URL = "https://receipts.example/test-1/1?k=Zq7xK2pW"
T_START = 1741963200.0            # 2025-03-14 15:40:00 in Berlin
T_END = T_START + 135.0           # 15:42:15

YOGHURT = Item("400001", "Bio-Fruchtjoghurt Erdbeere mit Fruchtstückchen aus kontrolliert ökologischem Anbau 500 g",
               129, 700, ("0" + ean13("400300000001"),), weight_g=520.0, category="Molkerei")
CATALOG = DictCatalog(ITEMS + (YOGHURT,))
WEIGHT_LABEL = "2812347012503"    # Gouda, 1,250 kg
VOUCHER = "9800004201509"         # 1,50 €


def gtin(item: Item) -> str:
    return item.gtins[0][1:]


def basket(lang: str = "de", outcome: str = "approve") -> TransactionSummary:
    """The basket above, paid (or with the payment ``outcome``), as the reducer summarises it."""
    state = started(Settings(bagging_enabled=False), T_START)
    codes = [gtin(MILK), gtin(WATER_CRATE), gtin(WATER_CRATE), WEIGHT_LABEL, VOUCHER, gtin(YOGHURT), gtin(ROLL)]
    state, _ = run(state, *[scanned(T_START + i, c, CATALOG) for i, c in enumerate(codes)])
    summary = summarize(state, state.txn)
    terminal = ScriptedTerminal()
    terminal.script(outcome)
    answer = terminal.charge("test-1-1-pay-1", summary.total_cents)
    payment = SummaryPayment(answer.ref, "card", answer.amount_cents, answer.outcome, answer.receipt_lines)
    status = "paid" if answer.outcome == "approved" else "open"
    return dataclasses.replace(summary, status=status, t_ended=T_END, lang=lang, payments=(payment,))


def synthetic(lines: list[tuple[str, int, int]], lang: str = "de", number: int = 7,
              kinds: list[str] | None = None) -> TransactionSummary:
    """A paid summary from ``(name, amount_cents, vat_bp)``; VAT per rate as the lane computes it."""
    kinds = kinds or ["item"] * len(lines)
    sl = tuple(SummaryLine(i + 1, k, f"sku{i}", name, 1, amount, amount, vat)
               for i, ((name, amount, vat), k) in enumerate(zip(lines, kinds)))
    vat = tuple(SummaryVat(v.rate_bp, v.net_cents, v.tax_cents, v.gross_cents)
                for v in vat_breakdown((ln.amount_cents, ln.vat_bp) for ln in sl))
    total = sum(ln.amount_cents for ln in sl)
    pay = SummaryPayment("ref-1", "card", total, "approved",
                         ScriptedTerminal().charge("ref-1", total).receipt_lines)
    return TransactionSummary(number, "test-1", "paid", T_START, T_END, lang, sl, total, vat, (pay,), ())


def fifty_lines(lang: str = "de") -> TransactionSummary:
    """A big basket for the benchmark: 50 lines, two VAT rates, long and short names, some deposits."""
    names = ["Frische fettarme Milch 1,5 % 1 l", "Pils 0,5 l Dose", "Bio-Fruchtjoghurt Erdbeere mit Fruchtstückchen",
             "Weizenbrötchen", "Gouda jung am Stück", "Kartoffelchips gesalzen 175 g", "Äpfel Elstar lose"]
    lines, kinds = [], []
    for i in range(50):
        if i % 10 == 2:
            lines.append((names[1], 25, 1900))
            kinds.append("deposit")
        else:
            lines.append((names[i % len(names)], 49 + 37 * i, 700 if i % 3 else 1900))
            kinds.append("item")
    return synthetic(lines, lang, number=4711, kinds=kinds)
