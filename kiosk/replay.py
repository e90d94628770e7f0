"""Scenario replay: run the lane headless on a virtual clock, as fast as it can, and report every transaction.

A scenario is JSON lines, one input per line, each with ``t`` (seconds from the start, never decreasing) and one of::

    {"t": 1.0, "scan": "4006381333931", "aim": "]E0"}     a scan (aim optional)
    {"t": 2.5, "scale": 512.3}                            one raw reading of the bagging scale, grams
    {"t": 4.0, "touch": "pay"}                            a UI action by name ("arg" optional: {"touch": "lang", "arg": "nl"})
    {"t": 5.0, "attendant": "approve", "pin": "1234"}     an attendant signs in with a PIN, gives a command, signs out
                                                          (optional "line", "intervention", "arg")
    {"t": 3.0, "card": "approve"}                         the next payment's outcome (approve, decline, fail, abort)
    {"t": 0.0, "learned": {"sku:MO0001": {...}, ...}}     seed the lane's learned item weights (a `kiosk weights
                                                          export` "estimates" object) before what follows
    {"t": 0.0, "truth": "...", ...}                       a ground-truth label for benchmarks; the lane ignores it

The devices the scenario does not script behave like the demo lane's simulators: the card terminal answers after
``terminal_delay_s``, the printer after a second, and raw scale readings are held until the next one and settle
through the same stability detector the scale drivers use. Everything runs through :class:`LaneRuntime`, so a replay
journals, reduces and snapshots exactly like a lane; only the clock is virtual.

With a :class:`ScreenRecorder` (``kiosk replay --screenshots DIR``) the replay also draws the shopper's screen with
:class:`kiosk.ui.screen.LaneScreen` on an off-screen surface whenever what it shows changes, and writes one PNG per
change: a scenario becomes a storyboard of the journey, and a change in the UI a visible diff. pygame is imported only
then, so a replay without screenshots needs no display library at all.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from hal.scale.stability import StabilityDetector
from kiosk.attendants import Attendants
from kiosk.config import LaneConfig
from kiosk.journal import Journal
from kiosk.lane import effects as fx
from kiosk.lane.reducer import summarize
from kiosk.lane.state import LaneState
from kiosk.payment.scripted import OUTCOMES, ScriptedTerminal
from kiosk.runtime import ItemLookup, LaneRuntime
from kiosk.weights import WeightBook, WeightsError, decode

INPUT_KEYS = ("scan", "scale", "touch", "attendant", "card", "learned", "truth")


class ScenarioError(ValueError):
    """A scenario line is not valid; the message names the line and why."""


@dataclass(frozen=True)
class Step:
    line: int
    t: float
    kind: str
    data: dict[str, Any]


def parse_scenario(lines: Iterable[str], name: str = "<scenario>") -> list[Step]:
    steps: list[Step] = []
    last_t = 0.0
    for n, text in enumerate(lines, start=1):
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        where = f"{name}:{n}"
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{where}: not JSON: {exc.msg} at column {exc.colno}") from None
        if not isinstance(data, dict):
            raise ScenarioError(f"{where}: each line must be a JSON object")
        t = data.get("t")
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t < 0:
            raise ScenarioError(f"{where}: 't' must be a number of seconds >= 0, got {t!r}")
        if t < last_t:
            raise ScenarioError(f"{where}: t={t} goes back in time (previous line had t={last_t})")
        kinds = [k for k in INPUT_KEYS if k in data]
        if len(kinds) != 1:
            raise ScenarioError(f"{where}: needs exactly one of {', '.join(INPUT_KEYS)}, got {kinds or 'none'}")
        kind = kinds[0]
        value = data[kind]
        if kind == "scan" and not isinstance(value, str):
            raise ScenarioError(f"{where}: 'scan' must be a string")
        if kind == "scan" and "aim" in data and not isinstance(data["aim"], str):
            raise ScenarioError(f"{where}: 'aim' must be a string such as \"]E0\"")
        if kind == "scale" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ScenarioError(f"{where}: 'scale' must be a number of grams")
        if kind in ("touch", "attendant") and not isinstance(value, str):
            raise ScenarioError(f"{where}: '{kind}' must be an action name")
        if kind == "card" and value not in OUTCOMES:
            raise ScenarioError(f"{where}: 'card' must be one of {', '.join(sorted(OUTCOMES))}")
        if kind == "learned":
            if not isinstance(value, dict):
                raise ScenarioError(f"{where}: 'learned' must be an object of key -> estimate (kiosk weights export)")
            for key, est in value.items():
                try:
                    decode(key, est)
                except WeightsError as exc:
                    raise ScenarioError(f"{where}: learned {exc}") from None
        if kind == "attendant" and not isinstance(data.get("pin", ""), str):
            raise ScenarioError(f"{where}: 'pin' must be a string")
        steps.append(Step(n, float(t), kind, data))
        last_t = float(t)
    return steps


@dataclass(frozen=True)
class Shot:
    """One screenshot a replay wrote: the file, the lane's mode and virtual time, and the texts on the screen."""

    path: Path
    mode: str
    t: float
    texts: tuple[str, ...]


