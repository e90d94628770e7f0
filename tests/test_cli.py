"""The `kiosk` command as technicians and scripts use it: replay, journal tools, clear errors for bad input."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "lane.toml"
JOURNEY = ROOT / "config" / "demo-journey.jsonl"


def kiosk(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, input=stdin,
                          cwd=ROOT, timeout=120)


def test_replay_reports_every_transaction_in_the_documented_format(tmp_path):
    out = tmp_path / "report.json"
    r = kiosk("replay", str(JOURNEY), "--config", str(CONFIG), "--report", str(out))
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    (txn,) = report["transactions"]
    assert txn["status"] == "paid" and txn["id"] == 1
    assert {"sku", "qty", "amount_cents"} <= set(txn["lines"][0])
    assert txn["total_cents"] == sum(ln["amount_cents"] for ln in txn["lines"])
    assert sum(v["gross_cents"] for v in txn["vat"]) == txn["total_cents"]
    assert {v["rate"] for v in txn["vat"]} == {7, 19}
    assert all(v["net_cents"] + v["tax_cents"] == v["gross_cents"] for v in txn["vat"])
    assert txn["payments"][0]["outcome"] == "approved" and txn["payments"][0]["amount_cents"] == txn["total_cents"]
    (age,) = [i for i in txn["interventions"] if i["kind"] == "age_check"]
    assert age["resolved_by"] == "attendant:anna" and age["t_resolved"] == 13.0
    assert report["double_charges"] == 0


def test_replay_is_deterministic(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert kiosk("replay", str(JOURNEY), "--config", str(CONFIG), "--report", str(a)).returncode == 0
    assert kiosk("replay", str(JOURNEY), "--config", str(CONFIG), "--report", str(b)).returncode == 0
    assert a.read_text() == b.read_text()


def test_a_bad_scenario_line_is_named(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"t": 0, "touch": "start"}\n{"t": 1, "scan": "400"}\n{"t": 2, scan}\n')
    r = kiosk("replay", str(bad), "--config", str(CONFIG))
    assert r.returncode == 2 and f"{bad}:3: not JSON" in r.stderr
    bad.write_text('{"t": 5, "touch": "start"}\n{"t": 1, "touch": "pay"}\n')
    r = kiosk("replay", str(bad), "--config", str(CONFIG))
    assert r.returncode == 2 and ":2: t=1 goes back in time" in r.stderr
    bad.write_text('{"t": 1, "card": "maybe"}\n')
    r = kiosk("replay", str(bad), "--config", str(CONFIG))
    assert r.returncode == 2 and "'card' must be one of" in r.stderr
    r = kiosk("replay", str(tmp_path / "missing.jsonl"), "--config", str(CONFIG))
    assert r.returncode == 2 and "no such scenario file" in r.stderr


def test_journal_show_export_and_verify(tmp_path):
    journal = tmp_path / "j.db"
    assert kiosk("replay", str(JOURNEY), "--config", str(CONFIG), "--journal", str(journal),
                 "--report", str(tmp_path / "r.json")).returncode == 0
    show = kiosk("journal", "show", "--journal", str(journal), "--last", "0", "--state")
    assert show.returncode == 0, show.stderr
    assert "Gouda mittelalt vom Stück" in show.stdout and "PaymentResult" in show.stdout
    assert '"mode": "welcome"' in show.stdout
    one = kiosk("journal", "show", "--journal", str(journal), "--txn", "1", "--last", "0")
    assert "Scanned" in one.stdout and "LaneStarted" not in one.stdout
    export = kiosk("journal", "export", "--journal", str(journal))
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert rows[0]["type"] == "LaneStarted" and [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert kiosk("journal", "verify", "--journal", str(journal)).returncode == 0
    db = sqlite3.connect(journal)
    db.execute("UPDATE events SET body = body || ' ' WHERE seq = 5")
    db.commit()
    db.close()
    v = kiosk("journal", "verify", "--journal", str(journal))
    assert v.returncode == 1 and "row 5 is bad" in v.stdout and "4 good rows" in v.stdout


def test_a_missing_journal_is_an_error_not_an_empty_one(tmp_path):
    r = kiosk("journal", "show", "--journal", str(tmp_path / "none.db"))
    assert r.returncode == 2 and "no journal here" in r.stderr


def test_hash_pin_reads_the_pin_from_standard_input():
    r = kiosk("attendant", "hash-pin", stdin="2468\n")
    assert r.returncode == 0 and r.stdout.startswith("scrypt$16384$8$1$")
    from kiosk.attendants import verify_pin
    assert verify_pin("2468", r.stdout.strip()) and not verify_pin("2469", r.stdout.strip())
    assert kiosk("attendant", "hash-pin", stdin="12\n").returncode == 2


def test_the_readme_diagram_is_the_transition_table():
    r = kiosk("lane", "diagram")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```mermaid\n(.*?)```", readme, re.S)
    assert block, "README.md has a mermaid block"
    assert block.group(1).strip() == r.stdout.strip(), "regenerate it with `kiosk lane diagram`"


def test_the_lane_without_a_display_stops_with_what_to_do_instead_of_running_blind():
    import os
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = "dummy"
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "run"], capture_output=True, text=True, env=env,
                       timeout=60, cwd=ROOT)
    assert r.returncode == 2
    assert "no display" in r.stderr and "python3-pygame" in r.stderr and "--headless" in r.stderr
