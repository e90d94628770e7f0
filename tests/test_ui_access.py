"""The shopper's accessibility: high contrast, large text, the accessibility panel, announced and extendable limits.

Every screen of the journey (``uikit.journey``, states from the real reducer, the options switched on at the welcome
screen as a shopper would), with the accessibility panel, the idle prompt, the attendant's PIN pad and the look-up of
articles without a barcode, is drawn in each language and each mode at each size: it must not be blank, no text may
leave its box, the key texts must be there whole, every button, the shopper's and the attendant's, must be at least
15 mm both ways on the lane's panel of that size (7" at 1024x600, 10.1" at 1280x800, 15.6" at 1920x1080), and the
accessibility button must sit in the lower half of the screen, where a seated shopper reaches it. Contrast ratios are
computed with the WCAG 2 formula, and millimetres from the panel's diagonal, independently of the theme's code. PNGs
of the frames go to pytest's tmp_path.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from kiosk.lane.events import Tick, Touched
from kiosk.lane.state import ACCESS_OPTIONS, CONTRAST, LARGE_TEXT, MORE_TIME, LaneState
from kiosk.ui import chrome, theme
from kiosk.ui.i18n import tr
from kiosk.ui.lookup import LookupCatalog
from kiosk.ui.screen import WITH_ACCESS, Button, LaneScreen, UiLocal, access_panel_stays
from uikit import (EXPECTED_BUTTONS, FORBIDDEN_BUTTONS, LANGS, PANEL_INCHES, SCREENS, SIZES, TOUCH_MM, check_frame,
                   expected_texts, joined, journey, mm, run, shown, too_small, write_doc_screens)

MODES = {
    "normal": (),
    "contrast": (CONTRAST,),
    "large_text": (LARGE_TEXT,),
    "contrast+large_text": (CONTRAST, LARGE_TEXT),
}

#: The journey's screens, plus the accessibility panel open over each screen that has it, "are you still there?", the
#: attendant's PIN pad, and the look-up of articles without a barcode: its categories, its search keyboard (empty,
#: and with what "ban" finds) and the weighing card.
ALL_SCREENS = SCREENS + [f"{name}_panel" for name in ("welcome", "scanning", "payment", "receipt", "thank_you")] + [
    "idle", "pin_pad", "lookup", "lookup_keyboard", "lookup_search", "lookup_weighing"]

#: Screens where something covers the accessibility button (an intervention, the idle prompt, the staff, the look-up).
COVERED = {"unexpected_nudge", "unexpected_alerted", "attendant", "idle", "pin_pad", "lookup", "lookup_keyboard",
           "lookup_search", "lookup_weighing"}

BANANAS = "OG0001"


@pytest.fixture(scope="module", autouse=True)
def _pygame():
    pygame.font.init()
    yield


@pytest.fixture(scope="module")
def screens() -> dict[tuple[int, int], LaneScreen]:
    return {size: LaneScreen(size) for size in SIZES}


@pytest.fixture(scope="module")
def lookup_source(sample_catalog) -> LookupCatalog:
    return LookupCatalog(sample_catalog, Path(__file__).resolve().parent.parent / "config")


# ------------------------------------------------------------------------------------------------------- helpers

def luminance(color: tuple[int, ...]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def screen_state(name: str, lang: str, access: tuple[str, ...],
                 source: LookupCatalog | None = None) -> tuple[LaneState, UiLocal]:
    """The state and UI-local state of one of ``ALL_SCREENS`` (the look-up reads ``source``)."""
    if name.endswith("_panel"):
        return journey(lang, access)[name[:-len("_panel")]], UiLocal(access_open=True)
    if name == "idle":
        s = journey(lang, access)["scanning"]
        s = run(s, Tick(s.t_activity + s.limit(s.settings.idle_prompt_s)))
        assert s.idle_stage == 1
        return s, UiLocal()
    if name == "pin_pad":
        return journey(lang, access)["unexpected_alerted"], UiLocal(pin_open=True, pin="47")
    lookups = {"lookup": {}, "lookup_keyboard": {"lookup_query": ""}, "lookup_search": {"lookup_query": "ban"},
               "lookup_weighing": {"lookup_item": BANANAS, "produce": (1234, True)}}
    if name in lookups:
        return journey(lang, access)["scanning"], UiLocal(lookup_open=True, lookup_source=source, **lookups[name])
    return journey(lang, access)[name], UiLocal()


def panel_texts(state: LaneState, lang: str) -> list[str]:
    on, off = tr(lang, "access.on"), tr(lang, "access.off")
    words = [tr(lang, "access.title"), tr(lang, "access.close")]
    words += [tr(lang, f"access.{opt}") for opt in ACCESS_OPTIONS]
    words += [on] if state.access else []
    words += [off] if set(ACCESS_OPTIONS) - state.access else []
    return words


def key_texts(name: str, state: LaneState, lang: str, now: float) -> list[str]:
    if name.endswith("_panel"):
        return panel_texts(state, lang)
    if name == "idle":
        texts = [tr(lang, "idle.title"), chrome.idle_countdown_text(state, lang, now), tr(lang, "action.continue")]
        return texts + ([] if MORE_TIME in state.access else [tr(lang, "access.more_time")])
    if name == "pin_pad":
        return [tr(state.settings.default_lang, "pin.title")]
    if name.startswith("lookup"):
        words = {"lookup": [tr(lang, "lookup.search")], "lookup_keyboard": [tr(lang, "lookup.search_hint")],
                 "lookup_search": ["ban_"], "lookup_weighing": [tr(lang, "lookup.confirm")]}
        return [tr(lang, "lookup.close")] + words[name]
    return expected_texts(name, state, lang)


def by_action(buttons: list[Button], action: str) -> list[Button]:
    return [b for b in buttons if b.action == action]


def draw(screen: LaneScreen, state: LaneState, local: UiLocal | None = None,
         now: float | None = None) -> tuple[pygame.Surface, list[Button]]:
    surface = pygame.Surface(screen.size)
    buttons = screen.draw(surface, state, local or UiLocal(), state.t if now is None else now)
    check_frame(screen, surface, buttons)
    return surface, buttons


# ------------------------------------------------------------------------------------------ every screen, every mode

@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", ALL_SCREENS)
def test_every_screen_in_every_mode(screens, lookup_source, tmp_path, name, lang, mode, size):
    state, local = screen_state(name, lang, MODES[mode], lookup_source)
    assert state.access == frozenset(MODES[mode])          # chosen at the welcome screen, kept for the visit
    screen = screens[size]
    surface, buttons = draw(screen, state, local)
    # Every button, the shopper's and the attendant's, is 15 mm both ways on the lane's panel of this size.
    assert not too_small(buttons, size), f"smaller than {TOUCH_MM:g} mm (width, height): {too_small(buttons, size)}"
    offered = {(b.kind, b.action) for b in buttons}
    base = name[:-len("_panel")] if name.endswith("_panel") else name
    if name in SCREENS:
        assert EXPECTED_BUTTONS[name] <= offered, f"missing {EXPECTED_BUTTONS[name] - offered}"
        assert not (FORBIDDEN_BUTTONS.get(name, set()) & offered)
    text = joined(screen)
    for key in key_texts(name, state, lang, state.t):
        assert key in text, f"{key!r} is not on the {name} screen ({mode})"
    if base in ("bagging", "scanning", "payment", "payment_declined") and not name.endswith("_panel"):
        # Every line in the list (whole, or shortened cleanly with an ellipsis); with large text the newest at least,
        # the older ones a scroll away.
        scrolls = bool(by_action(buttons, "scroll_up"))
        assert not scrolls or LARGE_TEXT in state.access, "the journey's basket fits the list in normal text"
        lines = [ln for ln in state.txn.active_lines if ln.item is not None]
        for line in lines[-1:] if scrolls else lines:
            assert shown(line.item.display_name(lang), screen.last_texts), line.item.display_name(lang)
    # The accessibility button, or the panel's Close where it was, is in reach from a seated position.
    if state.mode in WITH_ACCESS and name not in COVERED:
        (access,) = by_action(buttons, chrome.ACCESS_PANEL)
        assert access.kind == "ui" and access.arg == ("0" if local.access_open else "1")
        assert access.rect.top >= size[1] // 2, f"{access} is not in the lower half"
        assert access.rect.left < size[0] // 4, f"{access} is not on the left"
    if name.endswith("_panel"):
        toggles = {b.arg: b for b in by_action(buttons, "access")}
        assert set(toggles) == set(ACCESS_OPTIONS) and all(b.kind == "touch" for b in toggles.values())
        assert all(b.rect.bottom > size[1] // 2 for b in toggles.values())
        assert not ({"start", "pay", "help", "cancel"} & {b.action for b in buttons})   # covered by the panel
    if name == "idle":
        assert ("touch", "continue") in offered
        more = by_action(buttons, "access")
        assert [b.arg for b in more] == ([] if MORE_TIME in state.access else [MORE_TIME])
    pygame.image.save(surface, str(tmp_path / f"{name}-{lang}-{mode}-{size[0]}x{size[1]}.png"))


# -------------------------------------------------------------------------------------------------- high contrast

def _text_pairs(p: dict) -> list[tuple[str, tuple, tuple]]:
    """(what, text colour, background) for every text the shopper's screens draw in palette ``p``."""
    pairs = []
    for bg_name in ("BG", "CARD", "ROW_HIGHLIGHT"):
        for ink in ("INK", "MUTED", "PRIMARY"):              # PRIMARY: voucher amounts
            pairs.append((f"{ink} on {bg_name}", p[ink], p[bg_name]))
    for bg_name in ("HEADER", "HEADER_BUTTON"):
        for ink in ("HEADER_INK", "HEADER_MUTED"):
            pairs.append((f"{ink} on {bg_name}", p[ink], p[bg_name]))
    for tone in ("INFO", "WARN", "ERROR", "SUCCESS"):
        bg, bar, ink = p[tone]
        pairs.append((f"{tone} text", ink, bg))
        pairs.append((f"{tone} bar as text", bar, bg))        # the payment problem and the "help is coming" pill
        pairs.append((f"MUTED on {tone}", p["MUTED"], bg))
    return pairs


