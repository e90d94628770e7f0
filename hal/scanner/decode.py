"""Barcode decoders for camera frames: zxing-cpp and ZBar (through pyzbar) behind one call.

``make_decoder("zxing" | "zbar")`` returns an object whose ``decode(grey)`` takes one greyscale frame (a 2-D uint8
numpy array) and returns a list of :class:`Decoded` (data, symbology, position). The symbology is the AIM identifier
a hardware scanner would send (``]E0`` for EAN-13, see PROTOCOLS.md 1.3) when the library tells us enough to know
it, otherwise the library's own name of the symbology. Both backends return the same data for the same code: UPC-A
as 13 digits with a leading 0 (as scanners send it by default), GS1 element strings raw with GS (0x1D) separators.
Which backend is the default is measured by ``bench/bench_camera.py`` (see ``hal.scanner.camera``).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple, Protocol

import numpy as np

from hal.errors import BadDeviceURL, MissingLibrary, require

Corners = tuple[tuple[int, int], ...]

# What a self-checkout reads: EAN-13/UPC-A and EAN-8 on packets, GS1 DataBar on loose produce and coupons, GS1-128
# on cases and meat, QR (GS1 Digital Link) and GS1 DataMatrix on newer packs. UPC-E is left out: both libraries
# found UPC-E codes inside blurred EAN-13 symbols in bench/bench_camera.py (a wrong article at the till), and UPC-E
# is rare on goods sold in Germany. "all" asks the library for every code it knows, UPC-E included, which costs time
# on every frame and finds codes (Codabar, Code 39 ...) a shop never prints on goods.
SYMBOLOGY_SETS = ("retail", "all")


class Decoded(NamedTuple):
    data: str
    symbology: str          # AIM identifier ("]E0") when known, else the library's name ("Codabar")
    position: Corners       # the code's corners in the frame, clockwise from its top left

    @property
    def aim(self) -> str | None:
        return self.symbology if self.symbology.startswith("]") else None


class Decoder(Protocol):
    name: str

    def decode(self, grey: np.ndarray) -> list[Decoded]: ...


def _pad_upca(data: str) -> str:
    return "0" + data if len(data) == 12 and data.isdigit() else data


class ZxingDecoder:
    """zxing-cpp: reports the AIM identifier itself (``Barcode.symbology_identifier``), FNC1 and ECI included."""

    name = "zxing"

    def __init__(self, symbologies: str = "retail"):
        self.zx = require("zxingcpp", "pip install zxing-cpp", "the zxing camera barcode decoder")
        f = self.zx.BarcodeFormat
        if symbologies == "retail":
            self.formats: tuple = (f.EAN13, f.UPCA, f.EAN8, f.DataBar, f.DataBarExp, f.Code128, f.QRCode,
                                   f.DataMatrix)
        elif symbologies == "all":
            self.formats = (f.AllReadable,)
        else:
            raise BadDeviceURL(f"symbologies={symbologies!r}: use one of {', '.join(SYMBOLOGY_SETS)}")
        # Plain text mode gives the raw element string of a GS1 code (GS separators), as a scanner sends it; the
        # default (HRI) would print "(01)..." with brackets.
        self.text_mode = self.zx.TextMode.Plain

    def decode(self, grey: np.ndarray) -> list[Decoded]:
        found = []
        # try_invert=False: GS1 prints retail codes dark on light, ZBar does not look for inverted codes either, and
        # the inverted pass costs a third of the time per frame. try_downscale=False: at 640x480 the downscaled
        # passes found no extra code in bench/bench_camera.py, but all of zxing's wrong EAN-13 reads.
        for b in self.zx.read_barcodes(grey, formats=self.formats, text_mode=self.text_mode, try_invert=False,
                                       try_downscale=False):
            p = b.position
            corners = tuple((int(q.x), int(q.y)) for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left))
            aim = b.symbology_identifier or str(b.format)
            data = _pad_upca(b.text) if aim == "]E0" else b.text
            found.append(Decoded(data, aim, corners))
        return found


# ZBar's symbology names (pyzbar's ``Decoded.type``) and their AIM identifiers. ZBar does not report whether a
# Code 128 starts with FNC1 (GS1-128) nor whether a QR code is in GS1 mode: see ``ZbarDecoder``.
_ZBAR_AIM = {
    "EAN13": "]E0", "UPCA": "]E0", "UPCE": "]E0", "ISBN13": "]E0", "ISBN10": "]E0", "EAN8": "]E4",
    "EAN2": "]E1", "EAN5": "]E2", "CODE128": "]C0", "DATABAR": "]e0", "DATABAR_EXP": "]e0", "QRCODE": "]Q1",
    "CODE39": "]A0", "CODE93": "]G0", "I25": "]I0", "CODABAR": "]F0", "PDF417": "]L0",
}
# UPC-A is left out on purpose: while it is off, ZBar reports UPC-A codes as EAN-13 with a leading 0.
_ZBAR_RETAIL = ("EAN13", "EAN8", "CODE128", "DATABAR", "DATABAR_EXP", "QRCODE")


def is_upce_expansion(data: str) -> bool:
    """Whether a 13-digit code is a UPC-E written out as UPC-A (with the leading 0): ZBar reads UPC-E symbols even
    with UPC-E switched off and reports them like that, and the left half of an EAN-13 (the right half still outside
    the picture, or under a thumb) often decodes as a UPC-E."""
    if len(data) != 13 or not data.isdigit() or data[:2] not in ("00", "01"):
        return False
    m, p = data[2:7], data[7:12]          # manufacturer and product digits of the UPC-A
    return ((m[3:] == "00" and m[2] in "012" and p[:2] == "00") or (m[3:] == "00" and p[:3] == "000")
            or (m[4] == "0" and p[:4] == "0000") or (p[:4] == "0000" and p[4] in "56789"))


def _load_pyzbar():
    """pyzbar is a thin ctypes wrapper: the Python package and the C library (libzbar0) are missing separately."""
    require("pyzbar", "pip install pyzbar", "the zbar camera barcode decoder")
    try:
        return importlib.import_module("pyzbar.pyzbar")
    except ImportError as exc:
        raise MissingLibrary(f"the zbar camera barcode decoder needs the ZBar C library, which was not found "
                             f"({exc}). Install it with: apt install libzbar0 (or use decoder=zxing)") from exc


class ZbarDecoder:
    """ZBar through pyzbar. ZBar reads no Data Matrix, and pyzbar does not pass on ZBar's GS1 flag, so a GS1-128
    is recognised only by a GS separator inside its data (``]C1``); one without a separator is reported as ``]C0``.
    With ``retail`` symbologies, reads that are UPC-E written out (:func:`is_upce_expansion`) are dropped, as UPC-E
    is left out of that set; this also drops the rare UPC-A article whose number could have been printed as UPC-E.
    """

    name = "zbar"

    def __init__(self, symbologies: str = "retail"):
        self.pyzbar = _load_pyzbar()
        self.drop_upce = symbologies == "retail"
        if symbologies == "retail":
            self.symbols = [self.pyzbar.ZBarSymbol[n] for n in _ZBAR_RETAIL]
        elif symbologies == "all":
            self.symbols = None          # ZBar's default: everything it knows
        else:
            raise BadDeviceURL(f"symbologies={symbologies!r}: use one of {', '.join(SYMBOLOGY_SETS)}")

    def decode(self, grey: np.ndarray) -> list[Decoded]:
        found = []
        for d in self.pyzbar.decode(grey, symbols=self.symbols):
            data = d.data.decode("utf-8", errors="replace")
            aim = _ZBAR_AIM.get(d.type, d.type)
            if aim == "]C0" and "\x1d" in data:
                aim = "]C1"
            if aim == "]E0":
                data = _pad_upca(data)
                if self.drop_upce and is_upce_expansion(data):
                    continue
            r = d.rect
            corners = ((r.left, r.top), (r.left + r.width, r.top), (r.left + r.width, r.top + r.height),
                       (r.left, r.top + r.height))
            found.append(Decoded(data, aim, corners))
        return found


DECODERS = {"zxing": ZxingDecoder, "zbar": ZbarDecoder}


def make_decoder(name: str, symbologies: str = "retail") -> Decoder:
    if name not in DECODERS:
        raise BadDeviceURL(f"decoder={name!r}: use one of {', '.join(DECODERS)}")
    return DECODERS[name](symbologies)
