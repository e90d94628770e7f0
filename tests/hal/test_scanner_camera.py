"""The camera scanner: a packet moved through the camera's view is scanned once, not once per frame; again after
it has left and come back; smudged labels and a covered lens give nothing; the camera's OFFLINE is the scanner's."""

from __future__ import annotations

import time

import cv2
import pytest

from hal import events as ev
from hal.camera.scene import Scene, make_product
from hal.errors import BadDeviceURL, DeviceNotFound
from hal.registry import open_device
from hal.scanner.camera import CameraScanner, InView, camera_url
from hal.scanner.decode import Decoded
from halkit import wait_for

MILK = "4006381333931"
BREAD = "96385074"
# 30 frames/s, a packet moved in over 5 frames, held still for 6, moved out over 5, "gone" after 0.3 s (9 frames):
# a pass takes about two thirds of a second.
SIM = "sim:camera?fps=30&move=5&hold=6&gone=0.3"


def played_out(scanner) -> None:
    """Wait until the simulator has written its scene and the scanner has decoded all of it."""
    sim, camera = scanner.simulator, scanner.camera
    wait_for(lambda: sim.idle and camera.last_file is not None and camera.last_file >= sim.scene_end,
             what="the scanner reaching the end of the scene")
    decoded = scanner.frames
    wait_for(lambda: scanner.frames >= decoded + 2, what="the last frame of the scene decoded")


@pytest.mark.parametrize("decoder", ["zxing", "zbar"])
def test_a_packet_passing_the_camera_is_scanned_once_and_again_when_it_comes_back(decoder, lane):
    with open_device("scanner", f"{SIM}&decoder={decoder}", lane) as scanner:
        assert isinstance(scanner, CameraScanner) and scanner.decoder.name == decoder
        scanner.simulator.command(f"scan {MILK}")
        played_out(scanner)
        assert lane.reads() == [(MILK, "]E0", "camera")]     # in view for many frames, reported once
        scanner.simulator.command(f"scan {MILK}")          # the shopper scans a second bottle
        played_out(scanner)
        assert lane.reads() == [(MILK, "]E0", "camera")] * 2


def test_a_packet_held_under_the_camera_is_scanned_once_until_taken_away(lane):
    with open_device("scanner", SIM, lane) as scanner:
        sim = scanner.simulator
        sim.command(f"show {BREAD}")
        wait_for(lane.scans, what="the scan")
        frames = scanner.frames
        wait_for(lambda: scanner.frames >= frames + 20, what="20 more frames with the packet in view")
        assert lane.reads() == [(BREAD, "]E4", "camera")]
        sim.command("clear")
        played_out(scanner)
        sim.command(f"scan {MILK}")
        played_out(scanner)
        assert lane.reads() == [(BREAD, "]E4", "camera"), (MILK, "]E0", "camera")]


def test_smudged_labels_and_a_covered_lens_give_no_scan(lane):
    with open_device("scanner", SIM, lane) as scanner:
        scanner.simulator.command("garbled")
        scanner.simulator.command("blank 10")
        played_out(scanner)
        assert scanner.frames > 30
        assert lane.reads() == []


def test_a_disabled_scanner_discards_what_it_sees(lane):
    with open_device("scanner", SIM, lane) as scanner:
        scanner.enable(False)
        scanner.simulator.command(f"scan {MILK}")
        played_out(scanner)
        assert lane.reads() == []
        scanner.enable(True)
        scanner.simulator.command(f"scan {MILK}")
        played_out(scanner)
        assert lane.reads() == [(MILK, "]E0", "camera")]


def test_the_camera_going_away_makes_the_scanner_offline_and_it_scans_again_when_back(lane):
    with open_device("scanner", SIM, lane) as scanner:
        sim = scanner.simulator
        sim.command("unplug")
        wait_for(lambda: scanner.status == ev.OFFLINE, what="OFFLINE")
        assert not scanner.health().ok
        sim.command("replug")
        wait_for(lambda: scanner.status == ev.ONLINE, what="ONLINE")
        sim.command(f"scan {MILK}")
        played_out(scanner)
        assert lane.reads() == [(MILK, "]E0", "camera")]
    assert lane.statuses() == [ev.ONLINE, ev.OFFLINE, ev.ONLINE]


def test_a_camera_scanner_on_a_recording_of_image_files(tmp_path, lane):
    """camera:?device=file://... with the camera's own parameters passed through."""
    scene = Scene(seed=5)
    milk = make_product(MILK, 3)
    frames = [scene.render()] * 3 + [scene.render(milk, **args) for args in scene.passing(milk, 4, 6, 4)]
    frames += [scene.render()] * 12
    for i, frame in enumerate(frames):
        assert cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), frame)
    (tmp_path / "f007x.png").write_bytes(b"\x89PNG truncated")     # a broken file among the frames
    # fps=0 inside device= is the camera's (one file per frame asked for); fps=120 after it is the scanner's.
    url = f"camera:?device=file://{tmp_path}/*.png?fps=0&loop=0&fps=120&gone=0.1"
    with open_device("scanner", url, lane) as scanner:
        assert scanner.fps == 120
        assert scanner.camera.url.params == {"fps": "0", "loop": "0", "gray": "1"}
        wait_for(lambda: scanner.camera.finished, what="the end of the recording")
        frames_then = scanner.frames
        time.sleep(0.1)                                  # nothing new comes: the last picture is not decoded again
        assert scanner.frames == frames_then
    assert lane.reads() == [(MILK, "]E0", "camera")]


def test_a_scanner_without_a_camera_says_which_to_give():
    with pytest.raises(BadDeviceURL, match="device="):
        open_device("scanner", "camera:?decoder=zxing")


def test_a_missing_camera_fails_the_scanner_open(tmp_path):
    with pytest.raises(DeviceNotFound, match="Plug in"):
        open_device("scanner", f"camera:?device=v4l2://{tmp_path}/video0")


def test_camera_urls_take_the_parameters_the_scanner_does_not_know():
    assert camera_url("v4l2:///dev/video0", {"width": "1280"}) == "v4l2:///dev/video0?width=1280&gray=1"
    assert camera_url("v4l2:///dev/video0?width=1280", {}) == "v4l2:///dev/video0?width=1280&gray=1"
    assert camera_url("picamera2:0?gray=0", {}) == "picamera2:0?gray=0"


# ---------------------------------------------------------------------------------------- frame by frame

def d(data: str) -> Decoded:
    return Decoded(data, "]E0", ((0, 0), (1, 0), (1, 1), (0, 1)))


def test_in_view_reports_a_code_after_two_reads_and_not_while_it_stays():
    view = InView(confirm=2, gone=3)
    frames = [[d("A")], [], [d("A")], [d("A"), d("A")], [d("A")], [], [d("A")]]
    assert [[c.data for c in view.update(f)] for f in frames] == [[], [], ["A"], [], [], [], []]


def test_in_view_reports_again_after_the_code_was_missing_for_gone_frames():
    view = InView(confirm=1, gone=3)
    frames = [[d("A")], [], [], [], [d("A")], [d("B"), d("A")]]
    assert [[c.data for c in view.update(f)] for f in frames] == [["A"], [], [], [], ["A"], ["B"]]


def test_a_single_misread_is_never_reported():
    view = InView(confirm=2, gone=3)
    frames = [[d("A")], [d("A"), d("X")], [d("A")], [d("A")], [d("A")], [d("A"), d("X")]]
    reported = [c.data for f in frames for c in view.update(f)]
    assert reported == ["A"]
