"""What every shopper screen shares: the brand bar, message strips, the accessibility controls, the idle prompt.

The brand bar carries the language switch and, in its corner, the attendant's key. It stays touchable while an
intervention covers the rest of the screen: a shopper may need another language to read the instruction, and an
attendant must be able to sign in to resolve it.

The accessibility button sits at the bottom left of every screen of a visit (welcome, scanning, payment, the receipt
choice and the thank-you), where a shopper in a wheelchair reaches it (EN 301 549: controls within reach from a seated
position). It opens a panel (``UiLocal.access_open``) with four switches, high contrast, large text, read aloud and
more time; each is a ``Touched("access", option)`` for the reducer and shows its state from ``LaneState.access`` in
words and with a tick, never by colour alone.

The "are you still there?" prompt says how many seconds are left before an attendant is called and offers more
time, so a time limit is announced and can be extended before it runs out.
"""

from __future__ import annotations

import math
from typing import Callable

import pygame

from kiosk.lane.state import ACCESS_OPTIONS, MORE_TIME, LaneState
from kiosk.ui import icons, theme
from kiosk.ui.i18n import LANGUAGES, tr
from kiosk.ui.model import TOUCH, UI
from kiosk.ui.widgets import Canvas, split_by_need, split_h

Icon = Callable[[pygame.Surface, pygame.Rect, theme.Color], None]

#: Panels over the screen grow by this much with large text, so that their words keep their lines.
LARGE_PANEL = 1.3

#: The ``ui`` button that opens (arg "1") or closes (arg "0") the accessibility panel: ``UiLocal.access_open``.
ACCESS_PANEL = "access_panel"


# ----------------------------------------------------------------------------------------------------- brand bar

