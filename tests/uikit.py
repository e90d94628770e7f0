"""Shared helpers of the screen tests: the shopper's journey built with the real reducer, and what every frame owes.

``journey(lang, access)`` gives one state per screen of a visit (the shopper may switch accessibility options on at
the welcome screen first); ``check_frame`` is what must hold for any frame (not blank, everything on screen, every
button at least 15 mm both ways on the lane's panel of that size, no overlapping buttons, every text inside its box);
``expected_texts`` and ``EXPECTED_BUTTONS`` are what each screen must show and offer.

Run as a script, it writes the README's pictures of the demo lane (``config/demo-journey.jsonl`` replayed up to
Pay, drawn normal, in high contrast, in large text and with the accessibility panel open):
``.venv/bin/python tests/uikit.py docs/screens``.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from kiosk.domain.codes import GtinCode  # noqa: E402
from kiosk.domain.item import Item  # noqa: E402
from kiosk.lane.events import (AttendantSignedIn, LaneStarted, PaymentResult, Scanned, Tick, Touched,  # noqa: E402
                               WeightSettled)
from kiosk.lane.reducer import initial_state, reduce  # noqa: E402
from kiosk.lane.state import LaneState  # noqa: E402
from kiosk.ui.i18n import tr  # noqa: E402
from kiosk.ui.screen import Button, LaneScreen, UiLocal  # noqa: E402

SIZES = [(1024, 600), (1280, 800), (1920, 1080)]
LANGS = ["de", "en", "nl"]

#: The lane's panel at each size, by its diagonal in inches (the tests' own table, not the theme's), and the smallest
#: touch target on it: 15 mm both ways.
PANEL_INCHES = {(1024, 600): 7.0, (1280, 800): 10.1, (1920, 1080): 15.6}
TOUCH_MM = 15.0


def mm(px: float, size: tuple[int, int]) -> float:
    """``px`` pixels in millimetres on the lane's panel of ``size``."""
    return px * PANEL_INCHES[size] * 25.4 / math.hypot(*size)


def too_small(buttons: list[Button], size: tuple[int, int]) -> list[tuple[str, float, float]]:
    """(action, width mm, height mm) of every button narrower or lower than ``TOUCH_MM`` on the panel of ``size``."""
    return [(b.action, round(mm(b.rect.width, size), 1), round(mm(b.rect.height, size), 1)) for b in buttons
            if mm(min(b.rect.size), size) < TOUCH_MM]

MILK = Item("1001", "Frische Vollmilch 3,5 %", 129, 700, gtins=("04000000000011",), weight_g=1040,
            name_en="Fresh whole milk 3.5 %", name_nl="Verse volle melk 3,5 %")
CAKE = Item("1002", "Schwarzwälder Kirschtorte groß", 899, 700, gtins=("04000000000028",), weight_g=1200)
WATER = Item("1003", "Mineralwasser Medium 1,5 l", 49, 1900, gtins=("04000000000035",), weight_g=1580,
             deposit_cents=25, name_en="Sparkling mineral water 1.5 l", name_nl="Mineraalwater bruisend 1,5 l")
WHISKY = Item("1004", "Single Malt Whisky 0,7 l", 3499, 1900, gtins=("04000000000042",), weight_g=1300, min_age=18)

assert len(CAKE.name) == 30



# ----------------------------------------------------------------------------------------------------- the journey

def run(state: LaneState, *events) -> LaneState:
    for ev in events:
        state, _ = reduce(state, ev)
    return state


def scan(t: float, item: Item) -> Scanned:
    return Scanned(t, item.gtins[0], GtinCode(item.gtins[0]), item)


