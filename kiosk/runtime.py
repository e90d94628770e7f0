"""The lane's runtime: raw input in, journal append, reducer, effects out. Shared by the app, replay, tests, benches.

This is the thin shell around the pure core (DESIGN.md section 2). It turns device input into events, enriching
them with what the reducer must not fetch itself (the classification of a scan, the catalog row as it is now, who an
attendant is), appends each event to the journal *before* the reducer sees it, and hands the resulting effects back
to its caller, which carries them out on devices, the screen and the assist channel. It never sleeps and owns no
thread: the caller provides the clock and calls :meth:`LaneRuntime.tick` when ``next_deadline`` is due.
"""

from __future__ import annotations

import logging
import os
import signal
import time
import uuid
from typing import Callable, Protocol

from kiosk import __version__
from kiosk.attendants import Attendants
from kiosk.config import LaneConfig
from kiosk.domain.barcodes import (InstoreLayout, classify, gtin_check_digit, price_check_digit_4,
                                   price_check_digit_5)
from kiosk.domain.codes import GtinCode, InstoreCode, OtherCode, ScanRejected
from kiosk.domain.item import Item
from kiosk.journal import Journal, Recovery
from kiosk.weights import WeightBook
from kiosk.lane import effects as fx
from kiosk.lane.events import (AttendantCommand, AttendantSignedIn, AttendantSignedOut, AttendantSignInFailed,
                               DeviceStatus, Event, LaneStarted, PaymentResult, PaymentStep, PrintResult, Scanned,
                               Tick, Touched, WeightSettled)
from kiosk.lane.reducer import REDUCER_VERSION, initial_state, next_deadline, reduce
from kiosk.lane.state import WELCOME, LaneState

log = logging.getLogger(__name__)

#: Take a snapshot at least this often (events), besides one after every finished transaction.
SNAPSHOT_EVERY = 500


class ItemLookup(Protocol):
    def lookup_gtin(self, gtin14: str) -> Item | None: ...
    def lookup_plu(self, plu: str) -> Item | None: ...


def lookup(catalog: ItemLookup, code) -> Item | None:
    """The catalog row a classified code stands for: by GTIN, or by the article number of an in-store label
    (with its leading zeros, then without)."""
    if isinstance(code, GtinCode):
        return catalog.lookup_gtin(code.gtin)
    if isinstance(code, InstoreCode):
        item = catalog.lookup_plu(code.article)
        if item is None and code.article.lstrip("0") != code.article:
            item = catalog.lookup_plu(code.article.lstrip("0") or "0")
        return item
    return None


def weight_label(layouts: tuple[InstoreLayout, ...], plu: str, grams: int) -> InstoreCode | None:
    """The in-store weight label a counter scale would print for ``grams`` of the article ``plu``.

    The first weight layout of the store whose article and value digits hold them is filled in (check digits
    computed) and read back through :func:`classify` with all of the store's layouts, so the code is exactly what a
    scanned label would give. ``None`` when no layout holds this PLU or weight (a five-digit PLU in a four-digit
    article field, say).
    """
    if not plu.isdigit() or grams <= 0:
        return None
    for layout in layouts:
        if layout.kind != "weight" or layout._article is None or layout._value is None:
            continue
        a0, a1 = layout._article
        v0, v1 = layout._value
        if len(plu) > a1 - a0 or grams >= 10 ** (v1 - v0):
            continue
        value = str(grams).zfill(v1 - v0)
        digits = list(layout.template)
        digits[a0:a1] = plu.zfill(a1 - a0)
        digits[v0:v1] = value
        if layout._k >= 0:
            digits[layout._k] = str(price_check_digit_5(value) if len(value) == 5 else price_check_digit_4(value))
        digits = ["0" if ch == "X" else ch for ch in digits[:-1]]
        payload = "".join(digits)
        code = payload + str(gtin_check_digit(payload))
        read = classify(code, None, layouts)
        if isinstance(read, InstoreCode) and read.kind == "weight" and read.value == grams \
                and read.article.lstrip("0") == plu.lstrip("0"):
            return read
    return None


