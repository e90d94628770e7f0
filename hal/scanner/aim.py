"""AIM symbology identifiers (ISO/IEC 15424): the three characters ``]`` + code letter + modifier that a scanner can
put in front of the data to say which kind of barcode it read (``]E0`` EAN-13, ``]C1`` GS1-128, ``]Q1`` QR ...).

Scanners send them only when configured to; :func:`split` takes one off the front of a read if it is there. The
lane uses the identifier to tell a GS1 element string from a plain Code 128 with the same digits (PROTOCOLS.md 1.3).
"""

from __future__ import annotations

import re

# ']' + code letter (case matters: 'e' is GS1 DataBar, 'E' is EAN/UPC) + one modifier character.
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")

NAMES: dict[str, str] = {
    "]E0": "EAN-13 / UPC-A / UPC-E",
    "]E1": "EAN/UPC 2-digit add-on",
    "]E2": "EAN/UPC 5-digit add-on",
    "]E3": "EAN/UPC with add-on",
    "]E4": "EAN-8",
    "]C0": "Code 128",
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar",
    "]e1": "GS1 Composite",
    "]e2": "GS1 Composite (escape)",
    "]d1": "Data Matrix",
    "]d2": "GS1 DataMatrix",
    "]Q1": "QR Code",
    "]Q3": "GS1 QR Code",
    "]I0": "ITF",
    "]I1": "ITF with check digit",
    "]A0": "Code 39",
    "]J1": "GS1 DotCode",
    "]L0": "PDF417",
}


def split(text: str) -> tuple[str | None, str]:
    """``"]E04006381333931"`` -> ``("]E0", "4006381333931")``; text without an identifier -> ``(None, text)``."""
    if _AIM.match(text):
        return text[:3], text[3:]
    return None, text


def describe(aim: str | None) -> str:
    """A readable name for logs and ``kiosk doctor``; unknown identifiers are named by themselves."""
    if aim is None:
        return "no symbology identifier"
    return NAMES.get(aim, f"symbology {aim}")
