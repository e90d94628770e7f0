"""Small pictograms drawn with pygame primitives, so they need no image files and no font glyphs.

Each function draws into the square centred in ``rect`` with ``color``; line widths follow the icon size.
"""

from __future__ import annotations

import math

import pygame

from kiosk.ui.theme import Color


def _square(rect: pygame.Rect, fill: float = 1.0) -> pygame.Rect:
    side = max(4, int(min(rect.width, rect.height) * fill))
    sq = pygame.Rect(0, 0, side, side)
    sq.center = rect.center
    return sq


def key(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    """A key: the attendant's way in."""
    sq = _square(rect, 0.5)
    w = max(2, sq.width // 9)
    r = sq.width // 4
    cx, cy = sq.left + r + w, sq.centery
    pygame.draw.circle(surface, color, (cx, cy), r, w)
    x0, x1 = cx + r, sq.right
    pygame.draw.line(surface, color, (x0, cy), (x1, cy), w)
    for x in (x1 - w // 2, x1 - 3 * w):
        pygame.draw.line(surface, color, (x, cy), (x, cy + sq.height // 5), w)


def barcode(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    """Barcode bars: "scan something"."""
    sq = _square(rect, 0.9)
    bars = (2, 1, 1, 3, 1, 2, 3, 1, 1, 2, 1, 3)       # bar widths; each bar is followed by a one-unit space
    units = sum(bars) + len(bars) - 1
    unit = max(1, int(sq.width * 0.8) // units)
    h = int(sq.height * 0.6)
    x = sq.centerx - unit * units // 2
    y = sq.centery - h // 2
    for bar in bars:
        pygame.draw.rect(surface, color, (x, y, bar * unit, h))
        x += (bar + 1) * unit


def warning(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """A filled circle with an exclamation mark."""
    sq = _square(rect)
    r = sq.width // 2
    pygame.draw.circle(surface, color, sq.center, r)
    w = max(3, r // 4)
    top, bottom = sq.centery - r // 2, sq.centery + r // 6
    pygame.draw.rect(surface, ink, (sq.centerx - w // 2, top, w, bottom - top), border_radius=w // 2)
    pygame.draw.circle(surface, ink, (sq.centerx, sq.centery + r // 2 - w // 4), max(2, w * 6 // 10))


def person(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """A filled circle with a person: "someone is coming"."""
    sq = _square(rect)
    r = sq.width // 2
    cx, cy = sq.center
    pygame.draw.circle(surface, color, sq.center, r)
    pygame.draw.circle(surface, ink, (cx, cy - r * 3 // 10), max(3, r * 9 // 40))
    # Shoulders: the upper half of an ellipse, standing on a line inside the circle.
    rx, ry, base = r * 0.5, r * 0.42, cy + r * 0.5
    pts = [(cx + rx * math.cos(a / 16 * math.pi), base - ry * math.sin(a / 16 * math.pi)) for a in range(17)]
    pygame.draw.polygon(surface, ink, pts)


def check(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """A filled circle with a tick: done, paid."""
    sq = _square(rect)
    r = sq.width // 2
    pygame.draw.circle(surface, color, sq.center, r)
    w = max(3, r // 5)
    pts = [(sq.centerx - r * 0.45, sq.centery + r * 0.02), (sq.centerx - r * 0.12, sq.centery + r * 0.35),
           (sq.centerx + r * 0.48, sq.centery - r * 0.3)]
    pygame.draw.lines(surface, ink, False, pts, w)
    for p in pts:
        pygame.draw.circle(surface, ink, (round(p[0]), round(p[1])), w // 2)


def no_entry(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """A closed lane: a filled circle with a bar."""
    sq = _square(rect)
    r = sq.width // 2
    pygame.draw.circle(surface, color, sq.center, r)
    bar = pygame.Rect(0, 0, int(r * 1.3), max(4, r // 3))
    bar.center = sq.center
    pygame.draw.rect(surface, ink, bar, border_radius=bar.height // 3)


def terminal(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """A card terminal with a card in it."""
    sq = _square(rect)
    body = pygame.Rect(0, 0, int(sq.width * 0.56), int(sq.height * 0.9))
    body.midbottom = (sq.centerx - sq.width // 10, sq.bottom)
    rad = max(3, body.width // 8)
    card = pygame.Rect(0, 0, int(sq.width * 0.5), int(sq.height * 0.32))
    card.topright = (sq.right, sq.top + sq.height // 12)
    pygame.draw.rect(surface, ink, card.inflate(6, 6), border_radius=rad)
    pygame.draw.rect(surface, color, card, border_radius=rad // 2)
    pygame.draw.rect(surface, ink, (card.x, card.y + card.height // 4, card.width, card.height // 6))
    pygame.draw.rect(surface, color, body, border_radius=rad)
    screen = pygame.Rect(body.x + body.width // 6, body.y + body.height // 9, body.width * 2 // 3, body.height // 4)
    pygame.draw.rect(surface, ink, screen, border_radius=rad // 2)
    k = max(2, body.width // 9)
    for row in range(3):
        for col in range(3):
            cx = body.x + body.width * (col + 1) // 4
            cy = screen.bottom + (body.bottom - screen.bottom) * (row + 1) // 4
            pygame.draw.circle(surface, ink, (cx, cy), k // 2 + 1)


def arrow(surface: pygame.Surface, rect: pygame.Rect, color: Color, up: bool) -> None:
    """A chevron for scroll buttons."""
    sq = _square(rect, 0.42)
    w = max(3, sq.width // 6)
    if up:
        pts = [(sq.left, sq.centery + sq.height // 4), (sq.centerx, sq.centery - sq.height // 4),
               (sq.right, sq.centery + sq.height // 4)]
    else:
        pts = [(sq.left, sq.centery - sq.height // 4), (sq.centerx, sq.centery + sq.height // 4),
               (sq.right, sq.centery - sq.height // 4)]
    pygame.draw.lines(surface, color, False, pts, w)
    for p in pts:
        pygame.draw.circle(surface, color, p, w // 2)


def cross(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    """Close."""
    sq = _square(rect, 0.36)
    w = max(3, sq.width // 7)
    pygame.draw.line(surface, color, sq.topleft, sq.bottomright, w)
    pygame.draw.line(surface, color, sq.bottomleft, sq.topright, w)


def backspace(surface: pygame.Surface, rect: pygame.Rect, color: Color) -> None:
    """The key that takes back the last letter: a key shape pointing left, with a cross in it."""
    sq = _square(rect, 0.5)
    w = max(2, sq.width // 12)
    top, bottom, mid = sq.centery - sq.height // 3, sq.centery + sq.height // 3, sq.centery
    tip = sq.left + sq.width // 3
    pygame.draw.polygon(surface, color, [(sq.left, mid), (tip, top), (sq.right, top), (sq.right, bottom),
                                         (tip, bottom)], w)
    x = pygame.Rect(0, 0, sq.height // 3, sq.height // 3)
    x.center = ((tip + sq.right) // 2, mid)
    pygame.draw.line(surface, color, x.topleft, x.bottomright, w)
    pygame.draw.line(surface, color, x.bottomleft, x.topright, w)


def dots(surface: pygame.Surface, rect: pygame.Rect, color: Color, faint: Color, phase: float) -> None:
    """Three dots, one highlighted in turn: "something is happening" (``phase`` is the time in seconds)."""
    r = max(3, min(rect.height // 2, rect.width // 10))
    lit = int(math.floor(phase * 2.5)) % 3
    for i in range(3):
        c = color if i == lit else faint
        pygame.draw.circle(surface, c, (rect.centerx + (i - 1) * r * 3, rect.centery), r)


def bag(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """A shopping bag in a filled circle: "put it in the bagging area"."""
    sq = _square(rect)
    r = sq.width // 2
    cx, cy = sq.center
    pygame.draw.circle(surface, color, sq.center, r)
    top, bottom = cy - r * 0.2, cy + r * 0.5
    body = [(cx - r * 0.42, top), (cx + r * 0.42, top), (cx + r * 0.5, bottom), (cx - r * 0.5, bottom)]
    pygame.draw.polygon(surface, ink, body)
    handle = pygame.Rect(0, 0, int(r * 0.5), int(r * 0.6))
    handle.center = (cx, int(top))
    pygame.draw.arc(surface, ink, handle, 0, math.pi, max(2, r // 8))


def barcode_badge(surface: pygame.Surface, rect: pygame.Rect, color: Color, ink: Color = (255, 255, 255)) -> None:
    """Barcode bars in a filled circle: "scan"."""
    sq = _square(rect)
    pygame.draw.circle(surface, color, sq.center, sq.width // 2)
    barcode(surface, sq.inflate(-sq.width * 2 // 5, -sq.height * 2 // 5), ink)