class LaneRuntime:
    """One lane: its journal, its state and the enrichment of raw input into events."""

    def __init__(self, config: LaneConfig, journal: Journal, catalog: ItemLookup,
                 clock: Callable[[], float] = time.time, attendants: Attendants | None = None,
                 weights: WeightBook | None = None):
        self.config = config
        self.journal = journal
        self.catalog = catalog
        self.clock = clock
        self.attendants = attendants if attendants is not None else Attendants(config.attendants)
        self.weights = weights if weights is not None else WeightBook()
        self.state: LaneState = initial_state()
        self.recovery: Recovery | None = None
        self._since_snapshot = 0
        self._crash = _crash_point()

    # ----------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> list:
        """Recover the state from the journal, record the start, and return effects to redo (a pending charge)."""
        rec = self.journal.recover(initial_state(), reduce, REDUCER_VERSION)
        self.recovery = rec
        self.state = rec.state
        if rec.replayed or rec.quarantined:
            log.info("lane %s recovered from journal: snapshot %d + %d events in %.1f ms%s", self.config.lane_id,
                     rec.from_snapshot, rec.replayed, rec.seconds * 1000,
                     f"; set aside: {rec.quarantined}" if rec.quarantined else "")
        effects = self.submit(LaneStarted(self.clock(), self.config.lane_id, self.config.settings, __version__))
        return effects + self.pending_effects()

    def pending_effects(self) -> list:
        """Effects that were asked for before a restart and have no outcome in the journal yet.

        A charge is asked again with the same ``ref``: the terminal side recognises the reference and answers with
        the outcome it already has instead of charging twice (the payment issue makes this a full saga).
        """
        txn = self.state.txn
        out: list = []
        if txn is not None and (p := txn.pending_payment) is not None:
            out.append(fx.Charge(p.ref, p.amount_cents, txn.number))
        return out

    # ------------------------------------------------------------------------------------------------- core

    def submit(self, event: Event) -> list:
        """Journal ``event`` durably, then apply it. Returns the effects to carry out."""
        seq = self.journal.append(event)
        self._maybe_crash("append", seq)
        before = self.state
        self.state, effects = reduce(self.state, event)
        self._since_snapshot += 1
        if (self._since_snapshot >= SNAPSHOT_EVERY
                or any(isinstance(e, fx.TransactionClosed) for e in effects)
                or (self.state.mode == WELCOME and before.mode != WELCOME)):
            self.journal.snapshot(seq, self.state, REDUCER_VERSION)
            self._since_snapshot = 0
        self._maybe_crash("reduce", seq)
        for e in effects:
            if isinstance(e, fx.WeightObserved):
                self.weights.learn(e.item, e.grams, self.state.settings, e.confirmed)
        return effects

    def next_deadline(self) -> float | None:
        return next_deadline(self.state)

    def tick(self, now: float | None = None) -> list:
        """Journal a clock tick if a deadline is due."""
        now = self.clock() if now is None else now
        due = next_deadline(self.state)
        if due is None or due > now:
            return []
        return self.submit(Tick(now))

    # ----------------------------------------------------------------------------------------------- inputs

    def scan(self, raw: str, aim: str | None = None, source: str = "scanner") -> list:
        """A code from a scanner: attendant badge, voucher, in-store label or article, or garbage."""
        code = classify(raw, aim, self.config.layouts)
        t = self.clock()
        if isinstance(code, OtherCode) and code.data.startswith(self.config.badge_prefix):
            who = self.attendants.by_badge(code.data)
            if who is None:
                return self.submit(AttendantSignInFailed(t, "badge", "unknown_badge"))
            return self.submit(AttendantSignedIn(t, who.id, who.role, "badge"))
        item = lookup(self.catalog, code)
        learned = cat = None
        if item is not None:
            learned = self.weights.article(item.sku)
            cat = self.weights.category(item.category)
        # The raw text is kept for the journal, but bounded: a stuck scanner must not fill the disk.
        return self.submit(Scanned(t, raw[:256], code, item, source, learned, cat))

    def choose(self, sku: str, grams: int | float | None = None) -> list:
        """An article chosen on the look-up screen (produce, bakery: no barcode of its own).

        Journals the same :class:`Scanned` event a scanned code would give, with ``source="lookup"``: a weighed
        article with the produce scale's ``grams`` as an in-store weight label built from its PLU (the reducer
        prices it from the label and the bagging area expects that weight), a per-piece article with its own code
        (its GTIN, else its PLU as an in-store article number), quantity one. ``LookupError`` for an unknown article,
        ``ValueError`` for a weighed one without a positive weight.
        """
        get = getattr(self.catalog, "get", None)
        item = get(sku) if get is not None else None
        if item is None:
            raise LookupError(f"no article {sku!r} in the catalog")
        code: GtinCode | InstoreCode
        if item.weighed:
            if grams is None or round(float(grams)) <= 0:
                raise ValueError(f"{sku} is sold by weight: it needs a weight from the produce scale")
            g = int(round(float(grams)))
            label = weight_label(self.config.layouts, item.plu or "", g)
            if label is not None:
                code, raw = label, label.code
            else:        # no layout of the store holds this PLU: the same meaning, without printed digits
                raw = f"{item.plu or item.sku}*{g}g"
                code = InstoreCode(code=raw, article=item.plu or item.sku, kind="weight", value=g)
        elif item.gtins:
            code, raw = GtinCode(item.gtins[0]), item.gtins[0]
        else:
            raw = item.plu or item.sku
            code = InstoreCode(code=raw, article=raw, kind="article", value=None)
        learned = self.weights.article(item.sku)
        cat = self.weights.category(item.category)
        return self.submit(Scanned(self.clock(), raw, code, item, "lookup", learned, cat))

    def scan_unreadable(self, message: str) -> list:
        """The scanner read something it could not make into a code (the driver's message says what)."""
        return self.submit(Scanned(self.clock(), "", ScanRejected("unreadable", message[:200]), None, "scanner"))

    def touch(self, action: str, arg: str | None = None) -> list:
        return self.submit(Touched(self.clock(), action, arg))

    def weight(self, grams: float) -> list:
        return self.submit(WeightSettled(self.clock(), round(float(grams), 1)))

    def payment_result(self, ref: str, outcome: str, amount_cents: int = 0, method: str = "card",
                       message: str | None = None, receipt_lines: tuple[str, ...] = (),
                       receipt_no: str | None = None) -> list:
        return self.submit(PaymentResult(self.clock(), ref, outcome, amount_cents, method, message, receipt_lines,
                                         receipt_no))

    def payment_step(self, ref: str, step: str, baseline: str | None = None, detail: str = "") -> list:
        return self.submit(PaymentStep(self.clock(), ref, step, baseline, detail))

    def print_result(self, job: str, ok: bool, message: str | None = None) -> list:
        return self.submit(PrintResult(self.clock(), job, ok, message))

    def device_status(self, device: str, ok: bool, message: str = "") -> list:
        return self.submit(DeviceStatus(self.clock(), device, ok, message))

    def sign_in_pin(self, pin: str) -> tuple[bool, list]:
        """An attendant types a PIN at the lane. The PIN is checked here and never journaled."""
        t = self.clock()
        if self.state.pin_locked_until > t:
            return False, self.submit(AttendantSignInFailed(t, "pin", "locked"))
        who = self.attendants.by_pin(pin)
        if who is None:
            return False, self.submit(AttendantSignInFailed(t, "pin", "wrong_pin"))
        return True, self.submit(AttendantSignedIn(t, who.id, who.role, "pin"))

    def sign_out(self) -> list:
        if self.state.attendant is None:
            return []
        return self.submit(AttendantSignedOut(self.clock(), self.state.attendant.attendant))

    def command(self, command: str, *, line: int | None = None, intervention: int | None = None,
                arg: str | None = None, command_id: str | None = None, attendant: str | None = None,
                role: str | None = None, via: str = "lane") -> list:
        """An attendant command. At the lane it is given by whoever is signed in."""
        session = self.state.attendant
        if attendant is None:
            attendant = session.attendant if session is not None else ""
            role = session.role if session is not None else ""
        return self.submit(AttendantCommand(self.clock(), command, attendant, role or "",
                                            command_id or uuid.uuid4().hex, intervention, line, arg, via))

    # ----------------------------------------------------------------------------------------------- testing

    def _maybe_crash(self, point: str, seq: int) -> None:
        if self._crash is not None and self._crash == (point, self.journal.appends):
            os.kill(os.getpid(), signal.SIGKILL)


def _crash_point() -> tuple[str, int] | None:
    """``KIOSK_CRASH_AT=append:7`` kills the process with SIGKILL right after the 7th journal append of this process
    (``reduce:7``: after the reducer and any snapshot). Used by the crash tests; never set on a lane."""
    spec = os.environ.get("KIOSK_CRASH_AT")
    if not spec:
        return None
    point, _, n = spec.partition(":")
    if point not in ("append", "reduce") or not n.isdigit():
        raise ValueError(f"KIOSK_CRASH_AT={spec!r}: expected append:N or reduce:N")
    return point, int(n)
