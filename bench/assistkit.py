"""Building blocks of the remote-assist benchmark (bench/bench_assist.py): a store's broker, lanes and consoles.

- :func:`store_files` / :func:`start_broker` / :func:`broker_address`: the store's assist files made by
  :func:`kiosk.assist.store.init_store` in a temporary directory (a broker user per lane and per console, the ACL,
  the command key) and a real mosquitto started from the generated config (tests/mosquitto.py moves its listeners to
  free ports on 127.0.0.1).
- :class:`BenchLane`: one real lane, a :class:`~kiosk.runtime.LaneRuntime` with its durable journal and the sample
  catalog on disk and a :class:`~kiosk.assist.link.LaneLink` over its own broker connection. The shopper's steps
  (start, scan a can of beer so that an attendant must check the age, bag, pay by card, leave) and an attendant
  signing in at the lane when no console answered. A lane is touched from its own asyncio loop only; other threads
  hand work over with :meth:`BenchLane.call`, through the link's ``post`` exactly as the assist bus does.
- :func:`open_console`: a console as ``kiosk console`` runs it: a :class:`~kiosk.assist.hub.ConsoleHub` on its own
  broker connection, its audit log on disk, and the aiohttp app served on a free port of 127.0.0.1.
- The worker processes of the load run (part 2): :func:`lane_worker` (some of the store's lanes, each shopping at
  its own pace), :func:`console_worker` (one console, which now and then sends a command a second time as a
  redelivery would) and :func:`attendants_worker` (the attendants' pages: one WebSocket client per console, signed in
  through ``POST /login``, answering the alerts of their lanes with ``POST /api/command``). Each talks to the
  benchmark's main process over a :mod:`multiprocessing` pipe: it says ``ready``, waits for ``go`` (the end of the
  run), reports its tallies when the run is over and stops when told to.

Nothing here asserts a timing: the benchmark prints what it measured.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import random
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
for _p in (ROOT, ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from kiosk.assist import protocol as p  # noqa: E402
from kiosk.assist.mqtt import MqttBus  # noqa: E402
from kiosk.config import LaneConfig, load  # noqa: E402
from kiosk.lane import effects as fx  # noqa: E402
from kiosk.lane.events import AttendantCommand  # noqa: E402
from kiosk.lane.state import BAGGING, WELCOME  # noqa: E402

CONFIG = load(ROOT / "config" / "lane.toml")
CATALOG_CSV = ROOT / "config" / "catalog.csv"
STORE = CONFIG.store.store_id
BEER = "4071583820169"          # Pils 0,5 l Dose: 16+, an attendant checks the shopper's age
BEER_G = 520.0                  # its weight in the sample catalog
ATTENDANT, PIN = "anna", "1234"  # the demo config's attendant
ANSWER_TIMEOUT = 15.0           # seconds a lane waits for a console's answer before an attendant comes over
DRAIN_S = 3.0                   # after the run: time for messages still on their way (and late duplicates)

log = logging.getLogger("bench.assist")


# ------------------------------------------------------------------------------------------------ store and broker

def store_files(directory: Path, lanes: list[str], consoles: list[str]):
    """The store's assist files, as ``kiosk store init`` makes them, with the plain loopback listener for tests."""
    from kiosk.assist.store import init_store
    # plain_port only asks for the listener: tests/mosquitto.py moves every listener to a free port.
    return init_store(directory, STORE, lanes, consoles=consoles, plain_port=1883)


def start_broker(workdir: Path, files, nodelay: bool = False):
    """mosquitto with the store's generated config (TLS and plain listeners on free ports of 127.0.0.1), started.

    ``nodelay``: an experiment, not the generated config: ``set_tcp_nodelay true`` added (mosquitto's default leaves
    Nagle's algorithm on for its clients' sockets)."""
    from mosquitto import Mosquitto
    conf = Path(files.mosquitto_conf)
    if nodelay:
        workdir.mkdir(parents=True, exist_ok=True)
        text = conf.read_text(encoding="utf-8")
        conf = workdir / "mosquitto-nodelay.conf"
        conf.write_text("set_tcp_nodelay true\n" + text, encoding="utf-8")
    return Mosquitto(workdir, conf=conf).start()


