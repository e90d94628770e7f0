"""The printer's back channel and its job ledger, without a wire: what each DLE EOT reply means, how the reply stream
is split, and how the ledger remembers printed jobs across restarts."""

from __future__ import annotations

import json

import pytest

from hal.printer import protocol as pr
from hal.printer.base import PrinterStatus
from hal.printer.errors import BadPrinterOption
from hal.printer.ledger import INTERRUPTED, PRINTED, SENDING, UNCERTAIN, JobLedger

OK = 0x12


# ------------------------------------------------------------------------------------------- DLE EOT decoding

@pytest.mark.parametrize("replies, expected", [
    # n=1 printer status: bit 3 offline
    ((0x12, OK, OK, OK), PrinterStatus(True, "ok", False, None)),
    ((0x1A, OK, OK, OK), PrinterStatus(False, "ok", False, None)),
    ((0x16, OK, OK, OK), PrinterStatus(True, "ok", False, None)),          # drawer pin high: not a fault
    # n=2 offline cause: bit 2 cover open, bit 5 stopped by paper end, bit 6 error occurred
    ((0x1A, 0x16, OK, OK), PrinterStatus(False, "ok", True, None)),
    ((0x1A, 0x32, OK, OK), PrinterStatus(False, "out", False, None)),
    ((0x1A, 0x52, OK, OK), PrinterStatus(False, "ok", False, "error")),
    ((0x12, 0x1A, OK, OK), PrinterStatus(True, "ok", False, None)),          # paper being fed by the button
    # n=3 error cause: bit 2 recoverable, bit 3 cutter, bit 5 unrecoverable, bit 6 auto-recoverable
    ((0x1A, 0x52, 0x16, OK), PrinterStatus(False, "ok", False, "recoverable")),
    ((0x1A, 0x52, 0x1A, OK), PrinterStatus(False, "ok", False, "cutter")),
    ((0x1A, 0x52, 0x32, OK), PrinterStatus(False, "ok", False, "unrecoverable")),
    ((0x1A, 0x52, 0x52, OK), PrinterStatus(False, "ok", False, "auto_recoverable")),
    # n=4 roll paper sensor: bits 2+3 near end, bits 5+6 paper end
    ((OK, OK, OK, 0x1E), PrinterStatus(True, "near_end", False, None)),
    ((0x1A, 0x32, OK, 0x72), PrinterStatus(False, "out", False, None)),
    ((0x1A, 0x32, OK, 0x7E), PrinterStatus(False, "out", False, None)),
    ((OK, OK, OK, 0x16), PrinterStatus(True, "ok", False, None)),            # one near-end bit alone is not near end
])
def test_every_dle_eot_reply_decodes_to_what_the_printer_means(replies, expected):
    assert pr.decode_status(*replies) == expected


@pytest.mark.parametrize("bad", [None, 0x00, 0xFF, 0x13, 0x92, 0x10, 0x37])
def test_a_missing_or_malformed_reply_is_unknown_never_out(bad):
    s = pr.decode_status(OK, OK, OK, bad)
    assert s.paper == "unknown" and s.online is True and not s.ready
    s = pr.decode_status(bad, bad, bad, bad)
    assert s == PrinterStatus(None, "unknown", None, None)
    assert pr.refusal(s)[0] == "offline"


def test_status_byte_form_is_0xx1xx10():
    valid = [b for b in range(256) if pr.is_status_byte(b)]
    assert len(valid) == 16 and all(b & 0x93 == 0x12 for b in valid)
    assert pr.is_status_byte(0x12) and pr.is_status_byte(0x7E) and not pr.is_status_byte(0x10)


def test_refusal_names_the_reason_in_order_of_what_to_fix_first():
    assert pr.refusal(PrinterStatus(False, "out", True, None))[0] == "cover_open"
    assert pr.refusal(PrinterStatus(False, "out", False, None))[0] == "paper_out"
    assert pr.refusal(PrinterStatus(False, "ok", False, "cutter")) == (
        "failed", "printer error (cutter): clear the paper path or cutter, then close the cover")
    assert pr.refusal(PrinterStatus(False, "ok", False, None))[0] == "offline"


