"""The bagging-area and fraud rules, told to the pure reducer: kinder to honest shoppers, stricter on losses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.lane import effects as fx
from kiosk.lane.events import AttendantCommand, AttendantSignedIn, PaymentResult, Tick, Touched, WeightSettled
from kiosk.lane.reducer import next_deadline, reduce
from kiosk.lane.settings import Settings
from kiosk.lane.state import PAYMENT, SCANNING
from kiosk.security import risk
from kiosk.security.weights import WeightEstimate
from lanekit import BEER, MILK, VODKA, WATER_CRATE, run, scanned, started

MILK_CODE = MILK.gtins[0][1:]
BEER_CODE = BEER.gtins[0][1:]
VODKA_CODE = VODKA.gtins[0][1:]
CRATE_CODE = WATER_CRATE.gtins[0][1:]
CONFIRM = Settings().confirm_s


def iv_kinds(state) -> set[str]:
    return {i.kind for i in state.open_interventions}


def of(effects, cls):
    return [e for e in effects if isinstance(e, cls)]


def cmd(state, command, t, **kw):
    state, _ = reduce(state, AttendantSignedIn(t, "anna", "attendant"))
    return reduce(state, AttendantCommand(t, command, "anna", "attendant", f"c{t}-{command}", **kw))


def milk_bagged(settings: Settings | None = None):
    return run(started(settings), scanned(1, MILK_CODE), WeightSettled(2, 1035))[0]


def test_a_hand_leaning_on_the_rail_is_not_an_item():
    s = milk_bagged()
    s, effects = run(s, WeightSettled(3, 1835), WeightSettled(3 + CONFIRM * 0.8, 1036))
    assert not s.interventions and not of(effects, fx.Sound)
    assert s.bagging.suspect_t is None and next_deadline(s) != 3 + CONFIRM


def test_a_lean_that_lasts_becomes_a_prompt_and_ends_when_the_hand_goes():
    s = milk_bagged()
    s, _ = run(s, WeightSettled(3, 1835), Tick(3 + CONFIRM))
    (iv,) = s.open_interventions
    assert iv.kind == "unexpected_item" and iv.status == "nudge"
    s, _ = run(s, WeightSettled(6, 1034))
    assert not s.open_interventions and s.interventions[-1].resolved_by == "shopper"


def test_an_own_bag_placed_before_the_first_scan_is_asked_about_and_taken_as_tare():
    s, _ = run(started(), Touched(0.5, "start"), WeightSettled(1, 95), Tick(1 + CONFIRM))
    (iv,) = s.open_interventions
    assert iv.kind == "unexpected_item" and iv.prompt == "own_bag"
    s, _ = run(s, Touched(4, "own_bag"))
    assert not s.open_interventions and s.bagging.tare_g == 95 and s.bagging.accepted_g == 95
    s, _ = run(s, scanned(5, MILK_CODE), WeightSettled(6, 95 + 1035))
    assert s.mode == SCANNING and not s.open_interventions


def test_an_item_placed_after_the_first_scan_is_asked_to_be_scanned():
    s = milk_bagged()
    s, _ = run(s, WeightSettled(3, 1035 + 520), Tick(3 + CONFIRM))
    assert s.open_interventions[0].prompt == "scan_or_remove"


def test_the_first_small_mismatch_is_forgiven_and_the_second_is_not():
    s, _ = run(started(), scanned(1, MILK_CODE))
    s = replace(s, bagging=replace(s.bagging, tare_g=60.0))   # a bag is down: an excess is not asked about as one
    tol = s.bagging.expected[0].tolerance_g
    s, _ = run(s, WeightSettled(2, 1035 + 1.2 * tol), Tick(2 + CONFIRM))
    assert not s.open_interventions and s.mode == SCANNING
    assert s.bagging.forgiven == 1 and s.bagging.placements[-1].forgiven
    bagged = s.bagging.accepted_g
    s, _ = run(s, scanned(5, MILK_CODE), WeightSettled(6, bagged + 1035 + 1.2 * tol), Tick(6 + CONFIRM))
    (iv,) = s.open_interventions
    assert iv.kind == "weight_mismatch" and iv.prompt == "place_scanned_only" and iv.item == MILK.name
    assert "forgiven:1" in risk.score(s).reasons


def test_a_mismatch_is_not_forgiven_when_the_store_says_so():
    s, _ = run(started(Settings(forgive_first=False)), scanned(1, MILK_CODE))
    s = replace(s, bagging=replace(s.bagging, tare_g=60.0))
    tol = s.bagging.expected[0].tolerance_g
    s, _ = run(s, WeightSettled(2, 1035 + 1.5 * tol), Tick(2 + CONFIRM))
    assert s.open_interventions[0].kind == "weight_mismatch"


def test_a_cheaper_lighter_code_with_a_heavier_item_bagged_is_a_mismatch_and_reaches_the_attendant():
    s = started()
    s, _ = run(s, scanned(1, BEER_CODE), WeightSettled(2, 1150), Tick(2 + CONFIRM))   # a beer scanned, vodka bagged
    iv = next(i for i in s.open_interventions if i.kind == "weight_mismatch")
    assert iv.expected_g == BEER.weight_g and iv.measured_g == 1150 and iv.sku == BEER.sku
    s, effects = run(s, Tick(2 + CONFIRM + s.settings.nudge_s))
    alert = next(a for a in of(effects, fx.Alert) if a.intervention.kind == "weight_mismatch")
    assert alert.intervention.reasons and alert.intervention.risk > 0     # the attendant sees why it matters


def test_an_item_taken_back_out_without_a_void_is_asked_to_be_put_back():
    s = milk_bagged()
    s, _ = run(s, WeightSettled(10, 0), Tick(10 + CONFIRM))
    (iv,) = s.open_interventions
    assert iv.kind == "item_removed" and iv.prompt == "put_back" and iv.blocking


def test_a_voided_item_left_in_the_bag_is_asked_to_be_taken_out():
    s = milk_bagged()
    s, _ = run(s, Touched(3, "void_last"))
    assert s.bagging.expected[0].weight_g == -1035
    s, _ = run(s, Tick(3 + s.settings.bag_timeout_s))
    (iv,) = s.open_interventions
    assert iv.kind == "item_not_bagged" and iv.prompt == "remove_voided"
    s, _ = run(s, WeightSettled(30, 2))
    assert not s.open_interventions and s.mode == SCANNING


def test_items_that_may_stay_in_the_trolley_are_accepted_when_bagged_anyway():
    s, _ = run(started(), scanned(1, CRATE_CODE), WeightSettled(3, 14520))
    assert not s.interventions and not s.bagging.expected and s.bagging.accepted_g == 14520
    s, _ = run(s, Touched(4, "void_last"))       # voided after it was bagged: it must leave again
    assert s.bagging.expected[0].weight_g == -14520


def test_an_accepted_placement_teaches_the_weight_table_and_an_approved_one_teaches_more():
    s = started()
    s, effects = run(s, scanned(1, MILK_CODE), WeightSettled(2, 1040))
    (obs,) = of(effects, fx.WeightObserved)
    assert obs.item.sku == MILK.sku and obs.grams == 1040 and not obs.confirmed
    s, _ = run(s, scanned(3, MILK_CODE), WeightSettled(4, 1040 + 1160), Tick(4 + CONFIRM))
    assert s.open_interventions[0].kind == "weight_mismatch"
    s, effects = cmd(s, "approve", 20)
    (obs,) = of(effects, fx.WeightObserved)
    assert obs.confirmed and obs.grams == 1160 and not s.open_interventions


def test_two_items_placed_together_teach_nothing():
    s, effects = run(started(), scanned(1, MILK_CODE), scanned(2, MILK_CODE), WeightSettled(3, 2070))
    assert not s.open_interventions and not of(effects, fx.WeightObserved)


def test_a_learned_weight_replaces_the_catalog_weight_and_its_spread_sets_the_tolerance():
    learned = WeightEstimate(1100.0, 4.0, 40.0, obs=37)
    s, _ = run(started(), replace(scanned(1, MILK_CODE), learned=learned))
    exp = s.bagging.expected[0]
    assert exp.source == "learned" and exp.weight_g == 1100
    assert exp.tolerance_g == pytest.approx(max(s.settings.tolerance_floor_g,
                                                s.settings.tolerance_sigma * (4.0 * (1 + 1 / 40)) ** 0.5))
    s, _ = run(s, WeightSettled(2, 1101))
    assert not s.open_interventions and s.mode == SCANNING


def test_the_catalog_weight_model_ignores_what_was_learned():
    learned = WeightEstimate(1100.0, 4.0, 40.0, obs=37)
    s, _ = run(started(Settings(weight_model="catalog")), replace(scanned(1, MILK_CODE), learned=learned))
    exp = s.bagging.expected[0]
    assert exp.weight_g == 1035 and exp.tolerance_g == MILK.weight_tolerance_g


LEARNED_MILK = WeightEstimate(1035.0, 64.0, 40.0, obs=37)     # sd 8 g: tolerance 3 x 8.1 = 24.3 g


def learned_milk(t: float):
    return replace(scanned(t, MILK_CODE), learned=LEARNED_MILK)


def test_small_excesses_under_every_scan_add_up_and_are_caught_at_payment():
    s = started()
    bagged = 0.0
    for i in range(8):    # each milk 20 g heavy: within its own tolerance, but never on the light side
        bagged += 1035 + 20
        s, _ = run(s, learned_milk(10 * i + 1), WeightSettled(10 * i + 2, bagged))
    assert not s.open_interventions
    s, effects = run(s, Touched(100, "pay"))
    (iv,) = s.open_interventions
    assert iv.kind == "total_mismatch" and iv.prompt == "put_all_back" and not of(effects, fx.Charge)
    assert iv.expected_g == 8 * 1035 and iv.measured_g == pytest.approx(8 * 1055)


def test_an_honest_basket_passes_the_total_check():
    s = started()
    bagged = 0.0
    for i, dev in enumerate((4, -6, 9, -3, 0, 7, -8, 2)):
        bagged += 1035 + dev
        s, _ = run(s, learned_milk(10 * i + 1), WeightSettled(10 * i + 2, bagged))
    s, effects = run(s, Touched(100, "pay"))
    assert s.mode == PAYMENT and of(effects, fx.Charge)


def test_a_random_rescan_audit_stops_before_payment_until_the_attendant_has_rescanned():
    s = milk_bagged(Settings(audit_seed="store-secret", audit_base=1.0, audit_max=1.0))
    s, effects = run(s, Touched(5, "pay"))
    (iv,) = s.open_interventions
    assert iv.kind == "rescan_audit" and iv.status == "alerted" and not of(effects, fx.Charge)
    assert s.txn.audit == "pending"
    s, _ = cmd(s, "audit_done", 30, arg="ok")
    assert not s.open_interventions and s.txn.audit == "ok"
    assert s.interventions[-1].resolution == "audit_ok"
    s, effects = run(s, Touched(31, "pay"))
    assert s.mode == PAYMENT and of(effects, fx.Charge)     # one audit per transaction


def test_without_a_seed_there_are_no_audits_and_the_draw_is_the_same_on_replay():
    s = milk_bagged(Settings(audit_base=1.0, audit_max=1.0))
    s, effects = run(s, Touched(5, "pay"))
    assert of(effects, fx.Charge)
    seeded = milk_bagged(Settings(audit_seed="x"))
    assert risk.audit_draw(seeded, seeded.txn) == risk.audit_draw(seeded, seeded.txn)
    other = replace(seeded, settings=replace(seeded.settings, audit_seed="y"))
    assert risk.audit_draw(seeded, seeded.txn) != risk.audit_draw(other, other.txn)


def test_the_audit_probability_rises_with_the_risk_score():
    s = milk_bagged(Settings(audit_seed="x", audit_base=0.01, audit_per_point=0.05, audit_max=0.5))
    calm = risk.score(s)
    assert calm.score == 0 and risk.audit_probability(calm, s) == pytest.approx(0.01)
    for t in (3, 4, 5):
        s, _ = run(s, scanned(t, VODKA_CODE), WeightSettled(t + 0.5, s.bagging.accepted_g + 1150))
    r = risk.score(s)
    assert "high_value:1" in r.reasons        # one line of three vodkas
    assert risk.audit_probability(r, s) > 0.01


def test_risk_signals_are_counted_and_explained():
    s = started(Settings(scan_gap_s=30))
    s, _ = run(s, scanned(1, MILK_CODE), WeightSettled(2, 1035), scanned(100, BEER_CODE),
               WeightSettled(101, 1035 + 520), Touched(102, "void_last"), WeightSettled(103, 1035),
               scanned(104, BEER_CODE), WeightSettled(105, 1035 + 520), Touched(106, "void_last"),
               WeightSettled(107, 1035))
    r = risk.score(s)
    assert "scan_gap:1" in r.reasons and "voids:1" in r.reasons   # the first void is free
    assert r.score == pytest.approx(s.settings.risk_scan_gap + s.settings.risk_void)


def test_a_no_bag_item_in_the_trolley_does_not_hold_up_bagging_or_payment():
    s, _ = run(started(), scanned(1, CRATE_CODE), scanned(2, MILK_CODE), WeightSettled(3, 1035))
    assert s.mode == SCANNING
    s, effects = run(s, Touched(4, "pay"))
    assert s.mode == PAYMENT and of(effects, fx.Charge)


def test_a_bag_put_down_with_the_first_item_is_asked_about_and_then_taken_as_tare():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035 + 140), Tick(2 + CONFIRM))
    (iv,) = s.open_interventions
    assert iv.kind == "weight_mismatch" and iv.prompt == "own_bag"
    s, effects = run(s, Touched(6, "own_bag"))
    assert not s.open_interventions and s.mode == SCANNING
    assert s.bagging.tare_g == pytest.approx(140) and s.bagging.placements[-1].delta_g == pytest.approx(1035)
    (obs,) = of(effects, fx.WeightObserved)
    assert obs.grams == pytest.approx(1035)                 # the milk is learned without the bag


def test_a_heavy_unscanned_item_is_not_offered_as_a_bag():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035 + 1150), Tick(2 + CONFIRM))
    assert s.open_interventions[0].prompt == "place_scanned_only"


def test_the_total_check_leaves_out_catalog_weights_not_yet_learned_and_what_an_attendant_approved():
    s = started()
    bagged = 0.0
    for i in range(8):    # catalog weights may be biased by more than their tolerance: not summed
        bagged += 1035 + 25
        s, _ = run(s, scanned(10 * i + 1, MILK_CODE), WeightSettled(10 * i + 2, bagged))
    s, effects = run(s, Touched(100, "pay"))
    assert s.mode == PAYMENT and of(effects, fx.Charge)


def test_items_are_not_overdue_while_the_shopper_waits_for_a_stop_to_end():
    s, _ = run(started(), scanned(1, MILK_CODE), WeightSettled(2, 1035), scanned(3, BEER_CODE),
               WeightSettled(4, 1035 + 1150), Tick(4 + CONFIRM))          # a mismatch: a stop
    assert s.blocked and next_deadline(s) == 4 + CONFIRM + s.settings.nudge_s   # not the beer's bag timeout
    s, _ = run(s, Tick(4 + CONFIRM + s.settings.nudge_s), Tick(40))
    assert not any(i.kind == "item_not_bagged" for i in s.interventions)
    s, _ = cmd(s, "void_line", 45, line=s.txn.lines[-2].id)                # the attendant voids the beer ...
    s, _ = run(s, WeightSettled(47, 1035))                                 # ... which is taken out
    assert not s.blocked


def test_when_a_stop_ends_the_shopper_gets_the_full_bagging_time_again():
    s, _ = run(started(), scanned(1, MILK_CODE), scanned(1.5, BEER_CODE), WeightSettled(2, 1150),
               Tick(2 + CONFIRM))
    assert s.blocked and iv_kinds(s) == {"age_check", "weight_mismatch"}
    s, _ = run(s, Tick(2 + CONFIRM + s.settings.nudge_s), Tick(30))
    assert not any(i.kind == "item_not_bagged" for i in s.interventions)
    s, _ = run(s, WeightSettled(31, 0))              # the wrong item is taken off: the stop ends
    assert not s.blocked and {e.t_due for e in s.bagging.expected} == {31 + s.settings.bag_timeout_s}


def test_a_bag_put_down_just_before_a_scan_is_the_bag_alone():
    # The scale settles half a second after the scan: the milk cannot be in that change yet.
    s, _ = run(started(), Touched(0.5, "start"), scanned(1, MILK_CODE), WeightSettled(1.5, 1175), Tick(1.5 + CONFIRM))
    assert s.open_interventions[0].prompt == "place_scanned_only"   # 1175 g is no bag by itself
    s, _ = run(started(), Touched(0.5, "start"), scanned(1, MILK_CODE), WeightSettled(1.5, 140), Tick(1.5 + CONFIRM))
    assert s.open_interventions[0].prompt == "own_bag"
    s, _ = run(s, Touched(5, "own_bag"))
    assert not s.open_interventions and s.bagging.tare_g == 140 and len(s.bagging.expected) == 1
    s, _ = run(s, WeightSettled(8, 140 + 1035))
    assert s.mode == SCANNING and not s.bagging.expected


def test_an_item_put_down_before_the_transaction_starts_is_not_taken_as_the_empty_scale():
    s = started()
    s, _ = run(s, WeightSettled(1, 160))                    # on the welcome screen: something is put down
    assert s.bagging.accepted_g == 0 and s.mode == "welcome"
    s, _ = run(s, scanned(5, MILK_CODE))                    # the first scan starts the transaction
    assert s.bagging.suspect_t == 5
    s, _ = run(s, Tick(5 + CONFIRM))
    (iv,) = [i for i in s.open_interventions if i.kind == "weight_mismatch"]
    assert iv.prompt == "own_bag"                           # 160 g could be a bag: the shopper is asked


def test_between_shoppers_bags_taken_away_lower_the_empty_weight():
    s, _ = run(milk_bagged(), Touched(3, "pay"), PaymentResult(5, "test-1-1-1", "approved", 129),
               Touched(6, "receipt", "none"))
    assert s.mode == "thank_you"
    s, _ = run(s, WeightSettled(8, 0.4), Tick(8 + s.settings.thank_you_s))
    assert s.mode == "welcome" and s.bagging.accepted_g == 0.4
    s, _ = run(s, Touched(20, "start"))
    assert s.bagging.suspect_t is None and not s.open_interventions