@dataclass
class ReplayResult:
    report: dict[str, Any]
    runtime: LaneRuntime
    effects: list = field(default_factory=list)
    screenshots: list[Shot] = field(default_factory=list)


def screen_key(state: LaneState) -> tuple:
    """What the shopper's screen shows of ``state``, cheaply: equal keys draw the same screen.

    It is the gate in front of drawing; the receipt screen's countdown is left out on purpose (a screenshot per
    second of it is not a change of screen).
    """
    txn = state.txn
    notice = state.notice
    attendant = state.attendant
    return (
        state.mode, state.lang, tuple(sorted(state.access)), state.in_service, state.devices_down, state.light,
        state.idle_stage, (notice.key, notice.args) if notice is not None else None,
        (attendant.attendant, attendant.role) if attendant is not None else None, state.pin_failures,
        None if txn is None else (
            txn.number, txn.status, txn.receipt, len(txn.lines), txn.item_count, txn.total_cents, txn.paid_cents,
            txn.age_verified, txn.audit, tuple((p.ref, p.outcome, p.step, p.message) for p in txn.payments)),
        tuple((i.id, i.kind, i.status, i.prompt) for i in state.open_interventions),
        (state.bagging.own_bag, len(state.bagging.expected)),
        state.last_summary.number if state.last_summary is not None else None,
    )


class ScreenRecorder:
    """Draws the lane's screen off-screen when it changes and writes each new screen as ``NNNN-<mode>.png``.

    ``observe(state, now)`` is called at every instant of a replay (after each step and each device outcome or
    deadline); it draws only when :func:`screen_key` changed, and writes a file only when the drawn screen differs
    from the last one written (other mode, accessibility choices or texts).
    """

    def __init__(self, directory: str | Path, size: tuple[int, int] = (1280, 800)) -> None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")   # nothing is shown; never let SDL probe for one
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame
        from kiosk.ui.screen import LaneScreen, UiLocal
        self._pygame = pygame
        pygame.font.init()
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.size = (int(size[0]), int(size[1]))
        self.screen = LaneScreen(self.size)
        self.surface = pygame.Surface(self.size)
        self.local = UiLocal()
        self.shots: list[Shot] = []
        self.draws = 0
        self._last_key: tuple | None = None
        self._last_drawn: tuple | None = None

    def observe(self, state: LaneState, now: float) -> Shot | None:
        key = screen_key(state)
        if key == self._last_key:
            return None
        self._last_key = key
        self.screen.draw(self.surface, state, self.local, now)
        self.draws += 1
        texts = tuple(self.screen.last_texts)
        drawn = (state.mode, state.access, texts)
        if drawn == self._last_drawn:
            return None
        self._last_drawn = drawn
        path = self.directory / f"{len(self.shots) + 1:04d}-{state.mode}.png"
        self._pygame.image.save(self.surface, str(path))
        shot = Shot(path, state.mode, now, texts)
        self.shots.append(shot)
        return shot


class VirtualClock:
    def __init__(self, t: float = 0.0):
        self.now = t

    def __call__(self) -> float:
        return self.now


