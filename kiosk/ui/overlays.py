"""What goes over a screen: open interventions and the "are you still there?" prompt.

A blocking intervention (the bagging area, a cancel request, a payout) covers the screen below the brand bar with a
panel: the lane light as a strip on top, what happened, and what the shopper should do to correct it (a nudge) or
that help is on the way (alerted). A non-blocking one (age check, unknown item, a bag not placed yet) is a card over
the basket, so the shopper can keep scanning. The brand bar stays usable either way (language, attendant key).

The bagging-area rules say exactly what they want corrected (``Intervention.prompt``: scan_or_remove, own_bag,
put_back, ...); the shopper then reads that instruction, with the item's name where the lane knows it, instead of the
kind's general text. An ``own_bag`` prompt offers the same "own bag" touch the welcome screen has.
"""

from __future__ import annotations

import pygame

from kiosk.lane.state import Intervention, LaneState
from kiosk.ui import icons, theme
from kiosk.ui.i18n import tr
from kiosk.ui.model import TOUCH
from kiosk.ui.widgets import Canvas, split_h
from kiosk.ui.wording import (OWN_BAG, intervention_item, shopper_text, shopper_title, shown_interventions,
                              status_text)

# ------------------------------------------------------------------------------------------------------ wording
# The shopper's words for an intervention live in kiosk/ui/wording.py (speech reads the same ones).

def _shopper_buttons(iv: Intervention, lang: str) -> list[tuple[str, str, str]]:
    """(label, touch action, style) of the panel's buttons: "own bag" when that is the prompt, help until alerted."""
    out = []
    if iv.prompt == OWN_BAG:
        out.append((tr(lang, f"iv.prompt.{OWN_BAG}.button"), "own_bag", "primary"))
    if iv.status != "alerted":
        out.append((tr(lang, "action.call_help"), "help", "secondary"))
    return out


# ------------------------------------------------------------------------------------------------------ drawing


def _body(c: Canvas) -> pygame.Rect:
    return pygame.Rect(0, c.m.header_h, c.m.w, c.m.h - c.m.header_h)


def _icon(iv: Intervention):
    return icons.person if iv.status == "alerted" else icons.warning


def _icon_color(iv: Intervention) -> theme.Color:
    return theme.INFO[1] if iv.status == "alerted" else theme.WARN[1]


