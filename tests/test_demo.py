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
