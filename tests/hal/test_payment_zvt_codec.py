"""The ZVT codec: every golden frame of PROTOCOLS.md 4.2 encodes to its bytes and decodes back; the status
information of a real girocard/Maestro payment reads field by field; APDUs with extended length, BMP sets and TLV
trees survive a round trip whatever their content; and anything malformed is a ZvtProtocolError that says what is
wrong, never another exception."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.errors import ProtocolError
from hal.payment import apdu as ap
from hal.payment import bmp
from hal.payment import tlv
from hal.payment.apdu import Apdu
from hal.payment.client import ZvtTerminal
from hal.payment.errors import ZvtProtocolError
from hal.payment.transport_serial import Deframer, crc16, frame, unframe


def hx(text: str) -> bytes:
    return bytes.fromhex(text)


def client(**options) -> ZvtTerminal:
    """A client that is never opened: only its command encoders are used."""
    return ZvtTerminal("zvt+tcp://127.0.0.1:20007", **{"password": "123456", "textblock": "0", **options})


GOLDEN = [
    ("ACK", Apdu(0x80, 0x00), "10 02 80 00 00 10 03 F5 1F"),
    ("84 9C", Apdu(0x84, 0x9C), "10 02 84 9C 00 10 03 C3 41"),
    ("registration", client().registration_apdu(), "10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3"),
    ("authorisation 110.00", client().authorisation_apdu(11000),
     "10 02 06 01 0A 04 00 00 00 01 10 10 00 49 09 78 10 03 F2 FF"),
    ("status enquiry", Apdu(0x05, 0x01, bmp.bcd_encode("123456", 3)), "10 02 05 01 03 12 34 56 10 03 E0 43"),
    ("diagnosis", Apdu(0x06, 0x70), "10 02 06 70 00 10 03 D9 F9"),
    ("completion", Apdu(0x06, 0x0F), "10 02 06 0F 00 10 03 C6 33"),
    ("insert card", Apdu(0x04, 0xFF, b"\x0a"), "10 02 04 FF 01 0A 10 03 F5 7D"),
    ("abort 6C", Apdu(0x06, 0x1E, b"\x6c"), "10 02 06 1E 01 6C 10 03 C9 F2"),
]


@pytest.mark.parametrize("what,apdu,golden", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_frames_encode_and_decode(what, apdu, golden):
    assert frame(apdu.encode()) == hx(golden)
    assert ap.decode(unframe(hx(golden))) == apdu


def test_the_crc_is_crc16_kermit():
    assert crc16(b"123456789") == 0x2189


def test_the_typical_registration_of_the_sequence_chart_reads_back():
    # 06 00 10 <pw> BA 09 78 03 00 06 06 26 04 0A 02 06 D3 (PROTOCOLS.md 4.7): TLV 26 permits 06 D3
    raw = hx("06 00 10 12 34 56 BA 09 78 03 00 06 06 26 04 0A 02 06 D3")
    a = ap.decode(raw)
    assert (a.cls, a.instr, len(a.data)) == (0x06, 0x00, 16)
    fields = bmp.decode(a.data, 6)
    assert fields == [(0x03, 0x00), (0x06, (tlv.Tlv(0x26, children=(tlv.Tlv(0x0A, b"\x06\xd3"),)),))]
    # our client asks the same (it leaves out the optional service byte)
    ours = client(textblock="1").registration_apdu()
    assert ours.data == hx("12 34 56 BA 09 78 06 06 26 04 0A 02 06 D3")


def test_the_authorisation_of_the_sequence_chart():
    assert ap.encode(0x06, 0x01, bmp.encode([(bmp.AMOUNT, 2040)])) == hx("06 01 07 04 00 00 00 00 20 40")
    assert len(client().authorisation_apdu(2040).data) == 0x0A


PORTALUM_STATUS = (hx("27 00 04 000000002040 0B 000470 0C 223953 0D 1006 0E 2512 17 0001 19 70 22 F0F8 EEEEEEEEEEEE4771"
                      "29 28004869") + b"\x2a100461763      " + b"\x3b611804\0\0" + hx("3C F0F1F4") + b"GEN.NR.:611804"
                   + hx("49 0978 87 0470 88 000470 8A 2E 8B F1F7") + b"Debit Mastercard\0")


def test_a_real_payment_status_information_reads_field_by_field():
    assert len(PORTALUM_STATUS) == 0x77
    fields = bmp.decode(PORTALUM_STATUS)
    assert fields == [
        (0x27, 0), (0x04, 2040), (0x0B, 470), (0x0C, "223953"), (0x0D, "1006"), (0x0E, "2512"), (0x17, 1),
        (0x19, 0x70), (0x22, "************4771"), (0x29, "28004869"), (0x2A, "100461763"), (0x3B, "611804"),
        (0x3C, "GEN.NR.:611804"), (0x49, 978), (0x87, 470), (0x88, 470), (0x8A, 46), (0x8B, "Debit Mastercard"),
    ]
    assert bmp.encode(fields) == PORTALUM_STATUS


def test_amounts_are_bcd_minor_units():
    assert bmp.encode_one(bmp.AMOUNT, 1234) == hx("04 00 00 00 00 12 34")
    assert bmp.encode_one(bmp.AMOUNT, 999_999_999_999) == hx("04 99 99 99 99 99 99")
    with pytest.raises(ZvtProtocolError):
        bmp.encode_one(bmp.AMOUNT, 10 ** 12)
    with pytest.raises(ZvtProtocolError):
        bmp.encode_one(bmp.AMOUNT, -1)


def test_llvar_lengths_and_a_masked_pan_with_odd_length():
    assert bmp.ll_prefix(3, 2) == hx("F0 F3") and bmp.ll_prefix(123, 3) == hx("F1 F2 F3")
    raw = bmp.encode_one(bmp.PAN, "6734********123")          # 15 digits: padded with F
    assert raw == hx("22 F0 F8 67 34 EE EE EE EE 12 3F")
    assert bmp.decode(raw) == [(0x22, "6734********123")]


def test_extended_length_apdus():
    data = bytes(range(256)) * 2                               # 512 bytes: FF + 2 bytes, low byte first
    raw = ap.encode(0x06, 0xD3, data)
    assert raw[:5] == hx("06 D3 FF 00 02")
    assert ap.decode(raw) == Apdu(0x06, 0xD3, data)
    assert ap.encode(0x06, 0xD3, bytes(254))[2] == 254         # 254 still fits the short form
    assert ap.encode(0x06, 0xD3, bytes(255))[2:5] == hx("FF FF 00")
    with pytest.raises(ZvtProtocolError):
        ap.encode(0x06, 0xD3, bytes(65536))


def test_tlv_nested_multibyte_tags_and_long_lengths():
    text = "x" * 200
    tree = [tlv.Tlv.of(tlv.RECEIPT_TYPE, 2),
            tlv.Tlv.of(tlv.PRINT_TEXTS, [tlv.Tlv.of(tlv.TEXT_LINE, "Kundenbeleg"), tlv.Tlv.of(tlv.TEXT_LINE, text),
                                         tlv.Tlv.of(tlv.ATTRIBUTE, 0x81)]),
            tlv.Tlv.of(0x1F8101, b"\x01" * 300)]
    raw = tlv.encode(tree)
    assert raw[:4] == hx("1F 07 01 02")
    assert raw[4:7] == hx("25 81 DB")                          # 81 xx: 13 + 203 + 3 bytes of children
    assert hx("1F 81 01 82 01 2C") in raw                      # a 3-byte tag, 82 hi lo (big-endian) length
    parsed = tlv.parse(raw)
    assert list(parsed) == tree
    assert tlv.find(parsed, tlv.ATTRIBUTE).value == b"\x81"
    assert [n.text() for n in tlv.find_all(parsed, tlv.TEXT_LINE)] == ["Kundenbeleg", text]
    assert tlv.Tlv.of(tlv.TEXT_LINE, "Prüfung").value == "Prüfung".encode("cp437")


MALFORMED = [
    ("apdu header cut", lambda: ap.decode(hx("06")), "truncated APDU header"),
    ("apdu data cut", lambda: ap.decode(hx("06 01 05 04")), "truncated APDU"),
    ("extended header cut", lambda: ap.decode(hx("06 D3 FF 05")), "truncated APDU header"),
    ("bytes after the apdu", lambda: ap.decode(hx("80 00 00 00")), "after the end"),
    ("amount cut", lambda: bmp.decode(hx("04 00 00")), "04 (amount)"),
    ("amount not bcd", lambda: bmp.decode(hx("04 00 00 00 00 12 3A")), "not packed BCD"),
    ("unknown bmp", lambda: bmp.decode(hx("27 00 9F 01")), "unknown BMP 9F at offset 2"),
    ("llvar prefix cut", lambda: bmp.decode(hx("22 F0")), "length prefix cut off"),
    ("llvar prefix not Fx", lambda: bmp.decode(hx("22 12 34")), "not of the form Fx Fx"),
    ("llvar value short", lambda: bmp.decode(hx("22 F0 F5 12")), "says 5 bytes"),
    ("pan with a letter", lambda: bmp.decode(hx("22 F0 F1 AB")), "not a PAN"),
    ("tlv bad length byte", lambda: bmp.decode(hx("06 85 01")), "unsupported length byte 85"),
    ("tlv container short", lambda: bmp.decode(hx("06 05 07 01")), "says 5 bytes"),
    ("tlv tag cut", lambda: tlv.parse(hx("1F")), "cut off"),
    ("tlv tag too long", lambda: tlv.parse(hx("1F 81 81 81 81 01 00")), "longer than 4 bytes"),
    ("tlv value short", lambda: tlv.parse(hx("07 05 61 62")), "says 5 bytes"),
    ("tlv child short", lambda: tlv.parse(hx("25 03 07 05 61")), "says 5 bytes"),
    ("tlv length cut", lambda: tlv.parse(hx("07 82 01")), "cut off"),
    ("frame with bad crc", lambda: unframe(hx("10 02 80 00 00 10 03 F5 1E")), "CRC"),
    ("frame cut", lambda: unframe(hx("10 02 80 00 00 10")), "not exactly one"),
    ("dle junk in frame", lambda: unframe(hx("10 02 80 10 41 00 10 03 00 00")), "DLE followed by 41"),
    ("bad tlv tag to encode", lambda: tlv.Tlv(0x1F).encode(), "not a valid BER tag"),
    ("bcd overflow", lambda: bmp.encode_one(bmp.RECEIPT_NO, 10000), "does not fit"),
    ("unknown bmp to encode", lambda: bmp.encode_one(0x9F, 1), "not known"),
]


@pytest.mark.parametrize("what,run,message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_is_a_protocol_error_with_a_clear_message(what, run, message):
    with pytest.raises(ZvtProtocolError) as info:
        run()
    assert message in str(info.value)
    assert isinstance(info.value, ProtocolError) and isinstance(info.value, ValueError)


# --------------------------------------------------------------------------------------- property tests

_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,:-äöüÄÖÜß€", max_size=40).map(
    lambda s: s.replace("€", "E"))


def _value(spec: bmp.Spec):
    k = spec.kind
    if k == "bin":
        return st.integers(0, 256 ** spec.size - 1)
    if k == "bcd":
        return st.integers(0, 10 ** (2 * spec.size) - 1)
    if k == "digits":
        return st.text(alphabet=string.digits, min_size=2 * spec.size, max_size=2 * spec.size)
    if k == "ascii":
        return st.text(alphabet=string.ascii_letters + string.digits + " ", max_size=spec.size).map(
            lambda s, pad=spec.content: s.rstrip(pad))
    if k == "raw":
        return st.binary(min_size=spec.size, max_size=spec.size)
    if k in ("llvar", "lllvar"):
        if spec.content == "pan":
            return st.text(alphabet="0123456789*", max_size=40)
        if spec.content in ("text", "text0"):
            return _TEXT
        return st.binary(max_size=99 if k == "llvar" else 400)
    return st.lists(TLVS, max_size=4).map(tuple)


_PRIMITIVE_TAGS = [0x07, 0x09, 0x0A, 0x12, 0x14, 0x1A, 0x1F07, 0x1F2B, 0x41, 0xDF01, 0x1F8101]
_CONSTRUCTED_TAGS = [0x24, 0x25, 0x26, 0xE4, 0x3F01]
TLVS = st.recursive(
    st.builds(lambda tag, value: tlv.Tlv(tag, value), st.sampled_from(_PRIMITIVE_TAGS), st.binary(max_size=300)),
    lambda children: st.builds(lambda tag, kids: tlv.Tlv(tag, children=tuple(kids)),
                               st.sampled_from(_CONSTRUCTED_TAGS), st.lists(children, max_size=4)),
    max_leaves=12)

BMP_SETS = st.lists(st.sampled_from(sorted(bmp.SPECS)).flatmap(
    lambda tag: st.tuples(st.just(tag), _value(bmp.SPECS[tag]))), max_size=12)


@settings(max_examples=300, deadline=None)
@given(BMP_SETS)
def test_any_bmp_set_survives_a_round_trip(fields):
    raw = bmp.encode(fields)
    assert bmp.decode(raw) == fields


@settings(max_examples=200, deadline=None)
@given(st.lists(TLVS, max_size=5))
def test_any_tlv_tree_survives_a_round_trip(tree):
    assert list(tlv.parse(tlv.encode(tree))) == tree


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=700) | st.just(b"\x10" * 300))
def test_any_apdu_survives_the_codec_and_the_serial_framing(cls, instr, data):
    a = Apdu(cls, instr, data)
    assert ap.decode(a.encode()) == a
    block = frame(a.encode())
    assert ap.decode(unframe(block)) == a
    assert block.count(b"\x10\x02") >= 1 and len(block) == len(a.encode()) + a.encode().count(0x10) + 6


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=80))
def test_random_bytes_never_crash_the_decoders(raw):
    for decode in (ap.decode, bmp.decode, tlv.parse, unframe):
        try:
            decode(raw)
        except ZvtProtocolError:
            pass
    d = Deframer()
    for event in d.feed(raw, 0.0):
        assert event[0] in ("ack", "nak", "frame", "bad")
