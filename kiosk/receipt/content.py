"""What a receipt says: a finished transaction, the store and a few options -> a :class:`Receipt` document (pure).

The document is a list of typed blocks (the store's header, the lane and transaction, one block per basket line, the
total, the VAT table, the payments with the card terminal's own lines, the e-receipt QR code, the fiscal block, the
footer), in the shopper's language, and it knows nothing of paper widths or printers: :mod:`kiosk.receipt.layout`
lays it out for a number of columns, :mod:`kiosk.receipt.text` makes plain text of that (screen, e-receipt, log) and
:mod:`kiosk.receipt.escpos` ESC/POS bytes (paper). Both start from the same laid-out lines, so paper and screen agree.

What a German receipt carries (UStG §14 (4) / §33 UStDV for small amounts, KassenSichV §6): the store's name and
address and its VAT id (USt-IdNr.); date and time; the lane and the transaction number; every article with quantity,
unit price (or weight x price per kg), amount and the letter of its VAT rate (A 19 %, B 7 %; in the Netherlands
A 21 %, B 9 %); deposit (Pfand) lines after their article; bottle-return vouchers (Leergutbon) as negative lines; the
total; per VAT rate net, tax and gross; the payment and the card terminal's receipt lines exactly as the terminal
made them (the masked card number appears only there: the lane never sees or builds a card number); the fiscal (TSE)
block once a TSE signs transactions (:mod:`kiosk.receipt.fiscal`); a KOPIE marker on a reprint; a footer.

All text in the document is already printable in CP858 (the printer's code page: CP850 plus the euro sign), so what
the shopper sees on the screen is what the paper shows: typographic quotes and dashes become ASCII, accented letters
that CP858 lacks lose the accent, anything else becomes "?".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Mapping, Union

from kiosk.config import Store
from kiosk.domain.money import format_amount
from kiosk.lane.summary import SummaryLine, TransactionSummary
from kiosk.receipt.fiscal import FiscalData, qr_payload

# ------------------------------------------------------------------------------------------------------- words

WORDS: dict[str, dict[str, str]] = {
    "de": {
        "copy": "KOPIE", "vat_id": "USt-IdNr.", "lane": "Kasse", "txn": "Bon-Nr.", "deposit": "Pfand",
        "voucher": "Leergutbon", "total": "SUMME", "payout": "AUSZAHLUNG", "rate": "Satz", "net": "Netto",
        "tax": "MwSt", "gross": "Brutto", "vat_sum": "Summe", "card": "Kartenzahlung", "cash": "Bar",
        "ereceipt": "Ihr digitaler Beleg", "thanks": "Vielen Dank für Ihren Einkauf!",
        "fiscal": "TSE", "tse_failed": "TSE ausgefallen", "tse_serial": "TSE-Seriennr.",
        "client": "Kassen-Seriennr.", "tse_txn": "TSE-Transaktion", "tse_counter": "Signaturzähler",
        "tse_start": "Start", "tse_end": "Ende", "tse_signature": "Signatur", "tse_algorithm": "Algorithmus",
        "tse_time_format": "Zeitformat", "tse_public_key": "Public Key",
        "date": "%d.%m.%Y", "time": "%H:%M",
    },
    "en": {
        "copy": "COPY", "vat_id": "VAT ID", "lane": "Lane", "txn": "Receipt no.", "deposit": "Deposit",
        "voucher": "Bottle return", "total": "TOTAL", "payout": "PAYOUT", "rate": "Rate", "net": "Net",
        "tax": "VAT", "gross": "Gross", "vat_sum": "Total", "card": "Card payment", "cash": "Cash",
        "ereceipt": "Your e-receipt", "thanks": "Thank you for shopping with us!",
        "fiscal": "TSE", "tse_failed": "TSE failed", "tse_serial": "TSE serial",
        "client": "Till serial", "tse_txn": "TSE transaction", "tse_counter": "Signature counter",
        "tse_start": "Start", "tse_end": "End", "tse_signature": "Signature", "tse_algorithm": "Algorithm",
        "tse_time_format": "Time format", "tse_public_key": "Public key",
        "date": "%d/%m/%Y", "time": "%H:%M",
    },
    "nl": {
        "copy": "KOPIE", "vat_id": "Btw-nr.", "lane": "Kassa", "txn": "Bonnr.", "deposit": "Statiegeld",
        "voucher": "Statiegeldbon", "total": "TOTAAL", "payout": "UITBETALING", "rate": "Tarief", "net": "Netto",
        "tax": "BTW", "gross": "Bruto", "vat_sum": "Totaal", "card": "Pinbetaling", "cash": "Contant",
        "ereceipt": "Uw digitale bon", "thanks": "Bedankt voor uw aankoop!",
        "fiscal": "TSE", "tse_failed": "TSE uitgevallen", "tse_serial": "TSE-serienr.",
        "client": "Kassa-serienr.", "tse_txn": "TSE-transactie", "tse_counter": "Handtekeningteller",
        "tse_start": "Start", "tse_end": "Einde", "tse_signature": "Handtekening", "tse_algorithm": "Algoritme",
        "tse_time_format": "Tijdformaat", "tse_public_key": "Public key",
        "date": "%d-%m-%Y", "time": "%H:%M",
    },
}
LANGS = tuple(WORDS)

# The usual letters: the standard rate is A, the reduced rate B (Germany 19/7 %, the Netherlands 21/9 %); 0 % and
# any other rate present follow in descending order.
STANDARD_RATES = {"de": (1900, 700), "nl": (2100, 900)}

# ----------------------------------------------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Text:
    """A line of text: the store's name (``big``), its address, a caption, a footer line."""

    text: str
    align: str = "center"
    bold: bool = False
    big: bool = False


