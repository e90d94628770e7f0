"""The lane application: the shell that connects devices, the screen and the lane runtime in one asyncio loop.

Data flows one way (DESIGN.md section 2): a device or the screen produces input, :class:`~kiosk.runtime.LaneRuntime`
journals it and runs the reducer, and the effects come back here to be carried out: a charge goes to the card
terminal, a receipt to the printer, an alert to the attendant, and the screen is redrawn from the new state. Device
outcomes (a payment result, a settled weight) re-enter as input. Devices are opened from the config's URLs through
the hal (:mod:`kiosk.devices`); their reports wake the loop at once, otherwise it wakes ~30 times a second, and it
draws only when something changed.

``kiosk demo`` is this application with every device on its simulator; without a display it runs headless, reads
barcodes and commands from standard input (or plays a scenario) and writes the screen to a PNG file.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import shutil
import sys
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from kiosk.catalog import CatalogError, ensure_catalog  # noqa: E402
from kiosk.config import REPO_CONFIG, ConfigError, LaneConfig, find_config, load  # noqa: E402
from kiosk.devices import Done, LaneDevices  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.lane import effects as fx  # noqa: E402
from kiosk.lane.state import SPEECH, WELCOME  # noqa: E402
from kiosk.payment.service import PaymentSaga  # noqa: E402
from kiosk.receipt.content import ReceiptOptions, ereceipt_url  # noqa: E402
from kiosk.receipt.escpos import job as receipt_job  # noqa: E402
from kiosk.receipt.token import ereceipt_token  # noqa: E402
from kiosk.replay import ScenarioError, Step, parse_scenario  # noqa: E402
from kiosk.runtime import LaneRuntime  # noqa: E402
from kiosk.speech import Speaker  # noqa: E402
from kiosk.weights import WeightBook  # noqa: E402

log = logging.getLogger("kiosk.app")

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "config" / "demo-journey.jsonl"
FRAME_S = 1 / 30
#: The exit status of a lane that an attendant asked to restart (systemd's Restart= starts it again).
RESTART_EXIT = 75

HEADLESS_HELP = """\
Type a barcode and Enter to scan it. Commands:
  :start  :pay  :cancel  :help  :void          shopper actions (:touch ACTION [ARG] for any other)
  :lang de|en|nl   :receipt paper|ereceipt|none  :done
  :place GRAMS     :remove GRAMS                 put something on / take it off the bagging scale
  :produce GRAMS                                 put something on the produce scale (0: take it all off)
  :choose SKU [GRAMS]                            choose an article without a barcode (weighed: with grams)
  :pin PIN         :cmd COMMAND [LINE]           attendant sign-in and command (approve, verify_age, void_line ...)
  :card approve|decline|fail|abort              the next payment's outcome
  :state           :quit
