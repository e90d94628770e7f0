"""The lane's table of learned weights (kiosk/weights.py), the ``kiosk weights`` commands, and how the lane uses it.

The book is tested in memory and on SQLite files in tmp_path; the commands are run in-process through
``kiosk.cli.main`` against a lane config whose data directory is in tmp_path; the wiring through the real runtime,
journal and scenario replay. Expected numbers are worked out by hand in the comments (default settings: prior_n 3,
confirmed_weight 3, tolerance_sigma 4, reject_sigma 5, min_obs_to_reject 3).
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import load
from kiosk.journal import Journal
from kiosk.lane import effects as fx
from kiosk.lane.events import Scanned
from kiosk.lane.settings import Settings
from kiosk.replay import ScenarioError, make_step, parse_scenario, replay
from kiosk.runtime import LaneRuntime
from kiosk.security.weights import CategoryEstimate, WeightEstimate, expected
from kiosk.weights import FORMAT, ImportSummary, WeightBook, WeightsError, decode
from tests.lanekit import MILK, ROLL, DictCatalog, ean13

ROOT = Path(__file__).resolve().parent.parent
S = Settings(tolerance_sigma=4.0, forgive_factor=2.0)   # the numbers below are worked out for these
MILK_CODE = ean13("400638133393")      # MILK: 1035 g, catalog tolerance 20 g, category Molkerei
LEARNED_MILK = {"mean_g": 1100.0, "var_g2": 25.0, "n": 30.0, "obs": 30, "rejected": 0, "confirmed": 0}


def good_document() -> dict:
    return {"format": FORMAT, "estimates": {
        "sku:100001": dict(LEARNED_MILK),
        "sku:300002": {"mean_g": 58.0, "var_g2": 16.0, "n": 10.0, "obs": 7, "rejected": 1, "confirmed": 0},
        "cat:Backwaren": {"cv2": 0.01, "cv_n": 5.0, "log_mean": math.log(60.0), "log_var": 0.04, "log_n": 12.0},
    }}


# ------------------------------------------------------------------------------------------------------ decode

def test_decode_turns_exported_entries_back_into_estimates():
    assert decode("sku:1", LEARNED_MILK) == WeightEstimate(1100.0, 25.0, 30.0, 30, 0, 0)
    assert decode("sku:1", {"mean_g": 500, "var_g2": 0, "n": 3}) == WeightEstimate(500.0, 0.0, 3.0)
    cat = decode("cat:Obst", {"cv2": 0.01, "cv_n": 4, "log_mean": -0.5, "log_var": 0.1, "log_n": 9})
    assert cat == CategoryEstimate(0.01, 4, -0.5, 0.1, 9)     # a negative log mean is a unit under 1 g: allowed


@pytest.mark.parametrize("key, value, words", [
    ("milk", dict(LEARNED_MILK), "keys start with 'sku:' or 'cat:'"),
    ("sku:1", [1100, 25, 30], "expected an object, got list"),
    ("sku:1", dict(LEARNED_MILK, var_g2=-1.0), "sku:1.var_g2: must not be negative"),
    ("sku:1", dict(LEARNED_MILK, colour="blue"), "unknown field(s) colour"),
    ("sku:1", dict(LEARNED_MILK, mean_g=float("nan")), "sku:1.mean_g: must be a finite number"),
    ("sku:1", dict(LEARNED_MILK, n=float("inf")), "sku:1.n: must be a finite number"),
    ("sku:1", dict(LEARNED_MILK, mean_g="1100"), "must be a finite number"),
    ("sku:1", dict(LEARNED_MILK, obs=True), "sku:1.obs: must be a finite number"),
    ("sku:1", dict(LEARNED_MILK, obs=2.5), "sku:1.obs: must be a whole number"),
    ("sku:1", dict(LEARNED_MILK, mean_g=0.0), "mean_g and n must be greater than 0"),
    ("sku:1", dict(LEARNED_MILK, n=0), "mean_g and n must be greater than 0"),
    ("sku:1", {"mean_g": 500.0, "n": 3.0}, "var_g2"),
    ("cat:x", {"mean_g": 500.0}, "unknown field(s) mean_g"),
    ("cat:x", {"cv2": -0.01}, "cat:x.cv2: must not be negative"),
])
def test_decode_refuses_bad_entries_naming_the_key(key, value, words):
    with pytest.raises(WeightsError) as err:
        decode(key, value)
    assert key in str(err.value) and words in str(err.value)


# ---------------------------------------------------------------------------------------------------- learning

def test_learning_an_article_with_a_catalog_weight_starts_from_its_prior():
    book = WeightBook()
    book.learn(MILK, 1100.0, S)
    # Prior 1035 g, var 100, n 3; one placement at 1100: n 4, mean 1051.25, var 3468.75 / 4.
    est = book.article(MILK.sku)
    assert est == WeightEstimate(1051.25, 867.1875, 4.0, obs=1)
    cat = book.category("Molkerei")
    assert cat.log_n == 1 and cat.log_mean == pytest.approx(math.log(1100.0)) and cat.cv_n == 0
    assert book.keys() == ["cat:Molkerei", "sku:100001"] and len(book) == 2


def test_learning_an_article_without_a_catalog_weight_takes_the_first_placement_as_its_estimate():
    book = WeightBook()
    book.learn(ROLL, 55.0, S)
    # No prior: mean 55, spread 10 % (5.5 g, var 30.25), evidence prior_n + 1.
    assert book.article(ROLL.sku) == WeightEstimate(55.0, 30.25, 4.0, obs=1)
    book.learn(ROLL, 60.0, S)
    # n 5, mean 55 + 5/5 = 56, S = 30.25 x 4 + 5 x (60 - 56) = 141, var 28.2.
    est = book.article(ROLL.sku)
    assert est.obs == 2 and est.n == 5.0 and est.mean_g == pytest.approx(56.0) and est.var_g2 == pytest.approx(28.2)
    assert expected(ROLL, est, book.category("Backwaren"), S).source == "learned"


def test_a_new_article_without_catalog_weight_takes_its_category_spread():
    book = WeightBook()
    book.seed({"cat:Backwaren": {"cv2": 0.04, "cv_n": 20.0}})      # units vary by 20 % around their article
    book.learn(ROLL, 55.0, S)
    assert book.article(ROLL.sku).var_g2 == pytest.approx(11.0 ** 2)   # 20 % of 55 g


def test_a_rejected_placement_teaches_neither_the_article_nor_its_category():
    book = WeightBook()
    book.seed({"sku:100001": {"mean_g": 1035.0, "var_g2": 50.0, "n": 6.0, "obs": 3}})
    book.learn(MILK, 1115.0, S)                                        # +80 g, beyond 5 x 7.07 g
    assert book.article(MILK.sku) == WeightEstimate(1035.0, 50.0, 6.0, obs=3, rejected=1)
    assert book.category("Molkerei") is None
    book.learn(MILK, 1115.0, S, confirmed=True)                        # an attendant saw it: learned, counts 3
    est = book.article(MILK.sku)
    assert est.confirmed == 1 and est.n == 9.0 and est.mean_g == pytest.approx(1035.0 + 240.0 / 9.0)
    assert book.category("Molkerei").log_n == 1


def test_the_category_learns_its_spread_from_articles_with_evidence():
    book = WeightBook()
    book.seed({"sku:100001": {"mean_g": 1000.0, "var_g2": 100.0, "n": 10.0, "obs": 5}})
    book.learn(MILK, 1050.0, S)                  # r = +5 % of the article's mean before this placement
    cat = book.category("Molkerei")
    assert cat.cv_n == 1 and cat.cv2 == pytest.approx(0.05 ** 2)


def test_an_unknown_article_gets_its_category_range_after_ten_placements():
    book = WeightBook()
    rolls = [replace(ROLL, sku=f"3009{i:02d}", name=f"Brötchen {i}") for i in range(10)]
    for item, g in zip(rolls, [52.0, 55.0, 58.0, 60.0, 61.0, 62.0, 63.0, 65.0, 66.0, 70.0]):
        book.learn(item, g, S)
        if item is rolls[8]:
            assert expected(ROLL, book.article(ROLL.sku), book.category("Backwaren"), S).source == "unknown"
    exp = expected(ROLL, book.article(ROLL.sku), book.category("Backwaren"), S)
    assert exp.source == "category" and exp.mean_g is None
    assert 35.0 < exp.min_g < 52.0 and 70.0 < exp.max_g < 100.0        # around the rolls, not 8 .. 3000 g


# ----------------------------------------------------------------------------------------------- persistence

def test_the_book_survives_a_reopen(tmp_path):
    path = tmp_path / "data" / "weights.db"
    with WeightBook(path) as book:
        book.learn(MILK, 1100.0, S)
        book.learn(MILK, 1090.0, S)
        book.learn(ROLL, 55.0, S)
        before = {k: book.get(k) for k in book.keys()}
    assert path.exists()
    with WeightBook(path) as again:
        assert {k: again.get(k) for k in again.keys()} == before
        assert again.article(MILK.sku).obs == 2
        again.learn(MILK, 1095.0, S)
    with WeightBook(path) as third:
        assert third.article(MILK.sku).obs == 3


def test_a_corrupted_row_names_the_file(tmp_path):
    path = tmp_path / "weights.db"
    with WeightBook(path) as book:
        book.learn(MILK, 1100.0, S)
    db = sqlite3.connect(path)
    db.execute("UPDATE weights SET value = ? WHERE key = 'sku:100001'", ('{"mean_g": 1100, "var_g2": -4, "n": 3}',))
    db.commit()
    db.close()
    with pytest.raises(WeightsError) as err:
        WeightBook(path)
    assert str(path) in str(err.value) and "sku:100001.var_g2" in str(err.value)
    db = sqlite3.connect(path)
    db.execute("UPDATE weights SET value = 'not json{' WHERE key = 'sku:100001'")
    db.commit()
    db.close()
    with pytest.raises(WeightsError, match=str(path)):
        WeightBook(path)


def test_a_file_that_is_not_a_database_is_a_weights_error(tmp_path):
    path = tmp_path / "weights.db"
    path.write_bytes(b"this is not an SQLite database, it is a text file that was copied over it\n" * 4)
    with pytest.raises(WeightsError, match=str(path)):
        WeightBook(path)


# ---------------------------------------------------------------------------------------------- export/import

def test_export_then_import_into_an_empty_book_gives_equal_estimates(tmp_path):
    source = WeightBook(tmp_path / "a.db")
    source.learn(MILK, 1100.0, S)
    source.learn(MILK, 1093.4, S)
    source.learn(ROLL, 57.3, S)
    source.learn(MILK, 1200.0, S, confirmed=True)
    document = json.loads(json.dumps(source.export()))      # through JSON text, as the file carries it
    assert document["format"] == FORMAT and set(document["estimates"]) == set(source.keys())
    target = WeightBook()
    assert target.load(document) == ImportSummary(added=4, replaced=0, kept=0)   # 2 articles, 2 categories
    assert {k: target.get(k) for k in target.keys()} == {k: source.get(k) for k in source.keys()}
    assert expected(MILK, target.article(MILK.sku), None, S) == expected(MILK, source.article(MILK.sku), None, S)
    source.close()


def test_export_of_chosen_keys():
    book = WeightBook()
    book.seed(good_document()["estimates"])
    doc = book.export(["sku:100001", "sku:nothing"])
    assert doc == {"format": FORMAT, "estimates": {"sku:100001": LEARNED_MILK}}


def test_import_keeps_local_estimates_with_more_evidence_unless_replace():
    local = WeightBook()
    local.seed({"sku:100001": dict(LEARNED_MILK, mean_g=1040.0, obs=50),     # more evidence than the import's 30
                "sku:300002": {"mean_g": 61.0, "var_g2": 9.0, "n": 5.0, "obs": 2},   # less than the import's 7
                "cat:Backwaren": {"log_mean": 4.0, "log_var": 0.01, "log_n": 12.0}})  # same evidence: kept
    got = local.load(good_document())
    assert got == ImportSummary(added=0, replaced=1, kept=2)
    assert local.article("100001").mean_g == 1040.0
    assert local.article("300002").mean_g == 58.0
    assert local.category("Backwaren").log_mean == 4.0
    got = local.load(good_document(), replace=True)
    assert got == ImportSummary(added=0, replaced=3, kept=0)
    assert local.article("100001").mean_g == 1100.0
    assert local.category("Backwaren").log_mean == pytest.approx(math.log(60.0))


@pytest.mark.parametrize("spoil, words", [
    (lambda d: d.update(format="kiosk-weights/2"), "not a weights export"),
    (lambda d: d.pop("format"), "not a weights export"),
    (lambda d: d.update(estimates=[1, 2]), "'estimates' must be an object"),
    (lambda d: d["estimates"]["sku:300002"].update(var_g2=-16.0), "sku:300002.var_g2: must not be negative"),
    (lambda d: d["estimates"]["sku:300002"].update(grams=58), "unknown field(s) grams"),
    (lambda d: d["estimates"]["cat:Backwaren"].update(log_var=float("nan")), "cat:Backwaren.log_var"),
    (lambda d: d["estimates"].update({"300003": dict(LEARNED_MILK)}), "300003: keys start with"),
])
def test_a_bad_document_changes_nothing(tmp_path, spoil, words):
    path = tmp_path / "weights.db"
    book = WeightBook(path)
    book.seed({"sku:300002": {"mean_g": 61.0, "var_g2": 9.0, "n": 5.0, "obs": 2}})
    before = book.export()
    document = good_document()
    spoil(document)
    with pytest.raises(WeightsError) as err:
        book.load(document, replace=True)
    assert words in str(err.value)
    assert book.export() == before                     # not one entry of the good ones was taken
    book.close()
    with WeightBook(path) as again:
        assert again.export() == before                # nor written to disk


def test_a_document_that_is_not_an_object_is_refused():
    with pytest.raises(WeightsError, match="not a weights export"):
        WeightBook().load([FORMAT])


def test_seed_sets_entries_as_they_are_and_refuses_bad_ones():
    book = WeightBook()
    book.seed({"sku:100001": dict(LEARNED_MILK, obs=500)})
    book.seed({"sku:100001": LEARNED_MILK})            # seeding replaces, whatever the evidence
    assert book.article("100001").obs == 30
    with pytest.raises(WeightsError, match="sku:100001.n"):
        book.seed({"sku:100001": dict(LEARNED_MILK, n=-1.0)})
    assert book.article("100001").obs == 30


# --------------------------------------------------------------------------------------------------- the CLI

def lane_config(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A lane config with its data directory in tmp_path; returns (config file, weights.db)."""
    data = tmp_path / name
    data.mkdir()
    config = data / "lane.toml"
    config.write_text(f'[lane]\nid = "{name}"\ndata_dir = "{data / "var"}"\n', encoding="utf-8")
    return config, data / "var" / "weights.db"