def test_the_high_contrast_palette_reaches_7_to_1_for_every_text():
    p = theme.HIGH_CONTRAST
    low = [(what, round(ratio(a, b), 2)) for what, a, b in _text_pairs(p) if ratio(a, b) < 7.0]
    assert not low, low
    theme.apply(True)
    try:
        for style in ("primary", "secondary", "danger", "selected", "header", "disabled"):
            fill, border, ink, shadow = theme.style(style)
            assert ratio(ink, fill) >= 7.0, (style, ratio(ink, fill))
            # A strong border on every button, visible against the page (WCAG non-text contrast, 3:1).
            assert border is not None and ratio(border, p["BG"]) >= 3.0, style
            assert shadow is None
        for tone in ("INFO", "WARN", "ERROR", "SUCCESS"):
            assert ratio(p["ICON_INK"], p[tone][1]) >= 4.5, tone     # the mark inside a filled status icon
    finally:
        theme.apply(False)
    # Lines and card borders stand out from the page too.
    for name in ("CARD_BORDER", "SECONDARY_BORDER", "LINE", "HEADER_RULE"):
        assert ratio(p[name], p["BG"]) >= 3.0, name


def test_the_calm_palette_reaches_4_5_to_1_for_body_text_and_buttons():
    p = theme.NORMAL
    body = [(what, a, b) for what, a, b in _text_pairs(p) if what.split()[0] in ("INK", "MUTED")]
    low = [(what, round(ratio(a, b), 2)) for what, a, b in body if ratio(a, b) < 4.5]
    assert not low, low
    for style in ("primary", "secondary", "danger", "selected", "header"):
        fill, _, ink, _ = theme.style(style)
        assert ratio(ink, fill) >= 4.5, (style, ratio(ink, fill))


