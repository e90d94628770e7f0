"""What the screen hands to the application loop (buttons) and the little state that belongs to the screen alone.

A :class:`Button` is the answer to "what is under the finger": ``touch`` buttons become ``Touched(action, arg)``
events for the reducer, ``attendant`` buttons become ``AttendantCommand`` events, ``ui`` buttons only change
:class:`UiLocal` (typing a PIN, scrolling, opening the attendant menu, the accessibility panel or the look-up of
articles without a barcode).
:mod:`kiosk.ui.screen` re-exports both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame

TOUCH = "touch"          # -> Touched(action, arg)
ATTENDANT = "attendant"  # -> AttendantCommand(action, ...); see kiosk.ui.screen for what ``arg`` holds
UI = "ui"                # -> a change of UiLocal, handled by the loop itself


@dataclass
class Button:
    rect: pygame.Rect
    kind: str
    action: str
    arg: str | None = None


@dataclass
class UiLocal:
    """Screen state that is not lane state: it is never journaled and a restart may forget it."""

    pin: str = ""                    # digits typed on the attendant PIN pad (drawn as dots only)
    pin_open: bool = False           # the PIN pad is shown (while nobody is signed in)
    menu_open: bool = True           # the attendant menu is shown while an attendant is signed in
    scroll: int = 0                  # basket lines hidden below the visible ones (0: the newest are visible)
    menu_scroll: int = 0             # the same for the basket list in the attendant menu
    selected_line: int | None = None  # line id selected in the attendant menu
    terminal_prompt: dict[str, str] | None = None  # the card terminal's current prompt, by language (de, en, nl)
    ereceipt_url: str | None = None  # the e-receipt's address, shown as a QR code when the shopper chose it
    access_open: bool = False        # the shopper's accessibility panel is shown (the screens of a visit)
    staff_message: str = ""          # the outcome of the last lane-wide task for the attendant (end of day)
    # The look-up of articles without a barcode (produce, bakery), drawn over the scanning screen.
    lookup_open: bool = False
    lookup_category: str | None = None  # the category shown (None: the first one)
    lookup_query: str | None = None     # the search text while the search keyboard is shown (None: browsing)
    lookup_page: int = 0                # page of the article grid (or of the search results)
    lookup_item: str | None = None      # a weighed article (sku) waiting on the produce scale
    produce: tuple[int, bool] | None = None  # the produce scale now: (grams, at rest); None: there is none
    lookup_source: Any = None           # kiosk.ui.lookup.LookupCatalog: the catalog as the look-up reads it
