"""The printer's wires: every status the simulated printer can be in reaches the driver over TCP and over a serial
pty; the driver gets the printer back after the network printer restarts or the USB-serial cable is pulled and put
back; a missing printer, library or bad URL says what to do; the standalone simulator answers its commands."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from hal import events as ev
from hal.errors import BadDeviceURL, DeviceNotFound, HalError, MissingLibrary
from hal.printer.base import PrinterStatus
from hal.printer.driver import SerialPrinter, TcpPrinter
from hal.printer.errors import BadPrinterOption, PrinterNotFound
from hal.printer.receipt import render
from hal.printer.sim import PrinterSim, TcpPrinterSim
from hal.registry import open_device, start_simulator
from halkit import wait_for

TRANSPORTS = ["sim:tcp", "sim:serial"]


def small_receipt(text: str) -> bytes:
    return render("TM-T88V", lambda r: r.line(text).cut())


@pytest.mark.parametrize("url", TRANSPORTS)
def test_every_printer_state_reaches_the_driver(url):
    dev = open_device("printer", url, watch=0, timeout=0.3)
    sim = dev.simulator
    cases = [
        (lambda: None, PrinterStatus(True, "ok", False, None), ev.PAPER_OK),
        (lambda: sim.set_paper("near_end"), PrinterStatus(True, "near_end", False, None), ev.PAPER_NEAR_EMPTY),
        (lambda: sim.set_paper("out"), PrinterStatus(False, "out", False, None), ev.PAPER_EMPTY),
        (lambda: sim.set_paper("ok") or sim.set_cover(True), PrinterStatus(False, "ok", True, None), ev.COVER_OPEN),
        (lambda: sim.set_cover(False) or sim.set_cutter_error(True), PrinterStatus(False, "ok", False, "cutter"),
         ev.ERROR),
        (lambda: sim.set_cutter_error(False) or sim.set_offline(True), PrinterStatus(False, "ok", False, None),
         ev.OFFLINE),
        (lambda: sim.set_offline(False) or sim.set_garbage_status(True), PrinterStatus(None, "unknown"),
         ev.OFFLINE),
        (lambda: sim.set_garbage_status(False) or sim.set_silent(True), PrinterStatus(None, "unknown"), ev.OFFLINE),
        (lambda: sim.set_silent(False), PrinterStatus(True, "ok", False, None), ev.PAPER_OK),
    ]
    try:
        for change, expected, word in cases:
            change()
            assert dev.status() == expected
            assert dev.status == word
    finally:
        dev.close()
    assert dev.status == "closed" and not sim.running


def test_the_cutter_error_is_recovered_on_request():
    with open_device("printer", "sim:", watch=0) as dev:
        dev.simulator.command("cutter error")
        assert dev.print_job("r1", small_receipt("x")).outcome == "failed"
        assert dev.recover().ready
        assert dev.print_job("r1", small_receipt("x")).outcome == "printed"


def test_the_network_printer_restarts_and_the_driver_reconnects(lane):
    with open_device("printer", "sim:tcp", lane, watch=0.05) as dev:
        sim = dev.simulator
        port = sim.port
        sim.unplug()
        assert wait_for(lambda: dev.status == ev.OFFLINE)
        result = dev.print_job("r1", small_receipt("während der Pause"))
        assert result.outcome == "offline" and not result.ok
        sim.replug()
        assert sim.port == port
        assert wait_for(lambda: dev.health().ok)
        assert dev.print_job("r1", small_receipt("danach")).outcome == "printed"
        assert [t.strip() for t in sim.receipts()] == ["danach"]
        assert dev._reconnector.reconnects >= 1


def test_the_serial_cable_is_pulled_and_put_back():
    with open_device("printer", "sim:serial", watch=0.05) as dev:
        sim = dev.simulator
        assert os.path.islink(sim.path)
        sim.unplug()
        assert wait_for(lambda: not dev.health().info["connected"])
        assert dev.status().online is None
        assert dev.print_job("r1", small_receipt("x")).outcome == "offline"
        sim.replug()
        assert wait_for(lambda: dev.health().ok)
        assert dev.print_job("r1", small_receipt("wieder da")).outcome == "printed"
        assert [t.strip() for t in sim.receipts()] == ["wieder da"]


def lines_receipt(n: int = 40) -> bytes:
    return render("TM-T88V", lambda r: ([r.line(f"Zeile {i}") for i in range(n)], r.cut()))


def break_mid_job(dev, how):
    sim = dev.simulator
    breaker = threading.Thread(target=lambda: wait_for(lambda: sim.device.lines_printed >= 3, step=0.005) and how())
    breaker.start()
    result = dev.print_job("r2", lines_receipt())
    breaker.join()
    return result


def test_a_printer_restarted_mid_job_prints_the_receipt_again_completely_once():
    with open_device("printer", "sim:tcp?sim_slow=0.02&poll=0.02", watch=0) as dev:
        sim = dev.simulator
        result = break_mid_job(dev, sim.restart)
        assert result.outcome == "offline" and "again" in result.message
        assert dev.job_state("r2") == "uncertain"
        sim.set_slow(0)
        assert wait_for(lambda: dev.health().info["connected"])
        again = dev.print_job("r2", lines_receipt())
        assert again.outcome == "printed" and "may have printed too" in again.message
        texts = sim.receipts()
        assert len(texts) == 2 and texts[1].count("Zeile") == 40            # one complete copy...
        assert "Zeile 39" not in texts[0] and texts[0].startswith("Zeile 0")  # ...and the cut-off head


def test_a_cable_pulled_mid_job_is_reported_honestly_as_unknown():
    # The printer had received the whole job and goes on printing it while the network is down: whether it
    # finished cannot be known, so the retry says it may be a second copy (the lane can mark it as one).
    with open_device("printer", "sim:tcp?sim_slow=0.02&poll=0.02", watch=0) as dev:
        sim = dev.simulator
        result = break_mid_job(dev, sim.unplug)
        assert result.outcome == "offline" and dev.job_state("r2") == "uncertain"
        sim.set_slow(0)
        sim.replug()
        assert wait_for(lambda: dev.health().info["connected"])
        again = dev.print_job("r2", lines_receipt())
        assert again.outcome == "printed" and "may have printed too" in again.message
        assert dev.print_job("r2", lines_receipt()).outcome == "already_printed"


def test_status_is_answered_at_once_in_the_middle_of_a_slow_job():
    with PrinterSim(transport="tcp") as sim:
        sim.set_slow(0.02)
        host, port = sim.address.split(":")
        job = b"\x1b@" + b"".join(b"Zeile %d\n" % i for i in range(50)) + b"\x1dV\x00\x1d(H\x06\x0000" + b"0001"
        with socket.create_connection((host, int(port)), timeout=5) as wire:
            wire.sendall(job)
            assert wait_for(lambda: sim.device.lines_printed >= 2)
            wire.sendall(b"\x10\x04\x04")
            assert wire.recv(16) == b"\x12"                   # the status came back...
            assert sim.receipts() == [] and sim.device.process_ids == []     # ...while the job was still printing
            sim.set_slow(0)
            wire.settimeout(5)
            assert wire.recv(16) == b"\x37\x22" + b"0001" + b"\x00"          # and the process ID once it was done
        assert sim.receipts()[0].count("Zeile") == 50


def test_garbage_sent_through_the_driver_does_not_upset_the_printer():
    with open_device("printer", "sim:serial?job_timeout=0.5", watch=0) as dev:
        sim = dev.simulator
        junk = bytes(range(256)) * 4 + b"\x1d(k\x05\x00\x31\x50"   # ends inside a truncated QR store...
        result = dev.print_job("junk", junk)
        assert result.outcome == "failed"                               # ...which swallows the process-ID request
        assert sim.device.unknown > 0 and sim.device.clears == 1        # so the driver cleared the printer
        assert dev.print_job("real", small_receipt("danach wieder normal")).outcome == "printed"
        assert sim.receipts()[-1].splitlines()[-1] == "danach wieder normal"


# ------------------------------------------------------------------------------------------- errors and URLs

def test_a_usb_printer_that_is_not_there_says_what_to_do():
    with pytest.raises((MissingLibrary, DeviceNotFound)) as info:
        open_device("printer", "escpos+usb://04b8:0202")
    text = str(info.value)
    # Which message depends on the machine: pyusb or libusb missing, or (with both) no such device on the bus.
    assert ("pip install pyusb" in text) or ("apt install libusb-1.0-0" in text) \
        or ("plug it in" in text and "04b8:0202" in text)


def test_nothing_listening_or_no_device_file():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                            # a port nobody listens on
    with pytest.raises(PrinterNotFound, match="self-test page"):
        open_device("printer", f"escpos+tcp://127.0.0.1:{port}?timeout=0.2")
    with pytest.raises(PrinterNotFound, match="by-id"):
        open_device("printer", "escpos+serial:///dev/serial/by-id/usb-no-such-printer-if00")


@pytest.mark.parametrize("url, word", [
    ("escpos+usb://epson", "hex"),
    ("escpos+tcp://", "no host"),
    ("escpos+tcp://127.0.0.1:9100?papr=58", "unknown printer option"),
    ("escpos+tcp://127.0.0.1:9100?confirm=maybe", "confirm"),
    ("escpos+serial://", "serial device"),
    ("escpos+serial:///dev/ttyUSB0?baud=fast", "not a number"),
    ("escpos+lpt:///dev/lp0", "no printer driver"),
    ("sim:bluetooth", "no printer simulator"),
])
def test_bad_urls_say_what_is_wrong(url, word):
    with pytest.raises(BadDeviceURL, match=word):
        open_device("printer", url)


def test_an_unknown_profile_is_named():
    with PrinterSim() as sim:
        with pytest.raises(BadPrinterOption, match="TM-T88V"):
            TcpPrinter(f"escpos+tcp://{sim.address}", profile="TM-NOPE").open()


def test_the_url_wins_over_keyword_options_and_the_driver_renders_for_its_paper():
    with PrinterSim(transport="serial", width_mm=58) as sim:
        with SerialPrinter(f"escpos+serial://{sim.path}?width_mm=58&baud=38400", width_mm=80, watch=0) as dev:
            assert (dev.width_mm, dev.baud, dev.transport) == (58, 38400, "serial")
            data = dev.render(lambda r: r.row("Milch", "1,19 €").cut())
            assert dev.print_job("r1", data).outcome == "printed"
        assert sim.receipt_objects()[0].plain() == ["Milch" + " " * 21 + "1,19 €"]


# ---------------------------------------------------------------------------------------------- standalone

def test_standalone_simulator_takes_9100_or_a_free_port_and_answers_commands():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    busy_port = taken.getsockname()[1]
    try:
        sim = TcpPrinterSim(port=busy_port)
        address = sim.start()
        try:
            assert address.startswith("127.0.0.1:") and sim.port != busy_port
            with TcpPrinter(f"escpos+tcp://{address}", watch=0) as dev:
                assert sim.command("paper-out-after 1") == "paper runs out after 1 more lines"
                assert dev.print_job("r1", small_receipt("eins\nzwei")).outcome == "paper_out"
                assert "paper=out" in sim.command("state")
                sim.command("refill")
                assert dev.print_job("r1", small_receipt("eins\nzwei")).outcome == "printed"
                assert sim.command("show").split() == ["eins", "zwei"]
                assert sim.command("current") == "(nothing since the last cut)"
            with pytest.raises(ValueError, match="unknown command"):
                sim.command("paper jam")
            assert "paper-out-after N" in sim.help()
        finally:
            sim.stop()
    finally:
        taken.close()


def test_standalone_serial_simulator_from_the_registry():
    sim = start_simulator("printer", "serial")
    try:
        assert os.path.exists(sim.address) and sim.address == sim.path
        assert sim.command("show") == "(no receipt printed yet)"
    finally:
        sim.stop()
    assert not os.path.exists(sim.address)
    with pytest.raises(HalError):
        start_simulator("printer", "parallel")
