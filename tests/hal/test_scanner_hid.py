"""The HID keyboard-wedge scanner driver against its simulator: kernel-format input events through a FIFO
(this machine has no /dev/uinput), decoded with the scanner's keyboard layout.
"""

from __future__ import annotations

import os
import stat
import string

import pytest

from hal import events as ev
from hal.errors import BadDeviceURL, DeviceNotFound, DeviceUnavailable
from hal.registry import open_device, start_simulator
from hal.scanner import keymaps as km
from hal.scanner.errors import ScannerNotFound, ScannerUnavailable, SimulatorUnavailable
from hal.scanner.hid import HidScanner
from hal.scanner.sim_hid import UINPUT, HidScannerSim
from halkit import Lane

NO_UINPUT = f"{UINPUT} does not exist here (no uinput kernel module in this container)"
PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def hid(lane: Lane, query: str = ""):
    return open_device("scanner", f"sim:hid?via=fifo{'&' if query else ''}{query}", lane)


@pytest.mark.parametrize("layout", ["us", "de"])
def test_every_printable_ascii_character_the_layout_can_type_comes_through(lane, layout):
    typable = "".join(c for c in PRINTABLE if km.LAYOUTS[layout].can_type(c))
    assert typable == PRINTABLE         # both layouts type all of ASCII (de: AltGr and dead keys)
    with hid(lane, f"layout={layout}&aim=off") as scanner:
        sim = scanner.simulator
        for i in range(0, len(typable), 24):
            sim.scan(typable[i:i + 24])
        assert "".join(lane.wait_scans(4)) == typable
        assert lane.errors() == []


def test_a_german_scanner_read_as_us_swaps_y_and_z(lane):
    """Why the layout is the scanner's: the same key events mean other characters."""
    sim = HidScannerSim(layout="de", via="fifo")
    path = sim.start()
    try:
        with HidScanner(f"hid://{path}?layout=us", lane):
            sim.scan("yz-7")
            assert lane.wait_scans(1) == ["zy/7"]
        with HidScanner(f"hid://{path}?layout=de", lane):
            sim.scan("yz-7")
            assert lane.wait_scans(2) == ["zy/7", "yz-7"]
    finally:
        sim.stop()


SHIFT, ALTGR = (km.KEY_LEFTSHIFT,), (km.KEY_RIGHTALT,)
# Keys as a real keyboard of that country is labelled (not taken from our own tables): (modifiers, code) -> text.
KEYBOARD_FACTS = {
    "us": [((), 21, "y"), ((), 44, "z"), (SHIFT, 3, "@"), (SHIFT, 8, "&"), ((), 43, "\\"), (SHIFT, 40, '"'),
           (SHIFT, 11, ")"), ((), 53, "/"), (SHIFT, 41, "~")],
    "de": [((), 21, "z"), ((), 44, "y"), (ALTGR, 16, "@"), (SHIFT, 8, "/"), ((), 43, "#"), (SHIFT, 3, '"'),
           (SHIFT, 11, "="), ((), 53, "-"), (ALTGR, 27, "~"), (ALTGR, 9, "["), (ALTGR, 12, "\\"), (SHIFT, 12, "?"),
           ((), 39, "ö"), (SHIFT, 53, "_"), (ALTGR, 86, "|"), ((km.KEY_LEFTCTRL, km.KEY_LEFTALT), 8, "{")],
}


@pytest.mark.parametrize("layout", ["us", "de"])
def test_keys_type_what_the_keyboard_of_that_country_says(lane, layout):
    with hid(lane, f"layout={layout}&aim=off") as scanner:
        sim = scanner.simulator
        facts = KEYBOARD_FACTS[layout]
        events = [e for mods, code, _ in facts for e in sim.stroke(mods, code)] + sim.stroke((), km.KEY_ENTER)
        sim.write_events(events)
        assert lane.wait_scans(1) == ["".join(text for _, _, text in facts)]


def test_german_dead_keys_type_their_accent_when_followed_by_space(lane):
    with hid(lane, "layout=de&aim=off") as scanner:
        sim = scanner.simulator
        space = ((), km.KEY_SPACE)
        strokes = [((), 41), space, (SHIFT, 13), space, ((), 41), ((), 2)]       # ^ then ` then ^ before 1
        sim.write_events([e for s in strokes for e in sim.stroke(*s)] + sim.stroke((), km.KEY_ENTER))
        assert lane.wait_scans(1) == ["^`^1"]


@pytest.mark.parametrize("layout", ["us", "de"])
@pytest.mark.parametrize("gs", ["ctrl", "alt"])
def test_gs1_separator_arrives_as_ctrl_bracket_or_alt_numpad(lane, layout, gs):
    sim = HidScannerSim(layout=layout, via="fifo", gs=gs)
    path = sim.start()
    try:
        with HidScanner(f"hid://{path}?layout={layout}", lane):
            sim.scan("]C10104006381333931\x1d10ABC123")
            lane.wait_scans(1)
            scan = lane.scans()[0]
            assert (scan.aim, scan.data, scan.source) == ("]C1", "0104006381333931\x1d10ABC123", "hid")
    finally:
        sim.stop()


