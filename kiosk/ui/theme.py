"""The lane's look: one calm palette and the sizes of everything, computed from the screen size.

Every length on screen comes from :class:`Metrics`, scaled from a 1280x800 reference so the same layout works on a
7" 1024x600 panel and on a 1920x1080 monitor. Touch targets never shrink below ``MIN_TOUCH_PX`` (about 15 mm on the
panels a lane is built with), whatever the scale.
"""

from __future__ import annotations

from dataclasses import dataclass

Color = tuple[int, int, int]

# Neutrals: an off-white page, white cards, near-black ink.
BG: Color = (241, 244, 246)
CARD: Color = (255, 255, 255)
INK: Color = (29, 38, 48)
MUTED: Color = (96, 108, 120)
FAINT: Color = (150, 160, 170)
LINE: Color = (222, 227, 232)
SHADOW: Color = (214, 220, 226)
ROW_HIGHLIGHT: Color = (235, 246, 239)

# The brand bar and the actions.
HEADER: Color = (22, 63, 86)
HEADER_INK: Color = (255, 255, 255)
HEADER_MUTED: Color = (150, 180, 198)
HEADER_BUTTON: Color = (37, 84, 110)
PRIMARY: Color = (23, 128, 76)
PRIMARY_DARK: Color = (15, 96, 56)
PRIMARY_INK: Color = (255, 255, 255)
SECONDARY: Color = (255, 255, 255)
SECONDARY_BORDER: Color = (196, 205, 214)
ACCENT: Color = (22, 63, 86)
ACCENT_INK: Color = (255, 255, 255)
DANGER: Color = (178, 40, 40)
DISABLED: Color = (232, 235, 238)
DISABLED_INK: Color = (160, 168, 176)

# Message tones: (background, bar and icon, text).
INFO = ((228, 239, 247), (32, 104, 150), INK)
WARN = ((255, 243, 214), (219, 146, 0), INK)
ERROR = ((252, 231, 231), (196, 44, 44), INK)
SUCCESS = ((226, 243, 233), (23, 128, 76), INK)

# The lane light as the shopper and the attendant see it.
LIGHT: dict[str, Color] = {"red": (211, 47, 47), "amber": (242, 160, 30), "green": (46, 157, 87)}

# The attendant's screens look different on purpose, so nobody mistakes them for the shopper's.
STAFF_HEADER: Color = (40, 44, 54)
STAFF_ACCENT: Color = (242, 160, 30)
STAFF_BUTTON: Color = (66, 72, 86)
STAFF_BG: Color = (236, 238, 242)
SELECTED: Color = (255, 243, 214)
SELECTED_BORDER: Color = (219, 146, 0)

DIM = (10, 20, 30, 150)

#: The smallest touch target, in pixels (about 15 mm on a 10" 1280x800 panel, 11 mm on a 7" 1024x600 one).
MIN_TOUCH_PX = 72

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


@dataclass(frozen=True, slots=True)
class Metrics:
    w: int
    h: int
    scale: float
    pad: int          # outer margin
    gap: int          # between neighbours
    radius: int       # rounded corners
    header_h: int
    strip_h: int      # instruction and notice strips
    button_h: int     # the shopper's buttons
    row_h: int        # basket lines
    font_px: dict

    @classmethod
    def for_size(cls, size: tuple[int, int]) -> "Metrics":
        w, h = size
        s = min(w / 1280.0, h / 800.0)

        def px(v: float, least: int = 1) -> int:
            return max(least, round(v * s))

        return cls(
            w=w, h=h, scale=s,
            pad=px(16, 8), gap=px(12, 6), radius=px(14, 6),
            header_h=px(80, 60), strip_h=px(62, 46), button_h=px(96, MIN_TOUCH_PX), row_h=px(54, 38),
            font_px={k: px(v, 14) for k, v in _FONT_PX.items()},
        )
