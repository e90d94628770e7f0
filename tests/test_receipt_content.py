"""What the receipt says: a German receipt's content from a real transaction summary, in German, English and Dutch.

The basket (tests/receiptkit.py) goes through the lane's reducer: milk, two crates of water with their deposit, Gouda
from a weight label, a bottle-return voucher, a yoghurt with a long name, a bread roll, paid by card.
"""

from __future__ import annotations

import dataclasses

import pytest

from kiosk.receipt import content as c
from kiosk.receipt.content import ReceiptOptions, compose, printable, vat_letters
from kiosk.receipt.text import render, to_text
from receiptkit import BERLIN, STORE, URL, basket, synthetic

WORDS = {
    "de": ("SUMME", "Pfand", "Leergutbon", "Kartenzahlung", "USt-IdNr. DE123456789", "Ihr digitaler Beleg",
           "Kasse test-1", "Bon-Nr. 1", "14.03.2025", "Satz", "Netto", "MwSt", "Brutto", "Vielen Dank"),
    "en": ("TOTAL", "Deposit", "Bottle return", "Card payment", "VAT ID DE123456789", "Your e-receipt",
           "Lane test-1", "Receipt no. 1", "14/03/2025", "Rate", "Net", "VAT", "Gross", "Thank you"),
    "nl": ("TOTAAL", "Statiegeld", "Statiegeldbon", "Pinbetaling", "Btw-nr. DE123456789", "Uw digitale bon",
           "Kassa test-1", "Bonnr. 1", "14-03-2025", "Tarief", "Netto", "BTW", "Bruto", "Bedankt"),
}


def options(**kw) -> ReceiptOptions:
    return ReceiptOptions(tz=BERLIN, qr_url=URL, **kw)


@pytest.fixture(scope="module")
def paid():
    return basket("de")


def test_the_german_receipt_carries_what_the_law_asks(paid):
    doc = compose(paid, STORE, options())
    texts = [b.text for b in doc.of(c.Text)]
    assert texts[:3] == ["Demo-Markt Süd", "Hauptstraße 1, 12345 Musterstadt", "USt-IdNr. DE123456789"]
    assert doc.of(c.Text)[0].big and doc.of(c.Text)[0].bold
    assert c.Pair("Kasse test-1", "Bon-Nr. 1") in doc.blocks
    assert c.Pair("14.03.2025", "15:42") in doc.blocks            # the end of the sale, in the lane's time zone

    items = doc.of(c.Item)
    assert [(i.kind, i.name, i.amount_cents, i.vat_letter, i.details) for i in items] == [
        ("item", "Vollmilch 3,5 % 1 l", 129, "B", ()),
        ("item", "Mineralwasser Kasten 12 x 0,7 l", 1198, "A", ("2 x 5,99",)),
        ("deposit", "Pfand", 660, "A", ("2 x 3,30",)),                 # follows its crates, at their VAT
        ("item", "Gouda jung am Stück", 1863, "B", ("1,250 kg x 14,90 €/kg",)),
        ("voucher", "Leergutbon", -150, "A", ()),                    # negative, at 19 %
        ("item", "Bio-Fruchtjoghurt Erdbeere mit Fruchtstückchen aus kontrolliert ökologischem Anbau 500 g", 129,
         "B", ()),
        ("item", "Weizenbrötchen", 35, "B", ()),
    ]
    (total,) = doc.of(c.Total)
    assert total == c.Total("SUMME", paid.total_cents) and paid.total_cents == sum(i.amount_cents for i in items)

    (table,) = doc.of(c.VatTable)
    assert table.heads == ("Satz", "Netto", "MwSt", "Brutto")
    assert [(r.letter, r.rate_bp) for r in table.rows] == [("A", 1900), ("B", 700)]
    for row in table.rows:
        assert row.net_cents + row.tax_cents == row.gross_cents
    assert table.rows[0].tax_cents == 273 and table.rows[1].tax_cents == 141   # per rate, on the rate's sum

    (payment,) = doc.of(c.Payment)
    assert payment == c.Payment("Kartenzahlung", paid.total_cents, "card", "test-1-1-pay-1")
    (slip,) = doc.of(c.Verbatim)
    assert slip.lines == paid.payments[0].receipt_lines                  # the terminal's lines, untouched
    (qr,) = doc.of(c.Qr)
    assert qr.content == URL and qr.purpose == "ereceipt"
    assert not doc.of(c.Marker) and not doc.of(c.Field)                 # no copy marker, no TSE block
    assert texts[-1] == "Vielen Dank für Ihren Einkauf!"


def test_totals_per_rate_sum_to_the_total(paid):
    doc = compose(paid, STORE, options())
    (table,) = doc.of(c.VatTable)
    assert sum(r.gross_cents for r in table.rows) == paid.total_cents == doc.total_cents
    assert table.total.gross_cents == paid.total_cents
    assert table.total.net_cents + table.total.tax_cents == paid.total_cents
    for row in table.rows:
        lines = [i for i in doc.of(c.Item) if i.vat_bp == row.rate_bp]
        assert sum(i.amount_cents for i in lines) == row.gross_cents
    text = to_text(doc, 42)
    assert "Summe        17,08 " not in text                              # the sum row is net/tax/gross, not gross
    assert text.count("38,64") >= 3                                      # total, VAT sum row, payment