def test_caps_lock_and_shift_are_followed(lane):
    with hid(lane) as scanner:
        sim = scanner.simulator
        a, b, c, d = 30, 48, 46, 32
        events = (sim.stroke((), km.KEY_CAPSLOCK) + sim.stroke((), a) + sim.stroke((km.KEY_RIGHTSHIFT,), b)
                  + sim.stroke((), km.KEY_CAPSLOCK) + sim.stroke((), c) + sim.stroke((km.KEY_LEFTSHIFT,), d)
                  + sim.stroke((), km.KEY_ENTER))
        sim.write_events(events)
        assert lane.wait_scans(1) == ["AbcD"]


def test_keypad_digits_and_keypad_enter(lane):
    sim = HidScannerSim(layout="de", via="fifo", keypad_digits=True, suffix="kpenter")
    path = sim.start()
    try:
        with HidScanner(f"hid://{path}?layout=de&suffix=enter", lane):
            sim.scan("4006381333931")
            assert lane.wait_scans(1) == ["4006381333931"]
            assert lane.errors() == []
    finally:
        sim.stop()


def test_scan_codes_and_autorepeat_are_ignored(lane):
    with hid(lane) as scanner:
        sim = scanner.simulator
        one = 2
        events = (sim.press(one, 1) + [(km.EV_KEY, one, 2)] * 3 + [(km.EV_MSC, km.MSC_SCAN, 0x1e)]
                  + sim.press(one, 0) + sim.stroke((), km.KEY_ENTER))
        sim.write_events(events)
        assert lane.wait_scans(1) == ["1"]


def test_a_key_that_types_nothing_spoils_its_code_and_reading_goes_on(lane):
    with hid(lane, "layout=de") as scanner:
        sim = scanner.simulator
        sim.command("unknown-key")
        message = lane.wait_errors(1)[0]
        assert "KEY_F1" in message and "de layout" in message
        sim.command("garbage")
        assert "KEY_ESC" in lane.wait_errors(2)[1]
        sim.scan("4006381333931")
        assert lane.wait_scans(1) == ["4006381333931"]


def test_ctrl_with_another_key_is_not_text(lane):
    with hid(lane) as scanner:
        sim = scanner.simulator
        sim.write_events(sim.stroke((km.KEY_LEFTCTRL,), 46) + sim.stroke((), km.KEY_ENTER))   # Ctrl+C
        assert "KEY_C" in lane.wait_errors(1)[0]


def test_lost_kernel_events_spoil_the_read(lane):
    with hid(lane) as scanner:
        sim = scanner.simulator
        sim.write_events(sim.stroke((), 2) + [(km.EV_SYN, 3, 0)] + sim.stroke((), 3) + sim.stroke((), km.KEY_ENTER))
        assert "dropped" in lane.wait_errors(1)[0]


def test_without_enter_the_pause_ends_a_code(lane):
    with hid(lane) as scanner:
        sim = scanner.simulator
        sim.command("suffix none")
        sim.scan("4006381333931")
        assert lane.wait_scans(1) == ["4006381333931"]
        sim.command("slow 96385074")             # 30 ms between keys is not a pause
        assert lane.wait_scans(2) == ["4006381333931", "96385074"]


def test_with_enter_configured_a_code_without_it_is_cut_off(lane):
    with hid(lane, "suffix=enter") as scanner:
        sim = scanner.simulator
        sim.command("truncated 4006381333931")
        assert "cut off" in lane.wait_errors(1)[0]
        sim.scan("4006381333931")
        assert lane.wait_scans(1) == ["4006381333931"]


def test_unplug_is_reported_once_and_the_scanner_comes_back_on_replug(lane):
    with hid(lane, "layout=de") as scanner:
        sim = scanner.simulator
        sim.scan("4006381333931")
        lane.wait_scans(1)
        sim.command("unplug")
        assert lane.wait(lambda: ev.OFFLINE in lane.statuses())
        sim.scan("96385074")                     # typed into a pulled cable: lost
        sim.command("replug")
        assert lane.wait(lambda: lane.statuses()[-1] == ev.ONLINE)
        sim.scan("yz")
        assert lane.wait_scans(2) == ["4006381333931", "yz"]
        assert lane.statuses() == [ev.ONLINE, ev.OFFLINE, ev.ONLINE]
        assert scanner.health().info["reconnects"] == 1


def test_unplugged_before_it_ever_typed_is_still_noticed(lane):
    """A FIFO whose writer never came cannot signal the unplug: the driver notices its path going away."""
    with hid(lane) as scanner:
        sim = scanner.simulator
        sim.command("unplug")
        assert lane.wait(lambda: ev.OFFLINE in lane.statuses())
        sim.command("replug")
        assert lane.wait(lambda: lane.statuses()[-1] == ev.ONLINE)
        sim.scan("4006381333931")
        assert lane.wait_scans(1) == ["4006381333931"]


