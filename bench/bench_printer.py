"""Receipt printer figures: rendering a receipt, the simulator's parse rate, and status / job round trips of the real
escpos+tcp and escpos+serial drivers against the simulator.

Run: ``python bench/bench_printer.py`` (a few seconds). Prints medians, 99th percentiles and rates; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from hal.printer.emulator import EscPosDevice  # noqa: E402
from hal.printer.receipt import render  # noqa: E402
from hal.registry import open_device  # noqa: E402

LOGO = Image.new("1", (384, 120), 1)


def typical_receipt(n: int = 0) -> bytes:
    def build(r):
        r.image(LOGO)
        r.line("Bäckerei Müller GmbH", align="center", bold=True, size=(2, 2))
        r.line("Hauptstraße 1, 12345 Musterstadt", align="center")
        r.rule()
        for i in range(25):
            r.row(f"Artikel {i:02d} Vollkornbrötchen", f"{i},{i:02d} €")
        r.rule()
        r.row("SUMME", "123,45 €", bold=True, size=(1, 2))
        r.row("MwSt 7 %", "8,08 €").row("MwSt 19 %", "1,23 €")
        r.barcode(f"40063813{n % 10000:04d}")
        r.qr(f"https://kiosk.example/r/{n:08d}")
        r.line("Vielen Dank für Ihren Einkauf!", align="center").cut()
    return render("TM-T88V", build)


def stats(name: str, samples: list[float], unit: str = "ms", scale: float = 1000.0) -> None:
    s = sorted(samples)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    print(f"  {name:42s} median {statistics.median(s) * scale:8.2f} {unit}   p99 {p99 * scale:8.2f} {unit}"
          f"   (n={len(s)})")


def bench_render() -> bytes:
    typical_receipt()                     # the first receipt pays for importing python-escpos and its profiles
    times = []
    for i in range(60):
        t = time.perf_counter()
        data = typical_receipt(i)
        times.append(time.perf_counter() - t)
    print(f"render (python-escpos Dummy), {len(data)} bytes per receipt")
    stats("ReceiptBuilder -> bytes", times)
    return data


def bench_emulator(data: bytes) -> None:
    dev = EscPosDevice()
    rounds = 200
    t = time.perf_counter()
    for _ in range(rounds):
        dev.feed(data)
    dt = time.perf_counter() - t
    print("simulator parse (no wire)")
    print(f"  {'receipts parsed':42s} {rounds / dt:8.0f} receipts/s   {len(data) * rounds / dt / 1e6:6.2f} MB/s")


def bench_driver(url: str) -> None:
    dev = open_device("printer", url, watch=0)
    try:
        status = []
        for _ in range(300):
            t = time.perf_counter()
            dev.status()
            status.append(time.perf_counter() - t)
        jobs = []
        t0 = time.perf_counter()
        for i in range(100):
            data = typical_receipt(i)
            t = time.perf_counter()
            result = dev.print_job(f"bench-{i}", data)
            jobs.append(time.perf_counter() - t)
            if result.outcome != "printed":
                raise SystemExit(f"{url}: job {i} {result.outcome}: {result.message}")
        total = time.perf_counter() - t0
        dup = []
        for i in range(100):
            t = time.perf_counter()
            dev.print_job(f"bench-{i}", b"")
            dup.append(time.perf_counter() - t)
        printed = len(dev.simulator.receipts())
        print(f"{url} (driver + simulator, {printed} receipts printed)")
        stats("status() = DLE EOT 1..4 round trips", status)
        stats("print_job, confirmed by process ID", jobs)
        stats("print_job of an id already printed", dup)
        print(f"  {'jobs per second (incl. rendering)':42s} {100 / total:8.1f} jobs/s")
        if url.endswith("serial"):
            wire = len(typical_receipt()) * 10 / 19200
            print(f"  (a pty has no baud rate: at 19200 baud this receipt alone needs {wire:.1f} s on the wire)")
    finally:
        dev.close()


def main() -> None:
    data = bench_render()
    bench_emulator(data)
    for url in ("sim:tcp", "sim:serial"):
        bench_driver(url)


if __name__ == "__main__":
    main()
