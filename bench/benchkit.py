"""Small helpers the benchmarks share: a nearest-rank percentile and a one-line summary of timings."""

from __future__ import annotations

import statistics


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fmt_ms(values: list[float]) -> str:
    """Seconds in, a p50 / p99 / max line in milliseconds out."""
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):7.3f} ms  p99 {pct(ms, 99):7.3f} ms  max {max(ms):7.3f} ms  (n={len(ms)})"
