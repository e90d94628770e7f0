"""ESC/POS receipt printers over TCP, serial or USB (python-escpos), printing each job exactly once.

python-escpos opens the connection (``Network``, ``Serial``, ``Usb``) and writes to it; reading is ours, because its
``_read`` blocks (``recv(16)`` under the socket's 60 s timeout, a serial read that waits out its whole timeout). A
reader thread (:class:`hal.base.Reconnector`) takes everything the printer sends, splits it with
:class:`~hal.printer.protocol.ReplyParser` and hands status bytes to whoever asked, so every status request has a
real timeout, and reconnects when the link drops (TCP server restarted, serial adapter unplugged and replugged).

A job goes like this. The ledger is asked whether the id was printed already; then DLE EOT 1-4 say whether the
printer can print. The job is sent as ESC @ + data + GS ( H (process-ID request); the printer answers with that ID
once everything before it is printed. While waiting, DLE EOT is polled: if paper runs out, the cover opens or the
printer goes offline mid-job, the rest of the job is thrown away with DLE DC4 8 (clear buffers) so it cannot come out
after a refill, and the job is reported interrupted. Printing the same id again sends the whole job again, preceded
by a feed-and-cut that separates whatever the first attempt left on the paper. Printers that ignore GS ( H are
driven with ``confirm=status``: the job counts as printed when the printer stays ready for ``settle`` seconds.

Options (URL query or keyword; the URL wins): ``profile`` (python-escpos profile, default TM-T88V), ``width_mm``
(58/80 when the paper differs from the profile), ``timeout`` (s to wait for a status reply), ``job_timeout``,
``ledger_path`` (SQLite file; memory if absent), ``confirm`` (process_id | status), ``settle``, ``poll`` (status poll
interval during a job), ``watch`` (s between background status reads, 0 = off), ``asb`` (use Automatic Status Back),
``separate_cut``; serial: ``baud``, ``dsrdtr``, ``xonxoff``; USB: ``in_ep``, ``out_ep``.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import random
import select
import socket
import threading
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from hal import events as ev
from hal.base import Health, Reconnector
from hal.errors import DeviceUnavailable, MissingLibrary, require
from hal.printer import protocol as pr
from hal.printer.base import JobResult, Printer, PrinterStatus
from hal.printer.errors import BadPrinterOption, PrinterBusy, PrinterNotFound
from hal.printer.ledger import INTERRUPTED, PRINTED, SENDING, UNCERTAIN, JobLedger

log = logging.getLogger("hal.printer")

UNKNOWN = PrinterStatus(online=None, paper="unknown")

_COMMON_OPTIONS = {"profile", "width_mm", "timeout", "job_timeout", "ledger_path", "confirm", "settle", "poll",
                   "watch", "asb", "separate_cut"}


class _Link:
    """One open connection: python-escpos writes, we read with a timeout. ``read`` raises OSError when it is gone.

    python-escpos reopens a closed connection by itself when its ``device`` property is read; a link that was
    closed must stay closed (a thread still holding it would otherwise open a second connection to the printer),
    so the live device object is taken from ``_device`` and guarded by ``closed``.
    """

    def __init__(self, printer: Any):
        self.printer = printer
        self.device = printer._device
        self.closed = False
        self._wlock = threading.Lock()     # the reader thread (ASB set-up) and a job may both write

    def write(self, data: bytes) -> None:
        with self._wlock:
            if self.closed or not self.device:
                raise ConnectionError("printer connection is closed")
            self.printer._raw(data)

    def read(self, timeout: float) -> bytes:
        raise NotImplementedError

    def output_pending(self) -> bool:
        """Whether written bytes still wait in the OS to go out (a serial line at 19200 baud needs seconds)."""
        return False

    def close(self) -> None:
        with self._wlock:
            self.closed = True
            try:
                self.printer.close()
            except Exception as exc:      # closing a dead link must not hide why it died
                log.debug("closing printer link: %s", exc)
            # python-escpos keeps a device whose close failed (a serial flush on a vanished pty) and tries again
            # in __del__, where the error can only be printed; close it for good here.
            device = getattr(self.printer, "_device", False)
            if device:
                try:
                    device.close()
                except Exception:
                    pass
            self.printer._device = False


class _TcpLink(_Link):
    def read(self, timeout: float) -> bytes:
        if self.closed:
            raise ConnectionError("printer connection is closed")
        try:
            ready, _, _ = select.select([self.device], [], [], timeout)
        except (ValueError, TypeError) as exc:     # the socket was closed under us
            raise ConnectionError(str(exc)) from None
        if not ready:
            return b""
        data = self.device.recv(4096)
        if not data:
            raise ConnectionResetError("the printer closed the connection")
        return data


class _SerialLink(_Link):
    def read(self, timeout: float) -> bytes:
        if self.closed:
            raise ConnectionError("printer connection is closed")
        self.device.timeout = timeout
        return self.device.read(max(1, self.device.in_waiting))

    def output_pending(self) -> bool:
        try:
            return not self.closed and self.device.out_waiting > 0
        except (OSError, AttributeError):
            return False


class _UsbLink(_Link):
    def __init__(self, printer: Any, in_ep: int, usb_core: Any):
        super().__init__(printer)
        self.in_ep = in_ep
        self.usb_core = usb_core

    def read(self, timeout: float) -> bytes:
        try:
            if self.closed:
                raise ConnectionError("printer connection is closed")
            return bytes(self.device.read(self.in_ep, 64, max(1, int(timeout * 1000))))
        except self.usb_core.USBTimeoutError:
            return b""
        except self.usb_core.USBError as exc:
            if exc.errno == errno.ETIMEDOUT:
                return b""
            raise OSError(exc.errno or errno.EIO, f"USB printer: {exc}") from None


class EscposPrinter(Printer):
    """The transport-independent part; subclasses say how to connect (``_connect``) and whether the device is there."""

    transport = "?"
    EXTRA_OPTIONS: frozenset[str] = frozenset()
    reconnect_poll_s = 0.25
    pump_s = 0.05                          # the reader thread wakes this often to notice close()

    def __init__(self, url, listener=None, *, name: str | None = None, **options: Any):
        super().__init__(url, listener, name=name)
        params = {k: ("1" if v is True else "0" if v is False else str(v)) for k, v in options.items()
                  if v is not None}
        params.update(self.url.params)
        known = _COMMON_OPTIONS | self.EXTRA_OPTIONS
        unknown = sorted(set(params) - known)
        if unknown:
            raise BadPrinterOption(f"{self.url.raw}: unknown printer option(s) {', '.join(unknown)} "
                                   f"(known: {', '.join(sorted(known))})")
        o = self.options = replace(self.url, params=params)
        self.profile_name = o.text("profile", "TM-T88V")
        self.width_mm = o.integer("width_mm", None, lo=40, hi=120)
        self.timeout_s = o.number("timeout", 1.0, lo=0.01, hi=30.0)
        self.job_timeout_s = o.number("job_timeout", 60.0, lo=0.1, hi=3600.0)
        self.confirm = o.text("confirm", "process_id")
        if self.confirm not in ("process_id", "status"):
            raise BadPrinterOption(f"{self.url.raw}: confirm={self.confirm!r}; use process_id (Epson GS ( H) or "
                                   "status (printers that ignore it)")
        self.settle_s = o.number("settle", 1.5, lo=0.0, hi=600.0)
        self.poll_s = o.number("poll", 0.1, lo=0.005, hi=10.0)
        self.watch_s = o.number("watch", 5.0, lo=0.0, hi=86400.0)
        self.asb = o.flag("asb", False)
        self.separate_cut = o.flag("separate_cut", True)
        self.ledger_path = o.text("ledger_path")
        self.ledger: JobLedger | None = None
        self.last_status: PrinterStatus = UNKNOWN
        self.stats = {"status_queries": 0, "status_timeouts": 0, "invalid_bytes": 0, "jobs_sent": 0,
                      "clears": 0}
        self._parser = pr.ReplyParser(asb=self.asb)
        self._replies: queue.Queue[tuple[str, int]] = queue.Queue(maxsize=4096)
        self._pids: set[str] = set()
        self._pid_cond = threading.Condition()
        self._pid_counter = random.randrange(10000)
        self._cleared = threading.Event()
        self._io = threading.RLock()           # one conversation with the printer at a time
        self._conn: _Link | None = None
        self._asb_frames = 0                   # ASB frames seen; a poll older than the last frame is not reported
        self._poll_seq = 0
        self._report_lock = threading.Lock()
        self._late = False                     # a timed-out reply may still arrive and must not answer the next query
        self._reconnector: Reconnector | None = None
        self._watcher: threading.Thread | None = None
        self._watch_wake = threading.Event()
        self._watch_stop = threading.Event()

    # ------------------------------------------------------------------------------------------- transport

    def address(self) -> str:
        raise NotImplementedError

    def _connect(self) -> _Link:
        raise NotImplementedError

    def _exists(self) -> bool:
        return True

    # ------------------------------------------------------------------------------------------- lifecycle

    def _open_device(self) -> None:
        from escpos.capabilities import get_profile

        try:
            get_profile(self.profile_name)
        except Exception:
            raise BadPrinterOption(f"{self.url.raw}: profile={self.profile_name!r} is not a python-escpos profile "
                                   "(e.g. TM-T88V, TM-T20II, default; `python-escpos` lists them)") from None
        self.ledger = JobLedger(self.ledger_path)
        try:
            link = self._connect()
        except BaseException:
            self.ledger.close()
            raise
        self._conn = link
        self._reconnector = Reconnector(self, connect=self._connect, run=self._pump, disconnect=self._disconnect,
                                        exists=self._exists, poll_s=self.reconnect_poll_s)
        self._reconnector.start(link)
        try:
            with self._io:
                first = self._read_status()
                seq = self._poll_seq
            self._report_poll(first, seq)
            if self.watch_s > 0:
                self._watch_stop.clear()
                self._watcher = threading.Thread(target=self._watch, daemon=True,
                                                 name=f"printer-watch:{self.name}")
                self._watcher.start()
        except BaseException:
            self._close_device()
            raise

    def _close_device(self) -> None:
        self._watch_stop.set()
        self._watch_wake.set()
        if self._watcher is not None:
            self._watcher.join(2.0)
            self._watcher = None
        if self._reconnector is not None:
            self._reconnector.stop()
            self._reconnector = None
        link, self._conn = self._conn, None
        if link is not None:
            link.close()
        if self.ledger is not None:
            self.ledger.close()

    def _pump(self, link: _Link) -> None:
        """The reader thread's work while connected: take the printer's bytes until the link fails or we close."""
        self._conn = link
        if self.asb:
            link.write(pr.asb_command(pr.ASB_MASK))
        self._watch_wake.set()             # (re)connected: read the status soon
        try:
            stopping = self._reconnector.stopping if self._reconnector else threading.Event()
            while not stopping.is_set():
                data = link.read(self.pump_s)
                if data:
                    self._on_bytes(data)
        finally:
            if self._conn is link:
                self._conn = None

    def _disconnect(self, link: _Link) -> None:
        link.close()

    def _on_bytes(self, data: bytes) -> None:
        for kind, value in self._parser.feed(data):
            if kind in ("status", "invalid"):
                if kind == "invalid":
                    self.stats["invalid_bytes"] += 1
                try:
                    self._replies.put_nowait((kind, value))
                except queue.Full:         # a babbling line; what matters is the reply right after a query
                    pass
            elif kind == "process_id":
                with self._pid_cond:
                    self._pids.add(value)
                    self._pid_cond.notify_all()
            elif kind == "cleared":
                self._cleared.set()
            elif kind == "asb":
                with self._report_lock:
                    self._asb_frames += 1
                    self.last_status = pr.decode_asb(value)
                    self._report(self.last_status)

    def _watch(self) -> None:
        """Re-read the status now and then (and right after a reconnect) so paper-low reaches the lane early."""
        while not self._watch_stop.is_set():
            self._watch_wake.wait(self.watch_s)
            self._watch_wake.clear()
            if self._watch_stop.is_set():
                return
            if self._io.acquire(blocking=False):      # a job is running: it reads the status itself
                try:
                    status = self._read_status()
                    seq = self._poll_seq
                finally:
                    self._io.release()
                self._report_poll(status, seq)

    # ---------------------------------------------------------------------------------------------- status

    def _drain(self) -> None:
        while True:
            try:
                self._replies.get_nowait()
            except queue.Empty:
                return

    def _query(self, link: _Link, n: int) -> tuple[int | None, str]:
        """Send DLE EOT n and wait for its one-byte reply: (byte, "ok") or (None, "silent" | "invalid" | "broken")."""
        self._drain()
        if self._late:
            # The previous query timed out or was answered with junk; its real reply may still be on the way.
            time.sleep(min(self.timeout_s, 0.1))
            self._drain()
            self._late = False
        self.stats["status_queries"] += 1
        try:
            link.write(pr.status_query(n))
        except OSError:
            return None, "broken"
        try:
            kind, value = self._replies.get(timeout=self.timeout_s)
        except queue.Empty:
            self._late = True
            self.stats["status_timeouts"] += 1
            return None, "silent"
        if kind != "status":
            self._late = True
            return None, "invalid"
        return value, "ok"

    def _read_status(self) -> PrinterStatus:
        for _ in range(3):
            link = self._conn
            if link is None:
                self.last_status = UNKNOWN
                return UNKNOWN
            asb_before = self._asb_frames
            replies: dict[int, int] = {}
            for n in (1, 2, 3, 4):
                value, how = self._query(link, n)
                if how in ("silent", "broken"):
                    break                     # a printer that stopped answering will not answer the next one either
                if value is not None:
                    replies[n] = value
            status = pr.decode_status(replies.get(1), replies.get(2), replies.get(3), replies.get(4))
            if self._asb_frames == asb_before:
                self.last_status = status
                self._poll_seq = asb_before
                return status
            # The state changed while we asked (an ASB frame came in between the replies): ask again.
        return self.last_status

    def read_status(self) -> PrinterStatus:
        with self._io:
            status = self._read_status()
            seq = self._poll_seq
        self._report_poll(status, seq)
        return status

    def _report_poll(self, status: PrinterStatus, seq: int) -> None:
        """Report a polled status unless an ASB frame has told something newer since the poll began."""
        with self._report_lock:
            if self._asb_frames == seq or status.online is None:
                self._report(status)

    def _report(self, s: PrinterStatus) -> None:
        if s.online is None:
            if self._conn is not None:      # while the link is down, the Reconnector reports (debounced)
                self.set_status(ev.OFFLINE, "no status reply")
        elif s.cover_open:
            self.set_status(ev.COVER_OPEN, "cover open")
        elif s.paper == "out":
            self.set_status(ev.PAPER_EMPTY, "out of paper")
        elif s.error:
            self.set_status(ev.ERROR, s.error)
        elif not s.online:
            self.set_status(ev.OFFLINE, "printer offline")
        elif s.paper == "near_end":
            self.set_status(ev.PAPER_NEAR_EMPTY, "paper near end")
        elif s.paper == "ok":
            self.set_status(ev.PAPER_OK)
        else:
            self.set_status(ev.ONLINE, "paper sensor not reported")

    def health(self) -> Health:
        s = self.last_status
        connected = self._conn is not None
        return Health(self._is_open and connected and s.ready, self.status, self.status_detail,
                      {"transport": self.transport, "address": self.address(), "profile": self.profile_name,
                       "online": s.online, "paper": s.paper, "cover_open": s.cover_open, "error": s.error,
                       "connected": connected, "confirm": self.confirm})

    def recover(self) -> PrinterStatus:
        """After an auto-cutter jam was cleared: DLE ENQ 2 (recover, clearing the buffers), then the new status."""
        with self._io:
            link = self._conn
            if link is not None:
                try:
                    link.write(pr.RECOVER_AND_CLEAR)
                except OSError:
                    pass
            status = self._read_status()
            seq = self._poll_seq
        self._report_poll(status, seq)
        return status

    # ------------------------------------------------------------------------------------------------- jobs

    def job_state(self, job_id: str) -> str | None:
        """What the ledger knows of a job: None (never sent), "printed", "interrupted", "uncertain", "sending".

        Before printing an "uncertain" job again the lane may mark the receipt as a copy: its first attempt may
        have printed completely even though no confirmation came back.
        """
        if self.ledger is None:
            raise DeviceUnavailable(f"printer {self.name} is not open")
        return self.ledger.state(job_id)

    def _next_pid(self) -> str:
        self._pid_counter = (self._pid_counter + 1) % 10000
        return f"{self._pid_counter:04d}"

    def _wait_pid(self, pid: str, timeout: float) -> bool:
        with self._pid_cond:
            seen = self._pid_cond.wait_for(lambda: pid in self._pids, timeout)
            self._pids.discard(pid)
            return seen

    def _clear(self, link: _Link) -> bool:
        """DLE DC4 8: drop whatever of a job the printer still holds, and wait for its clear response."""
        self._cleared.clear()
        self.stats["clears"] += 1
        link.write(pr.CLEAR_BUFFERS)
        if self._cleared.wait(self.timeout_s):
            return True
        log.warning("printer %s: no reply to 'clear buffers' (DLE DC4 8); if this model lacks it, an interrupted "
                    "job's rest may print after the refill", self.name)
        return False

    def print_job(self, job_id: str, data: bytes) -> JobResult:
        if not isinstance(job_id, str) or not job_id:
            raise ValueError("a print job needs a non-empty job id (the idempotency key)")
        data = bytes(data)
        if not self._is_open or self.ledger is None:
            raise DeviceUnavailable(f"printer {self.name} is not open")
        with self._io:
            before = self.ledger.state(job_id)
            if before == PRINTED:
                return JobResult(job_id, "already_printed", None, "printed before; not printed again")
            status = self._read_status()
            self._report_poll(status, self._poll_seq)
            link = self._conn
            if not status.ready or link is None:
                outcome, message = pr.refusal(status)
                return JobResult(job_id, outcome, status, message)
            again = before is not None        # interrupted, uncertain, or a crash while sending
            pid = self._next_pid()
            self.ledger.mark(job_id, SENDING)
            try:
                if again:
                    self._clear(link)
                head = pr.INIT + (pr.FEED_AND_CUT if again and self.separate_cut else b"")
                tail = pr.process_id_request(pid) if self.confirm == "process_id" else b""
                with self._pid_cond:
                    self._pids.discard(pid)
                link.write(head + data + tail)
                self.stats["jobs_sent"] += 1
            except OSError as exc:
                self.ledger.mark(job_id, UNCERTAIN)
                return JobResult(job_id, "offline", None, f"the connection broke while sending ({exc}); printing "
                                                          "this job again sends it completely")
            result, state = self._confirm(job_id, pid, link)
            if state == PRINTED and before in (UNCERTAIN, SENDING):
                result = replace(result, message="printed again after an attempt whose outcome was unknown (the "
                                                 "connection broke or no confirmation came); that attempt may "
                                                 "have printed too")
            self.ledger.mark(job_id, state)
            seq = self._poll_seq
        if result.status is not None:
            self._report_poll(result.status, seq)
        return result

    def _confirm(self, job_id: str, pid: str, link: _Link) -> tuple[JobResult, str]:
        """Wait until the printer has printed the job, or stopped in the middle of it; also the ledger's verdict."""
        start = time.monotonic()
        deadline = start + self.job_timeout_s
        offline_since: float | None = None
        status = self.last_status
        while True:
            if self.confirm == "process_id":
                if self._wait_pid(pid, self.poll_s):
                    return JobResult(job_id, "printed", status if status.online is not None else None), PRINTED
            else:
                time.sleep(self.poll_s)
            if self._conn is not link:
                return JobResult(job_id, "offline", None, "the connection broke before the printer confirmed the "
                                                          "job; printing it again sends it completely"), UNCERTAIN
            if link.output_pending() and time.monotonic() < deadline:
                # A status request would queue behind the job's last bytes and time out; ask once they are out.
                # (The settle time of confirm=status counts from then, too.)
                start = time.monotonic()
                continue
            status = self._read_status()
            now = time.monotonic()
            stopped = status.online is False or status.cover_open or status.paper == "out" or bool(status.error)
            if stopped:
                if self.confirm == "process_id" and self._wait_pid(pid, 0):
                    return JobResult(job_id, "printed", status), PRINTED     # finished just before it stopped
                cause_known = status.cover_open or status.paper == "out" or bool(status.error)
                if not cause_known:
                    # Offline without a cause can be a moment (a feed, the cutter); give it a second.
                    offline_since = offline_since or now
                    if now - offline_since < 1.0 and now < deadline:
                        continue
                cleared = self._clear_quietly(link)
                outcome, message = pr.refusal(status)
                return (JobResult(job_id, outcome, status, f"printing stopped: {message}; printing this job again "
                                                           "prints it completely"),
                        INTERRUPTED if cleared else UNCERTAIN)
            offline_since = None
            if self.confirm == "status" and status.ready and now - start >= self.settle_s:
                return JobResult(job_id, "printed", status), PRINTED
            if now >= deadline:
                self._clear_quietly(link)
                advice = ("; if this model ignores process-ID requests (GS ( H), configure confirm=status"
                          if self.confirm == "process_id" else "")
                return JobResult(job_id, "failed", status, f"the printer did not confirm the job within "
                                                           f"{self.job_timeout_s:g} s; it was cleared, and printing "
                                                           f"it again sends it completely{advice}"), UNCERTAIN

    def _clear_quietly(self, link: _Link) -> bool:
        try:
            return self._clear(link)
        except OSError:
            return False


