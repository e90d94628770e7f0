"""The payment screen: the amount due, large, and what to do at the card terminal.

While a charge is pending the shopper is pointed to the terminal (the kiosk never sees card data). When the terminal
declined or failed and nothing is pending, the screen says so in the shopper's words and offers Try again (touch
``pay``) and Back to shopping (touch ``back``). The basket stays visible on the left for reference.
"""

from __future__ import annotations

import pygame

from kiosk.lane.state import LaneState, Notice
from kiosk.ui import chrome, icons, overlays, theme
from kiosk.ui.basket import basket_panel
from kiosk.ui.i18n import tr
from kiosk.ui.model import TOUCH, UiLocal
from kiosk.ui.widgets import Canvas, split_by_need
from kiosk.ui.wording import money, notice_text, notice_tone


def _problem(state: LaneState, lang: str) -> tuple[str, str]:
    """(what went wrong, the terminal's own words) for a payment that is not pending."""
    txn = state.txn
    last = txn.payments[-1] if txn is not None and txn.payments else None
    if state.notice is not None and state.notice.key.startswith("payment_"):
        detail = state.notice.args[0] if state.notice.args else ""
        return notice_text(state.notice, lang), detail
    if last is not None and last.outcome in ("declined", "failed", "aborted"):
        return notice_text(Notice(f"payment_{last.outcome}"), lang), last.message or ""
    return tr(lang, "payment.not_completed"), ""


