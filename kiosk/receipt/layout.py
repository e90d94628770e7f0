"""A :class:`~kiosk.receipt.content.Receipt` laid out for a number of columns: the lines both renderers print (pure).

Every line fits the width (a double-width line counts twice). Amounts stand right, the VAT letter in the last
column, and an amount is never cut: a long product name is wrapped (at spaces, else after a hyphen) onto at most
``name_lines`` lines and the last of them shortened cleanly (at a word boundary, or abbreviated with a full stop,
as German receipts do: "Fruchtjoghurt Erdbeere mit Fruchtst."). The VAT table becomes a stacked list when its
columns do not fit (58 mm paper, large amounts). The plain-text and the ESC/POS renderers both print these lines,
the first with spaces for alignment, the second with the printer's own alignment and styles.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.money import format_amount, format_rate
from kiosk.receipt import content as c

MIN_WIDTH = 24


@dataclass(frozen=True, slots=True)
class PrintLine:
    """One line on paper: text (without alignment padding) in a style, or a QR code (``qr`` is its content)."""

    text: str = ""
    align: str = "left"
    bold: bool = False
    size: tuple[int, int] = (1, 1)        # width and height multipliers
    qr: str | None = None
    alt: str = ""                          # what plain text shows instead of the QR code ("" nothing)

    @property
    def cells(self) -> int:
        """Columns the line takes on paper."""
        return len(self.text) * self.size[0]


# --------------------------------------------------------------------------------------------------- wrapping


def take(text: str, room: int) -> tuple[str, str]:
    """The first line of at most ``room`` characters and the rest: broken at a space, else after a hyphen, else
    hard."""
    if len(text) <= room:
        return text, ""
    cut = text.rfind(" ", 0, room + 1)
    if cut > 0:
        return text[:cut].rstrip(), text[cut + 1:].lstrip()
    hyphen = text.rfind("-", 0, room)
    if hyphen > 0:
        return text[:hyphen + 1], text[hyphen + 1:]
    return text[:room], text[room:]


def shorten(text: str, room: int) -> str:
    """``text`` in at most ``room`` characters: whole words if that loses little, else abbreviated with a full stop."""
    if len(text) <= room:
        return text
    if room < 2:
        return text[:room]
    if text[room] == " ":
        return text[:room].rstrip(" ,-")
    if text[room - 1] == " ":                  # the last fitting word ends one short of the room
        return text[:room - 1].rstrip(" ,-")
    cut = text.rfind(" ", 0, room - 1)
    whole = text[:cut].rstrip(" ,-") if cut > 0 else ""
    kept = text[cut + 1:room - 1]              # what an abbreviation keeps of the word that does not fit
    if len(kept) >= 3 or not whole:
        return text[:room - 1].rstrip(" ,-") + "."
    return whole


def wrap(text: str, first: int, rest: int | None = None, max_lines: int | None = None) -> list[str]:
    """``text`` in lines of ``first`` then ``rest`` characters; with ``max_lines`` the last line is shortened."""
    rest = first if rest is None else rest
    text = " ".join(text.split())
    lines: list[str] = []
    room = first
    while text:
        if max_lines is not None and len(lines) == max_lines - 1:
            lines.append(shorten(text, room))
            break
        line, text = take(text, room)
        lines.append(line)
        room = rest
    return lines or [""]


def wrap_parts(text: str, width: int) -> list[str]:
    """Like :func:`wrap`, but an address breaks after its commas first ("Hauptstraße 1," / "12345 Musterstadt")."""
    if len(text) <= width or ", " not in text:
        return wrap(text, width)
    parts = [p.strip() for p in text.split(", ")]
    lines: list[str] = []
    cur = ""
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else "")
        cand = f"{cur} {piece}" if cur else piece
        if len(cand) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        if len(piece) <= width:
            cur = piece
        else:
            *full, cur = wrap(piece, width)
            lines.extend(full)
    if cur:
        lines.append(cur)
    return lines


def _pair(left: str, right: str, width: int, bold: bool = False, size: tuple[int, int] = (1, 1)) -> list[PrintLine]:
    """``left`` and ``right`` on one line, ``right`` flush right; if both do not fit, ``right`` on its own line."""
    if len(left) + 1 + len(right) <= width:
        return [PrintLine(left + " " * (width - len(left) - len(right)) + right, bold=bold, size=size)]
    out = [PrintLine(x, bold=bold, size=size) for x in wrap(left, width)] if left else []
    out += [PrintLine(x.rjust(width), bold=bold, size=size) for x in wrap(right, width)]
    return out


# ----------------------------------------------------------------------------------------------------- blocks


def _text(b: c.Text, width: int) -> list[PrintLine]:
    if b.big and 2 * len(b.text) <= width:
        return [PrintLine(b.text, b.align, b.bold, (2, 2))]
    size = (1, 2) if b.big else (1, 1)
    return [PrintLine(x, b.align, b.bold, size) for x in wrap_parts(b.text, width)]


def _marker(b: c.Marker, width: int) -> list[PrintLine]:
    if 2 * len(b.text) <= width:
        return [PrintLine(b.text, "center", True, (2, 2))]
    return [PrintLine(x, "center", True, (1, 2)) for x in wrap(b.text, width)]


def _item(b: c.Item, width: int, lang: str, name_lines: int) -> list[PrintLine]:
    right = f"{format_amount(b.amount_cents, lang, symbol='')} {b.vat_letter}"
    room = width - len(right) - 1
    names = wrap(b.name, room, width - 2, max(1, name_lines))
    out = [PrintLine(names[0] + " " * (width - len(names[0]) - len(right)) + right)]
    out += [PrintLine("  " + n) for n in names[1:]]
    out += [PrintLine("  " + shorten(d, width - 2)) for d in b.details]
    return out


def _vat(b: c.VatTable, width: int, lang: str) -> list[PrintLine]:
    def label(r: c.VatRow) -> str:
        return f"{r.letter} {format_rate(r.rate_bp, lang)}" if r.letter or r.rate_bp else b.total_label

    rows = list(b.rows) + ([b.total] if b.total is not None else [])
    cells = [[label(r)] + [format_amount(x, lang, symbol="") for x in (r.net_cents, r.tax_cents, r.gross_cents)]
             for r in rows]
    first = max([len(b.heads[0])] + [len(r[0]) for r in cells])
    widest = max([len(h) for h in b.heads[1:]] + [len(x) for r in cells for x in r[1:]])
    col = (width - first) // 3
    if col >= widest + 1:
        def line(parts: list[str]) -> str:
            return parts[0].ljust(width - 3 * col) + "".join(p.rjust(col) for p in parts[1:])
        out = [PrintLine(line(list(b.heads)))]
        out += [PrintLine(line(r)) for r in cells[:len(b.rows)]]
        if b.total is not None:
            out.append(PrintLine(line(cells[-1]), bold=True))
        return out
    # too narrow for four columns: each rate as a small list
    out = []
    for i, r in enumerate(cells):
        out.append(PrintLine(r[0], bold=i >= len(b.rows)))
        for head, value in zip(b.heads[1:], r[1:]):
            out += _pair("  " + head, value, width)
    return out


def _verbatim(b: c.Verbatim, width: int) -> list[PrintLine]:
    out = []
    for line in b.lines:
        if len(line) <= width:
            out.append(PrintLine(line))
        else:                                  # never cut off: a wider terminal slip is wrapped
            out += [PrintLine(x) for x in wrap(line, width)]
    return out


def _field(b: c.Field, width: int) -> list[PrintLine]:
    if len(b.label) + 1 + len(b.value) <= width:
        return _pair(b.label, b.value, width)
    out = [PrintLine(x) for x in wrap(b.label, width)]
    value = b.value
    while value:                               # signatures and serials: no spaces, cut in even pieces
        piece, value = value[:width - 2], value[width - 2:]
        out.append(PrintLine("  " + piece))
    return out


def layout(receipt: c.Receipt, width: int = 42, *, name_lines: int | None = None) -> tuple[PrintLine, ...]:
    """The receipt's lines for paper ``width`` columns wide (at least 24); ``name_lines`` overrides the receipt's."""
    if width < MIN_WIDTH:
        raise ValueError(f"a receipt needs at least {MIN_WIDTH} columns, not {width}")
    lang = receipt.lang
    name_lines = receipt.name_lines if name_lines is None else name_lines
    out: list[PrintLine] = []
    for b in receipt.blocks:
        if isinstance(b, c.Item):
            out += _item(b, width, lang, name_lines)
        elif isinstance(b, c.Text):
            out += _text(b, width)
        elif isinstance(b, c.Pair):
            out += _pair(b.left, b.right, width)
        elif isinstance(b, c.Rule):
            out.append(PrintLine(b.char * width))
        elif isinstance(b, c.Blank):
            out.append(PrintLine(""))
        elif isinstance(b, c.Total):
            out += _pair(b.label, format_amount(b.amount_cents, lang), width, bold=True, size=(1, 2))
        elif isinstance(b, c.VatTable):
            out += _vat(b, width, lang)
        elif isinstance(b, c.Payment):
            out += _pair(b.label, format_amount(b.amount_cents, lang), width)
        elif isinstance(b, c.Verbatim):
            out += _verbatim(b, width)
        elif isinstance(b, c.Field):
            out += _field(b, width)
        elif isinstance(b, c.Marker):
            out += _marker(b, width)
        elif isinstance(b, c.Qr):
            if b.caption:
                out += [PrintLine(x, "center") for x in wrap(b.caption, width)]
            out.append(PrintLine("", "center", qr=b.content, alt=b.content if b.purpose == "ereceipt" else ""))
        else:
            raise TypeError(f"unknown receipt block {b!r}")
    return tuple(out)


__all__ = ["MIN_WIDTH", "PrintLine", "layout", "shorten", "take", "wrap", "wrap_parts"]
