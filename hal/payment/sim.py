"""The ZVT card-terminal simulator: a payment terminal (PT) behind TCP on 127.0.0.1 or a serial pty.

It speaks the wire protocol of PROTOCOLS.md 4 as a terminal does: it checks the password, answers Registration with
a Completion, acknowledges every command with ``80 00 00`` (or ``84 xx``), then is master and sends intermediate
status (insert card, PIN, waiting for the bank), the status information with the result, the receipt as text blocks
(06 D3, when the ECR permitted them in its registration) or print lines (06 D1), and the Completion (06 0F) or Abort
(06 1E), waiting for the ECR's ``80 00 00`` after each. Its journal of transactions (receipt and trace numbers,
amounts, reversed or not) makes Reversal, Repeat Receipt, Status Enquiry and End-of-Day answer consistently, and
``charges()`` counts real charges: every Authorisation is a new charge, which is why the lane must ask before it
tries again.

Each next transaction (06 01, 06 30, 06 31) can be scripted: ``approve`` (the default), ``decline 05``,
``wrong-pin``, ``abort`` (the shopper presses Stop), ``timeout`` (silent after the card prompt; ``timeout t3``: not
even an 80 00), ``busy`` (84 9C), ``drop-after STEP`` (the connection drops after STEP; the terminal finishes the
payment on its own) and ``restart [STEP] [lost|completed]`` (the terminal reboots; the transaction is lost, or was
completed and its result waits undelivered). STEP is one of :data:`STEPS`. A transaction whose completion the ECR did
not acknowledge stays *unconfirmed* until the next transaction starts, and the terminal repeats its status
information in the answer to every Status Enquiry meanwhile [sim model; real terminals differ by vendor]. Wire faults:
``chop``/``coalesce`` (TCP segments), ``crc-errors N``, ``nak N``, ``no-ack N``, ``gap``, ``bad-length`` (serial), ``garbage-status``.

``open_tcp`` / ``open_serial`` are the ``sim:`` entries; ``TcpTerminalSim`` (port 20007 if free) and
``SerialTerminalSim`` are ``kiosk sim payment [serial]``.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hal.payment import bmp
from hal.payment import tlv as tlvmod
from hal.payment.apdu import ACK, Apdu, ApduReader, decode, nak
from hal.payment.errors import ZvtProtocolError
from hal.payment.results import result
from hal.payment.transport_serial import ACK as ACK_BYTE
from hal.payment.transport_serial import NAK as NAK_BYTE
from hal.payment.transport_serial import Deframer, frame
from hal.sim import PtyLink, Simulator, open_with, split_sim_options
from hal.url import DeviceURL

log = logging.getLogger("hal.payment.sim")

STEPS = ("command", "ack", "card", "pin", "host", "result", "receipt", "completion")
DEFAULT_CONFIG = 0x86          # what a terminal uses until an ECR registers (and after Log-Off)
SW_VERSION = "KIOSK-ZVT-SIM 1.0"


class _Gone(Exception):
    """The ECR's connection is gone (or the ECR stopped acknowledging)."""


class _Superseded(Exception):
    """The ECR sent a new command while the terminal was master: it gave up on the running one."""


class _Dropped(Exception):
    """A scripted connection drop."""


class _Restarted(Exception):
    """A scripted terminal restart."""


@dataclass
class Scenario:
    kind: str = "approve"      # approve | decline | wrong-pin | abort | timeout | busy | drop | restart
    code: int = 0
    step: str = ""
    fate: str = ""             # drop: complete | lose; restart: lost | completed
    t3: bool = False           # timeout: do not even acknowledge the command

    def describe(self) -> str:
        extra = {"decline": f" {self.code:02X}", "drop": f" after {self.step} ({self.fate})",
                 "restart": f" at {self.step or 'once'} ({self.fate})", "timeout": " (no 80 00)" if self.t3 else ""}
        return self.kind + extra.get(self.kind, "")


@dataclass
class Entry:
    """One transaction in the terminal's journal."""
    kind: str                  # authorisation | reversal | refund
    amount: int
    trace_no: int
    receipt_no: int | None
    result_code: int
    time: str                  # HHMMSS
    date: str                  # MMDD
    card_type: int = 5
    card_name: str = "girocard"
    pan: str = "************4771"
    approval_code: str = ""
    reversed: bool = False
    reverses: int | None = None      # for a reversal: the receipt number it reversed
    receipts: list[tuple[int, list[str]]] = field(default_factory=list)   # (receipt type, lines)
    delivered: bool = False
    batch: int = 1

    @property
    def approved(self) -> bool:
        return self.result_code == 0

    def line(self) -> str:
        state = "approved" if self.approved else f"rc {self.result_code:02X} ({result(self.result_code).technical})"
        extra = " REVERSED" if self.reversed else ""
        extra += f" reverses {self.reverses:04d}" if self.reverses is not None else ""
        extra += "" if self.delivered else " (not delivered)"
        rno = f"{self.receipt_no:04d}" if self.receipt_no is not None else "----"
        return (f"receipt {rno} trace {self.trace_no:06d} {self.kind:13s} {self.amount / 100:10.2f} EUR "
                f"{state}{extra}")


# ---------------------------------------------------------------------------------------------- channels

class _Channel:
    """One ECR connection as the terminal sees it: APDUs in, APDUs out."""

    def __init__(self) -> None:
        self.inbox: queue.Queue = queue.Queue()
        self.closed = threading.Event()
        self._front: deque[Apdu] = deque()

    def recv(self, timeout: float) -> Apdu | None:
        if self._front:
            return self._front.popleft()
        if self.closed.is_set() and self.inbox.empty():
            raise _Gone("connection closed")
        try:
            item = self.inbox.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        if item is None:
            self.inbox.put(None)
            raise _Gone("connection closed")
        return item

    def push_back(self, apdu: Apdu) -> None:
        self._front.appendleft(apdu)

    def send(self, apdu: Apdu, *, reply: bool = False) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.closed.set()
        self.inbox.put(None)


