"""A HID keyboard-wedge scanner for tests, the demo lane and ``kiosk sim scanner hid``: it types codes as key events.

It types the way a scanner set to a keyboard country does (:mod:`hal.scanner.keymaps`): Shift and AltGr held around
a key, dead keys followed by Space, GS as Ctrl+] (or Alt+keypad 0 2 9 with ``gs="alt"``), digits optionally on the
keypad, and each key as a real keyboard reports it (EV_MSC scan code, EV_KEY, EV_SYN). Its wire is one of:

- ``uinput``: a virtual keyboard made with python-evdev's ``UInput`` (needs ``/dev/uinput`` and write access to
  it), behind a symlink that stands for ``/dev/input/by-id/...-event-kbd``; unplug removes the device.
- ``fifo``: a named pipe at such a path carrying the same events as kernel-format ``struct input_event`` records;
  the driver opens it like an event device (it only grabs character devices). Unplug closes and removes it. This
  is the wire where there is no ``/dev/uinput``, as in containers and CI.

``via="auto"`` (``sim:hid``) takes uinput when ``/dev/uinput`` exists, else the FIFO. Commands are in ``COMMANDS``;
in a command's CODE, ``<GS>`` stands for the GS1 separator 0x1D.
"""

from __future__ import annotations

import errno
import os
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from hal.errors import require
from hal.scanner import keymaps as km
from hal.scanner.errors import BadScannerURL, SimulatorUnavailable
from hal.scanner.hid import EVENT, HidScanner
from hal.scanner.sim_serial import DEFAULT_CODE
from hal.sim import Simulator, open_with
from hal.url import DeviceURL

UINPUT = "/dev/uinput"
SUFFIX_KEYS = {"enter": km.KEY_ENTER, "kpenter": km.KEY_KPENTER, "none": None}
KEY_F1, KEY_ESC = 59, 1

Event = tuple[int, int, int]     # (type, code, value)


class _FifoWire:
    """Kernel-format input events through a named pipe standing where the scanner's event device would be."""

    def __init__(self, path: str, reader_timeout_s: float = 2.0):
        self.path = path
        self.reader_timeout_s = reader_timeout_s
        self._fd: int | None = None
        self.plugged = False

    def plug(self) -> None:
        if os.path.lexists(self.path):
            os.unlink(self.path)
        os.mkfifo(self.path, 0o600)
        self.plugged = True

    def unplug(self) -> None:
        # The path goes first, so a driver that sees end-of-file (as it would see ENODEV from a pulled device)
        # does not find the old FIFO still there and reopen it.
        self.plugged = False
        if os.path.lexists(self.path):
            os.unlink(self.path)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _writer(self) -> int:
        """The pipe's write end, once a reader has it open (a FIFO cannot be opened for writing before that)."""
        deadline = time.monotonic() + self.reader_timeout_s
        while self._fd is None:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError as exc:
                if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                    raise SimulatorUnavailable(f"nothing reads the simulated HID scanner at {self.path}: open the "
                                               f"driver on hid://{self.path} first ({exc.strerror})") from None
                time.sleep(0.005)
                continue
            os.set_blocking(fd, True)
            self._fd = fd
        return self._fd

    def write(self, events: list[Event]) -> None:
        if not self.plugged:
            return                    # typing into a pulled cable
        now = time.time()
        sec, usec = int(now), int((now % 1) * 1_000_000)
        data = b"".join(EVENT.pack(sec, usec, t, c, v) for t, c, v in events)
        for attempt in (1, 2):
            fd = self._writer()
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                return
            except BrokenPipeError:   # the driver reconnected: find its new read end and send again
                os.close(fd)
                self._fd = None
                if attempt == 2:
                    raise

    def close(self) -> None:
        self.unplug()