def header(c: Canvas, state: LaneState, lang: str, languages: bool) -> pygame.Rect:
    m = c.m
    bar = pygame.Rect(0, 0, m.w, m.header_h)
    pygame.draw.rect(c.surface, theme.HEADER, bar)
    if theme.HEADER_RULE is not None:
        pygame.draw.rect(c.surface, theme.HEADER_RULE, (0, bar.bottom - c.border_w, m.w, c.border_w))
    # The attendant's key: small and quiet, in the corner; amber while an attendant is signed in.
    key_cell = pygame.Rect(m.w - m.header_h, 0, m.header_h, m.header_h)
    signed_in = state.attendant is not None
    face = key_cell.inflate(-2 * c.px(14, 10), -2 * c.px(14, 10))
    c.button(key_cell, None, UI, "attendant", style="staff" if signed_in else "header", face=face,
             icon=lambda s, r, col: icons.key(s, r, col if signed_in else theme.HEADER_MUTED))
    right = key_cell.left - m.gap
    if languages:
        cell_w = max(c.px(84, m.touch),
                     max(c.width_of("body_b", tr(code, "language_code")) for code in LANGUAGES) + c.px(40, 24))
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
    icons.check(c.surface, mark.inflate(-mark.width // 5, -mark.height // 5), theme.PRIMARY, theme.PRIMARY_INK)
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
    """A message strip: tinted card, coloured bar on the left, an icon, one line of bold text.

    ``icon(surface, rect, color, ink)`` draws a filled pictogram; ``tone`` may be given in either palette.
    """
    bg, bar_color, ink = theme.tone(tone)
    c.card(rect, bg, shadow=False)
    bar = pygame.Rect(rect.x, rect.y, c.px(8, 5), rect.height)
    pygame.draw.rect(c.surface, bar_color, bar, border_top_left_radius=c.m.radius,
                     border_bottom_left_radius=c.m.radius)
    x = bar.right + c.m.gap
    if icon is not None:
        ico = pygame.Rect(x, rect.y, rect.height, rect.height).inflate(-c.px(18, 10), -c.px(18, 10))
        icon(c.surface, ico, bar_color, theme.ICON_INK)
        x = ico.right + c.m.gap
    box = pygame.Rect(x, rect.y, rect.right - x - c.m.gap, rect.height)
    if c.width_of("large_b", text) <= box.width:
        c.text(text, "large_b", ink, box)
    else:   # two lines of a smaller font before anything is shortened
        c.paragraph(text, "body_b", ink, box, 2, valign="center")


def light_strip(c: Canvas, rect: pygame.Rect, light: str) -> None:
    pygame.draw.rect(c.surface, theme.LIGHT.get(light, theme.LIGHT["red"]), rect)


# ---------------------------------------------------------------------------------------- accessibility pictograms

def _sq(rect: pygame.Rect, fill: float = 1.0) -> pygame.Rect:
    side = max(4, int(min(rect.width, rect.height) * fill))
    sq = pygame.Rect(0, 0, side, side)
    sq.center = rect.center
    return sq


# Like the icons of kiosk.ui.icons for buttons, each draws into the middle 60 % of the square centred in ``rect``.
_FILL = 0.6


def access_icon(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color) -> None:
    """The accessibility symbol: a figure with open arms in a ring."""
    sq = _sq(rect, _FILL)
    r = sq.width // 2
    w = max(2, r // 7)
    cx, cy = sq.center
    pygame.draw.circle(surface, color, sq.center, r, w)
    pygame.draw.circle(surface, color, (cx, cy - r * 11 // 20), max(2, r // 7))
    arm_y = cy - r // 4
    pygame.draw.line(surface, color, (cx - r * 11 // 20, arm_y), (cx + r * 11 // 20, arm_y), w)
    hip_y = cy + r // 6
    pygame.draw.line(surface, color, (cx, arm_y), (cx, hip_y), w)
    pygame.draw.line(surface, color, (cx, hip_y), (cx - r * 7 // 20, cy + r * 3 // 5), w)
    pygame.draw.line(surface, color, (cx, hip_y), (cx + r * 7 // 20, cy + r * 3 // 5), w)


def contrast_icon(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color) -> None:
    """A circle half filled: contrast."""
    sq = _sq(rect, _FILL)
    r = sq.width // 2
    pygame.draw.circle(surface, color, sq.center, r, max(2, r // 6))
    pygame.draw.circle(surface, color, sq.center, r, draw_top_right=True, draw_bottom_right=True)


def large_text_icon(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color) -> None:
    """A small and a big letter A: text size."""
    sq = _sq(rect, _FILL)
    w = max(2, sq.width // 12)

    def letter(x: float, bottom: float, h: float) -> None:
        half = h * 0.38
        pygame.draw.lines(surface, color, False, [(x - half, bottom), (x, bottom - h), (x + half, bottom)], w)
        pygame.draw.line(surface, color, (x - half * 0.55, bottom - h * 0.38), (x + half * 0.55, bottom - h * 0.38), w)

    bottom = sq.bottom - sq.height * 0.15
    letter(sq.x + sq.width * 0.25, bottom, sq.height * 0.42)
    letter(sq.x + sq.width * 0.66, bottom, sq.height * 0.72)


def speech_icon(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color) -> None:
    """A loudspeaker with sound waves: read aloud."""
    sq = _sq(rect, _FILL)
    x, y, s = sq.x, sq.y, sq.width
    body = [(x + s * 0.08, y + s * 0.36), (x + s * 0.28, y + s * 0.36), (x + s * 0.52, y + s * 0.14),
            (x + s * 0.52, y + s * 0.86), (x + s * 0.28, y + s * 0.64), (x + s * 0.08, y + s * 0.64)]
    pygame.draw.polygon(surface, color, body)
    w = max(2, s // 14)
    for k, rr in enumerate((0.16, 0.3)):
        arc = pygame.Rect(0, 0, int(s * rr * 2), int(s * rr * 2))
        arc.center = (int(x + s * 0.52), int(y + s * 0.5))
        pygame.draw.arc(surface, color, arc, -math.pi / 3, math.pi / 3, w)


def more_time_icon(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color) -> None:
    """A clock with a plus: more time."""
    sq = _sq(rect, _FILL)
    r = sq.width * 2 // 5
    cx, cy = sq.x + r + 1, sq.y + sq.height - r - 1
    w = max(2, r // 6)
    pygame.draw.circle(surface, color, (cx, cy), r, w)
    pygame.draw.line(surface, color, (cx, cy), (cx, cy - r * 3 // 5), w)
    pygame.draw.line(surface, color, (cx, cy), (cx + r // 2, cy), w)
    p = max(4, sq.width // 4)
    px_, py = sq.right - p // 2 - 1, sq.y + p // 2 + 1
    pygame.draw.line(surface, color, (px_ - p // 2, py), (px_ + p // 2, py), w)
    pygame.draw.line(surface, color, (px_, py - p // 2), (px_, py + p // 2), w)


ACCESS_ICONS: dict[str, Icon] = {"contrast": contrast_icon, "large_text": large_text_icon, "speech": speech_icon,
                                 "more_time": more_time_icon}


def _tick_box(surface: pygame.Surface, rect: pygame.Rect, color: theme.Color, on: bool, width: int) -> None:
    """A box, ticked when ``on``: the switch's state as a shape, next to the word."""
    pygame.draw.rect(surface, color, rect, width=width, border_radius=max(2, rect.width // 6))
    if on:
        r = rect.inflate(-rect.width // 4, -rect.height // 4)
        pts = [(r.left, r.centery), (r.left + r.width * 0.38, r.bottom - r.height * 0.1), (r.right, r.top + 2)]
        pygame.draw.lines(surface, color, False, pts, max(2, rect.width // 7))


# ------------------------------------------------------------------------------------------ accessibility controls

def access_button_width(c: Canvas, lang: str, labelled: bool) -> int:
    """How wide the accessibility button is: icon and words, or the icon alone (a square)."""
    if not labelled:
        return c.m.button_h
    return c.button_width(tr(lang, "access.title"), "body_b", icon=True)


def access_button(c: Canvas, rect: pygame.Rect, lang: str, opened: bool, labelled: bool = True) -> None:
    """The shopper's accessibility button: opens the panel, or closes it when it is open."""
    c.button(rect, tr(lang, "access.title") if labelled else None, UI, ACCESS_PANEL, "0" if opened else "1",
             style="selected" if opened else "secondary", font="body_b", icon=access_icon)


def access_panel(c: Canvas, state: LaneState, lang: str) -> pygame.Rect:
    """The panel of the shopper's accessibility choices, at the bottom of the screen where a seated shopper reaches.

    It covers the screen below the brand bar (the language switch stays usable); the Close button sits where the
    accessibility button was.
    """
    m = c.m
    body = pygame.Rect(0, m.header_h, m.w, m.h - m.header_h)
    c.cover(body)
    ip = c.px(24, 12)
    pw = body.width - 2 * m.pad
    iw = pw - 2 * ip
    labels = {opt: tr(lang, f"access.{opt}") for opt in ACCESS_OPTIONS}
    words = {True: tr(lang, "access.on"), False: tr(lang, "access.off")}
    word_w = max(c.width_of("body_b", w) for w in words.values())
    # A switch: icon, label (up to two lines), tick box and state word. Four in a row when they fit, else two by two.
    side = c.px(44, 28)
    fixed = 2 * c.px(12, 6) + side + word_w + c.line_h("body_b") + 4 * m.gap
    need = max(c.label_width("button", label) for label in labels.values()) + fixed
    cols = 4 if 4 * need + 3 * m.gap <= iw else 2
    rows = len(ACCESS_OPTIONS) // cols
    toggle_h = m.button_h
    title = tr(lang, "access.title")
    hint = tr(lang, "access.hint")
    title_h = c.line_h("xl_b")
    hint_h = c.paragraph_h(hint, "body", iw, 2)
    close_w = max(c.button_width(tr(lang, "access.close"), "button", icon=True), access_button_width(c, lang, True))
    ph = 2 * ip + title_h + m.gap + hint_h + m.gap + rows * toggle_h + (rows - 1) * m.gap + 2 * m.gap + m.button_h
    ph = min(ph, body.height - 2 * m.pad)
    panel = pygame.Rect(m.pad, body.bottom - m.pad - ph, pw, ph)
    c.card(panel, border=theme.CARD_BORDER or theme.SECONDARY_BORDER)
    x, y = panel.x + ip, panel.y + ip
    r = pygame.Rect(x, y, title_h, title_h)
    access_icon(c.surface, r.inflate(round(title_h / _FILL) - title_h, round(title_h / _FILL) - title_h), theme.INK)
    c.text(title, c.best_font(title, iw - title_h - m.gap, ("xl_b", "large_b")), theme.INK,
           pygame.Rect(r.right + m.gap, y, iw - title_h - m.gap, title_h))
    y += title_h + m.gap
    y += c.paragraph(hint, "body", theme.MUTED, pygame.Rect(x, y, iw, hint_h), 2) + m.gap
    grid = pygame.Rect(x, y, iw, rows * toggle_h + (rows - 1) * m.gap)
    cells = [cell for row in (pygame.Rect(grid.x, grid.y + i * (toggle_h + m.gap), grid.width, toggle_h)
                              for i in range(rows)) for cell in split_h(row, cols, m.gap)]
    for opt, cell in zip(ACCESS_OPTIONS, cells):
        _switch(c, cell, opt, labels[opt], words, opt in state.access, side)
    close = pygame.Rect(x, panel.bottom - ip - m.button_h, min(iw, close_w), m.button_h)
    c.button(close, tr(lang, "access.close"), UI, ACCESS_PANEL, "0", style="selected", icon=icons.cross)
    return panel


def _switch(c: Canvas, cell: pygame.Rect, option: str, label: str, words: dict[bool, str], on: bool,
            side: int) -> None:
    m = c.m

    def face(surface: pygame.Surface, shape: pygame.Rect, ink: theme.Color) -> None:
        inner = shape.inflate(-2 * c.px(12, 6), -2 * c.px(6, 3))
        ico = pygame.Rect(inner.x, inner.centery - side // 2, side, side)
        frame = round(side / _FILL)
        ACCESS_ICONS[option](surface, ico.inflate(frame - side, frame - side), ink)
        word = words[on]
        ww = c.width_of("body_b", word)
        box_s = c.line_h("body_b")
        state_r = pygame.Rect(inner.right - ww - box_s - m.gap, inner.y, ww + box_s + m.gap, inner.height)
        _tick_box(surface, pygame.Rect(state_r.x, inner.centery - box_s // 2, box_s, box_s), ink, on,
                  max(2, c.border_w))
        c.text(word, "body_b", ink, pygame.Rect(state_r.right - ww, inner.y, ww, inner.height), "right")
        text = pygame.Rect(ico.right + m.gap, inner.y, state_r.x - m.gap - ico.right - m.gap, inner.height)
        c.paragraph(label, "button", ink, text, 2, valign="center")

    c.button(cell, None, TOUCH, "access", option, style="selected" if on else "secondary", icon=face)


# --------------------------------------------------------------------------------------------- time limits

def idle_seconds_left(state: LaneState, now: float) -> int:
    """Whole seconds until an attendant is called, while "are you still there?" is shown."""
    return max(0, math.ceil(state.t_idle + state.limit(state.settings.idle_answer_s) - now))


def idle_countdown_text(state: LaneState, lang: str, now: float) -> str:
    left = idle_seconds_left(state, now)
    return tr(lang, "idle.seconds_left_one" if left == 1 else "idle.seconds_left_other", seconds=left)


def still_there(c: Canvas, state: LaneState, lang: str, now: float) -> None:
    """"Are you still there?": the seconds left before an attendant is called, Continue, and More time."""
    m = c.m
    body = pygame.Rect(0, m.header_h, m.w, m.h - m.header_h)
    c.cover(body)
    ip = c.px(32, 16)
    offer_more = MORE_TIME not in state.access
    labels = [tr(lang, "action.continue")] + ([tr(lang, "access.more_time")] if offer_more else [])
    needs = [c.button_width(label, "large_b", icon=i == 1) for i, label in enumerate(labels)]
    wide = c.px(720 * (LARGE_PANEL if m.large else 1.0))
    pw = min(body.width - 2 * m.pad, max(wide, sum(needs) + (len(labels) - 1) * m.gap + 2 * ip))
    iw = pw - 2 * ip
    title = tr(lang, "idle.title")
    text = tr(lang, "idle.text")
    countdown = idle_countdown_text(state, lang, now)
    title_h = c.paragraph_h(title, "xl_b", iw, 2)
    text_h = c.paragraph_h(text, "large", iw, 3)
    count_h = c.paragraph_h(countdown, "large_b", iw, 3)
    ph = 2 * ip + title_h + text_h + count_h + m.button_h + 4 * m.gap
    panel = pygame.Rect(0, 0, pw, min(ph, body.height - 2 * m.pad))
    panel.center = body.center
    c.card(panel)
    x, y = panel.x + ip, panel.y + ip
    y += c.paragraph(title, "xl_b", theme.INK, pygame.Rect(x, y, iw, title_h), 2, align="center") + m.gap
    y += c.paragraph(text, "large", theme.MUTED, pygame.Rect(x, y, iw, text_h), 3, align="center") + m.gap
    y += c.paragraph(countdown, "large_b", theme.INK, pygame.Rect(x, y, iw, count_h), 3, align="center") + 2 * m.gap
    row = pygame.Rect(x, y, iw, m.button_h)
    if not offer_more:
        bw = min(iw, max(c.px(440), c.button_width(labels[0], "large_b")))
        c.button(pygame.Rect(panel.centerx - bw // 2, y, bw, m.button_h), labels[0], TOUCH, "continue",
                 style="primary", font="large_b")
        return
    more_r, cont_r = split_by_need(row, [needs[1], needs[0]], m.gap)
    c.button(more_r, labels[1], TOUCH, "access", MORE_TIME, font="large_b", icon=more_time_icon)
    c.button(cont_r, labels[0], TOUCH, "continue", style="primary", font="large_b")
