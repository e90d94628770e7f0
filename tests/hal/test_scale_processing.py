"""The shared signal path (ScaleProcessor), the physics model and calibration files, in virtual time.

Given a platform (the physics model) sampled like an HX711 at 80 per second, when the shopper does something, then
the processor reports what the lane should hear. No threads, no clock: every run repeats exactly.
"""

from __future__ import annotations

import json
import random

import pytest

from hal import events as ev
from hal.scale.calibration import Calibration
from hal.scale.errors import NotCalibrated, OutOfZeroRange, ScaleMoving
from hal.scale.processing import ScaleProcessor
from hal.scale.sim import LoadCellModel
from hal.scale.stability import StabilityDetector

CAL = Calibration(offset=84_210.0, counts_per_g=240.0)


class Lane:
    """A processor fed from a model at a fixed rate, in virtual time."""

    def __init__(self, model: LoadCellModel | None = None, hz: float = 80.0, counts: bool = True, **opts):
        self.model = model or LoadCellModel(random.Random(3))
        self.events: list[object] = []
        self.counts = counts
        self.proc = ScaleProcessor(self.events.append, calibration=CAL if counts else Calibration(), **opts)
        self.t = 0.0
        self.dt = 1.0 / hz

    def run(self, seconds: float, spike: dict[int, float] | None = None) -> None:
        n = int(round(seconds / self.dt))
        for i in range(n):
            self.t += self.dt
            grams = self.model.reading(self.t)
            if spike and i in spike:
                grams = spike[i]
            self.proc.feed(self.t, CAL.raw(grams) if self.counts else grams)

    def weights(self, kind: str | None = None) -> list[ev.WeightEvent]:
        return [e for e in self.events if isinstance(e, ev.WeightEvent) and (kind is None or e.kind == kind)]


def test_a_placed_item_settles_once_at_its_weight():
    lane = Lane()
    lane.run(1.0)
    lane.events.clear()
    lane.model.place(lane.t, 1234.5)
    lane.run(3.0)
    assert [e.kind for e in lane.weights()] == [ev.UNSTABLE, ev.STABLE]
    assert lane.weights(ev.STABLE)[0].grams == pytest.approx(1234.5, abs=1.0)


def test_single_sample_spikes_neither_move_nor_settle_the_scale():
    lane = Lane()
    lane.model.place(0.0, 500.0)
    lane.run(2.0)
    lane.events.clear()
    lane.run(2.0, spike={40: 9000.0, 90: -3000.0, 130: 12345.0})
    assert lane.weights() == []
    assert lane.proc.weight().grams == pytest.approx(500.0, abs=1.5)


def test_a_hand_leaning_on_the_rail_never_settles_even_sampled_at_10_per_second():
    """A plain running median would turn the sampled wobble into flat runs that look like rest."""
    for seed in range(10):
        lane = Lane(LoadCellModel(random.Random(seed)), hz=10.0)
        lane.run(2.0)
        lane.events.clear()
        lane.model.place(lane.t, 40.0)
        lane.model.lean(lane.t, 2.5, 300.0 + 100 * seed)
        lane.run(4.0)
        assert [round(e.grams) for e in lane.weights(ev.STABLE)] == [40], seed


def test_a_bump_that_changes_nothing_reports_motion_but_no_new_weight():
    lane = Lane()
    lane.model.place(0.0, 800.0)
    lane.run(2.0)
    lane.events.clear()
    lane.model.bump(lane.t, 60.0)
    lane.run(2.0)
    assert [e.kind for e in lane.weights()] == [ev.UNSTABLE]
    assert lane.proc.weight().stable


def test_device_reported_motion_keeps_the_weight_from_settling():
    lane = Lane(counts=False)
    lane.model.place(0.0, 300.0)
    for i in range(160):                      # two seconds of "S D" lines at a steady value
        lane.proc.feed(i / 80, 300.0, device_stable=False)
    assert lane.weights(ev.STABLE) == []
    lane.proc.feed(2.0, 300.0, device_stable=True)
    lane.proc.tick(2.6)
    assert lane.weights(ev.STABLE)[0].grams == 300.0


