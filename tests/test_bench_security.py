"""`kiosk bench security`: the shopper simulator records replayable scenarios, and the figures are computed right.

The simulator plays shoppers closed-loop against the real lane (runtime, journal, reducer); a recorded scenario must
replay through `kiosk replay` with the same interventions. The metrics are checked on hand-made records whose
figures are known. Small runs only: figures are printed by the benchmark, never asserted here.
"""

from __future__ import annotations

from dataclasses import replace

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.attendants import Attendants
from kiosk.bench import security as sec
from kiosk.bench.shopper import (DOUBLE_SCAN, FORGOT_SCAN, FRAUDS, HONEST, MISTAKES, STACKED, SWITCH_LIGHTER,
                                 UNSCANNED, Action, IvRecord, Mix, Store, TxnRecord, make_plan, weight_class)
from kiosk.catalog import open_for_replay
from kiosk.config import REPO_CONFIG, load
from kiosk.domain.barcodes import classify
from kiosk.domain.codes import InstoreCode
from kiosk.domain.pricing import price_scan
from kiosk.replay import parse_scenario
from kiosk.weights import WeightBook

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def lane():
    config = load(REPO_CONFIG)
    with open_for_replay(None, config) as catalog:
        yield config, catalog, Store(sec._all_items(catalog), config.layouts, catalog, "t")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert sec.main(["--quick", "--out", str(out), "--seed", "7", "--config", str(REPO_CONFIG)]) == 0
    return out


# ------------------------------------------------------------------------------------------------------ the run