@lru_cache(maxsize=None)
def journey(lang: str, access: tuple[str, ...] = ()) -> dict[str, LaneState]:
    """Every screen of one shopper's visit, as the reducer leaves the lane at that moment.

    ``access``: accessibility options the shopper switches on at the welcome screen, before starting; they last for
    the whole visit (the closed lane, where nobody can touch anything, carries them too, to be drawn that way).
    """
    out: dict[str, LaneState] = {}
    closed = initial_state()
    # Nobody can pick a language on a closed lane; the state may still carry one (the store's default).
    out["out_of_service"] = replace(closed, lang=lang, access=frozenset(access))
    s = run(closed, LaneStarted(0, "3"), Touched(1, "lang", lang), *(Touched(1, "access", a) for a in access))
    assert s.access == frozenset(access)
    out["welcome"] = s
    s = run(s, Touched(2, "start"))
    out["scanning_empty"] = s
    s = run(s, scan(3, MILK), WeightSettled(4, 1040), scan(5, CAKE), WeightSettled(6, 2240), scan(7, WATER))
    out["bagging"] = s
    s = run(s, WeightSettled(8, 3820))
    out["scanning"] = s
    s = run(s, WeightSettled(9, 4220))                      # an extra 400 g nobody scanned ...
    s = run(s, Tick(9 + s.settings.confirm_s))              # ... still there once the lane is sure: a prompt
    out["unexpected_nudge"] = s
    (iv,) = s.open_interventions
    s = run(s, Tick(iv.nudge_until))                        # not corrected in time: the attendant is called
    out["unexpected_alerted"] = s
    t = s.t
    out["attendant"] = run(s, AttendantSignedIn(t + 1, "anna", "supervisor"))
    s = run(s, WeightSettled(t + 2, 3820), Touched(t + 3, "pay"))  # the shopper takes it out again and pays
    out["payment"] = s
    s = run(s, PaymentResult(t + 9, s.txn.pending_payment.ref, "declined", message="05 Karte abgelehnt"))
    out["payment_declined"] = s
    s = run(s, Touched(t + 10, "pay"))
    s = run(s, PaymentResult(t + 14, s.txn.pending_payment.ref, "approved", s.txn.total_cents))
    out["receipt"] = s
    out["thank_you"] = run(s, Touched(t + 15, "receipt", "paper"))
    return out


SCREENS = ["out_of_service", "welcome", "scanning_empty", "bagging", "scanning", "unexpected_nudge",
           "unexpected_alerted", "attendant", "payment", "payment_declined", "receipt", "thank_you"]

#: (kind, action) pairs each screen must offer.
EXPECTED_BUTTONS = {
    "out_of_service": {("ui", "attendant")},
    "welcome": {("touch", "start"), ("touch", "own_bag"), ("touch", "lang"), ("ui", "attendant")},
    "scanning_empty": {("touch", "pay"), ("touch", "help"), ("touch", "void_last"), ("touch", "cancel"),
                       ("touch", "lang"), ("ui", "attendant")},
    "bagging": {("touch", "pay"), ("touch", "help"), ("touch", "void_last"), ("touch", "cancel")},
    "scanning": {("touch", "pay"), ("touch", "help"), ("touch", "void_last"), ("touch", "cancel")},
    "unexpected_nudge": {("touch", "help"), ("touch", "lang"), ("ui", "attendant")},
    "unexpected_alerted": {("touch", "lang"), ("ui", "attendant")},
    "attendant": {("attendant", "approve"), ("attendant", "sign_out"), ("attendant", "cancel"),
                  ("attendant", "suspend"), ("attendant", "close_lane"), ("ui", "close_menu"),
                  ("ui", "select_line")},
    "payment": {("touch", "help")},
    "payment_declined": {("touch", "pay"), ("touch", "back"), ("touch", "help")},
    "receipt": {("touch", "receipt"), ("ui", "access_panel")},
    "thank_you": {("touch", "done"), ("ui", "access_panel")},
}

#: (kind, action) pairs a screen must not offer: what is covered or makes no sense there.
FORBIDDEN_BUTTONS = {
    "unexpected_nudge": {("touch", "pay"), ("touch", "void_last"), ("touch", "cancel")},
    "unexpected_alerted": {("touch", "pay"), ("touch", "help")},
    "attendant": {("touch", "pay"), ("touch", "lang"), ("ui", "attendant")},
    "payment": {("touch", "pay"), ("touch", "back")},
}


def expected_texts(name: str, state: LaneState, lang: str) -> list[str]:
    """Messages that must be on the screen, whole (never shortened)."""
    a = state.settings.default_lang
    total = _money(state.txn.total_cents, lang) if state.txn is not None else ""
    shopper = _shopper_key(state) if name.startswith("unexpected_") else ""
    texts = {
        "out_of_service": [tr(code, "closed.title") for code in LANGS],
        "welcome": [tr(lang, "welcome.title"), tr(lang, "welcome.start")] + [tr(c, "language_name") for c in LANGS],
        "scanning_empty": [tr(lang, "basket.total"), tr(lang, "scan.first"), tr(lang, "action.pay")],
        "bagging": [tr(lang, "basket.total"), tr(lang, "bag.place"), tr(lang, "action.pay"),
                    tr(lang, "basket.plus_deposit", amount=_money(25, lang))],
        "scanning": [tr(lang, "basket.total"), tr(lang, "scan.next"), total],
        "unexpected_nudge": [tr(lang, f"{shopper}.title"), tr(lang, f"{shopper}.text")],
        "unexpected_alerted": [tr(lang, f"{shopper}.title"), tr(lang, f"{shopper}.text"), tr(lang, "help_on_the_way")],
        "attendant": [tr(a, "att.title"), tr(a, "iv.unexpected_item.title"), tr(a, "att.approve")],
        "payment": [tr(lang, "payment.due"), tr(lang, "payment.follow_terminal"), total],
        "payment_declined": [tr(lang, "notice.payment_declined"), tr(lang, "action.retry")],
        "receipt": [tr(lang, "receipt.question"), tr(lang, "receipt.paper"), tr(lang, "receipt.none")],
        "thank_you": [tr(lang, "thanks.title"), tr(lang, "thanks.take_receipt")],
    }
    return texts[name]