def test_overweight_only_when_it_lasts_and_the_weight_is_reported_again_afterwards():
    lane = Lane()
    lane.model.place(0.0, 9000.0)
    lane.run(2.0)
    lane.events.clear()
    lane.model.drop(lane.t, 5000.0)           # the swing passes 15 kg for a moment
    lane.run(3.0)
    assert ev.OVERWEIGHT not in [e.kind for e in lane.weights()]
    assert lane.weights(ev.STABLE)[-1].grams == pytest.approx(14000.0, abs=2.0)
    lane.model.place(lane.t, 2000.0)
    lane.run(2.0)
    assert lane.weights(ev.OVERWEIGHT)
    assert not lane.proc.weight().stable
    lane.events.clear()
    lane.model.remove(lane.t, 2000.0)         # back to the weight settled before the overload
    lane.run(2.0)
    assert lane.weights(ev.STABLE)[-1].grams == pytest.approx(14000.0, abs=2.0)


def test_lifting_the_platform_reports_under_zero():
    lane = Lane()
    lane.run(1.0)
    lane.model.place(lane.t, -400.0)          # someone lifts the platform
    lane.run(1.5)
    assert lane.weights(ev.UNDER_ZERO)
    assert lane.weights(ev.UNDER_ZERO)[0].grams < -20


def test_removal_swing_below_zero_is_no_alarm():
    lane = Lane()
    lane.model.place(0.0, 5000.0)
    lane.run(2.0)
    lane.model.remove(lane.t, 5000.0)         # rings well below zero for a moment
    lane.run(2.0)
    assert not lane.weights(ev.UNDER_ZERO)
    assert lane.weights(ev.STABLE)[-1].grams == pytest.approx(0.0, abs=1.0)


def test_zero_tracking_follows_slow_drift_of_an_empty_platform():
    model = LoadCellModel(random.Random(5), zero_drift_g_per_c=0.5, thermal_s=30.0)
    lane = Lane(model, hz=10.0)
    lane.run(2.0)
    model.set_temperature(lane.t, 24.0)       # the cell drifts 2 g as it warms up
    lane.run(240.0)
    assert model.at_rest(lane.t) == pytest.approx(2.0, abs=0.1)
    assert abs(lane.proc.detector.window_mean()) <= 0.6
    assert lane.proc.zero_g == pytest.approx(2.0, abs=0.6)


def test_zero_tracking_is_held_while_the_lane_expects_an_item():
    model = LoadCellModel(random.Random(5), zero_drift_g_per_c=0.5, thermal_s=30.0)
    lane = Lane(model, hz=10.0)
    lane.run(2.0)
    lane.proc.hold_zero_tracking(True)
    model.set_temperature(lane.t, 24.0)
    lane.run(240.0)
    assert abs(lane.proc.zero_g) < 0.5       # what it tracked before the hold, not the 2 g
    assert lane.proc.detector.window_mean() == pytest.approx(2.0, abs=0.6)


def test_zero_tracking_never_swallows_a_small_item():
    lane = Lane(hz=10.0)
    lane.run(2.0)
    lane.model.place(lane.t, 3.0)             # a chewing-gum pack
    lane.run(60.0)
    assert lane.proc.detector.window_mean() == pytest.approx(3.0, abs=0.6)
    assert lane.proc.zero_g == pytest.approx(0.0, abs=0.6)


def test_tare_and_zero_need_a_still_scale_and_zero_needs_an_empty_one():
    lane = Lane()
    lane.model.place(0.0, 120.0)              # an own bag
    lane.run(2.0)
    lane.proc.tare()
    lane.run(1.0)
    assert lane.weights(ev.STABLE)[-1].grams == pytest.approx(0.0, abs=1.0)
    with pytest.raises(OutOfZeroRange, match="take everything off"):
        lane.model.place(lane.t, 1000.0)
        lane.run(2.0)
        lane.proc.zero()
    lane.model.vibrate(lane.t, 2.0, 80.0)
    lane.run(0.3)
    with pytest.raises(ScaleMoving):
        lane.proc.tare()
    lane.run(3.0)
    lane.proc.clear_tare()
    lane.run(1.0)
    assert lane.proc.weight().grams == pytest.approx(1120.0, abs=1.5)


