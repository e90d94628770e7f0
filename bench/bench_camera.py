"""Camera decoder benchmark: zxing-cpp against ZBar (pyzbar) on the same 640x480 frames, in one run.

    python bench/bench_camera.py [--frames 300] [--empty 100] [--rounds 2] [--passes 120] [--seed 7]

The frames come from ``hal.camera.scene``: EAN-13 labels of varying size (module 1.2 to 4 px), position, rotation
(up to 40 degrees), sensor noise, focus blur and motion smear, plus empty frames (counter only, or a packet whose
label is smudged unreadable). Every decoder decodes the same greyscale frames; printed per decoder: frames per second
over all frames, time per frame (p50/p99) for frames with and without a code, the share of codes read correctly,
wrong reads, and the read rate by module size. Target: >= 100 frames/s for EAN-13 frames on this machine.
Then packets are moved through the picture as a shopper does, and each decoder's reads go through the scanner's own
in-view rule (:class:`hal.scanner.camera.InView`): the share of passes scanned, wrong reports, and the frame of the
pass at which the scan was reported. ``hal.scanner.camera`` sets its default decoder from these figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from hal.camera.scene import Scene, make_product, with_check_digit  # noqa: E402
from hal.scanner.camera import InView  # noqa: E402
from hal.scanner.decode import make_decoder  # noqa: E402

CONFIGS = (("zxing", "retail"), ("zxing", "all"), ("zbar", "retail"), ("zbar", "all"))
SIZE_BANDS = ((0.0, 1.6), (1.6, 2.2), (2.2, 3.0), (3.0, 9.0))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def make_frames(n_code: int, n_empty: int, seed: int):
    """[(grey frame, expected code or None, module px)], code frames first, then empty ones."""
    rng = np.random.default_rng(seed)
    scene = Scene(seed=seed)
    frames = []
    for _ in range(n_code):
        code = with_check_digit("".join(str(d) for d in rng.integers(0, 10, 12)))
        module = int(rng.choice([2, 3, 4]))
        product = make_product(code, module, colour=tuple(int(c) for c in rng.integers(20, 200, 3)))
        scale = float(rng.uniform(0.6, 1.0)) if module > 2 else float(rng.uniform(0.6, 1.3))
        eff = module * scale
        # Level, a little crooked, steeply turned, or a packet held on its side.
        angle = float(rng.choice([0.0, rng.uniform(-12, 12), rng.uniform(-40, 40), 90 + rng.uniform(-10, 10)]))
        # Keep the whole packet in the picture: a code cut by the frame edge is not a fair test of a decoder.
        pw, ph = product.size
        rad = np.radians(abs(angle))
        half_w = (pw * np.cos(rad) + ph * np.sin(rad)) * scale / 2
        half_h = (pw * np.sin(rad) + ph * np.cos(rad)) * scale / 2
        fit = min(1.0, (scene.width - 4) / (half_w * 2), (scene.height - 4) / (half_h * 2))
        scale, half_w, half_h, eff = scale * fit, half_w * fit, half_h * fit, module * scale * fit
        x = float(rng.uniform(min(half_w, scene.width / 2), max(scene.width - half_w, scene.width / 2)))
        y = float(rng.uniform(min(half_h, scene.height / 2), max(scene.height - half_h, scene.height / 2)))
        frame = scene.render(product, x=x, y=y, angle=angle, scale=scale, noise=float(rng.uniform(2, 14)),
                             blur=float(rng.choice([0.0, rng.uniform(0.3, 1.2)])),
                             motion=int(rng.choice([0, 0, 3, 5])), brightness=float(rng.uniform(0.7, 1.2)))
        frames.append((cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), code, eff))
    for i in range(n_empty):
        if i % 2:
            frame = scene.render(noise=float(rng.uniform(2, 14)))
        else:
            smudged = make_product(with_check_digit("400638133393"), 3, damage=0.35, rng=rng)
            frame = scene.render(smudged, angle=float(rng.uniform(-20, 20)), scale=float(rng.uniform(0.7, 1.0)))
        frames.append((cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), None, 0.0))
    return frames


def run(name: str, symbologies: str, frames, rounds: int) -> dict:
    decoder = make_decoder(name, symbologies)
    for grey, _, _ in frames[:10]:          # warm up caches and lazy initialisation
        decoder.decode(grey)
    code_t, empty_t = [], []
    right = wrong = 0
    by_band = {band: [0, 0] for band in SIZE_BANDS}
    total_t = 0.0
    for r in range(rounds):
        for grey, code, eff in frames:
            t0 = time.perf_counter()
            found = decoder.decode(grey)
            dt = time.perf_counter() - t0
            total_t += dt
            (code_t if code else empty_t).append(dt)
            if r:
                continue
            datas = {d.data for d in found}
            wrong += len(datas - {code})
            if code:
                ok = code in datas
                right += ok
                band = next(b for b in SIZE_BANDS if b[0] <= eff < b[1])
                by_band[band][0] += ok
                by_band[band][1] += 1
    n_code = sum(1 for _, c, _ in frames if c)
    return {"name": f"{name}/{symbologies}", "fps": len(frames) * rounds / total_t,
            "code_fps": len(code_t) / sum(code_t) if code_t else 0.0, "code_t": code_t, "empty_t": empty_t,
            "rate": right / n_code if n_code else 0.0, "wrong": wrong, "bands": by_band}


def make_passes(n: int, seed: int):
    """[(frames of one pass, code)]: a packet moved in, held for a moment with a shaking hand, moved out."""
    rng = np.random.default_rng(seed + 1)
    scene = Scene(seed=seed + 1)
    passes = []
    for _ in range(n):
        code = with_check_digit("".join(str(d) for d in rng.integers(0, 10, 12)))
        product = make_product(code, int(rng.choice([2, 3])), colour=tuple(int(c) for c in rng.integers(20, 200, 3)))
        angle = float(rng.choice([0.0, rng.uniform(-25, 25), 90 + rng.uniform(-10, 10)]))
        scale = float(rng.uniform(0.7, 1.0))
        noise, blur = float(rng.uniform(2, 12)), float(rng.choice([0.0, rng.uniform(0.3, 1.0)]))
        frames = []
        for args in scene.passing(product, 6, 8, 6, angle=angle):
            if "motion" not in args:           # held still: the hand still shakes a little
                args = {**args, "x": args["x"] + rng.uniform(-6, 6), "motion": int(rng.choice([0, 0, 2, 3]))}
            frame = scene.render(product, **args, y=scene.height / 2 + rng.uniform(-8, 8), scale=scale,
                                 noise=noise, blur=blur)
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
        passes.append((frames, code))
    return passes


def run_passes(name: str, passes, confirms=(1, 2, 3)) -> list[dict]:
    """Each pass through the scanner's own in-view rule, for several ``confirm`` settings (reads in that many
    frames before a code is reported): passes read, wrong codes reported, frame of the pass at which it was."""
    decoder = make_decoder(name)
    decoded = [[decoder.decode(grey) for grey in frames] for frames, _ in passes]
    results = []
    for confirm in confirms:
        read, wrong, latency = 0, 0, []
        for (_, code), per_frame in zip(passes, decoded):
            view = InView(confirm=confirm, gone=15)
            reported = [(i, d.data) for i, found in enumerate(per_frame) for d in view.update(found)]
            wrong += sum(1 for _, data in reported if data != code)
            hits = [i for i, data in reported if data == code]
            if hits:
                read += 1
                latency.append(hits[0])
        results.append({"name": name, "confirm": confirm, "read": read / len(passes), "wrong": wrong,
                        "latency": latency})
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=300, help="frames with an EAN-13")
    ap.add_argument("--empty", type=int, default=100, help="frames without a readable code")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--passes", type=int, default=120, help="packets moved through the picture (20 frames each)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    cv2.setNumThreads(1)
    t0 = time.perf_counter()
    frames = make_frames(args.frames, args.empty, args.seed)
    print(f"{len(frames)} frames 640x480 ({args.frames} EAN-13, {args.empty} empty) made in "
          f"{time.perf_counter() - t0:.1f} s; {args.rounds} rounds each, one thread\n")
    results = [run(name, sym, frames, args.rounds) for name, sym in CONFIGS]
    print(f"{'decoder':14s} {'all fr/s':>9s} {'EAN fr/s':>9s} {'EAN p50':>8s} {'EAN p99':>8s} {'empty p50':>10s} "
          f"{'empty p99':>10s} {'read':>6s} {'wrong':>6s}")
    for res in results:
        code_ms, empty_ms = [t * 1000 for t in res["code_t"]], [t * 1000 for t in res["empty_t"]]
        print(f"{res['name']:14s} {res['fps']:9.1f} {res['code_fps']:9.1f} {statistics.median(code_ms):6.2f}ms "
              f"{pct(code_ms, 99):6.2f}ms {statistics.median(empty_ms):8.2f}ms {pct(empty_ms, 99):8.2f}ms "
              f"{res['rate'] * 100:5.1f}% {res['wrong']:6d}")
    print("\nread rate by module size (pixels per narrowest bar):")
    print(f"{'decoder':14s} " + " ".join(f"{f'{lo:.1f}-{hi:.1f}px':>14s}" for lo, hi in SIZE_BANDS))
    for res in results:
        cells = []
        for band in SIZE_BANDS:
            ok, n = res["bands"][band]
            cells.append(f"{(ok / n * 100 if n else 0):5.1f}% of {n:3d}")
        print(f"{res['name']:14s} " + " ".join(f"{c:>14s}" for c in cells))

    passes = make_passes(args.passes, args.seed)
    print(f"\n{args.passes} packets passing the camera (6 frames in, 8 held with a shaking hand, 6 out), each "
          f"decoder's reads through the scanner's rule (report a code once read in `confirm` frames):")
    for name in ("zxing", "zbar"):
        for res in run_passes(name, passes):
            lat = res["latency"]
            print(f"{name:6s} confirm {res['confirm']}:  passes read {res['read'] * 100:5.1f}%   wrong codes "
                  f"reported {res['wrong']:2d}   reported at frame p50 {statistics.median(lat) if lat else 0:.0f}, "
                  f"max {max(lat) if lat else 0} of 20")


if __name__ == "__main__":
    main()
