"""The out-of-service screen: "this checkout is closed", in the lane's language first and then in the others.

Nobody can choose a language on a closed lane, so the sign speaks all of them at once, like a printed sign would.
"""

from __future__ import annotations

import pygame

from kiosk.lane.state import LaneState
from kiosk.ui import chrome, icons, theme
from kiosk.ui.i18n import LANGUAGES, tr
from kiosk.ui.model import UiLocal
from kiosk.ui.widgets import Canvas


def draw(c: Canvas, state: LaneState, local: UiLocal, lang: str, now: float) -> pygame.Rect:
    m = c.m
    chrome.light_strip(c, pygame.Rect(0, m.header_h, m.w, c.px(8, 5)), state.light)
    top = max(c.top, m.header_h + c.px(8, 5))
    body = pygame.Rect(m.pad, top + m.pad, m.w - 2 * m.pad, m.h - top - 2 * m.pad)
    col_w = min(body.width, c.px(900))
    x = body.centerx - col_w // 2
    others = [code for code in LANGUAGES if code != lang]
    title = tr(lang, "closed.title")
    title_font = c.best_font(title, col_w, ("xl_b", "large_b"))
    icon_h = c.px(120, 60)
    other_h = sum(c.line_h("body_b") + c.line_h("body") for _ in others) + m.gap * len(others)
    text_h = c.line_h(title_font) + m.gap + c.line_h("large") + 3 * m.gap + other_h
    if icon_h + 2 * m.gap + text_h > body.height:     # a short screen: the sign goes first
        icon_h = 0
    total = (icon_h + 2 * m.gap if icon_h else 0) + text_h
    y = body.y + max(0, (body.height - total) // 2)
    if icon_h:
        icons.no_entry(c.surface, pygame.Rect(x, y, col_w, icon_h), theme.LIGHT["red"])
        y += icon_h + 2 * m.gap
    c.text(title, title_font, theme.INK, pygame.Rect(x, y, col_w, c.line_h(title_font)), "center")
    y += c.line_h(title_font) + m.gap
    c.text(tr(lang, "closed.text"), "large", theme.MUTED, pygame.Rect(x, y, col_w, c.line_h("large")), "center")
    y += c.line_h("large") + 2 * m.gap
    pygame.draw.line(c.surface, theme.LINE, (x + col_w // 4, y), (x + col_w * 3 // 4, y), 1)
    y += m.gap
    for code in others:
        c.text(tr(code, "closed.title"), "body_b", theme.MUTED, pygame.Rect(x, y, col_w, c.line_h("body_b")),
               "center")
        y += c.line_h("body_b")
        c.text(tr(code, "closed.text"), "body", theme.MUTED, pygame.Rect(x, y, col_w, c.line_h("body")), "center")
        y += c.line_h("body") + m.gap
    return pygame.Rect(body.x, body.bottom - c.px(200, 120), body.width, c.px(200, 120))