def test_cli_export_writes_a_file_that_import_on_another_lane_reads(tmp_path, capsys):
    config_a, db_a = lane_config(tmp_path, "lane-a")
    config_b, db_b = lane_config(tmp_path, "lane-b")
    with WeightBook(db_a) as book:
        book.learn(MILK, 1100.0, S)
        book.learn(MILK, 1096.0, S)
        book.learn(ROLL, 57.0, S)
        learned = {k: book.get(k) for k in book.keys()}
    out = tmp_path / "store-weights.json"
    assert main(["weights", "export", str(out), "--config", str(config_a)]) == 0
    assert f"{len(learned)} estimate(s) written to {out}" in capsys.readouterr().out
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == FORMAT
    assert main(["weights", "import", str(out), "--config", str(config_b)]) == 0
    assert "imported: 4 new, 0 replaced, 0 kept" in capsys.readouterr().out
    with WeightBook(db_b) as book:
        assert {k: book.get(k) for k in book.keys()} == learned
    # A second import changes nothing: the lane already has as much evidence.
    assert main(["weights", "import", str(out), "--config", str(config_b)]) == 0
    assert "imported: 0 new, 0 replaced, 4 kept" in capsys.readouterr().out
    assert main(["weights", "import", str(out), "--config", str(config_b), "--replace"]) == 0
    assert "imported: 0 new, 4 replaced, 0 kept" in capsys.readouterr().out


