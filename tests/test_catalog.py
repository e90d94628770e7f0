"""The lane's catalog on disk: all-or-nothing imports, look-ups on the scan path, the technician's commands."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from kiosk.catalog import (
    Catalog,
    CatalogError,
    CatalogImportError,
    ensure_catalog,
    open_for_replay,
    register_cli,
)
from kiosk.domain.catalog import gtin_is_valid
from kiosk.domain.item import Item

CONFIG = Path(__file__).resolve().parent.parent / "config"
SAMPLE = CONFIG / "catalog.csv"
SAMPLE_BAD = CONFIG / "catalog-sample-bad.csv"
HEADER = ["sku", "gtin", "name", "price", "vat", "flags", "plu", "weight_g", "weight_tolerance_g", "category"]


def gtin13(n: int) -> str:
    payload = f"400{n:09d}"
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(payload)))
    return payload + str((10 - total % 10) % 10)


def article(n: int, price: str = "1.99", **cells: str) -> dict[str, str]:
    base = {"sku": f"A{n:05d}", "gtin": gtin13(n), "name": f"Artikel {n}", "price": price, "vat": "7", "flags": "",
            "plu": "", "weight_g": "250", "weight_tolerance_g": "10", "category": "Test"}
    base.update(cells)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", bom: bool = False,
              header: list[str] = HEADER) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, delimiter=delimiter, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def catalog(tmp_path):
    with Catalog.open(tmp_path / "catalog.db") as c:
        yield c


@pytest.fixture
def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- all or nothing -------------------------------------------------------------------------------------------------


def test_a_bad_price_in_row_17_and_an_unknown_flag_in_row_30_import_nothing(tmp_path, catalog):
    catalog.import_items([Item("OLD", "Alter Artikel", 100, 700, gtins=(gtin13(999),))])
    rows = [article(n) for n in range(1, 50)]
    rows[15]["price"] = "1,999"        # the 16th item is on spreadsheet row 17 (the header is row 1)
    rows[28]["flags"] = "fragile"      # row 30
    src = write_csv(tmp_path / "katalog.csv", rows)

    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(src)

    report = caught.value.report
    assert not report.ok and report.imported == 0
    assert [(e.row, e.column) for e in report.validation.errors] == [(17, "price"), (30, "flags")]
    text = report.summary()
    assert text.splitlines()[0].startswith("NOTHING WAS IMPORTED")
    assert 'row 17, column price: "1,999" has more than two decimals' in text
    assert 'row 30, column flags: "fragile" is not a known flag' in text
    assert "49 rows checked, 2 bad, 47 good" in text
    assert catalog.count() == 1 and catalog.get("OLD") is not None  # the old catalog is untouched


def test_the_sample_bad_file_lists_every_kind_of_mistake(catalog):
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(SAMPLE_BAD)
    lines = caught.value.report.summary().splitlines()
    assert lines[0] == "NOTHING WAS IMPORTED: catalog-sample-bad.csv has errors; the catalog is unchanged."
    text = "\n".join(lines)
    for expected in ['"Bemerkung" is not a known column', "more than two decimals", "wrong check digit",
                     "not a known flag", "column vat: is empty", "is also the sku of row 2",
                     "is also a GTIN of row 2", "needs a GTIN or, for loose goods, a plu", "not an age",
                     "turned into a number by a spreadsheet", "column name: is empty", "must be more than 0",
                     "a weighed item is priced per kg", "is also the plu of row 13", "must not be negative"]:
        assert expected in text, expected
    assert catalog.count() == 0


def test_a_header_without_required_columns_is_reported_without_checking_every_row(tmp_path, catalog):
    src = write_csv(tmp_path / "x.csv", [article(1)], header=["sku", "name", "preis"])
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(src)
    text = caught.value.report.summary()
    assert "the header is unusable, rows were not checked" in text
    assert "row 1, column price: is missing from the header" in text
    assert "row 1, column gtin: is missing from the header" in text


def test_a_file_that_is_not_utf8_is_refused_with_advice(tmp_path, catalog):
    src = tmp_path / "excel.csv"
    src.write_bytes("sku;gtin;name;price;vat\nA1;4001234000015;Käse;1,99;7\n".encode("cp1252"))
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(src)
    text = caught.value.report.summary()
    assert "excel.csv: cannot be read as a catalog" in text
    assert "file: is not UTF-8 text (line 2, probably saved by Excel as plain \"CSV\")" in text


def test_a_file_that_stops_being_utf8_far_down_is_refused_with_its_line(tmp_path, catalog):
    src = write_csv(tmp_path / "x.csv", [article(n) for n in range(1, 2001)])
    with open(src, "ab") as f:
        f.write("A09999,4001234000015,Käse,1.99,7,,,,,Test\n".encode("cp1252"))
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(src)
    assert "file: is not UTF-8 text (line 2002," in caught.value.report.summary()
    assert catalog.count() == 0


def test_a_missing_file_is_a_catalog_error(catalog, tmp_path):
    with pytest.raises(CatalogError, match="does not exist"):
        catalog.import_file(tmp_path / "nope.csv")


# --- the sample catalog ---------------------------------------------------------------------------------------------


def test_the_sample_catalog_imports_and_answers_the_lane(catalog, sample_rows):
    report = catalog.import_file(SAMPLE)
    assert report.ok and report.imported == len(sample_rows) == catalog.count()
    assert 300 <= catalog.count() <= 400

    milk = next(r for r in sample_rows if r["name"] == "Frische Vollmilch 3,5 % 1 l")
    for gtin in milk["gtin"].split("|"):   # two suppliers, one article
        item = catalog.lookup_gtin(gtin.zfill(14))
        assert item is not None and item.sku == milk["sku"] and item.vat_bp == 700
    assert catalog.lookup_gtin(milk["gtin"].split("|")[0]).price_cents == 115  # 13 digits are padded

    gouda = catalog.lookup_plu("1234")   # the article of the demo labels 2212342001999 and 2812347012503
    assert gouda is not None and gouda.weighed and gouda.name == "Gouda mittelalt vom Stück"
    assert catalog.lookup_plu("0815").name == "Hackfleisch gemischt"
    assert catalog.lookup_plu("815") is None  # PLUs are compared exactly; the scan path strips zeros itself
    assert catalog.lookup_plu("4011").name == "Bananen"
    assert catalog.lookup_gtin("00000000000000") is None


def test_searching_the_sample_catalog_without_a_barcode(catalog):
    catalog.import_file(SAMPLE)
    names = [i.name for i in catalog.search("käse")]
    assert names and all("käse" in n.lower() for n in names)
    assert [i.name for i in catalog.search("KASE")] == names            # no umlaut on the keyboard
    assert catalog.search("bananen")[0].name == "Bananen"                # prefix first
    assert catalog.search("banana", lang="en")[0].display_name("en") == "Bananas"
    assert catalog.search("melk", lang="nl")[0].display_name("nl").lower().startswith("melk")
    assert len(catalog.search("e", limit=5)) == 5
    assert catalog.search("   ") == []


def test_sample_catalog_categories(catalog):
    catalog.import_file(SAMPLE)
    categories = catalog.categories()
    assert "Obst & Gemüse" in categories and "Käse-, Fleisch- & Wursttheke" in categories
    assert len(categories) == len(set(categories)) >= 15
    fruit = catalog.items_by_category("Obst & Gemüse", limit=500)
    assert any(i.plu == "4011" for i in fruit) and all(i.category == "Obst & Gemüse" for i in fruit)
    assert sum(n for _c, n in catalog.category_counts()) == catalog.count()


def test_the_sample_catalog_follows_german_shop_rules(sample_rows):
    gtins = [g for r in sample_rows for g in r["gtin"].split("|") if g]
    assert all(gtin_is_valid(g) for g in gtins) and len({g.zfill(14) for g in gtins}) == len(gtins)
    assert all(g[:3].isdigit() and 400 <= int(g[:3]) <= 440 for g in gtins if len(g) == 13)
    by_name = {r["name"]: r for r in sample_rows}
    assert by_name["Pils Kasten 24 x 0,33 l"]["deposit"] == "3.42"                    # 24 x 0.08 + 1.50
    assert by_name["Pils Kasten 20 x 0,5 l"]["deposit"] == "3.10"                     # 20 x 0.08 + 1.50
    assert "no_bag" in by_name["Mineralwasser classic 6 x 1,5 l"]["flags"]
    assert by_name["Frische Vollmilch 3,5 % 1 l"]["vat"] == "7"
    assert by_name["Haferdrink 1 l"]["vat"] == "19"                                   # a plant drink is no milk
    assert by_name["Energy Drink 0,25 l Dose"]["min_age"] == ""
    assert by_name["Alkoholfreies Weißbier 0,5 l Flasche"]["min_age"] == ""
    for r in sample_rows:
        if r["category"] == "Spirituosen" or r["category"] == "Tabakwaren" and "hülsen" not in r["name"]:
            assert r["min_age"] == "18", r["name"]
        if r["category"] == "Getränke":
            assert r["vat"] == "19", r["name"]
        if "weighed" in r["flags"]:
            assert r["plu"] and not r["gtin"] and not r["weight_g"], r["name"]
        assert r["deposit"] in {"", "0.08", "0.15", "0.25", "0.48", "1.50", "3.10", "3.30", "3.42"}, r["name"]


def test_the_sample_generator_is_deterministic(tmp_path):
    import runpy

    out = tmp_path / "catalog.csv"
    module = runpy.run_path(str(CONFIG / "make_sample_catalog.py"))
    module["main"](["make_sample_catalog.py", str(out)])
    assert out.read_bytes() == SAMPLE.read_bytes()


# --- formats --------------------------------------------------------------------------------------------------------


def test_german_excel_csv_with_semicolons_decimal_commas_and_a_bom(tmp_path, catalog):
    rows = [article(1, "1,99"), article(2, "0,89", name="Brötchen", gtin="", plu="101")]
    src = write_csv(tmp_path / "excel.csv", rows, delimiter=";", bom=True)
    assert src.read_bytes().startswith(b"\xef\xbb\xbfsku;gtin;")
    catalog.import_file(src)
    assert catalog.get("A00001").price_cents == 199
    assert catalog.lookup_plu("101").name == "Brötchen"


def test_blank_trailing_lines_of_a_spreadsheet_are_ignored(tmp_path, catalog):
    src = write_csv(tmp_path / "x.csv", [article(1)], delimiter=";")
    with open(src, "a", encoding="utf-8") as f:
        f.write(";;;;;;;;;\n;;;;;;;;;\n")
    assert catalog.import_file(src).imported == 1


@pytest.mark.parametrize("wrap", [False, True])
def test_json_import(tmp_path, catalog, wrap):
    items = [
        {"sku": "J1", "gtin": [gtin13(1), gtin13(2)], "name": "Vollmilch", "price": 1.15, "vat": 7,
         "deposit": 0, "weight_g": 1060, "weight_tolerance_g": 30, "flags": [], "category": "Molkereiprodukte"},
        {"sku": "J2", "gtin": "", "plu": "4011", "name": "Bananen", "price": "1.79", "vat": "7",
         "flags": ["weighed"]},
    ]
    src = tmp_path / "catalog.json"
    src.write_text(json.dumps({"items": items} if wrap else items), encoding="utf-8")
    report = catalog.import_file(src)
    assert report.imported == 2
    assert catalog.lookup_gtin(gtin13(2).zfill(14)).sku == "J1"
    assert catalog.lookup_gtin(gtin13(1).zfill(14)).price_cents == 115
    assert catalog.lookup_plu("4011").weighed


def test_json_errors_use_the_position_in_the_array(tmp_path, catalog):
    src = tmp_path / "catalog.json"
    src.write_text(json.dumps([{"sku": "J1", "gtin": gtin13(1), "name": "a", "price": 1, "vat": 7},
                               {"sku": "J2", "gtin": gtin13(2), "name": "b", "price": 0, "vat": 7, "colour": "red"},
                               "not an object"]), encoding="utf-8")
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(src)
    assert [str(e) for e in caught.value.report.validation.errors] == [
        'row 2: "colour" is not a known column (known: sku, gtin, name, price, vat, name_de, name_en, name_nl, '
        'weight_g, weight_tolerance_g, min_age, deposit, flags, plu, image, category)',
        'row 2, column price: "0" must be more than 0',
        "row 3: is not an object with sku, gtin, name, price, vat",
    ]


def test_broken_json_is_refused(tmp_path, catalog):
    src = tmp_path / "catalog.json"
    src.write_text('[{"sku": "a",}]', encoding="utf-8")
    with pytest.raises(CatalogImportError, match="is not valid JSON"):
        catalog.import_file(src)


# --- replace and merge ----------------------------------------------------------------------------------------------


def test_replace_makes_the_file_the_whole_catalog(tmp_path, catalog):
    catalog.import_file(write_csv(tmp_path / "a.csv", [article(1), article(2)]))
    catalog.import_file(write_csv(tmp_path / "b.csv", [article(2, "2.49"), article(3)]))
    assert catalog.get("A00001") is None and catalog.lookup_gtin(gtin13(1).zfill(14)) is None
    assert catalog.get("A00002").price_cents == 249 and catalog.count() == 2
    assert catalog.meta()["source"] == "b.csv" and catalog.meta()["mode"] == "replace"


def test_merge_updates_by_sku_and_keeps_the_rest(tmp_path, catalog):
    catalog.import_file(write_csv(tmp_path / "a.csv", [article(1), article(2)]))
    new_gtin = gtin13(20)
    report = catalog.import_file(write_csv(tmp_path / "b.csv", [article(2, "2.49", gtin=new_gtin), article(3)]),
                                 replace=False)
    assert report.ok and report.total == 3 and "Merged 2 items" in report.summary()
    assert catalog.get("A00001") is not None
    assert catalog.get("A00002").price_cents == 249
    assert catalog.lookup_gtin(new_gtin.zfill(14)).sku == "A00002"
    assert catalog.lookup_gtin(gtin13(2).zfill(14)) is None  # the article's old GTIN went with the update


def test_merge_refuses_a_gtin_or_plu_that_another_item_keeps(tmp_path, catalog):
    catalog.import_file(write_csv(tmp_path / "a.csv", [article(1), article(2, plu="4011")]))
    with pytest.raises(CatalogImportError) as caught:
        catalog.import_file(write_csv(tmp_path / "b.csv", [article(5, gtin=gtin13(1)), article(6, plu="4011")]),
                            replace=False)
    assert [str(e) for e in caught.value.report.validation.errors] == [
        f'row 2, column gtin: "{gtin13(1)}" already belongs to sku A00001, which is not in this file',
        'row 3, column plu: "4011" already belongs to sku A00002, which is not in this file',
    ]
    assert catalog.count() == 2 and catalog.get("A00005") is None


def test_merge_may_move_a_gtin_between_two_items_of_the_file(tmp_path, catalog):
    catalog.import_file(write_csv(tmp_path / "a.csv", [article(1), article(2)]))
    swapped = [article(1, gtin=gtin13(2)), article(2, gtin=gtin13(1))]
    catalog.import_file(write_csv(tmp_path / "b.csv", swapped), replace=False)
    assert catalog.lookup_gtin(gtin13(1).zfill(14)).sku == "A00002"


def test_import_items_checks_duplicates(catalog):
    a = Item("A", "a", 100, 700, gtins=("04001234000015",))
    with pytest.raises(CatalogImportError, match="is also a GTIN of row 1"):
        catalog.import_items([a, Item("B", "b", 100, 700, gtins=a.gtins)])


def test_items_round_trip_unchanged(catalog):
    item = Item("S1", "Sekt trocken 0,75 l", 449, 1900, gtins=("04001234000015", "00000096385074"),
                name_de="Sekt trocken 0,75 l", name_en="Sparkling wine", name_nl="Mousserende wijn", weight_g=1595.0,
                weight_tolerance_g=50.0, min_age=16, deposit_cents=0, flags=("high_value", "no_bag"), plu="77",
                image="sekt.png", category="Bier & Wein")
    catalog.import_items([item])
    assert catalog.get("S1") == catalog.lookup_gtin("00000096385074") == catalog.lookup_plu("77") == item


# --- the database file ----------------------------------------------------------------------------------------------


def test_a_file_that_is_not_sqlite_is_named_in_the_error(tmp_path):
    bogus = tmp_path / "catalog.db"
    bogus.write_text("sku,gtin,name\n" * 200)
    with pytest.raises(CatalogError, match=str(bogus)) as caught:
        Catalog.open(bogus)
    assert "not a SQLite catalog database" in str(caught.value)


def test_a_sqlite_database_of_something_else_is_refused(tmp_path):
    other = tmp_path / "journal.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE events (id INTEGER)")
    conn.close()
    with pytest.raises(CatalogError, match="not a catalog"):
        Catalog.open(other)


def test_a_missing_directory_is_named(tmp_path):
    with pytest.raises(CatalogError, match="does not exist"):
        Catalog.open(tmp_path / "no" / "such" / "catalog.db")


def test_close_twice_is_harmless(tmp_path):
    c = Catalog.open(tmp_path / "c.db")
    c.close()
    c.close()


def test_reopening_keeps_the_catalog_and_uses_wal(tmp_path):
    with Catalog.open(tmp_path / "c.db") as c:
        c.import_items([Item("A", "a", 100, 700, gtins=(gtin13(1).zfill(14),))])
    with Catalog.open(tmp_path / "c.db") as c:
        assert c.count() == 1
        assert c._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_reader_sees_the_old_or_the_new_catalog_never_a_mix_or_nothing(tmp_path):
    """Given a lane reading while a technician re-imports, every read sees one whole catalog."""
    db = tmp_path / "c.db"
    old = write_csv(tmp_path / "old.csv", [article(n, "1.00") for n in range(3000)])
    new = write_csv(tmp_path / "new.csv", [article(n, "2.00") for n in range(5000)])
    with Catalog.open(db) as c:
        c.import_file(old)

    stop = threading.Event()
    failures: list[BaseException] = []
    imports = 0

    def technician() -> None:
        nonlocal imports
        try:
            with Catalog.open(db) as writer:
                for i in range(6):
                    writer.import_file(new if i % 2 == 0 else old)
                    imports += 1
        except BaseException as e:  # pragma: no cover - reported below
            failures.append(e)
        finally:
            stop.set()

    seen = set()
    with Catalog.open(db) as lane:
        thread = threading.Thread(target=technician)
        thread.start()
        probe = gtin13(1234).zfill(14)  # in both catalogs
        while not stop.is_set() or not seen:
            snapshot = lane._conn.execute(
                "SELECT count(*), min(price_cents), max(price_cents), (SELECT count(*) FROM gtins) FROM items"
            ).fetchone()
            assert snapshot in {(3000, 100, 100, 3000), (5000, 200, 200, 5000)}, snapshot
            item = lane.lookup_gtin(probe)
            assert item is not None and item.price_cents in (100, 200)
            seen.add(snapshot[0])
        thread.join()
        assert lane.count() == 3000  # the last of the six imports was the old file again
    assert not failures and imports == 6
    assert seen  # how many versions the reader met is up to timing; whatever it met was whole


# --- the lane and the replay tool -----------------------------------------------------------------------------------


def test_ensure_catalog_imports_the_seed_once_and_again_when_it_changes(tmp_path):
    seed = write_csv(tmp_path / "seed.csv", [article(1), article(2)])
    config = SimpleNamespace(catalog_db=tmp_path / "catalog.db", catalog_seed=seed)
    with ensure_catalog(config) as c:
        assert c.count() == 2
        first = c.meta()["imported_at"]
    with ensure_catalog(config) as c:
        assert c.meta()["imported_at"] == first and c.count() == 2
    write_csv(seed, [article(1), article(2), article(3)])
    os.utime(seed, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    with ensure_catalog(config) as c:
        assert c.count() == 3


def test_a_bad_seed_keeps_the_old_catalog_selling_and_an_empty_lane_refuses_to_start(tmp_path):
    seed = write_csv(tmp_path / "seed.csv", [article(1)])
    config = SimpleNamespace(catalog_db=tmp_path / "catalog.db", catalog_seed=seed)
    ensure_catalog(config).close()
    write_csv(seed, [article(1, "0")])
    os.utime(seed, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    with ensure_catalog(config) as c:      # a technician's bad export must not close the lane
        assert c.count() == 1
    empty = SimpleNamespace(catalog_db=tmp_path / "empty.db", catalog_seed=seed)
    with pytest.raises(CatalogImportError, match="NOTHING WAS IMPORTED"):
        ensure_catalog(empty)


def test_replay_prices_with_a_file_in_memory_not_the_lane_database(tmp_path):
    config = SimpleNamespace(catalog_db=tmp_path / "lane.db", catalog_seed=SAMPLE)
    with open_for_replay(None, config) as c:
        assert c.lookup_plu("1234") is not None
    assert not (tmp_path / "lane.db").exists()
    with open_for_replay(write_csv(tmp_path / "x.csv", [article(7)]), config) as c:
        assert c.count() == 1
    with pytest.raises(CatalogError, match="does not exist"):
        open_for_replay(tmp_path / "missing.csv", config)


# --- the technician's commands --------------------------------------------------------------------------------------


def run_cli(argv: list[str], default_db) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    register_cli(parser.add_subparsers(), default_db=default_db)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_import_of_a_bad_file_says_nothing_was_imported_and_exits_2(tmp_path, capsys):
    code = run_cli(["catalog", "import", str(SAMPLE_BAD)], tmp_path / "c.db")
    out = capsys.readouterr().out
    assert code == 2
    assert out.splitlines()[0] == "NOTHING WAS IMPORTED: catalog-sample-bad.csv has errors; the catalog is unchanged."
    assert "row 3, column price" in out


def test_cli_import_lookup_and_stats(tmp_path, capsys):
    db = tmp_path / "c.db"
    assert run_cli(["catalog", "import", str(SAMPLE), "--db", str(db)], lambda: 1 / 0) == 0
    assert capsys.readouterr().out.startswith("Imported ")

    assert run_cli(["catalog", "lookup", "2212342001999", "--db", str(db)], None) == 0
    out = capsys.readouterr().out
    assert "article 1234" in out and "Gouda mittelalt vom Stück" in out and "per kg" in out

    assert run_cli(["catalog", "lookup", "4011"], lambda: db) == 0
    assert "Bananen" in capsys.readouterr().out

    assert run_cli(["catalog", "lookup", "4000000000000"], db) == 1

    assert run_cli(["catalog", "stats"], str(db)) == 0
    out = capsys.readouterr().out
    assert "items       " in out and "Obst & Gemüse" in out and "catalog.csv" in out


def test_cli_merge_flag(tmp_path, capsys):
    db = tmp_path / "c.db"
    run_cli(["catalog", "import", str(write_csv(tmp_path / "a.csv", [article(1)])), "--db", str(db)], None)
    run_cli(["catalog", "import", str(write_csv(tmp_path / "b.csv", [article(2)])), "--merge", "--db", str(db)],
            None)
    assert "the catalog now has 2 items" in capsys.readouterr().out


def test_cli_on_a_file_that_is_not_a_database(tmp_path, capsys):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"\x00" * 4096 + b"garbage" * 100)
    assert run_cli(["catalog", "stats", "--db", str(bogus)], None) == 2
    assert str(bogus) in capsys.readouterr().err


def test_cli_lookup_without_a_catalog_says_how_to_make_one(tmp_path, capsys):
    assert run_cli(["catalog", "lookup", "4011", "--db", str(tmp_path / "none.db")], None) == 2
    assert "import one with 'kiosk catalog import FILE'" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
