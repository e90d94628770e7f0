"""Helpers for the attendant console's tests: a small store in one process, and Debian's Chromium under Playwright.

:class:`ConsoleStore` is a store on an in-process assist bus: real lanes (a :class:`~kiosk.runtime.LaneRuntime` with
its journal on disk and a :class:`~kiosk.assist.link.LaneLink`, the demo config's attendants) and a console (a
:class:`~kiosk.assist.hub.ConsoleHub`, the aiohttp app, an audit log on disk) served on a free port of 127.0.0.1.
Everything of it lives on one asyncio loop: the lanes are only ever touched from that loop's thread (the links post
incoming commands onto it), exactly as on a lane. ``await store.start()`` inside a test's own loop (the web tests),
or :class:`ThreadedStore` runs the loop on a background thread and marshals calls onto it (the browser tests, whose
Playwright sync API blocks the test's thread).

:func:`chromium` launches /usr/bin/chromium headless. It never downloads a browser.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from aiohttp import WSCloseCode
from lanekit import MILK, DictCatalog, ean13

from kiosk.assist.audit import ConsoleAudit
from kiosk.assist.bus import InProcessBus
from kiosk.assist.console import SOCKETS, make_app, start_console
from kiosk.assist.hub import ConsoleHub
from kiosk.assist.link import LaneLink
from kiosk.attendants import Attendants
from kiosk.config import load
from kiosk.journal import Journal
from kiosk.runtime import LaneRuntime
from kiosk.stills import still_name

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

STORE = "demo"
KEY = b"console-test-command-key"
BEER_CODE = ean13("400100000001")        # Pils 0,5 l Dose: an age check (16)
MILK_CODE = ean13("400638133393")        # Vollmilch 3,5 % 1 l, 1035 g
PINS = {"anna": "1234", "bernd": "4711", "tim": "9999"}    # the demo config's attendants


@dataclass
class Lane:
    id: str
    rt: LaneRuntime
    link: LaneLink
    offset: float = 0.0                  # the lane's clock runs this far ahead of the wall clock

    @property
    def state(self):
        return self.rt.state


class ConsoleStore:
    """Lanes and a console on one in-process bus, all on the current asyncio loop (see the module docstring)."""

    def __init__(self, tmp: Path, lanes: tuple[str, ...] = ("lane-1",), *, secure: bool = False,
                 **app_options: Any):
        self.tmp = Path(tmp)
        self.lane_ids = lanes
        self.secure = secure
        self.app_options = app_options
        self.console_offset = 0.0        # the console's clock (sessions, lockouts) runs this far ahead
        self.lanes: dict[str, Lane] = {}
        self.bus = InProcessBus()
        self.config = load(ROOT / "config" / "lane.toml")
        self.stills_dir = self.tmp / "stills"
        self.url = ""
        self.runner = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def console_clock(self) -> float:
        return time.time() + self.console_offset

    async def start(self) -> str:
        self.loop = asyncio.get_running_loop()
        self.stills_dir.mkdir(parents=True, exist_ok=True)
        for lane_id in self.lane_ids:
            self._add_lane(lane_id)
        self.audit = ConsoleAudit(self.tmp / "console-audit.db", clock=self.console_clock)
        self.hub = ConsoleHub(self.bus, STORE, KEY, audit=self.audit)
        self.app = make_app(self.hub, Attendants(self.config.attendants), secure=self.secure, audit=self.audit,
                            clock=self.console_clock, **self.app_options)
        self.runner, self.url = await start_console(self.app, "127.0.0.1", 0)
        return self.url

    def _add_lane(self, lane_id: str) -> None:
        cfg = replace(self.config, lane_id=lane_id, data_dir=self.tmp / lane_id)
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
        holder: dict[str, Lane] = {}
        rt = LaneRuntime(cfg, Journal(cfg.journal_path), DictCatalog(),
                         clock=lambda: time.time() + holder["lane"].offset)
        loop = self.loop
        assert loop is not None
        link = LaneLink(self.bus, rt, store=STORE, command_key=KEY, execute=lambda effects: link.after(effects),
                        post=lambda fn: loop.call_soon_threadsafe(fn), stills_dir=self.stills_dir)
        lane = holder["lane"] = Lane(lane_id, rt, link)
        self.lanes[lane_id] = lane
        link.after(rt.start())
        link.start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        self.hub.close()
        for lane in self.lanes.values():
            lane.rt.journal.close()
        self.audit.close()

    async def drop_websockets(self) -> int:
        """Close every page's WebSocket from the console's side, as a network hiccup would; how many there were."""
        sockets = list(self.app[SOCKETS])
        for ws in sockets:
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"dropped by the test")
        return len(sockets)

    # ---------------------------------------------------------------------------------------- the lanes (loop only)

    def lane(self, lane_id: str | None = None) -> Lane:
        return self.lanes[lane_id or self.lane_ids[0]]

    def _do(self, lane_id: str | None, what: Callable[[LaneRuntime], list]) -> None:
        lane = self.lane(lane_id)
        lane.link.after(what(lane.rt))

    def begin(self, lane_id: str | None = None) -> None:
        """A shopper touches "start" at the welcome screen."""
        self._do(lane_id, lambda rt: rt.touch("start"))

    def scan(self, code: str, lane_id: str | None = None) -> None:
        self._do(lane_id, lambda rt: rt.scan(code))

    def weight(self, grams: float, lane_id: str | None = None) -> None:
        """The bagging area settles at ``grams``."""
        self._do(lane_id, lambda rt: rt.weight(grams))

    def advance(self, seconds: float, lane_id: str | None = None) -> None:
        """Let ``seconds`` pass at the lane, and tick."""
        self.lane(lane_id).offset += seconds
        self._do(lane_id, lambda rt: rt.tick())

    def age_check(self, lane_id: str | None = None) -> int:
        """A shopper starts and scans a can of beer: the lane calls an attendant for the age check. Its alert id."""
        self.begin(lane_id)
        self.scan(BEER_CODE, lane_id)
        ivs = [iv for iv in self.lane(lane_id).state.open_interventions if iv.kind == "age_check"]
        assert ivs, "scanning beer should raise an age check"
        return ivs[-1].id

    def unexpected_item(self, lane_id: str | None = None) -> int:
        """A shopper bags a carton of milk, then puts an unscanned 250 g item down; the lane calls an attendant."""
        self.begin(lane_id)
        self.scan(MILK_CODE, lane_id)
        self.advance(1.0, lane_id)
        self.weight(MILK.weight_g, lane_id)            # type: ignore[arg-type]
        self.advance(1.0, lane_id)
        self.weight(MILK.weight_g + 250.0, lane_id)    # type: ignore[operator]
        self.advance(3.0, lane_id)                     # confirm_s: the change persists
        self.advance(13.0, lane_id)                    # nudge_s: the shopper did not take it away
        ivs = [iv for iv in self.lane(lane_id).state.open_interventions if iv.kind == "unexpected_item"]
        assert ivs and ivs[-1].status == "alerted", self.lane(lane_id).state.open_interventions
        return ivs[-1].id

    def still(self, iid: int, lane_id: str | None = None, text: str = "") -> bytes:
        """The lane's camera took a still of alert ``iid``: save it where the lane does and tell the console."""
        jpeg = still_jpeg(text or f"alert {iid}")
        lane = self.lane(lane_id)
        (self.stills_dir / still_name(lane.id, iid)).write_bytes(jpeg)
        lane.link.still_ready(iid)
        return jpeg


