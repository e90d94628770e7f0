"""The one shape every device has: opened from a URL, ``open``/``close`` idempotent, usable with ``with``.

A driver subclasses :class:`Device` (through its family's interface in ``hal/<family>/base.py``) and provides
``_open_device`` and ``_close_device``; it reports data and status by calling ``self.emit(...)`` with the events of
:mod:`hal.events`. ``health()`` is what ``kiosk doctor`` prints. When a device was opened from a ``sim:`` URL,
``simulator`` is the simulator on the other side of the wire, and closing the device stops it.

:class:`Reconnector` is the read loop for devices that can be unplugged (serial and HID scanners, serial scales): it
notices the device going away, waits for its path to come back and reopens it, without the lane restarting.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from hal import events as ev
from hal.url import DeviceURL, parse

log = logging.getLogger("hal")

Listener = Callable[[object], None]


@dataclass(frozen=True)
class Health:
    ok: bool
    status: str
    detail: str = ""
    info: dict[str, Any] = field(default_factory=dict)


class Device:
    """Base of every driver. Subclasses set ``family`` and implement ``_open_device``/``_close_device``."""

    family = "device"

    def __init__(self, url: str | DeviceURL, listener: Listener | None = None, *, name: str | None = None):
        self.url = parse(url)
        self.name = name or self.url.raw
        self.listener = listener
        self.simulator: Any = None
        self.status = "closed"
        self.status_detail = ""
        self._is_open = False
        self._lock = threading.RLock()

    # -------------------------------------------------------------------------------------------- lifecycle

    @property
    def is_open(self) -> bool:
        return self._is_open

    def open(self):
        with self._lock:
            if self._is_open:
                return self
            self._open_device()
            self._is_open = True
            if self.status == "closed":
                self.set_status(ev.ONLINE)
            return self

    def close(self) -> None:
        with self._lock:
            if not self._is_open and self.simulator is None:
                return
            try:
                if self._is_open:
                    self._close_device()
            finally:
                self._is_open = False
                self.status = "closed"
                sim, self.simulator = self.simulator, None
                if sim is not None:
                    sim.stop()

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _open_device(self) -> None:
        raise NotImplementedError

    def _close_device(self) -> None:
        raise NotImplementedError

    # ---------------------------------------------------------------------------------------------- events

    def emit(self, event: object) -> None:
        if self.listener is not None:
            try:
                self.listener(event)
            except Exception:      # a listener's bug must not kill a device thread
                log.exception("%s %s: listener failed on %r", self.family, self.name, event)

    def set_status(self, status: str, detail: str = "") -> None:
        """Record and report a status change (repeats of the same status are not reported again)."""
        if status == self.status and detail == self.status_detail:
            return
        self.status, self.status_detail = status, detail
        self.emit(ev.StatusUpdate(self.family, self.name, status, detail, time.monotonic()))

    def health(self) -> Health:
        ok = self._is_open and self.status not in (ev.OFFLINE, ev.ERROR, "closed")
        return Health(ok, self.status, self.status_detail)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.status}>"


class Reconnector:
    """Keeps a device that can vanish connected: connect, read until it fails, notice it went away, reconnect.

    ``connect()`` returns a connection or raises ``OSError``; ``run(conn)`` reads until the device fails (raising
    ``OSError``) or ``stopping`` is set (it must wake up at least every ``poll_s``); ``disconnect(conn)`` releases it;
    ``exists()`` says whether the device's path is there. A disappearance shorter than ``debounce_s`` (a USB
    re-enumeration, a loose cable) is not reported; a longer one reports OFFLINE once, and the device is reopened
    within ``poll_s`` of its path reappearing.
    """

    def __init__(self, device: Device, *, connect: Callable[[], Any], run: Callable[[Any], None],
                 disconnect: Callable[[Any], None], exists: Callable[[], bool], debounce_s: float = 0.5,
                 poll_s: float = 0.05):
        self.device = device
        self.connect, self.run, self.disconnect, self.exists = connect, run, disconnect, exists
        self.debounce_s = debounce_s
        self.poll_s = poll_s
        self.stopping = threading.Event()
        self.reconnects = 0
        self._thread: threading.Thread | None = None

    def start(self, first: Any = None) -> None:
        """Start the loop; ``first`` is a connection already made by ``open`` (so open fails loudly if it can't)."""
        self.stopping.clear()
        self._thread = threading.Thread(target=self._loop, args=(first,), daemon=True,
                                        name=f"{self.device.family}:{self.device.name}")
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self.stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    def _loop(self, conn: Any) -> None:
        lost_at: float | None = None
        while not self.stopping.is_set():
            if conn is None:
                if self.exists():
                    try:
                        conn = self.connect()
                    except OSError as exc:
                        log.debug("%s: reconnect failed: %s", self.device.name, exc)
                        conn = None
                if conn is None:
                    if lost_at is not None and time.monotonic() - lost_at >= self.debounce_s:
                        self.device.set_status(ev.OFFLINE, "device went away; waiting for it to come back")
                    self.stopping.wait(self.poll_s)
                    continue
                if lost_at is not None:
                    self.reconnects += 1
                    log.info("%s %s is back", self.device.family, self.device.name)
                lost_at = None
                self.device.set_status(ev.ONLINE)
            try:
                self.run(conn)
            except OSError as exc:
                log.warning("%s %s: %s", self.device.family, self.device.name, exc)
                lost_at = time.monotonic()
            finally:
                try:
                    self.disconnect(conn)
                except OSError:
                    pass
                conn = None