@pytest.mark.parametrize("lang", ["de", "en", "nl"])
def test_the_receipt_speaks_the_shoppers_language(lang):
    summary = basket(lang)
    text = to_text(compose(summary, STORE, options()), 42)
    for word in WORDS[lang]:
        assert word in text, (lang, word)
    others = {w for other, words in WORDS.items() if other != lang for w in words[:3]} - set(WORDS[lang])
    assert not [w for w in others if w in text.split()]
    amount = "38.64" if lang == "en" else "38,64"
    assert amount in text and "€" in text
    # the terminal's slip stays as the terminal printed it, whatever the shopper's language
    assert "Karte ############1234" in text


def test_vat_letters_are_fixed_per_country():
    assert vat_letters([1900, 700]) == {1900: "A", 700: "B"}
    assert vat_letters([700]) == {700: "B"}                    # A stays 19 % even when no 19 % line is in the basket
    assert vat_letters([2100, 900]) == {2100: "A", 900: "B"}   # the Netherlands
    assert vat_letters([900]) == {900: "B"}
    assert vat_letters([1900, 1070, 700, 0]) == {1900: "A", 700: "B", 1070: "C", 0: "D"}
    assert vat_letters([1900, 700], fixed={700: "1", 1900: "2"}) == {1900: "2", 700: "1"}


def test_a_dutch_basket_at_21_and_9_percent():
    summary = synthetic([("Hagelslag puur 400 g", 289, 900), ("Heineken 6 x 0,33 l", 599, 2100),
                         ("Statiegeld", 90, 2100)], lang="nl")
    doc = compose(summary, STORE, options())
    assert [(i.vat_letter, i.vat_bp) for i in doc.of(c.Item)] == [("B", 900), ("A", 2100), ("A", 2100)]
    text = to_text(doc, 42)
    assert "A 21 %" in text and "B 9 %" in text and "TOTAAL" in text and "€ 9,78" in text


def test_the_reprint_says_copy_at_top_and_bottom(paid):
    doc = compose(paid, STORE, options(copy=True))
    markers = doc.of(c.Marker)
    assert [m.text for m in markers] == ["*** KOPIE ***", "*** KOPIE ***"] and doc.copy
    assert doc.blocks.index(markers[0]) < doc.blocks.index(doc.of(c.Item)[0])
    assert doc.blocks[-1] == markers[1]
    assert compose(paid, STORE, options(copy=False)).of(c.Marker) == []
    en = compose(basket("en"), STORE, options(copy=True))
    assert en.of(c.Marker)[0].text == "*** COPY ***"
    # the old entry point of the lane keeps working
    text = render(paid, STORE, copy=True)
    assert text.count("*** KOPIE ***") == 2 and "SUMME" in text
    assert "KOPIE" not in render(paid, STORE)


def test_a_declined_payment_prints_no_payment_and_no_terminal_slip():
    summary = basket("de", outcome="decline")
    doc = compose(summary, STORE, options())
    assert doc.of(c.Payment) == [] and doc.of(c.Verbatim) == []
    assert "#" not in to_text(doc, 42)


def test_the_card_number_appears_only_as_the_terminal_printed_it(paid):
    text = to_text(compose(paid, STORE, options()), 42)
    masked = [line for line in text.splitlines() if "#" in line or "1234 " in line + " "]
    assert masked == ["Karte ############1234"]


def test_the_document_is_pure_and_the_time_zone_is_an_option(paid):
    a = compose(paid, STORE, options())
    b = compose(paid, STORE, options())
    assert a == b and hash(a.blocks) == hash(b.blocks)
    from zoneinfo import ZoneInfo

    london = compose(paid, STORE, ReceiptOptions(tz=ZoneInfo("Europe/London")))
    assert c.Pair("14.03.2025", "14:42") in london.blocks
    assert london.of(c.Qr) == []                                         # no address, no QR code


def test_store_footer_lines_and_no_thanks(paid):
    doc = compose(paid, STORE, options(footer=("Mo-Sa 7-22 Uhr", "www.demo-markt.example"), thanks=False))
    assert [b.text for b in doc.of(c.Text)][-2:] == ["Mo-Sa 7-22 Uhr", "www.demo-markt.example"]
    assert "Vielen Dank" not in to_text(doc, 42)


def test_shop_data_is_made_printable_in_cp858():
    assert printable("„Bio“ Käse – fein… ½ €") == '"Bio" Käse - fein... ½ €'
    assert printable("Ćevapčići Łódź") == "Cevapcici ?ódz"
    assert printable("a\tb\nc\x1bd\u200be") == "a b cde"
    summary = synthetic([("Ćevapčići „Balkan“ – 400 g", 399, 700), ("Crème brûlée 2×100 g", 249, 700)])
    text = to_text(compose(summary, STORE, options()), 42)
    assert "Cevapcici \"Balkan\" - 400 g" in text and "Crème brûlée 2×100 g" in text
    text.encode("cp858")                                                  # every character prints


def test_a_payout_when_the_voucher_is_worth_more_than_the_basket():
    summary = synthetic([("Weizenbrötchen", 35, 700), ("Leergutbon", -300, 1900)], kinds=["item", "voucher"])
    summary = dataclasses.replace(summary, payments=())
    doc = compose(summary, STORE, options())
    assert doc.of(c.Total) == [c.Total("AUSZAHLUNG", -265)]
    assert "-2,65 €" in to_text(doc, 42)


def test_a_deposit_that_does_not_follow_its_article_names_it():
    summary = synthetic([("Pils 0,5 l Dose", 25, 1900)], kinds=["deposit"])
    (item,) = compose(summary, STORE, options()).of(c.Item)
    assert item.name == "Pfand Pils 0,5 l Dose"


def test_always_qty_puts_a_quantity_line_under_every_article(paid):
    doc = compose(paid, STORE, options(always_qty=True))
    milk = doc.of(c.Item)[0]
    assert milk.details == ("1 x 1,29",)
