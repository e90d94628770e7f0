"""Catalog benchmark: import a generated catalog of N items, then time GTIN look-ups the way the scan path does them.

Prints figures only (no timed asserts). Usage: ``python bench/bench_catalog.py [--items N] [--lookups M]``.
The generated file is German-Excel flavoured (``;``, decimal commas, BOM) so the slow paths of a real import run too.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.catalog import Catalog  # noqa: E402
from kiosk.domain.barcodes import gtin_check_digit  # noqa: E402

CATEGORIES = ["Molkerei", "Brot & Backwaren", "Obst & Gemüse", "Getränke", "Süßwaren", "Tiefkühl", "Drogerie",
              "Haushalt", "Konserven", "Kaffee & Tee", "Fleisch & Wurst", "Käse", "Tiernahrung", "Spirituosen"]
WORDS = ["Bio", "Vollmilch", "Käse", "Brot", "Apfel", "Saft", "Nudeln", "Reis", "Schokolade", "Kaffee", "Tee",
         "Wasser", "Bier", "Joghurt", "Butter", "Müsli", "Seife", "Shampoo", "Tomaten", "Gurken", "Öl", "Essig"]


def write_catalog(path: Path, n: int, seed: int = 1) -> list[str]:
    """A ``;``-separated CSV of ``n`` items in shuffled order; returns every GTIN-14 written."""
    rng = random.Random(seed)
    order = list(range(n))
    rng.shuffle(order)  # real exports are not sorted by GTIN, and that is what the indexes feel
    gtins = []
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["sku", "gtin", "name", "name_de", "name_en", "name_nl", "price", "vat", "deposit",
                    "weight_g", "weight_tolerance_g", "min_age", "flags", "plu", "category"])
        for k in order:
            gtin13 = f"40{k:010d}"
            gtin13 += str(gtin_check_digit(gtin13))
            gtins.append(gtin13.zfill(14))
            a, b = WORDS[k % len(WORDS)], WORDS[(k // len(WORDS)) % len(WORDS)]
            price = 49 + (k * 37) % 2000
            w.writerow([
                f"SKU{k:07d}", gtin13, f"{a} {b} {k}", f"{a} {b} {k}", f"{b} {a} {k}", "",
                f"{price // 100},{price % 100:02d}", "19" if k % 3 == 0 else "7", "0,25" if k % 10 == 0 else "",
                str(100 + k % 900), "10", "18" if k % 50 == 0 else "", "high_value" if k % 97 == 0 else "",
                "", CATEGORIES[k % len(CATEGORIES)],
            ])
    return gtins


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=100_000)
    args = ap.parse_args()
    proc = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        src = Path(tmp) / "catalog.csv"
        t0 = time.perf_counter()
        gtins = write_catalog(src, args.items)
        print(f"generated   {args.items} items, {src.stat().st_size / 1e6:.0f} MB CSV in "
              f"{time.perf_counter() - t0:.1f} s")
        rss_before = proc.memory_info().rss
        with Catalog.open(Path(tmp) / "catalog.db") as catalog:
            t0 = time.perf_counter()
            report = catalog.import_file(src)
            took = time.perf_counter() - t0
            rss_import = proc.memory_info().rss
            print(f"import      {report.imported} items in {took:.2f} s "
                  f"({report.imported / took:,.0f} items/s, validation included)")
            print(f"database    {os.path.getsize(catalog.path) / 1e6:.0f} MB")
            print(f"rss         {rss_before / 1e6:.0f} MB before import, {rss_import / 1e6:.0f} MB after "
                  f"(peak of the process so far {_peak_rss() / 1e6:.0f} MB)")

            rng = random.Random(2)
            sample = [gtins[rng.randrange(len(gtins))] for _ in range(args.lookups)]
            lookup = catalog.lookup_gtin
            for g in sample[:1000]:  # warm the page cache the way a running lane has it
                lookup(g)
            times = []
            clock = time.perf_counter_ns
            for g in sample:
                t = clock()
                item = lookup(g)
                times.append(clock() - t)
                if item is None:
                    raise SystemExit(f"lookup of {g} found nothing")
            times.sort()
            us = [t / 1000 for t in times]
            print(f"lookup_gtin {len(us)} random look-ups: p50 {statistics.median(us):.1f} us, "
                  f"p99 {us[int(len(us) * 0.99) - 1]:.1f} us, max {us[-1]:.1f} us")
            for text in ("käse", "bio saft 12"):
                t = time.perf_counter()
                hits = catalog.search(text, limit=20)
                print(f"search      {text!r}: {len(hits)} hits in {(time.perf_counter() - t) * 1000:.0f} ms")
        print(f"rss         {proc.memory_info().rss / 1e6:.0f} MB at the end")


def _peak_rss() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except ImportError:  # pragma: no cover - not on Linux
        return 0


if __name__ == "__main__":
    main()
