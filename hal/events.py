"""What devices tell the lane, in UnifiedPOS words where it has one (DataEvent, StatusUpdateEvent, ErrorEvent).

Drivers call their listener with these from their own threads; the lane's shell moves them into its event loop.
Times are ``time.monotonic()`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

# Status words shared by all families (UnifiedPOS power/state reporting) plus a few family-specific ones.
ONLINE = "online"          # open and answering
OFFLINE = "offline"        # went away (unplugged, link lost); the driver keeps trying to get it back
ERROR = "error"            # answers, but reports a fault (see detail)
PAPER_OK = "paper_ok"
PAPER_NEAR_EMPTY = "paper_near_empty"
PAPER_EMPTY = "paper_empty"
COVER_OPEN = "cover_open"


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    family: str
    device: str            # the device's name (its URL unless configured otherwise)
    status: str
    detail: str = ""
    t: float = 0.0


@dataclass(frozen=True, slots=True)
class ScanData:
    """One barcode read: the data without prefix/suffix/AIM id, the AIM symbology id if the scanner sent one."""
    data: str
    aim: str | None
    source: str            # "serial", "hid", "camera"
    t: float = 0.0


# Scale events (UnifiedPOS scale status values).
STABLE = "STABLE"
UNSTABLE = "UNSTABLE"
OVERWEIGHT = "OVERWEIGHT"
UNDER_ZERO = "UNDER_ZERO"


@dataclass(frozen=True, slots=True)
class WeightEvent:
    """The scale came to rest (STABLE, with the settled net weight), started moving, or left its range."""
    kind: str
    grams: float
    t: float = 0.0


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    family: str
    device: str
    message: str
    t: float = 0.0
