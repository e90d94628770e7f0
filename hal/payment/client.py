"""The ZVT client: the kiosk is the ECR (Kasse), the card terminal (PT) charges the card.

:class:`ZvtTerminal` is opened from ``zvt+tcp://HOST:20007?password=000000&config=0xBA&currency=978`` or
``zvt+serial:///dev/serial/by-id/...?baud=9600``. Opening connects and registers (06 00): the config byte (default
BA: the ECR prints payment receipts, wants intermediate status, controls payments), the currency, and a TLV asking for
receipts as text blocks (06 D3). Every command then runs the same way (PROTOCOLS.md 4.1, 4.7): send it, wait T3 for
``80 00 00`` (or ``84 xx``: refused), and for commands with a completion let the terminal be master: acknowledge each
of its messages with ``80 00 00`` -- intermediate status (a :class:`~hal.payment.base.Prompt` for the screen;
restarts T4), status information (the result: amount, trace, receipt number, card, masked PAN, result code), print
lines and text blocks (the receipt) -- until Completion (06 0F) or Abort (06 1E). Every wait is bounded by T3 or T4.

When the link drops during a command the call raises :class:`~hal.payment.errors.ConnectionLost` with what was seen
so far; the next call reconnects and registers again. ``status_enquiry()`` and ``repeat_receipt()`` then tell what the
terminal knows about its last transaction.

Options (URL query or keyword; the URL wins): ``password`` (6 digits), ``config`` (0xBA), ``currency`` (978),
``lang`` (de|en|nl: the language of ``PaymentResult.message``), ``t3`` (5 s), ``t4`` (180 s), ``connect_timeout``,
``reconnect_s`` (how long to retry a vanished link before a command fails), ``textblock`` (ask for 06 D3),
``printer_width`` (TLV 12, characters), ``payment_type`` (BMP 19 of the authorisation), ``register`` (on open);
serial: ``baud``, ``t1``, ``t2``, ``retries``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from hal import events as ev
from hal.base import Health
from hal.errors import BadDeviceURL
from hal.payment import bmp
from hal.payment import results as rs
from hal.payment import tlv as tlvmod
from hal.payment.apdu import ACK, Apdu, nak
from hal.payment.base import PaymentResult, PaymentTerminal, Prompt, ReceiptCopy, Registration, TerminalStatus
from hal.payment.errors import (BadPaymentOption, ConnectionLost, LinkGarbled, TerminalNotFound, TerminalRefused,
                                TerminalUnavailable, TransportError, ZvtProtocolError)
from hal.payment.link import Link
from hal.url import DeviceURL

log = logging.getLogger("hal.payment")

_OPTIONS = {"password", "config", "currency", "lang", "t3", "t4", "connect_timeout", "reconnect_s", "textblock",
            "printer_width", "payment_type", "register", "baud", "t1", "t2", "retries"}
_BAUDS = (9600, 19200, 38400, 57600, 115200)
_RECEIPT_KINDS = {1: "merchant", 2: "customer", 3: "administration"}


@dataclass
class _Exchange:
    """What one command has seen so far (mutated by the command's loop, read by abort() and error reports)."""
    command: str
    amount: int | None = None
    sent: bool = False
    reply: Apdu | None = None
    prompts: list[int] = field(default_factory=list)
    fields: dict[int, Any] = field(default_factory=dict)
    status_infos: int = 0
    lines: list[str] = field(default_factory=list)
    copies: list[ReceiptCopy] = field(default_factory=list)
    open_copy: list[str] = field(default_factory=list)
    open_kind: str = ""
    completion: Apdu | None = None
    abort_code: int | None = None
    abort_sent: bool = False
    abort_reply: Apdu | None = None
    problems: list[str] = field(default_factory=list)


class ZvtTerminal(PaymentTerminal):
    """A ZVT card terminal over TCP or serial. All calls block; every wait is bounded (T3, T4)."""

    def __init__(self, url: str | DeviceURL, listener=None, *, name: str | None = None, **options: Any):
        super().__init__(url, listener, name=name)
        u = self.url
        unknown = set(options) - _OPTIONS
        if unknown:
            raise BadPaymentOption(f"{u.raw}: unknown payment option(s) {', '.join(sorted(unknown))} "
                                   f"(known: {', '.join(sorted(_OPTIONS))})")
        opts = {**{k: str(v) for k, v in options.items()}, **u.params}
        bad = set(u.params) - _OPTIONS
        if bad:
            raise BadPaymentOption(f"{u.raw}: unknown parameter(s) {', '.join(sorted(bad))} "
                                   f"(known: {', '.join(sorted(_OPTIONS))})")
        view = DeviceURL(u.raw, u.scheme, u.host, u.port, u.path, opts)
        if u.scheme == "zvt+tcp":
            if not u.host:
                raise BadDeviceURL(f"{u.raw}: no host; write zvt+tcp://HOST:20007")
            self.transport = "tcp"
        elif u.scheme == "zvt+serial":
            u.require_path("the serial port, e.g. zvt+serial:///dev/serial/by-id/usb-...")
            self.transport = "serial"
        else:
            raise BadDeviceURL(f"{u.raw}: the ZVT driver speaks zvt+tcp:// and zvt+serial://, not {u.scheme}://")
        self.password = opts.get("password", "000000")
        if not (len(self.password) == 6 and self.password.isdigit()):
            raise BadPaymentOption(f"{u.raw}: password must be the terminal's 6-digit password, not "
                                   f"{self.password!r}")
        self.config_byte = _byte(u.raw, "config", opts.get("config", "0xBA"))
        self.currency = view.integer("currency", 978, lo=0, hi=999)
        self.lang = opts.get("lang", "de")
        if self.lang not in rs.LANGUAGES:
            raise BadPaymentOption(f"{u.raw}: lang={self.lang!r}; use one of {', '.join(rs.LANGUAGES)}")
        self.t3 = view.number("t3", 5.0, lo=0.01, hi=600)
        self.t4 = view.number("t4", 180.0, lo=0.05, hi=3600)
        self.connect_timeout = view.number("connect_timeout", 5.0, lo=0.01, hi=120)
        self.reconnect_s = view.number("reconnect_s", 2.0, lo=0, hi=120)
        self.textblock = view.flag("textblock", True)
        self.printer_width = view.integer("printer_width", 0, lo=0, hi=99)
        self.payment_type = _byte(u.raw, "payment_type", opts["payment_type"]) if "payment_type" in opts else None
        self.register_on_open = view.flag("register", True)
        self.baud = view.integer("baud", 9600)
        if self.baud not in _BAUDS:
            raise BadPaymentOption(f"{u.raw}: baud={self.baud}; ZVT terminals use {', '.join(map(str, _BAUDS))}")
        self.t1 = view.number("t1", 0.2, lo=0.01, hi=10)
        self.t2 = view.number("t2", 5.0, lo=0.01, hi=60)
        self.retries = view.integer("retries", 2, lo=0, hi=10)
        # Set by the lane: False while its receipt printer cannot print (the terminal then keeps the receipt).
        self.printer_ready: Callable[[], bool] = lambda: True
        self.registration: Registration | None = None
        self.last_result: PaymentResult | None = None
        self._link: Link | None = None
        self._registered = False
        self._cmd_lock = threading.RLock()
        self._current: _Exchange | None = None

    # ------------------------------------------------------------------------------------------- lifecycle

    def _make_link(self) -> Link:
        if self.transport == "tcp":
            from hal.payment.transport_tcp import DEFAULT_PORT, TcpLink
            return TcpLink(self.url.host, self.url.port or DEFAULT_PORT, connect_timeout=self.connect_timeout)
        from hal.payment.transport_serial import SerialLink
        return SerialLink(self.url.path, baud=self.baud, t1=self.t1, t2=self.t2, retries=self.retries)

    def _open_device(self) -> None:
        with self._cmd_lock:
            self._connect(wait=0.0)
            if self.register_on_open:
                try:
                    self.register()
                except BaseException:
                    self._drop_link()
                    raise

    def _close_device(self) -> None:
        with self._cmd_lock:
            self._drop_link()

    def _connect(self, wait: float) -> Link:
        """A live link, connecting (and retrying for ``wait`` seconds while the terminal is not there)."""
        if self._link is not None and self._link.alive:
            return self._link
        self._drop_link()
        deadline = time.monotonic() + wait
        while True:
            link = self._make_link()
            try:
                link.open()
                break
            except TerminalNotFound as exc:
                if time.monotonic() >= deadline:
                    self.set_status(ev.OFFLINE, str(exc))
                    raise
                time.sleep(0.05)
        self._link = link
        self._registered = False
        return link

    def _drop_link(self) -> None:
        link, self._link = self._link, None
        self._registered = False
        if link is not None:
            link.close()

    def _ready_link(self) -> Link:
        """The link for the next command: reconnected and registered again if it had dropped."""
        link = self._connect(wait=self.reconnect_s)
        if self.register_on_open and not self._registered:
            self.register()
        self.set_status(ev.ONLINE)
        return self._link or link

    @property
    def connected(self) -> bool:
        """Whether the link to the terminal is up now (a dropped one is re-made by the next command)."""
        link = self._link
        return link is not None and link.alive

    def health(self) -> Health:
        h = super().health()
        info: dict[str, Any] = {"transport": self.transport}
        if self.registration and self.registration.terminal_id:
            info["terminal_id"] = self.registration.terminal_id
        link = self._link
        for key in ("naks_sent", "resends", "bytes_read", "bytes_written"):   # serial: a noisy cable shows here
            if hasattr(link, key):
                info[key] = getattr(link, key)
        return replace(h, info=info)

    # -------------------------------------------------------------------------------------------- commands

    def register(self) -> Registration:
        """Registration (06 00): password, config byte, currency, and the TLV asking for 06 D3 text blocks."""
        with self._cmd_lock:
            return self._again_if_dropped(self._register)

    def _register(self) -> Registration:
        with self._cmd_lock:
            link = self._connect(wait=self.reconnect_s)
            x = self._exchange(link, "registration", self.registration_apdu(), completion=True)
            if x.reply is None:
                self._drop_link()
                raise TerminalUnavailable(f"the card terminal did not answer the registration within T3 = {self.t3} s",
                                          command="registration", sent=True)
            if not x.reply.is_positive:
                raise TerminalRefused(_refusal("registration", x.reply.instr) + "; check password= in the payment "
                                      "URL and the terminal's ECR settings", result_code=x.reply.instr,
                                      command="registration")
            if x.abort_code is not None:
                raise TerminalRefused(_refusal("registration", x.abort_code), result_code=x.abort_code,
                                      command="registration")
            if x.completion is None:
                self._drop_link()
                raise TerminalUnavailable(f"the card terminal did not complete the registration within T4 = "
                                          f"{self.t4} s", command="registration", sent=True)
            f = bmp.as_dict(_safe_bmps(x, x.completion.data))
            self.registration = Registration(f.get(bmp.TERMINAL_ID), f.get(bmp.TYPE_BYTE), f.get(bmp.CURRENCY))
            self._registered = True
            return self.registration

    def registration_apdu(self) -> Apdu:
        data = bmp.bcd_encode(self.password, 3, "password") + bytes((self.config_byte,))
        data += bmp.bcd_encode(self.currency, 2, "currency")
        objects = []
        if self.textblock:
            objects.append(tlvmod.Tlv.of(tlvmod.PERMITTED_COMMANDS, [tlvmod.Tlv.of(tlvmod.ZVT_COMMAND, b"\x06\xd3")]))
        if self.printer_width:
            objects.append(tlvmod.Tlv.of(tlvmod.PRINTER_WIDTH, bmp.bcd_encode(self.printer_width, 1)))
        if objects:
            data += bmp.encode_one(bmp.TLV, objects)
        return Apdu(0x06, 0x00, data)

    def authorisation_apdu(self, amount_cents: int) -> Apdu:
        fields: list[tuple[int, Any]] = [(bmp.AMOUNT, _amount(amount_cents)), (bmp.CURRENCY, self.currency)]
        if self.payment_type is not None:
            fields.append((bmp.TYPE_BYTE, self.payment_type))
        return Apdu(0x06, 0x01, bmp.encode(fields))

    def authorise(self, amount_cents: int, *, on_prompt: Callable[[Prompt], None] | None = None,
                  on_status: Callable[[PaymentResult], None] | None = None) -> PaymentResult:
        """Authorisation (06 01): charge ``amount_cents``. ``on_status`` is called with the result as soon as the
        terminal's status information arrives, before it is acknowledged (persist the receipt number there)."""
        return self._payment("authorisation", self.authorisation_apdu(amount_cents), amount_cents, on_prompt,
                             on_status)

    def reverse(self, receipt_no: int, *, amount_cents: int | None = None,
                on_prompt: Callable[[Prompt], None] | None = None,
                on_status: Callable[[PaymentResult], None] | None = None) -> PaymentResult:
        """Reversal (06 30) of the payment with terminal receipt number ``receipt_no`` (same day, before end-of-day)."""
        data = bmp.bcd_encode(self.password, 3, "password") + bmp.encode_one(bmp.RECEIPT_NO, int(receipt_no))
        if amount_cents is not None:
            data += bmp.encode([(bmp.AMOUNT, _amount(amount_cents)), (bmp.CURRENCY, self.currency)])
        return self._payment("reversal", Apdu(0x06, 0x30, data), amount_cents, on_prompt, on_status)

    def refund(self, amount_cents: int, *, on_prompt: Callable[[Prompt], None] | None = None,
               on_status: Callable[[PaymentResult], None] | None = None) -> PaymentResult:
        """Refund (06 31): pay ``amount_cents`` back to the card presented."""
        data = bmp.bcd_encode(self.password, 3, "password")
        data += bmp.encode([(bmp.AMOUNT, _amount(amount_cents)), (bmp.CURRENCY, self.currency)])
        return self._payment("refund", Apdu(0x06, 0x31, data), amount_cents, on_prompt, on_status)

    def end_of_day(self) -> PaymentResult:
        """End-of-Day (06 50): the terminal submits its batch; ``amount_cents`` is the day's total it reports."""
        return self._payment("end_of_day", Apdu(0x06, 0x50, bmp.bcd_encode(self.password, 3)), None, None, None)

    def diagnosis(self) -> PaymentResult:
        """Diagnosis (06 70): the terminal checks its connection to the network operator."""
        apdu = Apdu(0x06, 0x70)
        return self._again_if_dropped(lambda: self._payment("diagnosis", apdu, None, None, None))

    def repeat_receipt(self) -> PaymentResult:
        """Repeat Receipt (06 20): the terminal's last transaction again -- its result, amount, receipt number and
        receipt lines. ``outcome`` is that transaction's outcome; ``failed`` when the terminal has none to repeat."""
        apdu = Apdu(0x06, 0x20, bmp.bcd_encode(self.password, 3))
        return self._again_if_dropped(lambda: self._payment("repeat_receipt", apdu, None, None, None))

    def status_enquiry(self) -> TerminalStatus:
        """Status Enquiry (05 01): the terminal's state, and ``last``: a transaction it had not delivered (the
        connection dropped before its completion), which the terminal repeats here."""
        return self._again_if_dropped(self._status_enquiry)

    def _again_if_dropped(self, run: Callable[[], Any]) -> Any:
        """Run a command that changes nothing on the terminal; if the link turns out to have died (the lane asks
        right after a drop, before the reader noticed), reconnect and ask once more. A silent terminal (T3/T4 ran
        out) is not asked twice: that would only double the wait."""
        with self._cmd_lock:
            try:
                return run()
            except ConnectionLost as exc:
                log.info("%s: %s; reconnecting and asking again", self.name, exc)
                return run()

    def _status_enquiry(self) -> TerminalStatus:
        with self._cmd_lock:
            link = self._ready_link()
            x = self._exchange(link, "status_enquiry", Apdu(0x05, 0x01, bmp.bcd_encode(self.password, 3)),
                               completion=True)
            self._check_admin(x, "status enquiry")
            status = self._parse_status(x)
            self.set_status(ev.ONLINE if status.ready else ev.ERROR, "" if status.ready else status.text)
            return status

    def log_off(self) -> None:
        """Log-Off (06 02): the terminal forgets the registration (config byte back to 86, no TLV)."""
        with self._cmd_lock:
            link = self._connect(wait=self.reconnect_s)
            x = self._exchange(link, "log_off", Apdu(0x06, 0x02), completion=False)
            if x.reply is None:
                self._drop_link()
                raise TerminalUnavailable(f"the card terminal did not answer Log-Off within T3 = {self.t3} s",
                                          command="log_off", sent=True)
            self._registered = False

    def abort(self) -> bool:
        """Abort (06 B0). While a payment runs (from another thread) it asks the terminal to stop it; the payment
        call then returns ``aborted`` if the terminal agreed (it refuses once the card is being authorised).
        Returns whether the request reached the terminal (and, when idle, whether it was accepted)."""
        x, link = self._current, self._link
        if x is not None and link is not None and x.sent and x.completion is None and x.abort_code is None:
            try:
                link.send(Apdu(0x06, 0xB0))
            except (TerminalUnavailable, ZvtProtocolError):
                return False
            x.abort_sent = True
            return True
        with self._cmd_lock:
            link = self._ready_link()
            x = self._exchange(link, "abort", Apdu(0x06, 0xB0), completion=False)
            return x.reply is not None and x.reply.is_positive

    # ------------------------------------------------------------------------------------------- machinery

    def _payment(self, command: str, apdu: Apdu, amount: int | None, on_prompt, on_status) -> PaymentResult:
        with self._cmd_lock:
            link = self._ready_link()
            x = self._exchange(link, command, apdu, completion=True, amount=amount, on_prompt=on_prompt,
                               on_status=on_status)
            result = self._result(x)
            self.last_result = result
            return result

    def _exchange(self, link: Link, command: str, apdu: Apdu, *, completion: bool, amount: int | None = None,
                  on_prompt=None, on_status=None) -> _Exchange:
        """Send one command and follow the terminal until it is done; every wait bounded by T3 / T4."""
        x = _Exchange(command, amount)
        stale = link.discard_pending()
        if stale:
            log.info("%s: dropped %d late message(s) before %s: %s", self.name, len(stale), command, stale)
        self._current = x
        try:
            try:
                link.send(apdu)
            except TransportError:
                x.sent = True        # the block may have arrived with only its ACK lost
                raise
            x.sent = True
            deadline = time.monotonic() + self.t3
            while x.reply is None:
                msg = link.receive(deadline - time.monotonic())
                if msg is None:
                    log.warning("%s: no answer to %s within T3 = %s s", self.name, command, self.t3)
                    self._drop_link()   # the spec: close after T3; a late answer must not meet the next command
                    return x
                if msg.is_reply:
                    x.reply = msg
                else:
                    # a message of a command the terminal was still running when the link was re-made: not ours,
                    # and not acknowledged, so the terminal gives that command up and turns to this one
                    log.info("%s: ignoring %s while waiting for the answer to %s", self.name, msg.name, command)
            if not completion or not x.reply.is_positive:
                return x
            t4 = self.t4
            deadline = time.monotonic() + t4
            while True:
                msg = link.receive(deadline - time.monotonic())
                if msg is None:
                    log.warning("%s: %s: no completion within T4 = %s s", self.name, command, t4)
                    self._drop_link()
                    return x
                t4 = self._t4_from(msg, t4)
                if self._handle(link, msg, x, on_prompt, on_status):
                    return x
                if msg.command in (b"\x04\xff", b"\x04\x0f", b"\x06\xd1", b"\x06\xd3"):
                    deadline = time.monotonic() + t4
        except (TerminalUnavailable, ZvtProtocolError) as exc:
            self._drop_link()
            self.set_status(ev.OFFLINE, str(exc))
            partial = (self._result(x, interim=bool(x.status_infos))
                       if x.sent and command not in ("registration", "log_off", "abort") else None)
            what = {"authorisation": "the payment", "reversal": "the reversal", "refund": "the refund"}.get(
                command, f"the {command.replace('_', ' ')}")
            hint = (f"; the terminal may have completed {what}: ask it with status_enquiry() / repeat_receipt() "
                    f"before trying again" if x.sent else "")
            # a stream that stopped being ZVT is a lost link as far as the lane is concerned: drop, reconnect, ask
            cls = type(exc) if isinstance(exc, TerminalUnavailable) else LinkGarbled
            raise cls(f"{exc} during {command.replace('_', ' ')}{hint}", command=command, sent=x.sent,
                      partial=partial) from exc
        finally:
            self._current = None

    def _t4_from(self, msg: Apdu, t4: float) -> float:
        # 04 FF may carry a new T4 in minutes (1 byte BCD) right after the status code
        if msg.command == b"\x04\xff" and len(msg.data) >= 2 and msg.data[1] != bmp.TLV:
            try:
                minutes = int(bmp.bcd_digits(msg.data[1:2]))
            except ZvtProtocolError:
                return t4
            if minutes:
                return max(t4, minutes * 60.0)
        return t4

    def _handle(self, link: Link, msg: Apdu, x: _Exchange, on_prompt, on_status) -> bool:
        """Take one message of the terminal while it is master; True when the command is over."""
        cmd = msg.command
        if msg.is_reply:                           # the answer to our 06 B0 (abort) while the terminal is master
            if x.abort_sent:
                x.abort_reply = msg
            else:
                log.info("%s: unexpected %s during %s", self.name, msg.name, x.command)
            return False
        if cmd == b"\x04\xff":
            link.send(ACK)
            self._prompt(msg, x, on_prompt)
        elif cmd == b"\x04\x0f":
            fields = _safe_bmps(x, msg.data)
            x.fields.update(fields)
            x.status_infos += 1
            if on_status is not None:
                try:
                    on_status(self._result(x, interim=True))
                except Exception:
                    log.exception("%s: on_status failed", self.name)
            link.send(ACK)
        elif cmd == b"\x06\xd1":
            if self._printer_ok():
                self._print_line(msg, x)
                link.send(ACK)
            else:
                link.send(nak(0xCC))
        elif cmd == b"\x06\xd3":
            if self._printer_ok():
                self._print_block(msg, x)
                link.send(ACK)
            else:
                link.send(nak(0xCC))
        elif cmd in (b"\x06\x0f", b"\x06\x1e"):
            if cmd == b"\x06\x0f":
                x.completion = msg
            else:
                x.abort_code = msg.data[0] if msg.data else 0xFF
            try:
                link.send(ACK)
            except TerminalUnavailable as exc:
                # the command is over and its result is here; the terminal will repeat it if it missed our ACK
                log.info("%s: could not acknowledge the end of %s: %s", self.name, x.command, exc)
                self._drop_link()
            return True
        else:                                      # 04 01 set date/time and anything newer: yes, and go on
            log.debug("%s: acknowledging %s during %s", self.name, msg.name, x.command)
            link.send(ACK)
        return False

    def _printer_ok(self) -> bool:
        try:
            return bool(self.printer_ready())
        except Exception:
            log.exception("%s: printer_ready failed", self.name)
            return True

    def _prompt(self, msg: Apdu, x: _Exchange, on_prompt) -> None:
        if not msg.data:
            x.problems.append("intermediate status without a status code")
            return
        code = msg.data[0]
        custom = None
        rest = msg.data[1:]
        if rest and rest[0] != bmp.TLV:
            rest = rest[1:]                      # the T4 byte
        if rest:
            objects = bmp.as_dict(_safe_bmps(x, rest)).get(bmp.TLV, ())
            node = tlvmod.find(objects, tlvmod.DISPLAY_TEXTS)
            if node is not None:
                custom = " ".join(n.text().strip() for n in node.walk() if n.tag == tlvmod.TEXT_LINE) or None
        x.prompts.append(code)
        prompt = Prompt(self.name, x.command, code, rs.prompt(code, custom), time.monotonic())
        self.emit(prompt)
        if on_prompt is not None:
            try:
                on_prompt(prompt)
            except Exception:
                log.exception("%s: on_prompt failed", self.name)

    def _print_line(self, msg: Apdu, x: _Exchange) -> None:
        if not msg.data:
            x.problems.append("print line without an attribute byte")
            return
        attr, text = msg.data[0], msg.data[1:]
        if attr == 0xFF:                          # line feed: the text byte says how many empty lines
            n = text[0] if text else 1
            for _ in range(min(n, 20)):
                self._add_line(x, "")
            return
        self._add_line(x, text.decode("cp437", errors="replace"))
        if attr & 0x80 and attr != 0x80:          # the last line of this receipt (merchant <-> customer copy)
            self._close_copy(x)

    def _print_block(self, msg: Apdu, x: _Exchange) -> None:
        objects = bmp.as_dict(_safe_bmps(x, msg.data)).get(bmp.TLV, ())
        kind = tlvmod.find(objects, tlvmod.RECEIPT_TYPE)
        if kind is not None and kind.value:
            x.open_kind = _RECEIPT_KINDS.get(kind.value[0], "")
        encoding = "cp437"
        charset = tlvmod.find(objects, tlvmod.CHARACTER_SET)
        if charset is not None and charset.value[:1] == b"\xfe":
            encoding = "utf-8"
        texts = tlvmod.find(objects, tlvmod.PRINT_TEXTS)
        for node in texts.children if texts is not None else ():
            if node.tag == tlvmod.TEXT_LINE:
                self._add_line(x, node.text(encoding))
            elif node.tag == tlvmod.ATTRIBUTE and node.value and node.value[0] & 0x80 and node.value[0] != 0x80:
                self._close_copy(x)
        self._close_copy(x)                       # a text block is one whole receipt

    def _add_line(self, x: _Exchange, line: str) -> None:
        x.lines.append(line)
        x.open_copy.append(line)

    def _close_copy(self, x: _Exchange) -> None:
        if x.open_copy:
            x.copies.append(ReceiptCopy(x.open_kind, tuple(x.open_copy)))
        x.open_copy, x.open_kind = [], ""

    # ----------------------------------------------------------------------------------------------- results

    def _result(self, x: _Exchange, *, interim: bool = False) -> PaymentResult:
        f = x.fields
        code: int | None
        if interim:
            code = f.get(bmp.RESULT_CODE, 0)
        elif x.reply is None or (x.reply.is_positive and x.completion is None and x.abort_code is None):
            meaning = rs.timeout_meaning()
            return self._make(x, meaning, None)
        elif not x.reply.is_positive:
            code = x.reply.instr
        elif x.abort_code is not None:
            code = x.abort_code
        else:
            completion = bmp.as_dict(_safe_bmps(x, x.completion.data)) if x.command != "status_enquiry" else {}
            code = f.get(bmp.RESULT_CODE, completion.get(bmp.RESULT_CODE, 0))
            if x.command == "repeat_receipt" and not x.status_infos:
                meaning = rs.result(0x83)
                return self._make(x, meaning, None, technical="the terminal has no transaction to repeat")
        meaning = rs.result(code)
        if meaning.outcome == rs.APPROVED and x.problems and not interim:
            log.warning("%s: %s approved, but parts of the terminal's messages were unreadable: %s", self.name,
                        x.command, "; ".join(x.problems))
        return self._make(x, meaning, code)

    def _make(self, x: _Exchange, meaning: rs.Meaning, code: int | None, technical: str = "") -> PaymentResult:
        f = x.fields
        copies = list(x.copies)
        if x.open_copy:
            copies.append(ReceiptCopy(x.open_kind, tuple(x.open_copy)))
        card_type = f.get(bmp.CARD_TYPE)
        card = f.get(bmp.CARD_NAME) or (rs.CARD_TYPES.get(card_type) if card_type is not None else None)
        tech = technical or meaning.technical
        if x.problems:
            tech += " (unreadable: " + "; ".join(x.problems) + ")"
        return PaymentResult(
            command=x.command, outcome=meaning.outcome, amount_cents=f.get(bmp.AMOUNT, x.amount),
            result_code=code, message=meaning.text(self.lang), messages=dict(meaning.shopper), technical=tech,
            receipt_no=f.get(bmp.RECEIPT_NO), trace_no=f.get(bmp.TRACE_NO),
            terminal_id=f.get(bmp.TERMINAL_ID) or (self.registration.terminal_id if self.registration else None),
            card=card, card_type=card_type, masked_pan=f.get(bmp.PAN), currency=f.get(bmp.CURRENCY),
            date=f.get(bmp.DATE_LONG) or f.get(bmp.DATE), time=f.get(bmp.TIME), approval_code=f.get(bmp.APPROVAL_CODE),
            vu_number=f.get(bmp.VU_NUMBER), receipt_lines=tuple(x.lines), receipts=tuple(copies),
            prompts=tuple(x.prompts), fields=dict(f))

    def _check_admin(self, x: _Exchange, what: str) -> None:
        if x.reply is None or (x.reply.is_positive and x.completion is None and x.abort_code is None):
            raise TerminalUnavailable(f"the card terminal did not finish the {what} in time (T3 = {self.t3} s, "
                                      f"T4 = {self.t4} s)", command=x.command, sent=True)
        code = x.reply.instr if not x.reply.is_positive else x.abort_code
        if code is not None:
            raise TerminalRefused(_refusal(what, code), result_code=code, command=x.command)

    def _parse_status(self, x: _Exchange) -> TerminalStatus:
        d = x.completion.data
        software = None
        i = 0
        try:
            if d and d[0] >> 4 == 0xF:            # software version, LLLVAR
                n, i = bmp.ll_read(d, 0, 3, "software version")
                software = d[i:i + n].decode("cp437", errors="replace").strip()
                i += n
            if i >= len(d):
                raise ZvtProtocolError(f"status enquiry completion without a terminal status: {d.hex(' ').upper()}")
            code = d[i]
            rest = bmp.as_dict(bmp.decode(d, i + 1)) if i + 1 < len(d) else {}
        except ZvtProtocolError as exc:
            raise ZvtProtocolError(f"the card terminal's status enquiry answer is malformed: {exc}",
                                   command="status_enquiry") from None
        last = None
        if x.status_infos:
            last = replace(self._make(x, rs.result(x.fields.get(bmp.RESULT_CODE, 0)),
                                      x.fields.get(bmp.RESULT_CODE, 0)), command="last_transaction")
        tid = rest.get(bmp.TERMINAL_ID) or (self.registration.terminal_id if self.registration else None)
        return TerminalStatus(code, rs.terminal_status(code), software, tid, last)


def _safe_bmps(x: _Exchange, data: bytes) -> list[tuple[int, Any]]:
    """The BMPs of a terminal message; what cannot be read is noted (and the message still acknowledged), so one
    vendor field we do not know does not leave the terminal hanging."""
    fields, error = bmp.decode_lenient(data)
    if error is not None:
        x.problems.append(str(error))
    return fields


def _refusal(what: str, code: int) -> str:
    meaning = rs.result(code)
    return f"the card terminal refused the {what}: {code:02X} {meaning.technical}"


def _amount(cents: int) -> int:
    if not isinstance(cents, int) or cents < 0 or cents > 999_999_999_999:
        raise ValueError(f"amount must be a whole number of cents between 0 and 999999999999, not {cents!r}")
    return cents


def _byte(raw: str, key: str, value: str) -> int:
    """A byte option: ``0xBA``, or decimal ``186``."""
    try:
        n = int(value, 16) if value.lower().startswith("0x") else int(value, 10)
    except ValueError:
        raise BadPaymentOption(f"{raw}: {key}={value!r} is not a byte (write it like 0xBA)") from None
    if not 0 <= n <= 0xFF:
        raise BadPaymentOption(f"{raw}: {key}={value!r} is not a byte (0..255, e.g. 0xBA)")
    return n