def test_a_quick_run_writes_report_plot_configs_and_one_scenario_per_transaction(quick_run):
    report = json.loads((quick_run / "report.json").read_text())
    n = report["params"]["transactions"]
    for name in ("lane", "baseline"):
        files = sorted((quick_run / name).glob("*.jsonl"))
        assert len(files) == n == report["configs"][name]["metrics"]["transactions"]
        assert [f"{name}/{f.name}" for f in files] == report["configs"][name]["scenarios"]
        # Every scenario starts with the learned weights and the transaction's truth label.
        first = [json.loads(line) for line in files[0].read_text().splitlines()[:2]]
        assert "learned" in first[0] and first[1]["truth"] == "transaction"
    assert {p["config"] for p in report["sweep"]} == {"lane", "baseline"}
    assert sum(p["default"] for p in report["sweep"]) == 2
    png = (quick_run / "plot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    with Image.open(quick_run / "plot.png") as img:
        assert img.format == "PNG" and img.size[0] > 400 and img.size[1] > 300
    md = (quick_run / "report.md").read_text()
    assert "false interventions per 100 honest" in md and "| lane | baseline |" in md
    assert load(quick_run / "baseline.toml").settings.weight_model == "catalog"
    assert load(quick_run / "baseline.toml").settings.nudge_s == 0
    assert load(quick_run / "lane.toml").settings == replace(load(REPO_CONFIG).settings, **sec.LANE)


def test_a_written_scenario_replays_through_kiosk_replay_with_the_lanes_interventions(quick_run, tmp_path):
    """A fraud scenario of the run, replayed by the `kiosk replay` command, against a fresh in-process replay and
    against the run's own figures: the interventions are the same."""
    report = json.loads((quick_run / "report.json").read_text())
    name = next(s for s in report["configs"]["lane"]["scenarios"] if not s.endswith("honest.jsonl"))
    path = quick_run / name
    out = tmp_path / "replayed.json"
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "replay", str(path), "--config",
                        str(quick_run / "lane.toml"), "--report", str(out)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    via_cli = json.loads(out.read_text())
    config = load(quick_run / "lane.toml")
    with open_for_replay(None, config) as catalog:
        in_process = sec.replay_lines(path.read_text().splitlines(), config, catalog)
    assert sec.interventions_of(via_cli) == sec.interventions_of(in_process)
    assert via_cli["truth"][0]["truth"] == "transaction" and len(via_cli["truth"]) >= 2
    assert via_cli["transactions"][0]["status"] in ("paid", "cancelled")


@pytest.mark.parametrize("overrides", [{}, sec.BASELINE], ids=["lane", "baseline"])
def test_every_behaviour_replays_with_the_same_interventions_as_the_live_run(lane, overrides):
    config, catalog, store = lane
    bench = sec.bench_config(config, overrides)
    attendants = Attendants(bench.attendants)
    book = WeightBook()
    t = 0.0
    for i, behaviour in enumerate((None,) + MISTAKES + FRAUDS):
        seed = f"replay/{i}"
        plan = (make_plan(store, i + 1, seed, Mix(), behaviour=behaviour) if behaviour
                else make_plan(store, i + 1, seed, Mix(), force=HONEST))
        rec, lines, live = sec.play(plan, store, bench, catalog, book, attendants, t, seed)
        t = rec.t_end + 10.0
        again = sec.replay_lines(lines, bench, catalog)
        assert sec.interventions_of(again) == sec.interventions_of(live), behaviour
        # The live record saw every intervention the replay reports, with the same times.
        assert [(iv.kind, iv.t_raised) for iv in rec.interventions] == \
            [(k, t_raised) for k, t_raised, *_ in sec.interventions_of(live)]
        truth = [json.loads(x) for x in lines if '"truth"' in x]
        assert truth[0]["truth"] == "transaction" and truth[0]["honest"] == (behaviour is None)
        if behaviour is not None:
            (label,) = [x for x in truth[1:]]
            assert label["truth"] == behaviour and label["sku"] and label["grams"] > 0
            assert rec.actions[0].kind == behaviour and rec.actions[0].t_action == label["t_action"]
        # Steps never go back in time, and the file parses as a scenario.
        steps = parse_scenario(lines)
        assert all(a.t <= b.t for a, b in zip(steps, steps[1:]))
    assert len(book) > 0      # the shared table learned from the accepted placements


def test_the_same_seed_gives_the_same_transactions_and_another_seed_others():
    params = sec.Params(str(REPO_CONFIG), "s1", 2, 4, Mix())
    job = sec.Job("lane", "tolerance_sigma", 4.0, ())
    a = sec.run_job(job, params)
    b = sec.run_job(job, params)
    assert a.records == b.records and a.warmup == b.warmup
    assert all(r.kind == HONEST for r in a.warmup)
    c = sec.run_job(job, sec.Params(str(REPO_CONFIG), "s2", 2, 4, Mix()))
    assert c.records != a.records


# --------------------------------------------------------------------------------------------------- the store

def test_every_article_scans_as_itself_and_weight_labels_carry_the_true_weight(lane):
    config, catalog, store = lane
    assert len(store.articles) > 300
    for art in store.articles:
        if art.code is not None:
            assert store._resolves(art.code, art.sku)
    weighed = [a for a in store.articles if a.kind == "weighed"]
    assert weighed
    import random
    rng = random.Random(1)
    for art in weighed:
        grams, code = store.unit(art, rng)
        c = classify(code, None, config.layouts)
        assert isinstance(c, InstoreCode) and c.kind == "weight" and code.startswith("28")
        assert 1.5 <= grams - c.value <= 5.5           # the label's weight plus a produce bag
        assert price_scan(art.item, c).weight_g == c.value
    # Spreads: bread by a tenth or so, drinks by about a percent.
    assert all(0.07 <= a.sd_g / a.mean_g <= 0.21 for a in store.articles if a.kind == "piece")
    assert all(a.sd_g / a.mean_g < 0.015 for a in store.articles if a.kind == "drink")
    assert {len(store.by_class[c]) > 0 for c in store.by_class} == {True}


def test_plans_are_drawn_from_their_seed(lane):
    _, _, store = lane
    a = make_plan(store, 1, "p/1", Mix())
    assert a == make_plan(store, 1, "p/1", Mix())
    for behaviour in MISTAKES + FRAUDS:
        p = make_plan(store, 1, "p/1", Mix(), behaviour=behaviour)
        assert behaviour in p.behaviours and p.kind in ("mistake", "fraud") and not p.honest
    sizes = [sum(1 for x in make_plan(store, i, f"p/{i}", Mix(), force=HONEST).acts if x.kind == "unit")
             for i in range(200)]
    assert min(sizes) >= 1 and 8 <= sorted(sizes)[100] <= 14


# ------------------------------------------------------------------------------------------------------ metrics

def iv(i, kind, raised, alerted=None, resolved=None, by=None):
    return IvRecord(i, kind, "", raised, alerted, resolved, by, "x" if resolved is not None else None)


def txn(i, kind, actions=(), ivs=(), unpaid=(), end=1000.0):
    behaviours = tuple(a.kind for a in actions)
    return TxnRecord(i, kind, behaviours, tuple(actions), tuple(ivs), 0.0, end, "paid", tuple(unpaid))


def test_figures_from_hand_made_records():
    records = [
        txn(1, "honest", ivs=[iv(1, "unexpected_item", 10, 22, 40, "attendant:anna"),
                              iv(2, "item_not_bagged", 50, None, 55, "shopper"),
                              iv(3, "age_check", 5, 5, 30, "attendant:anna")]),
        txn(2, "honest"),
        txn(3, "fraud", [Action(UNSCANNED, "A", 30.0, 100.0)],
            [iv(1, "unexpected_item", 103, 115, 140, "attendant:anna")]),
        txn(4, "fraud", [Action(UNSCANNED, "B", 120.0, 200.0)], unpaid=[("B", 120.0)]),
        txn(5, "fraud", [Action(STACKED, "C", 300.0, 300.0)],
            [iv(1, "weight_mismatch", 302, 314, 330, "attendant:anna")]),
        txn(6, "mistake", [Action(FORGOT_SCAN, "D", 80.0, 400.0)],
            [iv(1, "unexpected_item", 402, None, 406, "shopper")]),
        # Raised before the switch: it did not catch it.
        txn(7, "fraud", [Action(SWITCH_LIGHTER, "E", 500.0, 500.0)],
            [iv(1, "weight_mismatch", 499, None, 505, "shopper")]),
    ]
    m = sec.compute_metrics(records)
    assert m["transactions"] == 7 and m["by_kind"] == {"honest": 2, "mistake": 1, "fraud": 4}
    assert m["false_interventions"] == 1 and m["false_by_kind"] == {"unexpected_item": 1}
    assert m["false_per_100_honest"] == 50.0 and m["honest_with_false_intervention"] == 0.5
    together = m["unscanned_by_class"]["together"]
    assert together["<50 g"] == {"n": 1, "caught": 1, "share": 1.0}
    assert together["50-200 g"] == {"n": 2, "caught": 1, "share": 0.5}      # B missed, D (forgotten) found
    no_scan = m["unscanned_by_class"][sec.NO_SCAN]
    assert no_scan["50-200 g"] == {"n": 2, "caught": 1, "share": 0.5} and no_scan[">200 g"]["n"] == 0
    assert together[">200 g"] == {"n": 1, "caught": 1, "share": 1.0}
    assert m["unscanned_by_class"][STACKED][">200 g"]["n"] == 1 and m["unscanned_by_class"][STACKED]["<50 g"]["n"] == 0
    assert m["unscanned_ge50"] == {"n": 2, "caught": 1, "share": 0.5}         # B and D: no scan, >= 50 g
    assert m["stacked_ge50"] == {"n": 1, "caught": 1, "share": 1.0}
    assert m["fraud_all"] == {"n": 4, "caught": 2, "share": 0.5}
    assert m["by_behaviour"][SWITCH_LIGHTER]["caught"] == 0 and m["by_behaviour"][FORGOT_SCAN]["share"] == 1.0
    assert m["by_behaviour"][DOUBLE_SCAN]["n"] == 0
    assert m["forgot_scan_self_corrected"] == 1
    assert m["nudges_per_txn"] == pytest.approx(6 / 7) and m["nudges_self_corrected"] == 0.5
    assert m["time_to_raise_s"] == {"n": 2, "median": 2.5, "p90": 3.0}
    assert m["time_to_alert_s"] == {"n": 2, "median": 14.5, "p90": 15.0}
    security = (40 - 22) / 60 + 0.5 + (140 - 115) / 60 + 0.5 + (330 - 314) / 60 + 0.5
    age = (30 - 5) / 60 + 0.5
    assert m["attendant_minutes_per_100"] == pytest.approx(100 * (security + age) / 7)
    assert m["attendant_minutes_per_100_by"]["security"] == pytest.approx(100 * security / 7)
    assert m["attendant_minutes_per_100_by"]["age_check"] == pytest.approx(100 * age / 7)
    assert m["alerts_per_100"]["age_check"] == pytest.approx(100 / 7)
    assert m["unpaid_items_left"] == 1 and m["unpaid_grams_left"] == 120.0
    assert weight_class(49.9) == "<50 g" and weight_class(50) == weight_class(200) == "50-200 g"


def test_a_double_scan_is_found_by_the_lane_waiting_for_the_second_unit():
    rec = txn(1, "mistake", [Action(DOUBLE_SCAN, "A", 100.0, 10.0)],
              [iv(1, "item_not_bagged", 31, None, 35, "shopper")])
    assert sec.compute_metrics([rec])["by_behaviour"][DOUBLE_SCAN] == {"n": 1, "caught": 1, "share": 1.0}
    assert sec.compute_metrics([])["false_per_100_honest"] is None


def test_the_comparison_with_the_baseline_and_the_targets():
    lane = {"false_per_100_honest": 0.5, "fraud_all": {"share": 0.9}, "unscanned_ge50": {"n": 100, "caught": 99,
                                                                                         "share": 0.99}}
    base = {"false_per_100_honest": 2.0}
    curve = [{"value": 3.0, "caught_fraud": 0.95, "false_per_100_honest": 3.0},
             {"value": 12.0, "caught_fraud": 0.85, "false_per_100_honest": 1.0},
             {"value": 2.0, "caught_fraud": 0.99, "false_per_100_honest": 6.0}]
    cmp = sec.compare(lane, base, curve)
    assert cmp["false_ratio_at_defaults"] == 4.0
    assert cmp["baseline_setting_at_equal_caught"] == 3.0 and cmp["false_ratio_at_equal_caught"] == 6.0
    assert [ok for _, ok, _ in sec.targets(lane, cmp)] == [True, True, True]
    worse = dict(lane, false_per_100_honest=1.5, fraud_all={"share": 0.999})
    cmp = sec.compare(worse, base, curve)
    assert not cmp["baseline_reaches_lane_caught_rate"] and cmp["false_ratio_at_equal_caught"] is None
    assert [ok for _, ok, _ in sec.targets(worse, cmp)] == [True, False, True]
    assert sec.compare(dict(lane, false_per_100_honest=0.0), base, curve)["false_ratio_at_defaults"] == float("inf")


def test_written_configs_carry_the_overrides_and_absolute_paths(tmp_path):
    dst = tmp_path / "elsewhere" / "baseline.toml"
    dst.parent.mkdir()
    sec.write_config(REPO_CONFIG, dst, dict(sec.BASELINE, default_tolerance_pct=8.0))
    cfg = load(dst)
    assert cfg.settings.weight_model == "catalog" and cfg.settings.default_tolerance_pct == 8.0
    assert cfg.settings.nudge_s == 0.0 and not cfg.settings.forgive_first
    assert cfg.catalog_seed == load(REPO_CONFIG).catalog_seed and cfg.catalog_seed.is_file()
    assert cfg.attendants == load(REPO_CONFIG).attendants
