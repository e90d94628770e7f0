"""Receipt content to ESC/POS bytes, through python-escpos's ``Dummy`` printer and a capability profile.

:class:`ReceiptBuilder` is the small vocabulary a receipt is made of: lines in a style, two-column rows, rules,
EAN-13/Code 128 barcodes, native QR codes (GS ( k), raster images (GS v 0), feeds and the cut. Text is sent in
CP858 (ESC t 19 on Epson profiles): CP850 plus the euro sign, so "€", "ä ö ü ß" and "Ä Ö Ü" print on German
receipts. :func:`render` builds one job: ``render("TM-T88V", lambda r: r.line("Danke!", align="center"))``. The
bytes go to ``Printer.print_job``; the simulator turns them back into text, which is how the tests read receipts.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, Callable

from hal.printer.errors import RenderError

# Printable dots per line when the profile does not say (58 mm rolls at 203 dpi; 80 mm at 180 dpi as on the TM-T88V).
PRINTABLE_DOTS = {58: 384, 80: 512}
FONT_DOTS = {"a": 12, "b": 9}          # character cell widths of Font A (12x24) and Font B (9x17)

_ALIGN = ("left", "center", "right")


def _clean(text: str) -> str:
    """Control characters in shop data (a product name, a note) must not reach the printer as commands."""
    return "".join(c if c == "\n" or (c >= " " and c != "\x7f") else " " for c in str(text))


class ReceiptBuilder:
    """Collects one receipt as ESC/POS bytes. Every method returns ``self``, so calls can be chained."""

    def __init__(self, profile: str = "TM-T88V", *, width_mm: int | None = None, codepage: str = "CP858"):
        from escpos.printer import Dummy      # python-escpos is imported only when a receipt is built

        try:
            self._p = Dummy(profile=profile)
        except Exception as exc:              # python-escpos raises its own NotSupported for unknown names
            raise RenderError(f"unknown printer profile {profile!r} ({exc}); use a python-escpos profile name "
                              "such as 'TM-T88V', 'TM-T20II' or 'default'") from exc
        self.profile = self._p.profile
        self.width_mm = width_mm
        self.dots = self._printable_dots(width_mm)
        self._p._raw(b"\x1b@")
        pages = {v.upper(): k for k, v in self.profile.profile_data.get("codePages", {}).items()}
        if codepage.upper() not in pages:
            raise RenderError(f"profile {profile!r} has no code page {codepage}; choose one of "
                              f"{', '.join(sorted(pages))} (German text needs CP858 or CP1252)")
        self._p.charcode(codepage.upper())    # emits ESC t n now; text is encoded in it, unknown characters as '?'

    # ------------------------------------------------------------------------------------------------ geometry

    def _printable_dots(self, width_mm: int | None) -> int:
        media = self.profile.profile_data.get("media", {}).get("width", {})
        mm, px = media.get("mm"), media.get("pixels")
        known = isinstance(px, int) or (isinstance(px, str) and px.isdigit())
        if known and (width_mm is None or str(width_mm) == str(mm)):
            return int(px)
        if width_mm is None:
            return PRINTABLE_DOTS[80]
        if width_mm in PRINTABLE_DOTS:
            return PRINTABLE_DOTS[width_mm]
        if not 40 <= width_mm <= 120:
            raise RenderError(f"paper width {width_mm} mm is not a receipt roll (58 or 80 mm)")
        return int(width_mm * 6.4) // 8 * 8

    def columns(self, font: str = "a", width: int = 1) -> int:
        """Characters per line in ``font`` at ``width`` times normal width (42 for Font A on 80 mm, 32 on 58 mm)."""
        return self.dots // (FONT_DOTS[font.lower()] * width)

    # ------------------------------------------------------------------------------------------------- text

    def _style(self, align=None, bold=None, underline=None, size=None, font=None, invert=None) -> dict[str, Any]:
        style: dict[str, Any] = {}
        if align is not None:
            if align not in _ALIGN:
                raise RenderError(f"align must be one of {_ALIGN}, not {align!r}")
            style["align"] = align
        if bold is not None:
            style["bold"] = bool(bold)
        if underline is not None:
            style["underline"] = int(underline)
        if font is not None:
            style["font"] = font
        if invert is not None:
            style["invert"] = bool(invert)
        if size is not None:
            w, h = size
            if (w, h) == (1, 1):
                style["normal_textsize"] = True
            else:
                style.update(custom_size=True, width=int(w), height=int(h))
        return style

    def _reset(self, style: dict[str, Any]) -> None:
        undo: dict[str, Any] = {}
        if "align" in style:
            undo["align"] = "left"
        if "bold" in style:
            undo["bold"] = False
        if "underline" in style:
            undo["underline"] = 0
        if "font" in style:
            undo["font"] = "a"
        if "invert" in style:
            undo["invert"] = False
        if "custom_size" in style or "normal_textsize" in style:
            undo["normal_textsize"] = True
        if undo:
            self._p.set(**undo)

    def text(self, text: str, **style) -> "ReceiptBuilder":
        """Text without a line end, in a style that ends with it."""
        s = self._style(**style)
        if s:
            self._p.set(**s)
        self._p.text(_clean(text))
        self._reset(s)
        return self

    def line(self, text: str = "", **style) -> "ReceiptBuilder":
        """One line (``align``, ``bold``, ``underline`` 0-2, ``size=(w, h)`` 1-8, ``font`` 'a'/'b', ``invert``)."""
        return self.text(text + "\n", **style)

    def row(self, left: str, right: str, *, font: str = "a", size: tuple[int, int] = (1, 1),
            **style) -> "ReceiptBuilder":
        """``left`` and ``right`` on one line, right flush to the edge; ``left`` is shortened if both do not fit."""
        cols = self.columns(font, size[0])
        left, right = _clean(left), _clean(right)
        room = cols - len(right) - 1
        if room < 1:
            text = right[-cols:]
        else:
            if len(left) > room:
                left = left[:room]
            text = left + " " * (cols - len(left) - len(right)) + right
        return self.line(text, font=font, size=size if size != (1, 1) else None, **style)

    def rule(self, char: str = "-") -> "ReceiptBuilder":
        return self.line(char * self.columns())

    def feed(self, lines: int = 1) -> "ReceiptBuilder":
        if not 0 <= lines <= 255:
            raise RenderError(f"cannot feed {lines} lines")
        self._p._raw(b"\x1bd" + bytes((lines,)))
        return self

    # ------------------------------------------------------------------------------------------- codes, images

    def barcode(self, code: str, kind: str = "EAN13", *, height: int = 64, module: int = 3, hri: str = "BELOW",
                align: str = "center") -> "ReceiptBuilder":
        """A printer-drawn barcode: ``EAN13`` (12 or 13 digits), ``EAN8``, ``CODE128`` (plain text; the code-set
        selector is added), ``CODE39``, ``UPC-A``, ``ITF`` ... (python-escpos names, GS k function B)."""
        kind = kind.upper()
        if kind == "CODE128" and not code.startswith("{"):
            code = "{B" + code.replace("{", "{{")
        self._p.set(align=align)
        try:
            # python-escpos announces its renderer with print(); keep the kiosk's stdout clean
            with contextlib.redirect_stdout(io.StringIO()):
                self._p.barcode(code, kind, height=height, width=module, pos=hri, align_ct=False,
                                function_type="B")
        except Exception as exc:
            raise RenderError(f"cannot print {code!r} as {kind}: {exc}") from exc
        finally:
            self._p.set(align="left")
        return self

    def qr(self, content: str, *, size: int = 4, ec: str = "M", align: str = "center") -> "ReceiptBuilder":
        """A QR code drawn by the printer (GS ( k, model 2): ``size`` is the module size in dots (1-16)."""
        from escpos import constants as c

        levels = {"L": c.QR_ECLEVEL_L, "M": c.QR_ECLEVEL_M, "Q": c.QR_ECLEVEL_Q, "H": c.QR_ECLEVEL_H}
        if ec.upper() not in levels:
            raise RenderError(f"QR error correction must be L, M, Q or H, not {ec!r}")
        if not content:
            raise RenderError("a QR code needs content")
        if len(content.encode("utf-8")) > 7089:
            raise RenderError("QR content longer than a QR code holds (7089 bytes)")
        self._p.set(align=align)
        try:
            self._p.qr(content, ec=levels[ec.upper()], size=size, model=c.QR_MODEL_2, native=True)
        except ValueError as exc:
            raise RenderError(f"cannot print QR code: {exc}") from exc
        finally:
            self._p.set(align="left")
        return self

    def image(self, source, *, center: bool = True) -> "ReceiptBuilder":
        """A raster image (GS v 0): a PIL image or a path; scaled down to the paper width, dithered to black/white."""
        from PIL import Image

        img = source if isinstance(source, Image.Image) else Image.open(source)
        img = img.convert("RGB")
        if img.width > self.dots:
            img = img.resize((self.dots, max(1, round(img.height * self.dots / img.width))))
        if center and img.width < self.dots:
            # padding centres the picture on every printer, whatever it does with ESC a before GS v 0
            canvas = Image.new("RGB", (self.dots, img.height), "white")
            canvas.paste(img, ((self.dots - img.width) // 2, 0))
            img = canvas
        try:
            with contextlib.redirect_stdout(io.StringIO()):     # python-escpos prints profile remarks
                self._p.image(img, impl="bitImageRaster", center=False)
        except Exception as exc:
            raise RenderError(f"cannot print image: {exc}") from exc
        return self

    # ---------------------------------------------------------------------------------------------- the end

    def cut(self, *, partial: bool = False, feed: bool = True) -> "ReceiptBuilder":
        """Feed the last line past the cutter (``feed``) and cut; partial leaves a hinge where the profile can."""
        self._p.cut(mode="PART" if partial else "FULL", feed=feed)
        return self

    def drawer(self, pin: int = 2) -> "ReceiptBuilder":
        self._p.cashdraw(pin)
        return self

    def raw(self, data: bytes) -> "ReceiptBuilder":
        """Bytes for what the vocabulary lacks; they go out unchanged."""
        self._p._raw(bytes(data))
        return self

    def bytes(self) -> bytes:
        return self._p.output


def render(profile: str, build: Callable[[ReceiptBuilder], Any], *, width_mm: int | None = None,
           codepage: str = "CP858") -> bytes:
    """One job's bytes: ``build`` fills a fresh :class:`ReceiptBuilder` for ``profile``."""
    builder = ReceiptBuilder(profile, width_mm=width_mm, codepage=codepage)
    build(builder)
    return builder.bytes()
