"""UI benchmarks: figures printed, never asserted (targets from the kiosk UI issue: "draw only when something changed;
a scan is visible in the next frame; idle CPU under 3 % of a core").

    python bench/bench_ui.py [--frames 1000] [--scans 150] [--scan-gap 0.2] [--bag] [--idle-seconds 60]
                             [--only frames,scan,idle]

1. Frame time of the scanning screen with a 100-line basket (built by the real runtime from the sample catalog):
   what LaneApp does per frame (``surface.fill`` + ``LaneScreen.draw``) on an off-screen Surface, plus a full-screen
   blit into a second Surface standing in for presenting it (``pygame.display.flip`` with the dummy driver presents
   nothing, so it is not timed). p50 / p99 over ``--frames`` frames (after 10 warm-up frames) at 1280x800 (target
   p99 <= 4 ms), 1024x600 and 1920x1080, and at 1280x800 with the shopper's high contrast and large text choices.
   Two workloads: "redraw" draws the same state again (every text already rendered and cached), "scan" draws a new
   state per frame, each one scan later (the last line's quantity, the count and the total are new texts every
   frame, as in the frame right after a scan).
2. Scan event to frame presented: the real LaneApp loop (kiosk/app.py, unchanged) runs in this process headless
   (SDL dummy video driver) with every device on its simulator, as ``kiosk demo`` does, with a durable journal. A
   barcode is written into the simulated scanner's pty; the time is taken when ``pygame.display.flip`` returns for
   the first frame drawn from a lane state that includes the scan (this benchmark wraps ``pygame.display.flip`` and
   the runtime's ``scan`` to take the times). Split into "to the new state" (pty, serial driver, wake-up, journal
   append with fsync, reducer) and "state to frame" (the loop's draw and flip). Target p99 <= 20 ms. By default the
   bagging check is off, so that scans can follow each other quickly; with ``--bag`` the demo's simulated shopper
   bags every item and the next scan waits until the lane accepted it (a real shopper's rhythm, the lightest
   articles first so that the 20 kg bagging scale holds them). The frames drawn while the lane sat idle before the
   first scan are counted too (draw only when something changed: 0 expected).
3. Idle CPU: ``kiosk demo --headless`` as a separate process with a pty as standard input (so it waits at the
   welcome screen for typed commands), CPU time (user + system, all threads, and any child process) over
   ``--idle-seconds`` starting 1 s after it printed READY, as % of one core (target < 3 %), with the share of the
   lane's loop thread, and the frames it drew meanwhile (counted by the changes of its headless screen.png).

The dummy video driver does no presenting, no vsync and no copy to a display: on a Raspberry Pi with KMS/DRM the
present adds a copy of the frame to the display, which the blit in (1) stands in for.
"""

from __future__ import annotations

import argparse
import csv
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pygame  # noqa: E402

from kiosk.catalog import Catalog  # noqa: E402
from kiosk.config import LaneConfig, load  # noqa: E402
from kiosk.domain.item import Item  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.lane.state import SCANNING, LaneState  # noqa: E402
from kiosk.replay import VirtualClock  # noqa: E402
from kiosk.runtime import LaneRuntime  # noqa: E402
from benchkit import fmt_ms, pct  # noqa: E402

CONFIG = ROOT / "config" / "lane.toml"
CATALOG_CSV = ROOT / "config" / "catalog.csv"
SIZES = [(1280, 800), (1024, 600), (1920, 1080)]
WARMUP_FRAMES = 10
STARTUP_S = 2.0
BASKET_LINES = 100


def plain_items(catalog: Catalog) -> list[Item]:
    """Articles of the sample catalog a shopper scans and bags without an attendant: a GTIN, a weight, no age."""
    with CATALOG_CSV.open(encoding="utf-8") as f:
        skus = [row["sku"] for row in csv.DictReader(f)]
    items = []
    for sku in skus:
        item = catalog.get(sku)
        if item is not None and item.gtins and item.weight_g and not item.min_age and not item.no_bag \
                and not item.weighed:
            items.append(item)
    return items