def broker_address(broker, files, tls: bool) -> tuple[str, str | None, str]:
    """``(url, ca_file, description)`` of the listener lanes and consoles use."""
    if tls:
        return (broker.tls_url, str(files.ca_cert),
                "TLS listener of the store's generated mosquitto config, broker checked against the store CA")
    return broker.url, None, "plain 127.0.0.1 listener of the store's generated mosquitto config (users and ACL)"


class CountingBus(MqttBus):
    """A lane's or a console's broker connection that counts what it publishes, per topic kind.

    ``nodelay``: an experiment, not what kiosk/assist/mqtt.py does: TCP_NODELAY on paho's socket once connected
    (paho-mqtt leaves Nagle's algorithm on)."""

    def __init__(self, *args: Any, nodelay: bool = False, **kwargs: Any) -> None:
        self.nodelay = nodelay
        super().__init__(*args, **kwargs)
        self.published: Counter[str] = Counter()

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self.published[topic.rsplit("/", 1)[-1]] += 1
        super().publish(topic, payload, retain=retain)

    def _on_connect(self, client, *args: Any) -> None:
        if self.nodelay:
            sock = client.socket()
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super()._on_connect(client, *args)


def make_bus(url: str, user: str, files, ca_file: str | None, nodelay: bool = False) -> CountingBus:
    """The broker connection of one lane or console, with its own broker user (user name = lane or console id)."""
    return CountingBus(url, user, username=user, password=files.password(user), ca_file=ca_file, nodelay=nodelay)