class _TcpChannel(_Channel):
    def __init__(self, sim: "ZvtTerminalSim", sock: socket.socket):
        super().__init__()
        self.sim, self.sock = sim, sock
        self._held = b""
        self._wlock = threading.Lock()
        threading.Thread(target=self._read, daemon=True, name="zvt-sim-conn").start()

    def _read(self) -> None:
        reader = ApduReader()
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    break
                for apdu in reader.feed(data):
                    self.inbox.put(apdu)
        except ZvtProtocolError as exc:
            self.sim.record(f"garbage from the ECR, closing: {exc}")
        except OSError:
            pass
        self.close()

    def send(self, apdu: Apdu, *, reply: bool = False) -> None:
        if self.closed.is_set():
            raise _Gone("connection closed")
        data = self._held + apdu.encode()
        self._held = b""
        if reply and self.sim.coalesce:
            self._held = data                 # goes out together with the next message (one TCP segment)
            return
        try:
            with self._wlock:
                if self.sim.chop:
                    for i in range(0, len(data), 2):
                        self.sock.sendall(data[i:i + 2])
                        time.sleep(0.0005)
                else:
                    self.sock.sendall(data)
        except OSError as exc:
            self.close()
            raise _Gone(str(exc)) from None

    def send_raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def flush(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            try:
                self.sock.sendall(held)
            except OSError:
                pass

    def close(self) -> None:
        if not self.closed.is_set():
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()
        super().close()


class _SerialChannel(_Channel):
    """The terminal's end of the serial cable: blocks with DLE framing, CRC, ACK/NAK, T2 and retries."""

    def __init__(self, sim: "ZvtTerminalSim", link: PtyLink):
        super().__init__()
        self.sim, self.link = sim, link
        self.deframer = Deframer()
        self._acks: queue.Queue = queue.Queue()
        self._send_lock = threading.Lock()
        self._wlock = threading.Lock()

    def on_data(self, data: bytes) -> None:
        if self.closed.is_set():
            return          # a session that is over must not ACK a block it will never serve (the ECR would wait T3)
        for ev in self.deframer.feed(data, time.monotonic()):
            kind = ev[0]
            if kind in ("ack", "nak"):
                self._acks.put(kind)
            elif kind == "bad":
                self.sim.record(f"NAK: {ev[1]}")
                self._write(bytes((NAK_BYTE,)))
            else:
                if self.sim.take_fault("no_ack"):
                    self.sim.record("ignored a block (no ACK)")
                    continue
                if self.sim.take_fault("nak"):
                    self.sim.record("NAKed a good block")
                    self._write(bytes((NAK_BYTE,)))
                    continue
                self._write(bytes((ACK_BYTE,)))
                try:
                    self.inbox.put(decode(ev[1]))
                except ZvtProtocolError as exc:
                    self.sim.record(f"malformed APDU from the ECR: {exc}")

    def _write(self, data: bytes) -> None:
        with self._wlock:
            try:
                self.link.write(data)
            except OSError:
                pass

    def send(self, apdu: Apdu, *, reply: bool = False) -> None:
        raw = apdu.encode()
        if self.sim.take_fault("bad_length"):
            raw = raw[:2] + bytes(((raw[2] + 1) & 0xFF,)) + raw[3:]    # a LEN that lies, inside a good block
            self.sim.record(f"sent {apdu.name} with a wrong length byte")
        block = frame(raw)
        with self._send_lock:
            for _attempt in range(3):
                if self.closed.is_set():
                    raise _Gone("line closed")
                while not self._acks.empty():
                    self._acks.get_nowait()
                out = block
                if self.sim.take_fault("crc_errors"):
                    out = block[:-2] + bytes((block[-2] ^ 0x5A, block[-1]))
                    self.sim.record(f"sent {apdu.name} with a bad CRC")
                if self.sim.take_fault("gap"):
                    half = len(out) // 2
                    self._write(out[:half])
                    time.sleep(0.4)
                    self._write(out[half:])
                    self.sim.record(f"sent {apdu.name} with a {400} ms gap")
                else:
                    self._write(out)
                try:
                    answer = self._acks.get(timeout=self.sim.t2)
                except queue.Empty:
                    answer = None
                if answer == "ack":
                    return
                self.sim.record(f"{apdu.name}: {answer or 'no answer'}, sending again")
            raise _Gone(f"the ECR did not acknowledge {apdu.name} after 3 tries")

    def close(self) -> None:
        super().close()
        self._acks.put("nak")


# ---------------------------------------------------------------------------------------------- the terminal

class ZvtTerminalSim(Simulator):
    name = "payment"
    COMMANDS = {
        "approve": "the next transaction is approved (the default)",
        "decline [CODE]": "the next transaction is declined with result code CODE (hex, default 05)",
        "wrong-pin": "the shopper enters a wrong PIN once, then the right one (approved)",
        "abort": "the shopper presses Stop at the card prompt (06 1E 6C)",
        "timeout [t3]": "the terminal falls silent after the card prompt (t3: does not even acknowledge the command)",
        "busy": "the next command is refused with 84 9C (terminal busy)",
        "drop-after STEP [complete|lose]": f"the connection drops after STEP ({', '.join(STEPS)}); the terminal "
                                           "completes the payment on its own (or loses it before the host step)",
        "restart [STEP [lost|completed]]": "reboot now, or at STEP of the next transaction (lost: the terminal "
                                           "forgets it, never charged; completed: charged, result undelivered)",
        "unplug | replug": "pull the cable (serial) or the network (TCP) and put it back",
        "journal": "the terminal's journal of transactions",
        "charges": "how many real charges stand (approved authorisations not reversed)",
        "status CODE": "the terminal status reported to status enquiries (hex; 00 ready, DF out of order)",
        "password NNNNNN": "change the terminal's password",
        "delay SECONDS": "seconds between the terminal's steps (card, PIN, host)",
        "chop on|off / coalesce on|off": "TCP: send APDUs in 2-byte pieces / glue the 80 00 00 to the next message",
        "crc-errors N / nak N / no-ack N / gap": "serial: corrupt the CRC of the next N blocks / NAK or ignore the "
                                                 "ECR's next N blocks / pause 400 ms inside the next block",
        "garbage-status": "the next status information carries a field the ECR cannot know",
        "bad-length": "serial: the next block holds an APDU whose length byte is wrong (the CRC is right)",
        "clear": "forget the scripted outcomes and faults",
    }

    def __init__(self, *, transport: str = "tcp", port: int | str = 0, host: str = "127.0.0.1",
                 password: str = "000000", terminal_id: str = "52500001", delay: float | str = 0.0,
                 fallback: bool | str = True, link_name: str = "usb-ZVT_Terminal_sim-if00",
                 directory: str | None = None, ack_timeout: float | str = 5.0, t2: float | str = 5.0,
                 currency: int | str = 978):
        super().__init__()
        if transport not in ("tcp", "serial"):
            raise ValueError(f"payment simulator transport is tcp or serial, not {transport!r}")
        self.transport = transport
        self.host, self.port = host, int(port)
        self.fallback = _truthy(fallback)
        self.password = str(password)
        self.terminal_id = str(terminal_id)
        self.currency = int(currency)
        self.delay = float(delay)
        self.ack_timeout = float(ack_timeout)
        self.t2 = float(t2)
        self.vu_number = "100461763"
        self.terminal_status = 0x00
        # registration
        self.config = DEFAULT_CONFIG
        self.textblock = False
        self.tlv_enabled = False
        self.width = 38
        # journal
        self.transactions: list[Entry] = []     # everything, across end-of-day batches
        self.batch = 1
        self.unconfirmed: Entry | None = None
        self._trace = 469
        self._receipt = 469
        self._script: deque[Scenario] = deque()
        self.faults: dict[str, int] = {}
        self.chop = False
        self.coalesce = False
        self.restarts = 0
        self._state = threading.RLock()
        self._busy = threading.Lock()
        self._channels: set[_Channel] = set()
        self._listener: socket.socket | None = None
        self._link: PtyLink | None = None
        self._serial: _SerialChannel | None = None
        self._link_name, self._directory = link_name, directory
        self._stopping = threading.Event()
        self._abort_requested = False
        self._abortable = False

    # -------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        if self.running:
            return self.address
        self._stopping.clear()
        if self.transport == "tcp":
            self.address = self._listen()
        else:
            self._link = PtyLink(self._link_name, on_data=self._on_pty, directory=self._directory)
            self.address = self._link.start()
            self._new_serial_channel()
        self.running = True
        self.record(f"started on {self.address}")
        return self.address

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        self._stopping.set()
        self._close_listener()
        self._close_channels()
        if self._link is not None:
            self._link.stop()
        self.record("stopped")

    def _listen(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            if not self.fallback or self.port == 0:
                sock.close()
                raise
            log.info("port %d is taken; the ZVT simulator listens on a free port instead", self.port)
            sock.bind((self.host, 0))
        sock.listen(4)
        self.port = sock.getsockname()[1]
        self._listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True, name=f"zvt-sim:{self.port}").start()
        return f"{self.host}:{self.port}"

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if self._stopping.is_set():
                conn.close()
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            # A terminal serves one ECR: a new connection means the old one is dead (the ECR reconnected).
            self._close_channels()
            ch = _TcpChannel(self, conn)
            with self._state:
                self._channels.add(ch)
            threading.Thread(target=self._serve, args=(ch,), daemon=True, name="zvt-sim-session").start()

    def _on_pty(self, data: bytes) -> None:
        ch = self._serial
        if ch is not None:
            ch.on_data(data)

    def _new_serial_channel(self) -> None:
        ch = _SerialChannel(self, self._link)
        with self._state:
            self._channels.add(ch)
        self._serial = ch
        threading.Thread(target=self._serve, args=(ch,), daemon=True, name="zvt-sim-serial").start()

    def _close_channels(self) -> None:
        with self._state:
            channels, self._channels = list(self._channels), set()
        for ch in channels:
            ch.close()

    def _drop(self, ch: _Channel) -> None:
        """Break the link to the ECR, as a pulled cable or a dying TCP connection would."""
        if isinstance(ch, _TcpChannel):
            ch.close()
        else:
            ch.close()
            self._link.unplug()
            self._new_serial_channel()       # before the new pty appears: see replug()
            self._link.replug()

    @property
    def path(self) -> str | None:
        return self._link.path if self._link else None

    def _close_listener(self) -> None:
        """Stop accepting connections (the listening socket is closed, a waiting accept() wakes up)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            listener.close()

    def unplug(self) -> None:
        """Pull the cable: the pty goes away (serial), or the terminal stops listening and drops its connection."""
        if self.transport == "tcp":
            self._close_listener()
            self._close_channels()
        else:
            if self._serial is not None:
                self._serial.close()
            self._link.unplug()
        self.record("unplugged")

    def replug(self) -> None:
        if self.transport == "tcp":
            if self._listener is None:
                self.fallback = False           # the same port again, as a terminal with a fixed address
                self._listen()
        elif not self._link.plugged:
            # The new session must be listening before the new pty appears: the ECR opens the port the moment the
            # link is back and sends its registration at once. Made the other way round, those bytes reached the
            # old, closed channel (``_on_pty`` still pointed at it), which ACKed the block and queued the APDU where
            # no session reads it: the ECR got its ACK but never an answer (T3). A real terminal's port is ready
            # when it enumerates.
            self._new_serial_channel()
            self._link.replug()
        self.record("replugged")

    # ----------------------------------------------------------------------------------------------- script

    def script(self, kind: str, *args: str) -> Scenario:
        """Queue the behaviour of the next transaction (see COMMANDS)."""
        kind = kind.lower()
        if kind in ("approve", "wrong-pin", "abort", "busy"):
            sc = Scenario(kind)
        elif kind == "decline":
            sc = Scenario(kind, code=_hex(args[0]) if args else 0x05)
            if sc.code == 0:
                raise ValueError("a decline needs a result code other than 00")
        elif kind == "timeout":
            sc = Scenario(kind, t3=bool(args) and args[0].lower() == "t3")
        elif kind in ("drop", "drop-after"):
            if not args or args[0] not in STEPS:
                raise ValueError(f"drop-after needs a step: {', '.join(STEPS)}")
            fate = args[1] if len(args) > 1 else "complete"
            if fate not in ("complete", "lose"):
                raise ValueError("drop-after STEP [complete|lose]")
            sc = Scenario("drop", step=args[0], fate=fate)
        elif kind == "restart":
            if not args or args[0] not in STEPS:
                raise ValueError(f"restart needs a step: {', '.join(STEPS)}")
            fate = args[1] if len(args) > 1 else "lost"
            if fate not in ("lost", "completed"):
                raise ValueError("restart STEP [lost|completed]")
            sc = Scenario("restart", step=args[0], fate=fate)
        else:
            raise ValueError(f"unknown outcome {kind!r}")
        with self._state:
            self._script.append(sc)
        self.record(f"scripted: {sc.describe()}")
        return sc

    def take_fault(self, name: str) -> bool:
        with self._state:
            n = self.faults.get(name, 0)
            if n <= 0:
                return False
            self.faults[name] = n - 1
            return True

    def set_fault(self, name: str, n: int = 1) -> None:
        with self._state:
            self.faults[name] = int(n)

    def charges(self) -> list[Entry]:
        """Real charges standing: approved authorisations that were not reversed."""
        with self._state:
            return [e for e in self.transactions if e.kind == "authorisation" and e.approved and not e.reversed]

    def journal(self) -> list[Entry]:
        """The current end-of-day batch."""
        with self._state:
            return [e for e in self.transactions if e.batch == self.batch]

    def restart(self, why: str = "now") -> None:
        """Reboot: connections drop and the registration is forgotten. A transaction running at that moment is
        abandoned like one whose ECR went away (to script its fate, use ``restart STEP lost|completed``)."""
        self.restarts += 1
        with self._state:
            self.config, self.textblock, self.tlv_enabled = DEFAULT_CONFIG, False, False
        if self.transport == "tcp":
            self._close_channels()
        elif self._serial is not None:
            self._drop(self._serial)
        self.record(f"restarted ({why})")

    # --------------------------------------------------------------------------------------------- session

    def _serve(self, ch: _Channel) -> None:
        while not self._stopping.is_set():
            try:
                apdu = ch.recv(0.1)
            except _Gone:
                return
            if apdu is None or apdu.is_reply:
                continue
            if not self._busy.acquire(timeout=3.0):
                self._reply(ch, nak(0x9C))
                continue
            try:
                self._dispatch(ch, apdu)
            except _Gone:
                pass
            except Exception:                          # a simulator bug must show, not hang the ECR silently
                log.exception("ZVT simulator failed on %r", apdu)
                self._reply(ch, nak(0xFF))
            finally:
                self._busy.release()

    def _reply(self, ch: _Channel, apdu: Apdu) -> None:
        try:
            ch.send(apdu, reply=True)
        except _Gone:
            pass

    def _tell(self, ch: _Channel, apdu: Apdu) -> Apdu:
        """Send a terminal command and wait for the ECR's answer (80 00 00 / 84 xx), taking 06 B0 meanwhile."""
        ch.send(apdu)
        deadline = time.monotonic() + self.ack_timeout
        while True:
            msg = ch.recv(deadline - time.monotonic())
            if msg is None:
                raise _Gone(f"the ECR did not acknowledge {apdu.name}")
            if msg.is_reply:
                return msg
            self._interject(ch, msg)

    def _interject(self, ch: _Channel, msg: Apdu) -> None:
        if msg.command == b"\x06\xb0":
            if self._abortable:
                self._abort_requested = True
                self.record("abort requested by the ECR: accepted")
                self._reply(ch, ACK)
            else:
                self.record("abort requested by the ECR: too late")
                self._reply(ch, nak(0x83))
            return
        ch.push_back(msg)
        raise _Superseded(msg.name)

    def _pause(self, ch: _Channel, seconds: float) -> None:
        """The shopper or the bank takes a while; the ECR may abort meanwhile."""
        if isinstance(ch, _TcpChannel):
            ch.flush()
        deadline = time.monotonic() + seconds
        while not self._abort_requested:
            left = deadline - time.monotonic()
            msg = ch.recv(max(0.0, left)) if left > 0 else ch.recv(0.0)
            if msg is not None and not msg.is_reply:
                self._interject(ch, msg)
            if left <= 0:
                return

    def _check_password(self, ch: _Channel, data: bytes, what: str) -> bool:
        if data[:3].hex() != self.password:
            self.record(f"{what}: wrong password {data[:3].hex()}")
            self._reply(ch, nak(0x83))
            return False
        return True

    def _dispatch(self, ch: _Channel, apdu: Apdu) -> None:
        cmd = apdu.command
        self.record(f"ECR: {apdu.name}")
        handler = {
            b"\x06\x00": self._registration, b"\x06\x01": self._transaction, b"\x06\x30": self._transaction,
            b"\x06\x31": self._transaction, b"\x06\x02": self._log_off, b"\x05\x01": self._status_enquiry,
            b"\x06\x20": self._repeat_receipt, b"\x06\x50": self._end_of_day, b"\x06\x70": self._diagnosis,
            b"\x06\xb0": self._idle_abort,
        }.get(cmd)
        if handler is None:
            self._reply(ch, nak(0x83))
            return
        try:
            handler(ch, apdu)
        except ZvtProtocolError as exc:
            self.record(f"cannot parse {apdu.name}: {exc}")
            self._reply(ch, nak(0x9A))
        except _Superseded:
            pass

    # ------------------------------------------------------------------------------------------ commands

    def _registration(self, ch: _Channel, apdu: Apdu) -> None:
        d = apdu.data
        if len(d) < 4:
            raise ZvtProtocolError("registration shorter than password + config byte")
        if not self._check_password(ch, d, "registration"):
            return
        config = d[3]
        cc = int(bmp.bcd_digits(d[4:6])) if len(d) >= 6 else None
        fields = bmp.as_dict(bmp.decode(d, 6)) if len(d) > 6 else {}
        self._reply(ch, ACK)
        if cc is not None and cc != self.currency:
            self.record(f"registration: wrong currency {cc}")
            self._tell(ch, Apdu(0x06, 0x1E, bytes((0x6F,))))
            return
        objects = fields.get(bmp.TLV)
        with self._state:
            self.config = config
            self.tlv_enabled = objects is not None
            permitted = tlvmod.find_all(objects or (), tlvmod.ZVT_COMMAND)
            self.textblock = any(o.value == b"\x06\xd3" for o in permitted)
            width = tlvmod.find(objects or (), tlvmod.PRINTER_WIDTH)
            if width is not None and width.value:
                self.width = max(20, min(60, int(bmp.bcd_digits(width.value[:1]))))
        out = [(bmp.TYPE_BYTE, 0x00), (bmp.TERMINAL_ID, self.terminal_id)]
        if cc is not None:
            out.append((bmp.CURRENCY, cc))
        self._tell(ch, Apdu(0x06, 0x0F, bmp.encode(out)))
        self.record(f"registered: config {config:02X}, text blocks {'on' if self.textblock else 'off'}")

    def _log_off(self, ch: _Channel, apdu: Apdu) -> None:
        with self._state:
            self.config, self.textblock, self.tlv_enabled = DEFAULT_CONFIG, False, False
        self._reply(ch, ACK)

    def _idle_abort(self, ch: _Channel, apdu: Apdu) -> None:
        self._reply(ch, ACK)

    def _status_enquiry(self, ch: _Channel, apdu: Apdu) -> None:
        if apdu.data and not self._check_password(ch, apdu.data, "status enquiry"):
            return
        self._reply(ch, ACK)
        with self._state:
            pending = self.unconfirmed
        if pending is not None:
            self._tell(ch, Apdu(0x04, 0x0F, self._status_info(pending)))
        sw = SW_VERSION.encode("ascii")
        self._tell(ch, Apdu(0x06, 0x0F, bmp.ll_prefix(len(sw), 3) + sw + bytes((self.terminal_status,))))

    def _repeat_receipt(self, ch: _Channel, apdu: Apdu) -> None:
        if not self._check_password(ch, apdu.data, "repeat receipt"):
            return
        self._reply(ch, ACK)
        with self._state:
            last = next((e for e in reversed(self.transactions) if e.receipt_no is not None), None)
        if last is None:
            self._tell(ch, Apdu(0x06, 0x1E, bytes((0x83,))))
            return
        self._tell(ch, Apdu(0x04, 0x0F, self._status_info(last)))
        self._send_receipts(ch, last.receipts, admin=False)
        self._tell(ch, Apdu(0x06, 0x0F, b""))

    def _end_of_day(self, ch: _Channel, apdu: Apdu) -> None:
        if not self._check_password(ch, apdu.data, "end-of-day"):
            return
        self._reply(ch, ACK)
        self._intermediate(ch, 0x04)
        with self._state:
            batch = self.journal()
            total = sum(e.amount if e.kind == "authorisation" else -e.amount
                        for e in batch if e.approved and not e.reversed and e.kind != "reversal")
            lines = [_center("Kassenschnitt", self.width), f"Terminal-ID {self.terminal_id}",
                     _row("Umsaetze", str(sum(1 for e in batch if e.approved)), self.width),
                     _row("Summe EUR", _euro(total), self.width), _center("Kassenschnitt erfolgreich", self.width)]
            self.batch += 1
        now = datetime.now()
        self._tell(ch, Apdu(0x04, 0x0F, bmp.encode([(bmp.RESULT_CODE, 0), (bmp.AMOUNT, max(0, total)),
                                                    (bmp.TIME, now.strftime("%H%M%S")),
                                                    (bmp.DATE_LONG, now.strftime("%y%m%d"))])))
        self._send_receipts(ch, [(3, lines)], admin=True)
        self._tell(ch, Apdu(0x06, 0x0F, b""))
        self.record(f"end-of-day: total {_euro(total)} EUR")

    def _diagnosis(self, ch: _Channel, apdu: Apdu) -> None:
        self._reply(ch, ACK)
        self._intermediate(ch, 0x04)
        lines = [_center("Diagnose", self.width), f"Terminal-ID {self.terminal_id}", _center("erfolgreich", self.width)]
        self._send_receipts(ch, [(3, lines)], admin=True)
        self._tell(ch, Apdu(0x06, 0x0F, b""))

    # -------------------------------------------------------------------------------------- transactions

    def _transaction(self, ch: _Channel, apdu: Apdu) -> None:
        kind = {b"\x06\x01": "authorisation", b"\x06\x30": "reversal", b"\x06\x31": "refund"}[apdu.command]
        d = apdu.data
        if kind != "authorisation" and not self._check_password(ch, d, kind):
            return
        fields = bmp.as_dict(bmp.decode(d, 0 if kind == "authorisation" else 3))
        with self._state:
            sc = self._script.popleft() if self._script else Scenario()
            self.unconfirmed = None
        self.record(f"{kind}: {sc.describe()}")
        if sc.kind == "busy":
            self._reply(ch, nak(0x9C))
            return
        if sc.kind == "timeout" and sc.t3:
            return                                         # never a word: the ECR's T3 runs out
        tx = _Tx(kind, fields.get(bmp.AMOUNT, 0), sc, fields)
        self._abort_requested, self._abortable = False, False
        try:
            self._checkpoint(tx, "command")
            if kind == "reversal":
                self._reply(ch, ACK)
                self._run_reversal(ch, tx)
            else:
                self._reply(ch, ACK)
                self._checkpoint(tx, "ack")
                self._run_payment(ch, tx)
        except _Dropped:
            self.record(f"connection dropped after {sc.step}")
            self._drop(ch)
            self._finish_offline(tx, charge=sc.fate == "complete" or tx.entry is not None)
        except _Restarted:
            fate = sc.fate
            self.restart(f"at {sc.step}, transaction {fate}")
            if fate == "completed":
                self._finish_offline(tx, charge=True)
            else:
                self._forget(tx)
        except (_Gone, _Superseded) as exc:
            self.record(f"{kind} abandoned: {exc or type(exc).__name__}")
            self._finish_offline(tx, charge=tx.entry is not None)
            if isinstance(exc, _Superseded):
                raise
        finally:
            self._abortable = False

    def _checkpoint(self, tx: "_Tx", step: str) -> None:
        sc = tx.scenario
        if sc.step == step:
            if sc.kind == "drop":
                raise _Dropped(step)
            if sc.kind == "restart":
                raise _Restarted(step)

    def _intermediate(self, ch: _Channel, code: int) -> None:
        if self.config & 0x08:
            self._tell(ch, Apdu(0x04, 0xFF, bytes((code,))))

    def _run_payment(self, ch: _Channel, tx: "_Tx") -> None:
        sc = tx.scenario
        self._abortable = True
        self._intermediate(ch, 0x0A)                       # insert card
        self._checkpoint(tx, "card")
        if sc.kind == "timeout":
            self._hang(ch)
        self._pause(ch, self.delay)
        if self._abort_requested or sc.kind == "abort":
            return self._abort(ch, tx, 0x6C)
        self._intermediate(ch, 0x01)                       # PIN entry
        self._checkpoint(tx, "pin")
        self._pause(ch, self.delay)
        if sc.kind == "wrong-pin":
            self._intermediate(ch, 0x15)
            self._pause(ch, self.delay)
            self._intermediate(ch, 0x01)
            self._pause(ch, self.delay)
        if self._abort_requested:
            return self._abort(ch, tx, 0x6C)
        self._abortable = False                            # the bank is asked: no way back
        self._intermediate(ch, 0x04)
        self._pause(ch, self.delay)
        self._book(tx, sc.code if sc.kind == "decline" else 0)
        self._checkpoint(tx, "host")
        self._deliver(ch, tx)

    def _run_reversal(self, ch: _Channel, tx: "_Tx") -> None:
        receipt_no = tx.fields.get(bmp.RECEIPT_NO)
        with self._state:
            original = next((e for e in self.journal() if e.receipt_no == receipt_no and e.kind == "authorisation"),
                            None)
        if original is None or not original.approved:
            return self._abort(ch, tx, 0xB5)
        if original.reversed:
            return self._abort(ch, tx, 0xB4)
        if tx.fields.get(bmp.AMOUNT) not in (None, original.amount):
            return self._abort(ch, tx, 0xB5)
        tx.amount = original.amount
        tx.original = original
        self._checkpoint(tx, "ack")
        self._intermediate(ch, 0x0E)
        self._checkpoint(tx, "card")
        self._checkpoint(tx, "pin")
        self._pause(ch, self.delay)
        self._book(tx, tx.scenario.code if tx.scenario.kind == "decline" else 0)
        self._checkpoint(tx, "host")
        self._deliver(ch, tx)

    def _hang(self, ch: _Channel) -> None:
        """A terminal that stopped answering: it takes the ECR's messages and says nothing."""
        while not self._stopping.is_set():
            msg = ch.recv(0.1)
            if msg is not None and not msg.is_reply:
                ch.push_back(msg)
                raise _Superseded(msg.name)
        raise _Gone("simulator stopped")

    def _book(self, tx: "_Tx", code: int) -> Entry:
        """The bank answered: the transaction is in the journal (and, if approved, the card is charged)."""
        now = datetime.now()
        with self._state:
            self._trace += 1
            self._receipt += 1
            entry = Entry(tx.kind, tx.amount, self._trace, self._receipt, code, now.strftime("%H%M%S"),
                          now.strftime("%m%d"), approval_code=f"{611000 + self._trace % 1000}" if code == 0 else "",
                          reverses=tx.original.receipt_no if tx.original else None, batch=self.batch)
            if tx.original is not None and code == 0:
                tx.original.reversed = True
            entry.receipts = self._receipt_texts(entry)
            self.transactions.append(entry)
            tx.entry = entry
        self.record(f"booked: {entry.line()}")
        return entry

    def _deliver(self, ch: _Channel, tx: "_Tx") -> None:
        entry = tx.entry
        self._tell(ch, Apdu(0x04, 0x0F, self._status_info(entry, garbage=self.take_fault("garbage_status"))))
        self._checkpoint(tx, "result")
        self._send_receipts(ch, entry.receipts, admin=False)
        self._checkpoint(tx, "receipt")
        if entry.approved:
            completion = Apdu(0x06, 0x0F, b"")
        else:
            completion = Apdu(0x06, 0x1E, bytes((entry.result_code,)))
        ch.send(completion)
        self._checkpoint(tx, "completion")
        answer = self._await_answer(ch, completion)
        if answer is not None:
            entry.delivered = True
        else:
            with self._state:
                self.unconfirmed = entry

    def _await_answer(self, ch: _Channel, apdu: Apdu) -> Apdu | None:
        deadline = time.monotonic() + self.ack_timeout
        while True:
            msg = ch.recv(deadline - time.monotonic())
            if msg is None:
                return None
            if msg.is_reply:
                return msg
            self._interject(ch, msg)

    def _abort(self, ch: _Channel, tx: "_Tx", code: int) -> None:
        with self._state:
            self._trace += 1
            now = datetime.now()
            entry = Entry(tx.kind, tx.amount, self._trace, None, code, now.strftime("%H%M%S"), now.strftime("%m%d"),
                          batch=self.batch)
            self.transactions.append(entry)
            tx.entry = entry
        self._intermediate(ch, 0x4B if code == 0x6C else 0x1D)     # (please remove card)
        completion = Apdu(0x06, 0x1E, bytes((code,)))
        ch.send(completion)
        if self._await_answer(ch, completion) is not None:
            entry.delivered = True
        else:
            with self._state:
                self.unconfirmed = entry
        self.record(f"aborted: {entry.line()}")

    def _finish_offline(self, tx: "_Tx", *, charge: bool) -> None:
        """The ECR is gone; the terminal finishes on its own, and keeps the result for the ECR to ask about."""
        if tx.entry is None:
            if charge and tx.scenario.kind not in ("abort", "timeout"):
                self._book(tx, tx.scenario.code if tx.scenario.kind == "decline" else 0)
            else:
                with self._state:
                    self._trace += 1
                    now = datetime.now()
                    tx.entry = Entry(tx.kind, tx.amount, self._trace, None, 0x6C, now.strftime("%H%M%S"),
                                     now.strftime("%m%d"), batch=self.batch)
                    self.transactions.append(tx.entry)
        with self._state:
            if not tx.entry.delivered:
                self.unconfirmed = tx.entry
        self.record(f"finished without the ECR: {tx.entry.line()}")

    def _forget(self, tx: "_Tx") -> None:
        with self._state:
            if tx.entry is not None:
                if tx.entry in self.transactions:
                    self.transactions.remove(tx.entry)
                if tx.original is not None:
                    tx.original.reversed = False
            self.unconfirmed = None
        self.record("the transaction was lost in the restart")

    def _status_info(self, e: Entry, garbage: bool = False) -> bytes:
        fields: list[tuple[int, Any]] = [(bmp.RESULT_CODE, e.result_code), (bmp.AMOUNT, e.amount),
                                         (bmp.TRACE_NO, e.trace_no), (bmp.TIME, e.time), (bmp.DATE, e.date)]
        if e.receipt_no is not None:
            fields += [(bmp.EXPIRY, "2812"), (bmp.CARD_SEQ_NO, 1), (bmp.TYPE_BYTE, 0x70), (bmp.PAN, e.pan),
                       (bmp.TERMINAL_ID, self.terminal_id), (bmp.VU_NUMBER, self.vu_number)]
            if e.approval_code:
                fields.append((bmp.APPROVAL_CODE, e.approval_code))
            fields += [(bmp.CURRENCY, self.currency), (bmp.RECEIPT_NO, e.receipt_no), (bmp.TURNOVER_NO, e.trace_no),
                       (bmp.CARD_TYPE, e.card_type), (bmp.CARD_NAME, e.card_name)]
        data = bmp.encode(fields)
        if garbage:
            data += bytes((0x9F, 0x01, 0x02, 0x03))       # 9F is no BMP: the ECR cannot tell its length
        return data

    def _receipt_texts(self, e: Entry) -> list[tuple[int, list[str]]]:
        w = self.width
        title = {"authorisation": "Kartenzahlung", "refund": "Gutschrift", "reversal": "Storno"}[e.kind]
        verdict = "Zahlung erfolgt" if e.approved else "Zahlung nicht erfolgt"
        if e.kind != "authorisation":
            verdict = "erfolgreich" if e.approved else "nicht erfolgt"
        body = [_center("Kiosk-Simulator", w), _center(title, w), _center(e.card_name, w),
                f"Datum {e.date[2:]}.{e.date[:2]}.   Uhrzeit {e.time[:2]}:{e.time[2:4]}",
                _row("Terminal-ID", self.terminal_id, w),
                _row(f"TA-Nr. {e.trace_no:06d}", f"Beleg-Nr. {e.receipt_no:04d}", w),
                _row("Karte", e.pan.replace("*", "#"), w)]
        if e.reverses is not None:
            body.append(_row("Storno zu Beleg", f"{e.reverses:04d}", w))
        body.append(_row("Betrag EUR", _euro(e.amount), w))
        if not e.approved:
            body.append(f"Fehler {e.result_code:02X}")
        body.append(_center(verdict, w))
        return [(1, ["Haendlerbeleg", *body]), (2, ["Kundenbeleg", *body])]

    def _send_receipts(self, ch: _Channel, receipts: list[tuple[int, list[str]]], *, admin: bool) -> None:
        wanted = 0x04 if admin else 0x02
        if not (self.config & 0x80 and self.config & wanted):
            return                              # the terminal prints this receipt itself
        for kind, lines in receipts:
            if self.textblock:
                objects = [tlvmod.Tlv.of(tlvmod.RECEIPT_TYPE, kind),
                           tlvmod.Tlv.of(tlvmod.PRINT_TEXTS, [*(tlvmod.Tlv.of(tlvmod.TEXT_LINE, t) for t in lines),
                                                              tlvmod.Tlv.of(tlvmod.ATTRIBUTE, 0x81)])]
                answer = self._tell(ch, Apdu(0x06, 0xD3, bmp.encode_one(bmp.TLV, objects)))
                if not answer.is_positive:
                    self.record("the ECR's printer is not ready: the terminal keeps the receipt")
                    return
            else:
                for i, text in enumerate(lines):
                    attr = 0x81 if i == len(lines) - 1 else 0x00
                    answer = self._tell(ch, Apdu(0x06, 0xD1, bytes((attr,)) + text.encode("cp437", "replace")))
                    if not answer.is_positive:
                        self.record("the ECR's printer is not ready: the terminal keeps the receipt")
                        return

    # ---------------------------------------------------------------------------------------- commands

    def do_approve(self):
        self.script("approve")

    def do_decline(self, code: str = "05"):
        self.script("decline", code)

    def do_wrong_pin(self):
        self.script("wrong-pin")

    def do_abort(self):
        self.script("abort")

    def do_timeout(self, *args: str):
        self.script("timeout", *args)

    def do_busy(self):
        self.script("busy")

    def do_drop_after(self, step: str, fate: str = "complete"):
        self.script("drop-after", step, fate)

    def do_restart(self, *args: str):
        if args and args[0] in STEPS:
            self.script("restart", *args)
            return f"the terminal restarts at {args[0]} of the next transaction"
        if args:
            raise ValueError(f"restart [STEP [lost|completed]] with STEP one of {', '.join(STEPS)}")
        self.restart()
        return "restarted"

    def do_unplug(self):
        self.unplug()

    def do_replug(self):
        self.replug()

    def do_journal(self):
        entries = self.journal()
        return "\n".join(e.line() for e in entries) or "(journal empty)"

    def do_charges(self):
        return f"{len(self.charges())} charge(s) standing"

    def do_status(self, code: str):
        self.terminal_status = _hex(code)

    def do_password(self, pw: str):
        if not (len(pw) == 6 and pw.isdigit()):
            raise ValueError("the password has 6 digits")
        self.password = pw

    def do_delay(self, seconds: str):
        self.delay = max(0.0, float(seconds))

    def do_chop(self, arg: str = "on"):
        self.chop = _truthy(arg)

    def do_coalesce(self, arg: str = "on"):
        self.coalesce = _truthy(arg)

    def do_crc_errors(self, n: str = "1"):
        self.set_fault("crc_errors", int(n))

    def do_nak(self, n: str = "1"):
        self.set_fault("nak", int(n))

    def do_no_ack(self, n: str = "1"):
        self.set_fault("no_ack", int(n))

    def do_gap(self, n: str = "1"):
        self.set_fault("gap", int(n))

    def do_bad_length(self):
        self.set_fault("bad_length", 1)

    def do_garbage_status(self):
        self.set_fault("garbage_status", 1)

    def do_clear(self):
        with self._state:
            self._script.clear()
            self.faults.clear()
        self.chop = self.coalesce = False


@dataclass
class _Tx:
    kind: str
    amount: int
    scenario: Scenario
    fields: dict[int, Any]
    entry: Entry | None = None
    original: Entry | None = None


class TcpTerminalSim(ZvtTerminalSim):
    """Standalone network terminal (``kiosk sim payment``): port 20007 if free, else any free port."""

    def __init__(self, *, port: int | str = 20007, delay: float | str = 0.8, **options: Any):
        super().__init__(transport="tcp", port=port, delay=delay, **options)


class SerialTerminalSim(ZvtTerminalSim):
    """Standalone serial terminal (``kiosk sim payment serial``) on a pty."""

    def __init__(self, *, delay: float | str = 0.8, **options: Any):
        super().__init__(transport="serial", delay=delay, **options)


# ------------------------------------------------------------------------------------------------ helpers

def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


def _hex(text: str) -> int:
    n = int(text, 16)
    if not 0 <= n <= 0xFF:
        raise ValueError(f"{text!r} is not a byte in hex")
    return n


def _euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def _center(text: str, width: int) -> str:
    return text.center(width).rstrip()


def _row(left: str, right: str, width: int) -> str:
    return left + " " * max(1, width - len(left) - len(right)) + right


_SIM_KEYS = {"delay", "password", "terminal_id", "ack_timeout", "t2", "currency"}


def _split_options(url: DeviceURL, options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``sim_*`` options (URL or keyword) configure the simulator; the rest go to the driver. The driver's password
    is the simulator's unless given."""
    sim, driver = split_sim_options(url, options, _SIM_KEYS)
    if "password" in sim:
        driver.setdefault("password", sim["password"])
    return sim, driver


def _open(transport: str, url: DeviceURL, listener, name: str | None, options: dict[str, Any]):
    from hal.payment.client import ZvtTerminal

    sim_opts, driver_opts = _split_options(url, options)
    sim = ZvtTerminalSim(transport=transport, **sim_opts)

    def driver(address: str):
        if transport == "tcp":
            return ZvtTerminal(f"zvt+tcp://{address}", listener, name=name, **driver_opts)
        return ZvtTerminal(f"zvt+serial://{os.path.abspath(address)}", listener, name=name, **driver_opts)

    return open_with(sim, driver)


def open_tcp(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any):
    """``sim:`` and ``sim:tcp``: the terminal simulator on a TCP port of 127.0.0.1, opened with zvt+tcp."""
    return _open("tcp", url, listener, name, options)


def open_serial(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any):
    """``sim:serial``: the terminal simulator behind a pty, opened with zvt+serial."""
    return _open("serial", url, listener, name, options)
