"""The lane's look: two palettes (calm, and high contrast) and the sizes of everything, computed from the screen size.

Colours are module names (``theme.INK``, ``theme.PRIMARY``, ...) that every view reads while it draws. The screen
calls :func:`apply` before each frame: the calm palette, or the high-contrast one when the shopper asked for it
(EN 301 549 for self-service terminals: a black page, white and yellow text, at least 7:1 for every text on its
background, a strong border on every button and card, and nothing said by colour alone). The attendant's screens
keep the calm palette whatever the shopper chose.

Every length on screen comes from :class:`Metrics`, scaled from a 1280x800 reference so the same layout works on a
7" 1024x600 panel and on a 1920x1080 monitor; ``large=True`` gives the shopper's large-text metrics (bigger fonts,
taller rows and buttons). Touch targets are measured in millimetres, not pixels: ``Metrics.touch`` is the smallest
one, ``TOUCH_MM`` (15 mm) at the panel's density (:func:`px_per_mm`: the ``[display]`` section of the config, else
the lane's panel of that resolution), and every button a shopper or an attendant touches at the lane is at least
that big both ways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Color = tuple[int, int, int]
Tone = tuple[Color, Color, Color]

# ------------------------------------------------------------------------------------------ the calm palette
# These names are what a view reads. apply() rebinds them; the values below are the calm palette.

# Neutrals: an off-white page, white cards, near-black ink.
BG: Color = (241, 244, 246)
CARD: Color = (255, 255, 255)
CARD_BORDER: Color | None = None    # a line around every card (high contrast only)
INK: Color = (29, 38, 48)
MUTED: Color = (96, 108, 120)
FAINT: Color = (150, 160, 170)
LINE: Color = (222, 227, 232)
SHADOW: Color = (214, 220, 226)
SHADOWS: bool = True                # cards and buttons cast a soft shadow
ROW_HIGHLIGHT: Color = (235, 246, 239)
ICON_INK: Color = (255, 255, 255)   # the pictogram inside a filled status icon (warning, bag, ...)

# The brand bar and the actions.
HEADER: Color = (22, 63, 86)
HEADER_RULE: Color | None = None    # a line under the brand bar (high contrast only)
HEADER_INK: Color = (255, 255, 255)
HEADER_MUTED: Color = (150, 180, 198)
HEADER_BUTTON: Color = (37, 84, 110)
PRIMARY: Color = (23, 128, 76)
PRIMARY_DARK: Color = (15, 96, 56)
PRIMARY_INK: Color = (255, 255, 255)
SECONDARY: Color = (255, 255, 255)
SECONDARY_BORDER: Color = (196, 205, 214)
BUTTON_BORDER: Color | None = None  # a border for the buttons that have none in the calm palette
BORDER_PX: int = 2                  # border width at the 1280x800 reference
ACCENT: Color = (22, 63, 86)
ACCENT_INK: Color = (255, 255, 255)
DANGER: Color = (178, 40, 40)
DISABLED: Color = (232, 235, 238)
DISABLED_INK: Color = (160, 168, 176)

# Message tones: (background, bar and icon, text).
INFO: Tone = ((228, 239, 247), (32, 104, 150), INK)
WARN: Tone = ((255, 243, 214), (219, 146, 0), INK)
ERROR: Tone = ((252, 231, 231), (196, 44, 44), INK)
SUCCESS: Tone = ((226, 243, 233), (23, 128, 76), INK)

# The lane light as the shopper and the attendant see it.
LIGHT: dict[str, Color] = {"red": (211, 47, 47), "amber": (242, 160, 30), "green": (46, 157, 87)}

# The attendant's screens look different on purpose, so nobody mistakes them for the shopper's.
STAFF_HEADER: Color = (40, 44, 54)
STAFF_ACCENT: Color = (242, 160, 30)
STAFF_INK: Color = (29, 38, 48)
STAFF_BUTTON: Color = (66, 72, 86)
STAFF_BG: Color = (236, 238, 242)
SELECTED: Color = (255, 243, 214)
SELECTED_BORDER: Color = (219, 146, 0)

DIM = (10, 20, 30, 150)

#: Every name a palette sets, in the order above.
PALETTE_NAMES = (
    "BG", "CARD", "CARD_BORDER", "INK", "MUTED", "FAINT", "LINE", "SHADOW", "SHADOWS", "ROW_HIGHLIGHT", "ICON_INK",
    "HEADER", "HEADER_RULE", "HEADER_INK", "HEADER_MUTED", "HEADER_BUTTON", "PRIMARY", "PRIMARY_DARK", "PRIMARY_INK",
    "SECONDARY", "SECONDARY_BORDER", "BUTTON_BORDER", "BORDER_PX", "ACCENT", "ACCENT_INK", "DANGER", "DISABLED",
    "DISABLED_INK", "INFO", "WARN", "ERROR", "SUCCESS", "LIGHT", "STAFF_HEADER", "STAFF_ACCENT", "STAFF_INK",
    "STAFF_BUTTON", "STAFF_BG", "SELECTED", "SELECTED_BORDER", "DIM",
)

NORMAL: dict[str, Any] = {name: globals()[name] for name in PALETTE_NAMES}

# ---------------------------------------------------------------------------------- the high-contrast palette
_WHITE: Color = (255, 255, 255)
_BLACK: Color = (0, 0, 0)
_YELLOW: Color = (255, 221, 0)

HIGH_CONTRAST: dict[str, Any] = {
    **NORMAL,
    "BG": _BLACK, "CARD": _BLACK, "CARD_BORDER": (200, 200, 200),
    "INK": _WHITE, "MUTED": (225, 225, 225), "FAINT": (190, 190, 190), "LINE": (150, 150, 150),
    "SHADOW": _BLACK, "SHADOWS": False, "ROW_HIGHLIGHT": (48, 48, 0), "ICON_INK": _BLACK,
    "HEADER": _BLACK, "HEADER_RULE": _WHITE, "HEADER_INK": _WHITE, "HEADER_MUTED": _YELLOW, "HEADER_BUTTON": _BLACK,
    "PRIMARY": _YELLOW, "PRIMARY_DARK": _BLACK, "PRIMARY_INK": _BLACK,
    "SECONDARY": _BLACK, "SECONDARY_BORDER": _WHITE, "BUTTON_BORDER": _WHITE, "BORDER_PX": 3,
    "ACCENT": _WHITE, "ACCENT_INK": _BLACK, "DANGER": (255, 150, 150),
    "DISABLED": _BLACK, "DISABLED_INK": (150, 150, 150),
    "INFO": (_BLACK, (120, 205, 255), _WHITE),
    "WARN": (_BLACK, _YELLOW, _WHITE),
    "ERROR": (_BLACK, (255, 150, 150), _WHITE),
    "SUCCESS": (_BLACK, (100, 230, 140), _WHITE),
    "LIGHT": {"red": (255, 90, 90), "amber": (255, 190, 40), "green": (80, 220, 120)},
    "DIM": (0, 0, 0, 200),
}

_TONES = ("INFO", "WARN", "ERROR", "SUCCESS")
_current = "normal"


def apply(contrast: bool) -> None:
    """Rebind the colour names to the high-contrast palette (``contrast``) or to the calm one."""
    global _current
    want = "contrast" if contrast else "normal"
    if want != _current:
        globals().update(HIGH_CONTRAST if contrast else NORMAL)
        _current = want


def high_contrast() -> bool:
    """Whether the high-contrast palette is the one applied."""
    return _current == "contrast"


def tone(t: Tone) -> Tone:
    """The current palette's version of a message tone given in any palette (a module may hold the calm one)."""
    for name in _TONES:
        if t == NORMAL[name] or t == HIGH_CONTRAST[name]:
            return globals()[name]
    return t


