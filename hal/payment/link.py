"""What both ZVT transports share: a reader thread that turns the wire into APDUs, and a bounded ``receive``.

A link is opened once, then ``send(apdu)`` hands one APDU to the wire (over serial: until the terminal acknowledged
the block) and ``receive(timeout)`` returns the next APDU the terminal sent, or None when none came in time. The
reader thread runs all the time, so the terminal's messages are taken (and, on serial, acknowledged) even while the
caller is busy, and ``abort()`` from a second thread can send while a payment waits. When the wire fails, every
later ``send``/``receive`` raises :class:`~hal.payment.errors.ConnectionLost` (or the protocol error that killed it)
and the client opens a new link.
"""

from __future__ import annotations

import logging
import queue
import threading

from hal.payment.apdu import Apdu
from hal.payment.errors import ConnectionLost, HalError

log = logging.getLogger("hal.payment")

_WAKE = object()


class Link:
    description = "link"

    def __init__(self) -> None:
        self._inbox: queue.Queue = queue.Queue()
        self._error: HalError | None = None
        self._closing = False
        self._wlock = threading.Lock()
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------------------------------- for subclasses

    def _start_reader(self) -> None:
        self._thread = threading.Thread(target=self._read_loop, daemon=True, name=f"zvt-reader:{self.description}")
        self._thread.start()

    def _read_loop(self) -> None:
        raise NotImplementedError

    def _deliver(self, apdu: Apdu) -> None:
        self._inbox.put(apdu)

    def _fail(self, error: HalError) -> None:
        """The wire is dead (or unreadable from here on): remember why and wake whoever waits."""
        if self._error is None:
            self._error = error
            if not self._closing:
                log.info("%s: %s", self.description, error)
        self._inbox.put(_WAKE)

    # ----------------------------------------------------------------------------------------------- public

    @property
    def alive(self) -> bool:
        return self._error is None and not self._closing

    def open(self) -> None:
        raise NotImplementedError

    def send(self, apdu: Apdu) -> None:
        raise NotImplementedError

    def receive(self, timeout: float) -> Apdu | None:
        """The next APDU from the terminal, None after ``timeout`` seconds without one."""
        try:
            item = self._inbox.get(timeout=max(0.0, timeout))
        except queue.Empty:
            if self._error is not None:
                raise self._error
            return None
        if item is _WAKE:
            self._inbox.put(_WAKE)          # every later call fails the same way
            raise self._error or ConnectionLost(f"{self.description} is closed")
        return item

    def discard_pending(self) -> list[Apdu]:
        """Throw away APDUs nobody waited for (a late reply after a timeout) before a new command starts."""
        stale = []
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return stale
            if item is _WAKE:
                self._inbox.put(_WAKE)
                return stale
            stale.append(item)

    def close(self) -> None:
        self._closing = True
        self._close_wire()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._fail(ConnectionLost(f"{self.description} was closed"))

    def _close_wire(self) -> None:
        raise NotImplementedError
