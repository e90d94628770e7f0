"""The serial barcode scanner driver against its simulator, over a real pty (or pyserial's loop:// and socket://).

Each test is a story at the lane: the scanner reads something, the lane gets a ScanData, an ErrorEvent or a status.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import pytest

from hal import events as ev
from hal.errors import BadDeviceURL, DeviceNotFound
from hal.registry import open_device, start_simulator
from hal.scanner.errors import BadScannerURL, ScannerNotFound
from hal.scanner.serial import SerialScanner
from hal.scanner.sim_serial import SerialScannerSim
from halkit import WAIT_S


@pytest.fixture
def scanner(lane):
    device = open_device("scanner", "sim:serial", lane)
    yield device
    device.close()


def test_a_scan_reaches_the_lane_with_its_symbology_and_the_time_it_was_read(scanner, lane):
    before = time.monotonic()
    scanner.simulator.scan("4006381333931", aim="]E0")
    lane.wait_scans(1)
    scan = lane.scans()[0]
    assert (scan.data, scan.aim, scan.source) == ("4006381333931", "]E0", "serial")
    assert before <= scan.t <= time.monotonic()
    assert lane.statuses() == [ev.ONLINE]


@pytest.mark.parametrize("suffix", ["cr", "lf", "crlf"])
def test_each_line_ending_ends_exactly_one_code(scanner, lane, suffix):
    sim = scanner.simulator
    sim.command(f"suffix {suffix}")
    for code in ("4006381333931", "96385074", "0036000241457"):
        sim.scan(code)
    assert lane.wait_scans(3) == ["4006381333931", "96385074", "0036000241457"]
    sim.scan("4006381333931")
    assert lane.wait_scans(4)[-1] == "4006381333931"
    assert lane.errors() == []


def test_a_crlf_split_across_two_reads_is_still_one_code(scanner, lane):
    sim = scanner.simulator
    sim.write_raw(b"4006381333931\r")
    lane.wait_scans(1)                  # the CR has been read; the LF now arrives in a read of its own
    sim.write_raw(b"\n")
    sim.write_raw(b"96385074\r")
    sim.write_raw(b"\n")
    assert lane.wait_scans(2) == ["4006381333931", "96385074"]
    sim.scan("12345670")
    assert lane.wait_scans(3) == ["4006381333931", "96385074", "12345670"]
    assert lane.errors() == []


def test_a_scanner_without_suffix_is_read_by_its_pauses(scanner, lane):
    sim = scanner.simulator
    sim.command("suffix none")
    sim.scan("4006381333931")
    assert lane.wait_scans(1) == ["4006381333931"]
    sim.scan("96385074")
    assert lane.wait_scans(2) == ["4006381333931", "96385074"]
    assert lane.errors() == []


def test_when_a_suffix_is_configured_a_read_without_it_is_reported_as_cut_off(lane):
    with open_device("scanner", "sim:serial?suffix=cr", lane) as scanner:
        scanner.simulator.command("truncated 4006381333931")
        assert "cut off" in lane.wait_errors(1)[0]
        scanner.simulator.scan("4006381333931")
        assert lane.wait_scans(1) == ["4006381333931"]


def test_a_slow_scanner_still_gives_one_code(scanner, lane):
    scanner.simulator.command("slow 4006381333931")
    assert lane.wait_scans(1) == ["4006381333931"]
    scanner.simulator.scan("96385074")
    assert lane.wait_scans(2) == ["4006381333931", "96385074"]
    assert lane.errors() == []


def test_gs1_element_strings_keep_their_gs_separator(scanner, lane):
    scanner.simulator.scan("0104006381333931\x1d10ABC123\x1d3103001250", aim="]C1")
    scanner.simulator.command("scan-aim ]d2 0104006381333931<GS>21XYZ")
    lane.wait_scans(2)
    first, second = lane.scans()
    assert (first.aim, first.data) == ("]C1", "0104006381333931\x1d10ABC123\x1d3103001250")
    assert (second.aim, second.data) == ("]d2", "0104006381333931\x1d21XYZ")


def test_aim_ids_can_be_left_in_the_data(lane):
    with open_device("scanner", "sim:serial?aim=off", lane) as scanner:
        scanner.simulator.scan("4006381333931", aim="]E0")
        assert lane.wait_scans(1) == ["]E04006381333931"]
        assert lane.scans()[0].aim is None


def test_a_configured_prefix_is_stripped_and_a_read_without_it_is_reported(lane):
    with open_device("scanner", "sim:serial?prefix=%24S", lane) as scanner:
        scanner.simulator.scan("4006381333931", aim="]E0")
        lane.wait_scans(1)
        assert (lane.scans()[0].data, lane.scans()[0].aim) == ("4006381333931", "]E0")
        scanner.simulator.write_raw(b"96385074\r")
        assert "prefix" in lane.wait_errors(1)[0]


def test_garbage_is_reported_and_the_scanner_keeps_reading(scanner, lane):
    sim = scanner.simulator
    sim.command("garbage")                      # control bytes and bytes that are not UTF-8
    sim.write_raw(b"40063\x0781333931\r")       # a bell in the middle of a code
    sim.write_raw(b"\xc3\x28\r")                # invalid UTF-8
    messages = lane.wait_errors(3)
    assert "not valid text" in messages[0]
    assert "control characters 0x07" in messages[1]
    assert "not valid text" in messages[2]
    sim.scan("4006381333931")
    assert lane.wait_scans(1) == ["4006381333931"]
    assert all(e.family == "scanner" and e.device == scanner.name for e in lane.errors())


def test_text_beyond_ascii_is_data_not_garbage(scanner, lane):
    scanner.simulator.scan("https://example.com/01/04006381333931?name=Käse", aim="]Q1")
    assert lane.wait_scans(1) == ["https://example.com/01/04006381333931?name=Käse"]


def test_an_endless_line_is_reported_once_and_reading_goes_on(lane):
    with open_device("scanner", "sim:serial?max_len=64", lane) as scanner:
        sim = scanner.simulator
        for _ in range(10):
            sim.write_raw(b"9" * 50)            # 500 bytes and no end, in pieces
        sim.write_raw(b"\r")
        sim.scan("4006381333931")
        assert lane.wait_scans(1) == ["4006381333931"]
        assert len(lane.errors()) == 1
        assert "longer than 64" in lane.errors()[0].message


def test_unplug_is_reported_once_and_the_scanner_comes_back_on_replug(scanner, lane):
    sim = scanner.simulator
    sim.command("unplug")
    assert lane.wait(lambda: ev.OFFLINE in lane.statuses())
    assert not os.path.exists(sim.address)
    sim.scan("4006381333931")                   # scanned while unplugged: lost, as with a real cable
    sim.command("replug")
    assert lane.wait(lambda: lane.statuses()[-1] == ev.ONLINE)
    sim.scan("96385074")
    assert lane.wait_scans(1) == ["96385074"]
    assert lane.statuses() == [ev.ONLINE, ev.OFFLINE, ev.ONLINE]
    assert scanner.health().ok and scanner.health().info["reconnects"] == 1


def test_a_short_blip_is_not_reported(scanner, lane):
    sim = scanner.simulator
    sim.link.unplug()
    sim.link.replug()                           # re-enumerated at once: a new pty behind the same name
    assert lane.wait(lambda: scanner.health().info["reconnects"] == 1)
    sim.scan("4006381333931")
    assert lane.wait_scans(1) == ["4006381333931"]
    assert lane.statuses() == [ev.ONLINE]


def test_a_half_read_cut_by_an_unplug_is_reported(scanner, lane):
    sim = scanner.simulator
    sim.write_raw(b"400638")
    sim.command("unplug")
    assert "went away" in lane.wait_errors(1)[0]
    sim.command("replug")
    assert lane.wait(lambda: scanner.health().info["reconnects"] == 1)
    sim.scan("4006381333931")
    assert lane.wait_scans(1) == ["4006381333931"]


def test_a_scanner_that_is_not_plugged_in_says_what_to_do(lane, tmp_path):
    with pytest.raises(ScannerNotFound) as info:
        open_device("scanner", f"serial://{tmp_path}/usb-Datalogic_Scanner-if00", lane)
    assert isinstance(info.value, DeviceNotFound) and isinstance(info.value, FileNotFoundError)
    assert "plug in the scanner" in str(info.value) and "/dev/serial/by-id" in str(info.value)


def test_the_simulator_gone_before_open_is_not_found_either(lane):
    sim = SerialScannerSim()
    path = sim.start()
    sim.command("unplug")
    try:
        with pytest.raises(ScannerNotFound):
            SerialScanner(f"serial://{path}", lane).open()
    finally:
        sim.stop()


@pytest.mark.parametrize("url", ["serial:///dev/ttyACM0?suffix=tab", "serial:///dev/ttyACM0?sufix=cr",
                                 "serial:///dev/ttyACM0?timeout_ms=0", "serial:///dev/ttyACM0?encoding=klingon",
                                 "serial:"])
def test_bad_urls_are_refused_before_anything_opens(lane, url):
    with pytest.raises(BadDeviceURL):
        open_device("scanner", url, lane)


def test_bad_url_errors_belong_to_the_scanner_family(lane):
    with pytest.raises(BadScannerURL, match="suffix"):
        SerialScanner("serial:///dev/ttyACM0?suffix=tab", lane)


def test_a_loop_port_shared_by_simulator_and_driver(lane):
    with open_device("scanner", "sim:loop?timeout_ms=40", lane) as scanner:
        sim = scanner.simulator
        assert sim.via == "loop" and scanner.url.path == "loop://"
        sim.scan("4006381333931", aim="]E0")
        sim.command("suffix none")
        sim.command("scan 96385074")
        assert lane.wait_scans(2) == ["4006381333931", "96385074"]
        with pytest.raises(ValueError, match="cannot be unplugged"):
            sim.command("unplug")
    assert not sim.port.is_open


def test_any_pyserial_url_works_here_a_tcp_socket(lane):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    driver_open = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            driver_open.wait(WAIT_S)            # pyserial discards what arrived while it was opening
            conn.sendall(b"]E04006381333931\r\n")
            conn.recv(1)                        # hold the line open until the test closes the driver

    threading.Thread(target=serve, daemon=True).start()
    try:
        with open_device("scanner", f"serial:socket://127.0.0.1:{port}", lane):
            driver_open.set()
            assert lane.wait_scans(1) == ["4006381333931"]
            assert lane.scans()[0].aim == "]E0"
    finally:
        server.close()


def test_a_disabled_scanner_reads_but_tells_the_lane_nothing(scanner, lane, caplog):
    sim = scanner.simulator
    scanner.enable(False)
    with caplog.at_level(logging.WARNING, logger="hal.scanner"):
        sim.scan("4006381333931")
        sim.command("garbage")
        # The garbage is logged even while disabled: by then the scan before it has been read and dropped.
        assert lane.wait(lambda: any("not valid text" in r.getMessage() for r in caplog.records))
    scanner.enable(True)
    sim.scan("96385074")
    assert lane.wait_scans(1) == ["96385074"]
    assert lane.errors() == []


def test_the_standalone_simulator_is_a_scanner_on_a_by_id_style_path(lane):
    sim = start_simulator("scanner", "serial")
    try:
        assert os.path.islink(sim.address) and sim.address.endswith("-if00")
        with SerialScanner(f"serial://{sim.address}?suffix=crlf", lane):
            assert sim.command("suffix crlf") == "suffix is now crlf"
            assert "scanned" in sim.command("scan-aim ]E0 4006381333931")
            assert lane.wait_scans(1) == ["4006381333931"]
        with pytest.raises(ValueError, match="unknown command"):
            sim.command("explode")
        with pytest.raises(ValueError, match="use one of"):
            sim.command("suffix tab")
        assert "scan-aim" in sim.help()
        assert any("scan" in what for _, what in sim.history)
    finally:
        sim.stop()
    assert not os.path.exists(sim.address)


def test_closing_twice_is_harmless_and_stops_the_simulator(lane):
    scanner = open_device("scanner", "sim:", lane)
    sim = scanner.simulator
    scanner.close()
    scanner.close()
    assert not sim.running and not os.path.exists(sim.address)
    assert not scanner.is_open and scanner.status == "closed"
