"""The kiosk's lock-down, through the real app loop: a shopper cannot leave the application, a technician can.

LaneApp.main (kiosk/app.py) runs here as it runs on a lane, with SDL's dummy video driver; the test posts the
events SDL would deliver (a window close, Ctrl+Q, a mouse click, a finger on the touch screen) into pygame's queue
from a second coroutine on the same asyncio loop, and looks at the lane afterwards. Full screen (a lane) ignores
the window-close event and Ctrl+Q and hides the pointer; a window (a technician's desktop) closes on both. A finger
(normalized coordinates) and a mouse click at the same spot press the same button, and one tap (which SDL reports
as a finger and as a click) presses once. An empty basket left alone
goes back to the welcome screen by the lane's own clock, drawn by the loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from kiosk.app import LaneApp  # noqa: E402
from kiosk.config import find_config, load  # noqa: E402
from kiosk.devices import LaneDevices  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.runtime import LaneRuntime  # noqa: E402
from kiosk.ui.model import Button  # noqa: E402
from kiosk.ui.screen import LaneScreen  # noqa: E402
from lanekit import DictCatalog  # noqa: E402

SIZE = (1024, 600)              # the window's size; full screen takes the display's (1024x768 with SDL's dummy driver)


SETTLED = pygame.event.custom_type()     # posted behind a test's events: once the loop took it, it took them all
_taken: set[int] = set()
_markers = itertools.count(1)


@pytest.fixture(autouse=True)
def _loop_in_this_process(monkeypatch):
    """The test needs to know when the loop has taken its events without looking into the queue (pygame's peek
    strips the attributes of posted events): it watches what ``pygame.event.get`` hands the loop. (The loop ends
    the display only, so the fonts the UI keeps for the process stay usable by later tests in this worker.)
    """
    pygame.font.init()
    real_get = pygame.event.get

    def get(*args, **kwargs):
        events = real_get(*args, **kwargs)
        _taken.update(ev.marker for ev in events if ev.type == SETTLED)
        return events

    monkeypatch.setattr(pygame.event, "get", get)
    yield
    _taken.clear()


def make_app(tmp_path: Path, *, fullscreen: bool, screenshots: Path | None = None, **rules) -> LaneApp:
    """The lane application without devices (the screen is all these tests need), rules overridden."""
    base = load(find_config(None))
    config = dataclasses.replace(base, data_dir=tmp_path, devices={},
                                 settings=dataclasses.replace(base.settings, **rules))
    lane = LaneRuntime(config, Journal(tmp_path / "journal.db"), DictCatalog())
    app = LaneApp(config, lane, LaneDevices(config), size=SIZE, headless=False, fullscreen=fullscreen,
                  screenshots_dir=screenshots)
    if app.speaker is not None:
        app.speaker.close()
        app.speaker = None
    return app


async def until(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        await asyncio.sleep(0.01)
    return cond()


async def settle() -> None:
    """Until the loop has taken every event posted so far: it handles a batch before it awaits anything, so once it
    took the marker posted last, it has acted on everything before it."""
    marker = next(_markers)
    pygame.event.post(pygame.event.Event(SETTLED, marker=marker))
    assert await until(lambda: marker in _taken), "the app loop did not take the posted events"


def run(app: LaneApp, story: Callable[[LaneApp], Awaitable[None]], stop: bool = True, limit: float = 15.0) -> int:
    """LaneApp.main with ``story`` beside it (once the lane is ready); ``stop`` ends the loop after the story.

    ``limit`` is the loop's own --exit-after: a safety net that leaves ``app.running`` set, so a test expecting the
    app to quit can tell.
    """
    async def both() -> int:
        main = asyncio.create_task(app.main(exit_after=limit))

        async def beside() -> None:
            assert await until(lambda: app.ready_at is not None or main.done())
            assert not main.done(), main.exception() if not main.cancelled() else "cancelled"
            try:
                await story(app)
            except BaseException:
                app.running = False                  # a failed story ends the loop at once
                raise
            if stop:
                app.running = False

        side = asyncio.create_task(beside())
        rc = await main
        if not side.done():
            side.cancel()
        else:
            side.result()                  # re-raise a failed assertion in the story
        return rc

    try:
        return asyncio.run(both())
    finally:
        pygame.display.quit()                        # also when the loop failed before its own clean-up
        app.lane.journal.close()


def button(app: LaneApp, action: str, arg: str | None = None) -> Button:
    """The button the app shows now for ``action``, laid out by the same LaneScreen the loop draws with."""
    buttons = LaneScreen(app.size).draw(pygame.Surface(app.size), app.lane.state, app.local, time.time())
    found = [b for b in buttons if b.action == action and (arg is None or b.arg == arg)]
    assert len(found) == 1, f"{action} {arg}: {[(b.action, b.arg) for b in buttons]}"
    return found[0]


def click(pos: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False))


def finger(pos: tuple[int, int], size: tuple[int, int]) -> None:
    """A touch as SDL reports it: coordinates normalized to 0..1 of the display."""
    x, y = (pos[0] + 0.5) / size[0], (pos[1] + 0.5) / size[1]
    common = dict(touch_id=1, finger_id=0, x=x, y=y, dx=0.0, dy=0.0, pressure=1.0)
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, **common))
    pygame.event.post(pygame.event.Event(pygame.FINGERUP, **common))


def ctrl_q() -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=pygame.KMOD_LCTRL, unicode="\x11",
                                         scancode=20))


# ------------------------------------------------------------------------------------------------ leaving the app

def test_full_screen_a_shopper_cannot_close_the_lane(tmp_path):
    app = make_app(tmp_path, fullscreen=True)
    seen: dict = {}

    async def story(app: LaneApp) -> None:
        seen["pointer"] = pygame.mouse.get_visible()
        seen["flags"] = pygame.display.get_surface().get_flags()
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        ctrl_q()
        click(button(app, "start").rect.center)     # behind both: proves the loop went past them
        await settle()
        assert app.lane.state.mode == "scanning"
        seen["running"] = app.running

    assert run(app, story) == 0
    assert seen["running"] is True, "full screen, a window-close event or Ctrl+Q ended the lane"
    assert seen["pointer"] is False, "full screen, the mouse pointer is shown"
    assert seen["flags"] & pygame.FULLSCREEN


@pytest.mark.parametrize("how", ["window_close", "ctrl_q"])
def test_in_a_window_a_technician_closes_the_demo(tmp_path, how):
    app = make_app(tmp_path, fullscreen=False)

    async def story(app: LaneApp) -> None:
        assert pygame.mouse.get_visible()
        assert pygame.display.get_surface().get_size() == SIZE
        assert not pygame.display.get_surface().get_flags() & pygame.FULLSCREEN
        if how == "window_close":
            pygame.event.post(pygame.event.Event(pygame.QUIT))
        else:
            ctrl_q()

    assert run(app, story, stop=False) == 0
    assert app.running is False, f"{how} did not end the windowed app (it ran into its time limit)"


def test_typing_q_without_ctrl_is_a_scanner_character_not_quit(tmp_path):
    app = make_app(tmp_path, fullscreen=False)

    async def story(app: LaneApp) -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=0, unicode="q", scancode=20))
        await settle()
        assert app.running and app._typed == "q"

    assert run(app, story) == 0


# --------------------------------------------------------------------------------------------- touch and mouse

@pytest.mark.parametrize("pointer", ["mouse", "finger"])
def test_a_finger_and_a_mouse_press_the_same_buttons(tmp_path, pointer):
    app = make_app(tmp_path, fullscreen=True)

    def tap(b: Button) -> None:
        click(b.rect.center) if pointer == "mouse" else finger(b.rect.center, app.size)

    async def story(app: LaneApp) -> None:
        assert app.lane.state.mode == "welcome" and app.lane.state.lang == "de"
        tap(button(app, "lang", "en"))
        await settle()
        assert app.lane.state.lang == "en"
        tap(button(app, "start"))
        await settle()
        assert app.lane.state.mode == "scanning"
        # A corner of a button is inside it, on both axes.
        cancel = button(app, "cancel").rect
        corner = (cancel.right - 2, cancel.bottom - 2)
        click(corner) if pointer == "mouse" else finger(corner, app.size)
        await settle()
        assert app.lane.state.mode == "welcome", "the cancel button's corner did not cancel"

    assert run(app, story) == 0


def test_one_tap_on_a_touch_screen_presses_once(tmp_path):
    """SDL reports a finger on a touch screen twice: FINGERDOWN and a left click it synthesizes (``touch=True``,
    SDL_HINT_TOUCH_MOUSE_EVENTS is on by default, on KMS/DRM and X11 alike). The lane must act once: an
    accessibility switch toggled twice would not switch."""
    app = make_app(tmp_path, fullscreen=True)

    async def story(app: LaneApp) -> None:
        click(button(app, "access_panel", "1").rect.center)
        await settle()
        assert app.local.access_open
        switch = button(app, "access", "contrast").rect.center
        finger(switch, app.size)
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=switch, button=1, touch=True))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=switch, button=1, touch=True))
        await settle()
        assert app.lane.state.access == {"contrast"}

    assert run(app, story) == 0


# --------------------------------------------------------------------------------------------------- idle timeout

def test_an_empty_basket_left_alone_goes_back_to_welcome_through_the_app_loop(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    app = make_app(tmp_path, fullscreen=True, screenshots=shots, idle_empty_s=0.5)
    seen: dict = {}

    async def story(app: LaneApp) -> None:
        click(button(app, "start").rect.center)
        await settle()
        assert app.lane.state.mode == "scanning"
        assert await until(lambda: app.lane.state.mode == "welcome", timeout=5.0)
        assert await until(lambda: app._last_shot_key is not None and app._last_shot_key[0] == "welcome")
        seen["events"] = [type(ev).__name__ for _, ev in app.lane.journal.events()]
        seen["last_closed"] = app.lane.state.last_closed

    assert run(app, story) == 0
    modes = [p.stem.split("-", 1)[1] for p in sorted(shots.glob("*.png"))]
    assert modes == ["welcome", "scanning", "welcome"], "the loop did not draw the way back to welcome"
    # Nobody touched the screen after Start: the lane's own clock (a journaled tick) closed the transaction.
    assert seen["events"][-2:] == ["Touched", "Tick"] and seen["last_closed"] == 1, seen
