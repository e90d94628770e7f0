"""The look-up of articles without a barcode (produce, bakery, the counter): by picture, by category and by search.

Drawn over the scanning screen while ``UiLocal.lookup_open``: category tiles on the left (the categories that hold
articles without a GTIN), a grid of article tiles (the catalog's picture, else a generated tile with the article's
initials; the name in the shopper's language; the price, per kg for weighed articles), big arrows to page, a search
with an on-screen keyboard (QWERTZ with umlauts in German, QWERTY otherwise) and a Close button. A weighed article
opens the weighing card: "place it on the produce scale", the live weight and price, and Confirm once the scale is at
rest with something on it. Without a produce scale the card says so and weighed articles cannot be chosen.

Every key is a touch target of at least ``theme.TOUCH_MM``. A panel too small for the keyboard's rows at that size
(a 7" 1024x600 one: eleven 15 mm keys are wider than the screen) gets the compact search: the letters A to Z in rows
as long as fit, without the umlaut keys (the search ignores umlauts: "kase" finds "Käse"), space and clear, and the
search takes the whole screen, brand bar included, for the field, a row of results and the keys.

Every button is kind ``ui``; the application loop handles them (``kiosk/app.py``):

=====================  =====================================================================================
``lookup_open``        arg "1" opens the look-up, "0" closes it (and forgets the search and the page)
``lookup_category``    arg is the category to show
``lookup_search``      arg "1" shows the search keyboard, "0" goes back to the categories
``lookup_key``         arg is the character to add to the search text
``lookup_backspace``   remove the last character of the search text
``lookup_clear``       empty the search text
``lookup_page``        arg is the page to show
``lookup_item``        arg is a weighed article's sku: show the weighing card
``lookup_back``        close the weighing card
``lookup_choose``      arg is a per-piece article's sku: the final choice (``LaneRuntime.choose``)
``lookup_confirm``     arg is the weighed article's sku: the final choice with the produce scale's weight
=====================  =====================================================================================

The screen never opens the database itself: :class:`LookupCatalog` (made once by the app) caches the categories,
each category's articles and the results of recent searches, and the pictures scaled to their tile.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pygame

from kiosk.domain.catalog import fold_text
from kiosk.domain.item import Item
from kiosk.domain.money import scale_price
from kiosk.lane.state import LaneState
from kiosk.ui import chrome, icons, theme
from kiosk.ui.i18n import has, tr
from kiosk.ui.model import UI, UiLocal
from kiosk.ui.widgets import Canvas, split_h
from kiosk.ui.wording import kilograms, money

log = logging.getLogger(__name__)

#: Keyboard rows by language; umlauts are keys of their own.
KEYBOARDS: dict[str, tuple[str, str, str]] = {
    "de": ("QWERTZUIOPÜ", "ASDFGHJKLÖÄ", "YXCVBNMß"),
    "en": ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"),
    "nl": ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"),
}
#: The compact search's keys: the alphabet; the umlauts and ß are left to the search, which folds them.
COMPACT_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_QUERY = 30
_SEARCH_LIMIT = 60

#: Generated tiles: dark enough for white letters (at least 7:1).
_TILE_COLORS = ((22, 63, 86), (15, 96, 56), (120, 40, 40), (80, 50, 110), (90, 70, 20), (30, 80, 100),
                (100, 45, 80), (40, 70, 40))


# ------------------------------------------------------------------------------------------------- the catalog

class LookupCatalog:
    """The catalog as the look-up screen reads it, with every answer cached (a frame never queries SQLite).

    ``catalog`` needs ``categories()``, ``items_by_category(category, limit, lang)``, ``search(text, lang, limit)``
    and ``get(sku)`` (:class:`kiosk.catalog.Catalog`); ``image_dir`` is where relative picture paths start (the
    catalog file's folder). Only articles without a GTIN are offered: the others have a barcode to scan.
    """

    def __init__(self, catalog: Any, image_dir: Path | None = None) -> None:
        self.catalog = catalog
        self.image_dir = image_dir
        self._categories: list[str] | None = None
        self._by_category: dict[tuple[str, str], list[Item]] = {}
        self._searches: OrderedDict[tuple[str, str], list[Item]] = OrderedDict()
        self._items: dict[str, Item | None] = {}
        self._pictures: dict[tuple[str, int], pygame.Surface | None] = {}
        self.queries = 0          # database queries made (the tests check that frames make none)

    @staticmethod
    def offered(item: Item) -> bool:
        return not item.gtins

    def categories(self) -> list[str]:
        if self._categories is None:
            self.queries += 1
            out = []
            for category in self.catalog.categories():
                self.queries += 1
                items = [i for i in self.catalog.items_by_category(category, 1000, "de") if self.offered(i)]
                if items:
                    out.append(category)
                    self._by_category[(category, "de")] = items
            # Produce first, then bakery, then the rest as the catalog sorts them.
            rank = {"obst": 0, "gemuse": 0, "brot": 1, "back": 1}
            out.sort(key=lambda c: min([v for k, v in rank.items() if k in fold_text(c)] or [2]))
            self._categories = out
        return self._categories

    def items(self, category: str, lang: str) -> list[Item]:
        key = (category, lang)
        if key not in self._by_category:
            self.queries += 1
            self._by_category[key] = [i for i in self.catalog.items_by_category(category, 1000, lang)
                                      if self.offered(i)]
        return self._by_category[key]

    def search(self, text: str, lang: str) -> list[Item]:
        key = (fold_text(text.strip()), lang)
        if not key[0]:
            return []
        hit = self._searches.get(key)
        if hit is None:
            self.queries += 1
            hit = [i for i in self.catalog.search(text, lang, _SEARCH_LIMIT) if self.offered(i)]
            self._searches[key] = hit
            while len(self._searches) > 64:
                self._searches.popitem(last=False)
        else:
            self._searches.move_to_end(key)
        return hit

    def get(self, sku: str) -> Item | None:
        if sku not in self._items:
            self.queries += 1
            self._items[sku] = self.catalog.get(sku)
        return self._items[sku]

    def picture(self, item: Item, side: int) -> pygame.Surface | None:
        """The article's picture scaled into a ``side`` square (None: no picture, or the file cannot be read)."""
        if not item.image:
            return None
        key = (item.image, side)
        if key not in self._pictures:
            self._pictures[key] = self._load(item.image, side)
        return self._pictures[key]

    def _load(self, image: str, side: int) -> pygame.Surface | None:
        path = Path(image)
        if not path.is_absolute() and self.image_dir is not None:
            path = self.image_dir / path
        if not path.is_file():
            return None
        try:
            surf = pygame.image.load(str(path))
        except (pygame.error, OSError) as exc:
            log.warning("product picture %s cannot be read: %s", path, exc)
            return None
        w, h = surf.get_size()
        f = side / max(w, h, 1)
        return pygame.transform.smoothscale(surf.convert_alpha() if pygame.display.get_init()
                                            and pygame.display.get_surface() is not None else surf,
                                            (max(1, round(w * f)), max(1, round(h * f))))


# -------------------------------------------------------------------------------------------------- helpers

def category_label(category: str, lang: str) -> str:
    """A category in the shopper's language (the catalog's own word when the locales do not know it)."""
    key = "lookup.cat." + re.sub(r"[^a-z0-9]+", "_", fold_text(category)).strip("_")
    return tr(lang, key) if has(lang, key) else category


def price_label(item: Item, lang: str) -> str:
    return tr(lang, "lookup.per_kg", price=money(item.price_cents, lang)) if item.weighed \
        else money(item.price_cents, lang)


def initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-,]+", name) if w and w[0].isalnum()]
    if not words:
        return "?"
    return (words[0][0] + (words[1][0] if len(words) > 1 else "")).upper()


