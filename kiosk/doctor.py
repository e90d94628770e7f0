"""``kiosk doctor``: the technician's self-test of every device in the lane's config.

Each configured device is opened through the same hal driver the lane uses and exercised the way a technician would
at the lane: the scanner must deliver a scan (a simulated one gets a test code sent down its wire; a real one waits
for the technician to scan something when ``--scan-wait`` is given), the scale must give a reading and be calibrated,
the printer must answer its status query with paper in and the cover shut (and prints a test receipt on request),
the camera must give a frame and a still, the lamp shows each colour once, the card terminal must answer a status
enquiry as ready; a lane on the store's broker must connect to it with its own user. The report says for each device what was
found and, when something is wrong, what to do. A device that fails never stops the check of the others.
"""

from __future__ import annotations

import queue
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from hal import events as hev
from hal.errors import HalError
from hal.registry import open_device
from kiosk.config import LaneConfig
from kiosk.devices import HAL_FAMILIES, PRODUCE, device_options

TEST_CODE = "4006381333931"


@dataclass
class Check:
    family: str
    url: str
    ok: bool
    summary: str
    advice: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _wait(q: queue.SimpleQueue, want: Callable[[object], bool], timeout: float) -> object | None:
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        try:
            item = q.get(timeout=left)
        except queue.Empty:
            return None
        if want(item):
            return item


def check_scanner(device, events: queue.SimpleQueue, scan_wait_s: float, say: Callable[[str], None]) -> Check:
    sim = device.simulator
    if sim is not None and hasattr(sim, "scan"):
        t0 = time.monotonic()
        sim.scan(TEST_CODE)
        got = _wait(events, lambda e: isinstance(e, hev.ScanData), 3.0)
        if got is None:
            return Check("scanner", "", False, "the simulated scanner's test scan did not arrive",
                         "a bug in the simulator or driver: run the tests (./run-tests tests/hal)")
        ms = (time.monotonic() - t0) * 1000
        ok = got.data == TEST_CODE
        return Check("scanner", "", ok, f"test scan {got.data} read back in {ms:.1f} ms",
                     "" if ok else f"expected {TEST_CODE}", {"data": got.data, "aim": got.aim, "ms": round(ms, 1)})
    if scan_wait_s <= 0:
        return Check("scanner", "", True, "opened; no test scan asked for (use --scan-wait 20 and scan a barcode)")
    say(f"scanner: scan any barcode within {scan_wait_s:.0f} s ...")
    got = _wait(events, lambda e: isinstance(e, hev.ScanData), scan_wait_s)
    if got is None:
        return Check("scanner", "", False, f"no scan within {scan_wait_s:.0f} s",
                     "check the scanner's interface mode (USB COM / keyboard) and its suffix; see README, "
                     "Technicians")
    return Check("scanner", "", True, f"read {got.data!r} (AIM {got.aim or 'none'})",
                 details={"data": got.data, "aim": got.aim})


def check_scale(device, events: queue.SimpleQueue) -> Check:
    reading = None
    end = time.monotonic() + 3.0
    while time.monotonic() < end:           # a reading at rest if one comes within 3 s, else the last one
        reading = device.weight()
        if reading is not None and reading.stable:
            break
        time.sleep(0.05)
    health = device.health()
    if reading is None:
        return Check("scale", "", False, "no reading within 3 s",
                     "check the wiring (HX711 DOUT/SCK pins) or the serial cable and the scale's protocol setting")
    details = {"grams": round(reading.grams, 1), "stable": reading.stable, **health.info}
    summary = f"reads {reading.grams:.1f} g ({'stable' if reading.stable else 'moving'})"
    if not health.ok:
        return Check("scale", "", False, f"{summary}; {health.detail or health.status}",
                     "run `kiosk calibrate scale`" if "calibrat" in (health.detail or "") else "", details)
    return Check("scale", "", True, summary, details=details)


def check_printer(device, print_test: bool) -> Check:
    st = device.status()
    details = {"online": st.online, "paper": st.paper, "cover_open": st.cover_open, "error": st.error}
    if st.online is None or st.paper == "unknown":
        return Check("printer", "", False, "the printer does not answer its status query (DLE EOT)",
                     "check that it is switched on, the cable or network, and that the URL names the right port",
                     details)
    problems = []
    if not st.online:
        problems.append("offline")
    if st.paper == "out":
        problems.append("out of paper")
    if st.cover_open:
        problems.append("cover open")
    if st.error:
        problems.append(f"error: {st.error}")
    if problems:
        return Check("printer", "", False, ", ".join(problems),
                     "put in a paper roll, close the cover, clear the error (switch it off and on)", details)
    summary = "online, paper " + ("near its end" if st.paper == "near_end" else "ok")
    if print_test:
        from kiosk.receipt.escpos import text_receipt
        job = f"doctor-{time.strftime('%Y%m%d-%H%M%S')}"
        result = device.print_job(job, text_receipt(f"kiosk doctor\nTestdruck / test print {job}\n"
                                                    "ÄÖÜ äöü ß €\n"))
        details["test_print"] = result.outcome
        if not result.ok:
            return Check("printer", "", False, f"{summary}; test print failed: {result.outcome} {result.message}",
                         "see the printer's own error light and self-test page", details)
        summary += "; test receipt printed"
    return Check("printer", "", True, summary, details=details)