@dataclass(frozen=True, slots=True)
class Marker:
    """The copy marker of a reprint: large, bold, centred ("*** KOPIE ***")."""

    text: str


@dataclass(frozen=True, slots=True)
class Pair:
    """Left and right on one line (lane and transaction number, date and time)."""

    left: str
    right: str


@dataclass(frozen=True, slots=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True, slots=True)
class Blank:
    pass


@dataclass(frozen=True, slots=True)
class Item:
    """One basket line: ``kind`` item, deposit or voucher; ``details`` are the lines under the name (quantity x unit
    price, weight x price per kg); the amount and the VAT letter stand right on the first line."""

    kind: str
    name: str
    amount_cents: int
    vat_letter: str
    details: tuple[str, ...] = ()
    qty: int = 1
    unit_cents: int = 0
    weight_g: int | None = None
    vat_bp: int = 0


@dataclass(frozen=True, slots=True)
class Total:
    label: str
    amount_cents: int


@dataclass(frozen=True, slots=True)
class VatRow:
    letter: str
    rate_bp: int
    net_cents: int
    tax_cents: int
    gross_cents: int


@dataclass(frozen=True, slots=True)
class VatTable:
    """Per VAT rate: net, tax and gross; ``total`` is the sum row (only with more than one rate)."""

    heads: tuple[str, str, str, str]
    rows: tuple[VatRow, ...]
    total: VatRow | None = None
    total_label: str = ""


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment that was made (approved): how, how much; ``terminal_lines`` follow in a :class:`Verbatim`."""

    label: str
    amount_cents: int
    method: str = "card"
    ref: str = ""


@dataclass(frozen=True, slots=True)
class Verbatim:
    """Lines printed exactly as a device made them (the card terminal's receipt); only wrapped if too wide."""

    lines: tuple[str, ...]
    source: str = "terminal"


@dataclass(frozen=True, slots=True)
class Field:
    """A labelled value that may be long (a TSE signature): on one line if it fits, else the value below, wrapped."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Qr:
    """A QR code printed by the printer itself (GS ( k); ``caption`` above it."""

    content: str
    caption: str = ""
    purpose: str = "ereceipt"          # "ereceipt" or "fiscal"


Block = Union[Text, Marker, Pair, Rule, Blank, Item, Total, VatTable, Payment, Verbatim, Field, Qr]


@dataclass(frozen=True, slots=True)
class Receipt:
    """A receipt as a document: blocks in print order; amounts in cents, formatted in ``lang`` when laid out."""

    lang: str
    lane_id: str
    number: int
    total_cents: int
    blocks: tuple[Block, ...]
    copy: bool = False
    when: datetime | None = None
    name_lines: int = 2                # lines a long product name may take before it is shortened

    def of(self, kind: type) -> list:
        """The blocks of one type, in order: ``receipt.of(Item)``."""
        return [b for b in self.blocks if isinstance(b, kind)]


@dataclass(frozen=True)
class ReceiptOptions:
    """``copy``: a reprint (KOPIE marker at top and bottom). ``qr_url``: the e-receipt's address for the QR code
    (the lane supplies it, e.g. ``https://receipts.example/<lane>/<txn>?k=<token>``; :func:`ereceipt_url`).
    ``fiscal``: what the TSE returned when the transaction was finished (:class:`kiosk.receipt.fiscal.FiscalData`;
    a reprint passes the same, stored data again, it is never signed twice). ``fiscal_qr``: also print the
    DSFinV-K QR code of the signature. ``footer``: the store's own lines after the thank-you (opening hours ...).
    ``tz``: the lane's time zone (None: the machine's). ``name_lines``: how many lines a long product name may
    take before it is shortened. ``always_qty``: a "1 x price" line under single items too.
    ``vat_letters``: fixed letters per rate in basis points, e.g. ``{1900: "A", 700: "B"}``."""

    copy: bool = False
    qr_url: str | None = None
    fiscal: FiscalData | None = None
    fiscal_qr: bool = True
    footer: tuple[str, ...] = ()
    tz: tzinfo | None = None
    name_lines: int = 2
    always_qty: bool = False
    vat_letters: Mapping[int, str] | None = None
    thanks: bool = True


# ----------------------------------------------------------------------------------------------- text helpers

_REPLACE = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u200b": "", "\u00ad": "",
    "\u2022": "*", "\u2122": "TM", "\u0152": "OE", "\u0153": "oe", "\u2044": "/",
    "\t": " ",
}
_cache: dict[str, bool] = {}


def _encodable(ch: str) -> bool:
    ok = _cache.get(ch)
    if ok is None:
        try:
            ch.encode("cp858")
            ok = ch >= " " and ch != "\x7f"
        except UnicodeEncodeError:
            ok = False
        _cache[ch] = ok
    return ok


def printable(text: str) -> str:
    """``text`` as the printer can print it (CP858, no control characters), on one line."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if _encodable(ch):
            out.append(ch)
        elif ch in _REPLACE:
            out.append(_REPLACE[ch])
        elif ch in "\r\n":
            out.append(" ")
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if _encodable(c))
            out.append(base or ("" if unicodedata.category(ch).startswith(("C", "M")) else "?"))
    return "".join(out)


def _amount(cents: int, lang: str) -> str:
    return format_amount(cents, lang, symbol="")


def _money(cents: int, lang: str) -> str:
    return format_amount(cents, lang)


def _kg(weight_g: int, lang: str) -> str:
    kg, g = divmod(abs(weight_g), 1000)
    return f"{'-' if weight_g < 0 else ''}{kg}{'.' if lang == 'en' else ','}{g:03d} kg"


# ----------------------------------------------------------------------------------------------- composition


def vat_letters(rates, fixed: Mapping[int, str] | None = None) -> dict[int, str]:
    """Letters for the VAT rates present: the country's standard rate A, its reduced rate B (whether or not both are
    in the basket, so A is always 19 % on a German receipt), then every other rate present, highest first.
    The country follows from the rates: 21 % or 9 % without 19 % or 7 % is the Netherlands."""
    rates = sorted(set(rates), reverse=True)
    if fixed:
        out = {r: fixed[r] for r in rates if r in fixed}
        used = set(out.values())
        spare = (chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used)
        for r in rates:
            if r not in out:
                out[r] = next(spare)
        return out
    nl = any(r in (2100, 900) for r in rates) and not any(r in (1900, 700) for r in rates)
    order = list(STANDARD_RATES["nl" if nl else "de"])
    order += [r for r in rates if r not in order]
    return {r: chr(ord("A") + i) for i, r in enumerate(order) if r in rates}


def _item(ln: SummaryLine, prev: SummaryLine | None, letter: str, w: dict, lang: str, always_qty: bool) -> Item:
    details: list[str] = []
    if ln.kind == "voucher":
        name = w["voucher"]
    elif ln.kind == "deposit":
        # The deposit follows its article; the article's name is repeated only when it does not stand above.
        follows = prev is not None and prev.kind == "item" and prev.sku == ln.sku and prev.name == ln.name
        name = w["deposit"] if follows else f"{w['deposit']} {ln.name}"
    else:
        name = ln.name
    if ln.weight_g:
        details.append(f"{_kg(ln.weight_g, lang)} x {_money(ln.unit_cents, lang)}/kg")
        if ln.qty > 1:
            details[-1] = f"{ln.qty} x {details[-1]}"
    elif ln.qty != 1 or always_qty:
        details.append(f"{ln.qty} x {_amount(ln.unit_cents, lang)}")
    return Item(ln.kind, printable(name), ln.amount_cents, letter, tuple(printable(d) for d in details), ln.qty,
                ln.unit_cents, ln.weight_g, ln.vat_bp)


def _split_address(address: str) -> list[str]:
    return [printable(p.strip()) for p in address.replace("\r", "").split("\n") if p.strip()]


def compose(summary: TransactionSummary, store: Store, options: ReceiptOptions | None = None) -> Receipt:
    """The receipt of ``summary`` at ``store`` as a document (pure: the same input gives the same document)."""
    o = options or ReceiptOptions()
    lang = summary.lang if summary.lang in WORDS else "de"
    w = WORDS[lang]
    blocks: list[Block] = []
    add = blocks.append

    # the store
    add(Text(printable(store.name), bold=True, big=True))
    for part in _split_address(store.address or ""):
        add(Text(part))
    if store.vat_id:
        add(Text(f"{w['vat_id']} {printable(store.vat_id)}"))
    if o.copy:
        add(Marker(f"*** {w['copy']} ***"))
    add(Rule())

    # lane, transaction, date and time (the lane's local time, as the shopper's watch shows it)
    t = summary.t_ended or summary.t_started
    when = datetime.fromtimestamp(t, o.tz) if o.tz is not None else datetime.fromtimestamp(t).astimezone()
    add(Pair(f"{w['lane']} {printable(summary.lane_id)}", f"{w['txn']} {summary.number}"))
    add(Pair(when.strftime(w["date"]), when.strftime(w["time"])))
    add(Rule())

    # the basket
    letters = vat_letters([ln.vat_bp for ln in summary.lines] + [v.rate_bp for v in summary.vat], o.vat_letters)
    prev = None
    for ln in summary.lines:
        add(_item(ln, prev, letters[ln.vat_bp], w, lang, o.always_qty))
        prev = ln
    add(Rule())
    add(Total(w["payout"] if summary.total_cents < 0 else w["total"], summary.total_cents))

    # VAT per rate
    if summary.vat:
        rows = tuple(VatRow(letters.get(v.rate_bp, "?"), v.rate_bp, v.net_cents, v.tax_cents, v.gross_cents)
                     for v in summary.vat)
        total = None
        if len(rows) > 1:
            total = VatRow("", 0, sum(r.net_cents for r in rows), sum(r.tax_cents for r in rows),
                           sum(r.gross_cents for r in rows))
        add(Blank())
        add(VatTable((w["rate"], w["net"], w["tax"], w["gross"]), rows, total, w["vat_sum"]))

    # payments: what was paid, then the terminal's own receipt exactly as it made it
    for p in summary.payments:
        if p.outcome != "approved":
            continue
        add(Blank())
        add(Payment(w.get(p.method, printable(p.method.capitalize())), p.amount_cents, p.method, p.ref))
        if p.receipt_lines:
            add(Blank())
            add(Verbatim(tuple(printable(x).rstrip() for x in p.receipt_lines)))

    # the fiscal block (KassenSichV): only when a TSE gave one
    if o.fiscal is not None:
        blocks.extend(fiscal_blocks(o.fiscal, w, o.fiscal_qr))

    # the e-receipt
    if o.qr_url:
        add(Blank())
        add(Qr(o.qr_url, w["ereceipt"], "ereceipt"))

    # the footer
    if o.thanks or o.footer:
        add(Rule())
    if o.thanks:
        add(Text(w["thanks"]))
    for line in o.footer:
        add(Text(printable(line)))
    if o.copy:
        add(Marker(f"*** {w['copy']} ***"))
    return Receipt(lang, summary.lane_id, summary.number, summary.total_cents, tuple(blocks), o.copy, when,
                   max(1, o.name_lines))


def fiscal_blocks(data: FiscalData, w: Mapping[str, str], with_qr: bool = True) -> list[Block]:
    """The TSE block: what KassenSichV §6 and AEAO zu §146a want printed of the signature (see
    :mod:`kiosk.receipt.fiscal`); when the TSE failed, the receipt says so instead."""
    out: list[Block] = [Rule(), Text(w["fiscal"], align="left", bold=True)]
    if data.error:
        out.append(Text(f"{w['tse_failed']}: {printable(data.error)}", align="left"))
        return out
    fields = [("client", data.client_id), ("tse_serial", data.tse_serial), ("tse_txn", str(data.transaction_number)),
              ("tse_counter", str(data.signature_counter)), ("tse_start", data.time_start),
              ("tse_end", data.time_end), ("tse_algorithm", data.algorithm), ("tse_time_format", data.time_format),
              ("tse_signature", data.signature)]
    out.extend(Field(w[k], printable(v)) for k, v in fields if v)
    if with_qr:
        out.append(Qr(qr_payload(data), "", "fiscal"))
    return out


def ereceipt_url(base: str, lane_id: str, number: int, token: str) -> str:
    """``https://receipts.example/<lane>/<txn>?k=<token>``: the address the e-receipt's QR code carries."""
    from urllib.parse import quote

    return f"{base.rstrip('/')}/{quote(lane_id, safe='')}/{int(number)}?k={quote(token, safe='')}"


__all__ = ["Blank", "Block", "Field", "Item", "Marker", "Pair", "Payment", "Qr", "Receipt", "ReceiptOptions", "Rule",
           "Text", "Total", "VatRow", "VatTable", "Verbatim", "WORDS", "compose", "ereceipt_url", "fiscal_blocks",
           "printable", "vat_letters"]
