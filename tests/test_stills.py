"""Camera stills of alerts are found by alert and deleted after at most 72 hours, and nothing else is ever deleted.

Real files in a temporary directory, their ages set with ``os.utime``; the clock is passed in (``now``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from kiosk import stills
from kiosk.stills import RETENTION_S, prune, still_for, still_name

NOW = 1_750_000_000.0
HOUR = 3600.0


def put(path: Path, age_s: float, data: bytes = b"\xff\xd8\xff\xe0jpeg") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


def test_the_retention_is_72_hours():
    assert RETENTION_S == 72 * 3600


def test_stills_older_than_72_hours_go_and_younger_ones_stay(tmp_path):
    old = put(tmp_path / "3-alert-1.jpg", 72 * HOUR + 1)
    older = put(tmp_path / "3-alert-2.JPEG", 200 * HOUR)
    young = put(tmp_path / "3-alert-3.jpg", 72 * HOUR - 1)
    fresh = put(tmp_path / "3-alert-4.jpg", 0)

    deleted = prune(tmp_path, now=NOW)

    assert deleted == sorted([old, older])
    assert not old.exists() and not older.exists()
    assert young.exists() and fresh.exists()
    assert prune(tmp_path, now=NOW) == []                       # nothing left to do


def test_a_still_exactly_72_hours_old_is_kept_until_it_is_older(tmp_path):
    edge = put(tmp_path / "3-alert-9.jpg", 72 * HOUR)
    assert prune(tmp_path, now=NOW) == []
    assert prune(tmp_path, now=NOW + 1) == [edge]


def test_the_age_limit_and_the_clock_can_be_given(tmp_path):
    a = put(tmp_path / "a.jpg", 2 * HOUR)
    b = put(tmp_path / "b.jpg", 30 * 60)
    assert prune(tmp_path, max_age_s=HOUR, now=NOW) == [a]
    assert b.exists()
    # Without ``now`` the wall clock is used: a still written just now is young, one from NOW is long gone.
    c = tmp_path / "wall" / "c.jpg"
    c.parent.mkdir()
    c.write_bytes(b"jpeg")
    assert prune(c.parent, max_age_s=HOUR) == []
    assert c.exists()
    assert prune(tmp_path, max_age_s=HOUR) == [b]


def test_only_jpegs_in_the_directory_itself_are_deleted(tmp_path):
    journal = put(tmp_path / "lane.db", 500 * HOUR)
    note = put(tmp_path / "README.txt", 500 * HOUR)
    nested = put(tmp_path / "keep" / "3-alert-5.jpg", 500 * HOUR)
    folder = tmp_path / "looks-like.jpg"
    folder.mkdir()
    os.utime(folder, (NOW - 500 * HOUR, NOW - 500 * HOUR))

    assert prune(tmp_path, now=NOW) == []
    assert journal.exists() and note.exists() and nested.exists() and folder.is_dir()


def test_a_symlink_is_never_followed_out_of_the_directory(tmp_path):
    outside = put(tmp_path / "elsewhere" / "precious.jpg", 500 * HOUR)
    stills_dir = tmp_path / "stills"
    stills_dir.mkdir()
    link = stills_dir / "3-alert-6.jpg"
    link.symlink_to(outside)
    os.utime(link, (NOW - 500 * HOUR, NOW - 500 * HOUR), follow_symlinks=False)
    dangling = stills_dir / "3-alert-7.jpg"
    dangling.symlink_to(tmp_path / "gone.jpg")

    assert prune(stills_dir, now=NOW) == []
    assert outside.read_bytes().startswith(b"\xff\xd8")
    assert link.is_symlink() and dangling.is_symlink()
    assert still_for(stills_dir, "3", 6) is None                 # a link is not the lane's still


def test_a_missing_directory_has_nothing_to_prune(tmp_path):
    assert prune(tmp_path / "never-made", now=NOW) == []


def test_a_still_that_vanishes_meanwhile_is_skipped(tmp_path, monkeypatch):
    gone = put(tmp_path / "3-alert-1.jpg", 100 * HOUR)
    other = put(tmp_path / "3-alert-2.jpg", 100 * HOUR)
    real_unlink = os.unlink

    def racing_unlink(path, *args, **kwargs):
        if Path(path) == gone:
            real_unlink(path)                                    # someone else deleted it first
            raise FileNotFoundError(path)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(stills.os, "unlink", racing_unlink)
    assert prune(tmp_path, now=NOW) == [other]
    assert not gone.exists() and not other.exists()


def test_a_still_that_cannot_be_deleted_does_not_stop_the_others(tmp_path, monkeypatch, caplog):
    stuck = put(tmp_path / "3-alert-1.jpg", 100 * HOUR)
    other = put(tmp_path / "3-alert-2.jpg", 100 * HOUR)
    real_unlink = os.unlink

    def refusing_unlink(path, *args, **kwargs):
        if Path(path) == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(stills.os, "unlink", refusing_unlink)
    assert prune(tmp_path, now=NOW) == [other]
    assert stuck.exists()
    assert "3-alert-1.jpg" in caplog.text


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg"])
def test_the_still_of_an_alert_is_found_by_lane_and_intervention(tmp_path, suffix):
    path = put(tmp_path / f"3-alert-12{suffix}", 0)
    put(tmp_path / "3-alert-1.jpg", 0)
    put(tmp_path / "4-alert-12.jpg", 0)
    assert still_for(tmp_path, "3", 12) == path
    assert still_for(tmp_path, "3", 13) is None
    assert still_for(tmp_path / "missing", "3", 12) is None


def test_the_still_the_lane_takes_for_an_alert_is_found_and_later_pruned(tmp_path):
    """Through the lane's own devices: a file camera, ``take_still`` on its worker thread, then find and prune."""
    import cv2
    import numpy as np

    from kiosk.config import LaneConfig
    from kiosk.devices import Done, LaneDevices

    frames = tmp_path / "frames"
    frames.mkdir()
    assert cv2.imwrite(str(frames / "f-000.png"), np.full((48, 64, 3), 90, np.uint8))
    config = LaneConfig(path=None, lane_id="3", data_dir=tmp_path / "data",
                        devices={"camera": f"file://{frames}/*.png?fps=0"})
    devices = LaneDevices(config)
    devices.open_all()
    try:
        assert "camera" in devices.devices, devices.failures
        devices.take_still(f"{config.lane_id}-alert-12")      # what the application does when it calls an attendant
        done = None
        for _ in range(500):
            done = next((item for family, item in devices.drain() if isinstance(item, Done)), None)
            if done is not None:
                break
            time.sleep(0.01)
        assert done is not None and done.ok, done
    finally:
        devices.close_all()
    path = still_for(devices.stills, "3", 12)
    assert path is not None and path.name == still_name("3", 12)
    assert path.read_bytes()[:2] == b"\xff\xd8"                  # a JPEG
    assert prune(devices.stills) == []                         # just taken: kept
    made = path.stat().st_mtime
    assert prune(devices.stills, now=made + RETENTION_S + 1) == [path]
    assert still_for(devices.stills, "3", 12) is None


def test_a_pruned_still_is_no_longer_found(tmp_path):
    put(tmp_path / still_name("kasse-2", 7), 73 * HOUR)
    assert still_for(tmp_path, "kasse-2", 7) is not None
    prune(tmp_path, now=NOW)
    assert still_for(tmp_path, "kasse-2", 7) is None
