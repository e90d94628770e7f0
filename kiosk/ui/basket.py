"""The basket list: every line of the transaction, newest at the bottom, scrollable when it is longer than the box.

Voided lines stay visible, struck through, so the shopper sees what was taken back; a deposit line follows its item,
indented. Scrolling is UI-only state (``UiLocal.scroll``: lines hidden below the window); the scroll buttons carry the
new offset as their ``arg``, so the loop needs no knowledge of the layout to apply them.
"""

from __future__ import annotations

import pygame

from kiosk.lane.state import DEPOSIT, VOUCHER, LaneState, Line, Transaction
from kiosk.ui import icons, theme
from kiosk.ui.i18n import tr
from kiosk.ui.model import UI
from kiosk.ui.widgets import Canvas, split_h
from kiosk.ui.wording import items_label, line_detail, line_name, money


def shown_lines(txn: Transaction | None) -> list[Line]:
    """The lines the list shows: sold ones, and voided item lines (their deposits disappear with them)."""
    if txn is None:
        return []
    return [ln for ln in txn.lines if ln.qty > 0 or (ln.kind != DEPOSIT and ln.voided_qty > 0)]


def window(count: int, visible: int, scroll: int) -> tuple[int, int, int]:
    """(first, end, clamped scroll) of the rows shown when ``scroll`` rows are hidden below the window."""
    visible = max(1, visible)
    most = max(0, count - visible)
    scroll = min(max(0, scroll), most)
    end = count - scroll
    return max(0, end - visible), end, scroll