def check_camera(device) -> Check:
    frame = device.frame()
    if frame is None:
        return Check("camera", "", False, "no frame", "check the camera cable and that no other program uses it")
    jpeg = device.still_jpeg()
    h, w = frame.shape[:2]
    return Check("camera", "", True, f"frame {w}x{h}, still {len(jpeg) // 1024} KiB",
                 details={"width": w, "height": h, "still_bytes": len(jpeg)})


def check_payment(device) -> Check:
    st = device.status_enquiry()
    details = {"terminal_id": st.terminal_id, "software": st.software, "status": st.code, "text": st.text}
    if not st.ready:
        return Check("payment", "", False, f"the terminal is not ready: {st.text} ({st.code:02X})",
                     "see the terminal's display; it may need an end-of-day (`kiosk payment end-of-day`) or a "
                     "restart", details)
    return Check("payment", "", True, f"terminal {st.terminal_id or '?'} ready ({st.software or 'software ?'})",
                 details=details)


def check_light(device) -> Check:
    for color in ("red", "amber", "green"):
        device.show(color)
        time.sleep(0.3)
    device.show("off")
    return Check("light", "", True, "showed red, amber and green once")


def check_assist(config: LaneConfig, timeout_s: float = 10.0) -> Check:
    """The assist channel: the store's broker with the lane's own user (TLS, password) and the command key."""
    from kiosk.assist.service import command_key, make_bus
    from kiosk.config import ConfigError
    assist = config.assist
    if not assist.mqtt:
        what = {"off": "off: alerts only at the lane (light, attendant sign-in)",
                "embedded": f"embedded: this lane serves its own console on {assist.console or '(none)'}"}
        return Check("assist", assist.bus, True, what.get(assist.bus, assist.bus))
    try:
        command_key(assist)
        bus = make_bus(assist, f"doctor-{config.lane_id}")
    except ConfigError as exc:
        return Check("assist", assist.bus, False, str(exc), "run `kiosk store init` on the store server and copy "
                                                              "the lane's files (README, Remote assist)")
    try:
        bus.start()
        end = time.monotonic() + timeout_s
        while not bus.connected and time.monotonic() < end:
            time.sleep(0.05)
        if bus.connected:
            return Check("assist", assist.bus, True, f"connected to the store's broker as {assist.username!r}")
        return Check("assist", assist.bus, False, f"no connection within {timeout_s:.0f} s: "
                     f"{bus.last_error or 'no answer'}",
                     "check the broker's address, that mosquitto runs on the store server, and the lane's "
                     "user and password (lanes/<lane>.password from `kiosk store init`)")
    finally:
        bus.close()


def run(config: LaneConfig, *, scan_wait_s: float = 0.0, print_test: bool = False,
        families: tuple[str, ...] | None = None, say: Callable[[str], None] = print) -> list[Check]:
    checks: list[Check] = []
    for family in HAL_FAMILIES + (PRODUCE,):
        url = config.devices.get(family)
        if url is None or (families and family not in families):
            continue
        events: queue.SimpleQueue = queue.SimpleQueue()
        try:
            device = open_device("scale" if family == PRODUCE else family, url, events.put, name=f"{family} {url}",
                                 **device_options(config, family))
        except (HalError, OSError) as exc:
            checks.append(Check(family, url, False, f"cannot be opened: {exc}"))
            continue
        try:
            if family == "scanner":
                check = check_scanner(device, events, scan_wait_s, say)
            elif family in ("scale", PRODUCE):
                check = check_scale(device, events)
                check.family = family
            elif family == "printer":
                check = check_printer(device, print_test)
            elif family == "camera":
                check = check_camera(device)
            elif family == "payment":
                check = check_payment(device)
            else:
                check = check_light(device)
        except (HalError, OSError) as exc:
            check = Check(family, url, False, f"failed: {exc}")
        finally:
            device.close()
        check.url = url
        checks.append(check)
    if not families or "assist" in families:
        checks.append(check_assist(config))
    return checks


def report(config: LaneConfig, checks: list[Check]) -> str:
    lines = [f"kiosk doctor: lane {config.lane_id} ({config.path})"]
    for c in checks:
        lines.append(f"  {'OK  ' if c.ok else 'FAIL'}  {c.family:8s} {c.url}")
        lines.append(f"          {c.summary}")
        if c.advice:
            lines.append(f"          -> {c.advice}")
    good = sum(c.ok for c in checks)
    lines.append(f"{good} of {len(checks)} checks OK" if checks else "no devices configured ([devices] in the config)")
    return "\n".join(lines)


def as_json(config: LaneConfig, checks: list[Check]) -> dict:
    assist = [asdict(c) for c in checks if c.family == "assist"]
    return {"lane": config.lane_id, "config": str(config.path), "ok": all(c.ok for c in checks) and bool(checks),
            "devices": [asdict(c) for c in checks if c.family != "assist"], "assist": assist[0] if assist else None}
