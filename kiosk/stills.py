"""Camera stills of alerts: where the still of an alert is, and deleting every still after at most 72 hours.

When an attendant is called the lane keeps one camera still, ``<stills>/<lane_id>-alert-<intervention id>.jpg``
(see ``LaneDevices.take_still``), so the attendant and, for a while, the store can see what happened. A still shows a
shopper, so it is personal data: DESIGN.md section 5 keeps it at most 72 hours. :func:`prune` is the timer's work (the
application runs it at start and every hour, ``kiosk stills prune`` runs it by hand). It only ever deletes regular
``*.jpg`` / ``*.jpeg`` files directly inside the stills directory, never what a symbolic link points to, and takes a
file that disappears meanwhile (deleted by hand, a second pruner) as already gone.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)

#: How long a still is kept (DESIGN.md section 5).
RETENTION_S = 72 * 3600.0
#: How often the application prunes.
PRUNE_EVERY_S = 3600.0
SUFFIXES = (".jpg", ".jpeg")


def still_name(lane_id: str, iid: int) -> str:
    """The file name of the still of intervention ``iid`` at lane ``lane_id``."""
    return f"{lane_id}-alert-{iid}.jpg"


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def still_for(directory: Path, lane_id: str, iid: int) -> Path | None:
    """The still of alert ``iid`` at lane ``lane_id``, or None when none was taken or it was deleted already.

    Only a regular file counts: a symbolic link in its place is not the lane's still.
    """
    base = Path(directory) / still_name(lane_id, iid)
    for path in (base, base.with_suffix(".jpeg")):
        if _regular(path):
            return path
    return None


def prune(directory: Path, max_age_s: float = RETENTION_S, now: float | None = None) -> list[Path]:
    """Delete the stills in ``directory`` last modified more than ``max_age_s`` seconds before ``now``.

    ``now`` is wall-clock time (``time.time()`` when not given), the clock file times are in. Returns the deleted
    files, sorted. A missing directory has nothing to prune. A still that cannot be deleted (permissions) is logged
    and the others are still pruned.
    """
    now = time.time() if now is None else now
    cutoff = now - max_age_s
    deleted: list[Path] = []
    try:
        entries = os.scandir(directory)
    except FileNotFoundError:
        return deleted
    with entries:
        for entry in entries:
            if not entry.name.lower().endswith(SUFFIXES):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode) or info.st_mtime >= cutoff:
                continue
            try:
                os.unlink(entry.path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("could not delete the camera still %s: %s", entry.path, exc)
                continue
            deleted.append(Path(entry.path))
    return sorted(deleted)
