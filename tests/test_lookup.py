"""The look-up of articles without a barcode: the screen in every language, mode and size, search, the choice.

The screen is drawn over the scanning screen of the real journey (``uikit.journey``) with the sample catalog behind a
:class:`LookupCatalog`: categories, the produce grid, the search keyboard with results, the weighing card with and
without a produce scale, in de/en/nl, normal/contrast/large text, at 1024x600, 1280x800 and 1920x1080. Every frame
must pass ``uikit.check_frame`` (texts inside their boxes, no overlaps) and every button must be at least
``MIN_TOUCH_PX`` both ways. Then ``LaneRuntime.choose`` through the reducer, and a weighed sale through ``LaneApp``
with the produce scale simulated as ``sim:`` opens it (the HX711 chip on mock pins under the real driver).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pygame
import pytest

from kiosk.config import load
from kiosk.domain.codes import InstoreCode
from kiosk.domain.item import Item
from kiosk.domain.money import scale_price
from kiosk.devices import LaneDevices
from kiosk.journal import Journal
from kiosk.lane.events import Scanned
from kiosk.lane.state import CONTRAST, LARGE_TEXT
from kiosk.runtime import LaneRuntime
from kiosk.ui import theme
from kiosk.ui.i18n import tr
from kiosk.ui.lookup import LookupCatalog, _picture
from kiosk.ui.screen import LaneScreen, UiLocal
from kiosk.ui.widgets import Canvas
from uikit import LANGS, SIZES, check_frame, journey

ROOT = Path(__file__).resolve().parent.parent
MODES = {"normal": (), "contrast": (CONTRAST,), "large_text": (LARGE_TEXT,)}
BANANAS = "OG0001"            # Bananen, weighed, 1,79 €/kg, PLU 4011
ROLLS = "BB0001"              # Weizenbrötchen, per piece, 0,39 €, PLU 101


@pytest.fixture(scope="module", autouse=True)
def _pygame():
    pygame.font.init()
    yield


@pytest.fixture(scope="module")
def source(sample_catalog) -> LookupCatalog:
    return LookupCatalog(sample_catalog, ROOT / "config")


@pytest.fixture(scope="module")
def screens() -> dict[tuple[int, int], LaneScreen]:
    return {size: LaneScreen(size) for size in SIZES}


def views(source: LookupCatalog, lang: str) -> dict[str, UiLocal]:
    bakery = next(c for c in source.categories() if c.startswith("Brot"))
    return {
        "produce": UiLocal(lookup_open=True, lookup_source=source),
        "produce_page2": UiLocal(lookup_open=True, lookup_source=source, lookup_page=1),
        "bakery": UiLocal(lookup_open=True, lookup_source=source, lookup_category=bakery),
        "search_empty": UiLocal(lookup_open=True, lookup_source=source, lookup_query=""),
        "search": UiLocal(lookup_open=True, lookup_source=source, lookup_query="ban"),
        "search_none": UiLocal(lookup_open=True, lookup_source=source, lookup_query="xyzq"),
        "weighing": UiLocal(lookup_open=True, lookup_source=source, lookup_item=BANANAS, produce=(1234, True)),
        "weighing_moving": UiLocal(lookup_open=True, lookup_source=source, lookup_item=BANANAS, produce=(0, False)),
        "no_scale": UiLocal(lookup_open=True, lookup_source=source, lookup_item=BANANAS, produce=None),
    }


def draw(screen: LaneScreen, state, local: UiLocal):
    surface = pygame.Surface(screen.size)
    buttons = screen.draw(surface, state, local, state.t)
    check_frame(screen, surface, buttons)
    for b in buttons:
        assert b.rect.width >= theme.MIN_TOUCH_PX and b.rect.height >= theme.MIN_TOUCH_PX, b
    return surface, buttons


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_view_fits_in_every_language_mode_and_size(screens, source, lang, mode, tmp_path):
    state = journey(lang, MODES[mode])["scanning"]
    for size, screen in screens.items():
        for name, local in views(source, lang).items():
            surface, buttons = draw(screen, state, local)
            actions = {b.action for b in buttons}
            texts = " ".join(screen.last_texts)
            assert "pay" not in actions and "lookup_open" in actions, (name, size)     # covers the scanning screen
            if name in ("produce", "produce_page2", "bakery"):
                assert {"lookup_category", "lookup_search"} <= actions, (name, size)
                assert actions & {"lookup_item", "lookup_choose"}, (name, size)
            if name == "produce":
                assert "lookup_page" in actions, size                                  # 47 articles: more pages
                assert tr(lang, "lookup.cat.obst_gemuse") in texts
            if name.startswith("search"):
                assert "lookup_key" in actions and "lookup_search" in actions
            if name == "search":
                assert tr(lang, "lookup.per_kg", price="1,79 €" if lang != "en" else "€1.79") in texts \
                    or "1,79" in texts or "1.79" in texts, (size, texts)
            if name == "search_none":
                assert "xyzq" in texts
            if name == "weighing":
                assert ("lookup_confirm", BANANAS) in {(b.action, b.arg) for b in buttons}
                assert "2,21" in texts or "2.21" in texts        # 1,234 kg x 1,79 €/kg
            if name == "weighing_moving":
                assert "lookup_confirm" not in actions           # nothing on the scale: no confirm
            if name == "no_scale":
                assert "lookup_confirm" not in actions
                assert tr(lang, "lookup.no_scale") in texts or any(
                    t.endswith("\u2026") for t in screen.last_texts), texts
            if size == (1280, 800):
                pygame.image.save(surface, str(tmp_path / f"{name}-{lang}-{mode}.png"))


def test_the_scanning_screen_offers_the_look_up(screens, source):
    for lang in LANGS:
        for access in MODES.values():
            state = journey(lang, access)["scanning"]
            for screen in screens.values():
                _, buttons = draw(screen, state, UiLocal())
                assert ("lookup_open", "1") in {(b.action, b.arg) for b in buttons}
                assert tr(lang, "lookup.open") in " ".join(screen.last_texts) or any(
                    t.endswith("\u2026") for t in screen.last_texts)


def test_frames_do_not_query_the_catalog_once_cached(screens, source):
    state = journey("de")["scanning"]
    screen = screens[(1280, 800)]
    local = UiLocal(lookup_open=True, lookup_source=source, lookup_query="ban")
    draw(screen, state, local)
    before = source.queries
    for _ in range(5):
        draw(screen, state, local)
    assert source.queries == before


def test_search_finds_bananas_in_each_language(source):
    assert any(i.sku == BANANAS for i in source.search("Bananen", "de"))
    assert any(i.sku == BANANAS for i in source.search("Bananas", "en"))
    assert source.search("banan", "en")[0].display_name("en") == "Bananas"
    assert all(not i.gtins for i in source.search("Ban", "de"))                # only articles without a barcode
    cats = source.categories()
    assert cats[0] == "Obst & Gemüse" and cats[1] == "Brot & Backwaren"


# ------------------------------------------------------------------------------------------------ the choice

@pytest.fixture
def lane(tmp_path, sample_catalog):
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path)
    runtime = LaneRuntime(config, Journal(tmp_path / "journal.db"), sample_catalog)
    runtime.start()
    runtime.touch("start")
    yield runtime
    runtime.journal.close()


def test_choosing_a_weighed_article_journals_a_weight_label(lane, sample_catalog):
    bananas = sample_catalog.get(BANANAS)
    seen = []
    submit = lane.submit
    lane.submit = lambda event: seen.append(event) or submit(event)
    lane.choose(BANANAS, 1234)
    (ev,) = seen
    line = lane.state.txn.lines[-1]
    assert line.sku == BANANAS and line.weight_g == 1234
    assert line.amount_cents == scale_price(bananas.price_cents, 1234) == 221     # 1,79 €/kg x 1,234 kg
    assert line.code == "2840111012343"                                            # 28 4011 K 01234 C
    assert isinstance(ev, Scanned) and ev.source == "lookup" and ev.item == bananas
    assert ev.code == InstoreCode("2840111012343", "4011", "weight", 1234)
    expected = lane.state.bagging.expected[-1]
    assert expected.line == line.id


def test_choosing_a_per_piece_article_adds_one_line(lane):
    lane.choose(ROLLS)
    line = lane.state.txn.lines[-1]
    assert line.sku == ROLLS and line.qty == 1 and line.amount_cents == 39


def test_a_weighed_article_needs_a_weight_and_an_unknown_one_is_refused(lane):
    with pytest.raises(ValueError):
        lane.choose(BANANAS)
    with pytest.raises(ValueError):
        lane.choose(BANANAS, 0)
    with pytest.raises(LookupError):
        lane.choose("NOPE")
    assert not lane.state.txn.lines


# --------------------------------------------------------------------------------------- through the app

async def pump(app, until, timeout: float = 8.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app._device_reports()
        app.execute(app.lane.tick())
        app.follow_lookup(app.local)
        if until():
            return True
        await asyncio.sleep(0.02)
    return until()


def press(app, screen: LaneScreen, action: str, arg: str | None = None) -> None:
    """Draw the frame the shopper sees and touch the button (action, arg) on it, as the loop would."""
    surface = pygame.Surface(screen.size)
    buttons = screen.draw(surface, app.lane.state, app.local, time.time())
    (button,) = [b for b in buttons if b.action == action and (arg is None or b.arg == arg)]
    app._on_button(button, app.local)


def test_a_weighed_sale_through_the_app_with_the_simulated_produce_scale(tmp_path, sample_catalog):
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path,
                                 devices={"scale": "sim:", "produce": "sim:"})
    devices = LaneDevices(config)
    devices.open_all()
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), sample_catalog)
    from kiosk.app import LaneApp
    app = LaneApp(config, lane, devices, size=(1280, 800), headless=True)
    app.local = UiLocal(lookup_source=app.lookup_catalog())
    screen = LaneScreen((1280, 800))
    try:
        assert devices.produce is not None and devices.failures == {}

        async def story():
            app.execute(lane.start())
            app.execute(lane.touch("start"))
            press(app, screen, "lookup_open", "1")
            assert app.local.lookup_open and app.local.produce == (0, app.local.produce[1])
            press(app, screen, "lookup_search", "1")
            for ch in "banan":
                press(app, screen, "lookup_key", ch)
            press(app, screen, "lookup_item", BANANAS)
            surface = pygame.Surface(screen.size)
            assert "lookup_confirm" not in {b.action for b in screen.draw(surface, lane.state, app.local, 0)}
            devices.produce_model.place(time.monotonic(), 1234.0)
            assert await pump(app, lambda: app.local.produce is not None and app.local.produce[1]
                              and app.local.produce[0] > 1200)
            grams = devices.produce_weight().stable_g
            press(app, screen, "lookup_confirm", BANANAS)
            assert not app.local.lookup_open                    # closed after the choice
            return grams

        grams = asyncio.run(story())
        line = lane.state.txn.lines[-1]
        assert line.sku == BANANAS and line.weight_g == round(grams)
        assert abs(grams - 1234) < 5
        assert line.amount_cents == scale_price(179, round(grams))
        # The produce scale's weight never reached the bagging area: the lane waits for the bananas there.
        assert lane.state.mode == "bagging" and lane.state.bagging.expected
    finally:
        devices.close_all()
        lane.journal.close()


def test_without_a_produce_scale_a_weighed_article_cannot_be_confirmed(tmp_path, sample_catalog):
    config = dataclasses.replace(load(ROOT / "config" / "lane.toml"), data_dir=tmp_path, devices={})
    devices = LaneDevices(config)
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), sample_catalog)
    from kiosk.app import LaneApp
    app = LaneApp(config, lane, devices, size=(1280, 800), headless=True)
    app.local = UiLocal(lookup_source=app.lookup_catalog())
    screen = LaneScreen((1280, 800))
    try:
        app.execute(lane.start())
        app.execute(lane.touch("start"))
        press(app, screen, "lookup_open", "1")
        assert app.local.produce is None
        press(app, screen, "lookup_item", BANANAS)
        surface = pygame.Surface(screen.size)
        buttons = screen.draw(surface, lane.state, app.local, 0)
        assert "lookup_confirm" not in {b.action for b in buttons}
        assert tr("de", "lookup.no_scale") in " ".join(screen.last_texts)
        app._on_lookup("lookup_confirm", BANANAS, app.local)          # even if it were touched: refused
        assert not lane.state.txn.lines
        press(app, screen, "lookup_back")
        press(app, screen, "lookup_search", "1")
        for ch in "weizenb":
            press(app, screen, "lookup_key", ch)
        press(app, screen, "lookup_choose", ROLLS)                    # per piece: no scale needed
        assert lane.state.txn.lines[-1].sku == ROLLS and not app.local.lookup_open
    finally:
        lane.journal.close()


def test_catalog_pictures_are_scaled_cached_and_drawn_and_a_missing_or_broken_file_gives_none(tmp_path):
    picture = pygame.Surface((40, 20))
    picture.fill((200, 30, 30))                                   # a red picture, twice as wide as high
    pygame.image.save(picture, str(tmp_path / "apple.png"))
    (tmp_path / "broken.png").write_bytes(b"not a picture")
    src = LookupCatalog(None, tmp_path)
    apple = Item("P1", "Apfel", 299, 700, image="apple.png")
    scaled = src.picture(apple, 100)
    assert scaled is not None and scaled.get_size() == (100, 50)  # fitted into the square, aspect kept
    assert src.picture(apple, 100) is scaled                       # cached: no file read per frame
    assert src.picture(Item("P2", "Birne", 299, 700, image="broken.png"), 100) is None
    assert src.picture(Item("P3", "Kiwi", 299, 700, image="missing.png"), 100) is None
    assert src.picture(Item("P4", "Mango", 299, 700), 100) is None
    canvas = pygame.Surface((200, 200))
    c = Canvas((200, 200))
    c.begin(canvas)
    _picture(c, src, apple, pygame.Rect(0, 0, 200, 200))
    assert canvas.get_at((100, 100))[:3] == (200, 30, 30)         # the picture itself, centred
