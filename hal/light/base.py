"""The lane light: a red/amber/green tower lamp above the lane, showing the lane state to attendants.

``show(color, pattern)`` with color one of ``green``, ``amber``, ``red``, ``off`` and pattern ``steady``, ``blink``
(1 Hz, an attendant is needed) or ``fast`` (4 Hz, an urgent alert). ``current`` is what is shown.
"""

from __future__ import annotations

from hal.base import Device

COLORS = ("green", "amber", "red", "off")
PATTERNS = ("steady", "blink", "fast")


class Light(Device):
    family = "light"
    current: tuple[str, str] = ("off", "steady")

    def show(self, color: str, pattern: str = "steady") -> None:
        raise NotImplementedError