def style(name: str) -> tuple[Color, Color | None, Color, Color | None]:
    """(fill, border, ink, shadow) of a button style in the current palette."""
    styles = {
        "primary": (PRIMARY, None, PRIMARY_INK, PRIMARY_DARK),
        "secondary": (SECONDARY, SECONDARY_BORDER, INK, SHADOW),
        "danger": (SECONDARY, SECONDARY_BORDER, DANGER, SHADOW),
        "selected": (ACCENT, None, ACCENT_INK, None),
        "header": (HEADER_BUTTON, None, HEADER_INK, None),
        "staff": (STAFF_ACCENT, None, STAFF_INK, None),
        "staff_header": (STAFF_BUTTON, None, HEADER_INK, None),
        "disabled": (DISABLED, None, DISABLED_INK, None),
    }
    fill, border, ink, shadow = styles[name]
    if border is None:
        border = BUTTON_BORDER if name != "disabled" else (LINE if BUTTON_BORDER is not None else None)
    return fill, border, ink, shadow if SHADOWS else None


STYLES = ("primary", "secondary", "danger", "selected", "header", "staff", "staff_header", "disabled")

# ------------------------------------------------------------------------------------------------------ sizes

#: The smallest touch target, in millimetres both ways, for the shopper's and the attendant's buttons at the lane.
TOUCH_MM = 15.0

