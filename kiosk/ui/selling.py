"""The scanning and bagging screen: what to do next, the basket, the last item large, the total, and the actions.

Layout (landscape): an instruction strip across the top (amber while an item is awaited in the bagging area), a
notice strip under it when the lane has something to say; the basket list on the left with the accessibility button,
Help, Void last item and Cancel under it (one row, or two when the words need it, as with large text); on the right
the last item, the total, "Item without barcode" (the look-up of produce and bakery, :mod:`kiosk.ui.lookup`) and the
big Pay button. The Pay button is always there: the reducer, not the screen, decides
whether paying is possible now and says why not with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from kiosk.lane.state import BAGGING, VOUCHER, LaneState
from kiosk.ui import chrome, icons, overlays, theme
from kiosk.ui.basket import basket_panel
from kiosk.ui.i18n import tr
from kiosk.ui.model import TOUCH, UI, UiLocal
from kiosk.ui.widgets import Canvas, split_by_need
from kiosk.ui.wording import (deposit_of, deposit_total, items_label, line_detail, line_name, money, notice_text,
                              notice_tone, prompt)


@dataclass
class Layout:
    strip: pygame.Rect
    notice: pygame.Rect | None
    basket: pygame.Rect
    actions: pygame.Rect
    last: pygame.Rect
    totals: pygame.Rect
    pay: pygame.Rect
    lookup: pygame.Rect
    buttons: dict[str, pygame.Rect]   # access, help, void_last, cancel
    access_labelled: bool             # the accessibility button has room for its words


_ACTIONS = ("help", "void_last", "cancel")


def _actions(c: Canvas, lang: str, left: pygame.Rect) -> tuple[pygame.Rect, dict[str, pygame.Rect], bool]:
    """Where the accessibility button and the three actions go at the bottom of ``left``: (area, rects, labelled)."""
    m = c.m
    needs = [c.button_width(tr(lang, f"action.{a}")) for a in _ACTIONS]
    square = chrome.access_button_width(c, lang, labelled=False)
    labelled_w = chrome.access_button_width(c, lang, labelled=True)
    if square + sum(needs) + 3 * m.gap <= left.width:            # one row
        area = pygame.Rect(left.x, left.bottom - m.button_h, left.width, m.button_h)
        labelled = labelled_w + sum(needs) + 3 * m.gap <= left.width
        aw = labelled_w if labelled else square
        access = pygame.Rect(area.x, area.y, aw, area.height)
        rest = pygame.Rect(access.right + m.gap, area.y, area.right - access.right - m.gap, area.height)
        cells = split_by_need(rest, needs, m.gap)
    else:                                                        # two rows: the access button and Help at the bottom
        area = pygame.Rect(left.x, left.bottom - 2 * m.button_h - m.gap, left.width, 2 * m.button_h + m.gap)
        top = pygame.Rect(area.x, area.y, area.width, m.button_h)
        bottom = pygame.Rect(area.x, top.bottom + m.gap, area.width, m.button_h)
        labelled = labelled_w + needs[0] + m.gap <= bottom.width
        access = pygame.Rect(bottom.x, bottom.y, labelled_w if labelled else square, bottom.height)
        help_r = pygame.Rect(access.right + m.gap, bottom.y, bottom.right - access.right - m.gap, bottom.height)
        cells = [help_r] + split_by_need(top, needs[1:], m.gap)
    return area, {"access": access, **dict(zip(_ACTIONS, cells))}, labelled


def _totals_words(state: LaneState, lang: str) -> tuple[str, str]:
    """(the item count, the deposit included or "") over the total."""
    txn = state.txn
    deposit = deposit_total(txn) if txn else 0
    dep = tr(lang, "basket.deposit_included", amount=money(deposit, lang)) if deposit else ""
    return items_label(txn.item_count if txn else 0, lang), dep


def _totals_split(c: Canvas, words: tuple[str, str], width: int) -> bool:
    """Whether the count and the deposit need a line each (they do not fit side by side)."""
    count, dep = words
    return bool(dep) and c.width_of("small", count) + c.m.gap + c.width_of("small", dep) > width


def layout(c: Canvas, with_notice: bool, lang: str = "de", totals_words: tuple[str, str] = ("", "")) -> Layout:
    m = c.m
    top = m.header_h + m.pad
    strip = pygame.Rect(m.pad, top, m.w - 2 * m.pad, m.strip_h)
    top = strip.bottom + m.gap
    notice = None
    if with_notice:
        notice = pygame.Rect(m.pad, top, m.w - 2 * m.pad, m.strip_h)
        top = notice.bottom + m.gap
    body = pygame.Rect(m.pad, top, m.w - 2 * m.pad, m.h - m.pad - top)
    right_w = round(body.width * 0.38)
    left = pygame.Rect(body.x, body.y, body.width - right_w - m.gap, body.height)
    right = pygame.Rect(left.right + m.gap, body.y, right_w, body.height)
    actions, buttons, labelled = _actions(c, lang, left)
    basket = pygame.Rect(left.x, left.y, left.width, actions.top - m.gap - left.y)
    pay = pygame.Rect(right.x, right.bottom - m.button_h, right.width, m.button_h)
    lookup_h = max(m.touch, min(m.button_h, c.line_h("button") * 2 + 2 * c.px(6, 3)))
    lookup = pygame.Rect(right.x, pay.top - m.gap - lookup_h, right.width, lookup_h)
    split = _totals_split(c, totals_words, right.width - 2 * c.px(18, 10))
    totals_h = 2 * m.gap + c.line_h("small") * (2 if split else 1) + c.line_h("xl_b")
    totals = pygame.Rect(right.x, lookup.top - m.gap - totals_h, right.width, totals_h)
    last = pygame.Rect(right.x, right.y, right.width, totals.top - m.gap - right.y)
    return Layout(strip, notice, basket, actions, last, totals, pay, lookup, buttons, labelled)


def last_item_card(c: Canvas, state: LaneState, lang: str, rect: pygame.Rect) -> None:
    m = c.m
    c.card(rect)
    inner = rect.inflate(-2 * c.px(18, 10), -2 * c.px(14, 8))
    txn = state.txn
    last = txn.last_item_line if txn is not None else None
    if last is None or txn is None:
        hint = tr(lang, "basket.scan_hint")
        icon = pygame.Rect(inner.x, inner.y, inner.width, inner.height // 2)
        if inner.height - c.paragraph_h(hint, "body", inner.width, 3) - m.gap < c.px(40):
            icon.height = 0                             # a short card: the words first
        else:
            icons.barcode(c.surface, icon, theme.LINE)
        text = pygame.Rect(inner.x, icon.bottom + m.gap, inner.width, inner.bottom - icon.bottom - m.gap)
        c.paragraph(hint, "body", theme.MUTED, text, 3, align="center", valign="center" if not icon.height else "top")
        return
    amount = money(last.amount_cents, lang)
    ink = theme.PRIMARY if last.kind == VOUCHER else theme.INK
    name = line_name(last, txn, lang)
    extra = []
    detail = line_detail(last, lang)
    if detail:
        extra.append(detail)
    dep = deposit_of(last, txn)
    if dep is not None:
        extra.append(tr(lang, "basket.plus_deposit", amount=money(dep.amount_cents, lang)))
    sh, nh = c.line_h("small"), c.line_h("large_b")
    label_h = sh + c.px(6, 3)
    font = c.best_font(amount, inner.width, ("xl_b", "large_b", "body_b"))
    amount_h = c.line_h(font)
    room = inner.height - label_h - nh - m.gap - amount_h       # for the extra lines under the name
    if room < 0:
        # A short card (a 7" panel with large text): the name with the extra lines under it, the amount beside them.
        font = c.best_font(amount, inner.width // 2, ("large_b", "body_b"))
        aw = c.width_of(font, amount)
        c.text(amount, font, ink, pygame.Rect(inner.right - aw, inner.y, aw, inner.height), "right")
        extra = extra[:max(0, inner.height - nh) // sh]
        left = pygame.Rect(inner.x, inner.y, inner.width - aw - m.gap, inner.height)
        y = left.y + (left.height - nh - sh * len(extra)) // 2
        c.text(name, "large_b", theme.INK, pygame.Rect(left.x, y, left.width, nh))
        for i, text in enumerate(extra):
            c.text(text, "small", theme.MUTED, pygame.Rect(left.x, y + nh + i * sh, left.width, sh))
        return
    beside = sh * len(extra) > room                    # no room under the name: beside the amount, what fits there
    if beside:
        extra = extra[:amount_h // sh]
    below = 0 if beside else sh * len(extra)
    name_lines = max(1, min(3, (inner.height - label_h - amount_h - below - m.gap) // nh))
    name_h = c.paragraph_h(name, "large_b", inner.width, name_lines)
    group = label_h + name_h + m.gap + below + amount_h
    y = inner.y + max(0, (inner.height - group) // 3)     # a little above the middle: it reads as a heading
    c.text(tr(lang, "basket.last"), "small", theme.MUTED, pygame.Rect(inner.x, y, inner.width, sh))
    y += label_h
    y += c.paragraph(name, "large_b", theme.INK, pygame.Rect(inner.x, y, inner.width, name_h), name_lines)
    y += m.gap + below
    shown = c.text(amount, font, ink, pygame.Rect(inner.x, y, inner.width, amount_h), "right")
    width = shown.left - m.gap - inner.x if beside else inner.width
    y = y + amount_h - sh * len(extra) if beside else y - below
    for text in extra:
        c.text(text, "small", theme.MUTED, pygame.Rect(inner.x, y, width, sh))
        y += sh


def totals_card(c: Canvas, state: LaneState, lang: str, rect: pygame.Rect) -> None:
    m = c.m
    c.card(rect)
    inner = rect.inflate(-2 * c.px(18, 10), -2 * m.gap)
    txn = state.txn
    total = txn.total_cents if txn else 0
    sh = c.line_h("small")
    label, dep = words = _totals_words(state, lang)
    top = pygame.Rect(inner.x, inner.y, inner.width, sh)
    if _totals_split(c, words, inner.width):          # the count, and the deposit on a line of its own
        c.text(label, "small", theme.MUTED, top)
        top = top.move(0, sh)
        c.text(dep, "small", theme.MUTED, top)
    else:
        if dep:
            dw = c.width_of("small", dep)
            c.text(dep, "small", theme.MUTED, pygame.Rect(top.right - dw, top.y, dw, sh), "right")
            top.width -= dw + m.gap
        c.text(label, "small", theme.MUTED, top)
    row = pygame.Rect(inner.x, top.bottom, inner.width, inner.bottom - top.bottom)
    amount = money(total, lang)
    font = c.best_font(amount, row.width * 2 // 3, ("xl_b", "large_b", "body_b"))
    aw = c.width_of(font, amount)
    c.text(amount, font, theme.INK, pygame.Rect(row.right - aw, row.y, aw, row.height), "right")
    c.text(tr(lang, "basket.total"), "large_b", theme.INK, pygame.Rect(row.x, row.y, row.width - aw - m.gap,
                                                                      row.height))


def draw(c: Canvas, state: LaneState, local: UiLocal, lang: str, now: float) -> pygame.Rect:
    lay = layout(c, state.notice is not None, lang, _totals_words(state, lang))
    text, tone = prompt(state, lang)
    bagging = state.mode == BAGGING
    chrome.strip(c, lay.strip, text, tone, icons.bag if bagging or state.bagging.own_bag else icons.barcode_badge)
    if lay.notice is not None and state.notice is not None:
        chrome.strip(c, lay.notice, notice_text(state.notice, lang), notice_tone(state.notice), icons.warning)
    reserve = min(overlays.card_height(c, state, lang, lay.basket.width), lay.basket.height * 11 // 20)
    basket_panel(c, state, lang, lay.basket, local.scroll, reserve=reserve)
    last_item_card(c, state, lang, lay.last)
    totals_card(c, state, lang, lay.totals)
    chrome.access_button(c, lay.buttons["access"], lang, local.access_open, labelled=lay.access_labelled)
    c.button(lay.buttons["help"], tr(lang, "action.help"), TOUCH, "help")
    c.button(lay.buttons["void_last"], tr(lang, "action.void_last"), TOUCH, "void_last")
    c.button(lay.buttons["cancel"], tr(lang, "action.cancel"), TOUCH, "cancel", style="danger")
    c.button(lay.lookup, tr(lang, "lookup.open"), UI, "lookup_open", "1")
    c.button(lay.pay, tr(lang, "action.pay"), TOUCH, "pay", style="primary", font="xl_b")
    return pygame.Rect(lay.basket.x, lay.basket.bottom - reserve, lay.basket.width, reserve)
