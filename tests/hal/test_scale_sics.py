"""The MT-SICS driver against the MT-SICS simulator on a pty.

Given a Mettler Toledo scale on a USB-serial adapter (``sim:sics``: a responder on a pty behind a by-id link and the
real driver), when items go on, the adapter is pulled, the line is noisy or the scale falls silent, then the lane
hears the right weights and the right status.
"""

from __future__ import annotations

import os

import pytest

from hal import events as ev
from hal.registry import open_device, start_simulator
from hal.scale.errors import OutOfZeroRange, ScaleMoving, ScaleNotFound
from hal.scale.sics import parse_line
from test_scale_kit import opened_serial_scale


URL = "sim:sics?rest=0.15"      # the simulated scale calls a load at rest after 0.15 s (default 0.3 s)


@pytest.fixture
def scale(request):
    """An opened scale; parametrize indirectly with a URL, options, or (URL, options)."""
    yield from opened_serial_scale(request, URL)


@pytest.mark.parametrize("scale", [URL, URL + "&mode=poll&unit=g"], indirect=True)
def test_items_settle_at_their_weight_streamed_or_polled(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("place 1234")
    e.weight(ev.STABLE, mark, near=1234, tol=1.0)
    assert ev.UNSTABLE in e.kinds(mark)
    assert scale.health().info["serial_number"] == "B123456789"


def test_tare_zero_and_clear_tare_are_the_scales_own_commands(scale):
    e = scale.events
    scale.simulator.command("place 150")                  # an own bag
    e.weight(ev.STABLE, near=150, tol=1.0)
    mark = e.mark()
    scale.tare()
    e.weight(ev.STABLE, mark, near=0.0, tol=1.0)
    assert scale.simulator.tare_g == 150
    with pytest.raises(OutOfZeroRange, match="take everything off"):
        scale.simulator.command("place 1000")
        e.weight(ev.STABLE, mark, near=1000, tol=1.0)
        scale.zero()
    scale.simulator.command("motion 2")
    with pytest.raises(ScaleMoving):
        scale.tare()
    mark = e.mark()
    scale.simulator.command("motion 0")
    scale.clear_tare()
    e.weight(ev.STABLE, mark, near=1150, tol=1.0)


def test_unplugging_the_adapter_reports_offline_then_resumes_with_the_tare_kept(scale):
    e = scale.events
    scale.simulator.command("place 300")
    e.weight(ev.STABLE, near=300, tol=1.0)
    scale.tare()
    mark = e.mark()
    scale.simulator.command("unplug")
    e.status(ev.OFFLINE, mark)
    scale.simulator.command("place 200")                  # put in while the cable was out
    scale.simulator.command("replug")
    e.status(ev.ONLINE, mark)
    e.weight(ev.STABLE, mark, near=200, tol=1.0)           # net: the tare survived the reconnect
    assert scale.health().info["reconnects"] == 1


def test_garbled_and_truncated_lines_and_line_noise_are_dropped(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    for fault in ("garbage 2", "truncate 2", "noise 40"):
        scale.simulator.command(fault)
    scale.simulator.command("place 777")
    e.weight(ev.STABLE, mark, near=777, tol=1.0)
    stable = [x.grams for x in e.since(mark) if isinstance(x, ev.WeightEvent) and x.kind == ev.STABLE]
    assert all(abs(g - 777) <= 1 for g in stable)
    assert sum(what.startswith(("garbled", "truncated", "noise")) for _, what in scale.simulator.history) == 5
    assert ev.ERROR not in [x.status for x in e.since(mark) if isinstance(x, ev.StatusUpdate)]


@pytest.mark.parametrize("scale", [(URL + "&mode=poll", {"silent_after_s": 0.5})], indirect=True)
def test_a_silent_scale_is_an_error_until_it_answers_again_and_a_slow_one_still_works(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("silent on")
    err = e.status(ev.ERROR, mark)
    assert "does not answer" in err.detail
    scale.simulator.command("slow 250")
    scale.simulator.command("silent off")
    e.status(ev.ONLINE, mark)
    scale.simulator.command("place 432")
    e.weight(ev.STABLE, mark, near=432, tol=1.0)
    assert scale.status == ev.ONLINE


def test_overload_and_motion(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("overload on")
    e.weight(ev.OVERWEIGHT, mark)
    scale.simulator.command("overload off")
    e.weight(ev.STABLE, mark, near=0.0)                   # back in range: reported again
    scale.simulator.command("place 50")
    e.weight(ev.STABLE, mark, near=50, tol=1.0)
    mark = e.mark()
    scale.simulator.command("motion 1.5")                 # the scale itself says "S D"
    e.weight(ev.UNSTABLE, mark)
    assert not scale.weight().stable


def test_a_missing_port_says_what_to_plug_in(tmp_path):
    with pytest.raises(ScaleNotFound, match="plug in the MT-SICS scale"):
        open_device("scale", f"sics://{tmp_path}/usb-nothing-if00")


@pytest.mark.parametrize("kind, by_id", [("default", "Mettler_Toledo_SICS_Sim"), ("toledo", "Toledo_8217_Sim"),
                                         ("dialog06", "Dialog06_Sim_Scale")])
def test_kiosk_sim_scale_starts_a_standalone_simulator_on_a_pty(kind, by_id):
    sim = start_simulator("scale", kind)
    try:
        assert by_id in sim.address and os.path.realpath(sim.address).startswith("/dev/pts/")
        assert sim.command("place 250") == "load 250.0 g"
        assert "unplug" in sim.help()
    finally:
        sim.stop()
    assert not os.path.lexists(sim.address)


@pytest.mark.parametrize("line, parsed", [
    ("S S      100.00 g", ("S", "S", 100.0)),
    ("S D     1.234 kg", ("S", "D", 1234.0)),
    ("S S     -0.5 g", ("S", "S", -0.5)),
    ("S +", ("S", "+", None)),
    ("S -", ("S", "-", None)),
    ("S I", ("S", "I", None)),
    ("ES", ("ES", "", None)),
    ("T S    0.150 kg", ("T", "S", 150.0)),
    ('I4 A "0123456789"', ("I4", "A", None)),
])
def test_reply_lines(line, parsed):
    assert parse_line(line) == parsed


@pytest.mark.parametrize("line", ["", "S", "S S 12", "S S 12 stone", "S S abc g"])
def test_bad_reply_lines(line):
    with pytest.raises(ValueError):
        parse_line(line)