class ScenarioRunner:
    """The engine of a replay, one step at a time: a lane on a virtual clock with scripted devices.

    ``replay()`` feeds it a whole scenario; the security benchmark's shopper simulator drives it step by step,
    looking at the lane's state between steps, and records the steps it gave: replaying that file gives the same
    lane, because every decision is the reducer's and the reducer is a function of its inputs.
    """

    def __init__(self, config: LaneConfig, catalog: ItemLookup, *, journal_path: str | Path | None = None,
                 durable: bool = False, terminal_delay_s: float = 2.0, print_delay_s: float = 1.0,
                 weights: WeightBook | None = None, scenario_name: str = "", start_t: float = 0.0,
                 attendants: Attendants | None = None, screens: ScreenRecorder | None = None):
        self._tmp = None
        self.screens = screens
        if journal_path is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kiosk-replay-")
            journal_path = Path(self._tmp.name) / "journal.db"
        self.scenario_name = scenario_name
        self.terminal_delay_s = terminal_delay_s
        self.print_delay_s = print_delay_s
        self.clock = VirtualClock(start_t)
        self.journal = Journal(journal_path, durable=durable)
        self.weights = weights if weights is not None else WeightBook()
        self.lane = LaneRuntime(config, self.journal, catalog, clock=self.clock, weights=self.weights,
                                attendants=attendants)
        self.terminal = ScriptedTerminal(terminal_delay_s)
        self.scale = StabilityDetector()
        self.closed: list[fx.TransactionSummary] = []
        self.truth: list[dict[str, Any]] = []
        self.effects: list = []
        # Device outcomes waiting for their time: (t, order, callable).
        self._pending: list[tuple[float, int, Any]] = []
        self._order = itertools.count()
        self._started = False
        self._commands = 0

    def _run(self, effects: list) -> None:
        clock = self.clock
        for e in effects:
            self.effects.append(e)
            if isinstance(e, fx.Charge):
                answer = self.terminal.charge(e.ref, e.amount_cents)
                heapq.heappush(self._pending, (
                    clock.now + self.terminal_delay_s, next(self._order),
                    lambda a=answer: self.lane.payment_result(a.ref, a.outcome, a.amount_cents, "card", a.message,
                                                              a.receipt_lines)))
            elif isinstance(e, fx.Print):
                heapq.heappush(self._pending, (clock.now + self.print_delay_s, next(self._order),
                                               lambda j=e.job: self.lane.print_result(j, True)))
            elif isinstance(e, fx.TransactionClosed):
                self.closed.append(e.summary)

    def _observe(self) -> None:
        if self.screens is not None:
            self.screens.observe(self.lane.state, self.clock.now)

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._run(self.lane.start())
            self._observe()

    def advance(self, until: float, inclusive: bool = True) -> None:
        """Fire device outcomes, scale settling and lane deadlines due up to ``until``, in time order."""
        self.start()
        lane, clock, scale = self.lane, self.clock, self.scale
        while True:
            candidates = []
            if self._pending:
                candidates.append((self._pending[0][0], 0))
            due = scale.due()
            if due is not None:
                candidates.append((due, 1))
            deadline = lane.next_deadline()
            if deadline is not None:
                candidates.append((max(deadline, clock.now), 2))
            if not candidates:
                break
            t, which = min(candidates)
            if t > until or (t == until and not inclusive):
                break
            clock.now = max(clock.now, t)
            if which == 0:
                _, _, fire = heapq.heappop(self._pending)
                self._run(fire())
            elif which == 1:
                settled = scale.poll(t)
                if settled is not None:
                    self._run(lane.weight(settled.grams))
            else:
                self._run(lane.tick(clock.now))
            self._observe()
        if until > clock.now and until != float("inf"):
            clock.now = until

    def step(self, step: Step) -> None:
        """Fire everything due before ``step.t``, then apply the step."""
        self.advance(step.t, inclusive=False)
        clock, lane = self.clock, self.lane
        clock.now = max(clock.now, step.t)
        d = step.data
        if step.kind == "scan":
            self._run(lane.scan(d["scan"], d.get("aim"), source="script"))
        elif step.kind == "scale":
            settled = self.scale.feed(step.t, float(d["scale"]))
            if settled is not None:
                self._run(lane.weight(settled.grams))
        elif step.kind == "touch":
            self._run(lane.touch(d["touch"], None if d.get("arg") is None else str(d["arg"])))
        elif step.kind == "card":
            self.terminal.script(d["card"])
        elif step.kind == "attendant":
            ok, effects = lane.sign_in_pin(d.get("pin", ""))
            self._run(effects)
            if ok:
                self._run(lane.command(d["attendant"], line=d.get("line"), intervention=d.get("intervention"),
                                       arg=None if d.get("arg") is None else str(d["arg"]),
                                       command_id=d.get("command_id") or self._command_id(step)))
                self._run(lane.sign_out())
        elif step.kind == "learned":
            self.weights.seed(d["learned"])
        elif step.kind == "truth":
            self.truth.append(d)
        self._observe()

    def _command_id(self, step: Step) -> str:
        """A scenario's attendant command without an id gets one from its line (or, built in code, its order)."""
        self._commands += 1
        return f"scenario-line-{step.line}" if step.line else f"scenario-command-{self._commands}"

    def finish(self, settle_after_s: float = 30.0) -> ReplayResult:
        """Let the lane settle for ``settle_after_s`` after the last step, build the report, close the journal."""
        self.start()
        self.advance(self.clock.now + settle_after_s, inclusive=True)
        report = build_report(self.closed, self.lane, self.scenario_name, self.truth)
        report["double_charges"] = self.terminal.charges - sum(
            1 for s in self.closed for p in s.payments if p.outcome == "approved" and p.method == "card")
        self.journal.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        return ReplayResult(report, self.lane, self.effects,
                            list(self.screens.shots) if self.screens is not None else [])


