"""Mettler Toledo MT-SICS scales on a serial line (PROTOCOLS.md 2.3).

URL: ``sics:///dev/serial/by-id/usb-...?baud=9600&mode=stream`` (8N1 unless ``bytesize``/``parity`` say otherwise).
On connecting the driver sends ``@`` (reset; the scale answers with its serial number) and ``I4`` (serial number,
kept in ``health().info``). ``mode=stream`` (default) asks for ``SIR``, one weight line per conversion; if the
stream pauses the driver asks again. ``mode=poll`` sends ``SI`` every ``poll_s`` (default 0.1 s).

Replies are ``<cmd> <status> <value> <unit>``: ``S S`` stable, ``S D`` dynamic (both with a weight, converted to
grams and fed to the processor with the scale's own motion flag), ``S +`` overload, ``S -`` underload, ``S I``
busy; ``ES``/``ET``/``EL`` are syntax, transmission and logic errors. ``zero()`` sends ``Z``, ``tare()`` ``T`` and
``clear_tare()`` ``TAC``; their refusals become :class:`ScaleMoving` or :class:`OutOfZeroRange`.
"""

from __future__ import annotations

import logging
import time

from hal.errors import BadDeviceURL
from hal.scale.errors import OutOfZeroRange, ScaleError, ScaleMoving, ScaleNotAnswering, ScaleProtocolError
from hal.scale.serial_base import SerialLink, SerialScale, to_grams

log = logging.getLogger("hal.scale.sics")

CRLF = b"\r\n"
LF = b"\n"
ERRORS = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}


def parse_line(line: str) -> tuple[str, str, float | None]:
    """One MT-SICS reply: (command, status, grams or None). Raises ValueError for anything else."""
    parts = line.split()
    if not parts:
        raise ValueError("empty line")
    if parts[0] in ERRORS and len(parts) == 1:
        return parts[0], "", None
    if len(parts) < 2:
        raise ValueError(f"no status in {line!r}")
    cmd, status = parts[0], parts[1]
    if cmd == "S" and status in ("S", "D"):
        if len(parts) != 4:
            raise ValueError(f"weight reply without value and unit: {line!r}")
        return cmd, status, to_grams(parts[2], parts[3])
    if len(parts) >= 4 and status in ("S", "A"):
        try:
            return cmd, status, to_grams(parts[2], parts[3])
        except ValueError:
            pass
    return cmd, status, None


def _quoted(line: str) -> str:
    start = line.find('"')
    return line[start + 1:line.rfind('"')] if start >= 0 else line.split(maxsplit=2)[-1]


