"""The link to the card terminal breaks in the middle of a payment, at every step, over TCP and over the serial cable.
The payment call fails with an error the lane can recover from (it says whether the terminal got the command and
what the client saw), the next call reconnects by itself, and a status enquiry and a repeat receipt tell the truth:
whether the card was charged, with which receipt number and amount, and the receipt lines. The terminal never
charges twice by itself; the tests count its real charges."""

from __future__ import annotations

import pytest

from hal import events as ev
from hal.payment.errors import ConnectionLost, TerminalUnavailable
from hal.payment.sim import STEPS
from hal.registry import open_device

TRANSPORTS = ["sim:tcp", "sim:serial"]


def pay_and_fail(dev, amount):
    """Run a payment that may raise; return (result, error)."""
    try:
        return dev.authorise(amount), None
    except TerminalUnavailable as exc:
        return None, exc


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("url", TRANSPORTS)
def test_a_dropped_connection_at_every_step_is_recoverable_and_the_terminal_tells_the_truth(url, step, lane):
    with open_device("payment", url, lane) as dev:
        sim = dev.simulator
        earlier = dev.authorise(100)                       # yesterday's... no: the previous shopper's payment
        sim.command(f"drop-after {step}")
        result, error = pay_and_fail(dev, 2500)
        status = dev.status_enquiry()                      # reconnects (and registers) by itself
        charge = sim.charges()[-1]
        assert [c.amount for c in sim.charges()] == [100, 2500]   # the terminal finished the payment on its own
        if step == "completion":
            # the completion had left the terminal before the line dropped: the client has the whole result
            assert error is None and result.approved and result.receipt_no == charge.receipt_no
        else:
            assert isinstance(error, ConnectionLost) and error.command == "authorisation"
            assert error.sent and error.outcome_unknown
            seen_result = step in ("result", "receipt")
            assert error.partial.outcome == ("approved" if seen_result else "timeout")
            assert (error.partial.receipt_no == charge.receipt_no) if seen_result else error.partial.receipt_no is None
            assert ev.OFFLINE in lane.statuses()

        assert status.ready and dev.status == ev.ONLINE
        last = status.last
        assert last is not None and last.outcome == "approved"
        assert (last.receipt_no, last.amount_cents, last.trace_no) == (charge.receipt_no, 2500, charge.trace_no)

        again = dev.repeat_receipt()
        assert again.outcome == "approved" and again.receipt_no == charge.receipt_no != earlier.receipt_no
        assert again.amount_cents == 2500 and any("Kundenbeleg" in line for line in again.receipt_lines)
        assert len(sim.charges()) == 2                     # asking never charged anybody


@pytest.mark.parametrize("url", TRANSPORTS)
def test_a_payment_lost_before_the_card_was_read_shows_as_not_charged(url):
    with open_device("payment", url) as dev:
        sim = dev.simulator
        paid = dev.authorise(100)
        sim.command("drop-after card lose")
        _, error = pay_and_fail(dev, 2500)
        assert error is not None and error.outcome_unknown
        status = dev.status_enquiry()
        assert status.last.outcome == "aborted" and status.last.amount_cents == 2500
        assert status.last.receipt_no is None
        # the last receipt is still the previous shopper's: this payment did not go through
        assert dev.repeat_receipt().receipt_no == paid.receipt_no
        assert [c.amount for c in sim.charges()] == [100]


@pytest.mark.parametrize("url", TRANSPORTS)
@pytest.mark.parametrize("fate", ["lost", "completed"])
def test_the_terminal_restarts_in_the_middle_of_a_payment(url, fate):
    with open_device("payment", url) as dev:
        sim = dev.simulator
        sim.command(f"restart host {fate}")
        _, error = pay_and_fail(dev, 3300)
        assert isinstance(error, ConnectionLost) and error.outcome_unknown
        assert sim.restarts == 1 and sim.config == 0x86          # the reboot forgot the registration
        status = dev.status_enquiry()
        assert sim.config == 0xBA                                # ... and the client registered again
        if fate == "lost":
            assert status.last is None and sim.charges() == []
            assert dev.repeat_receipt().outcome == "failed"      # nothing to repeat: no receipt was made
        else:
            assert status.last.outcome == "approved" and status.last.amount_cents == 3300
            assert [c.receipt_no for c in sim.charges()] == [status.last.receipt_no]
            assert dev.repeat_receipt().receipt_no == status.last.receipt_no


def test_the_lane_asks_before_it_charges_again():
    """The story the payment saga will follow: the line drops while the bank is asked; the lane does not charge
    again but asks, finds the payment approved, and reverses it when the shopper leaves after all."""
    with open_device("payment", "sim:tcp") as dev:
        sim = dev.simulator
        sim.command("drop-after host")
        _, error = pay_and_fail(dev, 4711)
        assert error.outcome_unknown
        last = dev.status_enquiry().last
        assert last.approved and last.amount_cents == 4711
        assert len(sim.charges()) == 1                           # not charged twice
        assert dev.reverse(last.receipt_no).approved
        assert sim.charges() == []


def test_after_a_new_transaction_the_terminal_no_longer_repeats_the_old_one():
    with open_device("payment", "sim:serial") as dev:
        dev.simulator.command("drop-after receipt")
        pay_and_fail(dev, 800)
        assert dev.status_enquiry().last.amount_cents == 800
        assert dev.status_enquiry().last.amount_cents == 800     # asked twice (the lane restarted): same answer
        dev.authorise(900)
        assert dev.status_enquiry().last is None


def test_a_reversal_dropped_midway_is_recoverable_too():
    with open_device("payment", "sim:tcp") as dev:
        sim = dev.simulator
        paid = dev.authorise(1200)
        sim.command("drop-after result")
        with pytest.raises(ConnectionLost) as info:
            dev.reverse(paid.receipt_no)
        assert info.value.command == "reversal" and info.value.partial.outcome == "approved"
        assert sim.charges() == []
        last = dev.status_enquiry().last
        assert last.outcome == "approved" and last.amount_cents == 1200
        again = dev.reverse(paid.receipt_no)
        assert again.outcome == "failed" and again.result_code == 0xB4   # reversing twice is refused