def test_the_two_palettes_set_the_same_names_and_apply_switches_them():
    assert set(theme.HIGH_CONTRAST) == set(theme.NORMAL) == set(theme.PALETTE_NAMES)
    changed = [n for n in theme.PALETTE_NAMES if theme.HIGH_CONTRAST[n] != theme.NORMAL[n]]
    assert {"BG", "INK", "PRIMARY", "SECONDARY_BORDER", "INFO"} <= set(changed)
    theme.apply(True)
    try:
        assert theme.high_contrast()
        assert all(getattr(theme, n) == theme.HIGH_CONTRAST[n] for n in theme.PALETTE_NAMES)
        assert theme.tone(theme.NORMAL["WARN"]) == theme.HIGH_CONTRAST["WARN"]   # a tone held by another module
    finally:
        theme.apply(False)
    assert not theme.high_contrast()
    assert all(getattr(theme, n) == theme.NORMAL[n] for n in theme.PALETTE_NAMES)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_high_contrast_frame_is_black_with_a_white_edge_on_every_button(screens, size):
    screen = screens[size]
    normal = journey("de")["scanning"]
    contrast = journey("de", (CONTRAST,))["scanning"]
    surface, _ = draw(screen, normal)
    page = (size[0] // 2, size[1] - 3)                         # the page between the bottom edge and the buttons
    assert tuple(surface.get_at(page))[:3] == theme.NORMAL["BG"]
    surface, buttons = draw(screen, contrast)
    assert tuple(surface.get_at(page))[:3] == theme.HIGH_CONTRAST["BG"]
    assert theme.BG == theme.NORMAL["BG"]                      # the screen leaves the calm palette applied
    white = theme.HIGH_CONTRAST["BUTTON_BORDER"]
    edged = [b for b in buttons if b.kind == "touch" and b.action != "lang"]
    assert {"pay", "help", "void_last", "cancel"} <= {b.action for b in edged}
    for b in edged:
        edge = (b.rect.centerx, b.rect.top + 1)
        assert tuple(surface.get_at(edge))[:3] == white, f"{b.action} has no border"
    # Without the choice, the Pay button has no border: its edge is its green fill.
    surface, buttons = draw(screen, normal)
    pay = by_action(buttons, "pay")[0]
    assert tuple(surface.get_at((pay.rect.centerx, pay.rect.top + 1)))[:3] == theme.NORMAL["PRIMARY"]


def test_the_attendant_keeps_the_calm_palette_over_a_high_contrast_lane(screens):
    s = journey("en", (CONTRAST, LARGE_TEXT))["attendant"]
    screen = screens[(1280, 800)]
    surface, buttons = draw(screen, s)
    # The staff menu covers the screen: its page is the staff background, its bar the staff header, normal sizes.
    assert tuple(surface.get_at((640, 400)))[:3] in (theme.NORMAL["STAFF_BG"], theme.NORMAL["CARD"])
    assert tuple(surface.get_at((5, 5)))[:3] == theme.NORMAL["STAFF_HEADER"]
    close = by_action(buttons, "close_menu")[0]
    assert close.rect.height <= theme.Metrics.for_size((1280, 800)).header_h


# ----------------------------------------------------------------------------------------------------- large text

def test_large_text_metrics_are_bigger_and_never_smaller():
    for size in SIZES:
        normal, large = theme.Metrics.for_size(size), theme.Metrics.for_size(size, large=True)
        for key, px in normal.font_px.items():
            assert large.font_px[key] >= px, key
        for key in ("small", "body", "body_b", "button", "large", "large_b"):
            assert large.font_px[key] >= 1.3 * normal.font_px[key], key
        assert large.button_h >= normal.button_h >= normal.touch
        assert large.row_h > normal.row_h and large.header_h >= normal.header_h >= normal.touch


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_large_text_draws_bigger_letters_and_buttons_on_the_same_screen(screens, size):
    screen = screens[size]
    heights = {}
    for mode in ("normal", "large_text"):
        s = journey("de", MODES[mode])["scanning"]
        _, buttons = draw(screen, s)
        boxes = {text: rect for text, rect, _ in screen.last_text_boxes}
        pay = by_action(buttons, "pay")[0]
        heights[mode] = (boxes[tr("de", "basket.total")].height, boxes[tr("de", "scan.next")].height,
                         pay.rect.height, min(b.rect.height for b in buttons if b.kind == "touch"))
    (total_n, strip_n, pay_n, least_n), (total_l, strip_l, pay_l, least_l) = heights["normal"], heights["large_text"]
    assert total_l >= 1.25 * total_n and strip_l >= 1.25 * strip_n
    assert pay_l >= pay_n and least_l >= least_n


def test_large_text_shows_fewer_basket_lines_and_scrolls_to_the_rest(screens):
    screen = screens[(1024, 600)]
    normal = journey("de")["scanning"]
    large = journey("de", (LARGE_TEXT,))["scanning"]
    _, buttons = draw(screen, normal)
    assert not by_action(buttons, "scroll_up")                  # four lines fit the small panel in normal text
    _, buttons = draw(screen, large)
    up = by_action(buttons, "scroll_up")
    assert up and mm(min(up[0].rect.size), (1024, 600)) >= TOUCH_MM
    first = large.txn.active_lines[0].item.display_name("de")
    assert not shown(first, screen.last_texts)                 # the oldest line scrolled out of view ...
    while up and not shown(first, screen.last_texts):          # ... and back, a page at a time
        _, buttons = draw(screen, large, UiLocal(scroll=int(up[0].arg)))
        up = by_action(buttons, "scroll_up")
    assert shown(first, screen.last_texts)


# ------------------------------------------------------------------------------------------ the accessibility panel

@pytest.mark.parametrize("lang", LANGS)
def test_the_shopper_opens_the_panel_and_switches_each_option_on_and_off(screens, lang):
    screen = screens[(1280, 800)]
    s = journey(lang)["welcome"]
    local = UiLocal()
    _, buttons = draw(screen, s, local)
    (access,) = by_action(buttons, chrome.ACCESS_PANEL)
    assert tr(lang, "access.title") in screen.last_texts        # the button says what it is, with its icon
    local = replace(local, access_open=access.arg == "1")       # what the loop does with the ui button
    for option in ACCESS_OPTIONS:
        _, buttons = draw(screen, s, local)
        (toggle,) = [b for b in by_action(buttons, "access") if b.arg == option]
        assert option not in s.access
        s = run(s, Touched(s.t + 1, toggle.action, toggle.arg))  # what the loop does with a touch button
        assert option in s.access
        _, buttons = draw(screen, s, local)
        assert [b for b in by_action(buttons, "access") if b.arg == option]
    assert s.access == frozenset(ACCESS_OPTIONS)
    assert tr(lang, "access.off") not in screen.last_texts and tr(lang, "access.on") in screen.last_texts
    (close,) = by_action(buttons, chrome.ACCESS_PANEL)
    assert close.arg == "0"
    local = replace(local, access_open=close.arg == "1")
    _, buttons = draw(screen, s, local)
    assert by_action(buttons, "start") and not by_action(buttons, "access")
    # The choices last into the visit: the scanning screen is drawn with them.
    s = run(s, Touched(s.t + 1, "start"))
    assert s.mode == "scanning" and s.access == frozenset(ACCESS_OPTIONS)
    draw(screen, s, local)
    assert screen.canvas.m.large and theme.BG == theme.NORMAL["BG"]
    # Switching one off again shows it off.
    s = run(s, Touched(s.t + 1, "access", CONTRAST))
    draw(screen, s, UiLocal(access_open=True))
    assert tr(lang, "access.off") in screen.last_texts


def test_the_switch_state_is_in_words_not_only_in_colour(screens):
    screen = screens[(1280, 800)]
    s = journey("en", (CONTRAST, MORE_TIME))["scanning"]
    draw(screen, s, UiLocal(access_open=True))
    boxes = [(text, rect) for text, rect, _ in screen.last_text_boxes]
    _, buttons = draw(screen, s, UiLocal(access_open=True))
    toggles = {b.arg: b.rect for b in by_action(buttons, "access")}
    assert set(toggles) == set(ACCESS_OPTIONS)
    for option, rect in toggles.items():
        words = [text for text, r in boxes if rect.contains(r)]
        assert tr("en", f"access.{option}") in words
        assert (tr("en", "access.on") if option in s.access else tr("en", "access.off")) in words, option


def test_a_blocking_intervention_hides_the_open_panel(screens):
    s = journey("de", (LARGE_TEXT,))["unexpected_nudge"]
    _, buttons = draw(screens[(1024, 600)], s, UiLocal(access_open=True))
    assert not by_action(buttons, "access") and not by_action(buttons, chrome.ACCESS_PANEL)
    assert tr("de", "iv.prompt.scan_or_remove.title") in joined(screens[(1024, 600)])


def test_the_payment_screen_keeps_the_button_so_read_aloud_can_be_switched_on_before_paying(screens):
    s = journey("nl", (CONTRAST,))["payment"]
    _, buttons = draw(screens[(1280, 800)], s, UiLocal())
    (panel,) = by_action(buttons, chrome.ACCESS_PANEL)
    assert panel.rect.left < 1280 // 4 and panel.rect.top >= 800 // 2      # bottom left, within reach
    _, buttons = draw(screens[(1280, 800)], s, UiLocal(access_open=True))
    assert {b.arg for b in by_action(buttons, "access")} == {"contrast", "large_text", "speech", "more_time"}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", ["receipt", "thank_you"])
def test_the_receipt_and_thank_you_screens_keep_the_button_so_the_end_of_the_visit_can_be_read_aloud(screens, name,
                                                                                                    size):
    s = journey("de", (LARGE_TEXT,))[name]
    _, buttons = draw(screens[size], s, UiLocal())
    (panel,) = by_action(buttons, chrome.ACCESS_PANEL)
    assert panel.arg == "1" and tr("de", "access.title") in screens[size].last_texts
    assert panel.rect.left < size[0] // 4 and panel.rect.top >= size[1] // 2      # bottom left, within reach
    wanted = {"receipt": "receipt", "thank_you": "done"}[name]
    assert all(not b.rect.colliderect(panel.rect) for b in buttons if b.action == wanted)
    _, buttons = draw(screens[size], s, UiLocal(access_open=True))
    assert {b.arg for b in by_action(buttons, "access")} == {"contrast", "large_text", "speech", "more_time"}
    assert not by_action(buttons, wanted)                                       # covered by the panel
    (close,) = by_action(buttons, chrome.ACCESS_PANEL)
    assert close.arg == "0"


def test_the_closed_lane_has_no_button_and_never_shows_the_panel(screens):
    s = journey("nl", (CONTRAST,))["out_of_service"]
    _, buttons = draw(screens[(1280, 800)], s, UiLocal(access_open=True))
    assert not by_action(buttons, "access") and not by_action(buttons, chrome.ACCESS_PANEL)


def test_the_panel_stays_open_for_one_shoppers_visit_only():
    j = journey("en")
    visit = ["welcome", "scanning_empty", "bagging", "scanning", "payment", "receipt", "thank_you"]
    for before, after in zip(visit, visit[1:]):
        assert access_panel_stays(j[before], j[after]), (before, after)
    assert access_panel_stays(None, j["welcome"]) and access_panel_stays(j["receipt"], j["receipt"])
    # The visit is over: back at the welcome screen, or a new shopper scanning at the thank-you screen.
    assert not access_panel_stays(j["thank_you"], j["welcome"])
    assert not access_panel_stays(j["scanning"], j["welcome"])
    assert not access_panel_stays(j["thank_you"], j["scanning_empty"])
    assert not access_panel_stays(j["welcome"], j["out_of_service"])


# ------------------------------------------------------------------------------------- time limits, announced

@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("more_time", [False, True])
def test_the_idle_prompt_counts_down_the_seconds_the_reducer_allows(screens, lang, more_time):
    state, _ = screen_state("idle", lang, (MORE_TIME,) if more_time else ())
    answer = state.settings.idle_answer_s * (state.settings.more_time_factor if more_time else 1)
    screen = screens[(1024, 600)]
    for elapsed in (0.0, 7.4, answer - 1):
        now = state.t_idle + elapsed
        draw(screen, state, now=now)
        left = math.ceil(answer - elapsed)
        key = "idle.seconds_left_one" if left == 1 else "idle.seconds_left_other"
        assert tr(lang, key, seconds=left) in joined(screen)
    # The reducer calls the attendant exactly when the shown seconds are up, not before.
    shown_s = chrome.idle_seconds_left(state, state.t_idle)
    assert run(state, Tick(state.t_idle + shown_s - 0.5)).idle_stage == 1
    assert run(state, Tick(state.t_idle + shown_s)).idle_stage == 2


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_more_time_on_the_idle_prompt_extends_every_limit_and_dismisses_it(screens, size):
    state, _ = screen_state("idle", "de", ())
    _, buttons = draw(screens[size], state)
    (more,) = by_action(buttons, "access")
    assert (more.kind, more.arg) == ("touch", MORE_TIME) and mm(min(more.rect.size), size) >= TOUCH_MM
    assert tr("de", "access.more_time") in screens[size].last_texts
    s = run(state, Touched(state.t + 1, more.action, more.arg))
    assert MORE_TIME in s.access and s.idle_stage == 0
    # The next prompt comes twice as late, and offers only Continue.
    prompt_at = s.t_activity + s.settings.idle_prompt_s * s.settings.more_time_factor
    assert run(s, Tick(prompt_at - 1)).idle_stage == 0
    s = run(s, Tick(prompt_at))
    assert s.idle_stage == 1
    _, buttons = draw(screens[size], s)
    assert not by_action(buttons, "access") and by_action(buttons, "continue")
    assert tr("de", "idle.seconds_left_other", seconds=round(s.settings.idle_answer_s * 2)) in joined(screens[size])


def test_the_receipt_countdown_counts_the_longer_time_too(screens):
    s = journey("en", (MORE_TIME,))["receipt"]
    limit = s.settings.receipt_choice_s * s.settings.more_time_factor
    draw(screens[(1280, 800)], s, now=s.t_mode)
    assert tr("en", "receipt.auto.paper", seconds=round(limit)) in joined(screens[(1280, 800)])
    assert run(s, Tick(s.t_mode + limit - 0.5)).mode == "receipt"
    assert run(s, Tick(s.t_mode + limit)).mode != "receipt"


# ---------------------------------------------------------------------------------------- touch targets, in mm

def test_a_touch_target_is_15_mm_at_the_density_of_each_panel():
    for size, inches in PANEL_INCHES.items():
        density = math.hypot(*size) / (inches * 25.4)
        assert theme.px_per_mm(size) == pytest.approx(density)
        assert theme.Metrics.for_size(size).touch == math.ceil(15 * density)
    assert [theme.Metrics.for_size(size).touch for size in SIZES] == [101, 89, 84]
    # A size that is none of the panels is as dense as the nearest one (a 1024x768 window: the 7" panel's).
    assert theme.px_per_mm((1024, 768)) == theme.px_per_mm((1024, 600))
    # The config's diagonal: a 10.1" panel of 1024x600 pixels has bigger pixels, so fewer make 15 mm.
    coarse = theme.px_per_mm((1024, 600), 10.1)
    assert coarse == pytest.approx(math.hypot(1024, 600) / (10.1 * 25.4))
    assert theme.Metrics.for_size((1024, 600), density=coarse).touch == max(theme.MIN_TOUCH_PX, math.ceil(15 * coarse))


@pytest.mark.parametrize("density", [6.5, 7.5])
def test_a_denser_panel_gets_15_mm_buttons_in_its_own_pixels(density):
    size = (1280, 800)                  # 5.9 px/mm on the 10.1" panel; 6.5 and 7.5 on a 9" and a 7.9" one
    screen = LaneScreen(size, px_per_mm=density)
    for name in SCREENS + ["scanning_panel", "receipt_panel", "idle", "pin_pad"]:
        state, local = screen_state(name, "de", ())
        _, buttons = draw(screen, state, local)
        small = [(b.action, b.rect.size) for b in buttons if min(b.rect.size) < 15 * density]
        assert not small, (name, small)


def test_the_display_section_of_the_config_gives_the_panels_size():
    from kiosk.config import ConfigError, DisplayConfig, find_config, load, parse

    assert load(find_config(None)).display == DisplayConfig()        # the demo: the panel of the window's size
    assert parse({"display": {"diagonal_in": 7}}).display == DisplayConfig(diagonal_in=7.0)
    assert parse({"display": {"px_per_mm": 6.5}}).display == DisplayConfig(px_per_mm=6.5)
    for bad, words in (({"diagonal_in": 7, "px_per_mm": 6.5}, "not both"), ({"inches": 7}, "unknown setting"),
                       ({"diagonal_in": "7 inch"}, "must be a number"), ({"px_per_mm": 0}, "must be a number"),
                       ({"diagonal_in": True}, "must be a number")):
        with pytest.raises(ConfigError, match=words):
            parse({"display": bad})


# ----------------------------------------------------------------------------------------------- the README's pictures

def test_the_readme_pictures_are_written(tmp_path):
    paths = write_doc_screens(tmp_path)
    assert [p.name for p in paths] == ["welcome.png", "scanning.png", "scanning-contrast.png",
                                       "scanning-large-text.png", "access-panel.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert pygame.image.load(str(p)).get_size() == (1280, 800)
    contrast = pygame.image.load(str(tmp_path / "scanning-contrast.png"))
    assert tuple(contrast.get_at((640, 797)))[:3] == theme.HIGH_CONTRAST["BG"]


def test_the_app_opens_the_panel_and_switches_a_choice_with_the_screens_own_buttons(tmp_path):
    """Through LaneApp: the accessibility button opens the panel (UI-local), a switch becomes Touched("access")."""
    import dataclasses

    from kiosk.app import LaneApp
    from kiosk.config import load
    from kiosk.devices import LaneDevices
    from kiosk.journal import Journal
    from kiosk.runtime import LaneRuntime
    from kiosk.ui.model import UiLocal
    from kiosk.ui.screen import LaneScreen
    from lanekit import DictCatalog

    from kiosk.config import find_config
    config = dataclasses.replace(load(find_config(None)), data_dir=tmp_path, devices={})
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), DictCatalog())
    app = LaneApp(config, lane, LaneDevices(config), size=(1280, 800), headless=True)
    if app.speaker is not None:
        app.speaker.close()
        app.speaker = None
    local = app.local = UiLocal()
    pygame.display.init()
    pygame.font.init()
    surface = pygame.Surface((1280, 800))
    screen = LaneScreen((1280, 800))
    app.execute(lane.start())

    def press(action: str, arg: str | None = None) -> None:
        buttons = screen.draw(surface, lane.state, local, 0.0)
        (button,) = [b for b in buttons if b.action == action and (arg is None or b.arg == arg)]
        app._on_button(button, local)

    press("access_panel")
    assert local.access_open
    press("access", "contrast")
    assert lane.state.access == {"contrast"}
    press("access_panel")                      # the panel's Close sits where the button was
    assert not local.access_open
    lane.journal.close()