def still_jpeg(text: str, size: tuple[int, int] = (320, 200)) -> bytes:
    """A small JPEG standing in for a camera still (a bagging area with a caption)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (70, 86, 102))
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 110, size[0] - 30, size[1] - 20), fill=(150, 160, 170))
    draw.rectangle((120, 70, 190, 140), fill=(226, 182, 60))
    draw.text((12, 10), text, fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


class ThreadedStore(ConsoleStore):
    """A :class:`ConsoleStore` whose loop runs on a background thread; :meth:`call` runs a function on it."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def __enter__(self) -> ThreadedStore:
        self._thread = threading.Thread(target=self._run, name="console-store", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise TimeoutError("the console did not start within 30 s")
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: Any) -> None:
        loop = self.loop
        if loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(30)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(30)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self.start())
        except BaseException as exc:   # noqa: BLE001 - reported to the test's thread
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn(*args, **kwargs)`` on the store's loop (where the lanes live) and return its result."""
        loop = self.loop
        assert loop is not None

        async def run() -> Any:
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(30)

    def run(self, coro_fn: Callable[..., Any], *args: Any) -> Any:
        """Run the coroutine ``coro_fn(*args)`` on the store's loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro_fn(*args), self.loop).result(30)


@contextmanager
def chromium():
    """Debian's Chromium, headless, under Playwright (sync API). Never downloads a browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, url: str, attendant: str, pin: str | None = None) -> None:
    """Open the console and sign in through its form."""
    page.goto(url)
    page.locator("#signin-id").fill(attendant)
    page.locator("#signin-pin").fill(pin if pin is not None else PINS[attendant])
    page.locator("#signin-button").click()
