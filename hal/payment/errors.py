"""Errors of the card-terminal (ZVT) family; each says what to plug in, configure or do next.

They subclass the shared classes of :mod:`hal.errors` (and through them a builtin), so the lane can catch
``DeviceUnavailable`` or plain ``ConnectionError`` without knowing ZVT. Payment outcomes (declined, aborted by the
shopper, timeout) are not errors: the client returns them in a :class:`~hal.payment.base.PaymentResult`. An error
raised while a payment runs means the outcome is *unknown*: it carries what the client had seen so far (``partial``)
and whether the command reached the terminal (``sent``), and the lane finds out the truth with a status enquiry or a
repeat receipt before it charges again.
"""

from __future__ import annotations

from typing import Any

from hal.errors import BadDeviceURL, DeviceNotFound, DeviceUnavailable, HalError, ProtocolError


class BadPaymentOption(BadDeviceURL):
    """A payment-terminal option in the URL or the config is unknown or out of range."""


class TerminalNotFound(DeviceNotFound):
    """No card terminal at the configured address: switched off, cable out, wrong host, port or serial path."""


class TerminalUnavailable(DeviceUnavailable):
    """The terminal went away during a command (connection dropped, serial link dead, no ACK after retries).

    ``command`` names the ZVT command, ``sent`` says whether it was handed to the wire (if so the terminal may have
    acted on it), ``partial`` is what the client had seen of the transaction so far (a PaymentResult or None).
    """

    def __init__(self, message: str, *, command: str = "", sent: bool = False, partial: Any = None):
        super().__init__(message)
        self.command = command
        self.sent = sent
        self.partial = partial

    @property
    def outcome_unknown(self) -> bool:
        """True when the terminal may have acted on the command: ask it (status enquiry / repeat receipt)."""
        return self.sent


class ConnectionLost(TerminalUnavailable):
    """The TCP connection or the serial line to the terminal dropped while a command was running."""


class LinkGarbled(ConnectionLost):
    """The terminal sent bytes that are not ZVT in the middle of a command; the client dropped the link (the cause
    is the :class:`ZvtProtocolError` that says what was wrong)."""


class TransportError(TerminalUnavailable):
    """The serial link failed: a block was not acknowledged (ACK) after the protocol's retries."""


class ZvtProtocolError(ProtocolError):
    """The terminal sent something that is not valid ZVT (garbled, truncated, unknown field).

    ``partial`` (when raised by the client during a command) is what was understood before it.
    """

    def __init__(self, message: str, *, partial: Any = None, command: str = ""):
        super().__init__(message)
        self.partial = partial
        self.command = command


class TerminalRefused(HalError, RuntimeError):
    """The terminal answered a command with a negative acknowledgement (84 xx) or aborted an administrative command.

    ``result_code`` is the ZVT result code; the message says what it means and what to check.
    """

    def __init__(self, message: str, *, result_code: int | None = None, command: str = ""):
        super().__init__(message)
        self.result_code = result_code
        self.command = command