#: And in pixels, whatever the density says: a panel set up as coarse (a large monitor) still gets buttons that
#: hold a two-line label.
MIN_TOUCH_PX = 72

#: The lane's panels by resolution, with their diagonal in inches. A desktop window of the same size is drawn as if
#: it were that panel, so what the demo shows is what the lane shows.
PANELS: dict[tuple[int, int], float] = {(1024, 600): 7.0, (1280, 800): 10.1, (1920, 1080): 15.6}

_MM_PER_INCH = 25.4


def px_per_mm(size: tuple[int, int], diagonal_in: float | None = None) -> float:
    """The pixel density of a screen of ``size`` pixels: from its diagonal in inches when given, else that of the
    lane's panel of this resolution (:data:`PANELS`); a size that is none of them is taken to be as dense as the panel
    nearest to it in pixels."""
    size = (int(size[0]), int(size[1]))
    if diagonal_in is None:
        if size not in PANELS:
            size = min(PANELS, key=lambda panel: abs(math.hypot(*panel) - math.hypot(*size)))
        diagonal_in = PANELS[size]
    return math.hypot(*size) / (diagonal_in * _MM_PER_INCH)


def touch_px(density: float) -> int:
    """The smallest touch target in pixels at ``density`` pixels per millimetre: ``TOUCH_MM``, never below
    ``MIN_TOUCH_PX``."""
    return max(MIN_TOUCH_PX, math.ceil(TOUCH_MM * density))


#: Font sizes in pixels at the 1280x800 reference.
_FONT_PX = {
    "small": 19,
    "body": 24,
    "body_b": 24,
    "button": 26,
    "large": 30,
    "large_b": 32,
    "xl_b": 44,
    "title_b": 60,
    "huge_b": 84,
}
BOLD_FONTS = frozenset(k for k in _FONT_PX if k.endswith("_b") or k == "button")

#: Large text: reading sizes grow by about a third; headings, already big, grow less.
LARGE_TEXT_FACTOR = 1.35
_LARGE_FONT_FACTOR = {"xl_b": 1.2, "title_b": 1.1, "huge_b": 1.0}


@dataclass(frozen=True, slots=True)
class Metrics:
    w: int
    h: int
    scale: float
    px_per_mm: float  # the panel's density
    touch: int        # the smallest touch target, both ways: TOUCH_MM at that density
    pad: int          # outer margin
    gap: int          # between neighbours
    radius: int       # rounded corners
    header_h: int
    strip_h: int      # instruction and notice strips
    button_h: int     # the shopper's buttons
    row_h: int        # basket lines
    font_px: dict
    large: bool = False

    @classmethod
    def for_size(cls, size: tuple[int, int], large: bool = False, density: float | None = None) -> "Metrics":
        """The metrics of a ``size`` screen of ``density`` pixels per millimetre (None: :func:`px_per_mm`)."""
        w, h = size
        s = min(w / 1280.0, h / 800.0)
        density = px_per_mm(size) if density is None else density
        touch = touch_px(density)

        def px(v: float, least: int = 1) -> int:
            return max(least, round(v * s))

        fonts = dict(_FONT_PX)
        grow = {"header_h": 1.0, "strip_h": 1.0, "button_h": 1.0, "row_h": 1.0}
        if large:
            fonts = {k: v * _LARGE_FONT_FACTOR.get(k, LARGE_TEXT_FACTOR) for k, v in _FONT_PX.items()}
            grow = {"header_h": 1.15, "strip_h": 1.25, "button_h": 1.15, "row_h": LARGE_TEXT_FACTOR}
        return cls(
            w=w, h=h, scale=s, px_per_mm=density, touch=touch,
            pad=px(16, 8), gap=px(12, 6), radius=px(14, 6),
            header_h=px(80 * grow["header_h"], touch), strip_h=px(62 * grow["strip_h"], 46),
            button_h=px(96 * grow["button_h"], touch), row_h=px(54 * grow["row_h"], 38),
            font_px={k: px(v, 14) for k, v in fonts.items()}, large=large,
        )
