"""A shopper pays at the lane's card terminal, over TCP and over a serial cable: each outcome the terminal can give
(approved, declined, wrong PIN, cancelled, silent, busy) comes back as a PaymentResult the lane can act on, the
terminal's prompts reach the screen in German, English and Dutch, the receipt comes back line by line, and the
administrative commands (reversal, refund, end-of-day, diagnosis, log-off, repeat receipt, status) do what a real
terminal does with its journal."""

from __future__ import annotations

import socket
import threading

import pytest

from hal import events as ev
from hal.errors import BadDeviceURL
from hal.payment import results as rs
from hal.payment.base import Prompt
from hal.payment.client import ZvtTerminal
from hal.payment.errors import BadPaymentOption, TerminalNotFound, TerminalRefused
from hal.registry import open_device, start_simulator
from halkit import wait_for

TRANSPORTS = ["sim:tcp", "sim:serial"]


@pytest.fixture(params=TRANSPORTS)
def terminal(request, lane):
    dev = open_device("payment", request.param, lane)
    try:
        yield dev
    finally:
        dev.close()


def prompts(lane, since: int = 0) -> list[Prompt]:
    return [e for e in lane.since(since) if isinstance(e, Prompt)]


def test_an_approved_payment_brings_everything_the_lane_needs(terminal, lane):
    sim = terminal.simulator
    result = terminal.authorise(2040)
    charge = sim.charges()[-1]
    assert result.outcome == "approved" and result.approved and not result.outcome_unknown
    assert (result.amount_cents, result.result_code, result.currency) == (2040, 0x00, 978)
    assert result.receipt_no == charge.receipt_no and result.trace_no == charge.trace_no
    assert result.terminal_id == "52500001"
    assert (result.card, result.card_type, result.masked_pan) == ("girocard", 5, "************4771")
    assert result.message == "Zahlung erfolgt. Vielen Dank!"
    assert result.messages["nl"] == "Betaling geslaagd. Dank u wel!"
    assert result.prompts == (0x0A, 0x01, 0x04)
    assert [r.kind for r in result.receipts] == ["merchant", "customer"]
    customer = "\n".join(result.receipts[1].lines)
    assert "Kundenbeleg" in customer and "20,40" in customer and "Zahlung erfolgt" in customer
    assert f"Beleg-Nr. {charge.receipt_no:04d}" in customer
    assert len(result.receipt_lines) == sum(len(r.lines) for r in result.receipts)
    shown = prompts(lane)
    assert [p.code for p in shown] == [0x0A, 0x01, 0x04]
    assert shown[0].text("de") == "Bitte Karte einstecken oder auflegen"
    assert shown[0].text("en") == "Please insert or tap your card"
    assert shown[0].text("nl").startswith("Steek uw kaart in")
    assert len(sim.charges()) == 1


@pytest.mark.parametrize("code,message", [
    ("05", "Zahlung abgelehnt. Bitte versuchen Sie eine andere Karte."),
    ("33", "Zahlung von Ihrer Bank abgelehnt. Bitte versuchen Sie eine andere Karte."),
    ("78", "Die Karte ist abgelaufen."),
])
def test_a_declined_payment_says_why_and_charges_nothing(terminal, code, message):
    terminal.simulator.command(f"decline {code}")
    result = terminal.authorise(1000)
    assert result.outcome == "declined" and result.result_code == int(code, 16)
    assert result.message == message
    assert any("Zahlung nicht erfolgt" in line for line in result.receipt_lines)
    assert terminal.simulator.charges() == []
    assert terminal.authorise(1000).outcome == "approved"      # the next card goes through


def test_a_wrong_pin_then_the_right_one(terminal, lane):
    terminal.simulator.command("wrong-pin")
    result = terminal.authorise(750)
    assert result.outcome == "approved"
    assert result.prompts == (0x0A, 0x01, 0x15, 0x01, 0x04)
    wrong = [p for p in prompts(lane) if p.code == 0x15][0]
    assert wrong.text("en") == "Incorrect PIN – please try again"
    assert len(terminal.simulator.charges()) == 1


