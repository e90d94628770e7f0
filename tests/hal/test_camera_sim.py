"""The camera simulator: image files in a spool directory, read by the real file:// driver."""

from __future__ import annotations

import os

import cv2
import numpy as np
import zxingcpp

from hal import events as ev
from hal.camera.files import FileCamera
from hal.registry import open_device, start_simulator
from halkit import wait_for


def codes_in(frame) -> set[str]:
    return {b.text for b in zxingcpp.read_barcodes(frame)}


def test_the_simulated_camera_shows_a_product_passing_with_readable_bars():
    with open_device("camera", "sim:?fps=30&hold=4") as cam:
        sim = cam.simulator
        assert isinstance(cam, FileCamera) and cam.follow
        assert cam.frame().shape == (480, 640, 3)
        assert codes_in(cam.frame()) == set()                    # nothing in view yet
        sim.command("scan 4006381333931")
        read = []
        def scene_over():
            frame = cam.frame()
            read.append(codes_in(frame))
            return sim.idle and cam.last_file >= sim.scene_end
        wait_for(scene_over, what="the end of the pass")
        assert {"4006381333931"} in read
        assert read[-1] == set()                                 # and it left again
        assert ("scan 4006381333931" in [what for _, what in sim.history])


def test_grey_frames_and_a_jpeg_still_of_the_simulated_camera():
    with open_device("camera", "sim:?gray=1&width=320&height=240") as cam:
        assert cam.frame().shape == (240, 320)
        still = cv2.imdecode(np.frombuffer(cam.still_jpeg(), np.uint8), cv2.IMREAD_UNCHANGED)
        assert still.shape[:2] == (240, 320)


def test_a_covered_lens_gives_dark_frames():
    with open_device("camera", "sim:?fps=60&gray=1") as cam:
        sim = cam.simulator
        bright = float(cam.frame().mean())
        sim.command("blank 6")
        darkest = [bright]
        def scene_over():
            darkest.append(float(cam.frame().mean()))
            return sim.idle and cam.last_file >= sim.scene_end
        wait_for(scene_over, what="the end of the covered lens")
        assert min(darkest) < 30 < bright


def test_closing_the_camera_stops_the_simulator_and_removes_its_files():
    cam = open_device("camera", "sim:")
    sim = cam.simulator
    directory = sim.dir
    assert os.path.isdir(directory)
    cam.close()
    assert not sim.running and not os.path.exists(directory)


def test_an_idle_simulator_writes_links_to_pictures_rendered_once():
    with open_device("camera", "sim:?fps=60") as cam:
        sim = cam.simulator
        wait_for(lambda: sim.written >= 5, what="idle frames")
        newest = sim.last_written
        assert os.stat(newest).st_nlink >= 2


def test_unplugging_the_simulated_camera_is_seen_by_the_driver(lane):
    with open_device("camera", "sim:?fps=60", lane) as cam:
        sim = cam.simulator
        cam.frame()
        sim.command("unplug")

        def offline():
            try:
                cam.frame()
            except OSError:
                return True
            return False
        wait_for(offline, what="OFFLINE")
        sim.command("replug")
        wait_for(lambda: not offline() and cam.status == ev.ONLINE, what="ONLINE")
    assert lane.statuses() == [ev.ONLINE, ev.OFFLINE, ev.ONLINE]


def test_the_standalone_simulator_is_a_file_url_another_program_can_open():
    sim = start_simulator("camera", fps=60, hold=4)
    try:
        assert sim.address.startswith("file://") and sim.address.endswith("?follow=1")
        with open_device("camera", sim.address) as cam:          # as a lane in another process would
            sim.command("show 96385074")
            wait_for(lambda: "96385074" in codes_in(cam.frame()), what="the EAN-8 in view")
            assert "in view: 96385074" in sim.command("state")
            sim.command("clear")
            wait_for(lambda: cam.frame() is not None and sim.idle and cam.last_file >= sim.scene_end,
                     what="the packet taken away")
            assert codes_in(cam.frame()) == set()
    finally:
        sim.stop()
