"""What the serial scales share: the port from the URL, hot-plug, one I/O thread and a command queue.

:class:`SerialDevice` is the plumbing (also under the Dialog 06 produce scale); :class:`SerialScale` adds the
processor of a bagging-area scale. A driver (:mod:`hal.scale.sics`, :mod:`hal.scale.toledo`) implements
``_handshake(link)`` (what to ask on connecting; it fills ``self.info``) and ``_cycle(link)`` (one poll or one
streamed line, feeding the processor). All port I/O happens in the :class:`hal.base.Reconnector` thread, which also
notices the adapter going away and reopens it when it comes back; ``command()`` hands a request (zero, tare ...) to
that thread and waits for the reply, so a command never interleaves with a poll. A scale that stops answering while
its port stays present (switched off, cable pulled at the scale end) is reported as ERROR and asked again until it
answers.
"""

from __future__ import annotations

import logging
import os
import queue
import termios
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable

from hal import events as ev
from hal.base import Reconnector
from hal.errors import BadDeviceURL
from hal.scale.base import Scale
from hal.scale.calibration import IDENTITY
from hal.scale.errors import ScaleError, ScaleNotAnswering, ScaleNotFound
from hal.scale.hx711 import processing_options
from hal.scale.processing import ScaleProcessor

log = logging.getLogger("hal.scale.serial")

UNITS_G = {"g": 1.0, "kg": 1000.0, "mg": 0.001, "lb": 453.59237, "oz": 28.349523125}


class SerialLink:
    """A pyserial port with a byte buffer: ``read_until`` with its own deadline, ``write`` with a spacing rule."""

    def __init__(self, port, min_interval_s: float = 0.0):
        self.port = port
        self.buf = bytearray()
        self.min_interval_s = min_interval_s
        self.handshaken = False
        self._last_write = 0.0

    def write(self, data: bytes) -> None:
        wait = self._last_write + self.min_interval_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            self.port.write(data)
            self.port.flush()
        except termios.error as exc:
            # pyserial's flush() is a bare tcdrain(): a pulled adapter raises termios.error (EIO), which is no
            # OSError, so it killed the I/O thread instead of reaching the Reconnector (never OFFLINE, never back).
            raise OSError(*exc.args) from exc
        self._last_write = time.monotonic()

    def read_until(self, terminator: bytes, timeout_s: float, stop: threading.Event | None = None) -> bytes | None:
        """The next chunk ending in ``terminator`` (without it), or None when ``timeout_s`` passes first."""
        deadline = time.monotonic() + timeout_s
        while True:
            i = self.buf.find(terminator)
            if i >= 0:
                chunk = bytes(self.buf[:i])
                del self.buf[:i + len(terminator)]
                return chunk
            if len(self.buf) > 4096:          # a babbling line without terminators: drop it
                self.buf.clear()
            if time.monotonic() >= deadline or (stop is not None and stop.is_set()):
                return None
            data = self.port.read(max(1, self.port.in_waiting))
            if data:
                self.buf += data

    def discard_input(self) -> None:
        """Forget a half-received reply (after a timeout) so the next one starts clean."""
        self.buf.clear()
        try:
            self.port.reset_input_buffer()
        except termios.error as exc:          # a bare tcflush(): as in write()
            raise OSError(*exc.args) from exc

    def close(self) -> None:
        self.port.close()


