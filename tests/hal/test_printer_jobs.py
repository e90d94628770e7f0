"""Receipts print exactly once: the real escpos drivers against the simulated printer, over TCP and a serial pty.

Stories of a lane: the shopper pays and the receipt prints; the roll runs out in the middle of it and, after the
attendant puts in a new roll, the receipt prints again completely - once; a retried print job is not printed twice,
not even after the kiosk restarts; an open cover, an offline or silent printer stop the job before it is sent.
"""

from __future__ import annotations

import socket
import threading

import pytest

from hal import events as ev
from hal.printer.driver import TcpPrinter
from hal.printer.emulator import EscPosDevice
from hal.printer.ledger import SENDING, JobLedger
from hal.printer.receipt import render
from hal.printer.sim import PrinterSim
from hal.registry import open_device
from halkit import wait_for

TRANSPORTS = ["sim:tcp", "sim:serial"]


def receipt(tag: str = "A", items: int = 12) -> bytes:
    def build(r):
        r.line("Bäckerei Müller", align="center", bold=True, size=(2, 2))
        for i in range(items):
            r.row(f"Artikel {tag}{i:02d}", f"{i},99 €")
        r.row("SUMME", "99,99 €", bold=True).qr(f"https://kiosk.example/r/{tag}").cut()
    return render("TM-T88V", build)


def alone(data: bytes) -> str:
    """The receipt's text as a printer with paper prints it."""
    dev = EscPosDevice()
    dev.feed(data)
    return dev.receipts[-1].text


def copies(sim: PrinterSim, data: bytes) -> int:
    return sim.receipts().count(alone(data))


@pytest.fixture(params=TRANSPORTS)
def lane_printer(request, lane):
    dev = open_device("printer", request.param, lane, watch=0, timeout=0.3)
    yield dev
    dev.close()


# -------------------------------------------------------------------------------------------------- printing

def test_a_receipt_prints_once_and_a_retry_is_not_printed_again(lane_printer):
    sim, data = lane_printer.simulator, receipt()
    first = lane_printer.print_job("txn-1", data)
    assert first.outcome == "printed" and first.ok and first.status.ready
    again = lane_printer.print_job("txn-1", data)
    assert again.outcome == "already_printed" and again.ok
    assert sim.receipts() == [alone(data)]
    assert "€" in sim.receipts()[0] and "Bäckerei Müller" in sim.receipts()[0]


def test_paper_runs_out_mid_receipt_and_after_the_refill_it_prints_completely_once(lane_printer):
    sim, data = lane_printer.simulator, receipt()
    sim.command("paper-out-after 5")
    cut_short = lane_printer.print_job("txn-2", data)
    assert cut_short.outcome == "paper_out" and not cut_short.ok
    assert cut_short.status.paper == "out" and "again" in cut_short.message
    assert sim.receipts() == [] and sim.current_text().count("Artikel") == 4

    # the attendant has not changed the roll yet: refused, and nothing is sent
    sent = sim.device.bytes_received
    still_out = lane_printer.print_job("txn-2", data)
    assert still_out.outcome == "paper_out"
    assert sim.device.bytes_received - sent == 4 * 3        # only the four status requests

    sim.command("refill")
    assert sim.current_text() == "" and sim.receipts() == []   # the rest of the first attempt was cleared
    assert sim.torn()[0].count("Artikel") == 4                 # ...and its head left with the old roll
    assert lane_printer.print_job("txn-2", data).outcome == "printed"
    assert lane_printer.print_job("txn-2", data).outcome == "already_printed"
    assert sim.receipts() == [alone(data)]


def test_a_retry_after_a_restart_is_not_printed_twice(tmp_path):
    with PrinterSim(transport="tcp") as sim:
        url = f"escpos+tcp://{sim.address}"
        for ledger in ("printer-jobs.json", "printer-jobs.sqlite"):
            path = str(tmp_path / ledger)
            data = receipt(ledger[-4:])
            with TcpPrinter(url, ledger_path=path, watch=0) as kiosk_before:
                assert kiosk_before.print_job("txn-3", data).outcome == "printed"
            with TcpPrinter(url, ledger_path=path, watch=0) as kiosk_after:     # the kiosk restarted
                assert kiosk_after.print_job("txn-3", data).outcome == "already_printed"
            assert copies(sim, data) == 1


