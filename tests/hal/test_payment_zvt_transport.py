"""ZVT's two wires. TCP: APDUs are re-assembled whatever pieces the stream comes in (a byte at a time, several in one
segment), a silent terminal is a bounded wait, a dropped connection an error. Serial: blocks are DLE-framed and
stuffed, a CRC error or a pause inside a block is NAKed and the block comes again, a block the terminal does not
acknowledge is sent three times and then reported, and the line is set to 8N2."""

from __future__ import annotations

import os
import socket
import termios
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hal.payment import apdu as ap
from hal.payment.apdu import Apdu, ApduReader
from hal.payment.errors import ConnectionLost, LinkGarbled, TransportError, ZvtProtocolError
from hal.payment.transport_serial import Deframer, frame
from hal.payment.transport_tcp import TcpLink
from hal.registry import open_device
from halkit import wait_for

APDUS = st.builds(Apdu, st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300) | st.binary(min_size=255,
                                                                                                  max_size=600))


@settings(max_examples=200, deadline=None)
@given(st.lists(APDUS, min_size=1, max_size=6), st.data())
def test_apdus_are_reassembled_from_any_chopping_of_the_stream(apdus, data):
    stream = b"".join(a.encode() for a in apdus)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    reader = ApduReader()
    got = []
    last = 0
    for cut in [*cuts, len(stream)]:
        got += reader.feed(stream[last:cut])
        last = cut
    assert got == apdus and reader.pending == 0


class FakeTerminal:
    """A TCP peer that plays a fixed script of bytes (to test the client's stream handling, not the protocol)."""

    def __init__(self, script):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.received = bytearray()
        self.thread = threading.Thread(target=self._run, args=(script,), daemon=True)
        self.thread.start()

    def _run(self, script):
        conn, _ = self.listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            script(conn, self)
        finally:
            conn.close()
            self.listener.close()

    def read_apdu(self, conn) -> Apdu:
        reader = ApduReader()
        while True:
            data = conn.recv(1)
            if not data:
                raise ConnectionError("closed")
            self.received += data
            out = reader.feed(data)
            if out:
                return out[0]


def test_a_byte_at_a_time_and_several_apdus_in_one_segment():
    apdus = [Apdu(0x80, 0x00), Apdu(0x04, 0xFF, b"\x0a"), Apdu(0x06, 0xD3, bytes(300)), Apdu(0x06, 0x0F)]

    def script(conn, fake):
        first = apdus[0].encode() + apdus[1].encode()
        for b in first:                                   # one byte per segment
            conn.sendall(bytes((b,)))
            time.sleep(0.001)
        conn.sendall(apdus[2].encode() + apdus[3].encode())   # two APDUs (one extended) at once
        time.sleep(0.5)

    fake = FakeTerminal(script)
    link = TcpLink("127.0.0.1", fake.port)
    link.open()
    try:
        got = [link.receive(5.0) for _ in apdus]
        assert got == apdus
        assert link.receive(0.05) is None                 # nothing more: a bounded wait, not a hang
    finally:
        link.close()


def test_a_connection_closed_in_the_middle_of_an_apdu_is_an_error():
    def script(conn, fake):
        conn.sendall(ap.encode(0x04, 0x0F, bytes(40))[:20])

    fake = FakeTerminal(script)
    link = TcpLink("127.0.0.1", fake.port)
    link.open()
    with pytest.raises(ConnectionLost):
        link.receive(5.0)
    assert not link.alive
    with pytest.raises(ConnectionLost):
        link.send(Apdu(0x80, 0x00))
    link.close()


def test_the_terminal_dies_after_half_a_status_information(lane):
    """The client gets the 80 00 00 and the card prompt, then half an APDU and a closed socket: the payment call
    raises a recoverable error that says what it saw, and the device reports itself offline."""
    from hal.payment.client import ZvtTerminal

    def script(conn, fake):
        fake.read_apdu(conn)                                     # registration
        conn.sendall(ap.encode(0x80, 0x00) + ap.encode(0x06, 0x0F))
        fake.read_apdu(conn)                                     # the ECR's ack
        fake.read_apdu(conn)                                     # authorisation
        conn.sendall(ap.encode(0x80, 0x00) + ap.encode(0x04, 0xFF, b"\x0a"))
        fake.read_apdu(conn)
        conn.sendall(ap.encode(0x04, 0x0F, bytes.fromhex("27 00 04 00 00 00 00 20 40"))[:6])

    fake = FakeTerminal(script)
    dev = ZvtTerminal(f"zvt+tcp://127.0.0.1:{fake.port}", lane, reconnect_s=0).open()
    try:
        with pytest.raises(ConnectionLost) as info:
            dev.authorise(2040)
        err = info.value
        assert err.command == "authorisation" and err.sent and err.outcome_unknown
        assert err.partial.prompts == (0x0A,) and err.partial.outcome == "timeout"
        assert "status_enquiry" in str(err)
        assert dev.status == "offline"
    finally:
        dev.close()


@pytest.mark.parametrize("fault", ["chop", "coalesce"])
def test_payments_work_over_a_chopped_or_coalescing_stream(fault):
    with open_device("payment", "sim:tcp") as dev:
        dev.simulator.command(f"{fault} on")
        result = dev.authorise(1999)
        assert result.outcome == "approved" and result.amount_cents == 1999 and result.receipt_lines
        assert dev.status_enquiry().ready