def test_the_shopper_presses_stop_on_the_terminal(terminal):
    terminal.simulator.command("abort")
    result = terminal.authorise(750)
    assert result.outcome == "aborted" and result.result_code == 0x6C
    assert result.messages == {"de": "Zahlung abgebrochen.", "en": "Payment cancelled.", "nl": "Betaling geannuleerd."}
    assert result.receipt_lines == () and terminal.simulator.charges() == []


def test_a_busy_terminal_refuses_and_the_next_try_works(terminal):
    terminal.simulator.command("busy")
    result = terminal.authorise(300)
    assert result.outcome == "failed" and result.result_code == 0x9C
    assert "beschäftigt" in result.message
    assert terminal.authorise(300).outcome == "approved"
    assert len(terminal.simulator.charges()) == 1


@pytest.mark.parametrize("url", TRANSPORTS)
@pytest.mark.parametrize("kind", ["timeout", "timeout t3"])
def test_a_silent_terminal_is_a_bounded_wait_and_an_unknown_outcome(url, kind):
    with open_device("payment", url, t3=0.3, t4=0.3) as dev:
        dev.simulator.command(kind)
        result = dev.authorise(300)
        assert result.outcome == "timeout" and result.outcome_unknown
        assert result.message.startswith("Das Kartenterminal antwortet nicht")
        status = dev.status_enquiry()                       # it answers again; nothing was charged
        assert status.ready and dev.simulator.charges() == []
        if kind == "timeout":
            assert status.last.outcome == "aborted" and status.last.amount_cents == 300


@pytest.mark.parametrize("url", TRANSPORTS)
def test_the_lane_cancels_while_the_terminal_waits_for_the_card(url, lane):
    with open_device("payment", url, lane, sim_delay=0.5) as dev:
        answer = {}
        worker = threading.Thread(target=lambda: answer.setdefault("r", dev.authorise(4200)))
        worker.start()
        lane.wait_event(lambda e: isinstance(e, Prompt) and e.code == 0x0A, what="the card prompt")
        assert dev.abort()
        worker.join(10)
        result = answer["r"]
        assert result.outcome == "aborted" and result.result_code == 0x6C
        assert dev.simulator.charges() == []
        dev.simulator.command("delay 0")
        assert dev.authorise(4200).outcome == "approved"


@pytest.mark.parametrize("url", TRANSPORTS)
def test_a_cancel_comes_too_late_once_the_bank_is_asked(url, lane):
    with open_device("payment", url, lane, sim_delay=0.3) as dev:
        answer = {}
        worker = threading.Thread(target=lambda: answer.setdefault("r", dev.authorise(4200)))
        worker.start()
        lane.wait_event(lambda e: isinstance(e, Prompt) and e.code == 0x04, what="waiting for the bank")
        assert dev.abort()                                   # the request reached the terminal ...
        worker.join(10)
        assert answer["r"].outcome == "approved"             # ... which said no: the payment went through
        assert any("too late" in what for _, what in dev.simulator.history)
        assert len(dev.simulator.charges()) == 1


def test_the_status_information_is_handed_over_before_it_is_acknowledged(terminal):
    seen = []
    result = terminal.authorise(880, on_status=lambda r: seen.append((r.receipt_no, r.outcome, r.receipt_lines)))
    assert seen == [(result.receipt_no, "approved", ())]


def test_the_lanes_printer_has_no_paper_so_the_terminal_keeps_the_receipt(terminal):
    terminal.printer_ready = lambda: False
    result = terminal.authorise(1234)
    assert result.outcome == "approved" and result.receipt_lines == ()
    assert any("keeps the receipt" in what for _, what in terminal.simulator.history)