def scroll_width(c: Canvas, height: int) -> int:
    """How wide the scroll buttons beside a list ``height`` pixels tall are: a column of up over down, or, when the
    list is too short for two touch targets one over the other, the two side by side."""
    m = c.m
    if height >= 2 * m.touch + m.gap:
        return max(m.touch, m.button_h * 3 // 4)
    return 2 * m.touch + m.gap


def scroll_column(c: Canvas, rect: pygame.Rect, count: int, visible: int, scroll: int, up: str, down: str) -> None:
    """Up and down buttons (see :func:`scroll_width`) with a position bar between them when they are one over the
    other; each button's arg is the offset it leads to."""
    m = c.m
    most = max(0, count - visible)
    page = max(1, visible - 1)
    column = rect.height >= 2 * m.touch + m.gap
    if column:
        bh = min(m.button_h, (rect.height - m.gap) // 2)
        up_rect = pygame.Rect(rect.x, rect.y, rect.width, bh)
        down_rect = pygame.Rect(rect.x, rect.bottom - bh, rect.width, bh)
    else:
        bh = min(m.button_h, rect.height)
        up_rect, down_rect = split_h(pygame.Rect(rect.x, rect.centery - bh // 2, rect.width, bh), 2, m.gap)
    can_up, can_down = scroll < most, scroll > 0
    c.button(up_rect, None, UI, up, str(min(most, scroll + page)), style="secondary" if can_up else "disabled",
             icon=lambda s, r, col: icons.arrow(s, r, col, up=True))
    c.button(down_rect, None, UI, down, str(max(0, scroll - page)), style="secondary" if can_down else "disabled",
             icon=lambda s, r, col: icons.arrow(s, r, col, up=False))
    track = pygame.Rect(rect.centerx - c.px(3, 2), up_rect.bottom + m.gap,
                        c.px(6, 4), down_rect.top - up_rect.bottom - 2 * m.gap)
    if column and track.height > c.px(20):
        pygame.draw.rect(c.surface, theme.LINE, track, border_radius=track.width // 2)
        thumb_h = max(track.width * 2, track.height * visible // max(1, count))
        first = count - visible - scroll
        y = track.y + (track.height - thumb_h) * first // max(1, most)
        pygame.draw.rect(c.surface, theme.FAINT, (track.x, y, track.width, thumb_h), border_radius=track.width // 2)


def line_row(c: Canvas, rect: pygame.Rect, line: Line, txn: Transaction, lang: str, highlight: bool) -> None:
    if highlight:
        pygame.draw.rect(c.surface, theme.ROW_HIGHLIGHT, rect, border_radius=c.px(8, 4))
    ip = c.px(12, 6)
    inner = rect.inflate(-2 * ip, 0)
    name = line_name(line, txn, lang)
    if line.qty == 0:   # voided
        label = tr(lang, "basket.voided")
        lw = min(c.width_of("small", label), inner.width // 2)
        c.text(label, "small", theme.MUTED, pygame.Rect(inner.right - lw, inner.y, lw, inner.height), "right")
        c.text(name, "body", theme.FAINT, pygame.Rect(inner.x, inner.y, inner.width - lw - c.m.gap, inner.height),
               strike=True)
        return
    if line.kind == DEPOSIT:
        indent = c.px(22, 12)
        amount = money(line.amount_cents, lang)
        aw = c.width_of("small", amount)
        c.text(amount, "small", theme.MUTED, pygame.Rect(inner.right - aw, inner.y, aw, inner.height), "right")
        c.text(name, "small", theme.MUTED,
               pygame.Rect(inner.x + indent, inner.y, inner.width - indent - aw - c.m.gap, inner.height))
        return
    amount = money(line.amount_cents, lang)
    aw = c.width_of("body_b", amount)
    c.text(amount, "body_b", theme.PRIMARY if line.kind == VOUCHER else theme.INK,
           pygame.Rect(inner.right - aw, inner.y, aw, inner.height), "right")
    avail = inner.width - aw - c.m.gap
    detail = line_detail(line, lang)
    dw = 0
    if detail:
        dw = min(c.width_of("small", detail), int(avail * 0.45))
        c.text(detail, "small", theme.MUTED, pygame.Rect(inner.x + avail - dw, inner.y, dw, inner.height), "right")
        dw += c.m.gap
    c.text(name, "body", theme.INK, pygame.Rect(inner.x, inner.y, avail - dw, inner.height))


def basket_panel(c: Canvas, state: LaneState, lang: str, rect: pygame.Rect, scroll: int,
                 up: str = "scroll_up", down: str = "scroll_down", reserve: int = 0) -> pygame.Rect:
    """Draw the list card in ``rect``, keeping ``reserve`` pixels free at its bottom; returns the rows' area."""
    m = c.m
    if reserve:
        rect = pygame.Rect(rect.x, rect.y, rect.width, rect.height - reserve - m.gap)
    c.card(rect)
    txn = state.txn
    ip = m.gap
    title_h = c.line_h("small") + ip
    title = pygame.Rect(rect.x + ip + c.px(12, 6), rect.y + ip // 2, rect.width - 2 * ip - 2 * c.px(12, 6), title_h)
    count = items_label(txn.item_count if txn else 0, lang)
    cw = min(c.width_of("small", count), title.width // 2)
    c.text(count, "small", theme.MUTED, pygame.Rect(title.right - cw, title.y, cw, title.height), "right")
    c.text(tr(lang, "basket.title"), "small", theme.MUTED,
           pygame.Rect(title.x, title.y, title.width - cw - m.gap, title.height))
    pygame.draw.line(c.surface, theme.LINE, (rect.x + ip, title.bottom), (rect.right - ip, title.bottom), 1)
    area = pygame.Rect(rect.x + ip, title.bottom + c.px(4, 2), rect.width - 2 * ip,
                       rect.bottom - ip - title.bottom - c.px(4, 2))
    rows = shown_lines(txn)
    if not rows or txn is None:
        icon = pygame.Rect(0, 0, area.width, min(area.height // 2, c.px(120)))
        icon.midbottom = (area.centerx, area.centery)
        icons.barcode(c.surface, icon, theme.LINE)
        c.paragraph(tr(lang, "basket.empty"), "body", theme.MUTED,
                    pygame.Rect(area.x, icon.bottom + m.gap, area.width, area.bottom - icon.bottom - m.gap), 2,
                    align="center")
        return area
    row_h = m.row_h
    visible = max(1, area.height // row_h)
    if len(rows) > visible:
        sb_w = scroll_width(c, area.height)
        scroll_column(c, pygame.Rect(area.right - sb_w, area.y, sb_w, area.height), len(rows), visible, scroll,
                      up, down)
        area.width -= sb_w + m.gap
    first, end, _ = window(len(rows), visible, scroll)
    last = txn.last_item_line
    y = area.y
    for i, line in enumerate(rows[first:end]):
        row = pygame.Rect(area.x, y, area.width, row_h)
        newest = last is not None and (line.id == last.id or line.parent == last.id)
        line_row(c, row, line, txn, lang, newest)
        if i < end - first - 1:
            nxt = rows[first + i + 1]
            if not (nxt.kind == DEPOSIT and nxt.parent == line.id):
                pygame.draw.line(c.surface, theme.LINE, (row.x + c.px(12, 6), row.bottom),
                                 (row.right - c.px(12, 6), row.bottom), 1)
        y += row_h
    return area
