"""The HX711 driver against the pin-level chip simulator on gpiozero mock pins.

Given a bagging scale on an HX711 (``sim:hx711``: the real driver bit-banging the simulated chip), when items go on
and off, the chip gets pre-empted, glitched or powered down, then the lane hears the right weights.
"""

from __future__ import annotations

import os

import pytest
from gpiozero.pins.mock import MockFactory

from hal import events as ev
from hal.errors import BadDeviceURL, MissingLibrary
from hal.registry import open_device
from hal.scale.calibration import Calibration, calibrate
from hal.scale.errors import CalibrationFailed
from hal.scale.hx711 import Hx711, to_signed
from hal.scale.sim_hx711 import Hx711Simulator
from halkit import wait_for
from test_scale_kit import Events, quick_model


@pytest.fixture
def scale(request):
    """An opened ``sim:hx711`` scale; parametrize indirectly with the URL."""
    events = Events()
    url = getattr(request, "param", "sim:hx711?rate=80")
    device = open_device("scale", url, events, model=quick_model(), window_s=0.25, ready_timeout_s=0.3)
    device.events = events
    yield device
    device.close()


def place(device, grams: float) -> None:
    device.simulator.command(f"place {grams}")


@pytest.mark.parametrize("scale", ["sim:hx711?rate=10", "sim:hx711?rate=80&gain=32"], indirect=True)
def test_items_settle_at_their_weight_at_10_sps_and_on_channel_b(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    place(scale, 1234.5)
    e.weight(ev.STABLE, mark, near=1234.5)
    assert ev.UNSTABLE in e.kinds(mark)
    mark = e.mark()
    place(scale, 250)
    e.weight(ev.STABLE, mark, near=1484.5)
    assert scale.health().ok and scale.health().info["channel"] == ("B" if scale.gain == 32 else "A")


@pytest.mark.parametrize("scale", ["sim:hx711?rate=80&gain=64"], indirect=True)
def test_gain_64_discards_the_first_sample_after_the_gain_change(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    chip = scale.simulator.chip
    assert chip.gain == ("A", 64)
    assert any("gain A/64" in what for _, what in chip.history)
    assert scale.stats["discarded"] >= 2          # the A/128 sample after reset and the unsettled first A/64
    mark = e.mark()
    place(scale, 3210)
    e.weight(ev.STABLE, mark, near=3210)


def test_a_read_preempted_long_enough_to_power_the_chip_down_is_survived(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    place(scale, 700)
    e.weight(ev.STABLE, near=700)
    mark = e.mark()
    for _ in range(6):
        scale.simulator.command("stall")
        wait_for(lambda: not scale.simulator.chip._stall, 5, what="the stalled read")
    place(scale, 300)
    e.weight(ev.STABLE, mark, near=1000)
    assert scale.simulator.chip.stats["power_downs"] >= 7   # the open's reset and the six stalls
    assert not [x for x in e.since(mark) if isinstance(x, ev.WeightEvent) and x.kind == ev.STABLE
                and abs(x.grams - 700) > 2 and abs(x.grams - 1000) > 2]
    assert scale.status == ev.ONLINE


def test_the_datasheet_powerdown_threshold_under_python_timing():
    """With the real 60 us threshold, pre-emption may power the chip down now and then; weights stay right."""
    events = Events()
    device = open_device("scale", "sim:hx711?rate=80&pd_us=60", events, model=quick_model(), window_s=0.25)
    try:
        events.weight(ev.STABLE, near=0.0)
        mark = events.mark()
        place(device, 2500)
        assert events.weight(ev.STABLE, mark, near=2500).grams == pytest.approx(2500, abs=2)
    finally:
        device.close()


def test_a_pulse_count_error_is_reported_and_the_chip_reset(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    mark = e.mark()
    scale.simulator.command("glitch 3")          # 25 + 3 pulses: the chip locks up until reset
    err = e.status(ev.ERROR, mark)
    assert "DOUT stays high" in err.detail
    e.status(ev.ONLINE, mark)
    assert scale.simulator.chip.stats["pulse_errors"] == 1
    assert scale.health().info["chip_resets"] == 1
    mark = e.mark()
    place(scale, 400)
    e.weight(ev.STABLE, mark, near=400)


def test_one_spurious_edge_switches_channel_for_one_sample_without_a_wrong_weight(scale):
    e = scale.events
    place(scale, 900)
    e.weight(ev.STABLE, near=900)
    mark = e.mark()
    for _ in range(3):
        scale.simulator.command("glitch 1")       # 26 pulses: channel B for the next conversion
        wait_for(lambda: scale.simulator.chip._glitch == 0, 5)
        wait_for(lambda: scale.simulator.chip.gain == ("A", 128), 5)
    place(scale, 100)
    e.weight(ev.STABLE, mark, near=1000)
    assert [x.grams for x in e.since(mark) if isinstance(x, ev.WeightEvent) and x.kind == ev.STABLE] \
        == [pytest.approx(1000, abs=2)]


def test_power_down_and_up(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    scale.power_down()
    wait_for(lambda: not scale.simulator.chip.powered, 5, what="the chip powered down")
    place(scale, 640)
    scale.power_up()
    assert scale.simulator.chip.powered
    e.weight(ev.STABLE, near=640)


def test_beyond_the_adc_range_the_scale_reports_overweight(scale):
    e = scale.events
    e.weight(ev.STABLE, near=0.0)
    place(scale, 40_000)                          # saturates the 24-bit converter
    e.weight(ev.OVERWEIGHT)
    assert scale.stats["saturated"] >= 3


def test_two_simulated_scales_coexist_in_one_process():
    a_events, b_events = Events(), Events()
    a = open_device("scale", "sim:hx711?rate=80", a_events, model=quick_model(1), window_s=0.25)
    b = open_device("scale", "sim:hx711?rate=80", b_events, model=quick_model(2), window_s=0.25)
    try:
        a.simulator.command("place 111")
        b.simulator.command("place 2222")
        a_events.weight(ev.STABLE, near=111)
        b_events.weight(ev.STABLE, near=2222)
        assert a.simulator.factory is not b.simulator.factory
    finally:
        a.close()
        b.close()


def test_an_uncalibrated_board_opens_in_error_and_kiosk_calibrate_fixes_it(tmp_path):
    path = tmp_path / "scale-calibration.json"
    events = Events()
    device = open_device("scale", "sim:hx711?rate=80&calibrated=0", events, model=quick_model(),
                         calibration_path=path, window_s=0.25)
    try:
        assert device.status == ev.ERROR
        assert device.status_detail.startswith("not calibrated: run kiosk calibrate scale (no calibration file")
        steps = []

        def ask(text: str) -> None:          # the technician follows the instructions
            steps.append(text)
            if "test weight" in text:
                device.simulator.command("place 5000")
        result = calibrate(device, 5000, ask, samples=12, settle_s=0.3)
        assert len(steps) == 2 and "Take everything off" in steps[0]
        assert result.verified_g == pytest.approx(5000, abs=2) and result.path == str(path)
        assert Calibration.load(path).counts_per_g == pytest.approx(240.0, rel=0.002)
        events.status(ev.ONLINE)
        mark = events.mark()
        device.simulator.command("remove 5000")
        events.weight(ev.STABLE, mark, near=0.0)
    finally:
        device.close()
    # The next start loads the saved calibration.
    again = Events()
    device = open_device("scale", "sim:hx711?rate=80&calibrated=0", again, model=quick_model(),
                         calibration_path=path, window_s=0.25)
    try:
        assert device.status == ev.ONLINE
        device.simulator.command("place 321")
        again.weight(ev.STABLE, near=321)
    finally:
        device.close()


def test_calibration_refuses_a_weight_that_changes_nothing(tmp_path):
    device = open_device("scale", "sim:hx711?rate=80&calibrated=0", Events(), model=quick_model(),
                         calibration_path=tmp_path / "cal.json")
    try:
        with pytest.raises(CalibrationFailed, match="load cell wired"):
            calibrate(device, 5000, lambda text: None, samples=10, settle_s=0.1)   # nobody puts the weight on
        assert not (tmp_path / "cal.json").exists()
    finally:
        device.close()


def test_calibration_refuses_a_too_light_weight_and_a_scale_that_reports_grams():
    device = open_device("scale", "sim:hx711?rate=80", Events(), model=quick_model())
    serial = open_device("scale", "sim:sics", Events(), model=quick_model())
    try:
        with pytest.raises(CalibrationFailed, match="too light"):
            calibrate(device, 100, lambda text: None, settle_s=0)
        with pytest.raises(CalibrationFailed, match="calibrated on the device"):
            calibrate(serial, 5000, lambda text: None, settle_s=0)
    finally:
        device.close()
        serial.close()


def test_a_calibration_for_another_gain_is_not_used(tmp_path):
    path = tmp_path / "cal.json"
    Calibration(84_210.0, 240.0, tags={"channel": "A", "gain": 128}).save(path)
    device = open_device("scale", "sim:hx711?rate=80&gain=64&calibrated=0", Events(), calibration_path=path)
    try:
        assert device.status == ev.ERROR and "gain 128" in device.status_detail
    finally:
        device.close()


def test_without_a_gpio_library_the_error_says_what_to_install(monkeypatch):
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    with pytest.raises(MissingLibrary, match=r"pip install 'kiosk\[pi\]'"):
        open_device("scale", "hx711:?dout=5&sck=6", pin_factory="lgpio")
    with pytest.raises(BadDeviceURL, match="sim:hx711"):
        open_device("scale", "hx711:?dout=5&sck=6&factory=mock")


@pytest.mark.parametrize("url, hint", [("hx711:?sck=6", "DOUT"), ("hx711:?dout=5&sck=6&gain=100", "128 or 64"),
                                       ("hx711:?dout=5&sck=6&rate=20", "10 or 80"),
                                       ("hx711:?dout=5&sck=6&gain=32&channel=A", "channel A")])
def test_bad_urls_are_explained(url, hint):
    with pytest.raises(BadDeviceURL, match=hint):
        Hx711(url)


def test_the_pins_are_reserved_while_the_driver_runs():
    sim = Hx711Simulator(model=quick_model())
    sim.start()
    cal = sim.calibration()
    first = Hx711("hx711:?dout=5&sck=6&rate=10", pin_factory=sim.factory, calibration=cal, reset_hold_s=0.01)
    first.open()
    try:
        with pytest.raises(Exception, match="in use"):
            Hx711("hx711:?dout=5&sck=6", pin_factory=sim.factory, calibration=cal).open()
    finally:
        first.close()
        sim.stop()


# ----------------------------------------------------------------------------- the chip model at pin level

def clock_in(sck, dout, pulses: int) -> int:
    value = 0
    for n in range(pulses):
        sck.state = True
        sck.state = False
        if n < 24:
            value = (value << 1) | int(dout.state)
    return to_signed(value)


@pytest.fixture
def chip_pins():
    factory = MockFactory()
    now = [0.0]
    sim = Hx711Simulator(model=quick_model(), rate=80, factory=factory, clock=lambda: now[0], noise_counts=0.0)
    sim.start()
    sck, dout = factory.pin(6), factory.pin(5)
    sck.function = "output"
    sck.state = False
    yield sim, sck, dout, now
    sim.stop()
    factory.close()


def test_chip_shifts_msb_first_and_the_extra_pulses_choose_the_next_gain(chip_pins):
    sim, sck, dout, now = chip_pins
    sim.model.noise_g = 0.0
    assert dout.state                         # converting: not ready for 4 periods after power-up
    now[0] += 0.06
    assert not dout.state
    values = []
    for pulses in (27, 26, 26, 25, 25, 25):   # A/128 -> A/64 -> B/32 -> B/32 -> A/128 -> A/128
        values.append(clock_in(sck, dout, pulses))
        now[0] += 0.0125
    assert values[0] == 84_210                # power-up default: A/128
    assert values[1] == pytest.approx((84_210 + 42_105) / 2, abs=1)    # first A/64 conversion: not settled
    assert values[2] == pytest.approx((42_105 - 31_500) / 2, abs=1)    # first on channel B: not settled
    assert values[3] == -31_500               # channel B, its own offset
    assert values[5] == 84_210
    assert sim.chip.stats["pulse_errors"] == 0


def test_chip_errors_on_too_many_or_too_few_pulses_until_reset(chip_pins):
    sim, sck, dout, now = chip_pins
    now[0] += 0.06
    clock_in(sck, dout, 28)
    assert sim.chip.in_error
    now[0] += 0.5
    assert dout.state                         # silent until reset
    sck.state = True
    now[0] += 0.001                           # > 60 us high: power-down
    assert not sim.chip.powered
    sck.state = False
    now[0] += 0.06
    assert not dout.state and not sim.chip.in_error
    clock_in(sck, dout, 10)                   # a read abandoned half way
    now[0] += 0.05
    assert dout.state and sim.chip.in_error


def test_negative_readings_and_saturation_use_24_bit_twos_complement(chip_pins):
    sim, sck, dout, now = chip_pins
    assert to_signed(0x7FFFFF) == 8_388_607 and to_signed(0x800000) == -8_388_608 and to_signed(0xFFFFFF) == -1
    sim.model.place(-10.0, -1000.0)           # platform lifted: 84210 - 240000 counts
    sim.model.noise_g = 0.0
    now[0] += 0.06
    assert clock_in(sck, dout, 25) == 84_210 - 240_000
    sim.model.place(-10.0, 50_000.0)
    now[0] += 0.0125
    assert clock_in(sck, dout, 25) == 8_388_607


def test_no_gpio_factory_is_global_state():
    from gpiozero import Device
    before = Device.pin_factory
    device = open_device("scale", "sim:hx711?rate=80", Events(), model=quick_model())
    device.close()
    assert Device.pin_factory is before
    assert os.environ.get("GPIOZERO_PIN_FACTORY") != "mock"
