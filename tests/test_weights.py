"""The learning rule for item weights (kiosk/security/weights.py): priors, learning, rejection, forgetting, tolerances.

Every expected number here is worked out by hand from the rule in the module's docstring and the default settings
(tolerance_sigma 4, tolerance_floor_g 6, prior_n 3, confirmed_weight 3, reject_sigma 5, min_obs_to_reject 3,
max_n 60, category_min_obs 10, category_range_sigma 3); the working is in the comments.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import replace

import pytest

from kiosk.domain.item import Item
from kiosk.lane.settings import Settings
from kiosk.security.weights import (CategoryEstimate, Expected, WeightEstimate, category_key, expected, observe,
                                    observe_category, prior, sku_key)
from tests.lanekit import GOUDA, MILK, ROLL, VODKA

S = Settings(tolerance_sigma=4.0, forgive_factor=2.0)   # the numbers below are worked out for these
CAN = Item("900001", "Bohnen 500 g Dose", 99, 700, weight_g=500.0, weight_tolerance_g=20.0, category="Konserven")


def learn_all(est: WeightEstimate, grams, settings: Settings = S, confirmed: bool = False) -> WeightEstimate:
    for g in grams:
        est = observe(est, g, settings, confirmed)
    return est


# ------------------------------------------------------------------------------------------------------- keys

def test_keys_name_articles_and_categories():
    assert sku_key("100001") == "sku:100001"
    assert category_key("Backwaren") == "cat:Backwaren"


# ------------------------------------------------------------------------------------------------------ prior

def test_the_prior_is_the_catalog_weight_with_half_its_tolerance_as_spread():
    est = prior(MILK, None, S)                       # 1035 g +- 20 g: sd 10, var 100
    assert est == WeightEstimate(1035.0, 100.0, 3.0, obs=0, rejected=0, confirmed=0)
    assert est.sd_g == 10.0


def test_without_a_catalog_tolerance_the_prior_spread_is_half_the_default_percentage():
    est = prior(VODKA, None, S)                      # 1150 g x 5 % / 2 = 28.75 g
    assert est.mean_g == 1150.0
    assert est.var_g2 == pytest.approx(28.75 ** 2)
    assert est.n == S.prior_n


def test_the_prior_spread_is_never_below_the_floor_over_sigma():
    tiny = Item("900002", "Kaugummi", 99, 1900, weight_g=20.0)   # 20 x 5 % / 2 = 0.5 g < 6 / 4 = 1.5 g
    assert prior(tiny, None, S).var_g2 == pytest.approx(1.5 ** 2)
    pinned = Item("900003", "Schraube", 5, 1900, weight_g=50.0, weight_tolerance_g=1.0)   # 0.5 g -> 1.5 g
    assert prior(pinned, None, S).sd_g == pytest.approx(1.5)


def test_no_prior_without_a_catalog_weight():
    assert prior(ROLL, None, S) is None
    assert prior(replace(MILK, weight_g=0.0), None, S) is None
    assert prior(ROLL, CategoryEstimate(cv2=0.01, cv_n=50, log_mean=math.log(60), log_var=0.01, log_n=50), S) is None


def test_a_category_spread_widens_the_prior_once_it_has_evidence():
    wide = CategoryEstimate(cv2=0.01, cv_n=3)        # cv 10 %: 1035 x 0.1 = 103.5 g > 10 g
    assert prior(MILK, wide, S).sd_g == pytest.approx(103.5)
    assert prior(MILK, replace(wide, cv_n=2), S).sd_g == pytest.approx(10.0)      # 2 < min_obs_to_reject: ignored
    narrow = CategoryEstimate(cv2=0.005 ** 2, cv_n=40)   # 0.5 %: 5.175 g < 10 g: the catalog's spread stays
    assert prior(MILK, narrow, S).sd_g == pytest.approx(10.0)


def test_prior_n_is_the_weight_of_the_prior():
    assert prior(MILK, None, replace(S, prior_n=7.5)).n == 7.5


# ---------------------------------------------------------------------------------------------------- observe

def test_one_observation_moves_the_prior_by_a_quarter_of_the_difference():
    # n 3 -> 4, mean 1035 + 65 / 4 = 1051.25, S = 100 x 3 + 65 x (1100 - 1051.25) = 3468.75, var = 3468.75 / 4.
    est = observe(prior(MILK, None, S), 1100.0, S)
    assert est.n == 4.0 and est.obs == 1 and est.rejected == 0 and est.confirmed == 0
    assert est.mean_g == pytest.approx(1051.25)
    assert est.var_g2 == pytest.approx(867.1875)


def test_learning_converges_to_the_true_mean_and_spread_from_a_biased_prior():
    rng = random.Random(20240605)
    draws = [rng.gauss(560.0, 6.0) for _ in range(200)]
    est = learn_all(prior(CAN, None, S), draws)          # the catalog says 500 g, the cans weigh 560 g
    assert est.obs == 200 and est.rejected == 0
    assert est.n == S.max_n + 1                          # capped evidence plus the newest observation
    # With the evidence capped at 60 the mean is an average over the last ~60 draws: its error is ~6 / sqrt(120).
    recent = draws[-60:]
    assert abs(est.mean_g - 560.0) < 2.0
    assert abs(est.mean_g - statistics.fmean(recent)) < 1.5
    # The spread: the biased start fades as (60/61)^k; what is left after 200 draws is a few g^2 on top of 36.
    assert 4.5 < est.sd_g < 8.0
    assert abs(est.sd_g - statistics.pstdev(recent)) < 1.5
    exp = expected(CAN, est, None, S)
    assert exp.source == "learned" and exp.mean_g == est.mean_g
    # The tolerance is tolerance_sigma predicted spreads: sd x sqrt(1 + 1/n), n = 61.
    assert exp.tolerance_g == pytest.approx(4.0 * est.sd_g * math.sqrt(1 + 1 / 61))
    assert 18.0 < exp.tolerance_g < 32.0                 # about 4 x 6 g, far tighter than the prior's 46 g
    assert exp.sd_g == pytest.approx(est.sd_g * math.sqrt(1 + 1 / 61))


def test_a_very_even_article_gets_the_floor_tolerance():
    rng = random.Random(7)
    est = learn_all(prior(CAN, None, S), [rng.gauss(500.0, 0.2) for _ in range(300)])
    assert est.sd_g < 0.5
    exp = expected(CAN, est, None, S)
    assert exp.tolerance_g == S.tolerance_floor_g == 6.0      # 4 x 0.2 g would be below the scale's resolution
    assert exp.sd_g == pytest.approx(1.5)                     # floor / sigma, for the total check
    assert expected(CAN, est, None, replace(S, tolerance_floor_g=10.0)).tolerance_g == 10.0


def test_an_outlier_is_learned_before_min_obs_to_reject_observations_exist():
    # Two exact 1035 g placements: n 5, S stays 300, var 60. The third (+80 g, a second item) is learned:
    # n 6, mean 1035 + 80/6 = 1048.33, S = 300 + 80 x 66.67 = 5633.33, var 938.89.
    two = learn_all(prior(MILK, None, S), [1035.0, 1035.0])
    assert two.obs == 2 and two.n == 5.0 and two.var_g2 == pytest.approx(60.0)
    est = observe(two, 1115.0, S)
    assert est.obs == 3 and est.rejected == 0
    assert est.mean_g == pytest.approx(1035.0 + 80.0 / 6.0)
    assert est.var_g2 == pytest.approx((300.0 + 80.0 * (1115.0 - (1035.0 + 80.0 / 6.0))) / 6.0)


def test_an_outlier_is_rejected_once_min_obs_to_reject_observations_exist():
    three = learn_all(prior(MILK, None, S), [1035.0] * 3)   # n 6, var 300/6 = 50, sd 7.07: reject beyond 35.4 g
    assert three.obs == 3 and three.var_g2 == pytest.approx(50.0)
    stacked = observe(three, 1115.0, S)                     # +80 g: a second item under one scan
    assert stacked == replace(three, rejected=1)            # counted, mean, spread and evidence unchanged
    again = observe(stacked, 1115.0, S)
    assert again.rejected == 2 and again.mean_g == 1035.0 and again.obs == 3
    near = observe(three, 1060.0, S)                        # +25 g is within 5 sd: learned
    assert near.obs == 4 and near.rejected == 0 and near.mean_g == pytest.approx(1035.0 + 25.0 / 7.0)
    lighter = observe(three, 995.0, S)                      # -40 g: rejected as well
    assert lighter.rejected == 1 and lighter.mean_g == 1035.0


def test_rejection_waits_for_the_configured_number_of_observations():
    settings = replace(S, min_obs_to_reject=5)
    four = learn_all(prior(MILK, None, settings), [1035.0] * 4, settings)
    assert observe(four, 1115.0, settings).rejected == 0
    five = observe(four, 1035.0, settings)
    assert observe(five, 1115.0, settings).rejected == 1


def test_the_rejection_band_is_at_least_reject_sigma_floor_spreads():
    # sd 0 is floored at 6 / 4 = 1.5 g: the band is 5 x 1.5 = 7.5 g either way.
    est = WeightEstimate(500.0, 0.0, 60.0, obs=50)
    assert observe(est, 507.0, S).obs == 51
    assert observe(est, 493.0, S).obs == 51
    assert observe(est, 508.0, S).rejected == 1
    assert observe(est, 492.0, S).rejected == 1


def test_a_confirmed_observation_is_never_rejected_and_counts_confirmed_weight_times():
    three = learn_all(prior(MILK, None, S), [1035.0] * 3)   # n 6, var 50
    est = observe(three, 1115.0, S, confirmed=True)
    # w 3: n 9, mean 1035 + 3 x 80 / 9 = 1061.67, S = 300 + 3 x 80 x (1115 - 1061.67) = 13100, var 1455.56.
    assert est.obs == 4 and est.confirmed == 1 and est.rejected == 0 and est.n == 9.0
    assert est.mean_g == pytest.approx(1035.0 + 240.0 / 9.0)
    assert est.var_g2 == pytest.approx(13100.0 / 9.0)
    far = observe(WeightEstimate(500.0, 1.0, 60.0, obs=500), 900.0, S, confirmed=True)
    assert far.rejected == 0 and far.confirmed == 1 and far.mean_g == pytest.approx(500.0 + 3 * 400.0 / 63.0)
    heavier = replace(S, confirmed_weight=5.0)
    assert observe(three, 1115.0, heavier, confirmed=True).n == 11.0


def test_max_n_caps_the_evidence():
    est = WeightEstimate(500.0, 4.0, 1000.0, obs=1000)      # an imported estimate with lots of evidence
    after = observe(est, 510.0, S)                          # counts as 60: n 61, mean 500 + 10/61
    assert after.n == 61.0 and after.obs == 1001
    assert after.mean_g == pytest.approx(500.0 + 10.0 / 61.0)
    assert after.var_g2 == pytest.approx((4.0 * 60.0 + 10.0 * (510.0 - 500.0 - 10.0 / 61.0)) / 61.0)


def test_after_a_pack_change_the_mean_follows_within_a_few_dozen_observations():
    old = WeightEstimate(500.0, 4.0, S.max_n, obs=400)      # a well-known 500 g pack, sd 2 g
    assert observe(old, 450.0, S).rejected == 1             # the lighter pack is first taken for a wrong item
    # An attendant confirms two: n 63 each, the mean moves 3 x gap / 63 each time (500 -> 497.6 -> 495.4) and the
    # spread opens to ~14.6 g, so 450 g is within 5 sd and no longer rejected.
    est = learn_all(old, [450.0, 450.0], confirmed=True)
    assert est.confirmed == 2
    assert est.mean_g == pytest.approx(495.35, abs=0.05)
    assert 13.0 < est.sd_g < 16.0
    rng = random.Random(3)
    for k in range(48):
        g = rng.gauss(450.0, 2.0)
        exp = expected(CAN, est, None, S)
        assert abs(g - exp.mean_g) <= exp.tolerance_g, f"placement {k} of the new pack would be stopped"
        est = observe(est, g, S)
    assert est.rejected == 0 and est.obs == 400 + 2 + 48
    # The gap shrinks by 60/61 per observation: 45.4 x (60/61)^48 ~ 20 g after four dozen, half of it gone.
    assert est.mean_g < 475.0
    # Without the cap the 400 old observations would hold the mean near 500 g.
    uncapped = replace(S, max_n=1e9)
    slow = learn_all(learn_all(replace(old, n=400.0), [450.0, 450.0], uncapped, confirmed=True), [450.0] * 48,
                     uncapped)
    assert slow.mean_g > 494.0


# ------------------------------------------------------------------------------------------------- categories

def test_a_category_learns_the_relative_spread_of_units_around_their_article():
    article = WeightEstimate(100.0, 25.0, 20.0, obs=10)
    cat = observe_category(None, 110.0, article, S)         # r = +0.1: cv2 0.01 after one
    assert cat.cv_n == 1 and cat.cv2 == pytest.approx(0.01)
    cat = observe_category(cat, 80.0, article, S)           # r = -0.2: cv2 (0.01 + 0.04) / 2 = 0.025
    assert cat.cv_n == 2 and cat.cv2 == pytest.approx(0.025)
    assert cat.cv == pytest.approx(math.sqrt(0.025))


def test_the_relative_spread_needs_an_article_with_evidence():
    young = WeightEstimate(100.0, 25.0, 5.0, obs=2)
    cat = observe_category(None, 150.0, young, S)
    assert cat.cv_n == 0 and cat.cv2 == 0.0
    cat = observe_category(cat, 150.0, None, S)
    assert cat.cv_n == 0
    assert cat.log_n == 2                                   # the unit weights are learned all the same


def test_a_category_learns_the_log_range_of_unit_weights():
    grams = [40.0, 50.0, 55.0, 60.0, 62.0, 65.0, 70.0, 75.0, 80.0, 90.0]
    cat = None
    for g in grams:
        cat = observe_category(cat, g, None, S)
    logs = [math.log(g) for g in grams]
    assert cat.log_n == 10
    assert cat.log_mean == pytest.approx(statistics.fmean(logs))
    assert cat.log_var == pytest.approx(statistics.pvariance(logs))


def test_a_non_positive_placement_teaches_no_unit_weight():
    cat = observe_category(None, 0.0, None, S)
    assert cat.log_n == 0 and cat.log_mean == 0.0


# ---------------------------------------------------------------------------------------------------- expected

def test_expected_from_the_prior_uses_the_catalog_weight_and_the_prior_spread():
    exp = expected(MILK, None, None, S)
    # sd = sqrt(100 x (1 + 1/3)) = 11.547 g; tolerance 4 x 11.547 = 46.19 g.
    assert exp.mean_g == 1035.0 and exp.source == "catalog"
    assert exp.sd_g == pytest.approx(math.sqrt(400.0 / 3.0))
    assert exp.tolerance_g == pytest.approx(4.0 * math.sqrt(400.0 / 3.0))
    # A stored estimate without any learned observation is the prior again.
    assert expected(MILK, WeightEstimate(1100.0, 1.0, 3.0, obs=0), None, S) == exp


def test_expected_from_a_learned_estimate():
    est = WeightEstimate(1100.0, 25.0, 30.0, obs=30)
    exp = expected(MILK, est, None, S)
    # sd = 5 x sqrt(31/30) = 5.083 g, tolerance 20.33 g: 1100 g fits, the catalog's 1035 g does not.
    assert exp.mean_g == 1100.0 and exp.source == "learned"
    assert exp.tolerance_g == pytest.approx(20.0 * math.sqrt(31.0 / 30.0))
    assert abs(1035.0 - exp.mean_g) > exp.tolerance_g


def test_the_catalog_model_ignores_learned_data():
    catalog = replace(S, weight_model="catalog")
    learned = WeightEstimate(1100.0, 25.0, 60.0, obs=500)
    exp = expected(MILK, learned, CategoryEstimate(cv2=0.04, cv_n=100), catalog)
    assert exp == Expected(1035.0, 20.0, 5.0)                          # the catalog's own 20 g
    assert exp.tolerance_g == catalog.tolerance_for(1035.0, 20.0)
    vodka = expected(VODKA, WeightEstimate(1200.0, 1.0, 60.0, obs=99), None, catalog)
    assert vodka.mean_g == 1150.0 and vodka.tolerance_g == 57.5        # max(15, 5 % of 1150)
    light = Item("900004", "Teebeutel", 199, 700, weight_g=100.0)
    assert expected(light, None, None, catalog).tolerance_g == 15.0    # max(15, 5 % of 100)
    pinned = Item("900005", "Batterie", 399, 1900, weight_g=24.0, weight_tolerance_g=3.0)
    assert expected(pinned, None, None, catalog).tolerance_g == 8.0    # never below weight_threshold_g
    assert expected(ROLL, WeightEstimate(60.0, 9.0, 60.0, obs=99), None, catalog).source == "unknown"


def test_a_weighed_article_expects_its_label_weight():
    exp = expected(GOUDA, None, None, S, weighed_g=250.0)
    assert exp == Expected(250.0, 15.0, 15.0 / 4.0, source="label")    # max(6, 15, 2 % of 250 = 5)
    big = expected(GOUDA, None, None, S, weighed_g=1500.0)
    assert big.mean_g == 1500.0 and big.tolerance_g == 30.0              # 2 % of 1500
    # The label wins over learned data and over the weight model.
    learned = WeightEstimate(400.0, 4.0, 60.0, obs=50)
    assert expected(GOUDA, learned, None, S, weighed_g=250.0).mean_g == 250.0
    assert expected(GOUDA, learned, None, replace(S, weight_model="catalog"), weighed_g=250.0).source == "label"


def test_an_unknown_article_without_category_data_may_weigh_anything_plausible():
    exp = expected(ROLL, None, None, S)
    assert exp == Expected(None, 0.0, (3000.0 - 8.0) / 4.0, 8.0, 3000.0, "unknown")
    few = CategoryEstimate(log_mean=math.log(60.0), log_var=0.01, log_n=9)     # 9 < category_min_obs
    assert expected(ROLL, None, few, S).source == "unknown"


def test_an_unknown_article_gets_its_category_range_once_learned():
    cat = CategoryEstimate(log_mean=math.log(60.0), log_var=0.01, log_n=10)
    exp = expected(ROLL, None, cat, S)
    # ln-sd 0.1, 3 sd: 60 x e^-0.3 = 44.45 g .. 60 x e^0.3 = 80.99 g.
    assert exp.source == "category" and exp.mean_g is None
    assert exp.min_g == pytest.approx(44.449, abs=0.001)
    assert exp.max_g == pytest.approx(80.991, abs=0.001)
    assert exp.sd_g == pytest.approx((exp.max_g - exp.min_g) / 4.0)


def test_the_category_range_stays_within_the_plausible_limits():
    heavy = CategoryEstimate(log_mean=math.log(2500.0), log_var=0.25, log_n=50)   # 2500 x e^1.5 > 3000
    exp = expected(ROLL, None, heavy, S)
    assert exp.max_g == 3000.0 and exp.min_g == pytest.approx(2500.0 * math.exp(-1.5))
    light = CategoryEstimate(log_mean=math.log(5.0), log_var=0.0, log_n=50)      # every unit 5 g
    exp = expected(ROLL, None, light, S)
    assert exp.min_g == 8.0 and exp.max_g == 14.0                                 # threshold .. threshold + floor


def test_an_unknown_article_learns_its_category_from_placements():
    cat = None
    for g in [52.0, 55.0, 58.0, 60.0, 61.0, 63.0, 65.0, 66.0, 70.0]:
        cat = observe_category(cat, g, None, S)
    assert expected(ROLL, None, cat, S).source == "unknown"                 # 9 placements
    cat = observe_category(cat, 62.0, None, S)
    exp = expected(ROLL, None, cat, S)
    assert exp.source == "category"
    assert 35.0 < exp.min_g < 52.0 and 70.0 < exp.max_g < 100.0             # around the rolls, not 8 .. 3000 g


def test_an_article_without_catalog_weight_uses_what_it_learned():
    est = WeightEstimate(58.0, 16.0, 10.0, obs=7)
    exp = expected(ROLL, est, None, S)
    assert exp.source == "learned" and exp.mean_g == 58.0
    assert exp.tolerance_g == pytest.approx(16.0 * math.sqrt(1.1))          # 4 x 4 x sqrt(1 + 1/10)
