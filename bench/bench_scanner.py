"""Scanner benchmarks: figures printed, never asserted (targets from the scanner issue).

    python bench/bench_scanner.py [--scans 2000] [--cycles 20]

1. serial over a pty: bytes of one code written on the simulator's side -> ScanData delivered to the listener,
   one code at a time, ``--scans`` codes (target p99 <= 1 ms); the same over pyserial's loop://, and for the HID
   driver over its FIFO wire (one code's key events written -> ScanData);
2. hot-plug: ``--cycles`` times unplug, wait until the driver reports OFFLINE, replug, and time replug -> ONLINE and
   replug -> first ScanData (the simulator scans every 2 ms until one arrives) (target <= 2 s).
"""

from __future__ import annotations

import argparse
import logging
import queue
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hal import events as ev  # noqa: E402
from hal.registry import open_device  # noqa: E402


class Inbox:
    """The listener: every event with the time it reached the listener."""

    def __init__(self) -> None:
        self.q: queue.Queue = queue.Queue()
        self.log: list[tuple[float, object]] = []

    def __call__(self, event: object) -> None:
        item = (time.monotonic(), event)
        self.log.append(item)
        self.q.put(item)

    def next(self, kind: type, timeout: float = 5.0, where=lambda e: True) -> tuple[float, object]:
        deadline = time.monotonic() + timeout
        while True:
            at, event = self.q.get(timeout=max(0.0, deadline - time.monotonic()))
            if isinstance(event, kind) and where(event):
                return at, event

    def drain(self) -> None:
        while not self.q.empty():
            self.q.get_nowait()


def ms(seconds: list[float]) -> str:
    s = sorted(seconds)
    p = lambda q: s[min(len(s) - 1, int(q * len(s)))] * 1000  # noqa: E731
    return f"p50 {p(0.50):.3f} ms  p99 {p(0.99):.3f} ms  max {s[-1] * 1000:.3f} ms  (n={len(s)})"


def latency(url: str, scans: int, send) -> tuple[list[float], list[float]]:
    """(write -> listener, write -> moment the driver read the suffix) for ``scans`` codes sent one at a time."""
    inbox = Inbox()
    to_listener, to_read = [], []
    with open_device("scanner", url, inbox) as scanner:
        for i in range(scans + 50):              # the first 50 warm up
            code = f"{4000000000000 + i:013d}"
            t0 = time.monotonic()
            send(scanner.simulator, code)
            at, scan = inbox.next(ev.ScanData)
            if scan.data != code:
                raise SystemExit(f"wrong code: sent {code}, got {scan.data}")
            if i >= 50:
                to_listener.append(at - t0)
                to_read.append(scan.t - t0)
    return to_listener, to_read


def send_serial(sim, code: str) -> None:
    sim.write_raw(code.encode() + b"\r")


def send_hid(sim, code: str) -> None:
    sim.scan(code)


def replug(url: str, cycles: int) -> tuple[list[float], list[float]]:
    inbox = Inbox()
    online, first = [], []
    with open_device("scanner", url, inbox) as scanner:
        sim = scanner.simulator
        for n in range(cycles):
            sim.command("unplug")
            inbox.next(ev.StatusUpdate, where=lambda e: e.status == ev.OFFLINE)
            inbox.drain()
            mark = len(inbox.log)
            t0 = time.monotonic()
            sim.command("replug")
            i = 0
            while True:
                sim.scan(f"{n:03d}{i:05d}")
                try:
                    at, _ = inbox.next(ev.ScanData, timeout=0.002)
                    break
                except queue.Empty:
                    i += 1
            first.append(at - t0)
            online.append(next(a for a, e in inbox.log[mark:]
                               if isinstance(e, ev.StatusUpdate) and e.status == ev.ONLINE) - t0)
    return online, first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scans", type=int, default=2000)
    ap.add_argument("--cycles", type=int, default=20)
    args = ap.parse_args()
    logging.getLogger("hal").setLevel(logging.ERROR)     # each unplug is logged as a warning; the figures matter here

    print(f"scanner latency, one code at a time, {args.scans} codes each:")
    for label, url, send, n in (("serial over a pty", "sim:serial", send_serial, args.scans),
                                ("serial over loop://", "sim:loop", send_serial, args.scans),
                                ("HID over its FIFO wire", "sim:hid?via=fifo", send_hid, args.scans)):
        to_listener, to_read = latency(url, n, send)
        print(f"  {label:24s} written -> listener   {ms(to_listener)}")
        print(f"  {'':24s} written -> suffix read {ms(to_read)}")

    print(f"hot-plug, {args.cycles} unplug/replug cycles (each waits for OFFLINE first):")
    for label, url in (("serial over a pty", "sim:serial"), ("HID over its FIFO wire", "sim:hid?via=fifo")):
        online, first = replug(url, args.cycles)
        print(f"  {label:24s} replug -> ONLINE      {ms(online)}")
        print(f"  {'':24s} replug -> first scan  {ms(first)}")


if __name__ == "__main__":
    main()