def modal_panel(c: Canvas, state: LaneState, iv: Intervention, lang: str, more: int) -> None:
    m = c.m
    body = _body(c)
    c.cover(body)
    pw = min(body.width - 2 * m.pad, max(c.px(780), body.width * 3 // 5))
    ip = c.px(32, 16)
    iw = pw - 2 * ip
    strip_h = c.px(14, 8)
    title = shopper_title(iv, lang)
    text = shopper_text(iv, lang, intervention_item(state, iv, lang))
    alerted = iv.status == "alerted"
    buttons = _shopper_buttons(iv, lang)
    budget = body.height - 2 * m.pad
    title_h = c.paragraph_h(title, "xl_b", iw, 2)
    text_h = c.paragraph_h(text, "large", iw, 4)
    status_h = c.line_h("large_b") + 2 * m.gap if alerted else 0
    button_h = m.button_h if buttons else 0
    more_h = c.line_h("small") if more else 0
    icon_h = c.px(80, 44)
    fixed = strip_h + 2 * ip + title_h + text_h + status_h + button_h + more_h
    gaps = m.gap * (2 + bool(status_h) + bool(button_h) + bool(more_h))
    if fixed + gaps + icon_h > budget:
        icon_h = max(0, budget - fixed - gaps - m.gap)
        if icon_h < c.px(36):
            icon_h = 0
    ph = min(budget, fixed + gaps + icon_h + (m.gap if icon_h else 0))
    panel = pygame.Rect(0, 0, pw, ph)
    panel.center = body.center
    c.card(panel, radius=m.radius)
    pygame.draw.rect(c.surface, theme.LIGHT.get(state.light, theme.LIGHT["red"]),
                     pygame.Rect(panel.x, panel.y, panel.width, strip_h),
                     border_top_left_radius=m.radius, border_top_right_radius=m.radius)
    x, y = panel.x + ip, panel.y + strip_h + ip
    if icon_h:
        _icon(iv)(c.surface, pygame.Rect(x, y, iw, icon_h), _icon_color(iv), theme.ICON_INK)
        y += icon_h + m.gap
    y += c.paragraph(title, "xl_b", theme.INK, pygame.Rect(x, y, iw, title_h), 2, align="center") + m.gap
    y += c.paragraph(text, "large", theme.INK, pygame.Rect(x, y, iw, text_h), 4, align="center") + m.gap
    if alerted:
        pill_text = status_text(iv, lang)
        pw_ = min(iw, c.width_of("large_b", pill_text) + 4 * m.gap)
        pill = pygame.Rect(0, y, pw_, status_h)
        pill.centerx = panel.centerx
        pygame.draw.rect(c.surface, theme.INFO[0], pill, border_radius=pill.height // 2)
        c.text(pill_text, "large_b", theme.INFO[1], pill.inflate(-2 * m.gap, 0), "center")
        y += status_h + m.gap
    if buttons:
        bw = min(iw, c.px(480) * len(buttons) + m.gap * (len(buttons) - 1))
        row = pygame.Rect(panel.centerx - bw // 2, y, bw, m.button_h)
        for (label, action, style), cell in zip(buttons, split_h(row, len(buttons), m.gap)):
            c.button(cell, label, TOUCH, action, style=style)
        y += m.button_h + m.gap
    if more:
        c.text(tr(lang, "iv.more", count=more), "small", theme.MUTED, pygame.Rect(x, y, iw, more_h), "center")


def _card_parts(c: Canvas, state: LaneState, iv: Intervention, lang: str, width: int,
                more: int) -> tuple[int, int, dict]:
    """(height, text width, part heights) of the card of a non-blocking intervention ``width`` pixels wide."""
    m = c.m
    bar_w, ip, icon_s = c.px(10, 6), m.gap + c.px(4), c.px(56, 36)
    tw = width - bar_w - icon_s - 3 * ip
    parts = {
        "title": c.line_h("large_b"),
        "text": c.paragraph_h(shopper_text(iv, lang, intervention_item(state, iv, lang)), "body", tw, 2),
        "status": c.line_h("body_b") if iv.status == "alerted" else 0,
        "more": c.line_h("small") if more else 0,
    }
    return 2 * ip + sum(parts.values()), tw, parts


def card_height(c: Canvas, state: LaneState, lang: str, width: int) -> int:
    """How much room the card of a non-blocking intervention needs (0: none is shown), so views can keep it free."""
    _, card, more = shown_interventions(state)
    if card is None:
        return 0
    return _card_parts(c, state, card, lang, width, more)[0]


def card_panel(c: Canvas, state: LaneState, iv: Intervention, lang: str, area: pygame.Rect, more: int) -> None:
    """A non-blocking intervention: a card at the bottom of ``area`` (the room the view kept free under the basket)."""
    m = c.m
    bar_w, ip, icon_s = c.px(10, 6), m.gap + c.px(4), c.px(56, 36)
    full_h, tw, parts = _card_parts(c, state, iv, lang, area.width, more)
    h = min(area.height, full_h)
    rect = pygame.Rect(area.x, area.bottom - h, area.width, h)
    c.cover(rect, dim=False)
    c.card(rect, border=theme.SECONDARY_BORDER)
    pygame.draw.rect(c.surface, theme.LIGHT.get(state.light, theme.LIGHT["red"]),
                     pygame.Rect(rect.x, rect.y, bar_w, rect.height),
                     border_top_left_radius=m.radius, border_bottom_left_radius=m.radius)
    _icon(iv)(c.surface, pygame.Rect(rect.x + bar_w + ip, rect.y + ip, icon_s, icon_s), _icon_color(iv),
              theme.ICON_INK)
    x = rect.x + bar_w + icon_s + 2 * ip
    y = rect.y + ip
    c.text(shopper_title(iv, lang), "large_b", theme.INK, pygame.Rect(x, y, tw, parts["title"]))
    y += parts["title"]
    y += c.paragraph(shopper_text(iv, lang, intervention_item(state, iv, lang)), "body", theme.INK,
                     pygame.Rect(x, y, tw, max(0, min(parts["text"], rect.bottom - y))), 2)
    if parts["status"] and rect.bottom - y >= parts["status"]:
        c.text(status_text(iv, lang), "body_b", theme.INFO[1], pygame.Rect(x, y, tw, parts["status"]))
        y += parts["status"]
    if parts["more"] and rect.bottom - y >= parts["more"]:
        c.text(tr(lang, "iv.more", count=more), "small", theme.MUTED, pygame.Rect(x, y, tw, parts["more"]))


def draw(c: Canvas, state: LaneState, lang: str, message_area: pygame.Rect) -> None:
    blocking, card, more = shown_interventions(state)
    if blocking is not None:
        modal_panel(c, state, blocking, lang, more)
    elif card is not None:
        card_panel(c, state, card, lang, message_area, more)
