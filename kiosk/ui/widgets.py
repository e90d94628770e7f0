"""Drawing primitives shared by every view: fonts, text that always fits its box, cards, buttons, covers.

A :class:`Canvas` lives as long as the screen: fonts are loaded once and rendered texts are cached, so a frame costs
blits, not font work. While a frame is drawn the canvas collects the buttons it produced and the texts it rendered
(with the box each had to fit in), which is what the application loop hit-tests and what the tests inspect.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

import pygame

from kiosk.ui import theme
from kiosk.ui.model import Button

ELLIPSIS = "\u2026"

#: Characters a font must have for our catalogs (umlauts, sharp s, euro, ellipsis, multiplication sign, quotes).
REQUIRED_GLYPHS = "\u20ac\u00e4\u00f6\u00fc\u00df\u00c4\u00d6\u00dc\u2026\u00d7\u201e\u201c\u2018\u2019\u00b7"

_HERE = Path(__file__).resolve().parent
# A font shipped with the package wins (an SD image may add one); then the system's DejaVu (fonts-dejavu-core).
_FONT_CANDIDATES = (
    (_HERE / "fonts" / "DejaVuSans.ttf", _HERE / "fonts" / "DejaVuSans-Bold.ttf"),
    (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
     Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
)
# pygame's built-in font (freesansbold) draws smaller than a TTF at the same nominal size.
_DEFAULT_FONT_FACTOR = 1.35


def _covers(font: pygame.font.Font, chars: str) -> bool:
    return all(m is not None for m in font.metrics(chars))


@lru_cache(maxsize=None)
def font_files() -> tuple[str | None, str | None]:
    """(regular, bold) font files that render our texts; (None, None) means pygame's built-in font."""
    for regular, bold in _FONT_CANDIDATES:
        if regular.is_file():
            try:
                probe = pygame.font.Font(str(regular), 20)
            except (OSError, pygame.error):
                continue
            if _covers(probe, REQUIRED_GLYPHS):
                return str(regular), str(bold) if bold.is_file() else None
    return None, None


@lru_cache(maxsize=256)
def load_font(px: int, bold: bool) -> pygame.font.Font:
    """One font object per (size, weight) for the whole process."""
    regular, bold_file = font_files()
    if regular is None:
        font = pygame.font.Font(None, round(px * _DEFAULT_FONT_FACTOR))
        font.bold = bold
        return font
    if bold and bold_file is not None:
        return pygame.font.Font(bold_file, px)
    font = pygame.font.Font(regular, px)
    font.bold = bold
    return font


def _ellipsis(font: pygame.font.Font) -> str:
    return ELLIPSIS if _covers(font, ELLIPSIS) else "..."


def fit_text(font: pygame.font.Font, text: str, width: int) -> str:
    """``text`` if it fits in ``width`` pixels, else its longest clean prefix plus an ellipsis that does.

    The cut prefers a word boundary when that keeps most of the text, and never leaves a dangling space, comma or
    hyphen before the ellipsis. The result is guaranteed to be at most ``width`` pixels wide ("" if not even the
    ellipsis fits).
    """
    if width <= 0 or not text:
        return ""
    if font.size(text)[0] <= width:
        return text
    dots = _ellipsis(font)
    if font.size(dots)[0] > width:
        return ""

    def candidate(n: int) -> str:
        return text[:n].rstrip() + dots

    lo, hi = 0, len(text) - 1          # candidate(lo) fits (the bare ellipsis); find the largest n that fits
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.size(candidate(mid))[0] <= width:
            lo = mid
        else:
            hi = mid - 1
    prefix = text[:lo].rstrip()
    space = prefix.rfind(" ")
    if space > 0 and space >= 0.6 * len(prefix):
        prefix = prefix[:space]
    prefix = prefix.rstrip(" ,;:-\u2013/(.")
    out = prefix + dots
    while prefix and font.size(out)[0] > width:   # never trust a metric: shrink until it provably fits
        prefix = prefix[:-1].rstrip()
        out = prefix + dots
    return out if font.size(out)[0] <= width else ""


def _break_word(font: pygame.font.Font, word: str, width: int) -> list[str]:
    """Split a word wider than ``width`` into pieces that fit (German compounds on a narrow screen)."""
    pieces, cur = [], ""
    for ch in word:
        if cur and font.size(cur + ch)[0] > width:
            pieces.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        pieces.append(cur)
    return pieces