def wait_connected(buses: list[MqttBus], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(b.connected for b in buses):
        if time.monotonic() > deadline:
            down = [f"{b.client_id} ({b.last_error})" for b in buses if not b.connected]
            raise RuntimeError(f"not connected to the broker after {timeout:.0f} s: {', '.join(down[:5])}")
        time.sleep(0.05)


# ------------------------------------------------------------------------------------------------------- a lane

class RoundError(RuntimeError):
    """The lane did not do what the shopper's next step expects (the benchmark recovers it and counts it)."""


def lane_config(lane_id: str, data_dir: Path) -> LaneConfig:
    """The demo lane's config with its own id, data directory (journal) and catalog database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return replace(CONFIG, lane_id=lane_id, data_dir=data_dir, catalog_db=data_dir / "catalog.db",
                   catalog_seed=CATALOG_CSV)


class BenchLane:
    """One real lane on the store's broker (see the module docstring). Create it on the lane's own loop thread:
    its journal and catalog are SQLite connections of that thread."""

    def __init__(self, config: LaneConfig, bus: MqttBus, key: bytes,
                 post: Callable[[Callable[[], None]], None]) -> None:
        from kiosk.assist.link import LaneLink
        from kiosk.catalog import Catalog
        from kiosk.journal import Journal
        from kiosk.runtime import LaneRuntime

        self.id = config.lane_id
        self.bus = bus
        self.catalog = Catalog.open(config.catalog_db)
        self.catalog.import_file(CATALOG_CSV)              # as a lane does at its first start
        self.rt = LaneRuntime(config, Journal(config.journal_path), self.catalog)
        self.link = LaneLink(bus, self.rt, store=STORE, command_key=key, execute=self.execute, post=post)
        self.changed = asyncio.Event()                     # set whenever the lane applied something
        self.raised: list[int] = []                        # ids of the alerts this lane raised
        self.stats: Counter[str] = Counter()

    def start(self) -> None:
        self.execute(self.rt.start())
        self.link.start()

    def stop(self) -> None:
        self.link.stop()
        self.rt.journal.close()
        self.catalog.close()

    def execute(self, effects: list) -> None:
        """What the lane's shell does with effects, as far as the assist channel goes: tell the consoles."""
        self.link.after(effects)
        self.changed.set()

    def do(self, fn: Callable[..., list], *args: Any) -> list:
        effects = fn(*args)
        self.execute(effects)
        return effects

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 30.0) -> Any:
        """Run ``fn(*args)`` on the lane's thread (through the link's ``post``) and return its result."""
        done: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn(*args))
            except BaseException as exc:   # noqa: BLE001 - handed to the caller's thread
                done.set_exception(exc)

        self.link.post(run)
        return done.result(timeout)

    # --------------------------------------------------------------------------------------- the shopper's steps

    def begin_age_check(self) -> tuple[float, int | None, float]:
        """A shopper starts and scans a can of beer: the lane raises an age check.

        Returns ``(t_scan, alert id, t_published)``: the wall time just before the lane submitted the scan, the
        alert's id (None if the lane raised none) and the wall time once the alert was handed to the bus.
        """
        if self.rt.state.mode != WELCOME:
            raise RoundError(f"lane {self.id} is at {self.rt.state.mode}, not at the welcome screen")
        self.do(self.rt.touch, "start")
        t0 = time.time()
        effects = self.do(self.rt.scan, BEER)
        t1 = time.time()
        ids = [e.intervention.id for e in effects if isinstance(e, fx.Alert)]
        self.raised += ids
        return t0, (ids[0] if ids else None), t1

    def answered(self) -> bool:
        """No alert of the lane is open any more (the console's command was applied)."""
        return not self.rt.state.open_interventions

    def checkout(self) -> Iterator[None]:
        """After the attendant verified the age: bag the can, pay by card (approved), no receipt, take the bag and
        leave. One step per ``next()``, so a caller may let time pass between them."""
        if self.rt.state.mode != BAGGING:
            raise RoundError(f"lane {self.id} is at {self.rt.state.mode} after the age check, not bagging")
        self.do(self.rt.weight, self.rt.state.bagging.accepted_g + BEER_G)
        yield
        charges = [e for e in self.do(self.rt.touch, "pay") if isinstance(e, fx.Charge)]
        if not charges:
            raise RoundError(f"lane {self.id} did not ask the terminal to charge (at {self.rt.state.mode}, notice "
                             f"{self.rt.state.notice})")
        yield
        self.do(self.rt.payment_result, charges[0].ref, "approved", charges[0].amount_cents)
        yield
        self.do(self.rt.touch, "receipt", "none")
        yield
        self.do(self.rt.weight, 0.0)
        self.do(self.rt.touch, "done")
        if self.rt.state.mode != WELCOME:
            raise RoundError(f"lane {self.id} ended at {self.rt.state.mode}, not at the welcome screen")

    def recover(self) -> None:
        """No console answered (or a step went wrong): an attendant signs in at the lane with their PIN and cancels
        the transaction (or finishes a paid one), so the next shopper finds the welcome screen."""
        rt = self.rt
        if rt.state.mode in ("receipt", "thank_you"):
            if rt.state.mode == "receipt":
                self.do(rt.touch, "receipt", "none")
            self.do(rt.touch, "done")
        elif rt.state.txn is not None and rt.state.txn.status == "open":
            ok, effects = rt.sign_in_pin(PIN)
            self.execute(effects)
            if ok:
                self.do(rt.command, "cancel")
                self.do(rt.sign_out)
        if rt.state.bagging.measured_g:
            self.do(rt.weight, 0.0)
        self.stats["recovered"] += 1

    async def wait_answer(self, timeout: float) -> bool:
        """Wait until the lane applied the console's answer; False after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not self.answered():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), left)
            except asyncio.TimeoutError:
                return self.answered()
        return True

    async def age_check_round(self, rng: random.Random) -> None:
        """One shopper: the age check, the console's answer, and then checkout (verified) or nothing (cancelled)."""
        try:
            _, alert, _ = self.begin_age_check()
        except RoundError:
            self.stats["errors"] += 1
            self.recover()
            return
        self.stats["rounds"] += 1
        if alert is None:
            self.stats["no_alert"] += 1
            self.recover()
            return
        if not await self.wait_answer(ANSWER_TIMEOUT):
            self.stats["unanswered"] += 1
            self.recover()
            return
        if self.rt.state.mode == WELCOME:
            self.stats["cancelled"] += 1          # the attendant cancelled the transaction from the console
            return
        try:
            for _ in self.checkout():
                await asyncio.sleep(rng.uniform(0.2, 0.5))
            self.stats["paid"] += 1
        except RoundError as exc:
            log.warning("%s", exc)
            self.stats["errors"] += 1
            self.recover()

    def tally(self) -> dict[str, Any]:
        """What the lane did, from its journal: the console's commands it applied (with their ids)."""
        applied = [ev.command_id for _, ev in self.rt.journal.events()
                   if isinstance(ev, AttendantCommand) and ev.via == "console"]
        return {"lane": self.id, "raised": list(self.raised), "applied": applied, "stats": dict(self.stats),
                "link": dict(self.link.counts), "published": dict(getattr(self.bus, "published", {})),
                "dropped_by_bus": self.bus.dropped}