# ------------------------------------------------------------------------------------------------ transports

class TcpPrinter(EscposPrinter):
    """``escpos+tcp://host:9100``: a network printer (raw port 9100), one persistent connection."""

    transport = "tcp"
    reconnect_poll_s = 0.25

    def __init__(self, url, listener=None, *, name=None, **options):
        super().__init__(url, listener, name=name, **options)
        if not self.url.host:
            raise BadPrinterOption(f"{self.url.raw}: no host; write escpos+tcp://192.168.1.50:9100")
        self.host, self.port = self.url.host, self.url.port or 9100

    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self) -> _Link:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Network

        printer = Network(self.host, self.port, timeout=max(self.timeout_s, 1.0), profile=self.profile_name)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            reason = str(exc).strip().splitlines()[-1]
            raise PrinterNotFound(f"no printer answers at {self.host}:{self.port} ({reason}): switch it on, check "
                                  "its IP address on the self-test page (hold FEED while switching on) and the "
                                  "network cable") from None
        sock = printer._device
        sock.settimeout(self.job_timeout_s)   # a send may wait while the printer's buffer is full (paper out)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # 3-byte status requests must go out now
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        return _TcpLink(printer)


class SerialPrinter(EscposPrinter):
    """``escpos+serial:///dev/serial/by-id/...?baud=19200``: RS-232 or a USB-serial adapter."""

    transport = "serial"
    EXTRA_OPTIONS = frozenset({"baud", "dsrdtr", "xonxoff"})
    reconnect_poll_s = 0.05

    def __init__(self, url, listener=None, *, name=None, **options):
        super().__init__(url, listener, name=name, **options)
        self.path = self.url.require_path("the serial device, e.g. escpos+serial:///dev/serial/by-id/"
                                          "usb-FTDI_...-if00-port0?baud=19200")
        self.baud = self.options.integer("baud", 19200, lo=1200, hi=921600)
        self.dsrdtr = self.options.flag("dsrdtr", True)     # Epson's serial default is DTR/DSR handshake
        self.xonxoff = self.options.flag("xonxoff", False)

    def address(self) -> str:
        return self.path

    def _exists(self) -> bool:
        return os.path.exists(self.path)

    def _connect(self) -> _Link:
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Serial

        if not os.path.exists(self.path):
            raise PrinterNotFound(f"no serial printer at {self.path}: plug it in (ls /dev/serial/by-id/ lists "
                                  "what is there) and check the path in the config")
        printer = Serial(devfile=self.path, baudrate=self.baud, timeout=self.pump_s, dsrdtr=self.dsrdtr,
                         xonxoff=self.xonxoff, profile=self.profile_name)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            text = str(exc)
            if "Permission denied" in text or "busy" in text.lower():
                raise PrinterBusy(f"cannot open {self.path}: {text.splitlines()[-1]}; add the kiosk user to the "
                                  "'dialout' group, and make sure no other program (a getty, ModemManager) holds "
                                  "the port") from None
            raise PrinterNotFound(f"cannot open the serial printer at {self.path}: {text.splitlines()[-1]}") from None
        printer._device.write_timeout = self.job_timeout_s
        return _SerialLink(printer)


