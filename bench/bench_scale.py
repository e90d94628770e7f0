"""Bagging-scale benchmark: how fast and how right the HX711 path reports a placement (figures, never asserted).

    python bench/bench_scale.py [--placements 1000] [--seed 1] [--rates 10 80] [--real 0]

The whole path runs: the load-cell physics model (hal.scale.sim.LoadCellModel, its default demo parameters) ->
the pin-level HX711 chip simulator on a gpiozero MockFactory -> the real Hx711 driver bit-banging it (24 bits,
gain pulses, plausibility checks) -> the shared ScaleProcessor (calibration, median of 5, stability detector with
its defaults: 0.5 s window, 3 g band) -> STABLE events.

Clock: VIRTUAL. Chip, model and driver read one simulated clock; the loop jumps from one conversion to the next and
lets the driver notice DOUT after a random delay up to its real polling interval (period / 8), so a thousand
placements take seconds and every run with the same seed repeats. ``--real N`` adds N placements at 80 SPS on the
real clock (driver thread, ``sim:hx711``) as a cross-check of the virtual figures.

Placements: item weights log-uniform 20 g .. 5 kg; 70 % set down (the hand lets go over 0 .. 0.3 s), 10 % dropped
(overshoot), 10 % followed by a vibration burst (a trolley bumping the lane, 20 .. 80 g, 0.5 .. 1.5 s), 10 % with a
hand leaning on the rail (100 .. 1500 g for 1 .. 3 s). When the load passes 10 kg the bags are lifted out.

Figures: time from the placement to the first STABLE event after it (median, p90, p99, max; misses = no STABLE
within 8 s), and the share of placements whose first STABLE (and whose last STABLE before the next action) is
within +-2 g (2 d) of the true load and of the item's weight as a change.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hal import events as ev  # noqa: E402
from hal.scale.hx711 import Hx711  # noqa: E402
from hal.scale.sim import LoadCellModel  # noqa: E402
from hal.scale.sim_hx711 import Hx711Simulator  # noqa: E402

TOL_G = 2.0
HORIZON_S = 8.0


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def plan(rng: random.Random, n: int):
    """(item grams, kind, parameters) for n placements."""
    out = []
    for _ in range(n):
        grams = round(math.exp(rng.uniform(math.log(20), math.log(5000))), 1)
        r = rng.random()
        if r < 0.7:
            out.append((grams, "place", {"ramp_s": rng.uniform(0.0, 0.3)}))
        elif r < 0.8:
            out.append((grams, "drop", {"overshoot": rng.uniform(0.8, 2.0)}))
        elif r < 0.9:
            out.append((grams, "vibration", {"seconds": rng.uniform(0.5, 1.5), "amplitude_g": rng.uniform(20, 80),
                                             "delay_s": rng.uniform(0.0, 0.5)}))
        else:
            out.append((grams, "lean", {"seconds": rng.uniform(1.0, 3.0), "grams": rng.uniform(100, 1500)}))
    return out


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))
    return values[k]


def run_virtual(rate: int, n: int, seed: int) -> dict:
    clock = VirtualClock()
    model = LoadCellModel(random.Random(seed))
    sim = Hx711Simulator(model=model, rate=rate, clock=clock, seed=seed)
    sim.start()
    stable: list[tuple[float, float]] = []         # (time reported, grams)

    def listener(e):
        if isinstance(e, ev.WeightEvent) and e.kind == ev.STABLE:
            stable.append((clock.now, e.grams))

    device = Hx711(f"hx711:?dout={sim.dout}&sck={sim.sck}&rate={rate}", listener, pin_factory=sim.factory,
                   calibration=sim.calibration(), clock=clock, sleep=clock.advance, reader_thread=False)
    device.open()
    rng = random.Random(seed + 100)
    poll_s = min(0.01, max(0.0005, 1.0 / rate / 8))

    def run_until(t_end: float) -> None:
        while True:
            t_next = max(sim.chip.next_conversion, clock.now) + rng.uniform(0.0, poll_s)
            if t_next > t_end:
                clock.now = max(clock.now, t_end)
                return
            clock.now = t_next
            device.poll_once(waited_s=poll_s)

    run_until(3.0)
    results = []
    last_reported = stable[-1][1] if stable else 0.0
    for grams, kind, p in plan(random.Random(seed), n):
        if model.load_g > 10_000:                  # bags lifted out: not measured, just let it settle
            model.remove(clock.now, model.load_g)
            run_until(clock.now + 4.0)
            last_reported = stable[-1][1] if stable else 0.0
        t0 = clock.now
        busy_until = t0
        if kind == "place":
            model.place(t0, grams, ramp_s=p["ramp_s"])
        elif kind == "drop":
            model.drop(t0, grams, overshoot=p["overshoot"])
        elif kind == "vibration":
            model.place(t0, grams)
            model.vibrate(t0 + p["delay_s"], p["seconds"], p["amplitude_g"])
            busy_until = t0 + p["delay_s"] + p["seconds"]
        else:
            model.place(t0, grams)
            model.lean(t0, p["seconds"], p["grams"])
            busy_until = t0 + p["seconds"]
        before = len(stable)
        run_until(max(t0 + 4.0, busy_until + 3.0))
        after = [(t, g) for t, g in stable[before:] if t - t0 <= HORIZON_S]
        truth = model.load_g - device.processor.zero_g
        first = after[0] if after else None
        last = stable[-1] if len(stable) > before else None
        results.append({
            "kind": kind, "grams": grams,
            "latency": first[0] - t0 if first else None,
            "first_abs": first is not None and abs(first[1] - truth) <= TOL_G,
            "first_delta": first is not None and abs(first[1] - last_reported - grams) <= TOL_G,
            "last_abs": last is not None and abs(last[1] - truth) <= TOL_G,
        })
        if last is not None:
            last_reported = last[1]
    device.close()
    sim.stop()
    return summarize(results)


def run_real(n: int, seed: int) -> dict:
    from hal.registry import open_device
    model = LoadCellModel(random.Random(seed))
    stable: list[tuple[float, float]] = []

    def listener(e):
        if isinstance(e, ev.WeightEvent) and e.kind == ev.STABLE:
            stable.append((time.monotonic(), e.grams))

    device = open_device("scale", "sim:hx711?rate=80", listener, model=model)
    time.sleep(2.0)
    results = []
    last_reported = stable[-1][1] if stable else 0.0
    rng = random.Random(seed)
    for _ in range(n):
        if model.load_g > 10_000:
            model.remove(time.monotonic(), model.load_g)
            time.sleep(3.0)
            last_reported = stable[-1][1] if stable else 0.0
        grams = round(math.exp(rng.uniform(math.log(20), math.log(5000))), 1)
        before = len(stable)
        t0 = time.monotonic()
        model.place(t0, grams, ramp_s=rng.uniform(0.0, 0.3))
        time.sleep(3.0)
        after = stable[before:]
        truth = model.load_g - device.processor.zero_g
        first = after[0] if after else None
        results.append({"kind": "place", "grams": grams, "latency": first[0] - t0 if first else None,
                        "first_abs": first is not None and abs(first[1] - truth) <= TOL_G,
                        "first_delta": first is not None and abs(first[1] - last_reported - grams) <= TOL_G,
                        "last_abs": bool(after) and abs(after[-1][1] - truth) <= TOL_G})
        if after:
            last_reported = after[-1][1]
    info = device.health().info
    device.close()
    out = summarize(results)
    out["driver"] = {k: info[k] for k in ("reads", "discarded", "rejected_jumps", "saturated", "chip_resets")}
    return out


def summarize(results: list[dict]) -> dict:
    lat = [r["latency"] for r in results if r["latency"] is not None]
    share = {k: sum(r[k] for r in results) / len(results) for k in ("first_abs", "first_delta", "last_abs")}
    by_kind = {}
    for kind in sorted({r["kind"] for r in results}):
        rs = [r for r in results if r["kind"] == kind]
        kl = [r["latency"] for r in rs if r["latency"] is not None]
        by_kind[kind] = (len(rs), statistics.median(kl) if kl else float("nan"),
                         sum(r["first_abs"] for r in rs) / len(rs))
    return {"n": len(results), "misses": len(results) - len(lat),
            "median": statistics.median(lat) if lat else float("nan"),
            "p90": percentile(lat, 90), "p99": percentile(lat, 99), "max": max(lat) if lat else float("nan"),
            **share, "by_kind": by_kind}


def report(title: str, r: dict) -> None:
    print(f"{title}: {r['n']} placements, {r['misses']} without a STABLE within {HORIZON_S:g} s")
    print(f"  placement -> STABLE  median {r['median']:.2f} s   p90 {r['p90']:.2f} s   p99 {r['p99']:.2f} s   "
          f"max {r['max']:.2f} s")
    print(f"  first STABLE within ±{TOL_G:g} g of the load: {100 * r['first_abs']:.1f} %   "
          f"of the item as a change: {100 * r['first_delta']:.1f} %   "
          f"last STABLE before the next action right: {100 * r['last_abs']:.1f} %")
    for kind, (n, med, ok) in r["by_kind"].items():
        print(f"    {kind:10s} n={n:4d}  median {med:.2f} s  first STABLE right {100 * ok:.1f} %")
    if "driver" in r:
        print(f"  driver: {r['driver']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--placements", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rates", type=int, nargs="+", default=[10, 80])
    ap.add_argument("--real", type=int, default=0, help="placements on the real clock at 80 SPS (3 s each)")
    args = ap.parse_args()
    for rate in args.rates:
        started = time.perf_counter()
        r = run_virtual(rate, args.placements, args.seed)
        report(f"HX711 {rate} SPS, virtual clock ({time.perf_counter() - started:.1f} s to run)", r)
    if args.real:
        report("HX711 80 SPS, real clock (driver thread)", run_real(args.real, args.seed))


if __name__ == "__main__":
    main()