# ------------------------------------------------------------------------------------------------------ a console

async def open_console(hub, audit):
    """Serve ``hub`` as ``kiosk console`` does (the demo config's attendants, its audit log) on a free port of
    127.0.0.1; returns ``(runner, url)``."""
    from kiosk.assist.console import make_app, start_console
    from kiosk.attendants import Attendants
    app = make_app(hub, Attendants(CONFIG.attendants), secure=False, audit=audit)
    return await start_console(app, "127.0.0.1", 0)


class LoopThread:
    """An asyncio loop on a thread of its own: a lane's or a console's, each of which runs as its own process on a
    real store."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float = 60.0) -> Any:
        async def run() -> Any:
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def run(self, coro, timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        if not self.thread.is_alive():
            self.loop.close()


# --------------------------------------------------------------------------------- worker processes (part 2)

async def _recv(conn) -> Any:
    """The next message from the benchmark's main process, without blocking the worker's loop."""
    return await asyncio.get_running_loop().run_in_executor(None, conn.recv)


def _quiet() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(processName)s %(levelname)s %(name)s: %(message)s")


def lane_worker(conn, spec: dict[str, Any]) -> None:
    """A process holding ``spec["lanes"]``: each a real lane with its own broker user and connection, all on this
    process's one asyncio loop (a lane's thread), shopping at ``spec["period"]`` seconds per age check."""
    _quiet()
    asyncio.run(_lane_worker(conn, spec))


async def _lane_worker(conn, spec: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    files = spec["files"]
    key = files.command_key.read_text().strip()
    lanes = []
    for lane_id in spec["lanes"]:
        bus = make_bus(spec["url"], lane_id, files, spec["ca_file"], spec["nodelay"])
        lane = BenchLane(lane_config(lane_id, Path(spec["data"]) / lane_id), bus, bytes.fromhex(key),
                         loop.call_soon_threadsafe)
        lane.start()
        lanes.append(lane)
    await loop.run_in_executor(None, wait_connected, [lane.bus for lane in lanes])
    conn.send(("ready", len(lanes)))
    _, until = await _recv(conn)

    async def shop(lane: BenchLane, rng: random.Random) -> None:
        lo, hi = spec["period"]
        await asyncio.sleep(rng.uniform(0, hi))            # the shoppers do not arrive in step
        while time.time() < until:
            start = time.monotonic()
            await lane.age_check_round(rng)
            pause = start + rng.uniform(lo, hi) - time.monotonic()
            await asyncio.sleep(max(0.0, min(pause, until - time.time())))

    await asyncio.gather(*(shop(lane, random.Random(f"{spec['seed']}-{lane.id}")) for lane in lanes))
    await asyncio.sleep(DRAIN_S)                           # late duplicates reach the lanes
    conn.send(("report", [lane.tally() for lane in lanes]))
    await _recv(conn)                                      # stop
    for lane in lanes:
        lane.stop()


def console_worker(conn, spec: dict[str, Any]) -> None:
    """A process running one console (``spec["name"]``: its broker user), as ``kiosk console`` does."""
    _quiet()
    asyncio.run(_console_worker(conn, spec))


class _Tally:
    """What one console's hub received: every alert raised (by lane and alert id), its delay from the lane, acks."""

    def __init__(self) -> None:
        self.raised: Counter[tuple[str, int]] = Counter()
        self.delay: list[float] = []
        self.kinds: Counter[str] = Counter()

    def __call__(self, d: dict[str, Any]) -> None:       # on the bus's thread, under the hub's lock
        self.kinds[d["type"]] += 1
        if d["type"] == "alert" and d["event"] == "raised":
            self.raised[(d["lane"], d["alert"]["id"])] += 1
            self.delay.append(d["rx"] - d["t"])