# ------------------------------------------------------------------------------------------------ serial

def test_dle_stuffing_and_noise_around_blocks():
    data = bytes.fromhex("06 01 0A 04 00 00 00 01 10 10 00 49 09 78")
    block = frame(data)
    assert block.count(b"\x10\x10") == 2                  # each data DLE doubled
    d = Deframer()
    events = d.feed(b"\xff\x00" + b"\x06" + block[:5], 0.0) + d.feed(block[5:] + b"\x15", 0.01)
    assert events == [("ack",), ("frame", data), ("nak",)]
    assert d.noise == 2


def test_a_pause_inside_a_block_longer_than_t1_is_nak():
    block = frame(bytes.fromhex("04 FF 01 0A"))
    d = Deframer(t1=0.2)
    assert d.feed(block[:4], 10.0) == []
    assert d.check_gap(10.1) is None
    assert d.check_gap(10.3)[0] == "bad"
    # the resent block after the NAK is taken whole
    assert d.feed(block, 10.4) == [("frame", bytes.fromhex("04 FF 01 0A"))]


def test_a_block_restarted_before_its_end_loses_the_first():
    a, b = frame(b"\x80\x00\x00"), frame(b"\x06\x0f\x00")
    events = Deframer().feed(a[:4] + b, 0.0)
    assert events[0][0] == "bad" and events[1] == ("frame", b"\x06\x0f\x00")


def test_crc_errors_are_nakked_and_the_block_comes_again():
    with open_device("payment", "sim:serial") as dev:
        dev.simulator.command("crc-errors 2")
        result = dev.authorise(500)
        assert result.outcome == "approved"
        assert dev.health().info["naks_sent"] == 2
        assert sum("bad CRC" in what for _, what in dev.simulator.history) == 2


def test_the_terminal_naks_twice_and_the_client_sends_again():
    with open_device("payment", "sim:serial", t2=0.5) as dev:
        dev.simulator.command("nak 2")
        assert dev.authorise(500).outcome == "approved"
        assert dev.health().info["resends"] == 2
        assert len(dev.simulator.charges()) == 1


def test_a_pause_inside_the_terminals_block_is_nakked_after_t1():
    with open_device("payment", "sim:serial") as dev:
        dev.simulator.command("gap")
        assert dev.authorise(500).outcome == "approved"
        assert dev.health().info["naks_sent"] >= 1
        assert any("no answer" in what or "nak, sending again" in what for _, what in dev.simulator.history)


def test_no_ack_after_two_resends_is_a_transport_error():
    with open_device("payment", "sim:serial", t2=0.1, reconnect_s=0.5) as dev:
        sim = dev.simulator
        sim.command("no-ack 2")
        assert dev.authorise(500).outcome == "approved"          # the third try got through
        sim.command("no-ack 3")
        with pytest.raises(TransportError) as info:
            dev.authorise(700)
        assert info.value.sent and "did not acknowledge Authorisation after 3 tries" in str(info.value)
        assert [c.amount for c in sim.charges()] == [500]       # the terminal never saw the second payment
        assert dev.status_enquiry().ready                      # and the client carries on
        assert dev.authorise(700).outcome == "approved"


def test_a_block_with_a_lying_length_byte_drops_the_link_and_the_truth_is_asked_for():
    # sim_t2: the terminal sends its next block again soon after the client re-opened the port (which drops what
    # was waiting in the line's buffer) rather than after the protocol's 5 s
    with open_device("payment", "sim:serial", sim_t2=0.3) as dev:
        dev.simulator.command("bad-length")                  # spoils the 80 00 00 to the next command
        with pytest.raises(LinkGarbled) as info:
            dev.authorise(500)
        err = info.value
        assert isinstance(err, ConnectionLost) and isinstance(err.__cause__, ZvtProtocolError)
        assert "malformed APDU" in str(err) and err.outcome_unknown
        # the client dropped the payment at the card prompt; the terminal gave it up when the next command came
        last = dev.status_enquiry().last
        assert last is not None and last.amount_cents == 500 and last.outcome == "aborted"
        assert dev.simulator.charges() == []


def test_the_serial_line_is_8n2_at_the_urls_baud():
    with open_device("payment", "sim:serial", baud=19200) as dev:
        fd = os.open(os.path.realpath(dev.simulator.path), os.O_RDWR | os.O_NOCTTY)
        try:
            iflag, oflag, cflag, lflag, ispeed, ospeed, cc = termios.tcgetattr(fd)
        finally:
            os.close(fd)
        assert cflag & termios.CSTOPB                        # 2 stop bits
        assert cflag & termios.CSIZE == termios.CS8 and not cflag & termios.PARENB
        assert ispeed == termios.B19200 and ospeed == termios.B19200


@pytest.mark.parametrize("url", ["sim:tcp", "sim:serial"])
def test_the_cable_is_pulled_between_payments_and_put_back(url, lane):
    with open_device("payment", url, lane, reconnect_s=3) as dev:
        sim = dev.simulator
        assert dev.authorise(100).outcome == "approved"
        sim.unplug()
        wait_for(lambda: not dev.connected, what="the client noticing the link is gone")
        threading.Timer(0.3, sim.replug).start()
        assert dev.authorise(200).outcome == "approved"       # reconnected (and registered) on its own
        assert [c.amount for c in sim.charges()] == [100, 200]
        assert sum(1 for what in lane.statuses() if what == "online") >= 1
