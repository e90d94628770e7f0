"""The simulated printer reads ESC/POS as a printer does: receipts built with the ReceiptBuilder come back as text,
with euro signs and umlauts, codes and images as placeholders; status is answered at once, even mid-job; junk is
skipped and counted, never fatal."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from hal.printer.emulator import EscPosDevice, code128_text
from hal.printer.errors import RenderError
from hal.printer.receipt import ReceiptBuilder, render

STATUS = b"\x10\x04"


def printed(data: bytes, **kw) -> EscPosDevice:
    dev = EscPosDevice(**kw)
    dev.feed(data)
    return dev


def only_receipt(dev: EscPosDevice):
    assert len(dev.receipts) == 1, dev.receipts
    return dev.receipts[0]


# ------------------------------------------------------------------------------------------------ characters

def test_cp858_round_trip_euro_and_umlauts():
    data = render("TM-T88V", lambda r: r.line("Äpfel Öl Übergröße äöüß 1,99 €").cut())
    assert b"\x1bt\x13" in data and b"\xd5" in data          # ESC t 19 selects CP858; D5 is the euro sign in it
    assert only_receipt(printed(data)).plain() == ["Äpfel Öl Übergröße äöüß 1,99 €"]


@pytest.mark.parametrize("page, raw, text", [
    (0, b"\x84\x94\x81\xe1", "äöüß"),            # CP437 (no euro sign)
    (16, b"\xe4\xf6\xfc\xdf\x80", "äöüß€"),      # WPC1252
    (19, b"\x8e\x99\x9a\xd5", "ÄÖÜ€"),           # CP858
])
def test_code_pages(page, raw, text):
    dev = printed(b"\x1b@\x1bt" + bytes((page,)) + raw + b"\n\x1dV\x00")
    assert only_receipt(dev).plain() == [text]


def test_german_international_character_set_and_reset_by_esc_at():
    dev = printed(b"\x1bR\x02[\\]{|}~@\n\x1b@[x]\n\x1dV\x01")
    r = only_receipt(dev)
    assert r.plain() == ["ÄÖÜäöüß§", "[x]"] and r.cut == "partial"


def test_characters_outside_the_code_page_become_question_marks_and_controls_are_defused():
    data = render("TM-T88V", lambda r: r.line("Pfeil → hier").line("böse\x10\x04\x01name").cut())
    assert only_receipt(printed(data)).plain() == ["Pfeil ? hier", "böse   name"]


# ---------------------------------------------------------------------------------------------------- styles

def test_styles_alignment_and_sizes():
    def build(r: ReceiptBuilder):
        r.line("SUMME", align="center", bold=True, size=(2, 2))
        r.line("rechts", align="right", underline=1)
        r.line("klein", font="b", invert=True)
        r.row("Brötchen", "0,45 €")
        r.line("normal").cut()

    lines = only_receipt(printed(render("TM-T88V", build))).lines
    summe, rechts, klein, row, normal = lines
    assert (summe.text, summe.align, summe.bold, summe.width, summe.height) == ("SUMME", "center", True, 2, 2)
    assert (rechts.align, rechts.underline, rechts.bold) == ("right", 1, False)
    assert (klein.font, klein.invert) == (1, True)
    assert row.text == "Brötchen" + " " * 28 + "0,45 €" and len(row.text) == 42
    assert (normal.align, normal.bold, normal.width, normal.font, normal.invert) == ("left", False, 1, 0, False)
    text = only_receipt(printed(render("TM-T88V", build))).text
    assert text.splitlines()[0] == " " * 8 + "SUMME" and text.splitlines()[1] == " " * 36 + "rechts"


def test_paper_width_sets_the_columns_and_long_lines_wrap():
    narrow = ReceiptBuilder("TM-T88V", width_mm=58)
    assert (narrow.columns(), narrow.columns("b"), ReceiptBuilder().columns()) == (32, 42, 42)
    data = render("TM-T88V", lambda r: r.row("Milch", "1,19 €").line("x" * 40).cut(), width_mm=58)
    r = only_receipt(printed(data, width_mm=58))
    assert r.plain() == ["Milch" + " " * 21 + "1,19 €", "x" * 32, "x" * 8]


# -------------------------------------------------------------------------------------- codes and pictures

def test_barcodes_qr_codes_and_images_come_out_as_placeholders():
    logo = Image.new("1", (200, 120), 1)
    tall = Image.new("1", (384, 2000), 0)          # python-escpos sends this in slices of 960 rows

    def build(r: ReceiptBuilder):
        r.image(logo, center=False).line("Kasse 3")
        r.barcode("400638133393").barcode("4006381333931", "EAN13").barcode("ABC-{123}", "CODE128")
        r.qr("https://kiosk.example/r/8f3a?x=ä")
        r.image(tall, center=False).cut()

    r = only_receipt(printed(render("TM-T88V", build)))
    assert r.plain() == ["[IMAGE 200x120]", "Kasse 3", "[EAN13 4006381333931]", "[EAN13 4006381333931]",
                         "[CODE128 ABC-{123}]", "[QR https://kiosk.example/r/8f3a?x=ä]", "[IMAGE 384x2000]"]
    assert [line.align for line in r.lines[2:6]] == ["center"] * 4


def test_wide_images_are_scaled_to_the_paper_and_centred():
    r = only_receipt(printed(render("TM-T88V", lambda b: b.image(Image.new("RGB", (1024, 100))).cut())))
    assert r.plain() == ["[IMAGE 512x50]"]
    r = only_receipt(printed(render("TM-T88V", lambda b: b.image(Image.new("RGB", (100, 10))).cut(), width_mm=58),
                             width_mm=58))
    assert r.plain() == ["[IMAGE 384x10]"]


def test_other_image_and_barcode_commands():
    graphics = b"\x1d(L\x0e\x00\x30\x70\x30\x01\x01\x31\x10\x00\x02\x00" + b"\xff\xff\x00\x00"  # 16x2 store
    data = (b"\x1b@" + graphics + b"\x1d(L\x02\x00\x30\x32"      # ... and print
            + b"\x1b*\x21\x02\x00" + b"\x00" * 6 + b"\n"          # ESC * 24-dot column image, 2 dots wide
            + b"\x1dk\x02" + b"4006381333931\x00"                  # GS k function A, EAN-13
            + b"\x1dkI\x05{C\x0c\x22\x38"                          # Code 128 set C: 12 34 56
            + b"\x1d(k\x06\x00\x30\x50\x30PDF" + b"\x1d(k\x03\x00\x30\x51\x30"
            + b"\x1dV\x41\x03")
    assert only_receipt(printed(data)).plain() == ["[IMAGE 16x2]", "[IMAGE 2x24]", "[EAN13 4006381333931]",
                                                   "[CODE128 123456]", "[PDF417 PDF]"]
    assert code128_text(b"{BAB{{C") == "AB{C"


def test_builder_rejects_what_a_printer_cannot_print():
    with pytest.raises(RenderError, match="EAN13"):
        render("TM-T88V", lambda r: r.barcode("12345", "EAN13"))
    with pytest.raises(RenderError, match="profile"):
        ReceiptBuilder("no-such-printer")
    with pytest.raises(RenderError, match="align"):
        ReceiptBuilder().line("x", align="middle")


# ---------------------------------------------------------------------------------------------------- status

def test_status_is_answered_for_every_state():
    dev = EscPosDevice()
    ask = lambda: dev.feed(STATUS + b"\x01" + STATUS + b"\x02" + STATUS + b"\x03" + STATUS + b"\x04")
    assert ask() == bytes((0x12, 0x12, 0x12, 0x12))
    dev.set_paper("near_end")
    assert ask() == bytes((0x12, 0x12, 0x12, 0x1E))
    dev.set_paper("out")
    assert ask() == bytes((0x1A, 0x32, 0x12, 0x7E))
    dev.set_paper("ok")
    dev.set_cover(True)
    assert ask() == bytes((0x1A, 0x16, 0x12, 0x12))
    dev.set_cover(False)
    dev.set_cutter_error(True)
    assert ask() == bytes((0x1A, 0x52, 0x1A, 0x12))
    assert dev.feed(b"\x10\x05\x02") == b"" and not dev.cutter_error       # DLE ENQ 2 recovers
    dev.set_offline(True)
    assert ask() == bytes((0x1A, 0x12, 0x12, 0x12))
    dev.garbage_status = True
    assert ask() == b"\xff" * 4
    dev.silent = True
    assert ask() == b""
    assert dev.status_requests == 32


def test_real_time_commands_split_across_reads_and_answered_while_data_waits():
    dev = EscPosDevice()
    dev.set_paper("out")
    assert dev.feed(b"\x1b@held line\n\x10") == b""
    assert dev.feed(b"\x04") == b""
    assert dev.feed(b"\x04") == b"\x7e"               # answered although the printer cannot print
    assert dev.feed(b"\x1d(H\x06\x00\x30\x30" + b"0007") == b""   # the process ID waits for the paper
    dev.set_paper("ok")
    assert dev.current_text() == "held line"         # the buffer was kept and prints after the refill
    assert dev.process_ids == ["0007"]


def test_clear_buffers_drops_what_waits_and_answers():
    dev = EscPosDevice()
    dev.set_paper("out")
    dev.feed(b"\x1b@never\n\x1dV\x00")
    assert dev.feed(bytes.fromhex("10 14 08 01 03 14 01 06 02 08")) == b"\x37\x25\x00"
    dev.set_paper("ok")
    assert dev.receipts == [] and dev.current_text() == "" and dev.buffered() == 0


def test_paper_out_after_n_lines_stops_mid_receipt_and_a_refill_tears_off_the_old_roll():
    dev = EscPosDevice()
    dev.set_paper_out_after(3)
    dev.feed(b"\x1b@" + b"".join(b"line %d\n" % i for i in range(6)) + b"\x1dV\x00")
    assert dev.paper == "out" and dev.current_text() == "line 0\nline 1\nline 2" and dev.buffered() > 0
    dev.set_paper("ok")                      # no clear: the rest of the job comes out on the new roll
    assert [r.plain() for r in dev.torn] == [["line 0", "line 1", "line 2"]]
    assert [r.plain() for r in dev.receipts] == [["line 3", "line 4", "line 5"]]


def test_automatic_status_back_and_gs_r():
    dev = EscPosDevice()
    assert dev.feed(b"\x1da\x0e") == bytes((0x10, 0, 0, 0))
    out = bytearray()
    dev._reply = out.extend
    dev.set_paper("near_end")
    dev.set_paper("out")
    assert bytes(out) == bytes((0x10, 0, 0x03, 0, 0x18, 0, 0x0F, 0))
    dev.set_paper("ok")
    assert dev.feed(b"\x1da\x00\x1dr\x01") == b"\x00"


# ------------------------------------------------------------------------------------------------ resilience

def test_unknown_commands_are_counted_and_skipped():
    dev = printed(b"\x1b@\x1b\xffA\x1d\xfeB\x01\x1b\x74\x63C\x1dk\x50\x1dv\x31D\n\x1dV\x00")
    assert only_receipt(dev).plain() == ["ABCD"]
    assert dev.unknown == 6


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.binary(min_size=0, max_size=64), max_size=12))
def test_any_bytes_never_crash_the_printer_and_it_still_answers(chunks):
    dev = EscPosDevice()
    for chunk in chunks:
        dev.feed(chunk)
    # whatever came before, clearing the buffer brings it back to a state that prints and answers
    assert dev.feed(bytes.fromhex("10 14 08 01 03 14 01 06 02 08")).endswith(b"\x37\x25\x00") or dev.silent
    dev.set_paper("ok")
    dev.set_cover(False)
    dev.set_offline(False)
    dev.set_cutter_error(False)
    assert dev.feed(b"\x1b@after\n\x1dV\x00\x10\x04\x04")[-1:] == b"\x12"
    assert dev.receipts[-1].plain()[-1] == "after"