def scan_code(item: Item) -> str:
    gtin = item.gtins[0]
    return gtin[1:] if len(gtin) == 14 and gtin.startswith("0") else gtin


def bench_config(config: LaneConfig) -> LaneConfig:
    """The lane's rules, with no time limit that could end the basket while the benchmark builds it."""
    return replace(config, settings=replace(config.settings, bag_timeout_s=1e6, idle_prompt_s=1e6, idle_empty_s=1e6))


def basket_states(frames: int) -> tuple[LaneState, list[LaneState]]:
    """A scanning screen with 100 basket lines, and ``frames`` states each one scan (of the last article) later."""
    with tempfile.TemporaryDirectory() as d:
        catalog = Catalog.open(Path(d) / "catalog.db")
        catalog.import_file(CATALOG_CSV)
        items = plain_items(catalog)
        clock = VirtualClock(1_000_000.0)
        journal = Journal(Path(d) / "journal.db", durable=False)
        lane = LaneRuntime(bench_config(load(CONFIG)), journal, catalog, clock=clock)
        lane.start()
        lane.touch("start")
        weight = lane.state.bagging.accepted_g

        def sell(item: Item) -> None:
            nonlocal weight
            clock.now += 2.0
            lane.scan(scan_code(item), "]E0")
            weight += sum(e.weight_g or 0 for e in lane.state.bagging.expected)
            clock.now += 1.0
            lane.weight(weight)

        last = None
        for item in items:
            lines = len(lane.state.txn.lines)
            if lines == BASKET_LINES:
                break
            if lines + (2 if item.deposit_cents else 1) <= BASKET_LINES:
                sell(item)
                last = item
        base = lane.state
        if base.mode != SCANNING or len(base.txn.lines) != BASKET_LINES or base.open_interventions:
            raise SystemExit(f"the benchmark basket is wrong: {base.mode}, {len(base.txn.lines)} lines, "
                             f"{len(base.open_interventions)} open interventions")
        states = []
        for _ in range(frames):
            sell(last)
            states.append(lane.state)
        if len(lane.state.txn.lines) != BASKET_LINES or lane.state.mode != SCANNING:
            raise SystemExit("scanning the last article again did not add to its line: the benchmark is wrong")
        journal.close()
        catalog.close()
    return base, states


def time_frames(size: tuple[int, int], states: list[LaneState]) -> tuple[list[float], list[float]]:
    """Draw each state once (after warm-up frames of the first): the draw times and the present (blit) times."""
    from kiosk.ui.screen import LaneScreen, UiLocal
    screen = LaneScreen(size)
    local = UiLocal()
    surface = pygame.Surface(size)
    display = pygame.Surface(size)
    for _ in range(WARMUP_FRAMES):
        surface.fill((0, 0, 0))
        screen.draw(surface, states[0], local, states[0].t)
    draws, presents = [], []
    for state in states:
        t0 = time.perf_counter()
        surface.fill((0, 0, 0))
        screen.draw(surface, state, local, state.t)
        t1 = time.perf_counter()
        display.blit(surface, (0, 0))
        t2 = time.perf_counter()
        draws.append(t1 - t0)
        presents.append(t2 - t1)
    return draws, presents


def drawn_differently(size: tuple[int, int], a: LaneState, b: LaneState) -> bool:
    from kiosk.ui.screen import LaneScreen, UiLocal
    screen = LaneScreen(size)
    pictures = []
    for state in (a, b):
        surface = pygame.Surface(size)
        screen.draw(surface, state, UiLocal(), state.t)
        pictures.append(pygame.image.tobytes(surface, "RGB"))
    return pictures[0] != pictures[1]


