"""The end of a purchase: the receipt choice (paper, digital, none) and the thank-you screen.

The receipt screen counts down to the store's default choice (``Settings.receipt_default``), which the reducer
applies on its own when the time is up (later when the shopper asked for more time); the screen only shows how long
is left. Both screens keep the accessibility button at the bottom left, as the others of the visit do: a shopper
may want the amount and the choice read aloud, or more time to choose.
"""

from __future__ import annotations

import math

import pygame

from kiosk.lane.state import LaneState
from kiosk.ui import chrome, icons, theme
from kiosk.ui.i18n import tr
from kiosk.ui.model import TOUCH, UiLocal
from kiosk.ui.widgets import Canvas, split_h
from kiosk.ui.wording import money


def _with_access_button(c: Canvas, local: UiLocal, lang: str) -> tuple[pygame.Rect, pygame.Rect]:
    """Draw the accessibility button at the bottom left; returns the room above the bottom row for the screen's
    column, and the rest of the bottom row, right of the button."""
    m = c.m
    body = pygame.Rect(m.pad, c.top + m.pad, m.w - 2 * m.pad, m.h - c.top - 2 * m.pad)
    access_w = min(chrome.access_button_width(c, lang, labelled=True), body.width // 3)
    access = pygame.Rect(body.x, body.bottom - m.button_h, access_w, m.button_h)
    chrome.access_button(c, access, lang, local.access_open)
    rest = pygame.Rect(access.right + m.gap, access.y, body.right - access.right - m.gap, m.button_h)
    return pygame.Rect(body.x, body.y, body.width, body.height - m.button_h - m.gap), rest


def _paid(state: LaneState) -> int:
    if state.txn is not None:
        return state.txn.paid_cents or state.txn.total_cents
    return state.last_summary.total_cents if state.last_summary is not None else 0


def draw_receipt(c: Canvas, state: LaneState, local: UiLocal, lang: str, now: float) -> pygame.Rect:
    m = c.m
    body, _ = _with_access_button(c, local, lang)
    col_w = min(body.width, c.px(1040))
    x = body.centerx - col_w // 2
    icon_h = c.px(88, 44)
    title = tr(lang, "receipt.success")
    title_font = c.best_font(title, col_w, ("xl_b", "large_b"))
    btn_h = max(m.button_h, c.px(120))
    default = state.settings.receipt_default
    countdown = ""
    if default in ("paper", "ereceipt", "none"):
        left = max(0, math.ceil(state.t_mode + state.limit(state.settings.receipt_choice_s) - now))
        countdown = tr(lang, f"receipt.auto.{default}", seconds=left)
    stack = [icon_h, c.line_h(title_font), c.line_h("large"), c.line_h("large_b"), btn_h, c.line_h("small")]
    gaps = [m.gap, 0, 3 * m.gap, m.gap, m.gap]
    if sum(stack) + sum(gaps) > body.height:       # a short screen: the picture goes first ...
        stack[0], gaps[0] = 0, 0
    if sum(stack) + sum(gaps) > body.height:       # ... then the amount paid: the title says the payment went through
        stack[2], gaps[2] = 0, m.gap
    y = body.y + max(0, (body.height - sum(stack) - sum(gaps)) // 2)
    if stack[0]:
        icons.check(c.surface, pygame.Rect(x, y, col_w, icon_h), theme.PRIMARY, theme.PRIMARY_INK)
    y += stack[0] + gaps[0]
    c.text(title, title_font, theme.INK, pygame.Rect(x, y, col_w, stack[1]), "center")
    y += stack[1] + gaps[1]
    if stack[2]:
        c.text(tr(lang, "receipt.paid", amount=money(_paid(state), lang)), "large", theme.MUTED,
               pygame.Rect(x, y, col_w, stack[2]), "center")
    message_area = pygame.Rect(body.x, body.y, body.width, y + stack[2] - body.y)
    y += stack[2] + gaps[2]
    c.text(tr(lang, "receipt.question"), "large_b", theme.INK, pygame.Rect(x, y, col_w, stack[3]), "center")
    y += stack[3] + gaps[3]
    row = pygame.Rect(x, y, col_w, btn_h)
    for (choice, style), cell in zip((("paper", "primary"), ("ereceipt", "secondary"), ("none", "secondary")),
                                     split_h(row, 3, m.gap)):
        c.button(cell, tr(lang, f"receipt.{choice}"), TOUCH, "receipt", choice, style=style, font="large_b")
    y += btn_h + gaps[4]
    if countdown:
        c.text(countdown, "small", theme.MUTED, pygame.Rect(x, y, col_w, stack[5]), "center")
    return message_area


def draw_thank_you(c: Canvas, state: LaneState, local: UiLocal, lang: str, now: float) -> pygame.Rect:
    m = c.m
    body, bottom = _with_access_button(c, local, lang)
    col_w = min(body.width, c.px(1000))
    x = body.centerx - col_w // 2
    icon_h = c.px(130, 60)
    title = tr(lang, "thanks.title")
    title_font = c.best_font(title, col_w, ("title_b", "xl_b", "large_b"))
    receipt = state.txn.receipt if state.txn is not None else None
    lines = []
    if receipt == "paper":
        lines.append(tr(lang, "thanks.take_receipt"))
    elif receipt == "ereceipt":
        lines.append(tr(lang, "thanks.ereceipt"))
    lines.append(tr(lang, "thanks.goods"))
    show_qr = receipt == "ereceipt" and bool(local.ereceipt_url)
    qr_h = min(col_w, c.px(240, 120)) if show_qr else 0
    stack = [icon_h, c.line_h(title_font), c.line_h("large") * len(lines), qr_h]
    gaps = [2 * m.gap, 2 * m.gap, 2 * m.gap if qr_h else 0]
    if sum(stack) + sum(gaps) > body.height:
        stack[0], gaps[0] = 0, 0
    if sum(stack) + sum(gaps) > body.height and qr_h:      # a small screen: the code shrinks, it never overlaps
        stack[3] = max(0, body.height - (sum(stack) - qr_h) - sum(gaps))
    y = body.y + max(0, (body.height - sum(stack) - sum(gaps)) // 2)
    if stack[0]:
        icons.check(c.surface, pygame.Rect(x, y, col_w, icon_h), theme.PRIMARY, theme.PRIMARY_INK)
    y += stack[0] + gaps[0]
    c.text(title, title_font, theme.INK, pygame.Rect(x, y, col_w, stack[1]), "center")
    y += stack[1] + gaps[1]
    for i, line in enumerate(lines):
        c.text(line, "large", theme.MUTED if i else theme.INK, pygame.Rect(x, y, col_w, c.line_h("large")),
               "center")
        y += c.line_h("large")
    if stack[3]:
        y += gaps[2]
        qr(c.surface, pygame.Rect(body.centerx - stack[3] // 2, y, stack[3], stack[3]), local.ereceipt_url)
        y += stack[3]
    # Done in the bottom row, in the middle of the screen unless the accessibility button is in the way.
    done = pygame.Rect(0, bottom.y, min(bottom.width, c.px(460)), bottom.height)
    done.centerx = body.centerx
    done.left = max(done.left, bottom.left)
    c.button(done, tr(lang, "action.done"), TOUCH, "done", font="large_b")
    return pygame.Rect(body.x, body.y, body.width, y - body.y)


_QR_CACHE: dict[tuple[str, int], pygame.Surface] = {}


def qr(surface: pygame.Surface, rect: pygame.Rect, data: str) -> None:
    """A QR code (dark modules on a white quiet zone) filling ``rect``; made once per address and size."""
    key = (data, rect.width)
    img = _QR_CACHE.get(key)
    if img is None:
        import segno

        rows = [list(r) for r in segno.make(data, error="m").matrix_iter(scale=1, border=4)]
        n = len(rows)
        module = max(1, rect.width // n)
        img = pygame.Surface((n * module, n * module))
        img.fill((255, 255, 255))
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    img.fill((0, 0, 0), pygame.Rect(x * module, y * module, module, module))
        if len(_QR_CACHE) > 8:
            _QR_CACHE.clear()
        _QR_CACHE[key] = img
    surface.blit(img, img.get_rect(center=rect.center))
