"""Lane core benchmarks: figures printed, never asserted (targets from the lane-core issue).

    python bench/bench_lane.py [--lines 200] [--appends 2000] [--starts 5]

1. scan event -> new state: classify, catalog lookup, journal append (fsync excluded: synchronous=OFF), reducer,
   while a basket grows to ``--lines`` lines (target p99 <= 2 ms);
2. durable journal append (WAL, synchronous=FULL) p50 / p99;
3. recovering a transaction of ``--lines`` lines from the journal (fresh process state, newest snapshot at the
   transaction's start) (target <= 100 ms);
4. process start to ready: ``kiosk demo --headless`` until it prints READY (target <= 1.5 s);
5. resident memory of that process at ready, and of this process after selling the baskets (target <= 120 MB).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.catalog import Catalog  # noqa: E402
from kiosk.config import load  # noqa: E402
from kiosk.domain.barcodes import gtin_check_digit  # noqa: E402
from kiosk.domain.item import Item  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.lane.events import WeightSettled  # noqa: E402
from kiosk.lane.reducer import REDUCER_VERSION, initial_state, reduce  # noqa: E402
from kiosk.runtime import LaneRuntime  # noqa: E402
from benchkit import fmt_ms  # noqa: E402

CONFIG = ROOT / "config" / "lane.toml"


def make_catalog(path: Path, n: int) -> tuple[Catalog, list[str]]:
    items, codes = [], []
    for i in range(n):
        payload = f"401{i:09d}"
        code = payload + str(gtin_check_digit(payload))
        codes.append(code)
        items.append(Item(f"B{i:06d}", f"Artikel {i} 500 g", 99 + i % 400, 700 if i % 3 else 1900,
                          ("0" + code,), weight_g=200.0 + (i % 50) * 10, weight_tolerance_g=10.0,
                          deposit_cents=25 if i % 10 == 0 else 0))
    cat = Catalog.open(path)
    cat.import_items(items)
    return cat, codes


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


def sell(lane: LaneRuntime, clock: Clock, codes: list[str], lines: int, timings: list[float] | None = None):
    """Scan ``lines`` different items, each followed by its settled weight, as a shopper would."""
    lane.touch("start")
    weight = lane.state.bagging.accepted_g
    for code in codes[:lines]:
        clock.now += 2.0
        t0 = time.perf_counter()
        lane.scan(code, "]E0")
        if timings is not None:
            timings.append(time.perf_counter() - t0)
        exp = lane.state.bagging.expected
        weight += sum(e.weight_g or 0 for e in exp)
        clock.now += 1.0
        lane.weight(weight)


def bench_scan(codes, catalog, config, lines: int, rounds: int = 3) -> list[float]:
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as d:
        for r in range(rounds):
            clock = Clock()
            journal = Journal(Path(d) / f"scan{r}.db", durable=False)
            lane = LaneRuntime(config, journal, catalog, clock=clock)
            lane.start()
            sell(lane, clock, codes, lines, timings)
            journal.close()
    return timings


def bench_durable(n: int) -> list[float]:
    timings = []
    with tempfile.TemporaryDirectory() as d:
        with Journal(Path(d) / "durable.db", durable=True) as j:
            for i in range(n):
                ev = WeightSettled(float(i), 100.0 + i)
                t0 = time.perf_counter()
                j.append(ev)
                timings.append(time.perf_counter() - t0)
    return timings


def bench_recover(codes, catalog, config, lines: int, rounds: int = 15) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "recover.db"
        clock = Clock()
        journal = Journal(path, durable=False)
        lane = LaneRuntime(config, journal, catalog, clock=clock)
        lane.start()
        # A finished transaction first, so that the newest snapshot sits at the start of the one to recover.
        lane.touch("start")
        lane.touch("cancel")
        sell(lane, clock, codes, lines)
        n_events = journal.last_seq
        want = lane.state
        journal.close()
        timings = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            with Journal(path, durable=False) as j:
                rec = j.recover(initial_state(), reduce, REDUCER_VERSION)
            timings.append(time.perf_counter() - t0)
            if rec.state != want:
                raise SystemExit("recovered state differs from the lane's state: the benchmark is wrong")
        return timings, n_events - rec.from_snapshot


def bench_start(starts: int) -> tuple[list[float], list[float]]:
    import psutil
    times, rss = [], []
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    for _ in range(starts):
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--headless", "--exit-after", "0.5"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                stdin=subprocess.DEVNULL)
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY"):
                times.append(time.perf_counter() - t0)
                try:
                    rss.append(psutil.Process(proc.pid).memory_info().rss / 2**20)
                except psutil.NoSuchProcess:
                    pass
                break
        proc.wait(timeout=60)
    return times, rss


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--appends", type=int, default=2000)
    ap.add_argument("--starts", type=int, default=5)
    args = ap.parse_args()
    import psutil
    config = load(CONFIG)
    config = replace(config, settings=replace(config.settings, bag_timeout_s=1e6, idle_prompt_s=1e6))
    with tempfile.TemporaryDirectory() as d:
        catalog, codes = make_catalog(Path(d) / "cat.db", max(args.lines, 1000))
        print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        scan = bench_scan(codes, catalog, config, args.lines)
        print(f"scan -> new state (no fsync), basket to {args.lines} lines:  {fmt_ms(scan)}   target p99 <= 2 ms")
        durable = bench_durable(args.appends)
        print(f"durable journal append (WAL, FULL):        {fmt_ms(durable)}")
        rec, replayed = bench_recover(codes, catalog, config, args.lines)
        print(f"recover a {args.lines}-line transaction ({replayed} events): "
              f"median {statistics.median(rec) * 1000:.1f} ms, max {max(rec) * 1000:.1f} ms   target <= 100 ms")
        rss_here = psutil.Process().memory_info().rss / 2**20
        catalog.close()
    starts, rss = bench_start(args.starts)
    if starts:
        print(f"process start to ready (kiosk demo --headless): median {statistics.median(starts):.2f} s, "
              f"max {max(starts):.2f} s (n={len(starts)})   target <= 1.5 s")
    if rss:
        print(f"resident memory at ready: median {statistics.median(rss):.0f} MB   target <= 120 MB")
    print(f"resident memory of this process after {args.lines}-line baskets: {rss_here:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