def bench_frames(frames: int) -> None:
    pygame.font.init()
    base, scans = basket_states(frames)
    print(f"1. frame time, scanning screen with {BASKET_LINES} basket lines: frame = fill + LaneScreen.draw (draw) + "
          f"full-screen blit (present); {frames} frames after {WARMUP_FRAMES} warm-up; ms")
    print(f"   {'size':10s} {'access':20s} {'workload':8s} {'p50':>7s} {'p99':>7s} {'max':>7s}   {'draw p99':>8s} "
          f"{'present p99':>11s}")
    variants: list[tuple[tuple[int, int], frozenset[str]]] = [(size, frozenset()) for size in SIZES]
    for access in (frozenset({"contrast"}), frozenset({"large_text"}), frozenset({"contrast", "large_text"})):
        variants.append(((1280, 800), access))
    same = []
    for size, access in variants:
        label = "+".join(sorted(access)) or "-"
        if access and not drawn_differently(size, base, replace(base, access=access)):
            same.append(label)
            label += " *"
        for workload, states in (("redraw", [base] * frames), ("scan", scans)):
            states = [replace(s, access=access) for s in states] if access else states
            draws, presents = time_frames(size, states)
            ms = [(a + b) * 1000 for a, b in zip(draws, presents)]
            target = "   target p99 <= 4 ms" if size == (1280, 800) and not access else ""
            print(f"   {f'{size[0]}x{size[1]}':10s} {label:20s} {workload:8s} {statistics.median(ms):7.3f} "
                  f"{pct(ms, 99):7.3f} {max(ms):7.3f}   {pct(draws, 99) * 1000:8.3f} {pct(presents, 99) * 1000:11.3f}"
                  f"{target}", flush=True)
    if same:
        print(f"   * {', '.join(same)}: drawn exactly like the default screen (the views do not draw this choice yet)")


# ------------------------------------------------------------------------------------------------ scan -> frame

def demo_config(directory: Path) -> Path:
    """The demo lane's config with its data in ``directory`` (a fresh journal, catalog and receipts)."""
    text = CONFIG.read_text(encoding="utf-8")
    text = text.replace('data_dir = "../var/demo"', f'data_dir = "{directory / "data"}"')
    text = text.replace('seed = "catalog.csv"', f'seed = "{CATALOG_CSV}"')
    path = directory / "lane.toml"
    path.write_text(text, encoding="utf-8")
    return path