class _UinputWire:
    """A virtual keyboard made by the kernel (uinput), reachable through a by-id-style symlink."""

    def __init__(self, path: str):
        if not os.path.exists(UINPUT):
            raise SimulatorUnavailable(
                f"{UINPUT} does not exist, so no virtual keyboard can be made: load the module (modprobe uinput) "
                f"and give this user write access to {UINPUT}, or use the FIFO wire (sim:hid?via=fifo)")
        self.evdev = require("evdev", "pip install evdev", "the uinput scanner simulator")
        self.path = path
        self._ui = None

    @property
    def plugged(self) -> bool:
        return self._ui is not None

    def plug(self) -> None:
        codes = sorted(set(range(1, 128)))      # every key of a full keyboard: the scanner may use any of them
        try:
            self._ui = self.evdev.UInput({km.EV_KEY: codes, km.EV_MSC: [km.MSC_SCAN]},
                                         name="Kiosk Simulated Scanner")
        except OSError as exc:
            raise SimulatorUnavailable(f"cannot create a virtual keyboard through {UINPUT} ({exc}): give this user "
                                       f"write access to it, or use the FIFO wire (sim:hid?via=fifo)") from exc
        tmp = self.path + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(self._ui.device.path, tmp)
        os.replace(tmp, self.path)

    def unplug(self) -> None:
        if os.path.lexists(self.path):
            os.unlink(self.path)
        if self._ui is not None:
            self._ui.close()
            self._ui = None

    def write(self, events: list[Event]) -> None:
        if self._ui is None:
            return
        for t, c, v in events:
            if t == km.EV_SYN:
                self._ui.syn()
            else:
                self._ui.write(t, c, v)

    def close(self) -> None:
        self.unplug()


