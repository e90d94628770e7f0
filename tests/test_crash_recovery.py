"""SIGKILL the lane after every journal append of a scripted transaction, restart it, and check what it shows.

The lane runs as a real process (``kiosk replay --durable`` on the scenario below) and kills itself with SIGKILL
right after its k-th journal append (``KIOSK_CRASH_AT=append:k``: the event is on disk, the reducer has not seen it)
or right after applying it (``reduce:k``: effects and snapshot done). A second process then recovers the lane from
the journal, as a restart does, and must show exactly the state the lane had after the k-th event: the state that
an uninterrupted run reached at that point. A torn WAL write (the file cut inside the last frame) loses only that
last event, never half of it.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kiosk.catalog import open_for_replay
from kiosk.config import load
from kiosk.domain.barcodes import gtin_check_digit
from kiosk.journal import Journal
from kiosk.lane.plain import to_plain
from kiosk.lane.reducer import initial_state, reduce
from kiosk.replay import parse_scenario, replay
from lanekit import ITEMS

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "lane.toml"


def _code(item) -> str:
    return item.gtins[0][1:]


def _voucher() -> str:
    payload = "98000042" + "0150"
    return payload + str(gtin_check_digit(payload))


MILK, BEER, VODKA, CRATE, GOUDA, ROLL = ITEMS
SCENARIO = [
    {"t": 0.0, "scale": 0},
    {"t": 1.0, "touch": "start"},
    {"t": 2.0, "scan": _code(MILK), "aim": "]E0"},
    {"t": 3.0, "scale": 1033},
    {"t": 5.0, "scan": _code(BEER)},
    {"t": 6.5, "scale": 1555},
    {"t": 8.0, "attendant": "verify_age", "pin": "1234"},
    {"t": 9.0, "scan": "2812347012503"},
    {"t": 10.0, "scale": 2807},
    {"t": 11.0, "scale": 3200},
    {"t": 14.0, "scale": 2806},
    {"t": 15.0, "scan": _voucher()},
    {"t": 16.0, "scan": _code(CRATE)},
    {"t": 17.0, "scan": "4006381333932"},
    {"t": 18.0, "touch": "void_last"},
    {"t": 19.0, "card": "decline"},
    {"t": 20.0, "touch": "pay"},
    {"t": 25.0, "touch": "pay"},
    {"t": 30.0, "touch": "receipt", "arg": "paper"},
    {"t": 40.0, "scan": _code(ROLL)},
    {"t": 41.0, "scale": 2870},
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The scenario, its catalog as a CSV file, and the states of an uninterrupted run after every event."""
    d = tmp_path_factory.mktemp("crash")
    scenario = d / "scenario.jsonl"
    scenario.write_text("\n".join(json.dumps(s) for s in SCENARIO) + "\n")
    catalog = d / "catalog.csv"
    with catalog.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "gtin", "name", "price", "vat", "deposit", "weight_g", "weight_tolerance_g", "min_age",
                    "flags", "plu"])
        for it in ITEMS:
            w.writerow([it.sku, "|".join(g.lstrip("0") for g in it.gtins), it.name, f"{it.price_cents / 100:.2f}",
                        it.vat_bp // 100, f"{it.deposit_cents / 100:.2f}" if it.deposit_cents else "",
                        it.weight_g or "", it.weight_tolerance_g or "", it.min_age or "", "|".join(it.flags),
                        it.plu or ""])
    reference = d / "reference.db"
    steps = parse_scenario(scenario.read_text().splitlines())
    config = load(CONFIG)
    with open_for_replay(catalog, config) as cat:
        result = replay(steps, config, cat, journal_path=reference)
    assert result.report["transactions"][0]["status"] == "paid", "the scripted transaction must complete"
    with Journal(reference) as j:
        events = [ev for _seq, ev in j.events()]
    states, state = [], initial_state()
    for ev in events:
        state, _ = reduce(state, ev)
        states.append(json.loads(json.dumps(to_plain(state))))
    return {"dir": d, "scenario": scenario, "catalog": catalog, "events": events, "states": states}