class SicsScale(SerialScale):
    scheme = "sics"
    protocol = "MT-SICS scale"

    def __init__(self, url, listener=None, **kwargs):
        super().__init__(url, listener, **kwargs)
        self.mode = (self.url.text("mode") or "stream").lower()
        if self.mode not in ("stream", "poll"):
            raise BadDeviceURL(f"{self.url.raw}: mode must be stream (SIR) or poll (SI)")
        if self.poll_s is None:
            self.poll_s = 0.1
        self._streaming = False
        self._next_poll = 0.0

    # ------------------------------------------------------------------------------------------- protocol

    def _line(self, link: SerialLink, timeout_s: float) -> str | None:
        """The next line; CR LF ends a line, but a lone LF does too (a reply whose CR was garbled)."""
        raw = link.read_until(LF, timeout_s, self._rc.stopping if self._rc else None)
        if raw is None:
            return None
        self.heard()
        return raw.decode("ascii", "replace").strip()

    def _ask(self, link: SerialLink, command: str, expect: tuple[str, ...]) -> str:
        """Send a command and return its reply line; weight lines of a running stream are still processed.

        Without a stream every line is the reply, even a garbled one (the caller rejects it), so garbage costs
        one poll, not a timeout."""
        link.write(command.encode("ascii") + CRLF)
        deadline = time.monotonic() + self.reply_timeout_s
        while True:
            line = self._line(link, max(0.0, deadline - time.monotonic()))
            if line is None:
                self.stats["timeouts"] += 1
                link.discard_input()
                raise ScaleNotAnswering(f"the MT-SICS scale did not answer {command!r} within "
                                        f"{self.reply_timeout_s:g} s")
            word = line.split(maxsplit=1)[0] if line else ""
            if word in expect or word in ERRORS or not self._streaming:
                return line
            self._handle(line)      # a streamed weight line that was already on its way

    def _handshake(self, link: SerialLink) -> None:
        """First contact: ``@`` resets the scale (it answers with its serial number). After a reconnect only
        ``I4``, because ``@`` would also clear a tare the lane set; a different serial number is logged."""
        self._streaming = False
        link.discard_input()
        first = "serial_number" not in self.info
        for command in (("@", "I4") if first else ("I4",)):
            reply = self._ask(link, command, ("I4",))
            if not reply.startswith("I4 A"):
                self.stats["garbled"] += 1
                raise ScaleNotAnswering(f"the MT-SICS scale answered {command!r} with {reply[:40]!r}")
            serial = _quoted(reply)
            if not first and serial != self.info.get("serial_number"):
                log.warning("%s: a different scale answers now (serial %s, was %s)", self.name, serial,
                            self.info.get("serial_number"))
            self.info["serial_number"] = serial
        self.answered()

    def _cycle(self, link: SerialLink) -> None:
        if self.mode == "stream":
            if not self._streaming:
                link.write(b"SIR" + CRLF)
                self._streaming = True
            line = self._line(link, 0.1)
            if line is None:
                if time.monotonic() - self._last_answer > max(0.5, self.reply_timeout_s):
                    self._streaming = False       # the stream stopped (scale reset, power dip): ask again
                    link.discard_input()
                return
            self._handle(line)
            return
        wait = self._next_poll - time.monotonic()
        if wait > 0:
            self._rc.stopping.wait(wait)
            return
        self._next_poll = time.monotonic() + self.poll_s
        try:
            self._handle(self._ask(link, "SI", ("S",)))
        except ScaleNotAnswering:
            pass

    def _handle(self, line: str) -> None:
        t = time.monotonic()
        try:
            cmd, status, grams = parse_line(line)
        except ValueError:
            self.stats["garbled"] += 1
            log.debug("%s: garbled %r", self.name, line[:60])
            return
        if cmd in ERRORS:
            self.stats["device_errors"] += 1
            log.info("%s: scale reports %s", self.name, ERRORS[cmd])
            self._streaming = False if cmd == "ES" else self._streaming
            self.answered()
            return
        if cmd != "S":
            self.stats["garbled"] += 1
            return
        self.answered()
        if status in ("S", "D") and grams is not None:
            self.processor.feed(t, grams, device_stable=(status == "S"))
        elif status == "+":
            self.processor.overload(t)
        elif status == "-":
            self.processor.underload(t)
        # "S I": the scale is busy (e.g. zeroing); the next line will tell.

    def _after_command(self, link: SerialLink) -> None:
        self._streaming = False        # any command ends SIR on some scales; ask for the stream again

    # ------------------------------------------------------------------------------------------- commands

    def _simple(self, command: str, what: str) -> str:
        def request(link: SerialLink) -> str:
            reply = self._ask(link, command, (command,))
            parts = reply.split() or [""]
            if parts[0] != command and parts[0] not in ERRORS:
                self.stats["garbled"] += 1
                raise ScaleProtocolError(f"the scale answered {command} with {reply[:40]!r}; try again")
            self.answered()
            if parts[0] in ERRORS:
                raise ScaleProtocolError(f"the scale answered {what} with {ERRORS[parts[0]]}")
            status = parts[1] if len(parts) > 1 else ""
            if status in ("A", "S"):
                return reply
            if status == "I":
                raise ScaleMoving(f"the scale cannot {what} now (busy or moving); wait until it is still")
            if status in ("+", "-"):
                raise OutOfZeroRange(f"the scale cannot {what}: the weight is "
                                     f"{'above' if status == '+' else 'below'} its range; "
                                     "take everything off the platform first")
            raise ScaleError(f"unexpected answer to {command}: {reply!r}")
        return self.command(request)

    def zero(self) -> None:
        self._simple("Z", "zero")

    def tare(self) -> None:
        self._simple("T", "tare")

    def clear_tare(self) -> None:
        self._simple("TAC", "clear the tare")
