"""The attendant at the lane: the PIN pad to sign in, and the menu to resolve what the lane is waiting for.

Both cover the whole screen and use the staff colours, so a shopper never mistakes them for their own screen; both are
worded in the store's language (``Settings.default_lang``), not the shopper's. The screen never checks a PIN: it
shows dots for ``UiLocal.pin`` and hands ``pin_submit`` to the loop. Menu buttons are ``attendant`` buttons whose
action is the command name; their ``arg`` is the intervention id (approve, verify_age, reject_age), the intervention
id and the verdict as ``"<id>:ok"`` or ``"<id>:found"`` (audit_done), or the line id (void_line) as a string, or None.
:func:`command_args` turns a button back into the command's fields.

An alert of the bagging area tells the attendant what the lane saw before they walk over: the item, the weight
expected and the weight measured (signed changes in grams), and why the transaction looks risky (the risk score and
its reasons, ``"voids:2"`` read as "2 voids").

The attendant touches the same panel as the shopper, so every key and button is at least ``theme.TOUCH_MM`` both
ways: on a 7" panel the PIN pad puts the dots beside its keys, and each line of the basket list (a touch selects it
for Void line, in the bottom bar with the other commands) is a finger tall.
"""

from __future__ import annotations

import math

import pygame

from kiosk.lane import interventions as iv_
from kiosk.lane.state import DEPOSIT, OUT_OF_SERVICE, THANK_YOU, WELCOME, Intervention, LaneState, Line
from kiosk.ui import icons, theme
from kiosk.ui.basket import scroll_column, scroll_width, shown_lines, window
from kiosk.ui.i18n import has, tr
from kiosk.ui.model import ATTENDANT, UI, Button, UiLocal
from kiosk.ui.widgets import Canvas, split_h
from kiosk.ui.wording import attendant_lang, intervention_item, intervention_title, items_label, line_name, money

PIN_DOTS_MAX = 12

#: Alerts about the bagging area: the attendant sees the weights and the item.
BAGGING_KINDS = (iv_.UNEXPECTED_ITEM, iv_.ITEM_REMOVED, iv_.WEIGHT_MISMATCH, iv_.ITEM_NOT_BAGGED, iv_.TOTAL_MISMATCH)
#: The verdicts of a random rescan audit (``audit_done``'s arg).
AUDIT_OK = "ok"
AUDIT_FOUND = "found"
#: Lines an alert's detail may wrap to (the risk reasons may take more).
_DETAIL_LINES = 2
_RISK_LINES = 5
#: Commands whose button arg names the intervention they decide.
_INTERVENTION_COMMANDS = ("approve", "verify_age", "reject_age")


def _close_button(c: Canvas, rect: pygame.Rect, style: str = "secondary", face: pygame.Rect | None = None) -> None:
    c.button(rect, None, UI, "close_menu", style=style, icon=icons.cross, face=face)


# ------------------------------------------------------------------------------------------------------ PIN pad

