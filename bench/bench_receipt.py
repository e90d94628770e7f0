"""Receipt figures: a 50-line German receipt composed, laid out, rendered to ESC/POS and sent to the printer simulator.

Run: ``python bench/bench_receipt.py`` (a few seconds). Prints medians and 99th percentiles for each step and for the
whole job - summary to document to bytes, then ``print_job`` through the real escpos+tcp driver to the simulated
printer, confirmed by process ID - against the target of 30 ms per receipt. Asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from hal.registry import open_device  # noqa: E402
from kiosk.receipt import escpos  # noqa: E402
from kiosk.receipt.content import ReceiptOptions, compose  # noqa: E402
from kiosk.receipt.layout import layout  # noqa: E402
from kiosk.receipt.text import to_text  # noqa: E402
from receiptkit import BERLIN, STORE, URL, fifty_lines  # noqa: E402

TARGET_MS = 30.0
ROUNDS = 200


def stats(name: str, samples: list[float]) -> float:
    s = sorted(samples)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    med = statistics.median(s)
    print(f"  {name:46s} median {med * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms   (n={len(s)})")
    return p99


def timed(fn, rounds: int = ROUNDS) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    summary = fifty_lines()
    options = ReceiptOptions(tz=BERLIN, qr_url=URL)
    doc = compose(summary, STORE, options)
    data, text = escpos.render_with_text(doc, "TM-T88V")          # warm-up: imports python-escpos and its profiles
    print(f"receipt of {len(summary.lines)} lines: {len(layout(doc, 42))} printed lines, {len(data)} bytes (80 mm)")
    stats("compose (summary -> document)", timed(lambda: compose(summary, STORE, options)))
    stats("layout, 42 columns", timed(lambda: layout(doc, 42)))
    stats("plain text (screen, log)", timed(lambda: to_text(doc, 42)))
    stats("ESC/POS bytes (ReceiptBuilder, TM-T88V)", timed(lambda: escpos.render(doc, "TM-T88V")))
    stats("ESC/POS bytes, 58 mm Font B", timed(lambda: escpos.render(doc, "TM-T88V", width_mm=58, font="b")))

    for url in ("sim:tcp", "sim:tcp?width_mm=58"):
        dev = open_device("printer", url, watch=0)
        try:
            n = [0]

            def whole_job() -> None:
                n[0] += 1
                data, _ = escpos.job(summary, STORE, options, profile=dev.profile_name, width_mm=dev.width_mm)
                result = dev.print_job(f"bench-{n[0]}", data)
                if result.outcome != "printed":
                    raise SystemExit(f"{url}: job {n[0]} {result.outcome}: {result.message}")

            print(f"{url} (driver + simulator over TCP)")
            p99 = stats("build and send (compose .. print_job printed)", timed(whole_job))
            printed = dev.simulator.receipts()[-1]
            assert URL in printed and "€" in printed
            verdict = "within" if p99 <= TARGET_MS / 1000 else "OVER"
            print(f"  {'target':46s} <= {TARGET_MS:.0f} ms: p99 {verdict} target; "
                  f"{len(dev.simulator.receipts())} receipts printed")
        finally:
            dev.close()


if __name__ == "__main__":
    main()
