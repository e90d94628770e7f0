"""The receipt as ESC/POS bytes, through the hal's :class:`~hal.printer.receipt.ReceiptBuilder` (python-escpos).

:func:`render` lays a :class:`~kiosk.receipt.content.Receipt` out for the printer's columns (taken from the
python-escpos capability profile: 42 / 56 on an 80 mm TM-T88V in Font A / B, 48 on a TM-T20II, 32 / 42 on 58 mm) and
prints those lines - the same lines :mod:`kiosk.receipt.text` shows - in CP858 (euro sign and umlauts) with the
printer's alignment and styles: the store's name and the copy marker large, the total bold and double height, the
e-receipt's address as a QR code drawn by the printer (GS ( k; an image on a profile without native QR), then the
cut. :func:`for_printer` takes profile and paper from an open :class:`hal.printer.base.Printer`; :func:`job` is
everything the lane needs for one print job: bytes for the printer and the matching text for the receipt log.

:func:`text_receipt` prints a plain text (the technician's test print) in CP858 and cuts.
"""

from __future__ import annotations

from typing import Any, Sequence

from kiosk.receipt.content import Receipt, ReceiptOptions, compose
from kiosk.receipt.layout import PrintLine, layout

# Byte capacity of QR versions 1..40 at error correction M (ISO/IEC 18004), to choose a module size that fits.
_QR_BYTES_M = (14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711,
               779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099,
               2213, 2331)
_FONT_INDEX = {"a": "0", "b": "1"}


def columns(profile: str = "TM-T88V", width_mm: int | None = None, font: str = "a") -> int:
    """Characters per line: the profile's own figure for its paper (python-escpos ``fonts.N.columns``), else, for
    another paper width, what the printable dots give (384 dots on 58 mm, 512 on 80 mm; Font A 12, Font B 9 dots)."""
    from escpos.capabilities import get_profile

    from hal.printer.errors import RenderError

    try:
        data = get_profile(profile).profile_data
    except Exception as exc:
        raise RenderError(f"unknown printer profile {profile!r} ({exc})") from exc
    return _columns(data, width_mm, font)


def _columns(data: dict, width_mm: int | None, font: str) -> int:
    from hal.printer.errors import RenderError
    from hal.printer.receipt import FONT_DOTS, PRINTABLE_DOTS

    font = font.lower()
    if font not in _FONT_INDEX:
        raise RenderError(f"font must be 'a' or 'b', not {font!r}")
    media = data.get("media", {}).get("width", {})
    mm, px = media.get("mm"), media.get("pixels")
    same_paper = width_mm is None or (isinstance(mm, (int, float)) and abs(float(mm) - width_mm) <= 2.5)
    listed = data.get("fonts", {}).get(_FONT_INDEX[font], {}).get("columns")
    if same_paper and isinstance(listed, int) and listed >= 24:      # some profiles list dot widths there
        return listed
    if same_paper and (isinstance(px, int) or (isinstance(px, str) and px.isdigit())):
        dots = int(px)
    elif width_mm in PRINTABLE_DOTS:
        dots = PRINTABLE_DOTS[width_mm]
    elif width_mm is None:
        dots = PRINTABLE_DOTS[80]
    else:
        dots = int(width_mm * 6.4) // 8 * 8
    return dots // FONT_DOTS[font]


def builder_columns(b, font: str = "a") -> int:
    """Columns for a ReceiptBuilder: its profile's figure, never more than its printable dots hold."""
    return min(_columns(b.profile.profile_data, b.width_mm, font), b.columns(font))