async def _console_worker(conn, spec: dict[str, Any]) -> None:
    from kiosk.assist.audit import ConsoleAudit
    from kiosk.assist.hub import ConsoleHub

    files = spec["files"]
    rng = random.Random(f"{spec['seed']}-{spec['name']}")
    state = {"until": float("inf")}
    duplicates: list[str] = []
    sent: list[str] = []

    class RepeatingHub(ConsoleHub):
        """A console hub that sends some commands a second time, a little later, with the same id: what a
        redelivery or a retried request looks like to a lane (which must apply it once)."""

        def send(self, *args: Any, **kwargs: Any) -> str:
            cid = super().send(*args, **kwargs)
            sent.append(cid)
            if rng.random() < spec["dup_rate"] and time.time() < state["until"]:
                asyncio.get_running_loop().call_later(rng.uniform(0.05, 2.0), self.again, cid)
            return cid

        def again(self, cid: str) -> None:
            cmd = self.outcome(cid).cmd
            duplicates.append(cid)
            self.bus.publish(p.topic(self.store, cmd.lane, "command"), p.encode(cmd))

    bus = make_bus(spec["url"], spec["name"], files, spec["ca_file"], spec["nodelay"])
    audit = ConsoleAudit(Path(spec["data"]) / f"{spec['name']}-audit.db")
    hub = RepeatingHub(bus, STORE, bytes.fromhex(files.command_key.read_text().strip()), audit=audit)
    tally = _Tally()
    hub.subscribe(tally)
    runner, url = await open_console(hub, audit)
    bus.start()
    await asyncio.get_running_loop().run_in_executor(None, wait_connected, [bus])
    conn.send(("ready", url))
    _, state["until"] = await _recv(conn)
    await _recv(conn)                                      # report
    outcomes = Counter(hub.outcome(cid).status if hub.outcome(cid) else "forgotten" for cid in sent)
    conn.send(("report", {"name": spec["name"], "raised": dict(tally.raised), "delay": tally.delay,
                          "kinds": dict(tally.kinds), "hub": dict(hub.counts), "sent": len(sent),
                          "outcomes": dict(outcomes), "duplicates": duplicates, "lanes": len(hub.lanes()),
                          "published": dict(bus.published)}))
    await _recv(conn)                                      # stop
    await runner.cleanup()
    hub.close()
    bus.close()
    audit.close()


def attendants_worker(conn, spec: dict[str, Any]) -> None:
    """A process with the attendants' pages: one signed-in WebSocket client per console (see :class:`_Page`)."""
    _quiet()
    asyncio.run(_attendants_worker(conn, spec))