class SerialDevice:
    """Mixin for a :class:`hal.base.Device` on a serial port; call ``_init_serial`` from ``__init__``."""

    protocol = "serial scale"
    default_baud = 9600
    default_bytesize = 8
    default_parity = "N"
    min_interval_s = 0.0

    def _init_serial(self, reply_timeout_s: float, silent_after_s: float, debounce_s: float,
                     poll_s: float | None) -> None:
        u = self.url
        self.path = u.require_path(f"the serial port, e.g. {u.scheme}:///dev/serial/by-id/usb-...-port0")
        self.baud = u.integer("baud", self.default_baud, lo=300, hi=115200)
        self.bytesize = u.integer("bytesize", self.default_bytesize, lo=7, hi=8)
        self.parity = (u.text("parity") or self.default_parity).upper()[:1]
        if self.parity not in ("N", "E", "O"):
            raise BadDeviceURL(f"{u.raw}: parity must be N, E or O")
        self.reply_timeout_s = reply_timeout_s
        self.silent_after_s = silent_after_s
        self.debounce_s = debounce_s
        self.poll_s = poll_s
        self.info: dict[str, Any] = {}
        self.stats = {"replies": 0, "garbled": 0, "timeouts": 0, "device_errors": 0, "commands": 0}
        self._requests: queue.Queue[tuple[Callable[[SerialLink], Any], Future]] = queue.Queue()
        self._rc: Reconnector | None = None
        self._link_up = False
        self._last_answer = self._last_valid = time.monotonic()
        self._answering = True
        self._device_fault: str | None = None

    # --------------------------------------------------------------------------------------------- lifecycle

    def _open_device(self) -> None:
        if not os.path.exists(self.path):
            raise ScaleNotFound(f"{self.path} is not there: plug in the {self.protocol} (USB-serial adapter) or "
                                "fix the device URL")
        try:
            link = self._connect()
        except OSError as exc:
            raise ScaleNotAnswering(f"cannot open {self.path} for the {self.protocol}: {exc}") from exc
        try:
            # A scale that is there but silent still opens (ERROR), and is asked again until it answers.
            link.handshaken = self._try_handshake(link)
        except OSError as exc:
            link.close()
            raise ScaleNotAnswering(f"cannot talk to the {self.protocol} on {self.path}: {exc}") from exc
        self._rc = Reconnector(self, connect=self._connect, run=self._run, disconnect=self._disconnect,
                               exists=lambda: os.path.exists(self.path), debounce_s=self.debounce_s)
        self._link_up = True
        self._rc.start(link)

    def _close_device(self) -> None:
        if self._rc is not None:
            self._rc.stop()
            self._rc = None
        self._fail_requests(f"{self.name} was closed")

    def _connect(self) -> SerialLink:
        import serial       # pyserial: a dependency of the kiosk, imported with the first serial scale

        port = serial.Serial(self.path, baudrate=self.baud, bytesize=self.bytesize, parity=self.parity,
                             stopbits=1, timeout=0.02, write_timeout=1.0, exclusive=True)
        return SerialLink(port, self.min_interval_s)

    def _disconnect(self, link: SerialLink) -> None:
        link.close()

    def _try_handshake(self, link: SerialLink) -> bool:
        try:
            self._handshake(link)
        except ScaleNotAnswering as exc:
            self._set_answering(False, str(exc))
            return False
        self._set_answering(True)
        return True

    # ------------------------------------------------------------------------------------------------ thread

    def _run(self, link: SerialLink) -> None:
        self._link_up = True
        try:
            self._serve(link)
        finally:
            self._link_up = False
            self._fail_requests(f"the {self.protocol} went away (unplugged?)")

    def _serve(self, link: SerialLink) -> None:
        stopping = self._rc.stopping
        handshaken = link.handshaken
        while not stopping.is_set():
            try:
                request, fut = self._requests.get_nowait()
            except queue.Empty:
                pass
            else:
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(request(link))
                except ScaleError as exc:          # the scale said no, or did not answer in time
                    fut.set_exception(exc)
                except OSError as exc:             # the port itself failed: let the Reconnector handle it
                    fut.set_exception(ScaleNotAnswering(f"{self.name} went away during the command: {exc}"))
                    raise
                except Exception as exc:
                    fut.set_exception(exc)
                self._after_command(link)
                continue
            if not handshaken:
                handshaken = self._try_handshake(link)
                if not handshaken:
                    stopping.wait(0.2)
                    continue
            self._cycle(link)
            now = time.monotonic()
            if now - self._last_answer > self.silent_after_s:
                self._set_answering(False, f"the {self.protocol} does not answer: check that it is switched on "
                                           "and its cable is plugged in at both ends")
                handshaken = False
            elif now - self._last_valid > self.silent_after_s:
                self._set_answering(False, f"the {self.protocol} answers only garbage: check the line settings "
                                           f"(baud={self.baud}, {self.bytesize}{self.parity}1) against the scale's")
                handshaken = False

    def _fail_requests(self, why: str) -> None:
        while True:
            try:
                _, fut = self._requests.get_nowait()
            except queue.Empty:
                return
            if fut.set_running_or_notify_cancel():
                fut.set_exception(ScaleNotAnswering(why))

    def command(self, request: Callable[[SerialLink], Any], timeout_s: float | None = None) -> Any:
        """Run ``request(link)`` on the I/O thread and return its result (or raise its error)."""
        if not self.is_open:
            raise ScaleNotAnswering(f"{self.name} is not open")
        if not self._link_up:
            raise ScaleNotAnswering(f"the {self.protocol} is not connected (unplugged?); plug it back in")
        fut: Future = Future()
        self._requests.put((request, fut))
        self.stats["commands"] += 1
        try:
            return fut.result(timeout_s if timeout_s is not None else self.reply_timeout_s * 3 + 1.0)
        except TimeoutError:
            fut.cancel()
            raise ScaleNotAnswering(f"the {self.protocol} did not carry out the command in time") from None

    # -------------------------------------------------------------------------------------- for the drivers

    def _handshake(self, link: SerialLink) -> None:
        raise NotImplementedError

    def _cycle(self, link: SerialLink) -> None:
        raise NotImplementedError

    def _after_command(self, link: SerialLink) -> None:
        """Called on the I/O thread after a command (e.g. to restart a stream the command stopped)."""

    def heard(self) -> None:
        """Something complete arrived, valid or not: the scale is alive."""
        self._last_answer = time.monotonic()

    def answered(self) -> None:
        """A valid reply arrived."""
        self._last_answer = self._last_valid = time.monotonic()
        self.stats["replies"] += 1
        if not self._answering:
            self._set_answering(True)

    def _set_answering(self, answering: bool, detail: str = "") -> None:
        self._answering = answering
        if answering:
            self._last_answer = self._last_valid = time.monotonic()
        self._refresh_status(detail)

    def set_device_fault(self, fault: str | None) -> None:
        """The scale reports a fault of its own (RAM/EEPROM error ...): ERROR until it clears."""
        if fault != self._device_fault:
            self._device_fault = fault
            self._refresh_status()

    def _refresh_status(self, detail: str = "") -> None:
        if not self._answering:
            self.set_status(ev.ERROR, detail or self.status_detail)
        elif self._device_fault:
            self.set_status(ev.ERROR, self._device_fault)
        else:
            self.set_status(ev.ONLINE)

    def health(self):
        h = super().health()
        info = {**self.info, **self.stats, "reconnects": self._rc.reconnects if self._rc else 0}
        return type(h)(h.ok, h.status, h.detail, info)


class SerialScale(SerialDevice, Scale):
    """A bagging-area scale that reports grams over a serial line; its readings go through the processor."""

    def __init__(self, url, listener=None, *, name: str | None = None, reply_timeout_s: float = 1.0,
                 silent_after_s: float = 2.0, debounce_s: float = 0.5, poll_s: float | None = None,
                 **options: Any):
        Scale.__init__(self, url, listener, name=name)
        self._init_serial(reply_timeout_s, silent_after_s, debounce_s, poll_s)
        options.pop("calibration_path", None)      # grams come calibrated from the scale itself
        proc = processing_options(self.url, options)
        proc.setdefault("zero_tracking", False)      # the scale tracks its own zero
        for key in options:
            log.warning("%s: option %r is not used by the %s driver", self.name, key, self.protocol)
        self.processor = ScaleProcessor(self.emit, calibration=IDENTITY, **proc)

    def health(self):
        h = super().health()
        return type(h)(h.ok, h.status, h.detail, {**h.info, **self.processor.stats})


def to_grams(value: str, unit: str) -> float:
    factor = UNITS_G.get(unit.lower())
    if factor is None:
        raise ValueError(f"unknown weight unit {unit!r}")
    return float(value) * factor
