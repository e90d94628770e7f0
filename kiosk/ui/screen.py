"""The lane's screen: draws the lane state for the shopper (and the attendant) and says what can be touched.

``LaneScreen.draw(surface, state, local, now)`` is a function of the lane state and the UI-local state: it draws the
screen of ``state.mode`` (one module per screen), the intervention and idle overlays over it, then the attendant's PIN
pad or menu, and returns the :class:`Button` s that can be touched in that frame. It decides nothing the reducer
decides: a button is offered when it makes sense to the shopper, and the reducer answers what happens.

Buttons the application loop handles itself (kind ``ui``):

=====================  =====================================================================================
``attendant``          the key in the corner: open the PIN pad (nobody signed in) or the menu (someone is)
``pin_digit``          arg is the digit to append to ``UiLocal.pin``
``pin_clear``          empty ``UiLocal.pin``
``pin_submit``         check ``UiLocal.pin`` (the loop's job), then clear it and close the pad
``close_menu``         close the PIN pad (and clear the PIN) or hide the attendant menu
``scroll_up``          ``UiLocal.scroll = int(arg)`` (older basket lines)
``scroll_down``        ``UiLocal.scroll = int(arg)`` (newer basket lines)
``menu_scroll_up``     ``UiLocal.menu_scroll = int(arg)``
``menu_scroll_down``   ``UiLocal.menu_scroll = int(arg)``
``select_line``        ``UiLocal.selected_line = int(arg)``
``access_panel``       ``UiLocal.access_open = arg == "1"`` (the shopper's accessibility panel)
``lookup_*``           the look-up of articles without a barcode (:mod:`kiosk.ui.lookup` lists them); all change
                       ``UiLocal`` only, except ``lookup_choose`` and ``lookup_confirm``: the shopper's final choice,
                       which the loop hands to ``LaneRuntime.choose``
=====================  =====================================================================================

The look-up (``UiLocal.lookup_open``) is drawn over the scanning and bagging screens, under the accessibility panel,
the idle prompt and the attendant's layers; a blocking intervention hides it (the shopper must deal with that first).

``touch`` buttons become ``Touched(action, arg)``. ``attendant`` buttons become ``AttendantCommand(command=action)``
with ``intervention=int(arg)`` for approve / verify_age / reject_age and ``line=int(arg)`` for void_line.

The shopper's accessibility choices (``LaneState.access``) shape every frame: ``contrast`` draws it in the
high-contrast palette, ``large_text`` with the large-text metrics. The attendant's PIN pad and menu keep the calm
palette and the normal sizes: they are the staff's, and look it.
"""

from __future__ import annotations

from typing import Callable

import pygame

from kiosk.lane.state import (BAGGING, CONTRAST, LARGE_TEXT, OUT_OF_SERVICE, PAYMENT, RECEIPT, SCANNING, THANK_YOU,
                              WELCOME, LaneState)
from kiosk.ui import attendant, chrome, closed, finish, lookup, overlays, payment, selling, theme, welcome
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.model import ATTENDANT, TOUCH, UI, Button, UiLocal
from kiosk.ui.widgets import Canvas, fit_text, wrap_text
from kiosk.ui.wording import shown_interventions

__all__ = ["ATTENDANT", "TOUCH", "UI", "WITH_ACCESS", "WITH_LOOKUP", "Button", "LaneScreen", "UiLocal",
           "access_panel_shown", "access_panel_stays", "fit_text", "hit", "lookup_shown", "wrap_text"]

View = Callable[[Canvas, LaneState, UiLocal, str, float], pygame.Rect]

_VIEWS: dict[str, View] = {
    OUT_OF_SERVICE: closed.draw,
    WELCOME: welcome.draw,
    SCANNING: selling.draw,
    BAGGING: selling.draw,
    PAYMENT: payment.draw,
    RECEIPT: finish.draw_receipt,
    THANK_YOU: finish.draw_thank_you,
}


#: Screens with a basket list: a non-blocking intervention's card takes room under the list.
_WITH_BASKET = (SCANNING, BAGGING, PAYMENT)

#: Screens with the accessibility button (bottom left), and so with the accessibility panel: every screen of a visit.
WITH_ACCESS = (WELCOME, SCANNING, BAGGING, PAYMENT, RECEIPT, THANK_YOU)

#: Screens the look-up of articles without a barcode is drawn over.
WITH_LOOKUP = (SCANNING, BAGGING)