def test_a_job_cut_off_by_a_crash_goes_out_again_completely_as_a_separate_piece(tmp_path):
    path = str(tmp_path / "jobs.sqlite")
    data = receipt("C")
    with PrinterSim(transport="tcp") as sim:
        # the crashed kiosk had marked the job and sent half of it
        ledger = JobLedger(path)
        ledger.mark("txn-4", SENDING)
        ledger.close()
        host, port = sim.address.split(":")
        with socket.create_connection((host, int(port))) as crashed:
            crashed.sendall(data[:len(data) // 2])
        assert wait_for(lambda: "Artikel C03" in sim.current_text())
        with TcpPrinter(f"escpos+tcp://{sim.address}", ledger_path=path, watch=0) as printer:
            assert printer.print_job("txn-4", data).outcome == "printed"
        texts = sim.receipts()
        assert texts[-1] == alone(data) and copies(sim, data) == 1
        assert len(texts) == 2 and "SUMME" not in texts[0]       # the half receipt was cut off on its own


def test_cover_open_before_the_job_refuses_and_mid_job_interrupts(lane_printer):
    sim, data = lane_printer.simulator, receipt("D", items=30)
    sim.command("cover open")
    sent = sim.device.bytes_received
    refused = lane_printer.print_job("txn-5", data)
    assert refused.outcome == "cover_open" and refused.status.cover_open
    assert sim.device.bytes_received - sent == 12
    sim.command("cover close")

    sim.set_slow(0.01)
    opener = threading.Thread(target=lambda: wait_for(lambda: sim.device.lines_printed >= 3, step=0.005)
                              and sim.set_cover(True))
    opener.start()
    interrupted = lane_printer.print_job("txn-5", data)
    opener.join()
    assert interrupted.outcome == "cover_open"
    sim.set_slow(0)
    sim.command("cover close")
    assert lane_printer.print_job("txn-5", data).outcome == "printed"
    texts = sim.receipts()
    assert texts[-1] == alone(data) and copies(sim, data) == 1
    assert len(texts) == 2 and "SUMME" not in texts[0]            # the interrupted part is its own piece


@pytest.mark.parametrize("fault, outcome", [("offline", "offline"), ("cutter error", "failed"),
                                            ("paper out", "paper_out")])
def test_a_printer_that_cannot_print_gets_nothing(lane_printer, fault, outcome):
    sim = lane_printer.simulator
    sim.command(fault)
    sent = sim.device.bytes_received
    result = lane_printer.print_job("txn-6", receipt())
    assert result.outcome == outcome and result.message
    assert sim.device.bytes_received - sent == 12 and sim.receipts() == [] and sim.current_text() == ""


def test_a_silent_printer_is_unknown_never_out(lane_printer):
    sim = lane_printer.simulator
    sim.command("silent")
    status = lane_printer.status()
    assert (status.online, status.paper) == (None, "unknown")
    assert lane_printer.status == ev.OFFLINE and not lane_printer.health().ok
    result = lane_printer.print_job("txn-7", receipt())
    assert result.outcome == "offline" and "does not answer" in result.message
    sim.command("silent off")
    assert lane_printer.print_job("txn-7", receipt()).outcome == "printed"
    assert len(sim.receipts()) == 1


def test_invalid_status_replies_are_unknown_and_noise_is_ignored(lane_printer):
    sim = lane_printer.simulator
    sim.command("garbage-status")
    status = lane_printer.status()
    assert status.online is None and status.paper == "unknown"
    sim.command("garbage-status off")
    sim.command("noise 40")
    assert wait_for(lambda: lane_printer.stats["invalid_bytes"] >= 40)
    assert lane_printer.status().ready
    assert lane_printer.print_job("txn-8", receipt()).outcome == "printed"


def test_a_slow_printer_is_waited_for_while_its_status_is_watched(lane_printer):
    sim, data = lane_printer.simulator, receipt("E", items=20)
    sim.command("slow 0.01")
    before = lane_printer.stats["status_queries"]
    assert lane_printer.print_job("txn-9", data).outcome == "printed"
    assert lane_printer.stats["status_queries"] - before > 4          # polled while it printed...
    assert lane_printer.stats["status_timeouts"] == 0                 # ...and every poll was answered at once
    assert sim.receipts() == [alone(data)]


def test_a_printer_without_process_ids_is_confirmed_by_status():
    dev = open_device("printer", "sim:tcp?sim_process_id=0&confirm=status&settle=0.2", watch=0)
    try:
        sim, data = dev.simulator, receipt("F")
        assert dev.print_job("txn-10", data).outcome == "printed"
        sim.command("paper-out-after 3")
        assert dev.print_job("txn-11", data).outcome == "paper_out"
        sim.command("refill")
        assert dev.print_job("txn-11", data).outcome == "printed"
        assert sim.receipts() == [alone(data), alone(data)] and sim.device.process_ids == []
    finally:
        dev.close()


def test_waiting_for_a_process_id_the_printer_never_sends_fails_with_advice():
    dev = open_device("printer", "sim:?sim_process_id=false&job_timeout=0.3", watch=0)
    try:
        result = dev.print_job("txn-12", receipt())
        assert result.outcome == "failed" and "confirm=status" in result.message
        assert dev.ledger.state("txn-12") == "uncertain"
    finally:
        dev.close()


def test_status_changes_reach_the_lane(lane_printer, lane):
    sim = lane_printer.simulator
    assert lane_printer.status == ev.PAPER_OK
    sim.command("paper near-end")
    assert lane_printer.status().paper == "near_end" and lane_printer.status().ready
    assert ev.PAPER_NEAR_EMPTY in lane.statuses()
    assert lane_printer.print_job("txn-13", receipt()).outcome == "printed"     # near end still prints
    health = lane_printer.health()
    assert health.ok and health.info["paper"] == "near_end" and health.info["connected"]


@pytest.mark.parametrize("options", ["asb=1", "watch=0.05"])
def test_paper_out_is_reported_without_asking(options, lane):
    dev = open_device("printer", f"sim:tcp?{options}", lane)
    try:
        dev.simulator.command("paper out")
        assert wait_for(lambda: ev.PAPER_EMPTY in lane.statuses())
        dev.simulator.command("paper ok")
        assert wait_for(lambda: lane.statuses()[-1] == ev.PAPER_OK)
    finally:
        dev.close()
