"""Cameras: drivers by URL scheme, simulators by ``sim:`` path (see hal/registry.py).

The simulator writes image files that the ``file://`` driver reads (``hal/camera/sim.py``); ``kiosk sim camera``
runs it standalone and prints the ``file://`` URL to put in the config.
"""

DRIVERS: dict[str, str] = {
    "picamera2": "hal.camera.picam:Picamera2Camera",   # Raspberry Pi camera modules (python3-picamera2, Pi only)
    "v4l2": "hal.camera.v4l2:V4l2Camera",              # USB/UVC cameras through OpenCV's V4L2 backend
    "file": "hal.camera.files:FileCamera",             # image files: a recording, or a spool a producer writes
}
SIMULATORS: dict[str, str] = {
    "default": "hal.camera.sim:open_simulated",
}
STANDALONE: dict[str, str] = {
    "default": "hal.camera.sim:CameraSim",
}
