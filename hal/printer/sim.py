"""The receipt printer simulator: an :class:`~hal.printer.emulator.EscPosDevice` behind a TCP port or a serial pty.

``PrinterSim(transport="tcp")`` listens on 127.0.0.1 (port 0 picks a free port; the standalone ``kiosk sim printer``
asks for the protocol's 9100 and falls back to a free one); ``transport="serial"`` sits behind a
:class:`hal.sim.PtyLink` named like a ``/dev/serial/by-id`` entry. Either can be unplugged and replugged. Tests read
it like the paper: ``receipts()`` are the texts of the cut receipts, ``current_text()`` is what is printed since the
last cut, ``torn()`` are pieces that left with an empty roll. Faults come by method or by command ("paper out",
"paper-out-after 5", "cover open", "silent", ...; see ``COMMANDS``). ``open_tcp`` / ``open_serial`` are the ``sim:``
entries: they start the simulator and open the real escpos+tcp / escpos+serial driver against it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from hal.printer.emulator import EscPosDevice, Receipt
from hal.sim import PtyLink, Simulator, open_with, split_sim_options
from hal.url import DeviceURL

log = logging.getLogger("hal.printer.sim")


class _TcpServer:
    """A raw-print port (like 9100 on a network printer): every client's bytes go to the one printer."""

    def __init__(self, device: EscPosDevice, host: str, port: int, fallback: bool):
        self.device = device
        self.host, self.port, self.fallback = host, port, fallback
        self._listener: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> str:
        if self._listener is not None:
            return f"{self.host}:{self.port}"
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            if not self.fallback or self.port == 0:
                sock.close()
                raise
            log.info("port %d is taken; the printer simulator listens on a free port instead", self.port)
            sock.bind((self.host, 0))
        sock.listen(4)
        self.port = sock.getsockname()[1]       # kept, so a replug listens on the same port again
        self._listener = sock
        t = threading.Thread(target=self._accept, args=(sock,), daemon=True, name=f"printer-sim:{self.port}")
        t.start()
        self._threads.append(t)
        return f"{self.host}:{self.port}"

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._listener is not listener:
                    conn.close()
                    return
                self._clients.add(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True, name="printer-sim-client")
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        def reply(data: bytes) -> None:
            conn.sendall(data)

        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                self.device.receive(data, reply)
        except OSError:
            pass
        finally:
            with self._lock:
                self._clients.discard(conn)
            conn.close()

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            clients, self._clients = list(self._clients), set()
        if listener is not None:
            # shutdown wakes the thread blocked in accept(); a bare close() would leave it listening on the old
            # socket, which then steals the connections meant for the one a replug opens
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()
        for c in clients:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    @property
    def running(self) -> bool:
        return self._listener is not None