def _qr_module(content: str, dots: int, share: float) -> int:
    n = len(content.encode("utf-8"))
    version = next((i + 1 for i, cap in enumerate(_QR_BYTES_M) if cap >= n), 40)
    modules = 17 + 4 * version + 8                       # with the quiet zone
    return max(1, min(8, int(dots * share) // modules))


def _qr(b, content: str, share: float) -> None:
    size = _qr_module(content, b.dots, share)
    if b.profile.supports("qrCode"):
        b.qr(content, size=size, ec="M")
        return
    import qrcode                                        # python-escpos's own dependency

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=size, border=2)
    code.add_data(content)
    b.image(code.make_image().get_image())


def print_lines(b, lines: Sequence[PrintLine], *, font: str = "a", cut: bool = True) -> None:
    """Send laid-out lines to a ReceiptBuilder ``b``: runs of plain lines as one text, styled lines one by one."""
    font_cmd = b"\x1bM\x01" if font.lower() == "b" else b""
    if font_cmd:
        b.raw(font_cmd)
    plain: list[str] = []

    def flush() -> None:
        if plain:
            b.text("\n".join(plain) + "\n")
            plain.clear()

    for ln in lines:
        if ln.qr is None and ln.align == "left" and not ln.bold and ln.size == (1, 1):
            plain.append(ln.text)
            continue
        flush()
        if ln.qr is not None:
            _qr(b, ln.qr, 0.45 if len(ln.qr) < 200 else 0.9)
        else:
            b.line(ln.text, align=ln.align if ln.align != "left" else None, bold=ln.bold or None,
                   size=ln.size if ln.size != (1, 1) else None)
        if font_cmd:                                     # a size reset (ESC ! 0) also selects Font A again
            b.raw(font_cmd)
    flush()
    if cut:
        b.cut()


def build(b, receipt: Receipt, *, font: str = "a", width: int | None = None, cut: bool = True) -> None:
    """Fill ReceiptBuilder ``b`` with ``receipt`` (``width``: columns; default from the builder's profile)."""
    print_lines(b, layout(receipt, width or builder_columns(b, font)), font=font, cut=cut)


def render(receipt: Receipt, profile: str = "TM-T88V", *, width_mm: int | None = None, font: str = "a",
           cut: bool = True) -> bytes:
    """``receipt`` as one print job's ESC/POS bytes for ``profile`` on ``width_mm`` paper."""
    return render_with_text(receipt, profile, width_mm=width_mm, font=font, cut=cut)[0]


def render_with_text(receipt: Receipt, profile: str = "TM-T88V", *, width_mm: int | None = None, font: str = "a",
                     cut: bool = True) -> tuple[bytes, str]:
    """The job's bytes and the same receipt as text, laid out once for the printer's columns."""
    from hal.printer.receipt import ReceiptBuilder
    from kiosk.receipt.text import lines_to_text

    b = ReceiptBuilder(profile, width_mm=width_mm)
    width = builder_columns(b, font)
    lines = layout(receipt, width)
    print_lines(b, lines, font=font, cut=cut)
    return b.bytes(), lines_to_text(lines, width)


def for_printer(receipt: Receipt, printer: Any, *, font: str = "a") -> bytes:
    """Bytes for an open :class:`hal.printer.base.Printer` (its ``profile_name`` and ``width_mm``)."""
    return render(receipt, getattr(printer, "profile_name", "TM-T88V"), width_mm=getattr(printer, "width_mm", None),
                  font=font)


def job(summary, store, options: ReceiptOptions | None = None, *, profile: str = "TM-T88V",
        width_mm: int | None = None, font: str = "a") -> tuple[bytes, str]:
    """One print job: the bytes for ``printer.print_job`` and the text for the receipt log, from one layout."""
    return render_with_text(compose(summary, store, options), profile, width_mm=width_mm, font=font)


def text_receipt(text: str, profile: str = "TM-T88V") -> bytes:
    """A plain text in CP858 (euro sign, umlauts), then the cut: the technician's test print."""
    from hal.printer.receipt import ReceiptBuilder

    b = ReceiptBuilder(profile)
    b.text(text if text.endswith("\n") else text + "\n")
    b.cut()
    return b.bytes()


__all__ = ["build", "builder_columns", "columns", "for_printer", "job", "print_lines", "render", "render_with_text",
           "text_receipt"]