"""


# ------------------------------------------------------------------------------------------------- simulated devices

class SimulatedShopper:
    """The demo's bagging behaviour: places each scanned item about a second after the scan, takes voided ones out.

    It reads only what a real shopper would see (the prompt to bag or to take out), and places what the item really
    weighs: the catalog weight with a realistic per-unit spread.
    """

    def __init__(self, scale, rng: random.Random, delay_s: float = 1.0):
        self.scale = scale
        self.rng = rng
        self.delay_s = delay_s
        self.enabled = True
        self._handled: Counter[tuple[int, float, float | None]] = Counter()
        self._due: list[tuple[float, float]] = []

    def observe(self, lane: LaneRuntime, now: float) -> None:
        if not self.enabled:
            return
        wanted = Counter((e.line, e.t_due, e.weight_g) for e in lane.state.bagging.expected)
        for key, n in wanted.items():
            for _ in range(n - self._handled[key]):
                grams = key[2] if key[2] is not None else 350.0
                self._due.append((now + self.delay_s, grams * (1 + self.rng.gauss(0, 0.01))))
        self._handled = wanted

    def step(self, now: float) -> None:
        while self._due and self._due[0][0] <= now:
            _, grams = self._due.pop(0)
            if grams >= 0:
                self.scale.place(now, grams)
            else:
                self.scale.remove(now, min(-grams, self.scale.load_g))


# ------------------------------------------------------------------------------------------------------ the app

class LaneApp:
    def __init__(self, config: LaneConfig, lane: LaneRuntime, devices: LaneDevices, *, size: tuple[int, int],
                 headless: bool, fullscreen: bool = False, screenshot: Path | None = None,
                 screenshots_dir: Path | None = None, script: list[Step] | None = None, speed: float = 1.0,
                 read_stdin: bool = False, console: str | None = None, console_note: str = ""):
        self.config = config
        self.lane = lane
        self.devices = devices
        self.size = size
        self.headless = headless
        self.fullscreen = fullscreen
        self.screenshot = screenshot
        self.screenshots_dir = screenshots_dir
        self.script = list(script or [])
        self.speed = speed
        self.read_stdin = read_stdin
        model = devices.scale_model
        self.shopper = SimulatedShopper(model, random.Random(7), 1.0 / max(speed, 0.1)) if model is not None else None
        self._wake: asyncio.Event | None = None
        self._saga: PaymentSaga | None = None
        self.local = None
        self.running = True
        self.frames = 0
        self.shots = 0
        self._inputs: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: set[asyncio.Task] = set()
        self._typed = ""
        self._last_screen_key: tuple | None = None
        # KIOSK_FRAME_LOG=<file>: one line per frame presented (monotonic time, frame, mode, lines, last journal
        # sequence), so a benchmark outside the process can time a scan to the frame that shows it.
        log_path = os.environ.get("KIOSK_FRAME_LOG")
        self._frame_log = open(log_path, "a", encoding="utf-8") if log_path else None
        self._last_shot_key: tuple | None = None
        self.ready_at: float | None = None
        self.speaker = Speaker.from_config(config.speech) if config.speech.enabled else None
        self._heard = lane.state                  # the state speech last looked at
        self._terminal_heard = None               # the terminal prompt speech last looked at
        self.console = console                    # overrides [assist] console (None: the config's)
        self.console_note = console_note          # printed with the console's address (the demo's PIN)
        self.assist = None                        # kiosk.assist.service.LaneAssist once started
        self.restart = False                      # an attendant asked for a restart

    # ------------------------------------------------------------------------------------------------ effects

    def execute(self, effects: list) -> None:
        self._speak()
        for e in effects:
            if isinstance(e, fx.Charge):
                self._spawn(self._charge(e))
            elif isinstance(e, fx.EndOfDay):
                self._spawn(self._end_of_day(e))
            elif isinstance(e, fx.Print):
                self._print(e)
            elif isinstance(e, fx.Light):
                log.info("lane light: %s%s", e.color, " (blinking)" if e.blink else "")
                self.devices.show_light(e.color, e.blink)
            elif isinstance(e, fx.Alert):
                iv = e.intervention
                log.warning("attendant needed at lane %s: %s (intervention %d)", e.lane_id, iv.kind, iv.id)
                self.devices.take_still(f"{self.config.lane_id}-alert-{iv.id}")
            elif isinstance(e, fx.AlertCleared):
                log.info("intervention %d resolved by %s (%s)", e.intervention, e.resolved_by, e.resolution)
            elif isinstance(e, fx.TransactionClosed):
                s = e.summary
                log.info("transaction %d %s: %d lines, total %.2f", s.number, s.status, len(s.lines),
                         s.total_cents / 100)
            elif isinstance(e, fx.CommandRejected):
                log.warning("attendant command %s refused: %s", e.command, e.reason)
            elif isinstance(e, fx.Restart):
                log.warning("restart asked for by attendant %s", e.attendant)
                self.restart, self.running = True, False
        if self.assist is not None:
            self.assist.after(effects)

    def _speak(self) -> None:
        """Read aloud what the last events changed, once the shopper switched speech on; queues, never waits."""
        before, after = self._heard, self.lane.state
        if after is before or self.speaker is None:
            return
        self._heard = after
        if SPEECH in before.access and SPEECH not in after.access:
            if after.mode != WELCOME or before.mode == WELCOME:
                self.speaker.cancel()             # switched off: silence at once (a shopper who left may finish)
        elif SPEECH in after.access:
            from kiosk.ui.spoken import utterances
            self.speaker.say(utterances(before, after), after.lang)

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _charge(self, e: fx.Charge) -> None:
        """The payment saga (kiosk/payment/service.py): every step journaled, recovery from the terminal's records."""
        terminal = self.devices.terminal
        if terminal is None:
            reason = self.devices.failures.get("payment", "no card terminal configured")
            self.execute(self.lane.payment_result(e.ref, "failed", e.amount_cents, "card", reason))
            return
        if self._saga is None:
            loop = asyncio.get_running_loop()
            self._saga = PaymentSaga(self.lane, self.execute, terminal,
                                     on_prompt=lambda p: loop.call_soon_threadsafe(self._show_prompt, p))
        self._saga.terminal = terminal            # the terminal may have been reopened since
        await self._saga.run(e)
        self._show_prompt(None)

    def _follow_ereceipt(self, local) -> None:
        """The e-receipt's address for the thank-you screen's QR code, when the shopper chose an e-receipt."""
        state = self.lane.state
        txn = state.txn
        url = None
        if txn is not None and state.mode == "thank_you" and txn.receipt == "ereceipt" and \
                self.config.store.ereceipt_url:
            url = ereceipt_url(self.config.store.ereceipt_url, self.config.lane_id, txn.number,
                               ereceipt_token(self.config.data_dir, self.config.lane_id, txn.number))
        local.ereceipt_url = url

    def _script_card(self, outcome: str) -> None:
        """Tell the simulated card terminal how the next payment ends (demo and scenarios)."""
        terminal = self.devices.terminal
        if terminal is None:
            print("no card terminal is open", flush=True)
            return
        try:
            terminal.script(outcome)
        except ValueError as exc:
            print(exc, flush=True)

    async def _end_of_day(self, e: fx.EndOfDay) -> None:
        """The card terminal's end of day (ZVT 06 50) an attendant asked for at the lane; its report is printed."""
        from hal.errors import HalError
        from kiosk.receipt.escpos import text_receipt
        from kiosk.ui.i18n import tr
        from kiosk.ui.wording import attendant_lang, money
        lang = attendant_lang(self.lane.state)
        terminal = self.devices.terminal
        if terminal is None:
            reason = self.devices.failures.get("payment", "no card terminal configured")
            self._staff_message(tr(lang, "att.eod_failed", reason=reason))
            return
        try:
            result = await asyncio.to_thread(terminal.device.end_of_day)
        except (HalError, OSError, RuntimeError) as exc:
            log.warning("end of day asked by %s failed: %s", e.attendant, exc)
            self._staff_message(tr(lang, "att.eod_failed", reason=str(exc)))
            return
        if result.outcome != "approved":
            log.warning("end of day asked by %s refused by the terminal: %s", e.attendant, result.message)
            self._staff_message(tr(lang, "att.eod_failed", reason=result.message or result.outcome))
            return
        log.info("end of day asked by %s: done, total %.2f", e.attendant, result.amount_cents / 100)
        self._staff_message(tr(lang, "att.eod_done", total=money(result.amount_cents, lang)))
        if result.receipt_lines:
            text = "\n".join(result.receipt_lines)
            self.devices.print_receipt(e.job, text_receipt(text), text)

    def _staff_message(self, text: str) -> None:
        if self.local is not None:
            self.local.staff_message = text

    def _show_prompt(self, prompt) -> None:
        """The terminal's prompt on the payment screen: texts by language, or one text for every language."""
        if self.local is None:
            return
        if isinstance(prompt, str):
            prompt = {"de": prompt}
        self.local.terminal_prompt = dict(prompt) if prompt else None
        if self.speaker is not None:
            from kiosk.ui.spoken import terminal_utterances
            self.speaker.say(terminal_utterances(self._terminal_heard, prompt, self.lane.state), self.lane.state.lang)
        self._terminal_heard = prompt

    def _print(self, e: fx.Print) -> None:
        """The German receipt (kiosk/receipt): laid out for the printer's paper width, with the e-receipt's QR code."""
        printer = self.devices.devices.get("printer")
        store = self.config.store
        url = ereceipt_url(store.ereceipt_url, self.config.lane_id, e.txn.number,
                           ereceipt_token(self.config.data_dir, self.config.lane_id, e.txn.number)) \
            if store.ereceipt_url else None
        try:
            data, text = receipt_job(e.txn, store, ReceiptOptions(copy=e.copy, qr_url=url),
                                     profile=getattr(printer, "profile_name", None) or "TM-T88V",
                                     width_mm=getattr(printer, "width_mm", None))
            self.devices.print_receipt(e.job, data, text)
        except (OSError, ValueError) as exc:
            self.execute(self.lane.print_result(e.job, False, str(exc)))

    def _device_reports(self) -> None:
        """Carry every report the devices made since the last look into the lane."""
        for family, event in self.devices.drain():
            if isinstance(event, Done):
                if event.kind == "print":
                    log.info("receipt %s: %s", event.key, event.message or ("printed" if event.ok else "failed"))
                    self.execute(self.lane.print_result(event.key, event.ok, None if event.ok else event.message))
                elif not event.ok:
                    log.warning("%s %s: %s", family, event.kind, event.message)
                elif event.kind == "still" and self.assist is not None:
                    iid = event.key.rpartition("-alert-")[2]
                    if iid.isdigit():
                        self.assist.still_ready(int(iid))
                continue
            self.execute(self.devices.lane_input(self.lane, family, event))

    def _scan(self, code: str, aim: str | None = None, source: str = "keyboard") -> None:
        """A code typed or scripted: through the simulated scanner's wire when there is one, else straight in."""
        sim = self.devices.simulator("scanner")
        if sim is not None and hasattr(sim, "scan"):
            sim.scan(code, aim)
        else:
            self.execute(self.lane.scan(code, aim, source=source))

    def _place(self, grams: float) -> bool:
        """Put (or with negative grams take off) something on the simulated bagging scale."""
        model = self.devices.scale_model
        if model is None:
            print("the scale is not simulated: put something on the real one", flush=True)
            return False
        if grams >= 0:
            model.place(time.monotonic(), grams)
        else:
            model.remove(time.monotonic(), min(-grams, model.load_g))
        return True

    # -------------------------------------------------------------------------------------------------- input

    def handle_line(self, line: str) -> None:
        """A line from standard input (headless) or a scenario: a barcode, or a ``:command``."""
        line = line.rstrip("\r\n")
        if not line.strip():
            return
        if not line.startswith(":"):
            self._scan(line.strip())
            return
        word, *rest = line[1:].split()
        arg = rest[0] if rest else None
        lane = self.lane
        if word in ("start", "pay", "cancel", "help", "done", "back", "continue", "own_bag"):
            self.execute(lane.touch(word))
        elif word == "void":
            self.execute(lane.touch("void_last"))
        elif word in ("lang", "receipt", "qty"):
            self.execute(lane.touch(word, arg))
        elif word == "touch" and arg:
            self.execute(lane.touch(arg, rest[1] if len(rest) > 1 else None))
        elif word in ("place", "remove") and arg:
            grams = float(arg)
            self._place(grams if word == "place" else -grams)
        elif word == "produce" and arg:
            model = self.devices.produce_model
            if model is None:
                print("the produce scale is not simulated", flush=True)
            else:
                now = time.monotonic()
                if model.load_g > 0:
                    model.remove(now, model.load_g)
                if float(arg) > 0:
                    model.place(now, float(arg))
        elif word == "choose" and arg:
            try:
                self.execute(lane.choose(arg, float(rest[1]) if len(rest) > 1 else None))
            except (LookupError, ValueError) as exc:
                print(exc, flush=True)
        elif word == "pin" and arg:
            ok, effects = lane.sign_in_pin(arg)
            self.execute(effects)
            print("signed in" if ok else "PIN refused", flush=True)
        elif word == "cmd" and arg:
            line_id = int(rest[1]) if len(rest) > 1 and rest[1].isdigit() else None
            self.execute(lane.command(arg, line=line_id))
        elif word == "signout":
            self.execute(lane.sign_out())
        elif word == "card" and arg:
            self._script_card(arg)
        elif word == "state":
            print(_describe(lane.state), flush=True)
        elif word == "quit":
            self.running = False
        else:
            print(f"unknown command {line!r}\n{HEADLESS_HELP}", flush=True)

    def _stdin_reader(self, loop: asyncio.AbstractEventLoop) -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(self._inputs.put_nowait, line)
        loop.call_soon_threadsafe(self._inputs.put_nowait, ":quit" if not self.script else "")

    async def _play(self) -> None:
        start = time.monotonic()
        for step in self.script:
            delay = start + step.t / self.speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            d = step.data
            if step.kind == "scan":
                self._scan(d["scan"], d.get("aim"), source="script")
            elif step.kind == "touch":
                self.execute(self.lane.touch(d["touch"], None if d.get("arg") is None else str(d["arg"])))
            elif step.kind == "card":
                self._script_card(d["card"])
            elif step.kind == "scale":
                if self.shopper is not None:
                    self.shopper.enabled = False
                model = self.devices.scale_model
                if model is not None:
                    self._place(float(d["scale"]) - model.load_g)
            elif step.kind == "attendant":
                ok, effects = self.lane.sign_in_pin(d.get("pin", ""))
                self.execute(effects)
                if ok:
                    self.execute(self.lane.command(d["attendant"], line=d.get("line"),
                                                   intervention=d.get("intervention"),
                                                   arg=None if d.get("arg") is None else str(d["arg"])))
                    self.execute(self.lane.sign_out())
        self.script_done = True

    # --------------------------------------------------------------------------------------------------- loop

    async def _prune_stills(self) -> None:
        """Camera stills are kept at most 72 hours (DESIGN.md section 5): prune at start, then every hour."""
        from kiosk import stills
        while self.running:
            try:
                await asyncio.to_thread(stills.prune, self.config.stills_dir, stills.RETENTION_S)
            except OSError as exc:
                log.warning("pruning camera stills in %s failed: %s", self.config.stills_dir, exc)
            await asyncio.sleep(stills.PRUNE_EVERY_S)

    async def main(self, exit_after: float | None = None) -> int:
        import pygame
        from kiosk.ui.screen import LaneScreen, UiLocal, access_panel_stays, hit
        from kiosk.ui.theme import TOUCH_MM, px_per_mm

        pygame.display.init()
        pygame.font.init()
        flags = pygame.FULLSCREEN if self.fullscreen else 0
        surface = pygame.display.set_mode(self.size, flags)
        pygame.display.set_caption(f"Self-checkout {self.config.lane_id}")
        log.info("display: SDL video driver %s, %dx%d %s", pygame.display.get_driver(), *surface.get_size(),
                 "full screen" if self.fullscreen else "window")
        if self.fullscreen:
            pygame.mouse.set_visible(False)
        self.size = surface.get_size()
        display = self.config.display
        screen = LaneScreen(self.size, display.px_per_mm or px_per_mm(self.size, display.diagonal_in))
        log.info("display: %.2f px/mm, touch targets at least %d px (%g mm)", screen.canvas.m.px_per_mm,
                 screen.canvas.m.touch, TOUCH_MM)
        local = self.local = UiLocal(lookup_source=self.lookup_catalog())
        buttons: list = []
        loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.devices.wake = lambda: loop.call_soon_threadsafe(self._wake.set)
        self.execute(self.lane.start())
        self._prepare_assist(loop)
        self.ready_at = time.monotonic()
        _notify_ready(self.lane)
        if self.read_stdin:
            threading.Thread(target=self._stdin_reader, args=(loop,), daemon=True).start()
        self.script_done = not self.script
        if self.script:
            self._spawn(self._play())
        pruner = loop.create_task(self._prune_stills())   # runs as long as the lane: not one of self._tasks
        started = time.monotonic()
        before = None                     # the lane's state at the end of the previous turn
        while self.running:
            now = time.monotonic()
            for ev in pygame.event.get():
                if ev.type == pygame.QUIT and not self.fullscreen:
                    self.running = False
                elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1 and not getattr(ev, "touch", False):
                    pressed = hit(buttons, ev.pos)     # (a click SDL made from a touch: its FINGERDOWN counts)
                    if pressed is not None:
                        self._on_button(pressed, local)
                elif ev.type == pygame.FINGERDOWN:
                    pressed = hit(buttons, (int(ev.x * self.size[0]), int(ev.y * self.size[1])))
                    if pressed is not None:
                        self._on_button(pressed, local)
                elif ev.type == pygame.KEYDOWN:
                    self._on_key(ev, pygame)
                elif ev.type == pygame.WINDOWEXPOSED:
                    self._last_screen_key = None       # the window system lost the picture: draw it again
            while not self._inputs.empty():
                self.handle_line(self._inputs.get_nowait())
            self._device_reports()
            self.devices.retry(now)
            if self.shopper is not None:
                self.shopper.step(now)
            self.execute(self.lane.tick())
            self.devices.follow(self.lane.state)
            self._follow_ereceipt(local)
            if self.shopper is not None:
                self.shopper.observe(self.lane, now)
            # The receipt screen and the "are you still there?" prompt count down: they change every second by
            # themselves. The accessibility panel belongs to the screens that offer it, for one shopper's visit (the
            # next shopper never finds it open).
            state = self.lane.state
            tick = int(time.time()) if state.mode == "receipt" or state.idle_stage == 1 else 0
            if local.access_open and not access_panel_stays(before, state):
                local.access_open = False
            before = state
            self.follow_lookup(local)
            # A frame is drawn when what it is drawn from changed: the state by value (an equal state put in its
            # place draws nothing; a new one is never taken for the old), the screen's own state, the countdown.
            key = (state, _local_key(local), tick)
            if key != self._last_screen_key:
                surface.fill((0, 0, 0))
                buttons = screen.draw(surface, self.lane.state, local, time.time())
                pygame.display.flip()
                self.frames += 1
                if self._frame_log is not None:
                    st = self.lane.state
                    self._frame_log.write(f"{time.monotonic():.6f} {self.frames} {st.mode} "
                                          f"{len(st.txn.lines) if st.txn else 0} {self.lane.journal.last_seq}\n")
                    self._frame_log.flush()
                self._save_screens(pygame, surface, key)
                self._last_screen_key = key
            if exit_after is not None and now - started >= exit_after:
                break
            if exit_after is None and self.script and self.script_done and not self.read_stdin \
                    and self.lane.state.mode == "welcome" and not self._tasks:
                break
            _notify_watchdog()
            try:
                await asyncio.wait_for(self._wake.wait(), FRAME_S)
            except TimeoutError:
                pass
            self._wake.clear()
        pruner.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self.assist is not None:
            await self.assist.stop()
        self.devices.wake = None
        self.lane.journal.close()
        if self._frame_log is not None:
            self._frame_log.close()
        if self.speaker is not None:
            self.speaker.close()
        pygame.display.quit()       # fonts stay loaded: the UI caches them for the process
        return RESTART_EXIT if self.restart else 0

    def _prepare_assist(self, loop: asyncio.AbstractEventLoop) -> None:
        """The assist channel ([assist] in the config). Its files are read now (a broken one stops the lane at start,
        like any config error); it connects, and the embedded console starts, once the first frame is on screen.
        Whatever happens to it later, the lane sells on."""
        if self.config.assist.bus == "off":
            return
        from kiosk.assist.service import LaneAssist
        self.assist = LaneAssist(self.config, self.lane, self.execute, loop, console=self.console)
        self._spawn(self._start_assist())

    async def _start_assist(self) -> None:
        assert self.assist is not None      # runs once the loop first waits: after the first frame
        await self.assist.start()
        if self.assist.url:
            print(f"Attendant console: {self.assist.url}{self.console_note}", flush=True)

    def _on_button(self, button, local) -> None:
        if button.kind == "touch":
            self.execute(self.lane.touch(button.action, button.arg))
        elif button.kind == "attendant":
            if button.action == "sign_out":
                self.execute(self.lane.sign_out())
                local.pin, local.pin_open = "", False
            else:
                from kiosk.ui.attendant import command_args
                self.execute(self.lane.command(button.action, **command_args(button.action, button.arg)))
        elif button.kind == "ui":
            self._on_ui(button, local)

    def _on_ui(self, button, local) -> None:
        """Buttons that change only what the screen shows (UiLocal), and the PIN pad."""
        action, arg = button.action, button.arg
        if action == "attendant":
            if self.lane.state.attendant is None:
                local.pin, local.pin_open = "", True
            else:
                local.menu_open = True
        elif action == "pin_digit" and arg is not None and len(local.pin) < 12:
            local.pin += arg
        elif action == "pin_clear":
            local.pin = ""
        elif action == "pin_submit":
            ok, effects = self.lane.sign_in_pin(local.pin)
            local.pin = ""
            local.pin_open = not ok
            local.menu_open = True
            self.execute(effects)
        elif action == "close_menu":
            if local.pin_open:
                local.pin, local.pin_open = "", False
            else:
                local.menu_open = False
        elif action in ("scroll_up", "scroll_down") and arg is not None:
            local.scroll = int(arg)
        elif action in ("menu_scroll_up", "menu_scroll_down") and arg is not None:
            local.menu_scroll = int(arg)
        elif action == "select_line" and arg is not None:
            local.selected_line = int(arg)
        elif action == "access_panel":
            local.access_open = arg == "1"
        elif action.startswith("lookup_"):
            self._on_lookup(action, arg, local)

    # ------------------------------------------------------------------------------------------------ look-up

    def lookup_catalog(self):
        """The catalog as the look-up screen reads it (cached); pictures are relative to the catalog file's folder."""
        from kiosk.ui.lookup import LookupCatalog
        seed = getattr(self.config, "catalog_seed", None)
        image_dir = Path(seed).parent if seed else Path(self.config.catalog_db).parent
        return LookupCatalog(self.lane.catalog, image_dir)

    def follow_lookup(self, local) -> None:
        """Keep the look-up's view of the lane current: closed off the scanning screens, the produce scale's weight."""
        if not local.lookup_open:
            return
        if self.lane.state.mode not in ("scanning", "bagging"):
            self._close_lookup(local)
            return
        reading = self.devices.produce_weight()
        local.produce = None if reading is None else (int(round(reading.grams)), reading.stable)

    def _close_lookup(self, local) -> None:
        local.lookup_open, local.lookup_query, local.lookup_item, local.lookup_page = False, None, None, 0
        local.produce = None

    def _on_lookup(self, action: str, arg: str | None, local) -> None:
        """The look-up's buttons (kiosk/ui/lookup.py); the final choice goes to ``LaneRuntime.choose``."""
        if action == "lookup_open":
            if arg == "1":
                self._close_lookup(local)
                local.lookup_open, local.access_open = True, False
                self.follow_lookup(local)
            else:
                self._close_lookup(local)
        elif action == "lookup_category" and arg is not None:
            local.lookup_category, local.lookup_page, local.lookup_query = arg, 0, None
        elif action == "lookup_search":
            local.lookup_query, local.lookup_page = ("" if arg == "1" else None), 0
        elif action == "lookup_key" and arg and local.lookup_query is not None:
            from kiosk.ui.lookup import MAX_QUERY
            if len(local.lookup_query) < MAX_QUERY and (arg != " " or local.lookup_query.strip()):
                local.lookup_query += arg
                local.lookup_page = 0
        elif action == "lookup_backspace" and local.lookup_query:
            local.lookup_query, local.lookup_page = local.lookup_query[:-1], 0
        elif action == "lookup_clear" and local.lookup_query is not None:
            local.lookup_query, local.lookup_page = "", 0
        elif action == "lookup_page" and arg is not None and arg.lstrip("-").isdigit():
            local.lookup_page = max(0, int(arg))
        elif action == "lookup_item" and arg:
            local.lookup_item = arg
        elif action == "lookup_back":
            local.lookup_item = None
        elif action == "lookup_choose" and arg:
            self._choose(arg, None, local)
        elif action == "lookup_confirm" and arg:
            reading = self.devices.produce_weight()
            if reading is None or not reading.stable or not reading.stable_g or reading.stable_g <= 0:
                log.info("look-up: %s not confirmed, the produce scale is %s", arg,
                         "missing" if reading is None else "not at rest with a load")
                return
            self._choose(arg, reading.stable_g, local)

    def _choose(self, sku: str, grams: float | None, local) -> None:
        try:
            effects = self.lane.choose(sku, grams)
        except (LookupError, ValueError) as exc:
            log.warning("look-up: %s", exc)
            return
        self._close_lookup(local)
        self.execute(effects)

    def _on_key(self, ev, pygame) -> None:
        """A keyboard is a HID wedge scanner in the demo: characters then Enter. F-keys drive the simulators."""
        if ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            if self._typed:
                self._scan(self._typed)
            self._typed = ""
        elif ev.key == pygame.K_F5:
            self._place(250.0)                                      # an unexpected item
        elif ev.key == pygame.K_F6:
            self._place(-250.0)
        elif ev.key == pygame.K_F7 and self.shopper is not None:
            self.shopper.enabled = not self.shopper.enabled
            log.info("simulated shopper bagging: %s", "on" if self.shopper.enabled else "off")
        elif ev.key == pygame.K_F8:
            self._script_card("decline")
        elif ev.key == pygame.K_q and ev.mod & pygame.KMOD_CTRL and not self.fullscreen:
            self.running = False
        elif ev.unicode and ev.unicode.isprintable() and len(self._typed) < 256:
            self._typed += ev.unicode

    def _save_screens(self, pygame, surface, key) -> None:
        if self.screenshot is not None:
            pygame.image.save(surface, str(self.screenshot))
        if self.screenshots_dir is not None:
            state = self.lane.state
            screen_key = (state.mode, state.lang, state.txn.number if state.txn else 0,
                          len(state.txn.lines) if state.txn else 0, len(state.open_interventions),
                          state.notice.key if state.notice else "", state.attendant is not None)
            if screen_key != self._last_shot_key:
                self._last_shot_key = screen_key
                self.shots += 1
                pygame.image.save(surface, str(self.screenshots_dir / f"{self.shots:03d}-{state.mode}.png"))