def make_step(t: float, /, **data: Any) -> Step:
    """One scenario input built in code (``make_step(12.5, scan="4006381333931")``), checked like a parsed line.

    Every keyword is a field of the line (an attendant's ``line``, ``intervention``, ``arg`` included)."""
    (step,) = parse_scenario([json.dumps({"t": t, **data})], "<step>")
    return Step(0, step.t, step.kind, step.data)


def replay(steps: list[Step], config: LaneConfig, catalog: ItemLookup, *, journal_path: str | Path | None = None,
           durable: bool = False, terminal_delay_s: float = 2.0, print_delay_s: float = 1.0,
           settle_after_s: float = 30.0, scenario_name: str = "", weights: WeightBook | None = None,
           attendants: Attendants | None = None, screenshots: str | Path | None = None,
           screen_size: tuple[int, int] = (1280, 800)) -> ReplayResult:
    """Run ``steps`` through a fresh lane (or continue the lane in ``journal_path``) and build the report.

    With ``screenshots`` (a directory) every change of the shopper's screen is written there as a PNG of
    ``screen_size`` (see :class:`ScreenRecorder`); the result lists them."""
    screens = ScreenRecorder(screenshots, screen_size) if screenshots is not None else None
    runner = ScenarioRunner(config, catalog, journal_path=journal_path, durable=durable,
                            terminal_delay_s=terminal_delay_s, print_delay_s=print_delay_s, weights=weights,
                            scenario_name=scenario_name, start_t=steps[0].t if steps else 0.0,
                            attendants=attendants, screens=screens)
    for step in steps:
        runner.step(step)
    return runner.finish(settle_after_s)


def summary_to_report(s: fx.TransactionSummary) -> dict[str, Any]:
    return {
        "id": s.number,
        "status": s.status,
        "lines": [{"sku": ln.sku, "kind": ln.kind, "qty": ln.qty, "amount_cents": ln.amount_cents}
                  for ln in s.lines],
        "total_cents": s.total_cents,
        "vat": [{"rate": _rate(v.rate_bp), "net_cents": v.net_cents, "tax_cents": v.tax_cents,
                 "gross_cents": v.gross_cents} for v in s.vat],
        "payments": [{"ref": p.ref, "method": p.method, "amount_cents": p.amount_cents, "outcome": p.outcome}
                     for p in s.payments],
        "interventions": [{"kind": i.kind, "t_raised": i.t_raised, "t_resolved": i.t_resolved,
                           "resolved_by": i.resolved_by, "resolution": i.resolution} for i in s.interventions],
        "t_started": s.t_started,
        "t_ended": s.t_ended,
    }


def build_report(closed: list, lane: LaneRuntime, scenario: str, truth: list) -> dict[str, Any]:
    txns = [summary_to_report(s) for s in closed]
    state = lane.state
    if state.txn is not None and state.txn.status == "open":
        txns.append(summary_to_report(summarize(state, state.txn)))
    return {
        "format": 1,
        "scenario": scenario,
        "lane": lane.config.lane_id,
        "transactions": txns,
        "final_mode": state.mode,
        "open_interventions": [{"kind": i.kind, "t_raised": i.t_raised} for i in state.open_interventions],
        "events": lane.journal.last_seq,
        "truth": truth,
    }


def _rate(bp: int) -> float | int:
    return bp // 100 if bp % 100 == 0 else bp / 100