def _picture(c: Canvas, source: LookupCatalog | None, item: Item, rect: pygame.Rect) -> None:
    """The article's picture centred in ``rect``, else a coloured square with its initials."""
    side = min(rect.width, rect.height)
    if side <= 0:
        return
    sq = pygame.Rect(0, 0, side, side)
    sq.center = rect.center
    pic = source.picture(item, side) if source is not None else None
    if pic is not None:
        r = pic.get_rect(center=sq.center)
        c.surface.blit(pic, r)
        return
    if theme.high_contrast():
        fill, ink = (0, 0, 0), theme.PRIMARY
        pygame.draw.rect(c.surface, fill, sq, border_radius=max(2, side // 8))
        pygame.draw.rect(c.surface, ink, sq, width=c.border_w, border_radius=max(2, side // 8))
    else:
        fill, ink = _TILE_COLORS[zlib.crc32(item.sku.encode()) % len(_TILE_COLORS)], (255, 255, 255)
        pygame.draw.rect(c.surface, fill, sq, border_radius=max(2, side // 8))
    letters = initials(item.display_name("de"))
    inner = sq.inflate(-side // 5, -side // 5)
    for key in ("huge_b", "title_b", "xl_b", "large_b", "body_b", "small"):
        if c.width_of(key, letters) <= inner.width and c.line_h(key) <= inner.height:
            c.text(letters, key, ink, inner, "center")
            return


def _arrow(direction: int):
    def draw(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color) -> None:
        s = min(rect.width, rect.height) * 2 // 5
        cx, cy = rect.center
        pts = [(cx - direction * s // 3, cy - s // 2), (cx + direction * s // 2, cy), (cx - direction * s // 3,
                                                                                       cy + s // 2)]
        pygame.draw.polygon(surface, color, pts)
    return draw


def _arrow_w(c: Canvas, height: int) -> int:
    """How wide the pager's arrows are in a pager ``height`` pixels tall."""
    return max(c.m.touch, height * 3 // 2)


def _pager(c: Canvas, rect: pygame.Rect, page: int, pages: int, lang: str) -> None:
    """Big arrows left and right, "page n of m" between them (nothing when everything fits on one page)."""
    if pages <= 1:
        return
    m = c.m
    aw = _arrow_w(c, rect.height)
    prev_r = pygame.Rect(rect.x, rect.y, aw, rect.height)
    next_r = pygame.Rect(rect.right - aw, rect.y, aw, rect.height)
    c.button(prev_r, None, UI, "lookup_page", str(page - 1), style="secondary" if page > 0 else "disabled",
             icon=_arrow(-1))
    c.button(next_r, None, UI, "lookup_page", str(page + 1), style="secondary" if page + 1 < pages else "disabled",
             icon=_arrow(1))
    mid = pygame.Rect(prev_r.right + m.gap, rect.y, next_r.left - prev_r.right - 2 * m.gap, rect.height)
    words = tr(lang, "lookup.page", page=page + 1, pages=pages)
    if c.width_of("body_b", words) > mid.width:     # a narrow pager: the figures alone, never shortened
        words = f"{page + 1}/{pages}"
    c.text(words, "body_b", theme.INK, mid, "center")


def _tile(c: Canvas, source: LookupCatalog | None, item: Item, rect: pygame.Rect, lang: str,
          compact: bool) -> None:
    """One article: picture, name, price. Weighed ones open the weighing card; per-piece ones are chosen at once."""
    action = "lookup_item" if item.weighed else "lookup_choose"
    name = item.display_name(lang)
    price = price_label(item, lang)
    pad = c.px(8, 4)

    def face(surface: pygame.Surface, shape: pygame.Rect, ink: theme.Color) -> None:
        inner = shape.inflate(-2 * pad, -2 * pad)
        ph = c.line_h("body")
        if compact:        # picture on the left, name and price beside it
            pic = pygame.Rect(inner.x, inner.y, inner.height, inner.height)
            _picture(c, source, item, pic)
            text = pygame.Rect(pic.right + c.m.gap, inner.y, inner.right - pic.right - c.m.gap, inner.height)
            lines = max(1, min(2, (text.height - ph) // c.line_h("body_b")))
            name_h = c.paragraph_h(name, "body_b", text.width, lines)
            y = text.y + max(0, (text.height - name_h - ph) // 2)
            y += c.paragraph(name, "body_b", ink, pygame.Rect(text.x, y, text.width, name_h), lines)
            c.text(price, "body", ink, pygame.Rect(text.x, y, text.width, ph))
            return
        name_h = 2 * c.line_h("body_b")
        pic = pygame.Rect(inner.x, inner.y, inner.width, max(0, inner.height - name_h - ph - c.px(4)))
        _picture(c, source, item, pic)
        box = pygame.Rect(inner.x, pic.bottom + c.px(4), inner.width, name_h)
        c.paragraph(name, "body_b", ink, box, 2, align="center", valign="center")
        c.text(price, "body", ink, pygame.Rect(inner.x, box.bottom, inner.width, ph), "center")

    c.button(rect, None, UI, action, item.sku, style="secondary", icon=face)


def _grid(c: Canvas, source: LookupCatalog | None, items: list[Item], area: pygame.Rect, page: int, lang: str,
          cell_w: int, cell_h: int, compact: bool) -> None:
    """The article tiles of ``page`` in ``area``, with the pager under them (or beside them when only one row fits)."""
    m = c.m
    gap = m.gap

    def fit(length: int, cell: int) -> int:
        return max(1, (length + gap) // (cell + gap))

    cols, rows = fit(area.width, cell_w), fit(area.height, cell_h)
    tiles = area
    pager = None
    if len(items) > cols * rows:
        pager_h = max(m.touch, min(m.button_h, cell_h))
        if rows >= 2 or area.height - pager_h - gap >= m.touch:
            tiles = pygame.Rect(area.x, area.y, area.width, area.height - pager_h - gap)
            pager = pygame.Rect(area.x, area.bottom - pager_h, area.width, pager_h)
            rows = fit(tiles.height, cell_h) if tiles.height >= cell_h else 1
        else:       # one row: the pager goes at its right, the figures alone between its arrows
            pager_h = min(area.height, m.button_h)
            pager_w = 2 * _arrow_w(c, pager_h) + 2 * gap + c.width_of("body_b", "00/00")
            tiles = pygame.Rect(area.x, area.y, area.width - pager_w - gap, area.height)
            pager = pygame.Rect(tiles.right + gap, area.y, pager_w, pager_h)
            cols = fit(tiles.width, cell_w)
    per = cols * rows
    pages = max(1, -(-len(items) // per))
    page = max(0, min(page, pages - 1))
    h = min(cell_h * 3 // 2, (tiles.height - (rows - 1) * gap) // rows)
    shown = items[page * per:(page + 1) * per]
    row_rects = [pygame.Rect(tiles.x, tiles.y + i * (h + gap), tiles.width, h) for i in range(rows)]
    cells = [cell for row in row_rects for cell in split_h(row, cols, gap)]
    for item, cell in zip(shown, cells):
        _tile(c, source, item, cell, lang, compact)
    if pager is not None:
        _pager(c, pager, page, pages, lang)


# ---------------------------------------------------------------------------------------------------- views

def draw(c: Canvas, state: LaneState, local: UiLocal, lang: str) -> pygame.Rect:
    """The look-up over the screen below the brand bar (the compact search: over the whole screen); returns its
    panel."""
    m = c.m
    source = local.lookup_source
    item = source.get(local.lookup_item) if source is not None and local.lookup_item else None
    compact = item is None and local.lookup_query is not None and _compact(c, lang)
    top = 0 if compact else m.header_h
    body = pygame.Rect(0, top, m.w, m.h - top)
    c.cover(body)
    panel = body.inflate(-2 * m.pad, -2 * m.pad)
    c.card(panel, border=theme.CARD_BORDER or theme.SECONDARY_BORDER)
    inner = _inner(c, panel)
    if item is not None:
        _weighing(c, local, item, lang, inner, source)
    elif compact:
        _compact_search(c, local, lang, inner, source)
    elif local.lookup_query is not None:
        _search(c, local, lang, inner, source)
    else:
        _browse(c, local, lang, inner, source)
    return panel


def _inner(c: Canvas, panel: pygame.Rect) -> pygame.Rect:
    return panel.inflate(-2 * c.px(16, 6), -2 * c.px(16, 6))


def _compact(c: Canvas, lang: str) -> bool:
    """Whether the search keyboard of ``lang`` is too big for the panel under the brand bar: its longest row of keys a
    touch target wide, or the six rows (field, results, four of keys) a touch target tall."""
    m = c.m
    inner = _inner(c, pygame.Rect(0, m.header_h, m.w, m.h - m.header_h).inflate(-2 * m.pad, -2 * m.pad))
    cols = max(len(r) for r in KEYBOARDS.get(lang, KEYBOARDS["en"]))
    return cols * m.touch + (cols - 1) * m.gap > inner.width or 6 * m.touch + 5 * m.gap > inner.height


def _top_row(c: Canvas, rect: pygame.Rect, lang: str,
             extras: tuple[tuple[str, str, str, str], ...] = ()) -> pygame.Rect:
    """Close at the right of ``rect`` and the ``extras`` (label, action, arg, style) leftwards of it; returns the room
    left of them, for a title or the search field."""
    m = c.m
    close_label = tr(lang, "lookup.close")
    cw = c.button_width(close_label, icon=True, height=rect.height)
    close = pygame.Rect(rect.right - cw, rect.y, cw, rect.height)
    c.button(close, close_label, UI, "lookup_open", "0", style="selected", icon=icons.cross)
    right = close.left - m.gap
    for label, action, arg, style in extras:
        ew = c.button_width(label, height=rect.height)
        c.button(pygame.Rect(right - ew, rect.y, ew, rect.height), label, UI, action, arg, style=style)
        right -= ew + m.gap
    return pygame.Rect(rect.x, rect.y, max(0, right - rect.x), rect.height)


def _title(c: Canvas, box: pygame.Rect, title: str) -> None:
    c.text(title, c.best_font(title, box.width, ("xl_b", "large_b", "body_b")), theme.INK, box)


def _browse(c: Canvas, local: UiLocal, lang: str, inner: pygame.Rect, source: LookupCatalog | None) -> None:
    m = c.m
    bh = m.button_h
    top = pygame.Rect(inner.x, inner.y, inner.width, bh)
    _title(c, _top_row(c, top, lang, ((tr(lang, "lookup.search"), "lookup_search", "1", "secondary"),)),
           tr(lang, "lookup.title"))
    body = pygame.Rect(inner.x, top.bottom + m.gap, inner.width, inner.bottom - top.bottom - m.gap)
    categories = source.categories() if source is not None else []
    if not categories:
        c.paragraph(tr(lang, "lookup.nothing"), "large", theme.MUTED, body, 3, align="center", valign="center")
        return
    current = local.lookup_category if local.lookup_category in categories else categories[0]
    labels = [category_label(cat, lang) for cat in categories]
    cat_w = min(body.width * 3 // 10, max(c.button_width(label) for label in labels))
    cat_h = max(m.touch, min(bh, (body.height - (len(categories) - 1) * m.gap) // len(categories)))
    y = body.y
    for cat, label in zip(categories, labels):
        c.button(pygame.Rect(body.x, y, cat_w, cat_h), label, UI, "lookup_category", cat,
                 style="selected" if cat == current else "secondary")
        y += cat_h + m.gap
    area = pygame.Rect(body.x + cat_w + m.gap, body.y, body.right - body.x - cat_w - m.gap, body.height)
    items = source.items(current, lang) if source is not None else []
    cell_w = max(c.px(190), c.width_of("body_b", "Wassermelone") + c.px(24))
    cell_h = max(c.px(200), m.touch + 3 * c.line_h("body_b") + c.px(16))
    _grid(c, source, items, area, local.lookup_page, lang, cell_w, cell_h, compact=False)


def _field(c: Canvas, box: pygame.Rect, query: str, lang: str) -> None:
    """The search field: what was typed (or the hint), in a card with a border."""
    c.card(box, border=theme.INK, shadow=False)
    text = box.inflate(-2 * c.px(14, 6), 0)
    if query:
        c.text(query + "_", c.best_font(query + "_", text.width, ("xl_b", "large_b", "body_b")), theme.INK, text)
    else:
        c.text(tr(lang, "lookup.search_hint"), "body", theme.MUTED, text)


def _back_to_categories(lang: str) -> tuple[str, str, str, str]:
    return tr(lang, "lookup.categories"), "lookup_search", "0", "secondary"


def _search(c: Canvas, local: UiLocal, lang: str, inner: pygame.Rect, source: LookupCatalog | None) -> None:
    m = c.m
    # Six rows at least: the field, one row of results, four of keys; as tall as the shopper's buttons where they fit.
    bh = max(m.touch, min(m.button_h, (inner.height - 5 * m.gap) // 6))
    query = local.lookup_query or ""
    top = pygame.Rect(inner.x, inner.y, inner.width, bh)
    _field(c, _top_row(c, top, lang, (_back_to_categories(lang),)), query, lang)
    # The keyboard at the bottom, where the hands are; results between the field and the keyboard.
    rows = KEYBOARDS.get(lang, KEYBOARDS["en"])
    cols = max(len(r) for r in rows)
    avail = inner.bottom - top.bottom - 2 * m.gap
    kh = max(m.touch, min(bh, (avail - m.touch - 4 * m.gap) // 4))
    kb = pygame.Rect(inner.x, inner.bottom - 4 * kh - 3 * m.gap, inner.width, 4 * kh + 3 * m.gap)
    unit = (kb.width - (cols - 1) * m.gap) / cols
    for r, letters in enumerate(rows):
        y = kb.y + r * (kh + m.gap)
        offset = (cols - len(letters) - (3 if r == 2 else 0)) * (unit + m.gap) / 2
        for i, ch in enumerate(letters):
            x = round(kb.x + offset + i * (unit + m.gap))
            _letter(c, pygame.Rect(x, y, round(unit), kh), ch)
        if r == 2:
            x = round(kb.x + offset + len(letters) * (unit + m.gap))
            c.button(pygame.Rect(x, y, kb.right - x, kh), tr(lang, "lookup.backspace"), UI, "lookup_backspace",
                     style="secondary" if query else "disabled")
    y = kb.y + 3 * (kh + m.gap)
    space_w = round(7 * unit + 6 * m.gap)
    c.button(pygame.Rect(kb.x, y, space_w, kh), tr(lang, "lookup.space"), UI, "lookup_key", " ")
    c.button(pygame.Rect(kb.x + space_w + m.gap, y, kb.right - kb.x - space_w - m.gap, kh),
             tr(lang, "lookup.clear"), UI, "lookup_clear", style="secondary" if query else "disabled")
    results = pygame.Rect(inner.x, top.bottom + m.gap, inner.width, kb.top - m.gap - top.bottom - m.gap)
    _results(c, local, lang, results, source, bh + c.px(20))


def _results(c: Canvas, local: UiLocal, lang: str, area: pygame.Rect, source: LookupCatalog | None,
             tile_h: int) -> None:
    """What the search text finds, as tiles about ``tile_h`` tall (picture beside the name), paged; or that nothing
    was found."""
    query = (local.lookup_query or "").strip()
    if not query:
        return
    items = source.search(query, lang) if source is not None else []
    if not items:
        c.paragraph(tr(lang, "lookup.no_results", query=query), "large", theme.MUTED, area, 2, align="center",
                    valign="center")
        return
    cell_h = max(c.m.touch, min(area.height, tile_h))
    cell_w = max(c.px(300), cell_h + c.width_of("body_b", "Wassermelone") + c.px(40))
    _grid(c, source, items, area, local.lookup_page, lang, cell_w, cell_h, compact=True)


def _letter(c: Canvas, rect: pygame.Rect, ch: str) -> None:
    c.button(rect, ch, UI, "lookup_key", ch.lower() if ch != "ß" else ch, font="large_b")


def _compact_search(c: Canvas, local: UiLocal, lang: str, inner: pygame.Rect, source: LookupCatalog | None) -> None:
    """The search on a small panel (see the module's doc): the field, a row of results, the letters A to Z."""
    m = c.m
    query = local.lookup_query or ""
    # As many keys a finger wide to a row as fit, the gap narrowed (to no less than a hair) to fit one more.
    least_gap = c.px(6, 4)
    per_row = max(1, (inner.width + least_gap) // (m.touch + least_gap))
    gap = min(m.gap, (inner.width - per_row * m.touch) // max(1, per_row - 1))
    key_rows = -(-(len(COMPACT_KEYS) + 1) // per_row)       # the letters and the backspace
    kh = max(m.touch, min(m.button_h, (inner.height - (key_rows + 1) * gap) // (key_rows + 2)))
    top = pygame.Rect(inner.x, inner.y, inner.width, kh)
    _field(c, _top_row(c, top, lang, (_back_to_categories(lang),)), query, lang)
    kb_h = key_rows * kh + (key_rows - 1) * gap
    cells = [cell for r in range(key_rows)
             for cell in split_h(pygame.Rect(inner.x, inner.bottom - kb_h + r * (kh + gap), inner.width, kh),
                                 per_row, gap)]
    for ch, cell in zip(COMPACT_KEYS, cells):
        _letter(c, cell, ch)
    c.button(cells[len(COMPACT_KEYS)], None, UI, "lookup_backspace", style="secondary" if query else "disabled",
             icon=icons.backspace)
    results = pygame.Rect(inner.x, top.bottom + gap, inner.width, inner.bottom - kb_h - gap - top.bottom - gap)
    _results(c, local, lang, results, source, kh)


def weighed_price(item: Item, grams: int) -> int:
    return scale_price(item.price_cents, grams) if grams > 0 else 0


def _weighing(c: Canvas, local: UiLocal, item: Item, lang: str, inner: pygame.Rect,
              source: LookupCatalog | None) -> None:
    """The weighed article: put it on the produce scale, the weight and price as they are now, Confirm."""
    m = c.m
    bh = m.button_h
    top = pygame.Rect(inner.x, inner.y, inner.width, bh)
    _title(c, _top_row(c, top, lang), item.display_name(lang))
    buttons = pygame.Rect(inner.x, inner.bottom - bh, inner.width, bh)
    body = pygame.Rect(inner.x, top.bottom + m.gap, inner.width, buttons.top - top.bottom - 2 * m.gap)
    pic = pygame.Rect(body.x, body.y, min(body.width // 3, body.height), min(body.width // 3, body.height))
    _picture(c, source, item, pic)
    x = pic.right + 2 * m.gap
    text = pygame.Rect(x, body.y, body.right - x, body.height)
    y = text.y
    lh = c.line_h("large")
    c.text(price_label(item, lang), "large", theme.INK, pygame.Rect(text.x, y, text.width, lh))
    y += lh + m.gap
    produce = local.produce
    back_label = tr(lang, "lookup.back")
    bw = c.button_width(back_label, height=bh)
    c.button(pygame.Rect(buttons.x, buttons.y, bw, bh), back_label, UI, "lookup_back")
    if produce is None:
        strip_h = min(text.bottom - y, max(m.strip_h, 2 * c.line_h("body_b") + c.px(12)))
        chrome.strip(c, pygame.Rect(text.x, y, text.width, strip_h), tr(lang, "lookup.no_scale"), theme.ERROR,
                     icons.warning)
        return
    grams, stable = produce
    hint_h = c.paragraph_h(tr(lang, "lookup.place"), "large_b", text.width, 2)
    y += c.paragraph(tr(lang, "lookup.place"), "large_b", theme.INK, pygame.Rect(text.x, y, text.width, hint_h), 2)
    y += m.gap
    weight = tr(lang, "lookup.weight", weight=kilograms(grams, lang))
    amount = money(weighed_price(item, grams), lang)
    row_h = max(c.line_h("xl_b"), 1)
    if y + row_h <= text.bottom:
        half = pygame.Rect(text.x, y, text.width // 2, row_h)
        font = c.best_font(weight, half.width, ("xl_b", "large_b", "body_b"))
        c.text(weight, font, theme.INK, half)
        right = pygame.Rect(half.right, y, text.right - half.right, row_h)
        c.text(amount, c.best_font(amount, right.width, ("xl_b", "large_b", "body_b")), theme.INK, right, "right")
        y += row_h + m.gap
    state_key = "lookup.put_on" if grams <= 0 else ("lookup.steady" if stable else "lookup.settling")
    if y + c.line_h("body") <= text.bottom:
        c.text(tr(lang, state_key), "body", theme.MUTED, pygame.Rect(text.x, y, text.width, c.line_h("body")))
    ready = stable and grams > 0
    confirm_label = tr(lang, "lookup.confirm")
    cw = min(buttons.width - bw - m.gap, max(c.button_width(confirm_label, "large_b"), buttons.width // 2))
    c.button(pygame.Rect(buttons.right - cw, buttons.y, cw, bh), confirm_label, UI, "lookup_confirm", item.sku,
             style="primary" if ready else "disabled", font="large_b")