def test_an_uncalibrated_processor_reports_no_weights_but_keeps_raw_readings():
    events: list[object] = []
    proc = ScaleProcessor(events.append, calibration=None)
    for i in range(50):
        proc.feed(i / 10, 84_000 + i)
    assert events == [] and proc.weight() is None
    assert proc.recent_raw(3) == [84_047.0, 84_048.0, 84_049.0]
    with pytest.raises(NotCalibrated, match="kiosk calibrate scale"):
        proc.tare()


def test_calibration_survives_a_round_trip_through_its_file(tmp_path):
    path = tmp_path / "data" / "scale-calibration.json"
    cal = Calibration(offset=-1234.5, counts_per_g=-240.25, known_g=5000.0, tags={"gain": 128, "channel": "A"})
    cal.save(path)
    assert Calibration.load(path) == cal
    assert json.loads(path.read_text())["counts_per_g"] == -240.25
    assert cal.grams(cal.raw(321.0)) == pytest.approx(321.0)


@pytest.mark.parametrize("content, hint", [(None, "no calibration file"), ("{not json", "unreadable"),
                                           ('{"offset": 1}', "lacks"), ('{"offset": 1, "counts_per_g": 0}', "0")])
def test_a_missing_or_broken_calibration_file_says_to_calibrate(tmp_path, content, hint):
    path = tmp_path / "cal.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(NotCalibrated, match="run kiosk calibrate scale") as info:
        Calibration.load(path)
    assert hint in str(info.value)


def test_the_physics_model_repeats_with_the_same_seed_and_rings_then_rests():
    def run(seed):
        m = LoadCellModel(random.Random(seed))
        m.place(0.0, 1000.0)
        return [m.reading(i / 80) for i in range(400)]
    a, b = run(11), run(11)
    assert a == b and a != run(12)
    assert max(a[:40]) > 1100              # the platform rings after the placement
    assert all(abs(x - 1000) < 3 for x in a[-80:])


def test_a_dropped_item_overshoots_and_a_lean_adds_weight_only_while_it_lasts():
    m = LoadCellModel(random.Random(2), noise_g=0.0)
    m.drop(0.0, 1000.0)
    assert max(m.reading(i / 200) for i in range(100)) > 1700
    m.lean(5.0, 2.0, 300.0)
    assert m.reading(5.5) > 1200
    assert m.reading(7.5) == pytest.approx(1000.0, abs=1.0)
    assert m.load_g == 1000.0


def test_creep_is_small_and_levels_off_and_old_placements_are_folded():
    m = LoadCellModel(random.Random(2), noise_g=0.0)
    m.place(0.0, 10_000.0)
    early, late, later = m.at_rest(1.0), m.at_rest(1800.0), m.at_rest(7200.0)
    assert early == pytest.approx(10_000.0, abs=0.1)
    assert 10_000.5 < late < 10_001.1
    assert later == pytest.approx(10_001.0, abs=0.05)
    for i in range(200):                    # a long day of placements stays cheap and exact
        m.place(10_000.0 + i * 5, 10.0)
    assert len(m._steps) < 10
    assert m.at_rest(20_000.0) == pytest.approx(12_000 * (1 + m.creep_fraction), abs=0.05)


def test_detector_reset_and_disturb():
    d = StabilityDetector(window_s=0.5, band_g=3.0, resolution_g=2.0)
    assert d.feed(0.0, 100.0) is None
    assert d.poll(0.6).grams == 100.0
    d.reset()
    d.feed(1.0, 100.0)
    assert d.poll(1.6).grams == 100.0        # reported again after a reset
    d.disturb(2.0)
    assert not d.stable and d.poll(2.4) is None and d.poll(2.6) is None   # same weight: no new report
    assert d.stable
