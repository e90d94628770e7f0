"""The receipt on the printer: ESC/POS bytes through the real escpos+tcp driver to the simulated printer, which parses
them back into the receipt's text - euro sign and umlauts in CP858, the e-receipt's QR code drawn by the printer,
the cut - on 58 and 80 mm paper in Font A and B."""

from __future__ import annotations

import pytest

from hal.printer.emulator import EscPosDevice
from hal.registry import open_device
from kiosk.receipt import escpos
from kiosk.receipt.content import ReceiptOptions, compose
from kiosk.receipt.fiscal import FiscalData, qr_payload
from kiosk.receipt.layout import layout
from receiptkit import BERLIN, STORE, URL, basket

PAPER = [(80, "a", 42), (80, "b", 56), (58, "a", 32), (58, "b", 42)]


@pytest.fixture(scope="module", params=[80, 58], ids=["80mm", "58mm"])
def printer(request):
    dev = open_device("printer", f"sim:tcp?width_mm={request.param}", watch=0)
    yield dev
    dev.close()


def doc(lang: str = "de", **kw):
    return compose(basket(lang), STORE, ReceiptOptions(tz=BERLIN, qr_url=URL, **kw))


@pytest.mark.parametrize("font", ["a", "b"])
def test_the_receipt_crosses_tcp_and_comes_back_as_its_text(printer, font):
    width = {(mm, f): cols for mm, f, cols in PAPER}[(printer.width_mm, font)]
    receipt = doc()
    data, text = escpos.render_with_text(receipt, printer.profile_name, width_mm=printer.width_mm, font=font)
    job = f"txn-{printer.width_mm}-{font}"
    result = printer.print_job(job, data)
    assert result.outcome == "printed", result
    sim = printer.simulator
    paper = sim.receipt_objects()[-1]
    assert paper.cut == "full"
    printed = sim.receipts()[-1]
    for word in ("Demo-Markt Süd", "Hauptstraße 1", "Gouda jung am Stück", "1,250 kg x 14,90 €/kg", "Pfand",
                 "Leergutbon", "-1,50 A", "SUMME", "38,64 €", "Weizenbrötchen", "Karte ############1234",
                 "Vielen Dank für Ihren Einkauf!"):
        assert word in printed, (word, printed)
    assert f"[QR {URL}]" in printed                                      # GS ( k, the printer's own QR code
    # line for line what the layout made: nothing wrapped by the printer, nothing lost, nothing over the width
    expected = [ln.text if ln.qr is None else f"[QR {ln.qr}]" for ln in layout(receipt, width)]
    while expected and not expected[-1].strip():
        expected.pop()
    assert paper.plain() == expected
    for line in paper.lines:
        if line.kind == "text" and line.text:
            assert len(line.text) * line.width <= width
            assert line.font == (1 if font == "b" else 0)                # Font B stays selected after styled lines
    # styles: the store's name and the total stand out
    name = next(ln for ln in paper.lines if ln.text == "Demo-Markt Süd")
    assert name.bold and name.width == 2 and name.align == "center"
    total = next(ln for ln in paper.lines if ln.text.startswith("SUMME"))
    assert total.bold and total.height == 2
    # the text for the receipt log is the same receipt
    assert [t.strip() for t in text.splitlines() if t.strip() and t.strip() not in URL] == \
        [t.strip() for t in printed.splitlines() if t.strip() and not t.startswith("[QR")]


def test_the_copy_marker_is_printed_large(printer):
    data = escpos.for_printer(doc(copy=True), printer)
    assert printer.print_job(f"reprint-{printer.width_mm}", data).ok
    paper = printer.simulator.receipt_objects()[-1]
    markers = [ln for ln in paper.lines if ln.text == "*** KOPIE ***"]
    assert len(markers) == 2 and all(m.bold and m.width == 2 for m in markers)


@pytest.mark.parametrize("lang, words", [("en", ("TOTAL", "€38.64", "Deposit", "Your e-receipt")),
                                         ("nl", ("TOTAAL", "€ 38,64", "Statiegeld", "Uw digitale bon"))])
def test_english_and_dutch_receipts_on_paper(printer, lang, words):
    assert printer.print_job(f"{lang}-{printer.width_mm}", escpos.for_printer(doc(lang), printer)).ok
    printed = printer.simulator.receipts()[-1]
    assert all(w in printed for w in words) and f"[QR {URL}]" in printed


def test_the_fiscal_block_prints_with_its_own_qr_code():
    fiscal = FiscalData("test-1", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 17, 113,
                        "2025-03-14T14:40:00.000Z", "2025-03-14T14:42:15.000Z", "MEUCIQ" + "A" * 90,
                        process_data="Beleg^17.08_21.56_0.00_0.00_0.00^38.64:Unbar")
    data = escpos.render(doc(fiscal=fiscal), "TM-T88V", width_mm=58)
    dev = EscPosDevice(width_mm=58)
    dev.feed(data)
    printed = dev.receipts[-1].text
    assert "Signaturzähler" in printed and f"[QR {qr_payload(fiscal)}]" in printed and f"[QR {URL}]" in printed
    assert dev.unknown == 0


def test_the_technicians_test_print_still_works(printer):
    data = escpos.text_receipt("kiosk doctor\nTestdruck / test print\nÄÖÜ äöü ß €\n")
    assert printer.print_job(f"doctor-{printer.width_mm}", data).ok
    assert printer.simulator.receipts()[-1].splitlines()[-1] == "ÄÖÜ äöü ß €"


def test_the_job_gives_bytes_and_the_matching_text():
    data, text = escpos.job(basket(), STORE, ReceiptOptions(tz=BERLIN, qr_url=URL), profile="TM-T88V",
                            width_mm=58)
    assert max(len(t) for t in text.splitlines()) <= 32
    dev = EscPosDevice(width_mm=58)
    dev.feed(data)
    assert dev.receipts[-1].plain()[0] == text.splitlines()[0].strip()


def test_a_printer_without_native_qr_gets_the_code_as_an_image():
    data = escpos.render(doc(), "POS-5890")               # a 58 mm printer whose profile has no GS ( k and no cutter
    dev = EscPosDevice(width_mm=58)
    dev.feed(data)
    assert "[IMAGE 384x" in dev.current_text() and "[QR" not in dev.current_text()


def test_the_builder_entry_for_printer_render(printer):
    data = printer.render(lambda b: escpos.build(b, doc()))
    assert printer.print_job(f"build-{printer.width_mm}", data).ok
    assert "SUMME" in printer.simulator.receipts()[-1]
