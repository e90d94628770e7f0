"""The parts every shopper screen shares: the brand bar on top and the message strips below it.

The brand bar carries the language switch and, in its corner, the attendant's key. It stays touchable while an
intervention covers the rest of the screen: a shopper may need another language to read the instruction, and an
attendant must be able to sign in to resolve it.
"""

from __future__ import annotations

import pygame

from kiosk.lane.state import LaneState
from kiosk.ui import icons, theme
from kiosk.ui.i18n import LANGUAGES, tr
from kiosk.ui.model import TOUCH, UI
from kiosk.ui.widgets import Canvas


def header(c: Canvas, state: LaneState, lang: str, languages: bool) -> pygame.Rect:
    m = c.m
    bar = pygame.Rect(0, 0, m.w, m.header_h)
    pygame.draw.rect(c.surface, theme.HEADER, bar)
    # The attendant's key: small and quiet, in the corner; amber while an attendant is signed in.
    key_cell = pygame.Rect(m.w - m.header_h, 0, m.header_h, m.header_h)
    signed_in = state.attendant is not None
    face = key_cell.inflate(-2 * c.px(14, 10), -2 * c.px(14, 10))
    c.button(key_cell, None, UI, "attendant", style="staff" if signed_in else "header", face=face,
             icon=lambda s, r, col: icons.key(s, r, col if signed_in else theme.HEADER_MUTED))
    right = key_cell.left - m.gap
    if languages:
        cell_w = c.px(84, 64)
        for code in reversed(LANGUAGES):
            cell = pygame.Rect(right - cell_w, 0, cell_w, m.header_h)
            pill = cell.inflate(-c.px(8, 4), -2 * c.px(16, 10))
            c.button(cell, tr(code, "language_code"), TOUCH, "lang", code,
                     style="selected" if code == lang else "header", font="body_b", face=pill)
            if code == lang:
                pygame.draw.rect(c.surface, theme.HEADER_INK, pill, width=c.px(2), border_radius=pill.height // 2)
            right = cell.left
        right -= m.gap
    # Brand mark and name on the left, the lane number after it.
    mark = pygame.Rect(m.pad, 0, c.px(44, 30), c.px(44, 30))
    mark.centery = bar.centery
    pygame.draw.rect(c.surface, theme.PRIMARY, mark, border_radius=mark.height // 4)
    icons.check(c.surface, mark.inflate(-mark.width // 5, -mark.height // 5), theme.PRIMARY, theme.HEADER_INK)
    x = mark.right + m.gap
    brand = tr(lang, "brand")
    box = pygame.Rect(x, 0, max(0, right - x), m.header_h)
    r = c.text(brand, "large_b", theme.HEADER_INK, box)
    if state.lane_id:
        lane_box = pygame.Rect(r.right + 2 * m.gap, 0, max(0, right - r.right - 2 * m.gap), m.header_h)
        if lane_box.width > c.px(60):
            c.text(tr(lang, "lane", lane=state.lane_id), "body", theme.HEADER_MUTED, lane_box)
    return bar


def strip(c: Canvas, rect: pygame.Rect, text: str, tone: tuple, icon=None) -> None:
    """A message strip: tinted card, coloured bar on the left, an icon, one line of bold text."""
    bg, bar_color, ink = tone
    c.card(rect, bg, shadow=False)
    bar = pygame.Rect(rect.x, rect.y, c.px(8, 5), rect.height)
    pygame.draw.rect(c.surface, bar_color, bar, border_top_left_radius=c.m.radius,
                     border_bottom_left_radius=c.m.radius)
    x = bar.right + c.m.gap
    if icon is not None:
        ico = pygame.Rect(x, rect.y, rect.height, rect.height).inflate(-c.px(18, 10), -c.px(18, 10))
        icon(c.surface, ico, bar_color)
        x = ico.right + c.m.gap
    box = pygame.Rect(x, rect.y, rect.right - x - c.m.gap, rect.height)
    font = "large_b" if c.width_of("large_b", text) <= box.width else "body_b"
    c.text(text, font, ink, box)


def light_strip(c: Canvas, rect: pygame.Rect, light: str) -> None:
    pygame.draw.rect(c.surface, theme.LIGHT.get(light, theme.LIGHT["red"]), rect)
