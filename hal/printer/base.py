"""The printer interface: ESC/POS receipt printers through python-escpos over USB, serial or TCP.

- ``status()`` reads DLE EOT before every job. No reply, or a reply that is not a valid status byte, means
  ``paper="unknown"``, never "out".
- ``print_job(job_id, data)`` prints one job (ESC/POS bytes, usually made with :func:`hal.printer.render`) exactly
  once: a job id that was completed before is not printed again; a job interrupted by paper-out is reported
  ``"paper_out"`` and, after a refill, printed again completely from its start.
- ``profile`` is the python-escpos capability profile (columns, paper width, code pages).

``status`` is both things at once: the device's status word that every :class:`hal.base.Device` keeps
(``printer.status == "paper_ok"``), and, called, a fresh reading (``printer.status()`` -> :class:`PrinterStatus`).
Drivers implement :meth:`Printer.read_status`; the status word is a ``str`` whose call runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from hal.base import Device


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None            # None: the printer did not answer
    paper: str                     # "ok", "near_end", "out", "unknown"
    cover_open: bool | None = None
    error: str | None = None       # "cutter", "unrecoverable", "auto_recoverable" ...

    @property
    def ready(self) -> bool:
        return bool(self.online) and self.paper in ("ok", "near_end") and not self.cover_open and not self.error


@dataclass(frozen=True)
class JobResult:
    job_id: str
    outcome: str                   # "printed", "already_printed", "paper_out", "cover_open", "offline", "failed"
    status: PrinterStatus | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("printed", "already_printed")


class StatusWord(str):
    """A printer's status word (``"paper_ok"``, ``"offline"`` ...) that reads the printer's status when called."""

    def __new__(cls, word: str, read: Callable[[], PrinterStatus]):
        obj = super().__new__(cls, word)
        obj._read = read
        return obj

    def __call__(self) -> PrinterStatus:
        return self._read()


class Printer(Device):
    family = "printer"
    profile_name = "TM-T88V"       # python-escpos capability profile the driver was configured with
    width_mm: int | None = None    # paper width when it differs from the profile's (58 or 80)

    # Device keeps its status word in ``self.status``; a printer's interface also has ``status()``. The property
    # serves both: assigning stores the word, reading returns it as a callable str.
    @property
    def status(self) -> StatusWord:
        return StatusWord(self.__dict__.get("_status_word", "closed"), self.read_status)

    @status.setter
    def status(self, word: str) -> None:
        self._status_word = str(word)

    def read_status(self) -> PrinterStatus:
        """Ask the printer now (DLE EOT 1-4); no or invalid replies give ``online=None`` / ``paper="unknown"``."""
        raise NotImplementedError

    def print_job(self, job_id: str, data: bytes) -> JobResult:
        raise NotImplementedError

    def render(self, build: Callable[[Any], Any]) -> bytes:
        """ESC/POS bytes for this printer's profile and paper (``build`` fills a ReceiptBuilder)."""
        from hal.printer.receipt import render

        return render(self.profile_name, build, width_mm=self.width_mm)
