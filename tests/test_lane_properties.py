"""Property-based tests of the reducer: random shoppers, attendants, scales and terminals against its invariants.

Hypothesis drives a lane through arbitrary sequences of inputs (the transition table forbids nothing a shopper can
do: a forbidden move would raise ``IllegalTransition``) and checks after every step that
- the total always equals the sum of the lines, and the VAT breakdown adds up to it (net + tax = gross per rate);
- no void removes more than was scanned (quantities never negative, voids and deposits consistent);
- every intervention is either open (nudge, alerted) or resolved with who and when; a transaction never ends with an
  intervention of its own still open;
- a deadline, once ticked, never asks for the same tick again (no busy loop);
- a voucher is never redeemed in two paid transactions, and a paid transaction is fully paid;
and at the end that replaying the same events (after a round trip through the journal's encoding) rebuilds exactly
the same states and effects: replay is deterministic.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kiosk.domain.barcodes import gtin_check_digit
from kiosk.journal import decode_event, encode_event
from kiosk.lane import effects as fx
from kiosk.lane.events import (AttendantCommand, AttendantSignedIn, AttendantSignInFailed, DeviceStatus,
                               LaneStarted, PaymentResult, Tick, Touched, WeightSettled)
from kiosk.lane.reducer import initial_state, next_deadline, reduce
from kiosk.lane.settings import Settings
from kiosk.lane.state import DEPOSIT
from lanekit import ITEMS, DictCatalog, scanned

CATALOG = DictCatalog()
CODES = [it.gtins[0][1:] for it in ITEMS if it.gtins] + ["2812347012503", "2212342001999", "4006381333932",
                                                         "\x00garbage", "0" * 2000, "ATT-9999", "4260000000001"]


def _voucher(serial: int, cents: int) -> str:
    payload = f"980{serial:05d}{cents:04d}"
    return payload + str(gtin_check_digit(payload))


ACTIONS = ["start", "own_bag", "pay", "back", "cancel", "help", "void_last", "continue", "done",
           "receipt", "lang", "qty", "nonsense"]
COMMANDS = ["approve", "verify_age", "reject_age", "void_line", "set_qty", "cancel", "suspend", "close_lane",
            "open_lane", "reprint", "rescan_done", "sign_out"]


class Lane(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.t = 0.0
        self.events = []
        self.states = []
        self.effects = []
        self.state = initial_state()
        self.paid_vouchers: dict[str, int] = {}
        self.apply(LaneStarted(0.0, "prop-1", Settings(nudge_s=5, bag_timeout_s=8, idle_empty_s=20,
                                                       idle_prompt_s=30, idle_answer_s=10)))

    def apply(self, event):
        self.events.append(event)
        before = self.state
        self.state, effects = reduce(self.state, event)
        self.states.append(self.state)
        self.effects.append(effects)
        for e in effects:
            if isinstance(e, fx.TransactionClosed) and e.summary.status == "paid":
                for ln in e.summary.lines:
                    if ln.kind == "voucher":
                        assert ln.sku is None
                for code in before.txn.vouchers if before.txn else ():
                    assert code not in self.paid_vouchers, f"voucher {code} redeemed twice"
                    self.paid_vouchers[code] = e.summary.number
        return effects

    def later(self, dt):
        self.t += dt
        return self.t

    @rule(dt=st.floats(0.05, 3.0), i=st.integers(0, len(CODES) - 1))
    def scan(self, dt, i):
        self.apply(scanned(self.later(dt), CODES[i], CATALOG))

    @rule(dt=st.floats(0.05, 3.0), serial=st.integers(0, 5), cents=st.sampled_from([25, 150, 325, 5000]))
    def scan_voucher(self, dt, serial, cents):
        self.apply(scanned(self.later(dt), _voucher(serial, cents), CATALOG))

    @rule(dt=st.floats(0.05, 3.0))
    def bag_what_is_expected(self, dt):
        area = self.state.bagging
        want = area.accepted_g + sum(e.weight_g if e.weight_g is not None else 80.0 for e in area.expected[:2])
        self.apply(WeightSettled(self.later(dt), round(want, 1)))

    @rule(dt=st.floats(0.05, 3.0), grams=st.floats(-3000, 3000))
    def weight_changes(self, dt, grams):
        self.apply(WeightSettled(self.later(dt), round(self.state.bagging.measured_g + grams, 1)))

    @rule(dt=st.floats(0.05, 3.0), action=st.sampled_from(ACTIONS), arg=st.sampled_from(
        [None, "paper", "none", "ereceipt", "nl", "en", "3", "0", "x"]))
    def touch(self, dt, action, arg):
        self.apply(Touched(self.later(dt), action, arg))

    @rule(dt=st.floats(0.05, 3.0), role=st.sampled_from(["attendant", "supervisor", "technician"]))
    def sign_in(self, dt, role):
        self.apply(AttendantSignedIn(self.later(dt), f"a-{role}", role))

    @rule(dt=st.floats(0.05, 3.0))
    def wrong_pin(self, dt):
        self.apply(AttendantSignInFailed(self.later(dt)))

    @rule(dt=st.floats(0.05, 3.0), command=st.sampled_from(COMMANDS), line=st.integers(0, 8),
          arg=st.sampled_from([None, "0", "2", "5", "-1"]), repeat=st.booleans(),
          via=st.sampled_from(["lane", "console"]))
    def attendant(self, dt, command, line, arg, repeat, via):
        who = self.state.attendant
        attendant, role = (who.attendant, who.role) if who else ("a-console", "supervisor")
        cid = "fixed" if repeat else f"c{len(self.events)}"
        ivs = self.state.open_interventions
        self.apply(AttendantCommand(self.later(dt), command, attendant, role, cid,
                                    ivs[0].id if ivs and line % 2 else None, line or None, arg, via))

    @rule(dt=st.floats(0.05, 5.0), outcome=st.sampled_from(["approved", "declined", "failed", "aborted", "??"]),
          right_ref=st.booleans())
    def terminal_answers(self, dt, outcome, right_ref):
        txn = self.state.txn
        pending = txn.pending_payment if txn else None
        ref = pending.ref if (pending and right_ref) else "someone-else"
        amount = pending.amount_cents if pending else 100
        self.apply(PaymentResult(self.later(dt), ref, outcome, amount))

    @rule(dt=st.floats(0.05, 3.0), device=st.sampled_from(["printer", "scanner"]), ok=st.booleans())
    def device(self, dt, device, ok):
        self.apply(DeviceStatus(self.later(dt), device, ok, "test"))

    @precondition(lambda self: self.state.txn is not None and self.state.txn.status == "open")
    @rule(dt=st.floats(0.05, 2.0), approve=st.booleans())
    def shopper_heads_for_payment(self, dt, approve):
        """A purposeful shopper: bags what is expected, gets open interventions approved, pays."""
        if self.state.bagging.expected:
            self.bag_what_is_expected(dt)
        for iv in self.state.open_interventions:
            if self.state.attendant is None:
                self.apply(AttendantSignedIn(self.later(dt), "a-attendant", "attendant"))
            self.apply(AttendantCommand(self.later(dt), "approve", self.state.attendant.attendant, "attendant",
                                        f"h{len(self.events)}", iv.id))
        self.apply(Touched(self.later(dt), "pay"))
        txn = self.state.txn
        if txn is not None and txn.pending_payment is not None:
            self.apply(PaymentResult(self.later(dt), txn.pending_payment.ref, "approved" if approve else "declined",
                                     txn.pending_payment.amount_cents))

    @precondition(lambda self: next_deadline(self.state) is not None)
    @rule()
    def clock_reaches_the_next_deadline(self):
        due = next_deadline(self.state)
        self.t = max(self.t, due)
        self.apply(Tick(self.t))
        again = next_deadline(self.state)
        assert again is None or again > self.t, f"deadline {again} still due after the tick at {self.t}: {self.state}"

    # ------------------------------------------------------------------------------------------ invariants

    @invariant()
    def totals_are_the_sum_of_the_lines(self):
        txn = self.state.txn
        if txn is None:
            return
        assert txn.total_cents == sum(ln.amount_cents for ln in txn.lines if ln.qty > 0)
        vat = txn.vat
        assert sum(v.gross_cents for v in vat) == txn.total_cents
        for v in vat:
            assert v.net_cents + v.tax_cents == v.gross_cents
            assert abs(v.tax_cents) <= abs(v.gross_cents)

    @invariant()
    def no_void_removes_more_than_was_scanned(self):
        txn = self.state.txn
        if txn is None:
            return
        for ln in txn.lines:
            assert ln.qty >= 0 and ln.voided_qty >= 0
            if ln.kind != DEPOSIT:
                assert sum(v.qty for v in txn.voids if v.line == ln.id) == ln.voided_qty
            else:
                parent = txn.line(ln.parent)
                assert parent is not None and parent.qty == ln.qty
                assert ln.amount_cents == ln.unit_cents * ln.qty
            if ln.qty == 0:
                assert ln.amount_cents == 0

    @invariant()
    def interventions_are_open_or_resolved_with_who_and_when(self):
        for iv in self.state.interventions:
            assert iv.status in ("nudge", "alerted", "resolved")
            if iv.status == "resolved":
                assert iv.t_resolved is not None and iv.resolved_by and iv.resolution
                assert iv.t_resolved >= iv.t_raised
            else:
                assert iv.t_resolved is None and iv.resolved_by is None
            if iv.status == "alerted":
                assert iv.t_alerted is not None
        txn = self.state.txn
        if txn is not None and txn.status != "open":
            assert not [i for i in self.state.open_interventions if i.txn == txn.number]

    @invariant()
    def a_paid_transaction_is_fully_paid(self):
        txn = self.state.txn
        if txn is not None and txn.status == "paid":
            assert txn.paid_cents >= txn.total_cents or txn.total_cents < 0

    def teardown(self):
        # Replay is deterministic, also through the journal's encoding.
        state = initial_state()
        for event, want_state, want_effects in zip(self.events, self.states, self.effects):
            type_, body = encode_event(event)
            again = decode_event(type_, body)
            assert again == event
            state, effects = reduce(state, again)
            assert state == want_state
            assert effects == want_effects


Lane.TestCase.settings = settings(max_examples=int(__import__("os").environ.get("KIOSK_PROP_EXAMPLES", "250")), stateful_step_count=60, deadline=None,
                                  suppress_health_check=[HealthCheck.too_slow])
TestLaneProperties = Lane.TestCase
