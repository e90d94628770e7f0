"""The receipt as plain text: for the screen, the e-receipt, the lane's receipt log and the technician.

It prints the same laid-out lines as the paper (:mod:`kiosk.receipt.layout`), with spaces for the printer's
alignment; a QR code, which text cannot draw, is shown as the address it carries. ``render(summary, store)`` is the
old entry point and stays: it composes the German (English, Dutch) receipt of :mod:`kiosk.receipt.content` and lays it
out 42 columns wide.
"""

from __future__ import annotations

from kiosk.config import Store
from kiosk.lane.summary import TransactionSummary
from kiosk.receipt.content import Receipt, ReceiptOptions, compose
from kiosk.receipt.layout import PrintLine, layout


def lines_to_text(lines: tuple[PrintLine, ...] | list[PrintLine], width: int) -> str:
    out = []
    for ln in lines:
        if ln.qr is not None:                  # text cannot draw the code: its address instead, if it has one
            alt = ln.alt
            if len(alt) <= width:
                out.extend([alt.center(width).rstrip()] if alt else [])
            else:
                out.extend(alt[i:i + width] for i in range(0, len(alt), width))
            continue
        text = ln.text
        if ln.align == "center":
            text = text.center(width)
        elif ln.align == "right":
            text = text.rjust(width)
        out.append(text.rstrip())
    return "\n".join(out) + "\n"


def to_text(receipt: Receipt, width: int = 42) -> str:
    """The receipt document as text ``width`` columns wide (no line is longer)."""
    return lines_to_text(layout(receipt, width), width)


def render(summary: TransactionSummary, store: Store, width: int = 42, copy: bool = False,
           options: ReceiptOptions | None = None) -> str:
    """The receipt of ``summary`` as text (``copy``: the reprint's KOPIE marker; ``options`` for the rest)."""
    o = options or ReceiptOptions()
    if copy and not o.copy:
        from dataclasses import replace

        o = replace(o, copy=True)
    return to_text(compose(summary, store, o), width)


__all__ = ["lines_to_text", "render", "to_text"]
