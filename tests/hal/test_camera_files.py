"""The file:// camera: a recording of image files played back, and a spool directory a producer writes into."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from hal import events as ev
from hal.camera.errors import CameraNotFound, CameraUnavailable
from hal.errors import DeviceNotFound, DeviceUnavailable
from hal.registry import open_device
from halkit import wait_for


def picture(n: int, size=(48, 64)) -> np.ndarray:
    """A frame that says which one it is: every pixel is (n, 255 - n, 7)."""
    img = np.empty((*size, 3), np.uint8)
    img[:] = (n, 255 - n, 7)
    return img


def number(frame: np.ndarray) -> int:
    return int(frame[0, 0, 0])


def write(path, n: int) -> None:
    assert cv2.imwrite(str(path), picture(n))


@pytest.fixture
def recording(tmp_path):
    # Written out of order: the camera must play them sorted by name.
    for n in (3, 0, 4, 1, 2):
        write(tmp_path / f"frame-{n:03d}.png", n * 10)
    return tmp_path


def test_a_recording_plays_in_name_order_and_stays_on_its_last_picture(recording):
    with open_device("camera", f"file://{recording}/*.png?fps=0&loop=0") as cam:
        seen = [number(cam.frame()) for _ in range(5)]
        assert seen == [0, 10, 20, 30, 40]
        assert not cam.finished
        last = cam.frame()
        assert number(last) == 40 and cam.finished
        assert cam.frame() is last          # nothing new: the very same frame, so a reader can skip it


def test_a_looping_recording_starts_again_after_its_last_picture(recording):
    with open_device("camera", f"file://{recording}/*.png?fps=0") as cam:
        assert [number(cam.frame()) for _ in range(7)] == [0, 10, 20, 30, 40, 0, 10]


def test_a_recording_played_at_its_frame_rate_moves_forward_in_time(recording):
    with open_device("camera", f"file://{recording}/*.png?fps=40&loop=0") as cam:
        seen = []
        def reached_the_end():
            n = number(cam.frame())
            if not seen or seen[-1] != n:
                seen.append(n)
            return cam.finished
        wait_for(reached_the_end, what="the end of the recording")
        assert seen == sorted(seen) and seen[-1] == 40


def test_grey_frames_are_two_dimensional(recording):
    with open_device("camera", f"file://{recording}/*.png?fps=0&gray=1") as cam:
        assert cam.frame().shape == (48, 64)


def test_unreadable_files_are_skipped_not_fatal(recording):
    (recording / "frame-001x.png").write_bytes(b"not a picture at all")
    good = (recording / "frame-002.png").read_bytes()
    (recording / "frame-002x.png").write_bytes(good[: len(good) // 3])     # truncated in the middle
    with open_device("camera", f"file://{recording}/*.png?fps=0&loop=0") as cam:
        seen = [number(cam.frame()) for _ in range(8)]
    assert [n for i, n in enumerate(seen) if i == 0 or seen[i - 1] != n] == [0, 10, 20, 30, 40]
    assert cam.skipped >= 1


def test_no_matching_files_is_a_missing_camera_that_names_the_pattern(tmp_path):
    with pytest.raises(CameraNotFound) as exc:
        open_device("camera", f"file://{tmp_path}/*.png")
    assert isinstance(exc.value, DeviceNotFound)
    assert f"{tmp_path}/*.png" in str(exc.value)


def test_a_jpeg_still_decodes_to_a_picture_of_the_camera_size(recording):
    with open_device("camera", f"file://{recording}/*.png?fps=0") as cam:
        cam.frame()
        jpeg = cam.still_jpeg(quality=80)
    assert jpeg[:2] == b"\xff\xd8"
    decoded = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (48, 64, 3)
    assert abs(int(decoded[0, 0, 0]) - 0) <= 3 and abs(int(decoded[0, 0, 1]) - 255) <= 3


class Spool:
    """A producer writing frames the way the camera simulator does: under a temporary name, then renamed."""

    def __init__(self, directory):
        self.dir = directory
        self.n = 0

    def put(self, value: int) -> None:
        self.n += 1
        tmp = self.dir / f".f-{self.n:06d}.tmp"
        ok, buf = cv2.imencode(".png", picture(value))
        tmp.write_bytes(buf.tobytes())
        os.replace(tmp, self.dir / f"f-{self.n:06d}.png")


def test_following_a_spool_returns_each_new_frame_once_starting_with_the_newest(tmp_path):
    spool = Spool(tmp_path)
    for v in (1, 2, 3):
        spool.put(v)
    with open_device("camera", f"file://{tmp_path}/*.png?follow=1") as cam:
        first = cam.frame()
        assert number(first) == 3                  # the backlog is history, the camera shows now
        assert cam.frame() is first                # nothing new yet
        for v in (4, 5, 6):
            spool.put(v)
        assert [number(cam.frame()) for _ in range(3)] == [4, 5, 6]


def test_a_spool_directory_that_goes_away_is_an_unplugged_camera(tmp_path, lane):
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    spool = Spool(spool_dir)
    spool.put(9)
    with open_device("camera", f"file://{spool_dir}/*.png?follow=1", lane) as cam:
        cam.frame()
        spool_dir.rename(tmp_path / "away")
        with pytest.raises(CameraUnavailable) as exc:
            cam.frame()
        assert isinstance(exc.value, DeviceUnavailable)
        assert cam.status == ev.OFFLINE
        (tmp_path / "away").rename(spool_dir)
        spool.put(11)
        assert number(cam.frame()) == 11
        assert cam.status == ev.ONLINE
    assert lane.statuses() == [ev.ONLINE, ev.OFFLINE, ev.ONLINE]


def test_following_a_directory_that_does_not_exist_says_to_start_the_producer(tmp_path):
    with pytest.raises(CameraNotFound, match="kiosk sim camera"):
        open_device("camera", f"file://{tmp_path}/nothing/*.png?follow=1")
