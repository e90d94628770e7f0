"""``sim:camera`` for the scanner family: the camera scanner reading the simulated camera.

The camera simulator (:class:`hal.camera.sim.CameraSim`) writes its pictures as image files; the real
:class:`hal.scanner.camera.CameraScanner` reads them through the real ``file://`` camera driver and decodes real bars.
``device.simulator`` is the camera simulator, so ``scan 4006381333931`` moves a packet with that code through the
picture, as the other scanner simulators' ``scan`` sends it down their wire.

URL: ``sim:camera?fps=15&decoder=zxing&gone=1&confirm=2&module=3&hold=8&move=6&seed=0``: the camera runs at the
scanner's fps; module, hold and move as for the camera's ``sim:``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from hal.camera.sim import CameraSim
from hal.scanner.camera import CameraScanner
from hal.sim import open_with
from hal.url import DeviceURL


def open_simulated(url: DeviceURL, listener=None, *, name: str | None = None, **options: Any) -> CameraScanner:
    fps = url.number("fps", 15.0, lo=1, hi=120)
    sim = CameraSim(fps=fps, seed=url.integer("seed", 0), module=url.integer("module", 3, lo=1, hi=10),
                    hold=url.integer("hold", None, lo=1, hi=1000), move=url.integer("move", None, lo=1, hi=1000),
                    width=url.integer("width", 640, lo=64, hi=4096), height=url.integer("height", 480, lo=64,
                                                                                        hi=4096))

    def scanner(address: str) -> CameraScanner:
        params = {"device": address, "fps": f"{fps:g}"}
        params.update({k: v for k, v in url.params.items() if k in ("decoder", "symbologies", "gone", "confirm")})
        return CameraScanner("camera:?" + urlencode(params), listener, name=name)

    return open_with(sim, scanner)
