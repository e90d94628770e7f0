"""The receipt on paper of every width: 58 mm (32 / 42 columns) and 80 mm (42 / 48 / 56), no line over the width,
long names wrapped or shortened cleanly, amounts right-aligned and never cut."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.receipt import content as c
from kiosk.receipt.content import ReceiptOptions, compose
from kiosk.receipt.escpos import columns
from kiosk.receipt.fiscal import FiscalData
from kiosk.receipt.layout import layout, shorten, wrap, wrap_parts
from kiosk.receipt.text import to_text
from receiptkit import BERLIN, STORE, URL, basket, synthetic

LONG = "Bio-Fruchtjoghurt Erdbeere mit Fruchtstückchen aus kontrolliert ökologischem Anbau 500 g"
FISCAL = FiscalData("test-1", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 1731, 88412,
                    "2025-03-14T14:40:00.000Z", "2025-03-14T14:42:15.000Z",
                    "MGUCMQDcV2Xr8hYk3gYwS1o1Q0c5i8lJ6w3W8D3wR1cK7H4q2y9mH6bD+X6qk1pD0n4o3aCMC8pQ2H4ZkKJH1rD",
                    process_data="Beleg^17.08_21.56_0.00_0.00_0.00^38.64:Unbar")


def full(lang: str = "de", **kw):
    return compose(basket(lang), STORE, ReceiptOptions(tz=BERLIN, qr_url=URL, copy=True, fiscal=FISCAL, **kw))


def test_columns_come_from_the_printer_profile():
    assert columns("TM-T88V") == 42 and columns("TM-T88V", font="b") == 56            # 80 mm, Font A / B
    assert columns("TM-T20II") == 48 and columns("TM-T20II", font="b") == 64          # 80 mm roll, 576 dots
    assert columns("TM-T88V", 58) == 32 and columns("TM-T88V", 58, "b") == 42         # the same printer on 58 mm
    assert columns("POS-5890") == 32 and columns("POS-5890", font="b") == 42          # a 58 mm printer
    assert columns("TM-T88V", 80) == 42


@pytest.mark.parametrize("width", [32, 42, 48, 56])
@pytest.mark.parametrize("lang", ["de", "en", "nl"])
def test_no_line_is_wider_than_the_paper(width, lang):
    lines = layout(full(lang), width)
    for ln in lines:
        assert ln.cells <= width, (width, ln)
    for text_line in to_text(full(lang), width).splitlines():
        assert len(text_line) <= width, (width, text_line)


@pytest.mark.parametrize("width", [32, 42, 48])
def test_amounts_stand_right_with_their_vat_letter(width):
    from kiosk.domain.money import format_amount

    doc = full()
    lines = [ln.text for ln in layout(doc, width)]
    for item in doc.of(c.Item):
        right = f" {format_amount(item.amount_cents, 'de', symbol='')} {item.vat_letter}"
        hits = [t for t in lines if t.endswith(right)]
        assert hits and all(len(t) == width for t in hits), (item, hits)      # flush with the right edge


def test_a_long_name_wraps_on_80_mm_and_is_shortened_on_58_mm():
    doc = compose(basket(), STORE, ReceiptOptions(tz=BERLIN))
    wide = [ln.text for ln in layout(doc, 42)]
    i = next(k for k, t in enumerate(wide) if t.startswith("Bio-Fruchtjoghurt"))
    assert wide[i] == "Bio-Fruchtjoghurt Erdbeere mit      1,29 B"
    assert wide[i + 1] == "  Fruchtstückchen aus kontrolliert ökolog."     # abbreviated as German receipts do
    narrow = [ln.text for ln in layout(doc, 32)]
    i = next(k for k, t in enumerate(narrow) if t.startswith("Bio-Fruchtjoghurt"))
    assert narrow[i] == "Bio-Fruchtjoghurt         1,29 B"
    assert narrow[i + 1] == "  Erdbeere mit Fruchtstückchen"
    assert narrow[i + 2].startswith("Weizenbrötchen")
    one = [ln.text for ln in layout(doc, 42, name_lines=1)]
    assert "Bio-Fruchtjoghurt Erdbeere mit Fru. 1,29 B" in one


def test_wrapping_and_shortening_helpers():
    assert wrap("Rinderrouladen-Fleischspezialitätenmischung", 20) == ["Rinderrouladen-", "Fleischspezialitäten",
                                                                        "mischung"]
    assert shorten("Erdbeere mit Fruchtstückchen aus", 22) == "Erdbeere mit Fruchtst."
    assert shorten("Erdbeere mit Fruchtstückchen aus", 14) == "Erdbeere mit"          # "F." would say nothing
    assert shorten("Erdbeere mit Fruchtstückchen", 28) == "Erdbeere mit Fruchtstückchen"
    assert wrap_parts("Hauptstraße 123, 12345 Musterstadt-Nord", 32) == ["Hauptstraße 123,",
                                                                          "12345 Musterstadt-Nord"]


def test_big_amounts_are_never_cut_and_the_vat_table_stacks_when_narrow():
    summary = synthetic([("Fernseher 65 Zoll OLED mit Wandhalterung und Soundbar", 12345678, 1900),
                         ("Kaffee", 999999, 700)])
    doc = compose(summary, STORE, ReceiptOptions(tz=BERLIN))
    for width in (24, 32, 42):
        text = to_text(doc, width)
        assert all(len(t) <= width for t in text.splitlines())
        for amount in ("123.456,78", "9.999,99", "133.456,77 €"):
            assert amount in text, (width, amount)
    narrow = to_text(doc, 24).splitlines()
    assert "A 19 %" in narrow and any(t.startswith("  Netto") and t.endswith("103.745,19") for t in narrow)
    wide = to_text(doc, 42).splitlines()
    assert any(t.startswith("A 19 %") and t.endswith("123.456,78") for t in wide)


def test_a_width_below_24_columns_is_refused():
    with pytest.raises(ValueError, match="24 columns"):
        layout(full(), 20)


def test_the_terminal_slip_keeps_its_lines_and_wraps_only_what_is_too_wide():
    doc = compose(basket(), STORE, ReceiptOptions(tz=BERLIN))
    (slip,) = doc.of(c.Verbatim)
    laid = [ln.text for ln in layout(doc, 42)]
    start = laid.index(slip.lines[0])
    assert tuple(laid[start:start + len(slip.lines)]) == slip.lines           # as the terminal made them
    wide = c.Receipt("de", "x", 1, 0, (c.Verbatim(("Terminal-ID 52500001   Beleg-Nr. 0815   Trace 4711",)),))
    lines = [ln.text for ln in layout(wide, 32)]
    assert len(lines) == 2 and all(len(t) <= 32 for t in lines)
    assert " ".join(lines).split() == "Terminal-ID 52500001 Beleg-Nr. 0815 Trace 4711".split()


def test_the_fiscal_block_wraps_its_long_values_whole():
    lines = [ln.text for ln in layout(full(), 32)]
    i = lines.index("Signatur")
    pieces = []
    for t in lines[i + 1:]:
        if not t.startswith("  "):
            break
        pieces.append(t[2:])
    assert "".join(pieces) == FISCAL.signature


names = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1,
                max_size=90).filter(str.strip)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(names, st.integers(-99_999, 9_999_999), st.sampled_from([1900, 700, 0])), min_size=1,
                max_size=8),
       st.sampled_from([24, 32, 42, 48, 56]), st.sampled_from(["de", "en", "nl"]), st.integers(1, 3))
def test_any_basket_fits_any_paper_and_keeps_every_amount(lines, width, lang, name_lines):
    summary = synthetic(lines, lang)
    doc = compose(summary, STORE, ReceiptOptions(tz=BERLIN, qr_url=URL, name_lines=name_lines))
    laid = layout(doc, width)
    assert all(ln.cells <= width for ln in laid)
    text = to_text(doc, width)
    assert all(len(t) <= width for t in text.splitlines())
    text.encode("cp858")
    from kiosk.domain.money import format_amount

    for item in doc.of(c.Item):
        assert f"{format_amount(item.amount_cents, lang, symbol='')} {item.vat_letter}" in text
    assert format_amount(summary.total_cents, lang) in text
    (table,) = doc.of(c.VatTable)
    assert sum(r.gross_cents for r in table.rows) == summary.total_cents
