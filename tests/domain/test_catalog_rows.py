"""Catalog rows, checked before they reach a lane: the pure rules of kiosk.domain.catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.catalog import (
    COLUMNS,
    RowError,
    RowValidator,
    ValidationReport,
    check_header,
    fold_text,
    gtin_is_valid,
    parse_row,
    validate_rows,
)
from kiosk.domain.item import Item


def row(**cells: object) -> dict[str, object]:
    """A good CSV row of a packaged article; keyword arguments replace or add cells."""
    base: dict[str, object] = {
        "sku": "MO0001", "gtin": "4001234000015", "name": "Frische Vollmilch 3,5 % 1 l", "price": "1.15",
        "vat": "7", "name_de": "", "name_en": "", "name_nl": "", "weight_g": "1060", "weight_tolerance_g": "30",
        "min_age": "", "deposit": "", "flags": "", "plu": "", "image": "", "category": "Molkereiprodukte",
    }
    base.update(cells)
    return base


def errors_of(result: Item | list[RowError]) -> list[str]:
    assert isinstance(result, list), f"expected errors, got {result!r}"
    return [str(e) for e in result]


# --- one good row ---------------------------------------------------------------------------------------------------


def test_a_good_csv_row_becomes_an_item_with_normalised_values():
    item = parse_row(row(price="1,15", vat="7%", gtin="4001234000015 | 96385074", flags="No_Bag|high_value",
                         name_en="Fresh whole milk 1 l"), 2)
    assert item == Item(
        sku="MO0001", name="Frische Vollmilch 3,5 % 1 l", price_cents=115, vat_bp=700,
        gtins=("04001234000015", "00000096385074"), name_en="Fresh whole milk 1 l", weight_g=1060.0,
        weight_tolerance_g=30.0, flags=("high_value", "no_bag"), category="Molkereiprodukte",
    )


def test_loose_bananas_need_no_gtin_when_they_have_a_plu():
    item = parse_row(row(sku="OG0001", gtin="", name="Bananen", price="1.79", plu="4011", flags="weighed",
                         weight_g="", weight_tolerance_g=""), 2)
    assert isinstance(item, Item)
    assert item.gtins == () and item.plu == "4011" and item.weighed and item.price_cents == 179


def test_a_counter_article_keeps_the_leading_zero_of_its_plu():
    item = parse_row(row(gtin="", plu="0815", flags="weighed", weight_g="", weight_tolerance_g=""), 2)
    assert isinstance(item, Item) and item.plu == "0815"


@pytest.mark.parametrize("written, gtin14", [
    ("96385074", "00000096385074"),          # EAN-8
    ("036000241457", "00036000241457"),      # UPC-A
    ("4006381333931", "04006381333931"),     # EAN-13
    ("14006381333938", "14006381333938"),    # GTIN-14 of a case
    ("400 6381 33393 1", "04006381333931"),  # as printed, with spaces
])
def test_every_gtin_length_is_normalised_to_14_digits(written, gtin14):
    item = parse_row(row(gtin=written), 2)
    assert isinstance(item, Item) and item.gtins == (gtin14,)


def test_deposit_age_and_vat_with_decimals():
    item = parse_row(row(deposit="0,25", min_age="16", vat="10.7"), 2)
    assert isinstance(item, Item)
    assert (item.deposit_cents, item.min_age, item.vat_bp) == (25, 16, 1070)


def test_json_values_are_read_as_well_as_csv_strings():
    item = parse_row({"sku": 4711, "gtin": ["4001234000015", 96385074], "name": "Milch", "price": Decimal("1.15"),
                      "vat": 7, "deposit": 0, "weight_g": 1060, "weight_tolerance_g": 30.5, "min_age": 0,
                      "flags": ["no_bag"], "plu": None}, 1)
    assert isinstance(item, Item)
    assert item.sku == "4711" and item.price_cents == 115 and item.vat_bp == 700
    assert item.gtins == ("04001234000015", "00000096385074") and item.weight_tolerance_g == 30.5


def test_json_floats_are_accepted_only_when_they_are_whole_cents():
    assert parse_row({**row(), "price": 1.99}, 1).price_cents == 199
    assert errors_of(parse_row({**row(), "price": 1.999}, 1)) == ['row 1, column price: "1.999" has more than two '
                                                                  'decimals']


# --- what is wrong with a row ---------------------------------------------------------------------------------------


def test_the_message_says_row_column_value_and_why():
    assert errors_of(parse_row(row(price="1,999"), 17)) == ['row 17, column price: "1,999" has more than two decimals']


def test_every_problem_of_a_row_is_reported_not_just_the_first():
    messages = errors_of(parse_row(row(sku="", name="", price="0", vat="", gtin="4001234000016", flags="fragile",
                                       min_age="18+", deposit="-0,10", weight_g="-5"), 9))
    assert messages == [
        "row 9, column sku: is empty",
        "row 9, column name: is empty",
        'row 9, column price: "0" must be more than 0',
        "row 9, column vat: is empty",
        'row 9, column deposit: "-0,10" must not be negative',
        'row 9, column weight_g: "-5" must not be negative',
        'row 9, column min_age: "18+" is not an age in years (0..99)',
        'row 9, column flags: "fragile" is not a known flag (known: high_value, no_bag, weighed)',
        'row 9, column gtin: "4001234000016" has a wrong check digit (expected 5)',
    ]


@pytest.mark.parametrize("cells, expected", [
    ({"price": "-1.99"}, 'column price: "-1.99" must be more than 0'),
    ({"price": "1.99 EUR"}, 'column price: "1.99 EUR" is not an amount (expected a decimal such as 1.99)'),
    ({"price": "150000"}, 'column price: "150000" is more than 99999.99'),
    ({"vat": "119"}, 'column vat: "119" is outside 0..99.99 %'),
    ({"vat": "neunzehn"}, 'column vat: "neunzehn" is not a VAT rate (expected a percentage such as 19 or 7)'),
    ({"gtin": "40012340000"}, 'column gtin: "40012340000" has 11 digits; a GTIN has 8, 12, 13 or 14'),
    ({"gtin": "4,00123E+12"}, 'column gtin: "4,00123E+12" was turned into a number by a spreadsheet'),
    ({"gtin": "ABC"}, 'column gtin: "ABC" is not a GTIN: digits only (8, 12, 13 or 14)'),
    ({"gtin": ""}, "column gtin: is empty: an item needs a GTIN or, for loose goods, a plu"),
    ({"plu": "12-34"}, 'column plu: "12-34" is not a PLU (1 to 6 digits)'),
    ({"plu": "1234567"}, 'column plu: "1234567" is not a PLU (1 to 6 digits)'),
    ({"min_age": "100"}, 'column min_age: "100" is not an age in years (0..99)'),
    ({"weight_g": "150000"}, 'column weight_g: "150000" grams is more than 100 kg: weights are in grams'),
    ({"weight_g": "", "weight_tolerance_g": "10"}, 'column weight_tolerance_g: "10" is set, but weight_g is empty'),
    ({"flags": "weighed", "plu": "1234"}, 'column weight_g: "1060" is set, but a weighed item is priced per kg'),
    ({"name": "x" * 121}, "column name: \"" + "x" * 57 + '..." is longer than 120 characters'),
    ({"name": "Milch\n1 l"}, 'column name: "Milch\\n1 l" contains control characters (a line break?)'),
    ({"sku": "A\tB"}, 'column sku: "A\\tB" contains control characters'),
])
def test_shop_rules(cells, expected):
    messages = errors_of(parse_row(row(**cells), 5))
    assert any(m.startswith("row 5, " + expected) for m in messages), messages


def test_an_unreadable_plu_is_not_also_blamed_on_the_missing_gtin():
    assert errors_of(parse_row(row(gtin="", plu="abc"), 3)) == ['row 3, column plu: "abc" is not a PLU (1 to 6 digits)']


def test_a_json_object_without_required_keys():
    messages = errors_of(parse_row({"sku": "A"}, 4))
    assert messages == [
        "row 4, column name: is required",
        "row 4, column price: is required",
        "row 4, column vat: is required",
        "row 4, column gtin: is required (it may be empty for loose goods that have a plu)",
    ]


def test_json_types_that_make_no_sense_are_errors_not_crashes():
    messages = errors_of(parse_row({**row(), "price": True, "vat": [19], "name": {"de": "Milch"},
                                    "flags": {"no_bag": True}, "gtin": [4001234000015.0]}, 6))
    assert [m.split(":")[0] for m in messages] == [
        "row 6, column name", "row 6, column price", "row 6, column vat", "row 6, column flags", "row 6, column gtin"]


@pytest.mark.parametrize("value", [Decimal("sNaN"), Decimal("NaN"), Decimal("-Infinity"), Decimal("1e999999"),
                                   float("nan"), float("inf"), 10**400, -1])
def test_numbers_from_the_edges_of_json_are_errors(value):
    for column in ("price", "vat", "deposit", "weight_g", "weight_tolerance_g", "min_age"):
        result = parse_row({**row(), column: value}, 1)
        assert isinstance(result, list) and result[0].column == column


def test_surplus_cells_of_a_csv_line_are_reported():
    assert errors_of(parse_row({**row(), None: ["x", "y"]}, 8)) == [
        "row 8: has 2 more cells than the header has columns"]


def test_gtin_check_digits_match_the_published_vectors():
    assert gtin_is_valid("4006381333931") and gtin_is_valid("036000241457") and gtin_is_valid("96385074")
    assert gtin_is_valid("2212342001999") and gtin_is_valid("2812347012503")
    assert not gtin_is_valid("4006381333932") and not gtin_is_valid("400638133393") and not gtin_is_valid("x" * 13)


# --- the header -----------------------------------------------------------------------------------------------------


def test_a_good_header_in_any_case_and_with_spaces():
    assert check_header(["\ufeffSKU", " gtin ", "Name", "price", "VAT", "flags"]) == []


def test_header_problems_are_each_reported_once():
    messages = [str(e) for e in check_header(["sku", "name", "price", "price", "preis_alt"])]
    assert messages == [
        "row 1, column price: appears more than once in the header",
        'row 1: "preis_alt" is not a known column (known: ' + ", ".join(COLUMNS) + ")",
        "row 1, column gtin: is missing from the header",
        "row 1, column vat: is missing from the header",
    ]


def test_a_header_read_with_the_wrong_delimiter_says_so():
    messages = [str(e) for e in check_header(["sku;gtin;name;price;vat"])]
    assert messages[0] == 'row 1: "sku;gtin;name;price;vat" is the whole header in one cell: wrong delimiter?'


# --- across rows ----------------------------------------------------------------------------------------------------


def test_the_same_sku_gtin_or_plu_on_two_rows_names_both_rows():
    rows = [
        row(),                                                               # row 2
        row(sku="MO0002", gtin="4001234000022"),                             # row 3
        row(sku="MO0001", gtin="4001234000039"),                             # row 4: sku of row 2
        row(sku="MO0004", gtin="04001234000022"),                            # row 5: GTIN of row 3 (other spelling)
        row(sku="OG0001", gtin="", plu="4011", flags="weighed", weight_g="", weight_tolerance_g=""),  # row 6
        row(sku="OG0002", gtin="", plu="4011", flags="weighed", weight_g="", weight_tolerance_g=""),  # row 7
    ]
    items, errors = validate_rows(rows)
    assert [i.sku for i in items] == ["MO0001", "MO0002", "OG0001"]
    assert [str(e) for e in errors] == [
        'row 4, column sku: "MO0001" is also the sku of row 2',
        'row 5, column gtin: "4001234000022" is also a GTIN of row 3',
        'row 7, column plu: "4011" is also the plu of row 6',
    ]


def test_a_bad_row_still_counts_for_duplicates_after_it():
    _, errors = validate_rows([row(price="x"), row(gtin="4001234000022")], first_row=1)
    assert [str(e) for e in errors] == ['row 1, column price: "x" is not an amount (expected a decimal such as 1.99)',
                                        'row 2, column sku: "MO0001" is also the sku of row 1']


def test_items_built_elsewhere_are_checked_for_duplicates_too():
    v = RowValidator()
    a = Item("A", "a", 100, 700, gtins=("04001234000015",))
    assert v.check_item(a, 1) is a
    assert [str(e) for e in v.check_item(Item("B", "b", 100, 700, gtins=a.gtins), 2)] == [
        'row 2, column gtin: "4001234000015" is also a GTIN of row 1']


# --- the technician's summary ---------------------------------------------------------------------------------------


def test_summary_counts_rows_and_caps_the_error_lines():
    errors = [RowError(n, "price", "0", "must be more than 0") for n in range(2, 302)]
    report = ValidationReport(rows=1000, items_ok=700, errors=errors, source="katalog.csv")
    lines = report.summary(max_lines=200).splitlines()
    assert lines[0] == "katalog.csv: 1000 rows checked, 300 bad, 700 good; 300 errors"
    assert lines[1] == 'row 2, column price: "0" must be more than 0'
    assert len(lines) == 202 and lines[-1] == "... and 100 more"
    assert not report.ok


def test_summary_of_a_good_file():
    report = ValidationReport(rows=396, items_ok=396, source="catalog.csv")
    assert report.ok and report.summary() == "catalog.csv: 396 rows, all good"


def test_search_folding_ignores_case_and_umlauts():
    assert fold_text("KÄSE") == fold_text("Käse") == fold_text("kase") == "kase"
    assert fold_text("Straße") == "strasse"
    assert fold_text("Crème fraîche") == "creme fraiche"


# --- never a crash --------------------------------------------------------------------------------------------------

_keys = st.sampled_from(COLUMNS) | st.text(max_size=8)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.decimals() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_keys, st.text(max_size=40), max_size=20), st.integers(min_value=1, max_value=10**6))
def test_parse_row_never_raises_on_arbitrary_text(cells, row_no):
    result = parse_row(cells, row_no)
    assert isinstance(result, Item) or (result and all(isinstance(e, RowError) and e.row == row_no for e in result))
    for e in result if isinstance(result, list) else ():
        assert str(e).startswith(f"row {row_no}")


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_keys, _json_values, max_size=20))
def test_parse_row_never_raises_on_arbitrary_json_values(cells):
    result = parse_row(cells, 1)
    assert isinstance(result, Item) or (result and all(isinstance(e, RowError) for e in result))


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({c: st.text(alphabet="0123456789,.;|-% ", max_size=14) for c in COLUMNS}))
def test_numbers_that_look_almost_right_never_crash(cells):
    result = parse_row(cells, 2)
    assert isinstance(result, (Item, list))
    if isinstance(result, Item):
        assert result.price_cents > 0 and result.deposit_cents >= 0 and 0 <= result.min_age <= 99
        assert result.gtins or result.plu


def test_unnamed_columns_are_ignored_while_they_are_empty():
    assert check_header(["sku", "gtin", "name", "price", "vat", "", " "]) == []
    assert isinstance(parse_row({**row(), "": ""}, 2), Item)
    assert errors_of(parse_row({**row(), "": "Aktion!"}, 2)) == [
        'row 2: "Aktion!" is in a column without a name in the header']
