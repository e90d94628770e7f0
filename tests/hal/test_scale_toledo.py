"""The Toledo 8217 driver against the 8217 simulator on a pty (7E1, single-character commands, 200 ms apart).

Given an 8217 scale (``sim:toledo``), when items go on, the scale moves or is overloaded, reports a fault, or the
adapter is pulled, then the lane hears the right weights and status, and the driver never talks too fast.
"""

from __future__ import annotations

import pytest

from hal import events as ev
from hal.scale.errors import OutOfZeroRange
from hal.scale.toledo import parse_reply
from halkit import wait_for
from test_scale_kit import opened_serial_scale


URL = "sim:toledo?rest=0.15"      # the simulated scale calls a load at rest after 0.15 s (default 0.3 s)


@pytest.fixture
def scale(request):
    """An opened scale; parametrize indirectly with a URL, options, or (URL, options)."""
    yield from opened_serial_scale(request, URL)


@pytest.mark.parametrize("scale", [URL + "&unit=lb"], indirect=True)
def test_items_settle_at_their_weight_in_pounds(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("place 2345")
    e.weight(ev.STABLE, mark, near=2345, tol=3.0)          # 5.17 lb: the display rounds to 0.01 lb
    assert ev.UNSTABLE in e.kinds(mark)                   # the scale answered "? motion" meanwhile
    assert scale.simulator.ignored == 0                   # never less than 200 ms between commands


@pytest.mark.parametrize("scale", [{"silent_after_s": 0.6}], indirect=True)
def test_a_ram_error_and_a_silent_scale_are_errors_until_they_clear(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("ram_error on")
    assert "RAM error" in e.status(ev.ERROR, mark).detail
    scale.simulator.command("ram_error off")
    e.status(ev.ONLINE, mark)
    mark = e.mark()
    scale.simulator.command("silent")
    assert "does not answer" in e.status(ev.ERROR, mark).detail
    scale.simulator.command("silent off")
    e.status(ev.ONLINE, mark)


def test_zero_command_and_overload(scale):
    e = scale.events
    scale.simulator.command("place 12")                  # dirt on the platform: within the zero range
    e.weight(ev.STABLE, near=12, tol=1.0)
    mark = e.mark()
    scale.zero()
    e.weight(ev.STABLE, mark, near=0.0, tol=1.0)
    sim = scale.simulator
    sim.command("place 3000")
    wait_for(lambda: sim.snapshot().stable and sim.snapshot().gross == 3000, 5, what="the scale at rest")
    with pytest.raises(OutOfZeroRange):
        scale.zero()
    mark = e.mark()
    sim.command("place 20000")                           # over capacity: the second status byte says so
    e.weight(ev.OVERWEIGHT, mark)
    sim.command("remove 20000")
    e.weight(ev.STABLE, mark, near=3000, tol=1.0)


def test_unplug_and_replug(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("unplug")
    e.status(ev.OFFLINE, mark)
    scale.simulator.command("place 640")
    scale.simulator.command("replug")
    e.status(ev.ONLINE, mark)
    e.weight(ev.STABLE, mark, near=640, tol=1.0)


def test_garbage_and_truncated_replies_cost_a_poll_not_a_wrong_weight(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("garbage 1")
    scale.simulator.command("truncate 1")
    scale.simulator.command("place 505")
    e.weight(ev.STABLE, mark, near=505, tol=1.0)
    stable = [x.grams for x in e.since(mark) if isinstance(x, ev.WeightEvent) and x.kind == ev.STABLE]
    assert all(abs(g - 505) <= 1 for g in stable), stable
    assert scale.health().info["garbled"] >= 1 and scale.health().info["timeouts"] >= 1


@pytest.mark.parametrize("raw, parsed", [
    (b"\x0201.234", (1.234, [])),
    (b"\x02012.34", (12.34, [])),
    (b"\x02?\x31", (None, [0x31])),
    (b"\x02?\x32", (None, [0x32])),
    (b"\x02?\x70\x32", (None, [0x70, 0x32])),            # byte 1 says another follows: over capacity
    (b"\x02?\xb1", (None, [0x31])),                      # parity bit set on the wire
    (b"junk\x0201.000", (1.0, [])),
])
def test_replies(raw, parsed):
    assert parse_reply(raw) == parsed


@pytest.mark.parametrize("raw", [b"01.234", b"\x02", b"\x02?", b"\x02?\x70", b"\x021.2.3", b"\x02?\x05"])
def test_bad_replies(raw):
    with pytest.raises(ValueError):
        parse_reply(raw)
