"""The receipt as ESC/POS bytes for the printer driver, made with python-escpos (its ``Dummy`` printer collects bytes).

For now the plain-text receipt of :mod:`kiosk.receipt.text` in code page CP858 (euro sign and umlauts), then a cut;
the payment and receipt issue replaces it with the full German receipt (styles, QR code for the e-receipt, the
terminal's lines).
"""

from __future__ import annotations


def text_receipt(text: str, profile: str = "TM-T88V") -> bytes:
    from escpos.printer import Dummy

    p = Dummy(profile=profile)
    p.hw("INIT")
    p.charcode("CP858")
    p.text(text if text.endswith("\n") else text + "\n")
    p.cut()
    return bytes(p.output)
