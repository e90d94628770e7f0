"""The technician's commands at a lane: ``kiosk doctor``, ``kiosk sim FAMILY`` and ``kiosk calibrate scale``.

Each runs as the technician runs it, as a separate process, against simulators on real wires (a pty, TCP on
127.0.0.1) or against devices that are not there.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hal import events as hev
from hal.registry import open_device

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")


def kiosk(*args, stdin=subprocess.DEVNULL, timeout=90):
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=ENV, stdin=stdin, timeout=timeout)


def lane_config(tmp_path: Path, devices: dict[str, str] | None = None) -> Path:
    text = (ROOT / "config" / "lane.toml").read_text(encoding="utf-8")
    text = text.replace('data_dir = "../var/demo"', f'data_dir = "{tmp_path / "data"}"')
    text = text.replace('seed = "catalog.csv"', f'seed = "{ROOT / "config" / "catalog.csv"}"')
    if devices is not None:
        start = text.index("[devices]")
        end = text.index("[rules]")
        text = text[:start] + "[devices]\n" + "".join(f'{k} = "{v}"\n' for k, v in devices.items()) + "\n" \
            + text[end:]
    path = tmp_path / "lane.toml"
    path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ------------------------------------------------------------------------------------------------------ doctor

@pytest.mark.slow
def test_doctor_passes_on_the_demo_lane_and_prints_a_test_receipt(tmp_path):
    r = kiosk("doctor", "--config", str(lane_config(tmp_path)), "--json", "--print-test")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is True
    by = {d["family"]: d for d in report["devices"]}
    assert set(by) == {"scanner", "scale", "produce", "printer", "camera", "light", "payment"}
    assert by["scanner"]["details"]["data"] == "4006381333931"
    assert by["printer"]["details"]["test_print"] == "printed"
    assert by["scale"]["details"]["calibrated"] is True and by["produce"]["ok"] is True
    assert by["payment"]["details"]["status"] == 0 and by["payment"]["details"]["terminal_id"]
    assert report["assist"]["ok"] is True and report["assist"]["family"] == "assist"


@pytest.mark.slow
def test_doctor_names_each_missing_device_and_what_to_do(tmp_path):
    config = lane_config(tmp_path, {
        "scanner": f"serial://{tmp_path}/by-id/usb-Datalogic_Scanner-if00",
        "printer": f"escpos+tcp://127.0.0.1:{free_port()}?timeout=0.3",
        "light": "sim:",
    })
    r = kiosk("doctor", "--config", str(config))
    assert r.returncode == 1
    out = r.stdout
    assert "FAIL  scanner" in out and "/dev/serial/by-id" in out
    assert "FAIL  printer" in out and "127.0.0.1" in out
    assert "OK    light" in out
    assert "OK    assist" in out            # the config's embedded console
    assert "2 of 4 checks OK" in out


# --------------------------------------------------------------------------------------------------------- sim

def start_sim(*args):
    p = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "sim", *args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV, bufsize=1)
    first = p.stdout.readline()
    assert " at " in first, first + p.stderr.read()
    return p, first.rsplit(" at ", 1)[1].strip()


def test_a_standalone_scanner_simulator_scans_on_command(tmp_path):
    p, address = start_sim("scanner")
    got: queue.SimpleQueue = queue.SimpleQueue()
    try:
        assert os.path.exists(address)
        with open_device("scanner", f"serial://{address}", got.put):
            p.stdin.write("scan 4006381333931\n")
            p.stdin.flush()
            end = time.monotonic() + 5
            scan = None
            while time.monotonic() < end and scan is None:
                try:
                    e = got.get(timeout=0.1)
                except queue.Empty:
                    continue
                if isinstance(e, hev.ScanData):
                    scan = e
            assert scan is not None and scan.data == "4006381333931"
            p.stdin.write("no-such-command\n")
            p.stdin.flush()
    finally:
        p.stdin.close()
        out = p.stdout.read()
        p.wait(timeout=10)
    assert "error: unknown command" in out
    assert p.returncode == 0


def test_a_standalone_printer_simulator_shows_what_it_printed():
    p, address = start_sim("printer")
    try:
        with open_device("printer", f"escpos+tcp://{address}") as printer:
            assert printer.status().paper == "ok"
            result = printer.print_job("cli-1", b"\x1b@\x1bt\x13K\x84se 1,99 \xd5\n\x1dV\x00")
            assert result.ok
        p.stdin.write("show\n")
        p.stdin.close()
        out = p.stdout.read()
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert "Käse 1,99 €" in out


def test_an_unknown_simulator_is_refused_with_the_known_ones():
    r = kiosk("sim", "scale", "hx9000")
    assert r.returncode == 2 and "sics" in r.stderr


# --------------------------------------------------------------------------------------------------- calibrate

@pytest.mark.slow
def test_calibrating_the_simulated_scale_stores_the_result_in_the_lanes_data(tmp_path):
    config = lane_config(tmp_path)
    r = kiosk("calibrate", "scale", "--config", str(config), "--known-g", "2000", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    saved = json.loads((tmp_path / "data" / "scale-calibration.json").read_text())
    assert saved["known_g"] == 2000.0 and saved["counts_per_g"] > 0
    assert "Saved to" in r.stdout


def test_a_test_weight_too_light_for_the_scale_is_refused(tmp_path):
    r = kiosk("calibrate", "scale", "--config", str(lane_config(tmp_path)), "--known-g", "10", "--yes")
    assert r.returncode == 1 and "too light" in r.stderr
    assert not (tmp_path / "data" / "scale-calibration.json").exists()


# ---------------------------------------------------------------------------------------------------- payment

def test_end_of_day_closes_the_terminals_day_with_its_total(tmp_path):
    p, address = start_sim("payment")
    try:
        url = f"zvt+tcp://{address}?password=000000"
        with open_device("payment", url) as terminal:
            assert terminal.authorise(1234).approved and terminal.authorise(566).approved
        r = kiosk("payment", "end-of-day", "--config", str(lane_config(tmp_path, {"payment": url})))
        assert r.returncode == 0, r.stdout + r.stderr
        assert "End of day done: total 18.00 EUR" in r.stdout
        again = kiosk("payment", "end-of-day", "--config", str(lane_config(tmp_path, {"payment": url})))
        assert "total 0.00 EUR" in again.stdout               # the day was closed: a new batch is empty
    finally:
        p.stdin.close()
        p.wait(timeout=10)
