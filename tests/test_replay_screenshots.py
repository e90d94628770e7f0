"""`kiosk replay SCENARIO --screenshots DIR`: one PNG of the shopper's screen per screen change, in order.

The demo journey is replayed with screenshots: the files must be valid PNGs of the asked size, numbered in order and
named by the lane's mode, each different from the one before, starting at the welcome screen and passing through
scanning, payment, receipt and thank-you. The screens must follow the lane: the sequence of modes in the shots is the
sequence the journal's events lead through, every scan gives a new selling screen, and the words on the screens are
the lane's (the paid total on the receipt screen).
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402

from kiosk.cli import main  # noqa: E402
from kiosk.config import load  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.lane.reducer import initial_state, reduce  # noqa: E402
from kiosk.replay import parse_scenario, replay  # noqa: E402
from kiosk.ui.i18n import tr  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config" / "lane.toml"
JOURNEY = ROOT / "config" / "demo-journey.jsonl"
NAME = re.compile(r"^(\d{4})-([a-z_]+)\.png$")


def kiosk(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("SDL_VIDEODRIVER", None)          # the command must manage without being told there is no display
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=120)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk (the file's own header, not pygame's reading)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path.name} has no IHDR chunk first"
    return struct.unpack(">II", head[16:24])


def collapse(seq: list[str]) -> list[str]:
    return [m for i, m in enumerate(seq) if i == 0 or seq[i - 1] != m]


def test_replay_writes_one_png_per_screen_change(tmp_path):
    shots = tmp_path / "shots"
    r = kiosk("replay", str(JOURNEY), "--config", str(CONFIG), "--report", str(tmp_path / "r.json"),
              "--screenshots", str(shots))
    assert r.returncode == 0, r.stderr
    files = sorted(shots.iterdir())
    said = re.search(r"(\d+) screenshot\(s\) of 1280x800 written to", r.stdout)
    assert said and int(said.group(1)) == len(files), r.stdout
    assert len(files) >= 8
    names = [NAME.match(f.name) for f in files]
    assert all(names), [f.name for f in files]
    assert [int(m.group(1)) for m in names] == list(range(1, len(files) + 1))
    modes = [m.group(2) for m in names]
    assert modes[0] == "welcome"
    assert {"scanning", "bagging", "payment", "receipt", "thank_you"} <= set(modes)
    pixels = []
    for f in files:
        assert png_size(f) == (1280, 800)
        image = pygame.image.load(str(f))
        assert image.get_size() == (1280, 800)
        pixels.append(pygame.image.tobytes(image, "RGB"))
    for i in range(1, len(pixels)):
        assert pixels[i] != pixels[i - 1], f"{files[i].name} shows the same screen as {files[i - 1].name}"
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["transactions"][0]["status"] == "paid"      # screenshots change nothing of the replay


def test_the_screens_follow_the_lane_at_the_asked_size(tmp_path, sample_catalog):
    steps = parse_scenario(JOURNEY.read_text(encoding="utf-8").splitlines(), str(JOURNEY))
    journal = tmp_path / "journal.db"
    result = replay(steps, load(CONFIG), sample_catalog, journal_path=journal, scenario_name="journey",
                    screenshots=tmp_path / "shots", screen_size=(1024, 600))
    shots = result.screenshots
    assert [s.path for s in shots] == sorted((tmp_path / "shots").iterdir())
    assert all(png_size(s.path) == (1024, 600) for s in shots)
    # The modes the journal's events lead through, in order, are the modes of the screenshots.
    state, lived = initial_state(), []
    with Journal(journal) as j:
        for _seq, event in j.events():
            state, _ = reduce(state, event)
            lived.append(state.mode)
    assert collapse([s.mode for s in shots]) == collapse(lived[1:])      # [0] is the closed lane before its start
    assert lived[-1] == "welcome" and shots[-1].mode == "welcome"
    # Every scan shows a new selling screen; consecutive shots never show the same words in the same mode.
    scans = sum(1 for s in steps if s.kind == "scan")
    assert sum(1 for s in shots if s.mode in ("scanning", "bagging")) >= scans
    assert all((a.mode, a.texts) != (b.mode, b.texts) for a, b in zip(shots, shots[1:]))
    assert tr("de", "welcome.title") in shots[0].texts
    total = result.report["transactions"][0]["total_cents"]
    (receipt,) = [s for s in shots if s.mode == "receipt"]
    assert tr("de", "receipt.success") in receipt.texts
    assert any(f"{total // 100},{total % 100:02d}" in text for text in receipt.texts), receipt.texts
    (thanks,) = [s for s in shots if s.mode == "thank_you"]
    assert thanks.t > receipt.t and any(tr("de", "thanks.title") in text for text in thanks.texts)


def test_the_report_stays_on_standard_output_and_a_bad_size_is_refused(tmp_path, capsys):
    r = kiosk("replay", str(JOURNEY), "--config", str(CONFIG), "--screenshots", str(tmp_path / "s"),
              "--size", "1024x600")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["final_mode"] == "welcome"
    assert re.search(r"\d+ screenshot\(s\) of 1024x600 written to", r.stderr)
    assert all(png_size(p) == (1024, 600) for p in (tmp_path / "s").glob("*.png"))
    capsys.readouterr()
    for bad in ("1280", "1280x", "wide", "100x100", "0x800", "1280x800x2"):
        rc = main(["replay", str(JOURNEY), "--config", str(CONFIG), "--screenshots", str(tmp_path / "t"),
                   "--size", bad])
        err = capsys.readouterr().err
        assert rc == 2 and f"--size {bad!r}: expected WIDTHxHEIGHT" in err, (bad, err)
    assert not (tmp_path / "t").exists()


def test_a_replay_without_screenshots_does_not_load_pygame(tmp_path):
    code = ("import sys; from kiosk.cli import main; "
            f"rc = main(['replay', {str(JOURNEY)!r}, '--config', {str(CONFIG)!r}, '--report', "
            f"{str(tmp_path / 'r.json')!r}]); print('pygame loaded' if 'pygame' in sys.modules else 'no pygame'); "
            "sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("no pygame")