class PrinterSim(Simulator):
    name = "printer"
    COMMANDS = {
        "paper ok | refill": "a full roll (after paper out: a new roll; what was left in the buffer prints now)",
        "paper near-end": "the near-end sensor trips; printing goes on",
        "paper out": "no paper: printing stops, data waits in the buffer",
        "paper-out-after N": "the roll ends after N more printed lines",
        "cover open | cover close": "open or close the cover (printing stops while open)",
        "offline | online": "take the printer offline or back online",
        "cutter error | cutter ok": "an auto-cutter jam (offline until cleared, or DLE ENQ 1/2)",
        "silent [off]": "answer nothing at all (no status, no responses)",
        "garbage-status [off]": "answer status requests with bytes that are not status bytes",
        "noise [N]": "send N bytes of line noise to the host",
        "slow SECONDS | slow off": "seconds per printed line",
        "unplug | replug": "pull the cable (close the port; received data still prints) and put it back",
        "restart": "switch the printer off and on (connection dropped, received data lost)",
        "show": "the last receipt",
        "current": "what is printed since the last cut",
        "state": "paper, cover, counters",
    }

    def __init__(self, *, transport: str = "tcp", port: int | str = 0, host: str = "127.0.0.1",
                 width_mm: int | str = 80, process_id: bool | str = True, fallback: bool | str = True,
                 link_name: str = "usb-EPSON_TM-T88V_sim-if00", directory: str | None = None):
        super().__init__()
        if transport not in ("tcp", "serial"):
            raise ValueError(f"printer simulator transport is tcp or serial, not {transport!r}")
        self.transport = transport
        self.device = EscPosDevice(width_mm=int(width_mm), process_id=_truthy(process_id), on_event=self.record)
        self._server = _TcpServer(self.device, host, int(port), _truthy(fallback)) if transport == "tcp" else None
        self._link = PtyLink(link_name, on_data=self._on_pty, directory=directory) if transport == "serial" else None

    def _on_pty(self, data: bytes) -> None:
        self.device.receive(data, self._link.write)

    # ---------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        if self.running:
            return self.address
        self.device.start()
        self.address = self._server.start() if self._server else self._link.start()
        self.running = True
        self.record(f"started on {self.address}")
        return self.address

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        if self._server:
            self._server.stop()
        if self._link:
            self._link.stop()
        self.device.stop()
        self.record("stopped")

    @property
    def port(self) -> int | None:
        return self._server.port if self._server else None

    @property
    def path(self) -> str | None:
        return self._link.path if self._link else None

    def unplug(self) -> None:
        if self._server:
            self._server.stop()
        else:
            self._link.unplug()
        self.record("unplugged")

    def replug(self) -> None:
        if self._server:
            self._server.start()
        else:
            self._link.replug()
        self.record("replugged")

    def restart(self) -> None:
        """Switch the printer off and on: the connection drops and whatever it had received is lost."""
        self.unplug()
        self.device.power_cycle()
        self.replug()

    # --------------------------------------------------------------------------------------- reading the paper

    def receipts(self) -> list[str]:
        """The texts of all receipts cut so far, oldest first."""
        return self.device.receipt_texts()

    def receipt_objects(self) -> list[Receipt]:
        with self.device.lock:
            return list(self.device.receipts)

    def current_text(self) -> str:
        return self.device.current_text()

    def torn(self) -> list[str]:
        with self.device.lock:
            return [r.text for r in self.device.torn]

    # ------------------------------------------------------------------------------------------------ state

    def set_paper(self, state: str) -> None:
        self.device.set_paper(state)

    def paper_out_after(self, lines: int | None) -> None:
        self.device.set_paper_out_after(lines)

    def set_cover(self, open_: bool) -> None:
        self.device.set_cover(open_)

    def set_offline(self, offline: bool) -> None:
        self.device.set_offline(offline)

    def set_cutter_error(self, error: bool) -> None:
        self.device.set_cutter_error(error)

    def set_silent(self, silent: bool) -> None:
        self.device.silent = bool(silent)
        self.record("silent" if silent else "answering again")

    def set_garbage_status(self, on: bool) -> None:
        self.device.garbage_status = bool(on)

    def set_slow(self, seconds_per_line: float) -> None:
        self.device.slow_s = max(0.0, float(seconds_per_line))

    def send_noise(self, n: int = 16) -> None:
        # bytes that are neither status bytes nor ASB/response headers: what a bad cable or a baud mismatch delivers
        noise = bytes((0xFF, 0x00, 0x81, 0xC3, 0x05, 0xE7)[i % 6] for i in range(n))
        reply = self.device._reply or (self._link.write if self._link else None)
        if reply is not None and not self.device.silent:
            try:
                reply(noise)
            except OSError:
                pass

    # ----------------------------------------------------------------------------------------------- commands

    def do_paper_ok(self):
        self.set_paper("ok")

    do_refill = do_paper_ok

    def do_paper_near_end(self):
        self.set_paper("near_end")

    def do_paper_out(self):
        self.set_paper("out")

    def do_paper_out_after(self, n: str):
        self.paper_out_after(int(n))
        return f"paper runs out after {int(n)} more lines"

    def do_cover_open(self):
        self.set_cover(True)

    def do_cover_close(self):
        self.set_cover(False)

    def do_offline(self):
        self.set_offline(True)

    def do_online(self):
        self.set_offline(False)

    def do_cutter_error(self):
        self.set_cutter_error(True)

    def do_cutter_ok(self):
        self.set_cutter_error(False)

    def do_silent(self, arg: str = "on"):
        self.set_silent(arg.lower() not in ("off", "0", "no", "false"))

    def do_garbage_status(self, arg: str = "on"):
        self.set_garbage_status(arg.lower() not in ("off", "0", "no", "false"))

    def do_noise(self, n: str = "16"):
        self.send_noise(int(n))

    def do_slow(self, seconds: str = "0.2"):
        self.set_slow(0.0 if seconds.lower() == "off" else float(seconds))

    def do_unplug(self):
        self.unplug()

    def do_replug(self):
        self.replug()

    def do_restart(self):
        self.restart()

    def do_show(self):
        texts = self.receipts()
        return texts[-1] if texts else "(no receipt printed yet)"

    def do_current(self):
        return self.current_text() or "(nothing since the last cut)"

    def do_state(self):
        d = self.device
        return (f"paper={d.paper} cover={'open' if d.cover_open else 'closed'} offline={d.offline()} "
                f"cutter_error={d.cutter_error} silent={d.silent} receipts={len(d.receipts)} torn={len(d.torn)} "
                f"buffered={d.buffered()} unknown={d.unknown} status_requests={d.status_requests}")


class TcpPrinterSim(PrinterSim):
    """Standalone network printer (``kiosk sim printer``): port 9100 if free, else any free port."""

    def __init__(self, *, port: int | str = 9100, **options: Any):
        super().__init__(transport="tcp", port=port, **options)


class SerialPrinterSim(PrinterSim):
    """Standalone serial printer (``kiosk sim printer serial``) on a pty."""

    def __init__(self, **options: Any):
        super().__init__(transport="serial", **options)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


_SIM_KEYS = {"width_mm", "process_id", "paper", "slow"}


def _split_options(url: DeviceURL, options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``sim_*`` options (URL or keyword) configure the simulator; the rest go to the driver. width_mm goes to both."""
    sim, driver = split_sim_options(url, options, _SIM_KEYS)
    if "width_mm" in driver:
        sim.setdefault("width_mm", driver["width_mm"])
    return sim, driver


def _open(transport: str, url: DeviceURL, listener, name: str | None, options: dict[str, Any]):
    from hal.printer.driver import SerialPrinter, TcpPrinter

    sim_opts, driver_opts = _split_options(url, options)
    paper = sim_opts.pop("paper", None)
    slow = sim_opts.pop("slow", None)
    sim = PrinterSim(transport=transport, **sim_opts)
    if paper:
        sim.set_paper(str(paper))
    if slow:
        sim.set_slow(float(slow))

    def driver(address: str):
        if transport == "tcp":
            return TcpPrinter(f"escpos+tcp://{address}", listener, name=name, **driver_opts)
        driver_opts.setdefault("baud", 19200)
        return SerialPrinter(f"escpos+serial://{os.path.abspath(address)}", listener, name=name, **driver_opts)

    return open_with(sim, driver)


def open_tcp(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any):
    """``sim:`` and ``sim:tcp``: the printer simulator on a TCP port, opened with the escpos+tcp driver."""
    return _open("tcp", url, listener, name, options)


def open_serial(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any):
    """``sim:serial``: the printer simulator on a pty, opened with the escpos+serial driver."""
    return _open("serial", url, listener, name, options)