def draw(c: Canvas, state: LaneState, local: UiLocal, lang: str, now: float) -> pygame.Rect:
    m = c.m
    top = m.header_h + m.pad
    notice = state.notice
    if notice is not None and not notice.key.startswith("payment_"):
        chrome.strip(c, pygame.Rect(m.pad, top, m.w - 2 * m.pad, m.strip_h), notice_text(notice, lang),
                     notice_tone(notice), icons.warning)
        top += m.strip_h + m.gap
    body = pygame.Rect(m.pad, top, m.w - 2 * m.pad, m.h - m.pad - top)
    right_w = round(body.width * 0.46)
    left = pygame.Rect(body.x, body.y, body.width - right_w - m.gap, body.height)
    panel = pygame.Rect(left.right + m.gap, body.y, right_w, body.height)
    # The accessibility button stays at the bottom left while paying: read aloud can still be switched on.
    access = pygame.Rect(left.x, left.bottom - m.button_h, left.width, m.button_h)
    labelled = chrome.access_button_width(c, lang, labelled=True) <= access.width
    access.width = chrome.access_button_width(c, lang, labelled)
    chrome.access_button(c, access, lang, local.access_open, labelled=labelled)
    left = pygame.Rect(left.x, left.y, left.width, left.height - m.button_h - m.gap)
    reserve = min(overlays.card_height(c, state, lang, left.width), left.height * 11 // 20)
    basket_panel(c, state, lang, left, local.scroll, reserve=reserve)

    c.card(panel)
    ip = c.px(24, 12)
    inner = panel.inflate(-2 * ip, -2 * ip)
    txn = state.txn
    pending = txn.pending_payment if txn is not None else None
    due = pending.amount_cents if pending is not None else (txn.total_cents - txn.paid_cents if txn else 0)
    y = inner.y
    c.text(tr(lang, "payment.due"), "large", theme.MUTED, pygame.Rect(inner.x, y, inner.width, c.line_h("large")),
           "center")
    y += c.line_h("large")
    amount = money(due, lang)
    font = c.best_font(amount, inner.width, ("huge_b", "title_b", "xl_b", "large_b"))
    c.text(amount, font, theme.INK, pygame.Rect(inner.x, y, inner.width, c.line_h(font)), "center")
    y += c.line_h(font)
    if txn is not None and txn.paid_cents:
        c.text(tr(lang, "payment.paid_already", amount=money(txn.paid_cents, lang)), "small", theme.MUTED,
               pygame.Rect(inner.x, y, inner.width, c.line_h("small")), "center")
        y += c.line_h("small")
    y += m.gap
    pygame.draw.line(c.surface, theme.LINE, (inner.x, y), (inner.right, y), 1)
    y += m.gap

    if pending is not None:
        help_r = pygame.Rect(inner.x, inner.bottom - m.button_h, inner.width, m.button_h)
        c.button(help_r, tr(lang, "action.help"), TOUCH, "help")
        space = pygame.Rect(inner.x, y, inner.width, help_r.top - m.gap - y)
        prompt = local.terminal_prompt
        text = (prompt.get(lang) or prompt.get("de")) if prompt else None
        text = text or tr(lang, "payment.follow_terminal")
        text_h = c.paragraph_h(text, "large_b", space.width, 3)
        dots_h = c.px(24, 12)
        icon_h = max(0, min(c.px(150), space.height - text_h - dots_h - 3 * m.gap))
        yy = space.y + max(0, (space.height - icon_h - text_h - dots_h - 3 * m.gap) // 2)
        if icon_h >= c.px(40):
            icons.terminal(c.surface, pygame.Rect(space.x, yy, space.width, icon_h), theme.ACCENT, theme.ACCENT_INK)
        yy += icon_h + m.gap
        c.paragraph(text, "large_b", theme.INK, pygame.Rect(space.x, yy, space.width, text_h), 3, align="center")
        yy += text_h + m.gap
        icons.dots(c.surface, pygame.Rect(space.x, yy, space.width, dots_h), theme.PRIMARY, theme.LINE, now)
    else:
        retry = pygame.Rect(inner.x, inner.bottom - m.button_h, inner.width, m.button_h)
        row = pygame.Rect(inner.x, retry.top - m.gap - m.button_h, inner.width, m.button_h)
        back_r, help_r = split_by_need(row, [c.button_width(tr(lang, f"action.{a}")) for a in ("back", "help")],
                                       m.gap)
        c.button(retry, tr(lang, "action.retry"), TOUCH, "pay", style="primary", font="large_b")
        c.button(back_r, tr(lang, "action.back"), TOUCH, "back")
        c.button(help_r, tr(lang, "action.help"), TOUCH, "help")
        problem, detail = _problem(state, lang)
        bg, bar, _ = theme.ERROR
        space = pygame.Rect(inner.x, y, inner.width, row.top - m.gap - y)
        icon_s = c.px(56, 32)
        tx_off = icon_s + m.gap
        text_w = space.width - 2 * m.gap - tx_off
        hint = tr(lang, "payment.try_again")
        problem_h = c.paragraph_h(problem, "large_b", text_w, 2)
        hint_h = c.paragraph_h(hint, "body", text_w, 3)
        detail_h = c.line_h("small") if detail else 0
        box_h = min(space.height, max(icon_s, problem_h + hint_h + detail_h) + 2 * m.gap)
        box = pygame.Rect(space.x, space.y + (space.height - box_h) // 2, space.width, box_h)
        c.card(box, bg, shadow=False)
        pygame.draw.rect(c.surface, bar, pygame.Rect(box.x, box.y, c.px(8, 5), box.height),
                         border_top_left_radius=m.radius, border_bottom_left_radius=m.radius)
        bi = box.inflate(-2 * m.gap, -2 * m.gap)
        icons.warning(c.surface, pygame.Rect(bi.x, bi.y, icon_s, icon_s), bar, theme.ICON_INK)
        tx = bi.x + tx_off
        yy = bi.y
        yy += c.paragraph(problem, "large_b", bar, pygame.Rect(tx, yy, text_w, problem_h), 2)
        yy += c.paragraph(hint, "body", theme.INK, pygame.Rect(tx, yy, text_w, max(0, bi.bottom - yy)), 3)
        if detail and bi.bottom - yy >= detail_h:
            c.text(detail, "small", theme.MUTED, pygame.Rect(tx, yy, text_w, detail_h))
    return pygame.Rect(left.x, left.bottom - reserve, left.width, reserve)
