"""ZVT over TCP/IP (PROTOCOLS.md 4.2): raw APDUs back to back on one connection the ECR opens, port 20007.

There is no framing and no DLE doubling, so the reader cuts APDUs out of the stream by their headers
(:class:`~hal.payment.apdu.ApduReader`), whatever pieces the network delivers: half a header, several APDUs in one
segment. A stream that stops making sense (an APDU header the reader cannot trust) cannot be re-synchronised, so it
ends the connection with a protocol error; the client reconnects.
"""

from __future__ import annotations

import socket

from hal.payment.apdu import Apdu, ApduReader
from hal.payment.errors import ConnectionLost, TerminalNotFound, ZvtProtocolError
from hal.payment.link import Link

DEFAULT_PORT = 20007


class TcpLink(Link):
    def __init__(self, host: str, port: int = DEFAULT_PORT, *, connect_timeout: float = 5.0):
        super().__init__()
        self.host, self.port = host, port
        self.connect_timeout = connect_timeout
        self.description = f"ZVT terminal at {host}:{port}"
        self._sock: socket.socket | None = None
        self.reader = ApduReader()

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise TerminalNotFound(f"no card terminal answers at {self.host}:{self.port} ({exc}); check that it is "
                                   f"switched on, its network cable, and the host and port in the payment URL "
                                   f"(zvt+tcp://HOST:20007)") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)           # the reader blocks; close() wakes it with shutdown()
        self._sock = sock
        self._start_reader()

    def _read_loop(self) -> None:
        sock = self._sock
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError as exc:
                self._fail(ConnectionLost(f"{self.description}: connection lost ({exc})"))
                return
            if not chunk:
                self._fail(ConnectionLost(f"{self.description} closed the connection"))
                return
            try:
                apdus = self.reader.feed(chunk)
            except ZvtProtocolError as exc:
                self._fail(ZvtProtocolError(f"{self.description} sent a malformed APDU: {exc}"))
                self._close_wire()
                return
            for apdu in apdus:
                self._deliver(apdu)

    def send(self, apdu: Apdu) -> None:
        if self._error is not None:
            raise self._error
        data = apdu.encode()
        with self._wlock:
            try:
                self._sock.sendall(data)
            except (OSError, AttributeError) as exc:
                err = ConnectionLost(f"{self.description}: could not send {apdu.name} ({exc})")
                self._fail(err)
                raise err from None

    def _close_wire(self) -> None:
        sock = self._sock
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
