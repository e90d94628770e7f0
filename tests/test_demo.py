"""The demo lane as a person starts it on a machine without a display: headless, a screenshot per screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_headless_demo_sells_a_basket_and_shows_every_screen(tmp_path):
    config = tmp_path / "lane.toml"
    text = (ROOT / "config" / "lane.toml").read_text(encoding="utf-8")
    text = text.replace('data_dir = "../var/demo"', f'data_dir = "{tmp_path / "data"}"')
    text = text.replace('seed = "catalog.csv"', f'seed = "{ROOT / "config" / "catalog.csv"}"')
    config.write_text(text, encoding="utf-8")
    shots = tmp_path / "shots"
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    r = subprocess.run([sys.executable, "-m", "kiosk.cli", "demo", "--config", str(config), "--headless",
                        "--speed", "2", "--screenshots", str(shots)], capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, cwd=ROOT, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "runs headless" in r.stdout and "READY lane demo-1" in r.stdout
    assert (tmp_path / "data" / "screen.png").stat().st_size > 10_000
    modes = {p.stem.split("-", 1)[1] for p in shots.glob("*.png")}
    assert {"welcome", "scanning", "bagging", "payment", "receipt", "thank_you"} <= modes
    (receipt,) = (tmp_path / "data" / "receipts").glob("*.txt")
    text = receipt.read_text(encoding="utf-8")
    assert "SUMME" in text and "Pfand" in text and "Leergutbon" in text
    state = subprocess.run([sys.executable, "-m", "kiosk.cli", "journal", "state", "--config", str(config)],
                           capture_output=True, text=True, cwd=ROOT, timeout=60)
    recovered = json.loads(state.stdout)["state"]
    assert recovered["mode"] == "welcome" and recovered["last_closed"] == 1


@pytest.mark.slow
def test_the_demo_serves_its_console_and_restarts_when_an_attendant_asks(tmp_path):
    """The embedded console as a person finds it: the address printed, a sign-in, the lane on the page; a
    technician's restart starts the lane again with the same journal."""
    import urllib.request
    config = tmp_path / "lane.toml"
    text = (ROOT / "config" / "lane.toml").read_text(encoding="utf-8")
    text = text.replace('data_dir = "../var/demo"', f'data_dir = "{tmp_path / "data"}"')
    text = text.replace('seed = "catalog.csv"', f'seed = "{ROOT / "config" / "catalog.csv"}"')
    config.write_text(text, encoding="utf-8")
    idle = tmp_path / "idle.jsonl"
    idle.write_text("", encoding="utf-8")              # a scenario with nothing in it: the lane waits
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "demo", "--config", str(config), "--headless",
                             "--script", str(idle), "--exit-after", "60", "--console", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT)

    def line_with(words: str) -> str:
        for line in proc.stdout:
            if words in line:
                return line
        raise AssertionError(f"the demo ended without printing {words!r}")

    try:
        url = line_with("Attendant console: http://127.0.0.1:").split("Attendant console: ")[1].split()[0]
        origin = url.rstrip("/")

        def call(path, body=None, cookie="", csrf=""):
            req = urllib.request.Request(url + path, json.dumps(body).encode() if body is not None else None,
                                         {"Content-Type": "application/json", "Origin": origin, "Cookie": cookie,
                                          "X-CSRF-Token": csrf})
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.headers.get("Set-Cookie", ""), json.loads(r.read())

        with urllib.request.urlopen(url, timeout=20) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
        _, cookie, signed = call("login", {"attendant": "tim", "pin": "9999"})
        session = cookie.split(";")[0]
        _, _, snap = call("api/lanes", cookie=session)
        (lane,) = snap["lanes"]
        assert lane["lane"] == "demo-1" and lane["online"] and lane["mode"] == "welcome"
        status, _, _ = call("api/command", {"lane": "demo-1", "command": "restart"}, session, signed["csrf"])
        assert status == 202
        line_with("Restarting the demo lane")
        line_with("READY lane demo-1")                # the same lane, started again
        again = line_with("Attendant console: http://127.0.0.1:")
        assert again.startswith("Attendant console:")
    finally:
        proc.kill()
        proc.wait(timeout=20)
    from kiosk.config import load
    from kiosk.journal import Journal
    from kiosk.lane.events import AttendantCommand, LaneStarted
    with Journal(load(config).journal_path) as journal:
        events = [ev for _, ev in journal.events()]
    assert [type(ev) for ev in events if isinstance(ev, (LaneStarted, AttendantCommand))] == \
        [LaneStarted, AttendantCommand, LaneStarted]
    assert [(ev.command, ev.attendant, ev.via) for ev in events if isinstance(ev, AttendantCommand)] == \
        [("restart", "tim", "console")]