def _shopper_key(state: LaneState) -> str:
    """The catalog entry the shopper reads for the open intervention: its specific prompt's, else its kind's."""
    (iv,) = state.open_interventions
    return f"iv.prompt.{iv.prompt}" if iv.prompt else f"iv.{iv.kind}"


def _money(cents: int, lang: str) -> str:
    from kiosk.domain.money import format_amount
    return format_amount(cents, lang)


def shown(name: str, texts: list[str]) -> bool:
    """``name`` is on screen whole, or shortened cleanly (a prefix of it and an ellipsis)."""
    for t in texts:
        if t == name:
            return True
        if t.endswith("\u2026") and len(t) > 4 and name.startswith(t[:-1].rstrip()):
            return True
    return name in " ".join(texts)


def distinct_colors(surface: pygame.Surface, steps: int = 48) -> int:
    w, h = surface.get_size()
    return len({tuple(surface.get_at((x * (w - 1) // steps, y * (h - 1) // steps)))
                for x in range(steps + 1) for y in range(steps + 1)})


def check_frame(screen: LaneScreen, surface: pygame.Surface, buttons: list[Button]) -> None:
    """What must hold for every frame: everything on screen, buttons a finger big, no overlaps, texts inside their
    boxes."""
    bounds = surface.get_rect()
    assert distinct_colors(surface) >= 5, "the screen looks blank"
    for b in buttons:
        assert b.kind in ("touch", "attendant", "ui")
        assert bounds.contains(b.rect), f"{b} is off-screen"
    assert not too_small(buttons, bounds.size), f"smaller than {TOUCH_MM:g} mm: {too_small(buttons, bounds.size)}"
    for i, a in enumerate(buttons):
        for b in buttons[i + 1:]:
            assert not a.rect.colliderect(b.rect), f"{a} overlaps {b}"
    assert screen.last_texts, "no text was drawn"
    for text, rect, box in screen.last_text_boxes:
        assert rect.width <= box.width, f"{text!r} is wider than its box"
        assert box.contains(rect), f"{text!r} leaves its box {box}: {rect}"
        assert bounds.contains(rect), f"{text!r} is off-screen"


def joined(screen: LaneScreen) -> str:
    return " ".join(screen.last_texts)


# --------------------------------------------------------------------------------------------- the README's pictures

ROOT = Path(__file__).resolve().parents[1]

#: (file name, screen, accessibility options, panel open) of the pictures in docs/screens/.
DOC_SCREENS = [
    ("welcome.png", "welcome", (), False),
    ("scanning.png", "scanning", (), False),
    ("scanning-contrast.png", "scanning", ("contrast",), False),
    ("scanning-large-text.png", "scanning", ("large_text",), False),
    ("access-panel.png", "scanning", (), True),
]


def demo_states() -> dict[str, LaneState]:
    """The demo lane's welcome screen and its basket before paying, replayed from config/demo-journey.jsonl."""
    from kiosk.catalog import open_for_replay
    from kiosk.config import find_config, load
    from kiosk.replay import parse_scenario, replay

    config = load(find_config(None))
    lines = (ROOT / "config" / "demo-journey.jsonl").read_text(encoding="utf-8").splitlines()
    steps = parse_scenario(lines, "demo-journey")
    before_pay = [st for st in steps[:next(i for i, st in enumerate(steps) if st.data.get("touch") == "pay")]]
    out = {}
    with open_for_replay(None, config) as catalog:
        for name, part in (("welcome", steps[:1]), ("scanning", before_pay)):
            out[name] = replay(part, config, catalog, settle_after_s=2.0).runtime.state
    assert out["welcome"].mode == "welcome" and out["scanning"].mode == "scanning"
    return out


def write_doc_screens(out: Path, size: tuple[int, int] = (1280, 800)) -> list[Path]:
    """Draw the README's pictures of the demo lane into ``out`` and return their paths."""
    pygame.font.init()
    out.mkdir(parents=True, exist_ok=True)
    states = demo_states()
    screen = LaneScreen(size)
    written = []
    for filename, name, access, panel in DOC_SCREENS:
        state = replace(states[name], access=frozenset(access))
        surface = pygame.Surface(size)
        buttons = screen.draw(surface, state, UiLocal(access_open=panel), state.t)
        check_frame(screen, surface, buttons)
        path = out / filename
        pygame.image.save(surface, str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screens")
    for p in write_doc_screens(target):
        print(p)