def test_receipts_come_as_print_lines_when_text_blocks_are_not_asked_for():
    with open_device("payment", "sim:serial", textblock=False) as dev:
        result = dev.authorise(2040)
        assert [r.kind for r in result.receipts] == ["", ""]      # print lines carry no receipt type
        assert result.receipts[0].lines[0] == "Haendlerbeleg" and result.receipts[1].lines[0] == "Kundenbeleg"
        assert any("Print Line" in what for _, what in dev.simulator.history) or result.receipt_lines


def test_an_unknown_field_in_the_status_information_does_not_lose_the_payment(terminal):
    terminal.simulator.command("garbage-status")
    result = terminal.authorise(990)
    assert result.outcome == "approved" and result.receipt_no == terminal.simulator.charges()[-1].receipt_no
    assert "unknown BMP 9F" in result.technical


def test_reversal_by_receipt_number(terminal):
    sim = terminal.simulator
    paid = terminal.authorise(1500)
    reversed_ = terminal.reverse(paid.receipt_no)
    assert reversed_.outcome == "approved" and reversed_.amount_cents == 1500
    assert reversed_.receipt_no != paid.receipt_no
    assert any("Storno" in line for line in reversed_.receipt_lines)
    assert sim.charges() == []
    again = terminal.reverse(paid.receipt_no)
    assert again.outcome == "failed" and again.result_code == 0xB4       # already reversed
    unknown = terminal.reverse(9999)
    assert unknown.outcome == "failed" and unknown.result_code == 0xB5


def test_refund(terminal):
    result = terminal.refund(499)
    assert result.outcome == "approved" and result.amount_cents == 499
    assert terminal.simulator.transactions[-1].kind == "refund"
    assert any("Gutschrift" in line for line in result.receipt_lines)


def test_end_of_day_totals_and_closes_the_batch():
    with open_device("payment", "sim:tcp", config="0xBE") as dev:
        first = dev.authorise(1000)
        dev.authorise(250)
        dev.refund(50)
        eod = dev.end_of_day()
        assert eod.outcome == "approved" and eod.amount_cents == 1200
        assert any("Kassenschnitt" in line for line in eod.receipt_lines)
        assert dev.simulator.journal() == []
        late = dev.reverse(first.receipt_no)                 # yesterday's batch cannot be reversed any more
        assert late.outcome == "failed" and late.result_code == 0xB5


def test_diagnosis_and_log_off(terminal):
    sim = terminal.simulator
    assert terminal.diagnosis().outcome == "approved"
    assert sim.config == 0xBA
    terminal.log_off()
    assert sim.config == 0x86 and not sim.textblock
    assert terminal.authorise(100).outcome == "approved"     # registered again on its own
    assert sim.config == 0xBA and sim.textblock


def test_repeat_receipt_of_a_fresh_terminal_has_nothing_to_repeat(terminal):
    result = terminal.repeat_receipt()
    assert result.outcome == "failed" and result.result_code == 0x83
    assert result.receipt_no is None and result.receipt_lines == ()


def test_repeat_receipt_brings_the_last_receipt_again(terminal):
    paid = terminal.authorise(2222)
    again = terminal.repeat_receipt()
    assert again.command == "repeat_receipt" and again.outcome == "approved"
    assert (again.receipt_no, again.amount_cents, again.trace_no) == (paid.receipt_no, 2222, paid.trace_no)
    assert again.receipt_lines == paid.receipt_lines
    assert len(terminal.simulator.charges()) == 1


def test_status_enquiry(terminal, lane):
    status = terminal.status_enquiry()
    assert status.ready and status.software == "KIOSK-ZVT-SIM 1.0" and status.terminal_id == "52500001"
    assert status.last is None
    terminal.simulator.command("status DF")
    status = terminal.status_enquiry()
    assert not status.ready and status.text == "out of order"
    assert terminal.status == ev.ERROR and not terminal.health().ok


def test_a_wrong_password_is_refused_at_open_and_says_what_to_check():
    with pytest.raises(TerminalRefused) as info:
        open_device("payment", "sim:", sim_password="111111", password="000000")
    assert "password" in str(info.value) and info.value.result_code == 0x83