def test_cli_export_to_standard_output(tmp_path, capsys):
    config, db = lane_config(tmp_path, "lane")
    with WeightBook(db) as book:
        book.seed(good_document()["estimates"])
    assert main(["weights", "export", "-", "--config", str(config)]) == 0
    assert json.loads(capsys.readouterr().out) == good_document()


def test_cli_import_of_a_broken_file_exits_2_and_leaves_the_table_unchanged(tmp_path, capsys):
    config, db = lane_config(tmp_path, "lane")
    with WeightBook(db) as book:
        book.seed({"sku:300002": {"mean_g": 61.0, "var_g2": 9.0, "n": 5.0, "obs": 2}})
        before = book.export()
    bad = tmp_path / "bad.json"
    document = good_document()
    document["estimates"]["cat:Backwaren"]["log_n"] = -3
    bad.write_text(json.dumps(document), encoding="utf-8")
    assert main(["weights", "import", str(bad), "--config", str(config), "--replace"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "cat:Backwaren.log_n: must not be negative" in err and "nothing was imported" in err
    bad.write_text('{"format": "kiosk-weights/1", "estimates": {', encoding="utf-8")
    assert main(["weights", "import", str(bad), "--config", str(config)]) == 2
    assert f"{bad}: not JSON" in capsys.readouterr().err
    bad.write_text('{"format": "csv", "estimates": {}}', encoding="utf-8")
    assert main(["weights", "import", str(bad), "--config", str(config)]) == 2
    assert "not a weights export" in capsys.readouterr().err
    assert main(["weights", "import", str(tmp_path / "missing.json"), "--config", str(config)]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err
    with WeightBook(db) as book:
        assert book.export() == before


def test_cli_show_lists_the_learned_articles(tmp_path, capsys):
    config, db = lane_config(tmp_path, "lane")
    assert main(["weights", "show", "--config", str(config)]) == 0
    assert "no learned weights" in capsys.readouterr().out
    with WeightBook(db) as book:
        book.seed(good_document()["estimates"])
    assert main(["weights", "show", "--config", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    milk = next(line for line in out if line.startswith("sku:100001"))
    assert "1100.0 g" in milk and "sd    5.0 g" in milk and "30 obs" in milk and "(0 confirmed, 0 rejected)" in milk
    roll = next(line for line in out if line.startswith("sku:300002"))
    assert "58.0 g" in roll and "sd    4.0 g" in roll and "(0 confirmed, 1 rejected)" in roll
    bakery = next(line for line in out if line.startswith("cat:Backwaren"))
    assert "spread  10.0 %" in bakery and "units ~60 g" in bakery and "(12 placements)" in bakery
    assert main(["weights", "show", "--config", str(config), "--sku", "300002"]) == 0
    (only,) = capsys.readouterr().out.splitlines()
    assert only.startswith("sku:300002")
    assert main(["weights", "show", "--config", str(config), "--sku", "999"]) == 0
    assert "no learned weights for 999" in capsys.readouterr().out


def test_cli_show_after_importing_whole_float_counts(tmp_path, capsys):
    config, _db = lane_config(tmp_path, "lane")
    doc = tmp_path / "floats.json"
    doc.write_text(json.dumps({"format": FORMAT, "estimates": {
        "sku:100001": {"mean_g": 1100.0, "var_g2": 25.0, "n": 30.0, "obs": 30.0, "rejected": 0, "confirmed": 0}}}),
        encoding="utf-8")
    assert main(["weights", "import", str(doc), "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["weights", "show", "--config", str(config)]) == 0
    assert "30 obs" in capsys.readouterr().out


def test_cli_names_a_corrupted_weights_table_without_a_traceback(tmp_path, capsys):
    config, db = lane_config(tmp_path, "lane")
    with WeightBook(db) as book:
        book.learn(MILK, 1100.0, S)
    con = sqlite3.connect(db)
    con.execute("UPDATE weights SET value = 'garbage'")
    con.commit()
    con.close()
    assert main(["weights", "show", "--config", str(config)]) == 2
    assert str(db) in capsys.readouterr().err


def test_cli_export_into_a_missing_directory_is_a_clear_error(tmp_path, capsys):
    config, db = lane_config(tmp_path, "lane")
    with WeightBook(db) as book:
        book.learn(MILK, 1100.0, S)
    out = tmp_path / "no" / "such" / "dir" / "w.json"
    assert main(["weights", "export", str(out), "--config", str(config)]) != 0
    assert str(out) in capsys.readouterr().err


def test_cli_replay_names_a_bad_learned_line(tmp_path, capsys):
    scenario = tmp_path / "s.jsonl"
    scenario.write_text('{"t": 0, "scale": 0}\n{"t": 0, "learned": {"sku:100001": {"mean_g": -5, "var_g2": 1, '
                        '"n": 3}}}\n', encoding="utf-8")
    assert main(["replay", str(scenario), "--config", str(ROOT / "config" / "lane.toml")]) == 2
    assert f"{scenario}:2: learned sku:100001.mean_g: must not be negative" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ scenario and lane

CONFIG = load(ROOT / "config" / "lane.toml")
# Without the forgiven first mismatch, so that one placement shows what the weight model accepts.
STRICT = replace(CONFIG, settings=replace(CONFIG.settings, forgive_first=False))


def milk_scenario(grams: float, learned: dict | None = None, learned_t: float = 0.0) -> list:
    """Start, scan the milk at t=4, put down ``grams`` (raw readings 5.0 .. 6.5 s so the scale settles)."""
    steps = [make_step(0, scale=0)]
    if learned is not None and learned_t < 4:
        steps.append(make_step(learned_t, learned=learned))
    steps += [make_step(2, touch="start"), make_step(4, scan=MILK_CODE, aim="]E0")]
    if learned is not None and learned_t >= 4:
        steps.append(make_step(learned_t, learned=learned))
    steps += [make_step(5.0 + 0.3 * i, scale=grams) for i in range(6)]
    return steps


def kinds(result) -> list[str]:
    (txn,) = result.report["transactions"]
    return [i["kind"] for i in txn["interventions"]]


def test_without_learned_data_1100_g_of_milk_is_a_mismatch():
    book = WeightBook()
    result = replay(milk_scenario(1100.0), STRICT, DictCatalog(), weights=book)
    assert "weight_mismatch" in kinds(result)
    assert book.article(MILK.sku) is None                  # a refused placement teaches nothing


def test_a_learned_line_makes_the_lane_accept_what_the_catalog_weight_would_refuse():
    book = WeightBook()
    result = replay(milk_scenario(1100.0, {"sku:100001": LEARNED_MILK}), STRICT, DictCatalog(), weights=book)
    assert kinds(result) == []
    assert result.report["open_interventions"] == []
    observed = [e for e in result.effects if isinstance(e, fx.WeightObserved)]
    assert observed == [fx.WeightObserved(MILK, 1100.0, False)]
    # The book learned the placement: n 31, mean stays 1100, var 25 x 30 / 31.
    est = book.article(MILK.sku)
    assert est.obs == 31 and est.n == 31.0 and est.mean_g == 1100.0 and est.var_g2 == pytest.approx(750.0 / 31.0)
    assert book.category("Molkerei").log_n == 1


def test_the_catalog_weight_model_ignores_the_learned_line():
    catalog_model = replace(STRICT, settings=replace(STRICT.settings, weight_model="catalog"))
    book = WeightBook()
    result = replay(milk_scenario(1100.0, {"sku:100001": LEARNED_MILK}), catalog_model, DictCatalog(), weights=book)
    assert "weight_mismatch" in kinds(result)
    assert book.article(MILK.sku).obs == 30


def test_a_learned_line_after_the_scan_does_not_change_that_scan():
    book = WeightBook()
    result = replay(milk_scenario(1100.0, {"sku:100001": LEARNED_MILK}, learned_t=4.5), STRICT, DictCatalog(),
                    weights=book)
    assert "weight_mismatch" in kinds(result)               # the scan carried the estimates of its moment


def test_an_attendants_approval_teaches_a_confirmed_observation():
    steps = milk_scenario(1100.0) + [make_step(10.0, attendant="approve", pin="1234")]
    book = WeightBook()
    result = replay(steps, STRICT, DictCatalog(), weights=book)
    (mismatch,) = [i for i in result.report["transactions"][0]["interventions"] if i["kind"] == "weight_mismatch"]
    assert mismatch["resolved_by"] == "attendant:anna"
    # Prior 1035 g (var 100, n 3) + 1100 g counted 3 times: n 6, mean 1067.5, S = 300 + 195 x 32.5, var 1106.25.
    assert book.article(MILK.sku) == WeightEstimate(1067.5, 1106.25, 6.0, obs=1, rejected=0, confirmed=1)


def test_replay_learns_into_a_book_on_disk(tmp_path):
    path = tmp_path / "weights.db"
    with WeightBook(path) as book:
        book.seed({"sku:100001": LEARNED_MILK})
        replay(milk_scenario(1100.0), STRICT, DictCatalog(), weights=book)
    with WeightBook(path) as again:
        assert again.article(MILK.sku).obs == 31


@pytest.mark.parametrize("line, words", [
    ('{"t": 0, "learned": [1, 2]}', "'learned' must be an object"),
    ('{"t": 0, "learned": {"100001": {"mean_g": 1100, "var_g2": 25, "n": 30}}}', "learned 100001: keys start with"),
    ('{"t": 0, "learned": {"sku:100001": {"mean_g": 1100, "var_g2": -25, "n": 30}}}',
     "learned sku:100001.var_g2: must not be negative"),
    ('{"t": 0, "learned": {"sku:100001": {"mean_g": NaN, "var_g2": 25, "n": 30}}}',
     "learned sku:100001.mean_g: must be a finite number"),
    ('{"t": 0, "learned": {"cat:Molkerei": {"cv2": 0.01, "weight": 3}}}', "learned cat:Molkerei: unknown field(s)"),
])
def test_a_bad_learned_line_is_a_scenario_error_naming_the_line(line, words):
    lines = ['{"t": 0, "scale": 0}', '{"t": 0, "touch": "start"}', line]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(lines, "shop.jsonl")
    assert str(err.value).startswith("shop.jsonl:3: ") and words in str(err.value)


def test_a_good_learned_line_parses_and_make_step_checks_it():
    (step,) = parse_scenario([json.dumps({"t": 1.5, "learned": good_document()["estimates"]})])
    assert step.kind == "learned" and step.t == 1.5 and step.data["learned"] == good_document()["estimates"]
    with pytest.raises(ScenarioError, match="learned sku:1.n"):
        make_step(0, learned={"sku:1": {"mean_g": 5, "var_g2": 1, "n": -3}})


# ---------------------------------------------------------------------------------------------- the runtime

class Clock:
    def __init__(self, t: float = 100.0):
        self.now = t

    def __call__(self) -> float:
        return self.now


def test_the_runtime_attaches_the_estimates_to_the_scan_and_learns_the_placement(tmp_path):
    book = WeightBook()
    book.seed({"sku:100001": LEARNED_MILK,
               "cat:Molkerei": {"cv2": 0.0004, "cv_n": 8.0, "log_mean": 6.9, "log_var": 0.2, "log_n": 40.0}})
    clock = Clock()
    journal = Journal(tmp_path / "journal.db", durable=False)
    lane = LaneRuntime(STRICT, journal, DictCatalog(), clock=clock, weights=book)
    lane.start()
    lane.weight(0.0)
    clock.now += 1
    lane.touch("start")
    clock.now += 1
    lane.scan(MILK_CODE, "]E0")
    line = lane.state.txn.lines[-1]
    assert line.unit_weight.mean_g == 1100.0 and line.unit_weight.source == "learned"
    scans = [ev for _, ev in journal.events() if isinstance(ev, Scanned)]
    assert [(ev.learned, ev.category_learned) for ev in scans] == [
        (WeightEstimate(1100.0, 25.0, 30.0, 30), CategoryEstimate(0.0004, 8.0, 6.9, 0.2, 40.0))]
    clock.now += 1
    effects = lane.weight(1100.0)
    assert fx.WeightObserved(MILK, 1100.0, False) in effects
    assert book.article(MILK.sku).obs == 31
    assert book.category("Molkerei").log_n == 41
    # Recovering from the journal decides with the journaled estimates, and teaches the book nothing twice.
    journal.close()
    fresh = WeightBook()
    again = LaneRuntime(STRICT, Journal(tmp_path / "journal.db", durable=False), DictCatalog(), clock=clock,
                        weights=fresh)
    again.start()
    assert again.state.txn.lines[-1].unit_weight == line.unit_weight
    assert len(fresh) == 0
    again.journal.close()


def test_the_runtime_scans_an_article_without_learned_data_with_its_prior(tmp_path):
    clock = Clock()
    lane = LaneRuntime(STRICT, Journal(tmp_path / "journal.db", durable=False), DictCatalog(), clock=clock)
    lane.start()
    lane.touch("start")
    lane.scan(MILK_CODE, "]E0")
    unit = lane.state.txn.lines[-1].unit_weight
    assert unit.source == "catalog" and unit.mean_g == 1035.0
    assert unit.tolerance_g == pytest.approx(STRICT.settings.tolerance_sigma * math.sqrt(400.0 / 3.0))   # sd 10, n 3
    (_, ev), = [(s, e) for s, e in lane.journal.events() if isinstance(e, Scanned)]
    assert ev.learned is None and ev.category_learned is None
    lane.journal.close()