class HidScannerSim(Simulator):
    name = "HID scanner"
    COMMANDS = {
        "scan CODE": "type CODE and the suffix key (Enter unless changed)",
        "slow CODE": "type CODE one key every 30 ms (blocks meanwhile)",
        "unknown-key": "type a code with F1 in the middle (a key that types nothing)",
        "garbage": "press Escape and F1 and Enter (keys that are not text)",
        "truncated [CODE]": "type the first half of a code and no suffix",
        "suffix enter|kpenter|none": "change the key the scanner sends after each code",
        "unplug": "pull the USB cable: the event device disappears",
        "replug": "plug the scanner back in",
    }

    def __init__(self, *, layout: str = "us", via: str = "auto",
                 link_name: str = "usb-Kiosk_Simulated_Scanner-event-kbd", directory: str | None = None,
                 suffix: str = "enter", gs: str = "ctrl", keypad_digits: bool = False, slow_s: float = 0.03):
        super().__init__()
        if layout not in km.LAYOUTS:
            raise ValueError(f"layout={layout!r}: the simulator types {', '.join(km.LAYOUTS)}")
        if via not in ("auto", "uinput", "fifo"):
            raise ValueError(f"via={via!r}: use auto, uinput or fifo")
        if suffix not in SUFFIX_KEYS:
            raise ValueError(f"suffix={suffix!r}: use one of {', '.join(SUFFIX_KEYS)}")
        if gs not in ("ctrl", "alt"):
            raise ValueError(f"gs={gs!r}: the scanner sends GS as 'ctrl' (Ctrl+]) or 'alt' (Alt+keypad 029)")
        self.layout = km.LAYOUTS[layout]
        self.via = via
        self.suffix = suffix
        self.gs = gs
        self.keypad_digits = keypad_digits
        self.slow_s = slow_s
        self._dir = Path(directory or tempfile.mkdtemp(prefix="kiosk-sim-"))
        self._own_dir = directory is None
        self.path = str(self._dir / link_name)
        self.wire: _FifoWire | _UinputWire | None = None
        self._lock = threading.Lock()      # one code at a time, as a scanner types

    # ------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> str:
        if not self.running:
            via = self.via
            if via == "auto":
                via = "uinput" if os.path.exists(UINPUT) else "fifo"
            self.wire = _UinputWire(self.path) if via == "uinput" else _FifoWire(self.path)
            self.wire.plug()
            self.address = self.path
            self.running = True
            self.record(f"start ({via}, layout {self.layout.name})")
        return self.address

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        self.wire.close()
        if self._own_dir:
            try:
                self._dir.rmdir()
            except OSError:
                pass
        self.record("stop")

    # ------------------------------------------------------------------------------------------ the scanner

    @staticmethod
    def press(code: int, value: int) -> list[Event]:
        """One key change as a USB keyboard reports it; the scan code is a stand-in that readers ignore."""
        return [(km.EV_MSC, km.MSC_SCAN, 0x70000 + code), (km.EV_KEY, code, value), (km.EV_SYN, km.SYN_REPORT, 0)]

    def stroke(self, mods: tuple[int, ...], code: int) -> list[Event]:
        events: list[Event] = []
        for m in mods:
            events += self.press(m, 1)
        events += self.press(code, 1) + self.press(code, 0)
        for m in reversed(mods):
            events += self.press(m, 0)
        return events

    def keys_for(self, ch: str) -> list[Event]:
        """The events for one character; ValueError if the layout cannot type it."""
        if ch == km.GS and self.gs == "alt":
            digits = [next(c for c, d in km.KEYPAD_DIGITS.items() if d == x) for x in "029"]
            return (self.press(km.KEY_LEFTALT, 1) + [e for c in digits for e in self.stroke((), c)]
                    + self.press(km.KEY_LEFTALT, 0))
        if self.keypad_digits and ch.isdigit():
            return self.stroke((), next(c for c, d in km.KEYPAD_DIGITS.items() if d == ch))
        try:
            strokes = self.layout.strokes(ch)
        except KeyError:
            raise ValueError(f"a scanner set to the {self.layout.name} layout cannot type {ch!r}") from None
        return [e for mods, code in strokes for e in self.stroke(mods, code)]

    def suffix_keys(self, suffix: str | None = None) -> list[Event]:
        code = SUFFIX_KEYS[self.suffix if suffix is None else suffix]
        return [] if code is None else self.stroke((), code)

    def write_events(self, events: list[Event]) -> None:
        """Send raw (type, code, value) events as they are (for fault injection)."""
        with self._lock:
            self.wire.write(events)

    def scan(self, data: str, suffix: str | None = None) -> None:
        """The scanner reads ``data`` and types it, then its suffix key."""
        events = [e for ch in data for e in self.keys_for(ch)] + self.suffix_keys(suffix)
        self.record(f"scan {data!r}")
        self.write_events(events)

    # --------------------------------------------------------------------------------------------- commands

    def do_scan(self, code: str) -> str:
        self.scan(code.replace("<GS>", km.GS))
        return f"typed {code}"

    def do_slow(self, code: str) -> str:
        self.record(f"slow {code!r}")
        groups = [self.keys_for(ch) for ch in code.replace("<GS>", km.GS)] + [self.suffix_keys()]
        with self._lock:
            for i, events in enumerate(groups):
                if i:
                    time.sleep(self.slow_s)
                self.wire.write(events)
        return f"typed {code} slowly"

    def do_unknown_key(self) -> str:
        events = ([e for ch in "40063" for e in self.keys_for(ch)] + self.stroke((), KEY_F1)
                  + [e for ch in "81333931" for e in self.keys_for(ch)] + self.suffix_keys("enter"))
        self.record("unknown key")
        self.write_events(events)
        return "typed a code with F1 in it"

    def do_garbage(self) -> str:
        self.record("garbage")
        self.write_events(self.stroke((), KEY_ESC) + self.stroke((), KEY_F1) + self.suffix_keys("enter"))
        return "pressed Escape, F1, Enter"

    def do_truncated(self, code: str = DEFAULT_CODE) -> str:
        half = code[: max(1, len(code) // 2)]
        self.record(f"truncated {half!r}")
        self.write_events([e for ch in half for e in self.keys_for(ch)])
        return f"typed {half} without suffix"

    def do_suffix(self, name: str) -> str:
        if name.lower() not in SUFFIX_KEYS:
            raise ValueError(f"suffix {name!r}: use one of {', '.join(SUFFIX_KEYS)}")
        self.suffix = name.lower()
        self.record(f"suffix {name}")
        return f"suffix is now {name}"

    def do_unplug(self) -> str:
        with self._lock:
            self.wire.unplug()
        self.record("unplug")
        return "unplugged"

    def do_replug(self) -> str:
        with self._lock:
            if not self.wire.plugged:
                self.wire.plug()
        self.record("replug")
        return f"plugged in at {self.address}"


def open_simulated(url: DeviceURL, listener, *, name: str, **options):
    """``sim:hid?layout=de``: the simulator (uinput if possible, else the FIFO; ``via=`` chooses) and the real
    driver on its path. ``layout`` configures both sides, as scanner and lane are set up alike; ``via`` is the
    simulator's; the other parameters go to the driver."""
    params = dict(url.params)
    via = params.pop("via", "auto")
    layout = (params.get("layout") or "us").lower()
    if layout not in km.LAYOUTS or via not in ("auto", "uinput", "fifo"):
        raise BadScannerURL(f"{url.raw}: layout must be one of {', '.join(km.LAYOUTS)} and via one of auto, "
                            f"uinput, fifo")
    query = f"?{urlencode(params)}" if params else ""
    sim = HidScannerSim(layout=layout, via=via)
    return open_with(sim, lambda address: HidScanner(f"hid://{address}{query}", listener, name=name, **options))
