"""The lane's screen, drawn off-screen for every step of a shopper's journey, in every language and at every size.

The states come from the real reducer: a shopper starts, scans milk, a cake with a long German name and a bottle of
water with a deposit, bags them, puts something unexpected in the bagging area, pays (declined, then approved),
chooses a receipt and is thanked; the lane is also seen closed and with an attendant signed in. Each screen must show
the right words, offer the right buttons, keep every button and every text inside the screen and its box, make every
button at least 15 mm both ways on the lane's panel of that size, and never let two buttons overlap. A PNG of each
screen goes to pytest's tmp_path for a human to look at. The journey and the checks every frame must pass live in
``uikit`` (shared with the accessibility tests). Last, the application loop draws a frame exactly when the screen can
have changed.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kiosk.domain.item import Item  # noqa: E402
from kiosk.lane import interventions  # noqa: E402
from kiosk.lane.events import (AttendantCommand, AttendantSignedIn, DeviceStatus, LaneStarted, Tick,  # noqa: E402
                               Touched, WeightSettled)
from kiosk.lane.reducer import initial_state  # noqa: E402
from kiosk.lane.state import LaneState  # noqa: E402
from kiosk.ui import i18n  # noqa: E402
from kiosk.ui.attendant import command_args, reason_text  # noqa: E402
from kiosk.ui.i18n import tr  # noqa: E402
from kiosk.ui.screen import LaneScreen, UiLocal, fit_text, hit, wrap_text  # noqa: E402
from kiosk.ui.widgets import load_font  # noqa: E402
from uikit import (CAKE, EXPECTED_BUTTONS, FORBIDDEN_BUTTONS, LANGS, MILK, SCREENS, SIZES, TOUCH_MM,  # noqa: E402
                   WATER, WHISKY, check_frame, expected_texts, joined, journey, mm, run, scan, shown)


@pytest.fixture(scope="module", autouse=True)
def _pygame():
    pygame.font.init()
    yield


@pytest.fixture(scope="module")
def screens() -> dict[tuple[int, int], LaneScreen]:
    return {size: LaneScreen(size) for size in SIZES}


# ------------------------------------------------------------------------------------------------- every screen

@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", SCREENS)
def test_every_screen_in_every_language_at_every_size(screens, tmp_path, name, lang, size):
    state = journey(lang)[name]
    screen = screens[size]
    surface = pygame.Surface(size)
    buttons = screen.draw(surface, state, UiLocal(), state.t)

    check_frame(screen, surface, buttons)
    offered = {(b.kind, b.action) for b in buttons}
    assert EXPECTED_BUTTONS[name] <= offered, f"missing {EXPECTED_BUTTONS[name] - offered}"
    assert not (FORBIDDEN_BUTTONS.get(name, set()) & offered)
    for text in expected_texts(name, state, lang):
        assert text in " ".join(screen.last_texts), f"{text!r} is not on the {name} screen"
    if state.txn is not None and name not in ("receipt", "thank_you", "unexpected_nudge", "unexpected_alerted"):
        names_lang = state.settings.default_lang if name == "attendant" else lang
        # Every line, or, where the attendant's list of finger-high lines scrolls (a 7" panel), the newest.
        scrolls = any(b.action == "menu_scroll_up" for b in buttons)
        lines = [ln for ln in state.txn.active_lines if ln.item is not None]
        for line in lines[-1:] if scrolls else lines:
            item_name = line.item.display_name(names_lang)
            if name == "attendant":                                # the attendant's list says how many
                item_name = tr(names_lang, "att.line", qty=line.qty, name=item_name)
            assert shown(item_name, screen.last_texts), f"{item_name!r} is not on the {name} screen"
        assert not scrolls or size == (1024, 600), "the journey's basket fits the attendant's list"

    png = tmp_path / f"{name}-{lang}-{size[0]}x{size[1]}.png"
    pygame.image.save(surface, str(png))
    assert png.is_file() and png.stat().st_size > 0


def test_the_pay_button_is_where_a_touch_finds_it(screens):
    state = journey("de")["scanning"]
    buttons = screens[(1280, 800)].draw(pygame.Surface((1280, 800)), state, UiLocal(), state.t)
    pay = next(b for b in buttons if b.action == "pay")
    assert hit(buttons, pay.rect.center) is pay
    assert hit(buttons, (-5, -5)) is None


# ---------------------------------------------------------------------------------------------- particular cases

def test_a_long_basket_scrolls_and_shows_the_newest_lines_first(screens):
    items = [Item(f"2{i:03d}", f"Artikel Nummer {i:02d}", 100 + i, 700, gtins=(f"0400000000{i:04d}",),
                  weight_g=None, flags=("no_bag",)) for i in range(24)]
    s = run(initial_state(), LaneStarted(0, "3"), Touched(1, "start"))
    for i, item in enumerate(items):
        s = run(s, scan(2 + i, item))
    screen = screens[(1024, 600)]
    surface = pygame.Surface((1024, 600))
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    assert "Artikel Nummer 23" in screen.last_texts
    assert "Artikel Nummer 00" not in screen.last_texts
    assert not any(b.action == "scroll_down" for b in buttons)     # already at the newest
    up = next(b for b in buttons if b.action == "scroll_up")
    offset = int(up.arg)
    assert offset > 0
    # Scrolling up to the top (the loop sets UiLocal.scroll from the button's arg).
    for _ in range(30):
        buttons = screen.draw(surface, s, UiLocal(scroll=offset), s.t)
        check_frame(screen, surface, buttons)
        up = next((b for b in buttons if b.action == "scroll_up"), None)
        if up is None:
            break
        offset = int(up.arg)
    assert "Artikel Nummer 00" in screen.last_texts
    down = next(b for b in buttons if b.action == "scroll_down")
    assert int(down.arg) < offset


def test_an_age_check_is_a_card_and_the_shopper_keeps_scanning(screens):
    s = run(initial_state(), LaneStarted(0, "3"), Touched(1, "start"), scan(2, WHISKY), WeightSettled(3, 1300))
    assert any(iv.kind == interventions.AGE_CHECK for iv in s.open_interventions)
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(), s.t)
        check_frame(screen, surface, buttons)
        joined = " ".join(screen.last_texts)
        assert tr("de", "iv.age_check.title") in joined
        assert {"pay", "help", "cancel", "void_last"} <= {b.action for b in buttons}


def test_the_age_check_card_never_hides_the_newest_line(screens):
    extras = [Item(f"3{i:03d}", f"Joghurt Sorte {i:02d}", 59, 700, gtins=(f"0400000001{i:04d}",), flags=("no_bag",))
              for i in range(14)]
    s = run(initial_state(), LaneStarted(0, "3"), Touched(1, "start"))
    for i, item in enumerate(extras):
        s = run(s, scan(2 + i, item))
    s = run(s, scan(20, WHISKY), WeightSettled(21, 1300))
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(), s.t)
        check_frame(screen, surface, buttons)
        # Once in the list, once as the last item: the card sits under the list, not over it.
        assert screen.last_texts.count(WHISKY.name) == 2
        assert any(b.action == "scroll_up" for b in buttons)


@pytest.mark.parametrize("access", [(), ("large_text",)], ids=["normal", "large_text"])
def test_a_device_fault_on_the_welcome_screen_sits_above_the_greeting(screens, access):
    s = run(journey("de", access)["welcome"], DeviceStatus(5, "printer", False, "paper out"))
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(), s.t)
        check_frame(screen, surface, buttons)
        boxes = {text: rect for text, rect, _ in screen.last_text_boxes}
        fault, welcome = boxes[tr("de", "iv.device_fault.title")], boxes[tr("de", "welcome.title")]
        assert fault.bottom < welcome.top
        assert {"start", "own_bag", "lang"} <= {b.action for b in buttons}


def test_the_attendant_verifies_an_age_and_voids_a_selected_line(screens):
    s = run(initial_state(), LaneStarted(0, "3"), Touched(1, "start"), scan(2, MILK), WeightSettled(3, 1040),
            scan(4, WHISKY), WeightSettled(5, 2340), AttendantSignedIn(6, "ben", "attendant"))
    age = next(iv for iv in s.open_interventions if iv.kind == interventions.AGE_CHECK)
    whisky = next(ln for ln in s.txn.lines if ln.sku == WHISKY.sku)
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(), s.t)
        check_frame(screen, surface, buttons)
        by_action = {b.action: b for b in buttons}
        assert by_action["verify_age"].arg == str(age.id) and by_action["verify_age"].kind == "attendant"
        assert by_action["reject_age"].arg == str(age.id)
        assert "void_line" not in by_action                      # nothing selected yet
        assert "close_lane" not in by_action                     # an attendant may not close the lane
        select = [b for b in buttons if b.action == "select_line"]
        assert {b.arg for b in select} == {str(ln.id) for ln in s.txn.active_lines}
        buttons = screen.draw(surface, s, UiLocal(selected_line=whisky.id), s.t)
        check_frame(screen, surface, buttons)
        void = next(b for b in buttons if b.action == "void_line")
        assert (void.kind, void.arg) == ("attendant", str(whisky.id))


@pytest.mark.parametrize("how", ["never started", "closed by a supervisor"])
def test_a_closed_lane_offers_the_supervisor_to_open_it(screens, how):
    if how == "never started":
        s = run(initial_state(), AttendantSignedIn(1, "chris", "supervisor"))
    else:
        s = run(initial_state(), LaneStarted(0, "3"), AttendantSignedIn(1, "chris", "supervisor"),
                AttendantCommand(2, "close_lane", "chris", "supervisor", "c1"))
        assert s.mode == "out_of_service" and not s.in_service
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(), s.t)
        check_frame(screen, surface, buttons)
        actions = {(b.kind, b.action) for b in buttons}
        assert ("attendant", "open_lane") in actions
        assert ("attendant", "cancel") not in actions            # no transaction to cancel
        assert tr("de", "att.no_transaction") in screen.last_texts


def test_the_pin_pad_shows_dots_never_digits(screens):
    s = journey("en")["unexpected_alerted"]
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(pin_open=True, pin="4711"), s.t)
        check_frame(screen, surface, buttons)
        digits = sorted(b.arg for b in buttons if b.action == "pin_digit")
        assert digits == [str(d) for d in range(10)]
        assert {"pin_clear", "pin_submit", "close_menu"} <= {b.action for b in buttons}
        assert {b.kind for b in buttons} == {"ui"}                # nothing of the shopper's screen is touchable
        assert "4711" not in " ".join(screen.last_texts)
        assert tr("de", "pin.title") in screen.last_texts         # in the store's language


def test_a_locked_pin_pad_takes_no_digits(screens):
    s = replace(journey("de")["scanning"], pin_locked_until=500.0)
    screen = screens[(1280, 800)]
    buttons = screen.draw(pygame.Surface((1280, 800)), s, UiLocal(pin_open=True), 200.0)
    assert not any(b.action in ("pin_digit", "pin_submit") for b in buttons)
    assert any(b.action == "close_menu" for b in buttons)
    assert tr("de", "pin.locked", minutes=5) in screen.last_texts


def test_are_you_still_there(screens):
    s = journey("nl")["scanning"]
    s = run(s, Tick(s.t_activity + s.settings.idle_prompt_s))
    assert s.idle_stage == 1
    for size in SIZES:
        screen = screens[size]
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, s, UiLocal(), s.t)
        check_frame(screen, surface, buttons)
        assert ("touch", "continue") in {(b.kind, b.action) for b in buttons}
        assert not any(b.action == "pay" for b in buttons)
        assert tr("nl", "idle.title") in " ".join(screen.last_texts)


def test_a_voided_item_is_struck_through_and_must_leave_the_bagging_area(screens):
    s = journey("de")["scanning"]
    s = run(s, Touched(20, "void_last"))
    assert s.mode == "bagging" and s.bagging.expected[0].weight_g < 0
    screen = screens[(1280, 800)]
    surface = pygame.Surface((1280, 800))
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    assert tr("de", "bag.remove") in screen.last_texts
    assert tr("de", "basket.voided") in screen.last_texts


def test_a_voucher_line_reads_leergutbon():
    from kiosk.lane.state import VOUCHER, Line
    from kiosk.ui.wording import line_name
    voucher = Line(5, VOUCHER, "voucher", 1, -150, -150, 1900, code="981234")
    assert line_name(voucher, None, "de") == "Leergutbon"
    assert line_name(voucher, None, "nl") == "Statiegeldbon"


def test_drawing_loads_no_fonts(screens, monkeypatch):
    state = journey("de")["bagging"]
    screen = screens[(1280, 800)]

    def no_fonts(*args, **kwargs):
        raise AssertionError("a font was loaded while drawing")

    monkeypatch.setattr(pygame.font, "Font", no_fonts)
    screen.draw(pygame.Surface((1280, 800)), state, UiLocal(), state.t)


# --------------------------------------------------------------------------------------------------------- text

@pytest.fixture(scope="module")
def font() -> pygame.font.Font:
    return load_font(24, False)


def test_fit_text_keeps_what_fits_and_shortens_what_does_not(font):
    name = "Schwarzwälder Kirschtorte groß"
    full = font.size(name)[0]
    assert fit_text(font, name, full) == name
    short = fit_text(font, name, full * 2 // 3)
    assert short.endswith("\u2026") and font.size(short)[0] <= full * 2 // 3
    assert name.startswith(short[:-1])
    assert short[-2] != " "                                    # no dangling space before the ellipsis
    assert fit_text(font, name, 0) == ""
    assert fit_text(font, name, 3) == ""                       # not even the ellipsis fits
    assert fit_text(font, "", 100) == ""


def test_fit_text_cuts_at_a_word_when_it_can(font):
    text = "Bio Äpfel Öko Süßkartoffeln"
    width = font.size("Bio Äpfel Öko Süß")[0]
    out = fit_text(font, text, width)
    assert out == "Bio Äpfel Öko\u2026"


def test_the_font_draws_umlauts_sharp_s_and_the_euro_sign(font):
    assert all(m is not None for m in font.metrics("€ äöü ÄÖÜ ß … ×"))


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="abcdefghij klmnopqrstuvwxyzäöüßÄÖÜ€-,.0123456789", max_size=60),
       width=st.integers(min_value=0, max_value=600))
def test_fit_text_never_exceeds_its_width(text, width):
    font = load_font(24, True)
    out = fit_text(font, text, width)
    assert font.size(out)[0] <= width or out == ""
    assert out == text or out == "" or out.endswith("\u2026")
    if out.endswith("\u2026") and out != text:
        assert text.startswith(out[:-1])


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="abcdefg hijklmnop äöüß", max_size=120), width=st.integers(20, 500),
       lines=st.integers(1, 4))
def test_wrap_text_stays_inside_its_box(text, width, lines):
    font = load_font(20, False)
    out = wrap_text(font, text, width, lines)
    assert len(out) <= lines
    assert all(font.size(line)[0] <= width for line in out)


# ------------------------------------------------------------------------------------------------------ catalogs

LOCALES = Path(i18n.__file__).resolve().parent / "locales"


def load(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def test_the_three_catalogs_have_the_same_keys_and_placeholders():
    catalogs = {lang: load(lang) for lang in LANGS}
    keys = set(catalogs["de"])
    for lang, cat in catalogs.items():
        assert set(cat) == keys, f"{lang}: {set(cat) ^ keys}"
        assert all(isinstance(v, str) and v.strip() for v in cat.values()), lang
    for key in keys:
        fields = {lang: set(re.findall(r"{(\w+)}", catalogs[lang][key])) for lang in LANGS}
        assert fields["de"] == fields["en"] == fields["nl"], key


def test_every_notice_and_intervention_has_a_message():
    reducer = Path(__file__).resolve().parents[1] / "kiosk" / "lane" / "reducer.py"
    notices = set(re.findall(r'_notice\(state, "(\w+)"', reducer.read_text(encoding="utf-8")))
    notices |= {"payment_declined", "payment_failed", "payment_aborted"}
    assert "bag_items_first" in notices
    for lang in LANGS:
        cat = load(lang)
        for key in notices:
            assert f"notice.{key}" in cat, (lang, key)
        for kind in interventions.KINDS:
            assert f"iv.{kind}.title" in cat and f"iv.{kind}.text" in cat, (lang, kind)


def test_supermarket_words():
    assert tr("de", "line.deposit", name="Cola") == "Pfand Cola"
    assert tr("nl", "line.deposit", name="Cola") == "Statiegeld Cola"
    assert tr("de", "line.voucher") == "Leergutbon"
    assert tr("de", "action.pay") == "Zahlen"
    assert tr("nl", "action.pay") == "Afrekenen"
    assert tr("de", "bag.place") == "Bitte legen Sie den Artikel in den Ablagebereich"
    assert tr("de", "iv.unexpected_item.title") == "Unerwarteter Artikel im Ablagebereich"
    assert tr("nl", "iv.unexpected_item.title") == "Onverwacht artikel in de inpakzone"
    assert tr("de", "help_on_the_way") == "Hilfe ist unterwegs"
    assert tr("de", "basket.voided") == "Artikel storniert"


def test_tr_falls_back_to_english_then_to_the_key(monkeypatch):
    monkeypatch.setitem(i18n.catalog("de"), "__test_only__", "x")
    assert tr("de", "__test_only__") == "x"
    assert tr("fr", "action.pay") == "Pay"                     # no French catalog: English
    assert tr("de", "no.such.key") == "no.such.key"
    assert tr("en", "basket.items_other", count=3) == "3 items"
    assert tr("en", "basket.items_other") == "{count} items"   # a missing argument stays visible, no crash


@pytest.mark.parametrize("lang, words", [("de", "PIN eingeben"), ("en", "Enter your PIN"),
                                         ("nl", "Voer uw pincode in")])
def test_the_card_terminals_prompt_is_shown_in_the_shoppers_language(screens, lang, words):
    state = replace(journey(lang)["payment"], lang=lang)
    local = UiLocal(terminal_prompt={"de": "Bitte PIN eingeben", "en": "Enter your PIN", "nl": "Voer uw pincode in"})
    screen = screens[(1280, 800)]
    surface = pygame.Surface((1280, 800))
    buttons = screen.draw(surface, state, local, state.t)
    check_frame(screen, surface, buttons)
    assert words in " ".join(screen.last_texts)
    assert tr(lang, "payment.follow_terminal") not in " ".join(screen.last_texts)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_e_receipt_is_a_qr_code_a_phone_can_read(screens, size):
    import numpy as np
    import zxingcpp

    url = "https://bon.frischmarkt-demo.example/demo-1/7?k=Zm9vYmFyYmF6cXV4"
    state = run(journey("en")["receipt"], Touched(36, "receipt", "ereceipt"))
    screen = screens[size]
    surface = pygame.Surface(size)
    buttons = screen.draw(surface, state, UiLocal(ereceipt_url=url), state.t)
    check_frame(screen, surface, buttons)
    assert tr("en", "thanks.ereceipt") in screen.last_texts
    pixels = np.ascontiguousarray(pygame.surfarray.pixels3d(surface).swapaxes(0, 1)[:, :, 0])
    assert [r.text for r in zxingcpp.read_barcodes(pixels)] == [url]


# ------------------------------------------------------------------------------ bagging-area prompts and alerts

#: Each prompt of the bagging-area rules, with the kind that carries it and what the lane knows (line 1 is the milk,
#: line 2 the cake, line 3 the water of the "scanning" journey state). ``named`` says whether the text names the item.
PROMPTS = {
    "scan_or_remove": (interventions.UNEXPECTED_ITEM, dict(expected_g=0.0, measured_g=400.0), False),
    "own_bag": (interventions.UNEXPECTED_ITEM, dict(expected_g=0.0, measured_g=62.0), False),
    "put_back": (interventions.ITEM_REMOVED, dict(expected_g=0.0, measured_g=-1040.0, line=1, item=MILK.name), True),
    "remove_voided": (interventions.ITEM_NOT_BAGGED, dict(expected_g=-1040.0, line=1, item=MILK.name), True),
    "place_scanned_only": (interventions.WEIGHT_MISMATCH, dict(expected_g=1200.0, measured_g=1650.0, line=2,
                                                               item=CAKE.name), True),
    "bag_item": (interventions.ITEM_NOT_BAGGED, dict(expected_g=1580.0, line=3, item=WATER.name), True),
    "put_all_back": (interventions.TOTAL_MISMATCH, dict(expected_g=3820.0, measured_g=2780.0), False),
}
REASONS = ("voids:2", "unknown:1", "scan_gap:1", "high_value:1", "cheap_heavy:2", "produce_weight:1",
           "weight_stops:2", "forgiven:1", "own_bag_heavy:1")


def with_intervention(lang: str, kind: str, status: str = "nudge", **details) -> LaneState:
    """The journey's "scanning" state with one intervention raised by the lane's own intervention code."""
    s = journey(lang)["scanning"]
    s, iv = interventions.raise_(s, kind, s.t, **details)
    if status == "alerted" and iv.status != "alerted":
        s = interventions.escalate_due(s, iv.nudge_until)
    assert s.intervention(iv.id).status == status
    return s


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("status", ["nudge", "alerted"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("prompt", list(PROMPTS))
def test_every_bagging_prompt_tells_the_shopper_exactly_what_to_do(screens, tmp_path, prompt, lang, status, size):
    kind, details, named = PROMPTS[prompt]
    s = with_intervention(lang, kind, status, prompt=prompt, **details)
    screen = screens[size]
    surface = pygame.Surface(size)
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    text = joined(screen)
    base = f"iv.prompt.{prompt}"
    assert tr(lang, f"{base}.title") in text
    if named:
        # The item by its name in the shopper's language (the line's, not the name the lane recorded in German).
        name = s.txn.line(details["line"]).item.display_name(lang)
        assert tr(lang, f"{base}.text_item", item=name) in text
        assert name in text
    elif prompt == "own_bag":
        assert tr(lang, f"{base}.text", button=tr(lang, f"{base}.button")) in text
    else:
        assert tr(lang, f"{base}.text") in text
    # The general text of the kind gives way to the specific one.
    assert tr(lang, f"iv.{kind}.text") not in text
    offered = {(b.kind, b.action) for b in buttons}
    if status == "alerted":
        assert tr(lang, "help_on_the_way") in text
        if interventions.KINDS[kind].blocking:                 # the panel covers the Help key; help is coming
            assert ("touch", "help") not in offered
    else:
        assert tr(lang, "help_on_the_way") not in text
        assert ("touch", "help") in offered                    # "call for help" on the panel, or the Help key
    if prompt == "own_bag":
        own = [b for b in buttons if b.action == "own_bag"]
        assert len(own) == 1 and own[0].kind == "touch" and mm(min(own[0].rect.size), size) >= TOUCH_MM
        assert tr(lang, "iv.prompt.own_bag.button") in screen.last_texts
    else:
        assert ("touch", "own_bag") not in offered
    if interventions.KINDS[kind].blocking:
        assert ("touch", "pay") not in offered
    pygame.image.save(surface, str(tmp_path / f"{prompt}-{status}-{lang}-{size[0]}x{size[1]}.png"))


def test_the_own_bag_button_sends_what_the_welcome_screens_button_sends(screens):
    welcome = journey("de")["welcome"]
    screen = screens[(1280, 800)]
    buttons = screen.draw(pygame.Surface((1280, 800)), welcome, UiLocal(), welcome.t)
    at_welcome = next(b for b in buttons if b.action == "own_bag")
    s = with_intervention("de", interventions.UNEXPECTED_ITEM, prompt="own_bag", expected_g=0.0, measured_g=62.0)
    buttons = screen.draw(pygame.Surface((1280, 800)), s, UiLocal(), s.t)
    on_panel = next(b for b in buttons if b.action == "own_bag")
    assert (on_panel.kind, on_panel.action, on_panel.arg) == (at_welcome.kind, at_welcome.action, at_welcome.arg)
    assert hit(buttons, on_panel.rect.center) is on_panel


def test_a_prompt_without_an_item_name_and_an_unknown_prompt_still_read_well(screens):
    s = with_intervention("en", interventions.ITEM_NOT_BAGGED, prompt="bag_item", expected_g=300.0)
    screen = screens[(1024, 600)]
    surface = pygame.Surface((1024, 600))
    check_frame(screen, surface, screen.draw(surface, s, UiLocal(), s.t))
    assert tr("en", "iv.prompt.bag_item.text") in joined(screen)
    # A prompt this version has no words for: the kind's own title and text.
    s = with_intervention("nl", interventions.WEIGHT_MISMATCH, prompt="no_such_prompt", expected_g=500.0,
                          measured_g=900.0)
    check_frame(screen, surface, screen.draw(surface, s, UiLocal(), s.t))
    assert tr("nl", "iv.weight_mismatch.title") in joined(screen)
    assert tr("nl", "iv.weight_mismatch.text") in joined(screen)
    assert "no_such_prompt" not in joined(screen)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_the_new_kinds_speak_to_the_shopper(screens, tmp_path, lang, size):
    screen = screens[size]
    surface = pygame.Surface(size)
    # At payment the bagging area does not agree with what was bagged (no specific prompt: the kind's words).
    s = with_intervention(lang, interventions.TOTAL_MISMATCH, expected_g=3820.0, measured_g=2780.0)
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    assert tr(lang, "iv.total_mismatch.title") in joined(screen)
    assert tr(lang, "iv.total_mismatch.text") in joined(screen)
    assert not any(b.action == "pay" for b in buttons)
    pygame.image.save(surface, str(tmp_path / f"total_mismatch-{lang}.png"))
    # A random rescan audit: the attendant is called at once; the shopper is told calmly what happens.
    s = with_intervention(lang, interventions.RESCAN_AUDIT, "alerted", reasons=REASONS[:2], risk=0.4)
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    text = joined(screen)
    for key in ("iv.rescan_audit.title", "iv.rescan_audit.text", "iv.rescan_audit.status"):
        assert tr(lang, key) in text, key
    assert tr(lang, "help_on_the_way") not in text
    assert not any(b.action in ("pay", "help") for b in buttons)
    for reason in REASONS[:2]:                                  # the shopper never sees why the lane chose them
        assert reason_text(reason, lang) not in text
    pygame.image.save(surface, str(tmp_path / f"rescan_audit-{lang}.png"))


def test_the_audit_words_do_not_accuse():
    for lang in LANGS:
        words = (tr(lang, "iv.rescan_audit.title") + " " + tr(lang, "iv.rescan_audit.text")).lower()
        for accusing in ("theft", "steal", "suspic", "fraud", "diebstahl", "verdacht", "betrug", "diefstal", "fraude"):
            assert accusing not in words, (lang, accusing)
    assert "zufällig" in tr("de", "iv.rescan_audit.text")
    assert "willekeurig" in tr("nl", "iv.rescan_audit.text")
    assert "random" in tr("en", "iv.rescan_audit.text")


def attendant_at(state: LaneState, lang: str) -> LaneState:
    """An attendant signed in at the lane, reading ``lang`` (the store's language)."""
    state = replace(state, settings=replace(state.settings, default_lang=lang))
    return run(state, AttendantSignedIn(state.t + 1, "anna", "supervisor"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("prompt", list(PROMPTS))
def test_the_attendant_sees_weights_item_and_risk_of_a_bagging_alert(screens, tmp_path, prompt, lang, size):
    kind, details, named = PROMPTS[prompt]
    s = attendant_at(with_intervention("de", kind, "alerted", prompt=prompt, reasons=REASONS, risk=0.72,
                                       **details), lang)
    (iv,) = s.open_interventions
    screen = screens[size]
    surface = pygame.Surface(size)
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    text = joined(screen)
    assert tr(lang, f"iv.{kind}.title") in text
    assert tr(lang, "att.status.alerted") in text
    exp, meas = details.get("expected_g"), details.get("measured_g")
    if kind == interventions.TOTAL_MISMATCH:
        weights = tr(lang, "att.weight_total", expected="3820", measured="2780", difference="-1040")
    elif meas is None:
        weights = tr(lang, "att.weight_expected", expected=f"{round(exp):+d}")
    else:
        weights = tr(lang, "att.weight_change", expected=f"{round(exp):+d}", measured=f"{round(meas):+d}",
                     difference=f"{round(meas - exp):+d}")
    assert weights in text
    if named:
        name = s.txn.line(details["line"]).item.display_name(lang)
        assert tr(lang, "att.item", item=name) in text
    phrases = [reason_text(r, lang) for r in REASONS]
    assert "voids:2" not in " ".join(phrases) and len(set(phrases)) == len(REASONS)
    score = "0.72" if lang == "en" else "0,72"
    assert tr(lang, "att.risk_reasons", score=score, reasons=tr(lang, "sep").join(phrases)) in text
    approve = next(b for b in buttons if b.action == "approve")
    assert (approve.kind, approve.arg) == ("attendant", str(iv.id))
    assert command_args(approve.action, approve.arg) == {"intervention": iv.id, "line": None, "arg": None}
    pygame.image.save(surface, str(tmp_path / f"attendant-{prompt}-{lang}-{size[0]}x{size[1]}.png"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_the_attendant_closes_a_rescan_audit_with_its_verdict(screens, tmp_path, lang, size):
    s = attendant_at(with_intervention("de", interventions.RESCAN_AUDIT, "alerted",
                                       reasons=("high_value:1", "mystery_signal:3"), risk=1.5), lang)
    (iv,) = s.open_interventions
    screen = screens[size]
    surface = pygame.Surface(size)
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    text = joined(screen)
    assert tr(lang, "iv.rescan_audit.title") in text
    # A reason the UI has no words for is shown as the lane named it.
    assert tr(lang, "att.risk_reasons", score="1.5" if lang == "en" else "1,5",
              reasons=tr(lang, "sep").join([reason_text("high_value:1", lang), "mystery_signal:3"])) in text
    audit = {b.arg: b for b in buttons if b.action == "audit_done"}
    assert set(audit) == {f"{iv.id}:ok", f"{iv.id}:found"}
    assert all(b.kind == "attendant" and min(b.rect.size) >= 56 for b in audit.values())
    assert not any(b.action == "approve" for b in buttons)
    labels = " ".join(screen.last_texts)
    assert tr(lang, "att.audit_ok") in labels and tr(lang, "att.audit_found") in labels
    assert command_args("audit_done", f"{iv.id}:ok") == {"intervention": iv.id, "line": None, "arg": "ok"}
    assert command_args("audit_done", f"{iv.id}:found") == {"intervention": iv.id, "line": None, "arg": "found"}
    pygame.image.save(surface, str(tmp_path / f"attendant-audit-{lang}-{size[0]}x{size[1]}.png"))


def test_alerts_that_do_not_fit_the_smallest_screen_are_counted(screens):
    s = with_intervention("de", interventions.ITEM_NOT_BAGGED, "alerted", prompt="bag_item", expected_g=1580.0, line=3,
                          item=WATER.name, reasons=REASONS, risk=2.0)
    s, _ = interventions.raise_(s, interventions.RESCAN_AUDIT, s.t, reasons=REASONS, risk=2.0)
    s, _ = interventions.raise_(s, interventions.HELP, s.t)
    s = attendant_at(s, "de")
    screen = screens[(1024, 600)]
    surface = pygame.Surface((1024, 600))
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    # The staff's list of alerts: what was drawn between its heading and the basket's.
    texts = screen.last_texts
    start = texts.index(tr("de", "att.interventions_n", count=3))
    alerts = " ".join(texts[start:texts.index(tr("de", "att.select_hint"))])
    shown_titles = [iv.kind for iv in s.open_interventions if tr("de", f"iv.{iv.kind}.title") in alerts]
    assert shown_titles and shown_titles[0] == interventions.ITEM_NOT_BAGGED, "not even the first alert is shown"
    hidden = len(s.open_interventions) - len(shown_titles)
    if hidden:
        assert tr("de", "iv.more", count=hidden) in alerts
    else:
        assert tr("de", "iv.more", count=1).split(":")[0] not in alerts


def test_reasons_read_as_short_phrases():
    assert reason_text("voids:2", "en") == "2 voids"
    assert reason_text("voids:1", "en") == "1 void"
    assert reason_text("voids:2", "de") == "2 Stornos"
    assert reason_text("unknown:3", "nl") == "3 onbekende artikelen"
    assert reason_text("brand_new_rule:4", "de") == "brand_new_rule:4"    # no words for it: as it is
    assert reason_text("voids", "en") == "voids"                          # no count: as it is
    assert reason_text("voids:x", "en") == "voids:x"


def test_an_attendant_button_becomes_the_right_command_fields():
    assert command_args("verify_age", "7") == {"intervention": 7, "line": None, "arg": None}
    assert command_args("void_line", "3") == {"intervention": None, "line": 3, "arg": None}
    assert command_args("cancel", None) == {"intervention": None, "line": None, "arg": None}
    assert command_args("audit_done", "12:found") == {"intervention": 12, "line": None, "arg": "found"}
    assert command_args("audit_done", None) == {"intervention": None, "line": None, "arg": None}


def test_every_new_message_exists_in_all_three_languages():
    catalogs = {lang: load(lang) for lang in LANGS}
    keys = [f"iv.{kind}.{part}" for kind in ("total_mismatch", "rescan_audit") for part in ("title", "text")]
    keys += ["iv.rescan_audit.status", "iv.prompt.own_bag.button", "att.item", "att.weight_change",
             "att.weight_expected", "att.weight_total", "att.risk", "att.risk_reasons", "att.audit_ok",
             "att.audit_found"]
    for prompt, (_, _, named) in PROMPTS.items():
        keys += [f"iv.prompt.{prompt}.title", f"iv.prompt.{prompt}.text"]
        if named:
            keys.append(f"iv.prompt.{prompt}.text_item")
    for reason in REASONS:
        name = reason.split(":")[0]
        keys += [f"att.reason.{name}_one", f"att.reason.{name}_other"]
    for lang, cat in catalogs.items():
        missing = [k for k in keys if not cat.get(k, "").strip()]
        assert not missing, (lang, missing)
    for key in keys:
        if key.endswith(".text_item"):
            assert all("{item}" in catalogs[lang][key] for lang in LANGS), key
    # Supermarket words: the bagging area is the "Ablagebereich" and the "inpakzone".
    for prompt in PROMPTS:
        if prompt != "own_bag":
            assert "Ablagebereich" in catalogs["de"][f"iv.prompt.{prompt}.text"], prompt
            assert "inpakzone" in catalogs["nl"][f"iv.prompt.{prompt}.text"], prompt


def test_the_journeys_unplanned_400_g_asks_to_scan_or_remove_and_the_alert_explains_itself(screens):
    s = journey("en")["unexpected_nudge"]
    (iv,) = s.open_interventions
    assert (iv.kind, iv.prompt) == (interventions.UNEXPECTED_ITEM, "scan_or_remove")
    screen = screens[(1280, 800)]
    surface = pygame.Surface((1280, 800))
    check_frame(screen, surface, screen.draw(surface, s, UiLocal(), s.t))
    assert tr("en", "iv.prompt.scan_or_remove.text") in joined(screen)
    a = journey("en")["attendant"]
    check_frame(screen, surface, screen.draw(surface, a, UiLocal(), a.t))
    de = a.settings.default_lang
    assert tr(de, "att.weight_change", expected="+0", measured="+400", difference="+400") in joined(screen)


def test_a_bag_placed_at_the_start_is_accepted_with_the_own_bag_button(screens):
    """The lane's own story: a 60 g bag before the first scan, the own-bag prompt, the shopper taps the button."""
    s = run(initial_state(), LaneStarted(0, "3"), Touched(1, "lang", "nl"), Touched(2, "start"), WeightSettled(3, 60))
    s = run(s, Tick(3 + s.settings.confirm_s))
    (iv,) = s.open_interventions
    assert iv.prompt == "own_bag"
    screen = screens[(1024, 600)]
    surface = pygame.Surface((1024, 600))
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    assert tr("nl", "iv.prompt.own_bag.title") in joined(screen)
    own = next(b for b in buttons if b.action == "own_bag")
    s = run(s, Touched(s.t + 1, own.action, own.arg))            # what the loop does with a touch button
    assert not s.open_interventions
    assert s.intervention(iv.id).resolved_by == "shopper"
    buttons = screen.draw(surface, s, UiLocal(), s.t)
    check_frame(screen, surface, buttons)
    assert tr("nl", "iv.prompt.own_bag.title") not in joined(screen)
    assert any(b.action == "pay" for b in buttons)


@pytest.mark.parametrize("verdict", ["ok", "found"])
def test_the_audit_buttons_close_the_audit_with_their_verdict(screens, verdict):
    s = attendant_at(with_intervention("de", interventions.RESCAN_AUDIT, "alerted", reasons=("voids:2",), risk=1.0),
                     "de")
    (iv,) = s.open_interventions
    buttons = screens[(1280, 800)].draw(pygame.Surface((1280, 800)), s, UiLocal(), s.t)
    button = next(b for b in buttons if b.action == "audit_done" and b.arg.endswith(":" + verdict))
    fields = command_args(button.action, button.arg)               # what the loop hands to the lane
    s = run(s, AttendantCommand(s.t + 1, button.action, "anna", "supervisor", "c-audit", **fields))
    done = s.intervention(iv.id)
    assert done.status == "resolved" and done.resolved_by == "attendant:anna"
    assert done.resolution == f"audit_{verdict}"


# ------------------------------------------------------------------------------------------------ the app's frames

def lane_app(tmp_path: Path, size: tuple[int, int], **config_changes):
    """The application with no devices, no speech and no assist channel, on the demo's config."""
    import dataclasses

    from kiosk.app import LaneApp
    from kiosk.config import find_config
    from kiosk.config import load as load_config
    from kiosk.devices import LaneDevices
    from kiosk.journal import Journal
    from kiosk.runtime import LaneRuntime
    from lanekit import DictCatalog

    config = load_config(find_config(None))
    config = dataclasses.replace(config, data_dir=tmp_path, devices={},
                                 speech=dataclasses.replace(config.speech, enabled=False),
                                 assist=dataclasses.replace(config.assist, bus="off"), **config_changes)
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), DictCatalog())
    return LaneApp(config, lane, LaneDevices(config), size=size, headless=True)


def run_app(app, story) -> None:
    """Run the app's loop with ``story()`` beside it from its first frame on; the loop ends with the story."""
    import asyncio

    from kiosk.app import FRAME_S

    async def both() -> None:
        main = asyncio.create_task(app.main())
        while app.frames == 0:
            assert not main.done(), main.exception()
            await asyncio.sleep(FRAME_S)
        try:
            await story()
        finally:
            app.running = False
            await main

    asyncio.run(both())


def test_the_app_draws_a_frame_exactly_when_the_screen_can_have_changed(tmp_path):
    """The loop's key is the state by value: an equal state put in place draws nothing, a real change one frame."""
    import asyncio
    import dataclasses

    from kiosk.app import FRAME_S

    app = lane_app(tmp_path, (1024, 600))
    lane = app.lane

    async def frames_after(change) -> int:
        """Frames the loop draws in a dozen turns after ``change()``."""
        before = app.frames
        change()
        await asyncio.sleep(12 * FRAME_S)
        return app.frames - before

    def open_panel() -> None:                                              # a change of the screen's own state
        app.local.access_open = True

    async def story() -> None:
        assert await frames_after(lambda: None) == 0                      # nothing happens: nothing is drawn
        equal = dataclasses.replace(lane.state)
        assert equal == lane.state and equal is not lane.state
        assert await frames_after(lambda: setattr(lane, "state", equal)) == 0
        assert await frames_after(lambda: app.execute(lane.touch("lang", "en"))) == 1
        assert await frames_after(open_panel) == 1
        assert await frames_after(open_panel) == 0                        # it is open already

    run_app(app, story)


def test_the_app_sizes_touch_targets_for_the_panel_in_the_config(tmp_path, caplog):
    from kiosk.config import DisplayConfig

    async def story() -> None:
        pass

    caplog.set_level("INFO", logger="kiosk.app")
    run_app(lane_app(tmp_path, (1280, 800), display=DisplayConfig(diagonal_in=7.0)), story)
    # A 7" panel of 1280x800 pixels: 8.49 px/mm, so a 15 mm target is 128 px.
    assert "display: 8.49 px/mm, touch targets at least 128 px (15 mm)" in caplog.text
