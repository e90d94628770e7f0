"""The welcome screen: a greeting, Start, "I have my own bag", and the three languages, each in its own language.

Scanning an item starts a transaction too (the reducer does that), so the subtitle says so; the buttons are for
shoppers who want to choose a language or announce their own bag first. The accessibility button sits at the bottom
left, beside the languages, where a seated shopper reaches it; choices made here last for the whole visit.
"""

from __future__ import annotations

import pygame

from kiosk.lane.state import LaneState
from kiosk.ui import chrome, icons, theme
from kiosk.ui.i18n import LANGUAGES, tr
from kiosk.ui.model import TOUCH, UiLocal
from kiosk.ui.widgets import Canvas, split_by_need, split_h


def draw(c: Canvas, state: LaneState, local: UiLocal, lang: str, now: float) -> pygame.Rect:
    m = c.m
    body = pygame.Rect(m.pad, c.top + m.pad, m.w - 2 * m.pad, m.h - c.top - 2 * m.pad)
    # The bottom row: the accessibility button on the left, the languages beside it (centred while there is room).
    access_w = min(chrome.access_button_width(c, lang, labelled=True), body.width // 3)
    access = pygame.Rect(body.x, body.bottom - m.button_h, access_w, m.button_h)
    chrome.access_button(c, access, lang, local.access_open)
    names = [tr(code, "language_name") for code in LANGUAGES]
    lang_w = min(body.width, max(c.px(960), len(names) * max(c.button_width(n) for n in names)))
    free = pygame.Rect(access.right + 2 * m.gap, access.y, body.right - access.right - 2 * m.gap, m.button_h)
    lang_row = pygame.Rect(0, access.y, min(lang_w, free.width), m.button_h)
    lang_row.centerx = body.centerx
    if lang_row.left < free.left:
        lang_row.centerx = free.centerx
    choose_h = c.line_h("small")
    choose = pygame.Rect(lang_row.x, lang_row.y - m.gap - choose_h, lang_row.width, choose_h)
    c.text(tr(lang, "welcome.choose_language"), "small", theme.MUTED, choose, "center")
    for code, cell in zip(LANGUAGES, split_h(lang_row, len(LANGUAGES), m.gap)):
        c.button(cell, tr(code, "language_name"), TOUCH, "lang", code,
                 style="selected" if code == lang else "secondary")

    content = pygame.Rect(body.x, body.y, body.width, choose.top - 2 * m.gap - body.y)
    col_w = min(content.width, c.px(760))
    title = tr(lang, "welcome.title")
    title_font = c.best_font(title, col_w, ("title_b", "xl_b", "large_b"))
    subtitle = tr(lang, "welcome.subtitle")
    icon_h = c.px(96, 48)
    start_h = max(m.button_h, c.px(110))
    sub_h = c.paragraph_h(subtitle, "large", col_w, 2)
    stack = [icon_h, c.line_h(title_font), sub_h, start_h, m.button_h]
    gaps = [m.gap, m.gap, 2 * m.gap, m.gap]
    if sum(stack) + sum(gaps) > content.height:      # a short screen: the picture goes first ...
        stack[0], gaps[0] = 0, 0
    beside = sum(stack) + sum(gaps) > content.height
    if beside:                                       # ... then "own bag" goes beside Start, as tall as it ...
        stack[4], gaps[3] = 0, 0
    if sum(stack) + sum(gaps) > content.height:      # ... then the subtitle, which Start says in one word
        stack[2], gaps[2] = 0, gaps[1]
    y = content.y + max(0, (content.height - sum(stack) - sum(gaps)) // 2)
    x = content.centerx - col_w // 2
    if stack[0]:
        icons.barcode_badge(c.surface, pygame.Rect(x, y, col_w, icon_h), theme.PRIMARY, theme.PRIMARY_INK)
    y += stack[0] + gaps[0]
    c.text(title, title_font, theme.INK, pygame.Rect(x, y, col_w, stack[1]), "center")
    y += stack[1] + gaps[1]
    if stack[2]:
        c.paragraph(subtitle, "large", theme.MUTED, pygame.Rect(x, y, col_w, stack[2]), 2, align="center")
    message_area = pygame.Rect(content.x, content.y, content.width, y + stack[2] - content.y)
    y += stack[2] + gaps[2]
    own_bag = tr(lang, "welcome.own_bag")
    if beside:
        row = pygame.Rect(content.x, y, content.width, start_h)
        start, bag = split_by_need(row, [c.button_width(tr(lang, "welcome.start"), "xl_b", height=start_h),
                                         c.button_width(own_bag, height=start_h)], m.gap)
    else:
        btn_w = min(col_w, c.px(560))
        start = pygame.Rect(content.centerx - btn_w // 2, y, btn_w, start_h)
        bag = pygame.Rect(start.x, start.bottom + gaps[3], btn_w, m.button_h)
    c.button(start, tr(lang, "welcome.start"), TOUCH, "start", style="primary", font="xl_b")
    c.button(bag, own_bag, TOUCH, "own_bag")
    return message_area
