"""What every simulator shares: a lifecycle, a history, fault-injection commands, and a serial link on a pty.

A simulator is the device's other end of a real wire. ``start()`` returns its address (a pty path or host:port) and
``stop()`` ends it; both are idempotent. ``command("paper out")`` runs a fault-injection command by name (the method
``do_paper_out``), which is how tests, the demo and ``kiosk sim FAMILY`` drive it; ``COMMANDS`` documents them.
``history`` keeps what happened, for tests to read like the hardware. :func:`open_with` is how every family's ``sim:``
entry opens its real driver against a simulator.

:class:`PtyLink` is a serial cable: a pseudo-terminal whose slave the driver opens, through a symlink standing in for
``/dev/serial/by-id/...``. ``unplug()`` closes the master and removes the link (the driver's reads fail, as when a
USB device is pulled); ``replug()`` makes a fresh pty behind the same link, as the kernel does on re-enumeration.
"""

from __future__ import annotations

import logging
import os
import select
import shlex
import tempfile
import threading
import time
import tty
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger("hal.sim")


class Simulator:
    name = "simulator"
    COMMANDS: dict[str, str] = {}

    def __init__(self) -> None:
        self.history: list[tuple[float, str]] = []
        self.address: str | None = None
        self.running = False

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def record(self, what: str) -> None:
        self.history.append((time.monotonic(), what))

    def help(self) -> str:
        return "\n".join(f"  {cmd:28s} {text}" for cmd, text in self.COMMANDS.items())

    def command(self, line: str) -> str:
        """Run one fault-injection command ("unplug", "scan 4006381333931", "paper out" ...); returns a reply."""
        words = shlex.split(line)
        if not words:
            return ""
        # Commands may be several words ("paper out"): take the longest known prefix.
        for n in range(len(words), 0, -1):
            method = getattr(self, "do_" + "_".join(words[:n]).replace("-", "_"), None)
            if method is not None:
                return str(method(*words[n:]) or "ok")
        raise ValueError(f"unknown command {line!r}; commands:\n{self.help()}")


def open_with(sim: Simulator, make_driver: Callable[[str], Any]) -> Any:
    """Start ``sim`` and open the driver ``make_driver(address)`` builds against it, with ``sim`` as the device's
    ``simulator`` (closing the device stops it). If starting, building or opening fails, the simulator is stopped
    before the error goes on."""
    try:
        address = sim.start()
        device = make_driver(address)
    except BaseException:
        sim.stop()
        raise
    device.simulator = sim
    try:
        return device.open()
    except BaseException:
        device.close()          # stops the simulator too
        raise


class PtyLink:
    """A serial line on a pseudo-terminal, reachable through a stable symlink (the device's by-id name).

    ``on_data`` is called with every chunk the driver writes (from the link's reader thread).
    """

    def __init__(self, name: str, on_data: Callable[[bytes], None] | None = None, directory: str | None = None):
        self._dir = Path(directory or tempfile.mkdtemp(prefix="kiosk-sim-"))
        self._own_dir = directory is None
        self.path = str(self._dir / name)
        self.on_data = on_data
        self._master: int | None = None
        self._slave_name: str | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wlock = threading.Lock()

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def start(self) -> str:
        if self._master is None:
            self._plug()
        return self.path

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self._slave_name = os.ttyname(slave)
        # Keep the slave open while nothing else has it: without it, closing the driver's side hangs the master up.
        self._slave_keep = slave
        self._master = master
        tmp = self.path + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(self._slave_name, tmp)
        os.replace(tmp, self.path)
        # A stop event per plug: with one shared event, replug() cleared it, and a reader of the old pty that had
        # outlived unplug()'s join went on reading its old fd number, which openpty() hands to the new master.
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read_loop, args=(master, self._stop), daemon=True,
                                        name=f"pty:{self.path}")
        self._thread.start()

    def _read_loop(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            if self.on_data is not None:
                try:
                    self.on_data(data)
                except Exception:
                    log.exception("simulator failed on %r", data[:40])

    def write(self, data: bytes) -> None:
        """Send bytes to the driver (nothing happens while unplugged, as on a real cable)."""
        with self._wlock:
            if self._master is None:
                return
            view = memoryview(data)
            while view:
                n = os.write(self._master, view)
                view = view[n:]

    def unplug(self) -> None:
        # The name goes first, as when the kernel removes a USB device: a driver that notices the dead line must not
        # find the old name still there and reopen a pty that is about to close.
        if os.path.lexists(self.path):
            os.unlink(self.path)
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self._thread = None
        with self._wlock:
            for fd in (self._master, getattr(self, "_slave_keep", None)):
                if fd is not None:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            self._master = None
            self._slave_keep = None

    def replug(self) -> str:
        if self._master is None:
            self._plug()
        return self.path

    def stop(self) -> None:
        self.unplug()
        if self._own_dir:
            try:
                self._dir.rmdir()
            except OSError:
                pass


def split_sim_options(url, options: dict, sim_keys) -> tuple[dict, dict]:
    """Options of a ``sim:`` URL (its parameters and keyword options): ``sim_<key>`` for a key the simulator knows
    configures the simulator, everything else goes to the driver."""
    merged = {**options, **url.params}
    sim, driver = {}, {}
    for key, value in merged.items():
        if key.startswith("sim_") and key[4:] in sim_keys:
            sim[key[4:]] = value
        else:
            driver[key] = value
    return sim, driver