def test_a_wrong_currency_is_refused():
    with pytest.raises(TerminalRefused) as info:
        open_device("payment", "sim:", currency=840)
    assert info.value.result_code == 0x6F and "wrong currency" in str(info.value)


@pytest.mark.parametrize("url,error,words", [
    ("zvt+tcp://:20007", BadDeviceURL, "no host"),
    ("zvt+tcp://127.0.0.1?password=12", BadPaymentOption, "6-digit password"),
    ("zvt+tcp://127.0.0.1?config=0x1FF", BadPaymentOption, "not a byte"),
    ("zvt+tcp://127.0.0.1?colour=red", BadPaymentOption, "unknown parameter"),
    ("zvt+tcp://127.0.0.1?lang=fr", BadPaymentOption, "de, en, nl"),
    ("zvt+serial:///dev/ttyUSB9?baud=1234", BadPaymentOption, "9600"),
    ("zvt+serial://", BadDeviceURL, "no device path"),
    ("zvt+usb://1234:5678", BadDeviceURL, "no payment driver"),
])
def test_bad_urls_say_what_is_wrong(url, error, words):
    with pytest.raises(error) as info:
        open_device("payment", url)
    assert words in str(info.value)


def test_a_missing_terminal_says_what_to_check(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(TerminalNotFound) as info:
        open_device("payment", f"zvt+tcp://127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in str(info.value) and "switched on" in str(info.value)
    with pytest.raises(TerminalNotFound) as info:
        open_device("payment", f"zvt+serial://{tmp_path}/usb-ZVT-if00")
    assert "dialout" in str(info.value)


def test_the_message_language_follows_the_url():
    with open_device("payment", "sim:?lang=nl") as dev:
        dev.simulator.command("decline 05")
        assert dev.authorise(100).message == "Betaling geweigerd. Probeer een andere kaart."


def test_the_standalone_terminal_takes_commands_and_serves_a_client():
    sim = start_simulator("payment", "tcp", delay=0)
    try:
        assert sim.address.startswith("127.0.0.1:")
        assert sim.command("decline 51") == "ok"
        dev = ZvtTerminal(f"zvt+tcp://{sim.address}").open()
        try:
            assert dev.authorise(100).result_code == 0x51
            assert dev.authorise(100).outcome == "approved"
        finally:
            dev.close()
        journal = sim.command("journal")
        assert "rc 51" in journal and "approved" in journal
        assert sim.command("charges") == "1 charge(s) standing"
        with pytest.raises(ValueError) as info:
            sim.command("explode")
        assert "drop-after STEP" in str(info.value)
        with pytest.raises(ValueError):
            sim.command("drop-after nowhere")
    finally:
        sim.stop()


def test_every_prompt_and_result_code_has_words_for_the_shopper():
    for code in rs.PROMPT_CODES:
        texts = rs.prompt(code)
        assert set(texts) == {"de", "en", "nl"} and all(texts.values())
    assert rs.prompt(0x58)["de"] == "PIN zu oft falsch eingegeben – bitte Karte entnehmen"
    assert rs.prompt(0x4B)["en"] == "Please remove your card"
    assert rs.prompt(0xFF, "Bitte Tankstelle wählen")["nl"] == "Bitte Tankstelle wählen"
    for code in range(256):
        meaning = rs.result(code)
        assert meaning.outcome in rs.OUTCOMES and all(meaning.shopper[lang] for lang in rs.LANGUAGES)
    assert [rs.result(c).outcome for c in (0x00, 0x05, 0x63, 0x6C, 0x78, 0x9A, 0xCC)] == [
        "approved", "declined", "declined", "aborted", "declined", "failed", "failed"]


def test_health_tells_the_terminal_id(terminal):
    h = terminal.health()
    assert h.ok and h.info["terminal_id"] == "52500001"
    wait_for(lambda: terminal.connected)