def _kiosk(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def _crash(world, point: str, k: int, journal: Path) -> subprocess.CompletedProcess:
    """Run the scripted lane durably into ``journal`` until it kills itself at ``point:k``."""
    env = dict(os.environ, KIOSK_CRASH_AT=f"{point}:{k}")
    return _kiosk("replay", str(world["scenario"]), "--config", str(CONFIG), "--catalog", str(world["catalog"]),
                  "--journal", str(journal), "--durable", env=env)


def _crash_and_recover(world, point: str, k: int) -> tuple[int, dict, int, str]:
    journal = world["dir"] / f"{point}-{k}.db"
    run = _crash(world, point, k, journal)
    recovered = _kiosk("journal", "state", "--journal", str(journal), "--config", str(CONFIG))
    assert recovered.returncode == 0, recovered.stderr
    with Journal(journal) as j:
        rows = j.count()
    return run.returncode, json.loads(recovered.stdout), rows, run.stderr


def test_the_scripted_transaction_is_long_enough(world):
    assert len(world["events"]) >= 25


@pytest.mark.slow
@pytest.mark.parametrize("point", ["append", "reduce"])
def test_sigkill_after_every_journal_append_loses_nothing(world, point):
    n = len(world["events"])
    ks = range(1, n + 1) if point == "append" else range(1, n + 1, 3)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda k: (k, _crash_and_recover(world, point, k)), ks))
    table = []
    for k, (rc, recovered, rows, stderr) in results:
        assert rc == -signal.SIGKILL, f"crash {point}:{k} did not happen (rc={rc}): {stderr[-500:]}"
        assert rows == k, f"after a crash at append {k} the journal holds {rows} events"
        assert recovered["last_seq"] == k
        assert recovered["state"] == world["states"][k - 1], f"state after crash {point}:{k} differs"
        table.append(f"{k}:{world['events'][k - 1].__class__.__name__}")
    print(f"\ncrash points checked ({point}): " + ", ".join(table))


@pytest.mark.slow
def test_a_torn_wal_write_loses_only_the_last_event(world):
    k = 12
    journal = world["dir"] / "torn.db"
    run = _crash(world, "append", k, journal)
    assert run.returncode == -signal.SIGKILL
    wal = Path(str(journal) + "-wal")
    size = wal.stat().st_size
    assert size > 0, "the killed lane left its WAL behind"
    with wal.open("r+b") as f:
        f.truncate(size - 100)              # the last frame was being written when the power went
    recovered = _kiosk("journal", "state", "--journal", str(journal), "--config", str(CONFIG))
    assert recovered.returncode == 0, recovered.stderr
    state = json.loads(recovered.stdout)
    assert state["last_seq"] == k - 1
    assert state["state"] == world["states"][k - 2]


@pytest.mark.slow
def test_a_restarted_lane_continues_the_sale_it_had(world):
    """After a crash in the middle of the basket, the restarted lane shows the basket and sells on."""
    k = 14
    journal = world["dir"] / "resume.db"
    run = _crash(world, "append", k, journal)
    assert run.returncode == -signal.SIGKILL
    before = world["states"][k - 1]
    rest = world["dir"] / "rest.jsonl"
    rest.write_text("\n".join(json.dumps(s) for s in [
        {"t": 100.0, "touch": "pay"},
        {"t": 110.0, "touch": "receipt", "arg": "none"},
    ]) + "\n")
    report_path = world["dir"] / "rest-report.json"
    cont = _kiosk("replay", str(rest), "--config", str(CONFIG), "--catalog", str(world["catalog"]),
                  "--journal", str(journal), "--report", str(report_path))
    assert cont.returncode == 0, cont.stderr
    report = json.loads(report_path.read_text())
    txn_lines = [ln for ln in before["txn"]["lines"] if ln.get("qty", 0) > 0]
    assert report["transactions"], "the recovered transaction is reported"
    first = report["transactions"][0]
    assert first["id"] == before["txn"]["number"]
    assert len(first["lines"]) == len(txn_lines)
