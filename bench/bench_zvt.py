"""ZVT figures: what the protocol costs per payment, with the terminal simulator answering at once (no shopper, no
bank), over TCP and over the serial pty; plus the codec alone.

An authorisation here is the whole exchange of a real one: the command, 80 00 00, three intermediate statuses, the
status information, two receipts as text blocks (or 20 print lines), the completion, and the client's
80 00 00 to each; on serial every block also gets its DLE framing, CRC and ACK. The target is <= 20 ms p99.

A pty does not pace bytes at the baud rate; the serial figures therefore show the protocol's cost, and the line time a
real 9600-baud cable adds (11 bits per byte with 2 stop bits) is printed beside them.

Run: ``python bench/bench_zvt.py`` (about ten seconds). Prints medians, 99th percentiles and rates; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hal.payment import apdu as ap  # noqa: E402
from hal.payment import bmp  # noqa: E402
from hal.payment.transport_serial import frame, unframe  # noqa: E402
from hal.registry import open_device  # noqa: E402

N = 300


def stats(name: str, samples: list[float], unit: str = "ms", scale: float = 1000.0) -> None:
    s = sorted(samples)
    p99 = s[min(len(s) - 1, int(len(s) * 0.99))]
    print(f"  {name:44s} median {statistics.median(s) * scale:8.3f} {unit}   p99 {p99 * scale:8.3f} {unit}"
          f"   max {s[-1] * scale:8.3f} {unit}   (n={len(s)})")


def bench_codec() -> None:
    status = bmp.encode([(0x27, 0), (0x04, 2040), (0x0B, 470), (0x0C, "223953"), (0x0D, "1006"), (0x0E, "2512"),
                         (0x17, 1), (0x19, 0x70), (0x22, "************4771"), (0x29, "28004869"),
                         (0x2A, "100461763"), (0x3B, "611804"), (0x49, 978), (0x87, 470), (0x88, 470),
                         (0x8A, 46), (0x8B, "Debit Mastercard")])
    raw = ap.encode(0x04, 0x0F, status)
    t = time.perf_counter()
    n = 20000
    for _ in range(n):
        bmp.decode(ap.decode(raw).data)
    dt = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(n // 4):
        unframe(frame(raw))
    dt2 = time.perf_counter() - t
    print("codec")
    print(f"  decode a {len(raw)}-byte status information      {dt / n * 1e6:8.1f} us   ({n / dt:,.0f}/s)")
    print(f"  frame + unframe it (serial, CRC bit by bit)    {dt2 / (n // 4) * 1e6:8.1f} us")


def bench_transport(url: str, **options) -> None:
    with open_device("payment", url, **options) as dev:
        for _ in range(20):                       # warm up: imports, first connection, caches
            dev.authorise(100)
        info0 = dev.health().info
        auth = []
        for i in range(N):
            t = time.perf_counter()
            result = dev.authorise(100 + i)
            auth.append(time.perf_counter() - t)
            if not result.approved:
                raise SystemExit(f"{url}: payment {i} was {result.outcome}")
        lines = len(result.receipt_lines)
        info1 = dev.health().info
        enq = []
        for _ in range(N // 3):
            t = time.perf_counter()
            dev.status_enquiry()
            enq.append(time.perf_counter() - t)
        rep = []
        for _ in range(N // 3):
            t = time.perf_counter()
            dev.repeat_receipt()
            rep.append(time.perf_counter() - t)
        label = url + (" " + " ".join(f"{k}={v}" for k, v in options.items()) if options else "")
        print(f"{label}  ({lines} receipt lines per payment)")
        stats("authorisation, whole exchange", auth)
        stats("status enquiry", enq)
        stats("repeat receipt", rep)
        print(f"  {'payments per second (one lane)':44s} {1 / statistics.mean(auth):8.0f}")
        if "bytes_read" in info1:
            per = (info1["bytes_read"] - info0["bytes_read"] + info1["bytes_written"] - info0["bytes_written"]) / N
            print(f"  {'bytes on the line per payment (both ways)':44s} {per:8.0f}   -> at 9600 baud 8N2 the cable "
                  f"alone needs about {per * 11 / 9600 * 1000:.0f} ms (half-duplex estimate)")
        assert len(dev.simulator.charges()) == N + 20


def main() -> None:
    bench_codec()
    bench_transport("sim:tcp")
    bench_transport("sim:serial")
    bench_transport("sim:tcp", textblock=False)
    bench_transport("sim:serial", textblock=False)


if __name__ == "__main__":
    main()