def test_a_short_blip_is_not_reported(lane):
    with hid(lane) as scanner:
        sim = scanner.simulator
        sim.scan("1")
        lane.wait_scans(1)
        sim.command("unplug")
        sim.command("replug")
        assert lane.wait(lambda: scanner.health().info["reconnects"] == 1)
        sim.scan("2")
        assert lane.wait_scans(2) == ["1", "2"]
        assert lane.statuses() == [ev.ONLINE]


def test_a_scanner_that_is_not_plugged_in_says_what_to_do(lane, tmp_path):
    with pytest.raises(ScannerNotFound) as info:
        open_device("scanner", f"hid://{tmp_path}/usb-Honeywell_Scanner-event-kbd", lane)
    assert isinstance(info.value, DeviceNotFound)
    assert "plug in the scanner" in str(info.value) and "/dev/input/by-id" in str(info.value)


def test_a_character_device_is_grabbed_and_one_that_cannot_be_is_refused(lane):
    # /dev/null is a character device but no input device: the grab (EVIOCGRAB) is tried and fails.
    with pytest.raises(ScannerUnavailable, match="cannot grab") as info:
        open_device("scanner", "hid:///dev/null", lane)
    assert isinstance(info.value, DeviceUnavailable)


def test_a_plain_file_is_not_a_scanner(lane, tmp_path):
    path = tmp_path / "events.bin"
    path.write_bytes(b"")
    with pytest.raises(ScannerUnavailable, match="neither an input event device nor a simulator FIFO"):
        open_device("scanner", f"hid://{path}", lane)


@pytest.mark.parametrize("url", ["hid:///dev/input/event0?layout=fr", "hid:///dev/input/event0?suffix=tab",
                                 "hid:///dev/input/event0?grab=no", "sim:hid?via=bluetooth"])
def test_bad_urls_are_refused(lane, url):
    with pytest.raises(BadDeviceURL):
        open_device("scanner", url, lane)


def test_sim_hid_uses_a_fifo_when_there_is_no_uinput(lane):
    if os.path.exists(UINPUT):
        pytest.skip(f"{UINPUT} exists here, so sim:hid uses it")
    with open_device("scanner", "sim:hid?layout=de", lane) as scanner:
        assert stat.S_ISFIFO(os.stat(scanner.simulator.address).st_mode)
        scanner.simulator.scan("Zwölf? Nein: 12")
        assert lane.wait_scans(1) == ["Zwölf? Nein: 12"]


def test_the_uinput_simulator_says_why_it_cannot_run(lane):
    if os.path.exists(UINPUT):
        pytest.skip(f"{UINPUT} exists here")
    sim = HidScannerSim(via="uinput")
    with pytest.raises(SimulatorUnavailable, match="modprobe uinput") as info:
        sim.start()
    assert UINPUT in str(info.value) and "via=fifo" in str(info.value)


@pytest.mark.skipif(not os.path.exists(UINPUT), reason=NO_UINPUT)
def test_a_uinput_keyboard_round_trip(lane):
    try:
        scanner = open_device("scanner", "sim:hid?via=uinput&layout=de", lane)
    except SimulatorUnavailable as exc:
        pytest.skip(str(exc))
    with scanner:
        assert stat.S_ISCHR(os.stat(scanner.simulator.address).st_mode)
        scanner.simulator.scan(string.ascii_letters + "^`@{}")
        assert lane.wait_scans(1) == [string.ascii_letters + "^`@{}"]
        scanner.simulator.command("unplug")
        assert lane.wait(lambda: ev.OFFLINE in lane.statuses())
        scanner.simulator.command("replug")
        assert lane.wait(lambda: lane.statuses()[-1] == ev.ONLINE)


def test_the_standalone_simulator_types_into_a_fifo_where_the_event_device_would_be(lane):
    sim = start_simulator("scanner", "hid", layout="de", via="fifo")
    try:
        assert sim.address.endswith("-event-kbd")
        with HidScanner(f"hid://{sim.address}?layout=de", lane):
            assert "typed" in sim.command("scan 0104006381333931<GS>10ABC")
            assert lane.wait_scans(1) == ["0104006381333931\x1d10ABC"]
        with pytest.raises(ValueError, match="cannot type"):
            sim.scan("€uro on us? fine on de, but not ♥")
        with pytest.raises(ValueError, match="unknown command"):
            sim.command("explode")
        assert "unknown-key" in sim.help()
    finally:
        sim.stop()
    assert not os.path.exists(sim.address)


def test_typing_with_no_driver_listening_is_an_error_that_says_so():
    sim = HidScannerSim(via="fifo")
    sim.start()
    sim.wire.reader_timeout_s = 0.05
    try:
        with pytest.raises(SimulatorUnavailable, match="nothing reads"):
            sim.scan("1")
    finally:
        sim.stop()
