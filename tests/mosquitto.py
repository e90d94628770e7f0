"""A real mosquitto for the assist tests: the store's broker on free 127.0.0.1 ports, stopped and started at will.

``Mosquitto(workdir)`` runs a plain anonymous broker (persistence in ``workdir``, so sessions and retained messages
survive a restart); ``Mosquitto(workdir, conf=files.mosquitto_conf)`` runs a store's generated config (kiosk/assist/
store.py) with each of its listeners moved to a free port on 127.0.0.1 and everything else (TLS, password file,
ACL, persistence) as generated. :meth:`Mosquitto.stop` / :meth:`Mosquitto.start` restart it on the same ports with
the same persistence, for the broker-restart tests. Started by root (as in CI containers), mosquitto would drop to
the user ``mosquitto``, who cannot read a test's private temporary files: the test copy of the config keeps it root
unless ``stay_root=False``.

Debian's mosquitto (``apt-get install mosquitto``, which ./run-tests does) is required: without it the tests fail
saying so, they are not skipped.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

MOSQUITTO = Path("/usr/sbin/mosquitto")
START_TIMEOUT = 30.0     # generous: the whole suite runs in parallel on small machines
WAIT = 30.0              # how long the assist tests wait for a message (generous, for the same reason)


def wait_for(condition, timeout: float = WAIT, what: str = "condition"):
    """Poll ``condition()`` until it gives something true and return that; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Inbox:
    """A bus handler that keeps what it received, in order, safe to read from the test's thread."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, topic: str, payload: bytes) -> None:
        with self._lock:
            self.items.append((topic, payload))

    def snapshot(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.items)

    @property
    def payloads(self) -> list[bytes]:
        return [p for _, p in self.snapshot()]

    def wait(self, n: int, what: str = "messages") -> list[bytes]:
        """The payloads once there are at least ``n``."""
        wait_for(lambda: len(self.payloads) >= n, what=f"{n} {what} (got {len(self.payloads)})")
        return self.payloads

    def wait_for(self, payload: bytes) -> list[tuple[str, bytes]]:
        """Everything received, once ``payload`` is among it."""
        wait_for(lambda: any(p == payload for _, p in self.snapshot()), what=f"{payload!r}")
        return self.snapshot()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mosquitto:
    """One mosquitto process under a test's control (use it as a context manager, or call :meth:`close`)."""

    def __init__(self, workdir: Path, conf: Path | None = None, *, stay_root: bool = True) -> None:
        if not MOSQUITTO.exists():
            raise RuntimeError(f"{MOSQUITTO} is missing: the assist tests need Debian's mosquitto broker "
                               "(apt-get install mosquitto; ./run-tests installs it)")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.source = conf
        self.stay_root = stay_root      # as root: keep mosquitto root (False: it drops to the user "mosquitto")
        self.conf = self.workdir / "mosquitto-test.conf"
        self.logfile = self.workdir / "mosquitto.log"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None        # the plain listener (None if the config has none)
        self.tls_port: int | None = None    # the TLS listener (None if the config has none)
        self._write_conf()

    # -------------------------------------------------------------------------------------------------- addresses

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:<port>`` of the plain listener."""
        assert self.port is not None, "this broker has no plain listener"
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        """``mqtts://localhost:<port>`` of the TLS listener (``localhost`` is one of the broker certificate's names)."""
        assert self.tls_port is not None, "this broker has no TLS listener"
        return f"mqtts://localhost:{self.tls_port}"

    # ------------------------------------------------------------------------------------------------- lifecycle

    def start(self) -> Mosquitto:
        """Start (again, on the same ports) and wait until every listener accepts connections."""
        assert self.proc is None or self.proc.poll() is not None, "mosquitto is already running"
        for attempt in range(3):
            log = open(self.logfile, "ab")
            try:
                self.proc = subprocess.Popen([str(MOSQUITTO), "-c", str(self.conf)], stdout=log,
                                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            finally:
                log.close()
            if self._wait_listening():
                return self
            # lost a race for a free port against another test worker: take new ports (only before the first run)
            if "Address already in use" in self.log() and attempt < 2 and not self._ran:
                self._write_conf()
                continue
            break
        self.kill()
        raise RuntimeError(f"mosquitto did not start with {self.conf}:\n{self.log()[-3000:]}")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop cleanly (SIGTERM): mosquitto saves its persistence (sessions, retained messages) and exits."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """Stop at once (SIGKILL), as a crash or a power cut would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        """Everything mosquitto logged so far (its connection messages, refusals and errors)."""
        try:
            return self.logfile.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # ----------------------------------------------------------------------------------------------------- inside

    _ran = False

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        ports = [p for p in (self.port, self.tls_port) if p is not None]
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            if all(_accepts(p) for p in ports):
                self._ran = True
                return True
            time.sleep(0.05)
        return False

    def _write_conf(self) -> None:
        """The config mosquitto runs with: the anonymous one, or the store's with its listeners on free ports."""
        lines = ["# written by tests/mosquitto.py"]
        if self.source is None:
            self.port, self.tls_port = free_port(), None
            data = self.workdir / "data"
            data.mkdir(exist_ok=True)
            lines += [f"listener {self.port} 127.0.0.1", "allow_anonymous true", "persistence true",
                      f"persistence_location {data}/"]
        else:
            self.port = self.tls_port = None
            text = Path(self.source).read_text()
            blocks = re.split(r"(?m)^(?=listener\s)", text)
            lines.append(blocks[0].rstrip())
            for block in blocks[1:]:
                head, _, rest = block.partition("\n")
                port = free_port()
                if re.search(r"(?m)^certfile\s", rest):
                    self.tls_port = port
                else:
                    self.port = port
                lines += [f"listener {port} 127.0.0.1", rest.rstrip()]
        lines += ["log_dest stderr", "log_type error", "log_type warning", "log_type notice",
                  "log_type information"]
        if os.geteuid() == 0 and self.stay_root:
            # as root mosquitto drops to the user "mosquitto", who may not read the test's files: stay root here
            lines.append("user root")
        self.conf.write_text("\n".join(lines) + "\n")


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
