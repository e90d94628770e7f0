"""The lane's devices: opened from the config's URLs through the hal, bridged from their threads into the lane's loop.

Drivers report from their own threads; :class:`LaneDevices` puts every report into one thread-safe inbox and wakes
the application's loop, which drains it and turns each report into lane input (:meth:`LaneDevices.lane_input`): a
scan, a settled weight, a device going away or coming back. The other direction, effects such as a receipt to print
or a lamp colour, is carried out here, slow work (printing, a camera still) on worker threads whose outcome comes back
through the same inbox.

The produce scale of the look-up screen (``produce`` in the config, a scale URL) is opened the same way but is not
lane input: its readings never reach the bagging-area model. The app reads its live weight and its last STABLE
weight (:meth:`LaneDevices.produce_weight`) to price a weighed article the shopper chose. Without one (not configured,
or it cannot be opened) weighed articles cannot be chosen and the lane keeps selling everything else.

A device that cannot be opened does not stop the lane: it is reported to the lane as down (the lane shows "out of
service" or calls an attendant, as its rules say) and opened again every few seconds until it works. Nothing falls
back to a simulator: ``sim:`` in the config is the only way to get one.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from hal import events as hev
from hal.base import Device
from hal.errors import HalError
from hal.registry import open_device
from kiosk.config import LaneConfig
from kiosk.payment.terminals import ZvtCardTerminal

log = logging.getLogger("kiosk.devices")

HAL_FAMILIES = ("scanner", "scale", "printer", "camera", "light", "payment")
PRODUCE = "produce"
RETRY_S = 5.0


@dataclass(frozen=True)
class Done:
    """The outcome of work done on a worker thread (a print job, a still), delivered through the inbox."""
    kind: str
    key: str
    ok: bool
    message: str = ""
    data: Any = None


@dataclass(frozen=True)
class ProduceWeight:
    """What the produce scale shows: the live net weight, whether it is at rest, and the last settled weight."""
    grams: float
    stable: bool
    stable_g: float | None      # the last STABLE weight, None while the platform moves


def device_options(config: LaneConfig, family: str) -> dict[str, Any]:
    """Options the lane gives a driver besides its URL: where its persistent data lives."""
    if family == PRODUCE:
        return {"calibration_path": str(config.data_dir / "produce-calibration.json")}
    if family == "scale":
        return {"calibration_path": str(config.data_dir / "scale-calibration.json")}
    if family == "printer":
        return {"ledger_path": str(config.data_dir / "printer-jobs.json")}
    return {}


class LaneDevices:
    def __init__(self, config: LaneConfig, *, wake: Callable[[], None] | None = None):
        self.config = config
        self.wake = wake
        self.inbox: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self.devices: dict[str, Device] = {}
        self.failures: dict[str, str] = {}
        self._next_retry: dict[str, float] = {}
        self._down: dict[str, str] = {}
        self.receipts = config.data_dir / "receipts"
        self.stills = config.stills_dir
        self._closed = False
        self._holding_zero = False
        self.produce: Device | None = None       # the produce scale (a hal scale), when configured and open
        self._produce_stable: float | None = None

    # ------------------------------------------------------------------------------------------------- open

    def open_all(self) -> None:
        urls = self.config.devices
        for family in HAL_FAMILIES:
            if family in urls:
                self._open(family)
        if PRODUCE in urls:
            self._open_produce()

    def _open_produce(self) -> bool:
        """Open the produce scale; a failure is logged and retried, never a lane fault (only weighing needs it)."""
        url = self.config.devices[PRODUCE]
        try:
            device = open_device("scale", url, self._produce_listener, name=f"produce scale {url}",
                                 **device_options(self.config, PRODUCE))
        except (HalError, OSError) as exc:
            message = str(exc)
            if self.failures.get(PRODUCE) != message:
                log.error("produce scale %s cannot be opened: %s", url, message)
            self.failures[PRODUCE] = message
            self._next_retry[PRODUCE] = time.monotonic() + RETRY_S
            return False
        self.failures.pop(PRODUCE, None)
        self.produce = device
        self._produce_stable = None
        log.info("produce scale: %s (%s)", url, device.status)
        return True

    def _produce_listener(self, event: object) -> None:
        """From the produce scale's thread: keep its last settled weight, and wake the loop to redraw."""
        if isinstance(event, hev.WeightEvent):
            self._produce_stable = round(event.grams, 1) if event.kind == hev.STABLE else None
        if self.wake is not None:
            try:
                self.wake()
            except RuntimeError:
                pass

    def produce_weight(self) -> ProduceWeight | None:
        """The produce scale's reading now (None without a produce scale); grams below zero read as 0."""
        device = self.produce
        if device is None:
            return None
        reading = device.weight() if hasattr(device, "weight") else None
        stable_g = self._produce_stable
        if reading is None:
            return ProduceWeight(0.0, False, None)
        grams = max(0.0, round(reading.grams, 1))
        return ProduceWeight(grams, bool(reading.stable) and stable_g is not None, stable_g)

    @property
    def produce_model(self):
        """The simulated produce scale's platform (None unless ``produce`` is ``sim:``)."""
        device = self.produce
        return None if device is None else getattr(getattr(device, "simulator", None), "model", None)

    def _open(self, family: str) -> bool:
        url = self.config.devices[family]
        try:
            device = open_device(family, url, self._listener(family), name=f"{family} {url}",
                                 **device_options(self.config, family))
        except (HalError, OSError) as exc:
            message = str(exc)
            if self.failures.get(family) != message:
                log.error("%s %s cannot be opened: %s", family, url, message)
            self.failures[family] = message
            self._next_retry[family] = time.monotonic() + RETRY_S
            self._report((family, hev.StatusUpdate(family, url, hev.OFFLINE, message, time.monotonic())))
            return False
        self.failures.pop(family, None)
        self.devices[family] = device
        log.info("%s: %s (%s)", family, url, device.status)
        return True

    def retry(self, now: float | None = None) -> None:
        """Try again to open the devices that failed (called from the lane's loop)."""
        now = time.monotonic() if now is None else now
        for family in list(self.failures):
            if family == PRODUCE and now >= self._next_retry.get(family, 0.0):
                self._open_produce()
            elif family in HAL_FAMILIES and now >= self._next_retry.get(family, 0.0):
                if self._open(family):
                    self._report((family, hev.StatusUpdate(family, self.config.devices[family], hev.ONLINE)))

    def _listener(self, family: str) -> Callable[[object], None]:
        def listen(event: object) -> None:
            self._report((family, event))
        return listen

    def _report(self, item: tuple[str, object]) -> None:
        self.inbox.put(item)
        if self.wake is not None:
            try:
                self.wake()
            except RuntimeError:       # the loop is closed: the lane is stopping
                pass

    def drain(self) -> list[tuple[str, object]]:
        out = []
        while True:
            try:
                out.append(self.inbox.get_nowait())
            except queue.Empty:
                return out

    def close_all(self) -> None:
        if self._closed:
            return
        self._closed = True
        light = self.devices.get("light")
        if light is not None:
            try:
                light.show("off")
            except (HalError, OSError):
                pass
        for family, device in list(self.devices.items()):
            try:
                device.close()
            except Exception:        # closing must reach every device
                log.exception("closing %s failed", family)
        self.devices.clear()
        if self.produce is not None:
            try:
                self.produce.close()
            except Exception:
                log.exception("closing the produce scale failed")
            self.produce = None

    # ------------------------------------------------------------------------------------- device -> lane

    def lane_input(self, lane, family: str, event: object) -> list:
        """Turn one device report into lane input; returns the lane's effects."""
        if isinstance(event, hev.ScanData):
            return lane.scan(event.data, event.aim, source=event.source)
        if isinstance(event, hev.WeightEvent):
            if event.kind == hev.STABLE:
                effects = self._up(lane, "scale")
                return effects + lane.weight(event.grams)
            if event.kind == hev.OVERWEIGHT:
                return self._down_(lane, "scale", f"overloaded ({event.grams:.0f} g): take something off the scale")
            if event.kind == hev.UNDER_ZERO:
                return self._down_(lane, "scale", "below zero: is the platform lifted or touching something?")
            return []
        if isinstance(event, hev.StatusUpdate):
            if event.status in (hev.ONLINE, hev.PAPER_OK):
                return self._up(lane, family)
            if event.status in (hev.OFFLINE, hev.ERROR, hev.PAPER_EMPTY, hev.COVER_OPEN):
                return self._down_(lane, family, event.detail or event.status.replace("_", " "))
            if event.status == hev.PAPER_NEAR_EMPTY:
                log.warning("printer paper near its end: change the roll soon")
            return []
        if isinstance(event, hev.ErrorEvent):
            log.warning("%s: %s", family, event.message)
            if family == "scanner":      # a garbled, cut-off or over-long read: the shopper is asked to scan again
                return lane.scan_unreadable(event.message)
            return []
        return []

    def _up(self, lane, family: str) -> list:
        if self._down.pop(family, None) is None:
            return []
        return lane.device_status(family, True)

    def _down_(self, lane, family: str, message: str) -> list:
        if self._down.get(family) == message:
            return []
        self._down[family] = message
        return lane.device_status(family, False, message)

    # ------------------------------------------------------------------------------------- lane -> device

    def follow(self, state) -> None:
        """Tell the devices what the lane expects: while a transaction is open the scale must not track its zero
        (a slowly placed item would be absorbed into it, PROTOCOLS.md 2.2)."""
        hold = state.txn is not None
        if hold != self._holding_zero:
            scale = self.devices.get("scale")
            if scale is not None and hasattr(scale, "hold_zero_tracking"):
                scale.hold_zero_tracking(hold)
                self._holding_zero = hold

    def show_light(self, color: str, blink: bool) -> None:
        light = self.devices.get("light")
        if light is None:
            return
        try:
            light.show(color, "blink" if blink else "steady")
        except (HalError, OSError) as exc:
            log.error("lane light: %s", exc)

    def print_receipt(self, job: str, data: bytes, text: str) -> None:
        """Print on a worker thread; the outcome arrives in the inbox as ``Done("print", job, ...)``."""
        self.receipts.mkdir(parents=True, exist_ok=True)
        (self.receipts / f"{job}.txt").write_text(text, encoding="utf-8")
        printer = self.devices.get("printer")
        if printer is None:
            reason = self.failures.get("printer", "no printer configured")
            self._report(("printer", Done("print", job, False, f"printer not available: {reason}")))
            return

        def work() -> None:
            try:
                result = printer.print_job(job, data)
                done = Done("print", job, result.ok, result.message or result.outcome, result)
            except (HalError, OSError) as exc:
                done = Done("print", job, False, str(exc))
            self._report(("printer", done))

        threading.Thread(target=work, daemon=True, name=f"print {job}").start()

    def take_still(self, key: str) -> None:
        """Keep a camera still for an alert (DESIGN.md: kept at most 72 hours, deleted by a timer)."""
        camera = self.devices.get("camera")
        if camera is None:
            return

        def work() -> None:
            try:
                jpeg = camera.still_jpeg()
                self.stills.mkdir(parents=True, exist_ok=True)
                path = self.stills / f"{key}.jpg"
                path.write_bytes(jpeg)
                done = Done("still", key, True, str(path), path)
            except (HalError, OSError) as exc:
                done = Done("still", key, False, str(exc))
            self._report(("camera", done))

        threading.Thread(target=work, daemon=True, name=f"still {key}").start()

    # ----------------------------------------------------------------------------------- simulator access

    @property
    def terminal(self) -> ZvtCardTerminal | None:
        """The card terminal as the payment saga uses it (None while it cannot be opened)."""
        device = self.devices.get("payment")
        if device is None:
            return None
        if getattr(self, "_terminal", None) is None or self._terminal.device is not device:
            self._terminal = ZvtCardTerminal(device)
        return self._terminal

    def simulator(self, family: str) -> Any:
        device = self.devices.get(family)
        return None if device is None else device.simulator

    @property
    def scale_model(self):
        """The simulated bagging scale's physics (None unless the scale is ``sim:``)."""
        sim = self.simulator("scale")
        return getattr(sim, "model", None)

