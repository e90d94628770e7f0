"""Wiring the assist channel into a running lane (kiosk/app.py) and into ``kiosk console``.

``[assist] bus`` in the config decides (kiosk/config.py, AssistConfig):

- ``embedded``: an :class:`~kiosk.assist.bus.InProcessBus`; the lane serves its own console on ``[assist] console``
  from its own asyncio loop. The command key is made at start (it never leaves the process).
- ``mqtt://`` / ``mqtts://``: an :class:`~kiosk.assist.mqtt.MqttBus` to the store's broker with the lane's user,
  the store CA and the store's command key (files from ``kiosk store init``).
- ``off``: alerts only at the lane (its light, an attendant signing in there).

Nothing here may stop a lane from selling: a broker that is away is retried in the background, a console port
that is taken is replaced by a free one (and the address printed says which).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import ssl
from pathlib import Path

from kiosk import __version__
from kiosk.assist.bus import Bus, InProcessBus
from kiosk.assist.link import LaneLink
from kiosk.config import AssistConfig, ConfigError, LaneConfig

log = logging.getLogger(__name__)


def read_secret(path: Path | None, what: str) -> str:
    """The first line of a secret file (a password, a key), with a clear error when it cannot be read."""
    if path is None:
        raise ConfigError(f"[assist] needs the {what} file")
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if not value:
        raise ConfigError(f"{path}: the {what} file is empty")
    return value


def command_key(assist: AssistConfig) -> bytes:
    """The store's command-signing key; an embedded lane without one makes its own for this run."""
    if assist.command_key_file is None and assist.embedded:
        return secrets.token_bytes(32)
    text = read_secret(assist.command_key_file, "command key")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"{assist.command_key_file}: the command key must be hex (as `kiosk store init` writes "
                          "it)") from None


def make_bus(assist: AssistConfig, client_id: str) -> Bus:
    if assist.embedded:
        return InProcessBus()
    from kiosk.assist.mqtt import MqttBus
    password = read_secret(assist.password_file, "broker password") if assist.password_file else None
    try:
        return MqttBus(assist.bus, client_id, username=assist.username or None, password=password,
                       ca_file=str(assist.ca_file) if assist.ca_file else None)
    except ValueError as exc:
        raise ConfigError(f"[assist] bus: {exc}") from None


def console_ssl(assist: AssistConfig) -> ssl.SSLContext | None:
    """The console's TLS context when a certificate is configured (https, and Secure session cookies)."""
    if assist.cert_file is None or assist.key_file is None:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        ctx.load_cert_chain(str(assist.cert_file), str(assist.key_file))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"[assist] cert_file/key_file: cannot load the console's certificate: {exc}") from None
    return ctx


def console_hub(config: LaneConfig, bus: Bus, key: bytes):
    """The console's hub with its audit log (``console.db`` in the data directory)."""
    from kiosk.assist.audit import ConsoleAudit
    from kiosk.assist.hub import ConsoleHub
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return ConsoleHub(bus, config.store.store_id, key, audit=ConsoleAudit(config.data_dir / "console.db"))


async def serve(hub, config: LaneConfig, listen: str):
    """Serve the attendant console for ``hub`` on ``listen`` (host:port; a taken port is replaced by a free one).

    Returns ``(runner, url)``.
    """
    from kiosk.assist.console import make_app, start_console
    from kiosk.attendants import Attendants
    host, _, port = listen.rpartition(":")
    ctx = console_ssl(config.assist)
    app = make_app(hub, Attendants(config.attendants), secure=ctx is not None, audit=hub.audit)
    try:
        return await start_console(app, host, int(port), ssl_context=ctx)
    except OSError as exc:
        if int(port) == 0:
            raise
        log.warning("attendant console: %s:%s is taken (%s); using a free port", host, port, exc.strerror or exc)
        return await start_console(app, host, 0, ssl_context=ctx)


class LaneAssist:
    """The lane's side of the channel inside the lane application, and its embedded console when configured."""

    def __init__(self, config: LaneConfig, runtime, execute, loop: asyncio.AbstractEventLoop,
                 console: str | None = None):
        self.config = config
        self.assist = config.assist
        self.console_listen = self.assist.console if console is None else console
        self.key = command_key(self.assist)
        self.bus = make_bus(self.assist, f"lane-{config.lane_id}")
        self.link = LaneLink(self.bus, runtime, store=config.store.store_id, command_key=self.key, execute=execute,
                             post=loop.call_soon_threadsafe, stills_dir=config.stills_dir, version=__version__)
        self.hub = None
        self.runner = None
        self.url: str | None = None
        self.started = False

    async def start(self) -> None:
        self.link.start()
        self.started = True
        if self.assist.embedded and self.console_listen:
            self.hub = console_hub(self.config, self.bus, self.key)
            self.runner, self.url = await serve(self.hub, self.config, self.console_listen)

    def after(self, effects: list) -> None:
        if self.started:                  # until then, link.start() publishes the state as it is then
            self.link.after(effects)

    def still_ready(self, iid: int) -> None:
        if self.started:
            self.link.still_ready(iid)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.started:
            self.link.stop()


def run_console(config: LaneConfig, listen: str | None = None) -> int:
    """``kiosk console``: the store's attendant console, on the store's broker, until stopped (SIGTERM, Ctrl+C)."""
    import signal
    assist = config.assist
    if not assist.mqtt:
        raise ConfigError(f"{config.path}: [assist] bus must be \"mqtt://...\" or \"mqtts://...\" for `kiosk console`"
                          " (a lane with bus = \"embedded\" serves its own console)")
    listen = assist.console if listen is None else listen
    if not listen:
        raise ConfigError(f"{config.path}: [assist] console: no address to listen on (or give --listen)")
    key = command_key(assist)
    bus = make_bus(assist, f"console-{assist.username or 'console'}")
    hub = console_hub(config, bus, key)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        bus.start()
        runner, url = await serve(hub, config, listen)
        print(f"Attendant console of store {config.store.store_id}: {url} (broker {assist.bus})", flush=True)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()
            bus.close()

    asyncio.run(main())
    return 0
