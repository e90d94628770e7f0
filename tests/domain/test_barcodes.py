"""A scan at the lane: what the shopper put under the scanner, and what the lane understands from it.

Vectors come from PROTOCOLS.md 1.4-1.7; in-store and voucher codes are built with the module's own check-digit
functions only where the document gives no vector.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain import barcodes
from kiosk.domain.barcodes import (
    GERMAN_LAYOUTS,
    MAX_SCAN_LENGTH,
    BarcodeError,
    InstoreLayout,
    classify,
    expand_upce,
    gtin_check_digit,
    is_valid_gtin,
    normalize_gtin,
    parse_layouts,
    price_check_digit_4,
    price_check_digit_5,
    split_aim,
)
from kiosk.domain.codes import GtinCode, InstoreCode, OtherCode, ScanRejected, VoucherCode

GS = "\x1d"
GERMAN_INSTORE_VECTORS = ["2212342001999", "2812347012503", "2423230001544", "2523232000061", "2623237002494"]


def with_check(payload: str) -> str:
    return payload + str(gtin_check_digit(payload))


def instore(prefix_and_article: str, value: str) -> str:
    """A German 13-digit measure code: prefix + 4-digit article + K + 5-digit value + C."""
    return with_check(prefix_and_article + str(price_check_digit_5(value)) + value)


# --- check digits (PROTOCOLS.md 1.4) --------------------------------------------------------------------------------

@pytest.mark.parametrize("payload, check", [("400638133393", 1), ("03600024145", 7), ("9638507", 4)])
def test_gtin_check_digit_matches_the_published_vectors(payload, check):
    assert gtin_check_digit(payload) == check


@pytest.mark.parametrize("code", ["4006381333931", "036000241457", "96385074", "04006381333931"])
def test_valid_gtins_of_every_length_are_accepted(code):
    assert is_valid_gtin(code)
    assert normalize_gtin(code) == code.zfill(14)


@pytest.mark.parametrize("code", ["4006381333932", "400638133393", "4006381333931 ", "40063813339310", "1234567890",
                                  "", "４００６３８１３３３９３１"])
def test_anything_else_is_not_a_valid_gtin(code):
    assert not is_valid_gtin(code)
    with pytest.raises(BarcodeError):
        normalize_gtin(code)


def test_normalize_gtin_says_which_check_digit_was_expected():
    with pytest.raises(BarcodeError, match="check digit 1, not 2"):
        normalize_gtin("4006381333932")


@pytest.mark.parametrize("payload", ["", "12a4", None])
def test_gtin_check_digit_refuses_non_digits(payload):
    with pytest.raises(BarcodeError):
        gtin_check_digit(payload)


@given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(string.digits, min_size=n, max_size=n)))
def test_a_payload_with_its_check_digit_normalises_to_fourteen_digits(payload):
    code = payload + str(gtin_check_digit(payload))
    assert is_valid_gtin(code)
    assert normalize_gtin(code) == code.zfill(14)
    assert normalize_gtin(normalize_gtin(code)) == code.zfill(14)


@given(st.text(string.digits, min_size=13, max_size=13), st.integers(0, 12), st.integers(1, 9))
def test_the_gtin_check_digit_catches_every_single_digit_error(code, position, delta):
    code = with_check(code[:12])
    wrong = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
    assert not is_valid_gtin(wrong)


# --- UPC-E ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("upce, upca", [
    ("04252614", "042100005264"),   # last digit 0-2: manufacturer digits split around the zeros
    ("01234565", "012345000065"),   # last digit 5-9
    ("01234531", "012300000451"),   # last digit 3
    ("01234543", "012340000053"),   # last digit 4
    ("00124536", "001200000456"),   # last digit 3 with a leading zero in the manufacturer number
])
def test_upce_expands_to_its_upca(upce, upca):
    assert expand_upce(upce) == upca
    assert is_valid_gtin(upca)


@pytest.mark.parametrize("bad", ["04252615", "24252614", "0425261", "042526140", "0425261a"])
def test_upce_with_a_wrong_check_digit_number_system_or_length_is_refused(bad):
    with pytest.raises(BarcodeError):
        expand_upce(bad)


# --- price/weight check digit (PROTOCOLS.md 1.5) --------------------------------------------------------------------

def test_four_digit_price_check_digit_vector():
    assert price_check_digit_4("1234") == 9


@pytest.mark.parametrize("code", GERMAN_INSTORE_VECTORS)
def test_german_instore_vectors_pass_both_checks(code):
    assert is_valid_gtin(code)
    assert price_check_digit_5(code[7:12]) == int(code[6])


@pytest.mark.parametrize("value", ["123", "12345", "12a4", ""])
def test_four_digit_check_refuses_other_input(value):
    with pytest.raises(BarcodeError):
        price_check_digit_4(value)


@pytest.mark.parametrize("value", ["1234", "123456", "1234x"])
def test_five_digit_check_refuses_other_input(value):
    with pytest.raises(BarcodeError):
        price_check_digit_5(value)


@given(st.text(string.digits, min_size=5, max_size=5), st.integers(0, 4), st.integers(1, 9))
def test_the_five_digit_check_catches_every_single_digit_change(value, position, delta):
    # Each weighting of the GS1 algorithm permutes 0..9, so changing one value digit always changes K.
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1:]
    assert price_check_digit_5(changed) != price_check_digit_5(value)


def test_every_single_digit_change_of_the_german_price_example_is_caught():
    value = "00199"  # 2212342001999: 1.99 EUR
    for position in range(5):
        for digit in string.digits:
            if digit != value[position]:
                changed = value[:position] + digit + value[position + 1:]
                assert price_check_digit_5(changed) != 2, changed


@given(st.text(string.digits, min_size=4, max_size=4), st.integers(0, 3), st.integers(1, 9))
def test_the_four_digit_check_catches_every_single_digit_change(value, position, delta):
    changed = value[:position] + str((int(value[position]) + delta) % 10) + value[position + 1:]
    assert price_check_digit_4(changed) != price_check_digit_4(value)


# --- AIM identifiers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("]E04006381333931", ("]E0", "4006381333931")),
    ("]C1010400638133393131030012501525013110ABC123", ("]C1", "010400638133393131030012501525013110ABC123")),
    ("]e0", ("]e0", "")),
    ("4006381333931", (None, "4006381333931")),
    ("]", (None, "]")),
    ("]E", (None, "]E")),
    ("]1ABC", (None, "]1ABC")),
    ("]E-123", (None, "]E-123")),
    ("]]]", (None, "]]]")),
])
def test_split_aim_takes_off_only_a_well_formed_identifier(raw, expected):
    assert split_aim(raw) == expected


# --- a shopper scans packaged goods ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, aim, gtin", [
    ("4006381333931", "]E0", "04006381333931"),
    ("]E04006381333931", None, "04006381333931"),
    ("4006381333931\r\n", None, "04006381333931"),
    ("  4006381333931\n", None, "04006381333931"),
    ("036000241457", None, "00036000241457"),
    ("0036000241457", "]E0", "00036000241457"),
    ("96385074", "]E4", "00000096385074"),
    ("96385074", None, "00000096385074"),
    ("04006381333931", "]I1", "04006381333931"),
])
def test_an_ean_upc_or_itf_scan_is_a_gtin(raw, aim, gtin):
    code = classify(raw, aim)
    assert code == GtinCode(gtin=gtin, symbology=aim if aim else split_aim(raw.strip())[0])


def test_an_unexpanded_upce_under_the_ean_upc_identifier_is_expanded():
    # ]E4 would be EAN-8; 8 digits under ]E0 can only be a UPC-E.
    assert classify("04252614", "]E0") == GtinCode(gtin="00042100005264", symbology="]E0")
    assert classify("]E004252614") == GtinCode(gtin="00042100005264", symbology="]E0")


def test_eight_digits_without_an_identifier_are_read_as_ean8():
    # Without an AIM identifier a UPC-E looks like an EAN-8; scanners should send UPC-E expanded (or with ]E0).
    assert classify("04252614").reason == "check_digit"
    assert classify("96385074", "]E0") == GtinCode(gtin="00000096385074", symbology="]E0")  # starts with 9: EAN-8


def test_a_wrong_gtin_check_digit_is_rejected_with_the_expected_digit():
    result = classify("4006381333932")
    assert isinstance(result, ScanRejected)
    assert result.reason == "check_digit"
    assert "should be 1" in result.message and "is 2" in result.message


def test_digits_from_a_symbology_that_carries_no_gtin_are_left_to_the_shell():
    assert classify("4006381333931", "]C0") == OtherCode(data="4006381333931", symbology="]C0")
    assert classify("]A012345678") == OtherCode(data="12345678", symbology="]A0")


@pytest.mark.parametrize("raw", ["1234567890", "123456", "340123450000000005", "12345678901234567890"])
def test_digits_of_other_lengths_are_not_sellable_items(raw):
    assert classify(raw) == OtherCode(data=raw)


def test_the_everyday_path_does_not_touch_biip(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("biip called on the fast path")

    monkeypatch.setattr(barcodes.GS1Message, "parse", boom)
    monkeypatch.setattr(barcodes.GS1DigitalLinkURI, "parse", boom)
    assert isinstance(classify("4006381333931", "]E0"), GtinCode)
    assert isinstance(classify("]E04006381333931"), GtinCode)
    assert isinstance(classify("2212342001999"), InstoreCode)


# --- a shopper scans a label from the weighing scale or the meat counter -------------------------------------------

def test_a_german_price_label_carries_article_and_price_in_cents():
    assert classify("2212342001999", "]E0") == InstoreCode(code="2212342001999", article="1234", kind="price",
                                                          value=199)


def test_a_german_weight_label_carries_article_and_grams():
    assert classify("2812347012503") == InstoreCode(code="2812347012503", article="1234", kind="weight", value=1250)


def test_a_german_count_label_carries_pieces():
    assert classify("2523232000061") == InstoreCode(code="2523232000061", article="2323", kind="count", value=6)


@pytest.mark.parametrize("prefix, kind", [("22", "price"), ("23", "price"), ("25", "count"), ("26", "count"),
                                          ("28", "weight"), ("29", "weight")])
def test_each_german_measure_prefix_has_its_meaning(prefix, kind):
    code = instore(prefix + "4711", "01234")
    assert classify(code) == InstoreCode(code=code, article="4711", kind=kind, value=1234)


@pytest.mark.parametrize("prefix", ["20", "21", "24", "27"])
def test_german_prefixes_without_a_measure_are_store_article_numbers(prefix):
    code = with_check(prefix + "0000012345")
    assert classify(code) == InstoreCode(code=code, article=prefix[1] + "0000012345", kind="article", value=None)


def test_the_snabble_vector_with_prefix_24_is_a_price_where_the_store_says_so():
    layouts = parse_layouts([{"template": "24AAAAKVVVVVC", "kind": "price"}])
    assert classify("2423230001544", layouts=layouts) == InstoreCode(code="2423230001544", article="2323",
                                                                   kind="price", value=154)


def test_a_price_label_with_a_wrong_price_check_digit_is_rejected():
    # 2212343001998 has a correct EAN check digit, so only the price check can catch the altered K.
    tampered = with_check("221234" + "3" + "00199")
    result = classify(tampered)
    assert isinstance(result, ScanRejected)
    assert result.reason == "price_check"
    assert "should be 2" in result.message


@given(st.integers(0, 99999), st.integers(0, 4), st.integers(1, 9))
def test_a_changed_price_with_a_recomputed_ean_check_is_caught_by_the_price_check(value, position, delta):
    digits = f"{value:05d}"
    genuine = instore("221234", digits)
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1:]
    forged = with_check(genuine[:7] + changed)
    assert classify(genuine) == InstoreCode(code=genuine, article="1234", kind="price", value=value)
    assert classify(forged).reason == "price_check"


def test_an_instore_code_sent_as_gtin14_keeps_its_13_digits():
    assert classify("02212342001999") == InstoreCode(code="2212342001999", article="1234", kind="price", value=199)


def test_an_ean_with_a_wrong_check_digit_is_a_check_digit_rejection_even_in_the_instore_range():
    assert classify("2212342001998").reason == "check_digit"


# --- a shopper hands in a bottle-return voucher ---------------------------------------------------------------------

def test_a_bottle_return_voucher_has_serial_and_value():
    code = with_check("980" + "12345" + "0325")
    assert classify(code, "]E0") == VoucherCode(code=code, serial="12345", value_cents=325)


def test_a_voucher_sent_as_gtin14_is_still_the_same_voucher():
    code = with_check("980" + "00042" + "0025")
    assert classify("0" + code) == VoucherCode(code=code, serial="00042", value_cents=25)


def test_a_voucher_with_a_wrong_check_digit_is_rejected():
    code = with_check("980" + "12345" + "0325")
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert classify(wrong).reason == "check_digit"


def test_another_rvm_format_is_a_store_layout():
    layouts = parse_layouts([{"template": "99XSSSSSSVVVC", "kind": "voucher", "comment": "RVM of store 12"}])
    code = with_check("99" + "7" + "000123" + "150")
    assert classify(code, layouts=layouts) == VoucherCode(code=code, serial="000123", value_cents=150)


# --- GS1 element strings --------------------------------------------------------------------------------------------

def test_a_gs1_128_label_carries_weight_best_before_and_lot():
    result = classify("]C1" + "0104006381333931" + "3103001250" + "15250131" + "10ABC123")
    assert result == GtinCode(gtin="04006381333931", symbology="]C1", weight_g=1250, best_before="2025-01-31",
                              lot="ABC123")


def test_a_gs1_datamatrix_with_separators_carries_lot_and_price():
    # 3922 = amount with 2 decimals, variable length: "00199" is 1.99.
    result = classify("]d2" + "0104006381333931" + "10LOT1" + GS + "392200199")
    assert result == GtinCode(gtin="04006381333931", symbology="]d2", lot="LOT1", price_cents=199)


def test_the_aim_identifier_may_come_separately():
    result = classify("0104006381333931" + "21SER42" + GS + "17261231" + "3012", aim="]Q3")
    assert result == GtinCode(gtin="04006381333931", symbology="]Q3", serial="SER42", expiry="2026-12-31", count=12)


def test_a_databar_without_identifier_is_recognised_by_its_shape():
    assert classify("0104006381333931") == GtinCode(gtin="04006381333931")
    assert classify("0104006381333931" + "3102000125") == GtinCode(gtin="04006381333931", weight_g=1250)


@pytest.mark.parametrize("ai_value, grams", [("3103001250", 1250), ("3105000125", 1), ("3105000150", 2),
                                            ("3100000002", 2000), ("3104012345", 1235)])
def test_weights_become_grams_rounded_half_up(ai_value, grams):
    assert classify("]e0" + "0104006381333931" + ai_value).weight_g == grams


def test_a_variable_measure_gtin_14_is_still_a_gtin():
    gtin = with_check("9400638133393")
    assert classify("]e0" + "01" + gtin + "3103001250") == GtinCode(gtin=gtin, symbology="]e0", weight_g=1250)


def test_an_end_of_month_date_is_the_last_day():
    assert classify("]C1" + "0104006381333931" + "15250200").best_before == "2025-02-28"


def test_an_element_string_without_a_gtin_is_some_other_code():
    sscc = "]C1" + "00" + with_check("34012345000000000")
    assert classify(sscc) == OtherCode(data=sscc[3:], symbology="]C1")


def test_a_wrong_gtin_inside_an_element_string_is_a_check_digit_rejection():
    result = classify("]C1" + "0104006381333932" + "10ABC")
    assert result.reason == "check_digit"
    assert "Expected 1" in result.message


@pytest.mark.parametrize("raw", ["]C1" + "0104006381333931" + "15000000", "]d2" + "ABC", "ABC" + GS + "DEF",
                                 "]C1" + "0104006381333931" + "30"])
def test_a_broken_element_string_is_not_a_code_and_says_why(raw):
    result = classify(raw)
    assert isinstance(result, ScanRejected)
    assert result.reason == "not_a_code"
    assert len(result.message) > 20


def test_something_only_shaped_like_gs1_is_left_to_the_shell():
    assert classify("0104006381333932") == OtherCode(data="0104006381333932")
    assert classify("0104006381333931-ABC") == OtherCode(data="0104006381333931-ABC")


# --- GS1 Digital Link -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["https://id.gs1.org", "https://brand.example.de/produkte", "HTTPS://ID.GS1.ORG",
                                  "http://example.com"])
def test_a_digital_link_on_any_domain_is_the_gtin_with_its_attributes(host):
    result = classify(host + "/01/04006381333931/10/ABC123?15=250131&3103=001250", aim="]Q1")
    assert result == GtinCode(gtin="04006381333931", symbology="]Q1", lot="ABC123", best_before="2025-01-31",
                              weight_g=1250)


def test_a_digital_link_with_a_short_gtin_is_normalised():
    assert classify("https://example.com/01/4006381333931").gtin == "04006381333931"


def test_a_digital_link_with_a_wrong_gtin_is_rejected():
    assert classify("https://id.gs1.org/01/04006381333932").reason == "check_digit"


def test_a_broken_digital_link_is_not_a_code():
    assert classify("https://id.gs1.org/01/04006381333931/10").reason == "not_a_code"


@pytest.mark.parametrize("raw", ["https://example.com/angebote", "https://blog.example/2024/01/15/post",
                                 "http://[::1", "Hallo Welt"])
def test_other_urls_and_texts_are_other_codes(raw):
    assert classify(raw, "]Q1") == OtherCode(data=raw, symbology="]Q1")


# --- an attendant, a badge, and scans that are not codes at all -----------------------------------------------------

def test_an_attendant_badge_is_left_to_the_shell():
    assert classify("]C0ATT-0001\r") == OtherCode(data="ATT-0001", symbology="]C0")
    assert classify("ABC123") == OtherCode(data="ABC123")
    assert classify("]Z]ABC") == OtherCode(data="]Z]ABC")


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", " \n"])
def test_an_empty_scan_is_rejected(raw):
    assert classify(raw).reason == "empty"


def test_an_identifier_without_data_is_empty():
    assert classify("]E0\r\n").reason == "empty"


def test_a_flood_of_characters_is_rejected_with_its_length():
    result = classify("9" * 2000)
    assert result.reason == "too_long"
    assert "2000" in result.message
    assert classify("A" * MAX_SCAN_LENGTH) == OtherCode(data="A" * MAX_SCAN_LENGTH)


@pytest.mark.parametrize("raw, position, hexcode", [("\x00\x01", 1, "0x00"), ("40063\x0781333931", 6, "0x07"),
                                                   ("AB\tC", 3, "0x09"), ("ABC\x7f", 4, "0x7F"),
                                                   ("4006\r381333931", 5, "0x0D")])
def test_control_characters_are_rejected_with_position_and_code(raw, position, hexcode):
    result = classify(raw)
    assert result.reason == "control_characters"
    assert hexcode in result.message
    assert f"position {position}" in result.message


def test_unprintable_characters_are_not_a_code():
    assert classify("ABC\x85").reason == "not_a_code"
    assert classify("A\u2028B").reason == "not_a_code"


@settings(max_examples=500)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F)),
                 st.text(alphabet="0123456789]CEdeQ1234\x1d/:htps.", max_size=60),
                 st.text(min_size=1000, max_size=1100)),
       st.sampled_from([None, "]E0", "]C1", "]d2", "]Q1", "]C0", "", "]"]))
def test_classify_never_raises(raw, aim):
    result = classify(raw, aim)
    assert isinstance(result, (GtinCode, InstoreCode, VoucherCode, OtherCode, ScanRejected))


@given(st.text(string.digits, min_size=12, max_size=12))
def test_every_valid_ean13_is_sold_as_something(payload):
    result = classify(with_check(payload))
    assert not isinstance(result, ScanRejected) or result.reason == "price_check"


# --- in-store layouts in the store configuration --------------------------------------------------------------------

def test_german_layouts_cover_the_documented_prefixes_in_order():
    assert [(layout.template, layout.kind) for layout in GERMAN_LAYOUTS] == [
        ("22AAAAKVVVVVC", "price"), ("23AAAAKVVVVVC", "price"),
        ("25AAAAKVVVVVC", "count"), ("26AAAAKVVVVVC", "count"),
        ("28AAAAKVVVVVC", "weight"), ("29AAAAKVVVVVC", "weight"),
        ("2AAAAAAAAAAAC", "article"),
        ("980SSSSSVVVVC", "voucher"),
    ]


def test_a_store_layout_is_read_from_configuration():
    layouts = parse_layouts([
        {"template": "20AAAAKVVVVC", "kind": "price"},
        {"template": "2AAAAAAC", "kind": "article"},
        {"template": "21AAAAAVVVVVC", "kind": "weight"},
    ])
    assert [layout.prefix for layout in layouts] == ["20", "2", "21"]
    assert classify(with_check("21" + "00042" + "01250"), layouts=layouts).value == 1250
    assert classify(with_check("2123456"), layouts=layouts) == InstoreCode(
        code=with_check("2123456"), article="123456", kind="article", value=None)
    # A 12-digit UPC-A layout also matches the same number sent as EAN-13 with a leading 0.
    upc = with_check("20" + "1234" + str(price_check_digit_4("0199")) + "0199")
    assert classify("0" + upc, layouts=layouts) == InstoreCode(code=upc, article="1234", kind="price", value=199)


def test_the_first_matching_layout_wins():
    layouts = parse_layouts([{"template": "28AAAAAVVVVVC", "kind": "weight"},
                             {"template": "2AAAAAAAAAAAC", "kind": "article"}])
    assert classify("2812347012503", layouts=layouts).kind == "weight"
    assert classify("2212342001999", layouts=layouts).kind == "article"


def test_a_store_without_instore_codes_sells_them_as_gtins():
    assert classify("2212342001999", layouts=()) == GtinCode(gtin="02212342001999")


@pytest.mark.parametrize("entry, why", [
    ({"template": "22AAAAKVVVVV", "kind": "price"}, "exactly one C"),  # 12 is a valid length (UPC-A), but no C
    ({"template": "22AAAAKVVVVVVC", "kind": "price"}, "14 characters"),
    ({"template": "22AAAAKVVVVYC", "kind": "price"}, "'Y'"),
    ({"template": "22AAAAKXXXXXC", "kind": "price"}, "no V"),
    ({"template": "22AAAKVVVVVVC", "kind": "price"}, "4 or 5 value digits"),
    ({"template": "22AAAAKKVVVVC", "kind": "price"}, "2 K digits"),
    ({"template": "980XXXXXVVVVC", "kind": "voucher"}, "S (serial) and V"),
    ({"template": "980SSSSSXXXXC", "kind": "voucher"}, "S (serial) and V"),
    ({"template": "98AAASSSVVVVC", "kind": "voucher"}, "no article digits"),
    ({"template": "22AAAAKVVVVVC", "kind": "volume"}, "kind must be one of"),
    ({"template": "AAAAAAAAAAAAC", "kind": "article"}, "literal digit"),
    ({"template": "22AA1AAAAAAAC", "kind": "article"}, "only allowed at the start"),
    ({"template": "22AAAAVVVVVCC", "kind": "price"}, "exactly one C"),
    ({"template": "22AAAAVVVVVXX", "kind": "price"}, "exactly one C"),
    ({"template": "22AAVVAAVVVVC", "kind": "price"}, "unbroken group"),
    ({"template": "22AAAAAVVVVVC", "kind": "article"}, "carries no value"),
    ({"template": "22XXXXXVVVVVC", "kind": "price"}, "needs A"),
    ({"template": "22SSSSSVVVVVC", "kind": "price"}, "vouchers only"),
    ({"template": "22AAAAAAAAAAC", "kind": "price"}, "needs V"),
    ({"template": 2212342001999, "kind": "price"}, "must be a string"),
    ({"template": "22AAAAKVVVVVC"}, "missing 'kind'"),
    ({"template": "22AAAAKVVVVVC", "kind": "price", "knid": "x"}, "unknown key"),
    ("22AAAAKVVVVVC", "expected a table"),
])
def test_a_bad_layout_entry_is_named_with_the_reason(entry, why):
    with pytest.raises(BarcodeError) as raised:
        parse_layouts([{"template": "980SSSSSVVVVC", "kind": "voucher"}, entry])
    message = str(raised.value)
    assert "entry 2" in message
    assert why in message


def test_a_layout_that_can_never_match_is_refused():
    with pytest.raises(BarcodeError, match="entry 2 .*can never match.*entry 1"):
        parse_layouts([{"template": "2AAAAAAAAAAAC", "kind": "article"},
                       {"template": "22AAAAKVVVVVC", "kind": "price"}])


def test_layouts_must_be_a_list():
    with pytest.raises(BarcodeError, match="list"):
        parse_layouts({"template": "22AAAAKVVVVVC", "kind": "price"})


def test_a_layout_built_in_code_is_checked_too():
    with pytest.raises(BarcodeError):
        InstoreLayout(template="22AAAAKVVVVV", kind="price")
    assert InstoreLayout("22AAAAKVVVVVC", "price") == GERMAN_LAYOUTS[0]