def draw_pin_pad(c: Canvas, state: LaneState, local: UiLocal, now: float) -> None:
    m = c.m
    lang = attendant_lang(state)
    screen = pygame.Rect(0, 0, m.w, m.h)
    c.cover(screen)
    close_s = max(m.touch, m.header_h * 4 // 5)
    title_h = max(close_s, c.line_h("large_b"))
    field_h = max(c.px(64, 48), c.line_h("xl_b"))
    msg_h = c.line_h("small")
    entry_h = field_h + m.gap + msg_h              # the dots, and the message under them
    ip = m.pad
    budget = m.h - 2 * m.pad
    head = 2 * ip + title_h + m.gap                # the margins and the title bar
    key_h = max(m.touch, min(m.button_h, (budget - head - entry_h - 4 * m.gap) // 4))
    keys_h = 4 * key_h + 3 * m.gap
    # The dots above the keys; on a screen too short for that (a 7" panel) beside them, so the keys keep their size.
    beside = head + entry_h + m.gap + keys_h > budget
    keys_w = max(c.px(460), 6 * key_h) - 2 * ip
    pw = min(m.w - 2 * m.pad, keys_w + 2 * ip + (keys_w * 2 // 3 + m.gap if beside else 0))
    ph = min(budget, head + keys_h + (0 if beside else entry_h + m.gap))
    panel = pygame.Rect(0, 0, pw, ph)
    panel.center = screen.center
    c.card(panel)
    pygame.draw.rect(c.surface, theme.STAFF_HEADER, pygame.Rect(panel.x, panel.y, pw, ip + title_h),
                     border_top_left_radius=m.radius, border_top_right_radius=m.radius)
    inner = panel.inflate(-2 * ip, -2 * ip)
    close = pygame.Rect(inner.right - close_s, panel.y + ip // 2 + (title_h - close_s) // 2, close_s, close_s)
    _close_button(c, close, "staff_header")
    c.text(tr(lang, "pin.title"), "large_b", theme.HEADER_INK,
           pygame.Rect(inner.x, panel.y + ip // 2, close.left - m.gap - inner.x, title_h))
    y = panel.y + ip + title_h + m.gap
    if beside:
        keys_x = inner.right - min(keys_w, inner.width * 3 // 5)
        keys = pygame.Rect(keys_x, y, inner.right - keys_x, inner.bottom - y)
        entry = pygame.Rect(inner.x, y + (keys.height - entry_h) // 2, keys.x - m.gap - inner.x, entry_h)
    else:
        entry = pygame.Rect(inner.x, y, inner.width, entry_h)
        keys = pygame.Rect(inner.x, entry.bottom + m.gap, inner.width, inner.bottom - entry.bottom - m.gap)
    field = pygame.Rect(entry.x, entry.y, entry.width, field_h)
    pygame.draw.rect(c.surface, theme.BG, field, border_radius=m.radius)
    pygame.draw.rect(c.surface, theme.SECONDARY_BORDER, field, width=c.px(2), border_radius=m.radius)
    if local.pin:
        n = min(len(local.pin), PIN_DOTS_MAX)
        r = max(4, min(field_h // 6, field.width // (3 * PIN_DOTS_MAX)))
        step = 3 * r
        x0 = field.centerx - (n - 1) * step // 2
        for i in range(n):
            pygame.draw.circle(c.surface, theme.INK, (x0 + i * step, field.centery), r)
    else:
        c.text(tr(lang, "pin.prompt"), "body", theme.FAINT, field.inflate(-2 * m.gap, 0), "center")
    message = pygame.Rect(entry.x, field.bottom + m.gap, entry.width, msg_h)
    locked = state.pin_locked_until > now
    if locked:
        minutes = max(1, math.ceil((state.pin_locked_until - now) / 60))
        c.text(tr(lang, "pin.locked", minutes=minutes), "small", theme.DANGER, message, "center")
    elif state.pin_failures:
        left = max(0, state.settings.pin_attempts - state.pin_failures)
        c.text(tr(lang, "pin.wrong", left=left), "small", theme.DANGER, message, "center")
    rows = [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["clear", "0", "ok"]]
    row_h = (keys.height - 3 * m.gap) // 4
    for r_i, labels in enumerate(rows):
        row = pygame.Rect(keys.x, keys.y + r_i * (row_h + m.gap), keys.width, row_h)
        for label, cell in zip(labels, split_h(row, 3, m.gap)):
            if label == "clear":
                c.button(cell, tr(lang, "pin.clear"), UI, "pin_clear",
                         style="disabled" if locked or not local.pin else "secondary", font="body_b")
            elif label == "ok":
                c.button(cell, tr(lang, "pin.ok"), UI, "pin_submit",
                         style="disabled" if locked or not local.pin else "primary", font="large_b")
            else:
                c.button(cell, label, UI, "pin_digit", label, style="disabled" if locked else "secondary",
                         font="xl_b")


# --------------------------------------------------------------------------------------------------------- menu

def _menu_commands(state: LaneState) -> list[str]:
    """The commands of the menu's bottom bar, in order (``void_line`` voids the line selected in the basket list);
    the reducer still decides whether each applies now."""
    session = state.attendant
    role = session.role if session is not None else ""
    txn_open = state.txn is not None and state.txn.status == "open"
    out = []
    if txn_open:
        out += ["cancel", "suspend", "void_line"]
    if state.last_summary is not None:
        out.append("reprint")
    if state.mode in (WELCOME, THANK_YOU, OUT_OF_SERVICE):
        out.append("end_of_day")
    out.append("open_lane" if (not state.in_service or state.mode == OUT_OF_SERVICE) else "close_lane")
    return [cmd for cmd in out if state.settings.may(role, cmd)]


def _selectable(line: Line) -> bool:
    return line.qty > 0 and line.kind != DEPOSIT


def _selected(state: LaneState, local: UiLocal) -> Line | None:
    """The line selected in the attendant's basket list, if it can still be voided."""
    txn = state.txn
    line = txn.line(local.selected_line) if txn is not None and local.selected_line is not None else None
    return line if line is not None and _selectable(line) else None


def command_args(action: str, arg: str | None) -> dict[str, int | str | None]:
    """The fields of the ``AttendantCommand`` a menu button gives: ``intervention``, ``line`` and ``arg``.

    approve, verify_age and reject_age carry the intervention id; audit_done carries ``"<id>:<verdict>"``; every
    other command (void_line) carries a line id or nothing.
    """
    number = int(arg) if arg is not None and arg.isdigit() else None
    if action in _INTERVENTION_COMMANDS:
        return {"intervention": number, "line": None, "arg": None}
    if action == "audit_done":
        iid, _, verdict = (arg or "").partition(":")
        return {"intervention": int(iid) if iid.isdigit() else None, "line": None, "arg": verdict or None}
    return {"intervention": None, "line": number, "arg": None}


def reason_text(reason: str, lang: str) -> str:
    """One risk reason as the attendant reads it: ``"voids:2"`` -> "2 voids"; a reason we have no words for as is."""
    name, sep, count = reason.partition(":")
    if not sep or not count.isdigit():
        return reason
    key = f"att.reason.{name}_{'one' if int(count) == 1 else 'other'}"
    return tr(lang, key, count=int(count)) if has(lang, key) else reason


def _score(risk: float, lang: str) -> str:
    text = f"{risk:.2f}".rstrip("0").rstrip(".")
    return text if lang == "en" else text.replace(".", ",")


def _grams(g: float, signed: bool) -> str:
    return f"{round(g):+d}" if signed else f"{round(g):d}"


def weight_text(iv: Intervention, lang: str) -> str:
    """Expected and measured weight of a bagging alert ("" when the lane recorded none).

    For a weight stop both are changes of the settled weight (signed); for a total mismatch they are the weight of
    everything bagged as the lane expects it and as it is now.
    """
    if iv.expected_g is None and iv.measured_g is None:
        return ""
    if iv.kind == iv_.TOTAL_MISMATCH and iv.expected_g is not None and iv.measured_g is not None:
        return tr(lang, "att.weight_total", expected=_grams(iv.expected_g, False),
                  measured=_grams(iv.measured_g, False), difference=_grams(iv.measured_g - iv.expected_g, True))
    if iv.measured_g is None:
        return tr(lang, "att.weight_expected", expected=_grams(iv.expected_g or 0.0, True))
    expected = iv.expected_g or 0.0
    return tr(lang, "att.weight_change", expected=_grams(expected, True), measured=_grams(iv.measured_g, True),
              difference=_grams(iv.measured_g - expected, True))


def risk_text(iv: Intervention, lang: str) -> str:
    """The risk score and its reasons ("" when the lane recorded neither)."""
    if not iv.reasons and not iv.risk:
        return ""
    score = _score(iv.risk, lang)
    if not iv.reasons:
        return tr(lang, "att.risk", score=score)
    return tr(lang, "att.risk_reasons", score=score,
              reasons=tr(lang, "sep").join(reason_text(r, lang) for r in iv.reasons))


def intervention_details(state: LaneState, iv: Intervention, lang: str) -> list[str]:
    """The lines under an alert's title: its status, then what the lane knows about it."""
    details = [tr(lang, f"att.status.{iv.status}")]
    if iv.kind in BAGGING_KINDS:
        item = intervention_item(state, iv, lang)
        if item:
            details.append(tr(lang, "att.item", item=item))
        weights = weight_text(iv, lang)
        if weights:
            details.append(weights)
    elif iv.kind == iv_.AGE_CHECK and iv.detail:
        details.append(tr(lang, "att.age", age=iv.detail))
    elif iv.detail:
        details.append(iv.detail)
    risk = risk_text(iv, lang)
    if risk:
        details.append(risk)
    return details


def _actions(iv: Intervention) -> list[tuple[str, str, str, str]]:
    """(command, label key, style, arg) of an alert's buttons."""
    iid = str(iv.id)
    if iv.kind == iv_.AGE_CHECK:
        return [("verify_age", "att.verify_age", "primary", iid), ("reject_age", "att.reject_age", "secondary", iid)]
    if iv.kind == iv_.RESCAN_AUDIT:
        return [("audit_done", "att.audit_ok", "primary", f"{iid}:{AUDIT_OK}"),
                ("audit_done", "att.audit_found", "secondary", f"{iid}:{AUDIT_FOUND}")]
    return [("approve", "att.approve", "primary", iid)]


def _interventions(c: Canvas, state: LaneState, lang: str, rect: pygame.Rect) -> None:
    m = c.m
    open_ = state.open_interventions
    head_h = c.line_h("body_b") + m.gap
    title = tr(lang, "att.interventions_n", count=len(open_)) if open_ else tr(lang, "att.interventions")
    c.text(title, "body_b", theme.INK, pygame.Rect(rect.x, rect.y, rect.width, head_h))
    area = pygame.Rect(rect.x, rect.y + head_h, rect.width, rect.height - head_h)
    if not open_:
        c.card(area, shadow=False)
        c.text(tr(lang, "att.no_interventions"), "body", theme.MUTED, area.inflate(-2 * m.gap, 0), "center")
        return
    pad = c.px(8, 4)
    bar_w = c.px(8, 5)
    small_h = c.line_h("small")
    y = area.y
    for n, iv in enumerate(open_):
        # Two decisions (age, audit) get a row of their own under the text; one decision sits beside the text,
        # unless the text (weights, risk) is taller than the button there: then it gets the card's width.
        actions = _actions(iv)
        details = intervention_details(state, iv, lang)
        title = intervention_title(iv, lang)
        lines = [_DETAIL_LINES] * len(details)
        if risk_text(iv, lang):
            lines[-1] = _RISK_LINES                     # the reasons come last and may take more room
        tx = area.x + bar_w + m.gap

        def measure(stacked: bool) -> tuple[int, int, list[int], int]:
            tw = (area.right - pad - tx) if stacked else (area.right - pad - int(area.width * 0.4) - m.gap - tx)
            title_h = c.paragraph_h(title, "body_b", tw, 2)
            detail_hs = [c.paragraph_h(d, "small", tw, n) for d, n in zip(details, lines)]
            return tw, title_h, detail_hs, title_h + sum(detail_hs)

        stacked = len(actions) > 1
        tw, title_h, detail_hs, text_h = measure(stacked)
        if not stacked and text_h > m.button_h + 2 * pad:
            stacked = True
            tw, title_h, detail_hs, text_h = measure(stacked)
        if stacked:
            card_h = 2 * pad + text_h + m.gap + m.button_h
        else:
            card_h = max(m.button_h + 2 * pad, text_h + 2 * m.gap)
        if y + card_h > area.bottom:
            # No room for this one: say how many are not shown rather than leave them out silently.
            if area.bottom - y >= small_h:
                c.text(tr(lang, "iv.more", count=len(open_) - n), "small", theme.MUTED,
                       pygame.Rect(area.x, y, area.width, small_h))
            break
        card = pygame.Rect(area.x, y, area.width, card_h)
        c.card(card, shadow=False, border=theme.LINE)
        pygame.draw.rect(c.surface, theme.LIGHT["amber"] if iv.status == "alerted" else theme.WARN[1],
                         pygame.Rect(card.x, card.y, bar_w, card.height),
                         border_top_left_radius=m.radius, border_bottom_left_radius=m.radius)
        if stacked:
            ty = card.y + pad
            bw = card.right - pad - tx if len(actions) > 1 else int(card.width * 0.4)
            buttons = pygame.Rect(card.right - pad - bw, card.bottom - pad - m.button_h, bw, m.button_h)
        else:
            ty = card.y + (card.height - text_h) // 2
            bw = int(card.width * 0.4)
            buttons = pygame.Rect(card.right - pad - bw, card.y + (card.height - m.button_h) // 2, bw, m.button_h)
        for (command, label, style, arg), cell in zip(actions, split_h(buttons, len(actions), m.gap)):
            c.button(cell, tr(lang, label), ATTENDANT, command, arg, style=style, font="body_b")
        ty += c.paragraph(title, "body_b", theme.INK, pygame.Rect(tx, ty, tw, title_h), 2)
        for d, dh, n in zip(details, detail_hs, lines):
            ty += c.paragraph(d, "small", theme.MUTED, pygame.Rect(tx, ty, tw, dh), n)
        y += card_h + m.gap


def _basket(c: Canvas, state: LaneState, local: UiLocal, lang: str, rect: pygame.Rect) -> None:
    """The transaction's lines, each a touch target that selects it for Void line (in the bottom bar)."""
    m = c.m
    txn = state.txn
    head_h = c.line_h("body_b") + m.gap
    hint = tr(lang, "att.select_hint")
    hw = min(c.width_of("small", hint), rect.width // 2)
    head = pygame.Rect(rect.x, rect.y, rect.width, head_h)
    c.text(hint, "small", theme.MUTED, pygame.Rect(head.right - hw, head.y, hw, head_h), "right")
    c.text(tr(lang, "att.basket"), "body_b", theme.INK, pygame.Rect(head.x, head.y, head.width - hw - m.gap, head_h))
    area = pygame.Rect(rect.x, rect.y + head_h, rect.width, rect.height - head_h)
    c.card(area, shadow=False)
    rows = [ln for ln in shown_lines(txn)] if txn is not None and txn.status == "open" else []
    selected = _selected(state, local)
    inner = area.inflate(-2 * c.px(6, 4), -2 * c.px(6, 4))
    if not rows:
        c.text(tr(lang, "att.no_transaction"), "body", theme.MUTED, inner, "center")
        return
    row_h = max(m.touch, m.row_h)          # every row is a touch target: it selects the line
    visible = max(1, inner.height // row_h)
    if len(rows) > visible:
        sb_w = scroll_width(c, inner.height)
        scroll_column(c, pygame.Rect(inner.right - sb_w, inner.y, sb_w, inner.height), len(rows), visible,
                      local.menu_scroll, "menu_scroll_up", "menu_scroll_down")
        inner.width -= sb_w + m.gap
    first, end, _ = window(len(rows), visible, local.menu_scroll)
    y = inner.y
    for line in rows[first:end]:
        row = pygame.Rect(inner.x, y, inner.width, row_h)
        is_sel = selected is not None and line.id == selected.id
        if is_sel:
            face = row.inflate(0, -c.px(4, 2))
            pygame.draw.rect(c.surface, theme.SELECTED, face, border_radius=c.px(8, 4))
            pygame.draw.rect(c.surface, theme.SELECTED_BORDER, face, width=c.px(2), border_radius=c.px(8, 4))
        if _selectable(line):
            c.buttons.append(Button(row.copy(), UI, "select_line", str(line.id)))
        ip = c.px(12, 6)
        cell = row.inflate(-2 * ip, 0)
        muted = not _selectable(line)
        amount = money(line.amount_cents, lang) if line.qty else tr(lang, "basket.voided")
        aw = min(c.width_of("body_b", amount), cell.width // 2)
        c.text(amount, "body_b", theme.MUTED if muted else theme.INK,
               pygame.Rect(cell.right - aw, cell.y, aw, cell.height), "right")
        name = line_name(line, txn, lang)
        label = name if line.kind == DEPOSIT or not line.qty else tr(lang, "att.line", qty=line.qty, name=name)
        indent = c.px(22, 12) if line.kind == DEPOSIT else 0
        c.text(label, "body", theme.FAINT if muted else theme.INK,
               pygame.Rect(cell.x + indent, cell.y, cell.width - aw - m.gap - indent, cell.height),
               strike=line.qty == 0)
        y += row_h


def draw_menu(c: Canvas, state: LaneState, local: UiLocal, now: float) -> None:
    m = c.m
    session = state.attendant
    if session is None:
        return
    lang = attendant_lang(state)
    screen = pygame.Rect(0, 0, m.w, m.h)
    c.cover(screen, dim=False)
    pygame.draw.rect(c.surface, theme.STAFF_BG, screen)
    bar = pygame.Rect(0, 0, m.w, m.header_h)
    pygame.draw.rect(c.surface, theme.STAFF_HEADER, bar)
    stripe = c.px(4, 3)
    pygame.draw.rect(c.surface, theme.STAFF_ACCENT, pygame.Rect(0, bar.bottom - stripe, m.w, stripe))
    # Close and Sign out take the bar's height to be touched; they are drawn above its accent line.
    close = pygame.Rect(m.w - m.header_h, 0, m.header_h, m.header_h)
    _close_button(c, close, "staff_header", face=pygame.Rect(close.x, 0, close.width, close.height - stripe))
    sign_w = max(c.px(200, 150), c.width_of("body_b", tr(lang, "att.sign_out")) + 4 * m.gap)
    sign = pygame.Rect(close.left - m.gap - sign_w, c.px(10, 6), sign_w, m.header_h - 2 * c.px(10, 6) - stripe)
    c.button(pygame.Rect(sign.x, 0, sign.width, m.header_h), tr(lang, "att.sign_out"), ATTENDANT, "sign_out",
             style="staff", font="body_b", face=sign)
    x = m.pad
    r = c.text(tr(lang, "att.title"), "large_b", theme.HEADER_INK,
               pygame.Rect(x, 0, max(0, sign.left - m.gap - x), bar.height - stripe))
    who = tr(lang, "att.signed_in", name=session.attendant, role=tr(lang, f"role.{session.role}"))
    who_box = pygame.Rect(r.right + 2 * m.gap, 0, max(0, sign.left - m.gap - r.right - 2 * m.gap),
                          bar.height - stripe)
    c.text(who, "body", theme.HEADER_MUTED, who_box)

    # Status line: where the lane is, what it shows, what is broken.
    y = bar.bottom + m.gap
    status = [tr(lang, "att.lane_status", lane=state.lane_id or "-", mode=tr(lang, f"mode.{state.mode}"),
                 light=tr(lang, f"light.{state.light}"))]
    txn = state.txn
    if txn is not None and txn.status == "open":
        status.append(tr(lang, "att.summary", number=txn.number, count=items_label(txn.item_count, lang),
                         total=money(txn.total_cents, lang)))
    sh = c.line_h("small")
    dot = pygame.Rect(m.pad, y, sh, sh)
    pygame.draw.circle(c.surface, theme.LIGHT.get(state.light, theme.LIGHT["red"]), dot.center, sh // 3)
    sx = dot.right + c.px(6, 3)
    status_box = pygame.Rect(sx, y, m.w - m.pad - sx, sh)
    if state.devices_down:
        down = tr(lang, "att.devices_down", devices=", ".join(state.devices_down))
        dw = min(c.width_of("small", down), status_box.width // 2)
        c.text(down, "small", theme.DANGER, pygame.Rect(status_box.right - dw, y, dw, sh), "right")
        status_box.width -= dw + m.gap
    c.text(tr(lang, "sep").join(status), "small", theme.MUTED, status_box)
    y += sh + m.gap
    if local.staff_message:       # the outcome of the last thing the lane did for the attendant (end of day)
        c.text(local.staff_message, "small", theme.INK, pygame.Rect(m.pad, y, m.w - 2 * m.pad, sh))
        y += sh + m.gap

    # Bottom bar: the commands, Void line among them for the line selected in the list.
    commands = _menu_commands(state)
    bottom = pygame.Rect(m.pad, m.h - m.pad - m.button_h, m.w - 2 * m.pad, m.button_h)
    selected = _selected(state, local)
    for cmd, cell in zip(commands, split_h(bottom, max(1, len(commands)), m.gap)):
        style = "danger" if cmd in ("cancel", "close_lane") else "secondary"
        arg = None
        if cmd == "void_line":
            arg, style = (str(selected.id), "danger") if selected is not None else (None, "disabled")
        c.button(cell, tr(lang, f"att.{cmd}"), ATTENDANT, cmd, arg, style=style, font="body_b")
    body = pygame.Rect(m.pad, y, m.w - 2 * m.pad, bottom.top - m.gap - y)
    left_w = round(body.width * 0.5)
    _interventions(c, state, lang, pygame.Rect(body.x, body.y, left_w - m.gap, body.height))
    _basket(c, state, local, lang, pygame.Rect(body.x + left_w + m.gap, body.y, body.width - left_w - m.gap,
                                               body.height))