def bench_scan(scans: int, gap_s: float, idle_s: float, bag: bool) -> None:
    import asyncio
    import logging

    from kiosk.app import LaneApp, prepare
    from kiosk.devices import LaneDevices
    from kiosk.weights import WeightBook

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as d:
        config = load(demo_config(Path(d)))
        if not bag:
            config = replace(config, settings=replace(config.settings, bagging_enabled=False))
        catalog, journal = prepare(config, fresh=True)
        devices = LaneDevices(config)
        devices.open_all()
        weights = WeightBook(config.weights_path)
        lane = LaneRuntime(config, journal, catalog, weights=weights)
        app = LaneApp(config, lane, devices, size=(1280, 800), headless=True)
        if app.shopper is not None:
            app.shopper.enabled = bag
        items = plain_items(catalog)
        if bag:                                       # the lightest first: the bagging scale holds 20 kg
            items.sort(key=lambda item: item.weight_g or 0.0)
        codes = [scan_code(item) for item in items]

        applied = 0                                   # scans the runtime has reduced (loop thread)
        applied_at: list[float] = []
        presented: list[tuple[float, int, str]] = []  # (time flip returned, scans in the state drawn, its mode)
        cond = threading.Condition()
        real_flip, real_scan = pygame.display.flip, lane.scan

        def flip() -> None:
            real_flip()
            with cond:
                presented.append((time.perf_counter(), applied, lane.state.mode))
                cond.notify_all()

        def scan(*args, **kwargs):
            nonlocal applied
            effects = real_scan(*args, **kwargs)
            applied += 1
            applied_at.append(time.perf_counter())
            return effects

        pygame.display.flip = flip
        lane.scan = scan                              # the runtime of this one app: kiosk/app.py is untouched

        to_state: list[float] = []
        to_frame: list[float] = []
        idle = {"frames": 0, "seconds": 0.0, "startup": 0}
        failure: list[str] = []

        def drive() -> None:
            try:
                while app.ready_at is None:
                    time.sleep(0.01)
                time.sleep(STARTUP_S)                 # devices report in, the scale settles for the first time
                with cond:
                    before = idle["startup"] = len(presented)
                t_idle = time.perf_counter()
                time.sleep(idle_s)
                with cond:
                    idle["frames"] = len(presented) - before
                idle["seconds"] = time.perf_counter() - t_idle
                sim = devices.simulator("scanner")
                rng = random.Random(1)
                for k in range(1, scans + 1):
                    t0 = time.perf_counter()
                    sim.scan(codes[(k - 1) % len(codes)], "]E0")
                    with cond:
                        if not cond.wait_for(lambda: presented and presented[-1][1] >= k, timeout=5.0):
                            failure.append(f"scan {k} was not shown within 5 s")
                            return
                        frame_t = next(t for t, n, _ in presented if n >= k)
                        if bag and not cond.wait_for(lambda: presented[-1][2] == SCANNING, timeout=15.0):
                            failure.append(f"the item of scan {k} was not accepted in the bagging area within 15 s")
                            return
                    to_state.append(applied_at[k - 1] - t0)
                    to_frame.append(frame_t - t0)
                    time.sleep(gap_s * rng.uniform(0.5, 1.5))
            finally:
                app.running = False

        driver = threading.Thread(target=drive, daemon=True)
        driver.start()
        cpu0 = time.process_time()
        try:
            asyncio.run(app.main())
        finally:
            pygame.display.flip = real_flip
            devices.close_all()
            catalog.close()
            weights.close()
        driver.join(10)
        cpu = time.process_time() - cpu0
        state = lane.state
    how = ("each bagged by the simulated shopper (1 s after the scan) before the next" if bag else
           "bagging check off")
    print(f"2. scan -> frame presented: the LaneApp loop in this process, devices simulated, {len(to_frame)} scans "
          f"about {gap_s:g} s apart, {how}")
    if failure:
        print(f"   FAILED: {failure[0]}")
    if to_frame:
        print(f"   scanner pty -> new lane state:    {fmt_ms(to_state)}")
        print(f"   new lane state -> frame flipped:  {fmt_ms([f - s for f, s in zip(to_frame, to_state)])}")
        print(f"   scanner pty -> frame flipped:     {fmt_ms(to_frame)}   target p99 <= 20 ms")
    txn = state.txn
    print(f"   the lane ended in {state.mode} with {len(txn.lines) if txn else 0} lines, "
          f"{len(state.open_interventions)} open interventions; {app.frames} frames drawn in all, "
          f"CPU of this process over the run {cpu:.1f} s")
    print(f"   frames drawn while idle at the welcome screen: {idle['frames']} in {idle['seconds']:.1f} s "
          f"(and {idle['startup']} in the {STARTUP_S:g} s after READY)", flush=True)


# ------------------------------------------------------------------------------------------------------- idle CPU