class UsbPrinter(EscposPrinter):
    """``escpos+usb://04b8:0202``: a USB printer claimed through pyusb (vendor:product in hex, as lsusb shows)."""

    transport = "usb"
    EXTRA_OPTIONS = frozenset({"in_ep", "out_ep"})
    reconnect_poll_s = 0.5

    def __init__(self, url, listener=None, *, name=None, **options):
        super().__init__(url, listener, name=name, **options)
        ids = urlsplit(self.url.raw).netloc
        try:
            vid, pid = (int(part, 16) for part in ids.split(":"))
        except ValueError:
            raise BadPrinterOption(f"{self.url.raw}: write the USB ids in hex as lsusb shows them, "
                                   "e.g. escpos+usb://04b8:0202") from None
        self.vid, self.pid = vid, pid
        try:
            self.in_ep = int(self.options.text("in_ep", "0x82"), 0)
            self.out_ep = int(self.options.text("out_ep", "0x01"), 0)
        except ValueError:
            raise BadPrinterOption(f"{self.url.raw}: in_ep/out_ep are endpoint numbers such as 0x82") from None
        self._usb: Any = None

    def address(self) -> str:
        return f"{self.vid:04x}:{self.pid:04x}"

    def _usb_core(self):
        if self._usb is None:
            self._usb = require("usb.core", "pip install pyusb (and apt install libusb-1.0-0)",
                                "the escpos+usb printer driver")
        return self._usb

    def _find(self):
        core = self._usb_core()
        try:
            return core.find(idVendor=self.vid, idProduct=self.pid)
        except core.NoBackendError:
            raise MissingLibrary("the escpos+usb printer driver needs libusb, which pyusb cannot find. "
                                 "Install it with: apt install libusb-1.0-0") from None

    def _exists(self) -> bool:
        try:
            return self._find() is not None
        except (OSError, MissingLibrary):
            return False

    def _connect(self) -> _Link:
        core = self._usb_core()
        if self._find() is None:
            raise PrinterNotFound(f"no USB printer {self.address()}: plug it in and switch it on (lsusb must list "
                                  "it); check vendor:product in the config")
        from escpos.exceptions import DeviceNotFoundError
        from escpos.printer import Usb

        printer = Usb(self.vid, self.pid, timeout=int(self.job_timeout_s * 1000), in_ep=self.in_ep,
                      out_ep=self.out_ep, profile=self.profile_name)
        try:
            printer.open()
        except DeviceNotFoundError as exc:
            raise PrinterBusy(f"USB printer {self.address()} is there but cannot be claimed ({str(exc).strip()}): "
                              "install the udev rule that gives the kiosk user access (systemd/udev), and if the "
                              "kernel's usblp driver holds it, blacklist usblp or use its /dev/usb/lp0") from None
        return _UsbLink(printer, self.in_ep, core)
