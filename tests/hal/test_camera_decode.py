"""The two camera decoders read the same codes as the same data with the AIM identifiers a scanner would send,
and the bars drawn by hal.camera.scene follow the EAN specification."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
import zxingcpp

from hal.camera.scene import Scene, barcode_image, check_digit, ean_modules, make_product, with_check_digit
from hal.errors import BadDeviceURL, MissingLibrary
from hal.scanner.decode import make_decoder

DECODERS = ("zxing", "zbar")


def framed(img: np.ndarray, pad: int = 40) -> np.ndarray:
    return np.pad(img, pad, constant_values=255)


def written(content: str, fmt: str, **options) -> np.ndarray:
    """A code drawn by zxing-cpp's writer (for symbologies our own scene does not draw)."""
    barcode = zxingcpp.create_barcode(content, getattr(zxingcpp.BarcodeFormat, fmt), **options)
    return framed(np.array(barcode.to_image(scale=3)))


@pytest.mark.parametrize("name", DECODERS)
@pytest.mark.parametrize("code, aim", [("4006381333931", "]E0"), ("96385074", "]E4"), ("0036000241457", "]E0")])
def test_ean_codes_are_read_with_their_aim_identifier(name, code, aim):
    found = make_decoder(name).decode(framed(barcode_image(code, 2)))
    assert [(d.data, d.symbology, d.aim) for d in found] == [(code, aim, aim)]
    (x0, y0), _, (x1, y1), _ = found[0].position
    assert x0 < x1 and y0 <= y1                  # corners from top left, clockwise


@pytest.mark.parametrize("name", DECODERS)
def test_upc_a_arrives_as_thirteen_digits_with_a_leading_zero(name):
    found = make_decoder(name).decode(written("036000241457", "UPCA"))
    assert [(d.data, d.aim) for d in found] == [("0036000241457", "]E0")]


@pytest.mark.parametrize("name", DECODERS)
@pytest.mark.parametrize("content, fmt, options, data, aim", [
    ("ABC-123", "Code128", {}, "ABC-123", "]C0"),
    ("(10)ABC(17)250101", "Code128", {"gs1": True}, "10ABC\x1d17250101", "]C1"),   # GS1-128, GS between AIs
    ("https://id.gs1.org/01/04006381333931", "QRCode", {}, "https://id.gs1.org/01/04006381333931", "]Q1"),
    ("(01)04006381333931(10)AB", "DataBarExp", {"gs1": True}, "010400638133393110AB", "]e0"),
])
def test_other_retail_codes_read_alike_by_both_decoders(name, content, fmt, options, data, aim):
    found = make_decoder(name).decode(written(content, fmt, **options))
    assert [(d.data, d.aim) for d in found] == [(data, aim)]


def test_zxing_reads_data_matrix_and_tells_gs1_from_plain():
    zx = make_decoder("zxing")
    assert [(d.data, d.aim) for d in zx.decode(written("hello", "DataMatrix"))] == [("hello", "]d1")]
    gs1 = zx.decode(written("(01)04006381333931(17)250101", "DataMatrix", gs1=True))
    assert [(d.data, d.aim) for d in gs1] == [("010400638133393117250101", "]d2")]


@pytest.mark.parametrize("name", DECODERS)
def test_blank_noisy_and_smudged_pictures_give_nothing(name):
    decoder = make_decoder(name)
    scene = Scene(seed=3, noise=10)
    smudged = make_product("4006381333931", 3, damage=0.35)
    for frame in (np.zeros((480, 640), np.uint8), scene.render()[:, :, 1], scene.blank()[:, :, 0],
                  scene.render(smudged)[:, :, 1]):
        assert decoder.decode(np.ascontiguousarray(frame)) == []


def test_an_unknown_decoder_or_symbology_set_is_a_config_error():
    with pytest.raises(BadDeviceURL, match="zxing, zbar"):
        make_decoder("quagga")
    with pytest.raises(BadDeviceURL, match="retail, all"):
        make_decoder("zxing", "everything")


def test_without_the_zbar_library_the_decoder_says_to_install_libzbar0(monkeypatch):
    # Hide libzbar from pyzbar's library lookup and make it import afresh, as on a system without libzbar0.
    zbar_library = importlib.import_module("pyzbar.zbar_library")
    monkeypatch.setattr(zbar_library, "find_library", lambda name: None)
    for module in ("pyzbar.pyzbar", "pyzbar.wrapper"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(MissingLibrary) as exc:
        make_decoder("zbar")
    assert "apt install libzbar0" in str(exc.value)


# -------------------------------------------------------------------------------------------- drawn bars

def test_check_digits_of_the_protocol_test_vectors():
    assert check_digit("400638133393") == 1
    assert check_digit("03600024145") == 7
    assert check_digit("9638507") == 4
    assert with_check_digit("400638133393") == "4006381333931"
    with pytest.raises(ValueError, match="check digit"):
        with_check_digit("4006381333932")


def test_ean_symbols_have_their_module_counts_and_guards():
    ean13 = ean_modules("4006381333931")
    assert len(ean13) == 95 and ean13[:3] == "101" and ean13[45:50] == "01010" and ean13[-3:] == "101"
    ean8 = ean_modules("96385074")
    assert len(ean8) == 67 and ean8[31:36] == "01010"
    # First digit 4 gives the left half the parity pattern L G L L G G; digit 0 in L is 0001101, in G 0100111.
    assert ean13[3:10] == "0001101" and ean13[10:17] == "0100111"