def bench_idle(seconds: float) -> None:
    import psutil
    with tempfile.TemporaryDirectory() as d:
        cfg = demo_config(Path(d))
        screen_png = Path(d) / "data" / "screen.png"
        env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
        master, slave = os.openpty()
        with open(Path(d) / "stderr.log", "wb") as err:
            proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--config", str(cfg)],
                                    cwd=ROOT, env=env, stdin=slave, stdout=subprocess.PIPE, stderr=err)
        os.close(slave)
        try:
            assert proc.stdout is not None
            lines: queue.SimpleQueue = queue.SimpleQueue()
            # One reader keeps the demo's stdout drained; the READY line is looked for in what it reads.
            threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
            deadline = time.monotonic() + 60
            ready = False
            while not ready and time.monotonic() < deadline:
                try:
                    ready = lines.get(timeout=1.0).startswith(b"READY")
                except queue.Empty:
                    pass
            if not ready:
                print("3. idle CPU: the demo never printed READY; see its stderr:\n"
                      + (Path(d) / "stderr.log").read_text(errors="replace")[-2000:])
                return
            time.sleep(1.0)
            p = psutil.Process(proc.pid)

            def cpu_now() -> tuple[float, dict[int, float]]:
                total = sum(p.cpu_times()[:2])
                for child in p.children(recursive=True):
                    try:
                        total += sum(child.cpu_times()[:2])
                    except psutil.NoSuchProcess:
                        pass
                return total, {t.id: t.user_time + t.system_time for t in p.threads()}

            def png_mtime() -> int:
                try:
                    return screen_png.stat().st_mtime_ns
                except FileNotFoundError:
                    return 0

            cpu0, threads0 = cpu_now()
            t0 = time.monotonic()
            frames, last = 0, png_mtime()
            while time.monotonic() - t0 < seconds:
                time.sleep(0.1)
                m = png_mtime()
                if m != last:
                    frames, last = frames + 1, m
            cpu1, threads1 = cpu_now()
            wall = time.monotonic() - t0
            children = len(p.children(recursive=True))
            loop_share = threads1.get(proc.pid, 0.0) - threads0.get(proc.pid, 0.0)
            others = sorted(((threads1[t] - threads0.get(t, 0.0)) for t in threads1 if t != proc.pid), reverse=True)
            print(f"3. idle CPU of `kiosk demo --headless` at the welcome screen (stdin a pty), over {wall:.0f} s "
                  f"from 1 s after READY:")
            print(f"   {(cpu1 - cpu0) / wall * 100:5.2f} % of one core   target < 3 %")
            drawn = (f"screen.png rewritten {frames} times (frames drawn)" if last else
                     "no screen.png, frames drawn unknown")
            print(f"   loop thread {loop_share / wall * 100:.2f} %, {len(others)} other live threads "
                  f"{sum(others) / wall * 100:.2f} % (busiest {max(others, default=0.0) / wall * 100:.2f} %), "
                  f"the rest in threads that ended meanwhile; {children} child processes; {drawn}", flush=True)
        finally:
            try:
                os.write(master, b":quit\n")
                proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                proc.terminate()
                proc.wait(timeout=15)
            os.close(master)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=1000, help="frames per figure in (1)")
    ap.add_argument("--scans", type=int, default=150, help="scans in (2)")
    ap.add_argument("--scan-gap", type=float, default=0.2, help="seconds between scans in (2), on average")
    ap.add_argument("--bag", action="store_true",
                    help="in (2), bag every item (the demo's simulated shopper) and wait for it before the next scan")
    ap.add_argument("--idle-before-scans", type=float, default=3.0,
                    help="seconds the lane sits idle before the scans in (2), counting frames")
    ap.add_argument("--idle-seconds", type=float, default=60.0, help="length of the idle CPU window in (3)")
    ap.add_argument("--only", default="frames,scan,idle", help="which of frames, scan, idle (comma-separated)")
    args = ap.parse_args()
    which = set(args.only.split(","))
    unknown = which - {"frames", "scan", "idle"}
    if unknown:
        ap.error(f"--only: unknown {', '.join(sorted(unknown))}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, pygame {pygame.version.ver} "
          f"(SDL {'.'.join(map(str, pygame.get_sdl_version()))}), video driver dummy")
    if "frames" in which:
        bench_frames(args.frames)
    if "scan" in which:
        bench_scan(args.scans, args.scan_gap, args.idle_before_scans, args.bag)
    if "idle" in which:
        bench_idle(args.idle_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