def wrap_text(font: pygame.font.Font, text: str, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; what does not fit ends the last line with an ellipsis."""
    if max_lines <= 0 or width <= 0:
        return []
    words: list[str] = []
    for word in text.split():
        words.extend(_break_word(font, word, width) if font.size(word)[0] > width else [word])
    lines: list[str] = []
    cur = ""
    for i, word in enumerate(words):
        trial = f"{cur} {word}" if cur else word
        if font.size(trial)[0] <= width:
            cur = trial
            continue
        lines.append(cur)
        if len(lines) == max_lines:
            lines[-1] = fit_text(font, " ".join([cur] + words[i:]), width)
            return lines
        cur = word
    if cur:
        lines.append(cur)
    return lines


class _Profile:
    """What one set of metrics needs: the metrics, their fonts and the caches of texts rendered in those fonts."""

    def __init__(self, m: theme.Metrics) -> None:
        self.m = m
        self.fonts = {key: load_font(px, key in theme.BOLD_FONTS) for key, px in m.font_px.items()}
        self.rendered: dict[tuple, pygame.Surface] = {}
        self.fitted: dict[tuple, str] = {}
        self.wrapped: dict[tuple, list[str]] = {}


class Canvas:
    """Fonts, caches and the per-frame records of one screen size (and density), in normal and in large text."""

    _TEXT_CACHE_MAX = 4000

    def __init__(self, size: tuple[int, int], px_per_mm: float | None = None) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.size = size
        # Both sets of fonts load now: switching to large text in the middle of a visit costs no font work.
        self._profiles = {large: _Profile(theme.Metrics.for_size(size, large, px_per_mm)) for large in (False, True)}
        self._dims: dict[tuple, pygame.Surface] = {}
        self.use(False)
        self.surface = pygame.Surface((1, 1))     # the frame's target, set by begin()
        self.top = self.m.header_h                # where a view's body starts (lower when a card sits on top)
        self.buttons: list[Button] = []
        self.texts: list[str] = []
        self.text_boxes: list[tuple[str, pygame.Rect, pygame.Rect]] = []

    # ------------------------------------------------------------------------------------------------ frame
    def use(self, large: bool) -> None:
        """Draw with the large-text metrics and fonts (``large``) or the normal ones from now on."""
        p = self._profiles[bool(large)]
        self.m, self.fonts = p.m, p.fonts
        self._rendered, self._fitted, self._wrapped = p.rendered, p.fitted, p.wrapped

    def begin(self, surface: pygame.Surface, large: bool = False) -> None:
        self.use(large)
        self.surface = surface
        self.top = self.m.header_h
        self.buttons = []
        self.texts = []
        self.text_boxes = []
        for p in self._profiles.values():
            if len(p.rendered) > self._TEXT_CACHE_MAX:
                p.rendered.clear()
            if len(p.fitted) > self._TEXT_CACHE_MAX:
                p.fitted.clear()
                p.wrapped.clear()

    @property
    def s(self) -> float:
        return self.m.scale

    def px(self, v: float, least: int = 1) -> int:
        return max(least, round(v * self.m.scale))

    # ------------------------------------------------------------------------------------------------- text
    def font(self, key: str) -> pygame.font.Font:
        return self.fonts[key]

    def line_h(self, key: str) -> int:
        f = self.fonts[key]
        return max(f.get_linesize(), f.get_height())

    def width_of(self, key: str, text: str) -> int:
        return self.fonts[key].size(text)[0]

    def fit(self, key: str, text: str, width: int) -> str:
        k = (key, text, width)
        out = self._fitted.get(k)
        if out is None:
            out = self._fitted[k] = fit_text(self.fonts[key], text, width)
        return out

    def wrap(self, key: str, text: str, width: int, max_lines: int) -> list[str]:
        k = (key, text, width, max_lines)
        out = self._wrapped.get(k)
        if out is None:
            out = self._wrapped[k] = wrap_text(self.fonts[key], text, width, max_lines)
        return out

    def best_font(self, text: str, width: int, keys: Sequence[str]) -> str:
        """The first (largest) of ``keys`` in which ``text`` fits whole: amounts are never shortened."""
        for key in keys:
            if self.width_of(key, text) <= width:
                return key
        return keys[-1]

    def rendered(self, key: str, text: str, color: theme.Color) -> pygame.Surface:
        k = (key, text, color)
        surf = self._rendered.get(k)
        if surf is None:
            surf = self._rendered[k] = self.fonts[key].render(text, True, color)
        return surf

    def text(self, text: str, key: str, color: theme.Color, box: pygame.Rect, align: str = "left",
             valign: str = "center", strike: bool = False) -> pygame.Rect:
        """Draw ``text`` inside ``box`` (shortened to its width); returns where it went."""
        shown = self.fit(key, text, box.width)
        if not shown:
            return pygame.Rect(box.x, box.y, 0, 0)
        surf = self.rendered(key, shown, color)
        r = surf.get_rect()
        if align == "center":
            r.centerx = box.centerx
        elif align == "right":
            r.right = box.right
        else:
            r.left = box.left
        if valign == "top":
            r.top = box.top
        elif valign == "bottom":
            r.bottom = box.bottom
        else:
            r.centery = box.centery
        self.surface.blit(surf, r)
        if strike:
            y = r.centery + self.px(1)
            pygame.draw.line(self.surface, color, (r.left, y), (r.right, y), self.px(2))
        self.texts.append(shown)
        self.text_boxes.append((shown, r.copy(), box.copy()))
        return r

    def paragraph(self, text: str, key: str, color: theme.Color, box: pygame.Rect, max_lines: int,
                  align: str = "left", valign: str = "top") -> int:
        """Wrapped text inside ``box``; returns the height it took."""
        lh = self.line_h(key)
        max_lines = max(1, min(max_lines, box.height // lh))
        lines = self.wrap(key, text, box.width, max_lines)
        total = lh * len(lines)
        if valign == "center":
            y = box.y + (box.height - total) // 2
        elif valign == "bottom":
            y = box.bottom - total
        else:
            y = box.y
        for line in lines:
            self.text(line, key, color, pygame.Rect(box.x, y, box.width, lh), align)
            y += lh
        return total

    def paragraph_h(self, text: str, key: str, width: int, max_lines: int) -> int:
        return self.line_h(key) * len(self.wrap(key, text, width, max_lines))

    # ------------------------------------------------------------------------------------------- shapes
    def card(self, rect: pygame.Rect, color: theme.Color | None = None, border: theme.Color | None = None,
             radius: int | None = None, shadow: bool = True) -> None:
        """A rounded card (``theme.CARD`` unless ``color``); in high contrast every card has a border."""
        r = self.m.radius if radius is None else radius
        if shadow and theme.SHADOWS:
            pygame.draw.rect(self.surface, theme.SHADOW, rect.move(0, self.px(3)), border_radius=r)
        pygame.draw.rect(self.surface, theme.CARD if color is None else color, rect, border_radius=r)
        if border is None:
            border = theme.CARD_BORDER
        if border is not None:
            pygame.draw.rect(self.surface, border, rect, width=self.border_w, border_radius=r)

    @property
    def border_w(self) -> int:
        return self.px(theme.BORDER_PX)

    def cover(self, rect: pygame.Rect, dim: bool = True) -> None:
        """Something opaque goes over ``rect``: buttons under it can no longer be touched."""
        self.buttons = [b for b in self.buttons if not b.rect.colliderect(rect)]
        if dim:
            shade = self._dims.get(theme.DIM)
            if shade is None:
                shade = self._dims[theme.DIM] = pygame.Surface(self.size, pygame.SRCALPHA)
                shade.fill(theme.DIM)
            self.surface.blit(shade, rect.topleft, area=pygame.Rect(0, 0, rect.width, rect.height))

    def label_width(self, key: str, text: str, max_lines: int = 2) -> int:
        """The narrowest width at which ``text`` wraps into ``max_lines`` lines without breaking a word."""
        widths = [self.width_of(key, w) for w in text.split()]
        if not widths:
            return 0
        space = self.width_of(key, " ")
        lo, hi = max(widths), sum(widths) + space * (len(widths) - 1)

        def lines(width: int) -> int:
            n, cur = 1, -space
            for w in widths:
                if cur + space + w > width:
                    n, cur = n + 1, w
                else:
                    cur += space + w
            return n

        while lo < hi:
            mid = (lo + hi) // 2
            if lines(mid) <= max_lines:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _label_lines(self, font: str, height: int) -> int:
        """How many lines of ``font`` a button ``height`` pixels tall has room for (one or two)."""
        return max(1, min(2, (height - 2 * self.px(6, 3)) // self.line_h(font)))

    def button_width(self, label: str, font: str = "button", icon: bool = False, height: int | None = None) -> int:
        """How wide a button (``height``, else ``m.button_h`` tall) must be to show ``label`` with its words whole."""
        height = self.m.button_h if height is None else height
        need = self.label_width(font, label, self._label_lines(font, height)) + 2 * self.px(12, 6) + self.px(4)
        if icon:
            need += self._icon_side(height) + self.m.gap
        return max(self.m.touch, need)

    def _icon_side(self, height: int) -> int:
        return max(self.px(24, 16), (height - 2 * self.px(6, 3)) * 3 // 5)

    # ------------------------------------------------------------------------------------------ buttons
    def button(self, rect: pygame.Rect, label: str | None, kind: str, action: str, arg: str | None = None,
               style: str = "secondary", font: str = "button",
               icon: Callable[[pygame.Surface, pygame.Rect, theme.Color], None] | None = None,
               face: pygame.Rect | None = None) -> Button | None:
        """Draw a button and register it (a ``disabled`` one is drawn but cannot be touched).

        ``face`` is the drawn shape when it is smaller than the touch area ``rect`` (header controls). With both an
        icon and a label the icon stands left of the words; an icon alone fills the button.
        """
        fill, border, ink, shadow = theme.style(style)
        shape = face or rect
        radius = min(self.m.radius, shape.height // 2)
        if shadow is not None:
            pygame.draw.rect(self.surface, shadow, shape.move(0, self.px(3)), border_radius=radius)
        pygame.draw.rect(self.surface, fill, shape, border_radius=radius)
        if border is not None:
            pygame.draw.rect(self.surface, border, shape, width=self.border_w, border_radius=radius)
        inner = shape.inflate(-2 * self.px(12, 6), -2 * self.px(6, 3))
        if icon is not None and label:
            side = self._icon_side(shape.height)
            room = inner.width - side - self.m.gap
            words = self.width_of(font, label)
            if words > room:   # on as many lines as the height allows, words whole where the width allows
                words = min(room, self.label_width(font, label, self._label_lines(font, shape.height)))
            x = inner.x + max(0, (inner.width - side - self.m.gap - words) // 2)
            # Icons are drawn as for a square button of this height: the slot holds what they draw.
            frame = pygame.Rect(0, 0, shape.height, shape.height)
            frame.center = (x + side // 2, shape.centery)
            icon(self.surface, frame, ink)
            inner = pygame.Rect(x + side + self.m.gap, inner.y, inner.right - x - side - self.m.gap, inner.height)
            self.paragraph(label, font, ink, inner, 2, align="left", valign="center")
        elif icon is not None:
            icon(self.surface, shape, ink)
        elif label:
            self.paragraph(label, font, ink, inner, 2, align="center", valign="center")
        if style == "disabled":
            return None
        b = Button(rect.copy(), kind, action, arg)
        self.buttons.append(b)
        return b


# --------------------------------------------------------------------------------------------------- layout
def split_h(rect: pygame.Rect, n: int, gap: int) -> list[pygame.Rect]:
    """``n`` equal columns side by side, ``gap`` apart, exactly filling ``rect``."""
    if n <= 0:
        return []
    w = (rect.width - gap * (n - 1)) / n
    out = []
    for i in range(n):
        x0 = rect.x + round(i * (w + gap))
        x1 = rect.x + round(i * (w + gap) + w)
        out.append(pygame.Rect(x0, rect.y, x1 - x0, rect.height))
    return out


def split_by_need(rect: pygame.Rect, needs: Sequence[int], gap: int) -> list[pygame.Rect]:
    """Columns filling ``rect``: equal while every one gets its need, else each its need plus a fair share."""
    n = len(needs)
    if n == 0:
        return []
    if max(needs) * n + gap * (n - 1) <= rect.width:
        return split_h(rect, n, gap)
    extra = max(0, rect.width - sum(needs) - gap * (n - 1)) // n
    out, x = [], rect.x
    for i, need in enumerate(needs):
        w = rect.right - x if i == n - 1 else need + extra
        out.append(pygame.Rect(x, rect.y, w, rect.height))
        x += w + gap
    return out


def split_v(rect: pygame.Rect, n: int, gap: int) -> list[pygame.Rect]:
    """``n`` equal rows, ``gap`` apart, exactly filling ``rect``."""
    if n <= 0:
        return []
    h = (rect.height - gap * (n - 1)) / n
    out = []
    for i in range(n):
        y0 = rect.y + round(i * (h + gap))
        y1 = rect.y + round(i * (h + gap) + h)
        out.append(pygame.Rect(rect.x, y0, rect.width, y1 - y0))
    return out