class _Page:
    """An attendant's page on one console, without a browser: signs in (``POST /login``), reads the CSRF token
    (``GET /api/lanes``), keeps the WebSocket open, and answers the alerts of its own lanes after 100-500 ms with
    ``POST /api/command``: verify_age mostly, cancel the transaction sometimes. Reconnects like the page does when the
    console closes the WebSocket."""

    def __init__(self, url: str, mine: set[str], rng: random.Random, cancel_rate: float) -> None:
        self.url = url
        self.origin = url.rstrip("/")
        self.mine = mine
        self.rng = rng
        self.cancel_rate = cancel_rate
        self.csrf = ""
        self.session = None
        self.raised: Counter[tuple[str, int]] = Counter()
        self.delay: list[float] = []          # alert published at the lane -> received on this WebSocket
        self.answered: set[tuple[str, int]] = set()
        self.sent: dict[str, float] = {}      # command id -> when the POST was made
        self.acks: dict[str, str] = {}        # command id -> first ack status
        self.rtt: list[float] = []            # POST made -> ack on the WebSocket
        self.refused: Counter[str] = Counter()
        self.messages = 0
        self.reconnects = 0
        self.stopping = False
        self.tasks: set[asyncio.Task] = set()

    async def sign_in(self) -> None:
        import aiohttp
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        r = await self.session.post(self.url + "login", json={"attendant": ATTENDANT, "pin": PIN},
                                    headers={"Origin": self.origin})
        if r.status != 200:
            raise RuntimeError(f"sign-in at {self.url} refused: {r.status} {await r.text()}")
        r = await self.session.get(self.url + "api/lanes")
        self.csrf = (await r.json())["csrf"]

    async def listen(self) -> None:
        import aiohttp
        while not self.stopping:
            try:
                async with self.session.ws_connect(self.url + "api/ws", headers={"Origin": self.origin},
                                                   max_msg_size=0) as ws:
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            self.seen(json.loads(msg.data))
            except (aiohttp.ClientError, OSError) as exc:
                log.warning("page of %s: WebSocket failed: %s", self.url, exc)
            if not self.stopping:
                self.reconnects += 1
                await asyncio.sleep(0.5)

    def seen(self, d: dict[str, Any]) -> None:
        now = time.time()
        self.messages += 1
        kind = d.get("type")
        if kind == "alert" and d["event"] == "raised":
            key = (d["lane"], d["alert"]["id"])
            self.raised[key] += 1
            self.delay.append(now - d["t"])
            if d["alert"]["kind"] == "age_check":
                self.answer(key, d["alert"].get("detail"))
        elif kind == "snapshot":           # after a reconnection: the alerts still open
            for lane in d["lanes"]:
                for a in lane["alerts"]:
                    if a["kind"] == "age_check" and a["status"] == "alerted":
                        self.answer((lane["lane"], a["id"]), a.get("detail"))
        elif kind == "ack" and d["id"] in self.sent and d["id"] not in self.acks:
            self.acks[d["id"]] = d["status"]
            self.rtt.append(now - self.sent[d["id"]])

    def answer(self, key: tuple[str, int], detail: str | None) -> None:
        if key[0] not in self.mine or key in self.answered:
            return
        self.answered.add(key)
        task = asyncio.get_running_loop().create_task(self.command(key, detail))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def command(self, key: tuple[str, int], detail: str | None) -> None:
        await asyncio.sleep(self.rng.uniform(0.1, 0.5))     # the attendant looks at the alert
        lane, alert = key
        if self.rng.random() < self.cancel_rate:
            body: dict[str, Any] = {"lane": lane, "command": "cancel"}
        else:
            body = {"lane": lane, "command": "verify_age", "intervention": alert}
            if detail and detail.isdigit():
                body["arg"] = detail
        t0 = time.time()
        try:
            r = await self.session.post(self.url + "api/command", json=body,
                                        headers={"Origin": self.origin, "X-CSRF-Token": self.csrf})
            data = await r.json()
        except Exception as exc:    # noqa: BLE001 - counted: a command that never left the page
            self.refused[type(exc).__name__] += 1
            return
        if r.status == 202:
            self.sent[data["id"]] = t0
        else:
            self.refused[f"{r.status} {data.get('error')}"] += 1

    def report(self) -> dict[str, Any]:
        return {"url": self.url, "raised": dict(self.raised), "delay": self.delay, "sent": list(self.sent),
                "acks": dict(self.acks), "rtt": self.rtt, "refused": dict(self.refused), "messages": self.messages,
                "reconnects": self.reconnects}


async def _attendants_worker(conn, spec: dict[str, Any]) -> None:
    pages = [_Page(url, set(mine), random.Random(f"{spec['seed']}-page-{k}"), spec["cancel_rate"])
             for k, (url, mine) in enumerate(spec["consoles"])]
    for page in pages:
        await page.sign_in()
    listeners = [asyncio.create_task(page.listen()) for page in pages]
    await asyncio.sleep(1.0)                               # every page got its snapshot
    conn.send(("ready", len(pages)))
    await _recv(conn)                                      # go
    await _recv(conn)                                      # report
    conn.send(("report", [page.report() for page in pages]))
    await _recv(conn)                                      # stop
    for page in pages:
        page.stopping = True
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    for page in pages:
        await page.session.close()