def _local_key(local) -> tuple:
    return tuple(sorted(vars(local).items()))


def _describe(state) -> str:
    txn = state.txn
    parts = [f"mode={state.mode} lang={state.lang} light={state.light}"]
    if txn is not None:
        parts.append(f"transaction {txn.number} ({txn.status}): {txn.item_count} items, total "
                     f"{txn.total_cents / 100:.2f}")
        for ln in txn.active_lines:
            parts.append(f"  [{ln.id}] {ln.kind:8s} {ln.qty} x {ln.name[:40]:40s} {ln.amount_cents / 100:8.2f}")
    for iv in state.open_interventions:
        parts.append(f"  intervention {iv.id}: {iv.kind} ({iv.status})")
    if state.notice is not None:
        parts.append(f"  notice: {state.notice.key} {' '.join(state.notice.args)}")
    if state.attendant is not None:
        parts.append(f"  attendant signed in: {state.attendant.attendant} ({state.attendant.role})")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------- systemd notify

def _sd_notify(message: str) -> None:
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    import socket
    if addr.startswith("@"):
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(addr)
            s.sendall(message.encode())
    except OSError as exc:
        log.debug("sd_notify failed: %s", exc)


def _notify_ready(lane: LaneRuntime) -> None:
    print(f"READY lane {lane.config.lane_id}: {lane.state.mode}", flush=True)
    _sd_notify(f"READY=1\nSTATUS=lane {lane.config.lane_id} {lane.state.mode}")