@pytest.mark.parametrize("frame, expected", [
    (bytes((0x10, 0, 0, 0)), PrinterStatus(True, "ok", False, None)),
    (bytes((0x18, 0, 0x0F, 0)), PrinterStatus(False, "out", False, None)),
    (bytes((0x10, 0, 0x03, 0)), PrinterStatus(True, "near_end", False, None)),
    (bytes((0x38, 0, 0, 0)), PrinterStatus(False, "ok", True, None)),
    (bytes((0x18, 0x08, 0, 0)), PrinterStatus(False, "ok", False, "cutter")),
])
def test_automatic_status_back_frames(frame, expected):
    assert pr.decode_asb(frame) == expected


def test_process_id_request_bytes_and_limits():
    assert pr.process_id_request("0042") == bytes.fromhex("1d 28 48 06 00 30 30 30 30 34 32")
    for bad in ("42", "00042", "ab\x01d", "äöü!"):
        with pytest.raises(ValueError):
            pr.process_id_request(bad)
    with pytest.raises(ValueError):
        pr.status_query(5)


# --------------------------------------------------------------------------------------------- reply stream

def test_process_id_digits_are_not_mistaken_for_status_bytes():
    # "2" is 0x32, which has the 0xx1xx10 form of a status byte
    events = pr.ReplyParser().feed(b"\x12\x37\x22" + b"2222" + b"\x00\x1e")
    assert events == [("status", 0x12), ("process_id", "2222"), ("status", 0x1E)]


def test_frames_split_across_reads_and_the_clear_response():
    p = pr.ReplyParser()
    assert p.feed(b"\x37\x22\x30") == []
    assert p.feed(b"\x30\x31") == []
    assert p.feed(b"\x32\x00\x37") == [("process_id", "0012")]
    assert p.feed(b"\x25\x00") == [("cleared", b"")]


def test_noise_is_reported_and_the_parser_resynchronises_byte_by_byte():
    p = pr.ReplyParser()
    assert p.feed(b"\xff\x00\x37\x12") == [("invalid", 0xFF), ("invalid", 0x00), ("invalid", 0x37),
                                          ("status", 0x12)]
    # a response header followed by a wrong-length frame gives its bytes back as invalid
    events = p.feed(b"\x37\x22\x31\x00\x12")
    assert ("status", 0x12) == events[-1] and all(k == "invalid" for k, _ in events[:-1])


def test_asb_frames_only_when_asked_for():
    frame = bytes((0x18, 0x00, 0x0F, 0x00))
    assert pr.ReplyParser(asb=True).feed(frame + b"\x12") == [("asb", frame), ("status", 0x12)]
    assert pr.ReplyParser(asb=False).feed(frame[:1]) == [("invalid", 0x18)]


# ---------------------------------------------------------------------------------------------------- ledger

@pytest.mark.parametrize("suffix", ["jobs.sqlite", "jobs.json"])
def test_the_ledger_survives_a_restart(tmp_path, suffix):
    path = str(tmp_path / "var" / suffix)
    ledger = JobLedger(path)
    ledger.mark("r1", SENDING)
    ledger.mark("r1", PRINTED)
    ledger.mark("r2", SENDING)
    ledger.mark("r2", INTERRUPTED)
    ledger.mark("r2", SENDING)
    ledger.close()
    again = JobLedger(path)
    assert again.state("r1") == PRINTED and again.attempts("r1") == 1
    assert again.state("r2") == SENDING and again.attempts("r2") == 2
    assert again.state("nope") is None
    again.close()


def test_the_memory_ledger_forgets_with_the_driver():
    a = JobLedger()
    a.mark("r1", PRINTED)
    assert a.state("r1") == PRINTED
    assert JobLedger().state("r1") is None
    with pytest.raises(ValueError):
        a.mark("r1", "lost")


def test_the_json_ledger_keeps_recent_jobs_and_rejects_a_broken_file(tmp_path):
    path = tmp_path / "printer-jobs.json"
    ledger = JobLedger(str(path), max_jobs=3)
    for i in range(5):
        ledger.mark(f"r{i}", UNCERTAIN)
    kept = json.loads(path.read_text())["jobs"]
    assert len(kept) == 3 and "r4" in kept and "r0" not in kept
    path.write_text("{not json")
    with pytest.raises(BadPrinterOption, match="unreadable"):
        JobLedger(str(path))
