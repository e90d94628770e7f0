"""The Dialog 06 produce-scale driver against the Dialog 06 simulator on a pty.

Given a legal-for-trade produce scale (``sim:dialog06``), when the shopper weighs loose produce, then the lane gets
the scale's own weight, unit price and amount, or an error the shopper understands; and the driver survives a
checksum challenge, a noisy line, an unplugged adapter and a silent scale.
"""

from __future__ import annotations

import pytest

from hal import events as ev
from hal.registry import open_device
from hal.scale.base import Weighing
from hal.scale.dialog06 import ESC, price_record
from hal.scale.errors import (BelowMinimum, BelowZero, ChecksumRequired, NoWeightChange, ProduceOverload,
                              ProduceScaleError, ProduceScaleMotion, RecordRejected, ScaleNotAnswering)
from hal.scale.sim_dialog06 import DemoChecksum
from halkit import wait_for
from test_scale_kit import Events, quick_model


@pytest.fixture
def scale(request):
    events = Events()
    opts = getattr(request, "param", {})
    device = open_device("scale", opts.pop("url", "sim:dialog06?rest=0.15"), events, model=quick_model(),
                         reply_timeout_s=0.5, motion_timeout_s=1.5, retry_s=0.1, debounce_s=0.2, **opts)
    device.events = events
    yield device
    device.close()


def put_on(scale, grams: float) -> None:
    """Place produce and wait until the scale itself has seen it come to rest."""
    scale.simulator.command(f"place {grams}")
    wait_for(lambda: scale.simulator.snapshot().stable and abs(scale.simulator.snapshot().gross
                                                                  - scale.simulator.model.load_g) < 3, 5)


def test_the_scale_weighs_and_prices(scale):
    put_on(scale, 1236)
    assert scale.weigh(199) == Weighing(1236, 199, 246)     # 1.236 kg x 1.99 EUR/kg = 2.45964 EUR
    assert scale.simulator.weighings == [(1236, 199, 246)]
    put_on(scale, 6000)                                      # above 6 kg the interval is 5 g
    assert scale.weigh(199).grams == 7235


def test_exact_half_cent_rounds_up(scale):
    put_on(scale, 500)
    w = scale.weigh(101)                     # 0.5 kg x 1.01 EUR/kg = 0.505 EUR -> 0.51
    assert w == Weighing(500, 101, 51)


def test_tare_and_text_go_in_record_05(scale):
    put_on(scale, 760)
    w = scale.weigh(349, tare_g=10, text="Äpfel Elstar aus dem Alten Land")
    assert w.grams == 750 and w.amount_cents == (750 * 349 + 500) // 1000
    assert any("record 05" in what and "Aepfel Elstar" in what for _, what in scale.simulator.history)


def test_weighing_in_motion_is_retried_until_the_scale_rests(scale):
    scale.simulator.command("place 2000")
    scale.simulator.command("motion 0.6")    # the shopper's hand is still on the bag
    w = scale.weigh(99)
    assert w.grams == 2000
    assert any(what == "NAK 20" for _, what in scale.simulator.history)


def test_the_scale_needs_a_weight_change_between_weighings(scale):
    put_on(scale, 334)
    scale.weigh(250)
    with pytest.raises(NoWeightChange) as info:
        scale.weigh(250)
    assert "take the item off" in info.value.shopper.lower()
    scale.simulator.command("remove 334")
    put_on(scale, 1)                                         # nothing (back through zero)
    put_on(scale, 333)
    assert scale.weigh(250).grams == 334


@pytest.mark.parametrize("grams, error", [(12, BelowMinimum), (-300, BelowZero), (16_000, ProduceOverload)])
def test_out_of_range_weights_give_clear_errors(scale, grams, error):
    if grams > 0:
        put_on(scale, grams)
    else:                                    # the pan lifted: the scale reads below zero, and moves
        scale.simulator.command(f"place {grams}")
        wait_for(lambda: scale.simulator.snapshot().gross < -100, 5)
    with pytest.raises(error) as info:
        scale.weigh(199)
    assert info.value.shopper and info.value.code in ("30", "31", "32")


def test_a_scale_that_never_rests_times_out_with_a_motion_error(scale):
    scale.simulator.command("place 900")
    scale.simulator.command("motion 10")
    with pytest.raises(ProduceScaleMotion, match="did not come to rest"):
        scale.weigh(199)


def test_rejected_records_and_general_errors(scale):
    put_on(scale, 400)
    scale.simulator.command("fail 11")
    with pytest.raises(RecordRejected, match="catalog"):
        scale.weigh(199)
    scale.simulator.command("fail 1")
    with pytest.raises(ProduceScaleError, match="general error"):
        scale.weigh(199)
    with pytest.raises(ValueError):
        scale.weigh(0)


def test_the_checksum_challenge_is_answered_by_the_provider(scale):
    put_on(scale, 640)
    scale.simulator.command("challenge")
    assert scale.weigh(150).grams == 640
    assert scale.health().info["challenges"] == 1


@pytest.mark.parametrize("scale", [{"checksum": DemoChecksum("wrong secret")}], indirect=True)
def test_a_wrong_checksum_is_refused(scale):
    put_on(scale, 640)
    scale.simulator.command("challenge")
    with pytest.raises(ChecksumRequired, match="rejected"):
        scale.weigh(150)


def test_without_a_checksum_provider_a_challenge_says_so():
    from hal.scale.dialog06 import Dialog06Scale
    from hal.scale.sim_dialog06 import Dialog06Simulator
    sim = Dialog06Simulator(model=quick_model())
    path = sim.start()
    device = Dialog06Scale(f"dialog06://{path}", reply_timeout_s=0.5)
    device.open()
    try:
        sim.command("place 640")
        sim.command("challenge")
        with pytest.raises(ChecksumRequired, match="no checksum provider"):
            device.weigh(150)
    finally:
        device.close()
        sim.stop()


def test_line_noise_and_a_slow_scale(scale):
    put_on(scale, 1500)
    scale.simulator.command("slow 300")
    scale.simulator.command("noise 20")
    assert scale.weigh(100).grams == 1500


def test_unplug_and_silence(scale):
    e = scale.events
    scale.simulator.command("unplug")
    e.status(ev.OFFLINE)
    with pytest.raises(ScaleNotAnswering):
        scale.weigh(100)
    scale.simulator.command("replug")
    wait_for(lambda: scale.status == ev.ONLINE, 5)
    put_on(scale, 800)
    assert scale.weigh(100).grams == 800
    mark = e.mark()
    scale.simulator.command("silent")
    with pytest.raises(ScaleNotAnswering):
        scale.weigh(100)
    assert "does not answer" in e.status(ev.ERROR, mark).detail
    scale.simulator.command("silent off")
    put_on(scale, 100)
    assert scale.weigh(100).grams == 900
    assert scale.status == ev.ONLINE


def test_price_records_byte_for_byte():
    assert price_record(199) == b"01" + ESC + b"000199" + ESC
    assert price_record(199, 15) == b"03" + ESC + b"000199" + ESC + b"0015"
    assert price_record(1, 0, "Bio-Möhren") == b"04" + ESC + b"000001" + ESC + b"Bio-Moehren  "
    assert price_record(999_999, 9999, "x" * 20) == b"05" + ESC + b"999999" + ESC + b"9999" + ESC + b"x" * 13
    for bad in ((0,), (1_000_000,), (199, -1), (199, 10_000), (1.5,)):
        with pytest.raises(ValueError):
            price_record(*bad)