_last_watchdog = 0.0


def _notify_watchdog() -> None:
    global _last_watchdog
    now = time.monotonic()
    if now - _last_watchdog >= 2.0:
        _last_watchdog = now
        _sd_notify("WATCHDOG=1")


# ------------------------------------------------------------------------------------------------- entry points

def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ConfigError(f"--size {text!r}: expected WIDTHxHEIGHT such as 1280x800") from None
    return w, h


def _display_available() -> bool:
    """True if SDL can open a real display (X11, Wayland or KMS/DRM)."""
    if os.environ.get("SDL_VIDEODRIVER") in ("dummy", "offscreen"):
        return False
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            or os.environ.get("SDL_VIDEODRIVER") == "kmsdrm" or list(Path("/dev/dri").glob("card*"))):
        return False      # nothing SDL could open: do not let it probe (and complain about) every backend
    import pygame
    try:
        pygame.display.init()
        ok = pygame.display.get_driver() not in ("dummy", "offscreen")
    except pygame.error:
        ok = False
    finally:
        pygame.display.quit()
    return ok


def prepare(config: LaneConfig, fresh: bool = False):
    """Open the data directory, the catalog (seeded from the config) and the journal."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if fresh and config.journal_path.exists():
        aside = config.journal_path.with_name(f"journal-{time.strftime('%Y%m%d-%H%M%S')}.db")
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(config.journal_path) + suffix)
            if src.exists():
                shutil.move(str(src), str(aside) + suffix)
        log.info("previous journal kept as %s", aside)
        # Receipt numbers start again with the new journal: the printer's job ledger must start again too,
        # or the new receipt 1 would count as printed already.
        ledger = config.data_dir / "printer-jobs.json"
        if ledger.exists():
            shutil.move(str(ledger), str(aside.with_name(aside.stem + "-printer-jobs.json")))
    catalog = ensure_catalog(config)
    journal = Journal(config.journal_path)
    return catalog, journal


def run_demo(args) -> int:
    import_start = time.monotonic()
    config = load(find_config(args.config))
    size = _parse_size(args.size)
    headless = args.headless or not _display_available()
    script = None
    if args.script:
        path = Path(args.script)
        try:
            script = parse_scenario(path.read_text(encoding="utf-8").splitlines(), str(path))
        except (OSError, ScenarioError) as exc:
            print(f"kiosk demo: {exc}", file=sys.stderr)
            return 2
    read_stdin = False
    screenshot = None
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        screenshot = config.data_dir / "screen.png"
        read_stdin = sys.stdin is not None and sys.stdin.isatty()
        if script is None and not read_stdin:
            script = parse_scenario(DEMO_SCRIPT.read_text(encoding="utf-8").splitlines(), str(DEMO_SCRIPT))
        print("No display found (or --headless): the demo lane runs headless.\n"
              f"The screen is written to {screenshot} after every change.", flush=True)
        if read_stdin:
            print(HEADLESS_HELP, flush=True)
        elif script is not None:
            print(f"Playing the scenario {args.script or DEMO_SCRIPT} (Ctrl+C stops).", flush=True)
    try:
        catalog, journal = prepare(config, fresh=args.fresh)
    except CatalogError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    devices = LaneDevices(config)
    devices.open_all()
    weights = WeightBook(config.weights_path)
    lane = LaneRuntime(config, journal, catalog, weights=weights)
    shots = Path(args.screenshots) if args.screenshots else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    attendants = ", ".join(f"{a.name} ({a.role})" for a in config.attendants)
    print(f"Demo lane {config.lane_id}: catalog {catalog.count()} items, journal {config.journal_path}\n"
          f"Attendants: {attendants}; demo PINs are listed in {config.path}. Receipts go to "
          f"{devices.receipts}.", flush=True)
    # The shipped demo config's PINs are public (config/lane.toml says so): the demo prints one with the console.
    note = " (demo sign-in: anna, PIN 1234)" if config.path == REPO_CONFIG else ""
    app = LaneApp(config, lane, devices, size=size, headless=headless, fullscreen=args.fullscreen,
                  screenshot=screenshot, screenshots_dir=shots, script=script, speed=args.speed,
                  read_stdin=read_stdin, console=getattr(args, "console", None), console_note=note)
    try:
        rc = asyncio.run(app.main(args.exit_after))
    finally:
        if app.speaker is not None:
            app.speaker.close()
        devices.close_all()
        catalog.close()
        weights.close()
    log.debug("demo ran %.1f s, %d frames", time.monotonic() - import_start, app.frames)
    if rc == RESTART_EXIT and getattr(args, "restart_in_place", False):
        # The demo has no service manager to start it again: it starts itself again (same journal, not --fresh).
        argv = [a for a in sys.argv[1:] if a != "--fresh"]
        print("Restarting the demo lane, as the attendant asked.", flush=True)
        os.execv(sys.executable, [sys.executable, "-m", "kiosk", *argv])
    return rc


def run_lane(args) -> int:
    """The lane with the devices of its config (field drivers, or simulators where the config says ``sim:``)."""
    load(find_config(args.config))          # a broken config stops here, before the display is probed
    if not args.headless and not _display_available():
        # A lane never falls back to headless by itself: a blank screen at a checkout must be a clear error.
        raise ConfigError("no display: SDL could not open X11, Wayland or KMS/DRM. On a Raspberry Pi without X, use "
                          "Debian's python3-pygame (its SDL2 has KMS/DRM; the pygame wheel from PyPI has not) and "
                          "put the kiosk user in the video, render and input groups; or run with --headless")
    args.script = None
    args.speed = 1.0
    args.exit_after = None
    args.screenshots = None
    args.fresh = False
    if args.size == "0x0" and args.headless:
        args.size = "1280x800"
    return run_demo(args)
