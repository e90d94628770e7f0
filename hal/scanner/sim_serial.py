"""A serial barcode scanner on the other end of a real wire, for tests, the demo lane and ``kiosk sim scanner``.

It writes what a CDC/RS-232 scanner writes: ``[prefix][AIM id]data[suffix]`` as bytes. Its wire is either a
pseudo-terminal behind a by-id-style symlink (:class:`hal.sim.PtyLink`; the default, and the only one that can be
unplugged) or a pyserial ``loop://`` port that the simulator owns and hands to the driver as ``port=`` (``sim:loop``:
both sides use the same pyserial object; what the simulator writes, the driver reads).

Commands (``sim.command("scan 4006381333931")``, also typed into ``kiosk sim scanner``) are in ``COMMANDS``. In a
command's CODE, ``<GS>`` stands for the GS1 separator 0x1D, which cannot be typed on a terminal.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import serial

from hal.sim import PtyLink, Simulator, open_with
from hal.scanner.serial import SerialScanner
from hal.url import DeviceURL

DEFAULT_CODE = "4006381333931"
SUFFIXES = {"cr": "\r", "lf": "\n", "crlf": "\r\n", "none": ""}


def _code(text: str) -> str:
    return text.replace("<GS>", "\x1d")


class SerialScannerSim(Simulator):
    name = "serial scanner"
    COMMANDS = {
        "scan CODE": "read a barcode: CODE and the suffix",
        "scan-aim ]E0 CODE": "read a barcode with its AIM symbology id in front",
        "slow CODE": "send CODE and the suffix one byte every 30 ms (blocks meanwhile)",
        "garbage": "send line noise (control and non-UTF-8 bytes), then the suffix",
        "truncated [CODE]": "send the first half of a code and no suffix (a read cut off)",
        "suffix cr|lf|crlf|none": "change the suffix the scanner sends after each code",
        "unplug": "pull the USB cable: the pty and its by-id link disappear",
        "replug": "plug the scanner back in",
    }

    def __init__(self, *, via: str = "pty", link_name: str = "usb-Kiosk_Simulated_Scanner-if00",
                 directory: str | None = None, suffix: str = "\r", prefix: str = "", slow_s: float = 0.03):
        super().__init__()
        if via not in ("pty", "loop"):
            raise ValueError(f"via={via!r}: the serial scanner simulator runs on 'pty' or 'loop'")
        self.via = via
        self.suffix = suffix
        self.prefix = prefix
        self.slow_s = slow_s
        self.link = PtyLink(link_name, on_data=self._host_wrote, directory=directory) if via == "pty" else None
        self.port: serial.SerialBase | None = None

    # ------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        if not self.running:
            if self.link is not None:
                self.address = self.link.start()
            else:
                self.port = serial.serial_for_url("loop://", timeout=0)
                self.address = "loop://"
            self.running = True
            self.record("start")
        return self.address

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        if self.link is not None:
            self.link.stop()
        if self.port is not None:
            self.port.close()
        self.record("stop")

    # ------------------------------------------------------------------------------------------ the scanner

    def write_raw(self, data: bytes) -> None:
        """Put bytes on the wire exactly as given (nothing arrives while unplugged, as with a real cable)."""
        if self.link is not None:
            self.link.write(data)
        elif self.port is not None and self.port.is_open:
            self.port.write(data)

    def frame(self, data: str, aim: str | None = None, suffix: str | None = None) -> bytes:
        return (self.prefix + (aim or "") + data + (self.suffix if suffix is None else suffix)).encode("utf-8")

    def scan(self, data: str, aim: str | None = None, suffix: str | None = None) -> None:
        """The scanner reads ``data`` (sent with ``aim`` in front and ``suffix``, default: the configured one)."""
        self.record(f"scan {aim or ''}{data!r}")
        self.write_raw(self.frame(data, aim, suffix))

    def _host_wrote(self, data: bytes) -> None:
        self.record(f"host wrote {data!r}")

    # --------------------------------------------------------------------------------------------- commands

    def do_scan(self, code: str) -> str:
        self.scan(_code(code))
        return f"scanned {code}"

    def do_scan_aim(self, aim: str, code: str) -> str:
        self.scan(_code(code), aim)
        return f"scanned {aim} {code}"

    def do_slow(self, code: str) -> str:
        self.record(f"slow {code!r}")
        for i, byte in enumerate(self.frame(_code(code))):
            if i:
                time.sleep(self.slow_s)
            self.write_raw(bytes([byte]))
        return f"scanned {code} slowly"

    def do_garbage(self) -> str:
        self.record("garbage")
        self.write_raw(b"\x02\xff\xfe\x00N\x07ISE\x18" + self.suffix.encode())
        return "sent line noise"

    def do_truncated(self, code: str = DEFAULT_CODE) -> str:
        half = self.frame(_code(code), suffix="")[: max(1, len(code) // 2)]
        self.record(f"truncated {half!r}")
        self.write_raw(half)
        return f"sent {half.decode(errors='replace')} without suffix"

    def do_suffix(self, name: str) -> str:
        if name.lower() not in SUFFIXES:
            raise ValueError(f"suffix {name!r}: use one of {', '.join(SUFFIXES)}")
        self.suffix = SUFFIXES[name.lower()]
        self.record(f"suffix {name}")
        return f"suffix is now {name}"

    def do_unplug(self) -> str:
        if self.link is None:
            raise ValueError("a loop:// scanner cannot be unplugged; use sim:serial (a pty) for that")
        self.link.unplug()
        self.record("unplug")
        return "unplugged"

    def do_replug(self) -> str:
        if self.link is None:
            raise ValueError("a loop:// scanner cannot be replugged; use sim:serial (a pty) for that")
        self.link.replug()
        self.record("replug")
        return f"plugged in at {self.address}"


def _query(url: DeviceURL) -> str:
    return f"?{urlencode(url.params)}" if url.params else ""


def open_simulated(url: DeviceURL, listener, *, name: str, **options):
    """``sim:`` / ``sim:serial?...``: the simulator on a pty, the real driver on its by-id-style path.

    The URL's parameters go to the driver (``prefix`` to the simulator too, as a scanner and its lane are
    configured alike). The simulator sends CR after each code until told otherwise (``suffix`` command).
    """
    sim = SerialScannerSim(prefix=url.text("prefix") or "")
    return open_with(sim, lambda address: SerialScanner(f"serial://{address}{_query(url)}", listener, name=name,
                                                        **options))


def open_loop(url: DeviceURL, listener, *, name: str, **options):
    """``sim:loop``: simulator and driver share one pyserial ``loop://`` port (no pty, no unplugging)."""
    sim = SerialScannerSim(via="loop", prefix=url.text("prefix") or "")
    return open_with(sim, lambda _: SerialScanner(f"serial:loop://{_query(url)}", listener, name=name, port=sim.port,
                                                  **options))