class LaneScreen:
    """Draws lane states at one screen size. Create it once (fonts load here), then call :meth:`draw` per frame.

    ``px_per_mm`` is the panel's pixel density, which sizes the touch targets (``theme.TOUCH_MM``); None takes that of
    the lane's panel of this resolution (:func:`kiosk.ui.theme.px_per_mm`).

    After a draw, ``last_texts`` holds every string rendered in that frame and ``last_text_boxes`` each one with
    where it went and the box it had to fit in: for tests, and for a later accessibility layer that reads the
    screen aloud.
    """

    def __init__(self, size: tuple[int, int], px_per_mm: float | None = None) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.canvas = Canvas(self.size, px_per_mm)
        self.last_texts: list[str] = []
        self.last_text_boxes: list[tuple[str, pygame.Rect, pygame.Rect]] = []
        self.last_buttons: list[Button] = []

    def draw(self, surface: pygame.Surface, state: LaneState, local: UiLocal, now: float) -> list[Button]:
        c = self.canvas
        if surface.get_size() != self.size:
            raise ValueError(f"LaneScreen was made for {self.size}, the surface is {surface.get_size()}")
        theme.apply(CONTRAST in state.access)
        try:
            self._draw(c, surface, state, local, now)
        finally:
            theme.apply(False)
        self.last_texts = list(c.texts)
        self.last_text_boxes = list(c.text_boxes)
        self.last_buttons = list(c.buttons)
        return list(c.buttons)

    def _draw(self, c: Canvas, surface: pygame.Surface, state: LaneState, local: UiLocal, now: float) -> None:
        c.begin(surface, large=LARGE_TEXT in state.access)
        surface.fill(theme.BG)
        lang = state.lang if state.lang in LANGUAGES else LANGUAGES[0]
        view = _VIEWS.get(state.mode, closed.draw)
        chrome.header(c, state, lang, languages=state.mode not in (OUT_OF_SERVICE, WELCOME))
        card_area = None
        if state.mode not in _WITH_BASKET:
            # No basket to keep a corner free under: a card (a device fault, say) goes on top, the view below it.
            card_h = overlays.card_height(c, state, lang, self.size[0] - 2 * c.m.pad)
            if card_h:
                card_area = pygame.Rect(c.m.pad, c.m.header_h + c.m.pad, self.size[0] - 2 * c.m.pad, card_h)
                c.top = card_area.bottom
        message_area = view(c, state, local, lang, now)
        if card_area is not None:
            message_area = card_area
        # The idle prompt is drawn here, last of the shopper's layers, with its countdown and "more time".
        overlays.draw(c, state, lang, message_area)
        if local.lookup_open and lookup_shown(state):
            lookup.draw(c, state, local, lang)
        if local.access_open and access_panel_shown(state):
            chrome.access_panel(c, state, lang)
        if state.idle_stage == 1:
            chrome.still_there(c, state, lang, now)
        if state.attendant is not None and local.menu_open or state.attendant is None and local.pin_open:
            theme.apply(False)
            c.use(large=False)
            if state.attendant is not None:
                attendant.draw_menu(c, state, local, now)
            else:
                attendant.draw_pin_pad(c, state, local, now)


def access_panel_shown(state: LaneState) -> bool:
    """Whether an open accessibility panel is drawn: on its screens, unless a blocking intervention covers them."""
    return state.mode in WITH_ACCESS and shown_interventions(state)[0] is None and state.idle_stage != 1


def access_panel_stays(before: LaneState | None, after: LaneState) -> bool:
    """Whether an open accessibility panel stays open as the lane goes from ``before`` to ``after``: on the screens
    that have it, as long as the shopper's visit lasts. A visit ends when the lane is back at the welcome screen or
    leaves the thank-you screen (the next shopper may scan there), so the next shopper never finds the panel open."""
    if after.mode not in WITH_ACCESS:
        return False
    return before is None or before.mode == after.mode or (after.mode != WELCOME and before.mode != THANK_YOU)


def lookup_shown(state: LaneState) -> bool:
    """Whether an open look-up is drawn: over the scanning screen, unless a blocking intervention or the idle prompt
    covers it."""
    return state.mode in WITH_LOOKUP and shown_interventions(state)[0] is None and state.idle_stage != 1


def hit(buttons: list[Button], pos: tuple[int, int]) -> Button | None:
    """The button under ``pos`` (the last drawn wins, though buttons of one frame never overlap)."""
    for button in reversed(buttons):
        if button.rect.collidepoint(pos):
            return button
    return None
