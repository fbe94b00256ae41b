"""Where the side columns go: the people column beside or below the room's big screen as the camera sees it,
never over it; the teacher's panel beside the room's boards (:func:`side_panel`).

Rectangles are ``(left, right, bottom, top)`` in aspect2d units (the window is ``-aspect..aspect`` across,
``-1..1`` high when it is wider than high).
"""

from __future__ import annotations

import math

from panda3d.core import Point2, Point3

from cybercollege.client import style
from cybercollege.worlds import Room
from cybercollege.worlds.model import Panel

Rect = tuple[float, float, float, float]

GAP = 0.03  # aspect2d units between the screen and the column
MIN_HEIGHT = 0.4  # a column lower than this (title and two names) is not worth showing
MIN_WIDTH = 0.55
BOTTOM = -1.0 + 0.56  # above the hand / sit / menu buttons and the teacher's panel button


def hud_top() -> float:
    """The top of the HUD's hand / sit / menu buttons and a little room: ``BOTTOM``, higher with large text."""
    return -1.0 + (BOTTOM + 1.0) * style.TEXT_SCALE
MARGIN = 0.72  # the middle of the top edge is the conference bar's
STEP = 0.05


def column_width(aspect: float) -> float:
    """As wide as 0.9, but leaving the top centre to the conference bar (narrow windows)."""
    return max(MIN_WIDTH, min(0.9, aspect - MARGIN))


def screen_rect(base, parent, screen: Panel | None) -> Rect | None:
    """A screen's (or a board's) bounds on the window (clipped to it), or None when it is not in front of the
    camera. A screen partly behind the camera is cut at the near plane first, so only what is in front counts."""
    if screen is None:
        return None
    h = math.radians(screen.heading + 180.0)  # client/screen.py turns the surface to face the room
    cos, sin = math.cos(h), math.sin(h)
    lens, near = base.camLens, base.camLens.get_near() * 1.01
    aspect = base.getAspectRatio()
    corners = []
    for dx, dz in ((-1, -1), (1, -1), (1, 1), (-1, 1)):  # around the quad, in order
        x, z = dx * screen.width / 2, dz * screen.height / 2
        world = Point3(screen.x + x * cos, screen.y + x * sin, screen.z + z)
        corners.append(base.cam.get_relative_point(parent, world))
    points = []
    for p in _in_front(corners, near):
        film = Point2()
        lens.project(p, film)  # filled even when outside the frame (then it returns False)
        points.append((film.x, film.y))
    if not points:
        return None
    sx, sz = (aspect, 1.0) if aspect >= 1 else (1.0, 1.0 / aspect)
    left, right = min(x for x, _ in points) * sx, max(x for x, _ in points) * sx
    bottom, top = min(z for _, z in points) * sz, max(z for _, z in points) * sz
    if right < -sx or left > sx or top < -sz or bottom > sz:
        return None
    return (max(left, -sx), min(right, sx), max(bottom, -sz), min(top, sz))


def _in_front(polygon: list[Point3], near: float) -> list[Point3]:
    """The part of a convex polygon (camera space) in front of the near plane (Sutherland–Hodgman, one plane)."""
    kept: list[Point3] = []
    for i, a in enumerate(polygon):
        b = polygon[(i + 1) % len(polygon)]
        if a.y >= near:
            kept.append(a)
        if (a.y >= near) != (b.y >= near):
            t = (near - a.y) / (b.y - a.y)
            kept.append(a + (b - a) * t)
    return kept


def overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def column(aspect: float, screen: Rect | None, top: float = 1.0, bottom: float = BOTTOM) -> Rect | None:
    """The people column at the right edge: full height if the screen leaves it free, else below or beside
    the screen (the larger), shrunk; None when neither leaves room (the list is hidden, never over it)."""
    width = column_width(aspect)
    full = (aspect - width, aspect, bottom, top)
    if screen is None or not overlap(full, screen):
        return full
    options = []
    below = screen[2] - GAP
    if below - bottom >= MIN_HEIGHT:
        options.append((aspect - width, aspect, bottom, min(top, below)))
    beside = screen[1] + GAP
    if aspect - beside >= MIN_WIDTH:
        options.append((max(beside, aspect - width), aspect, bottom, top))
    above = screen[3] + GAP
    if top - above >= MIN_HEIGHT:
        options.append((aspect - width, aspect, above, top))
    if not options:
        return None
    return _snap(max(options, key=lambda r: (r[1] - r[0]) * (r[3] - r[2])))


def _snap(rect: Rect) -> Rect:
    """Shrunk to a 0.05 grid, so that the column is laid out again only when the camera moved noticeably."""
    left, right, bottom, top = rect
    return (math.ceil(left / STEP) * STEP, right, math.ceil(bottom / STEP) * STEP, math.floor(top / STEP) * STEP)


PANEL_TOP = 1.0 - 0.03
PANEL_BOTTOM = BOTTOM
"""The right side's room: below the window's top, above the hand / sit / menu buttons (the left side has the
drawing toolbar and the chat)."""
MIN_SCALE = 0.55
COMFORT = 0.85
"""Beside the big screen too if the panel keeps this much of its size there; else beside the boards only."""


def room_rects(base, parent, room: Room | None) -> tuple[list[Rect], list[Rect]]:
    """The room's boards, and its big screen, on the window (those in front of the camera)."""
    if room is None:
        return [], []
    boards = [r for b in room.whiteboards if (r := screen_rect(base, parent, b)) is not None]
    screen = screen_rect(base, parent, room.screen)
    return boards, [screen] if screen is not None else []


def side_panel(aspect: float, boards: list[Rect], others: list[Rect], width: float,
               height: float) -> tuple[float, float, float]:
    """``(left, top, scale)`` of a panel ``width`` x ``height`` (at scale 1) at the right edge of the window
    that overlaps neither the ``boards`` nor the ``others`` (the big screen): scaled down to the room left
    beside them and to the window's height. If that leaves less than ``COMFORT``, only the boards are kept
    clear (down to ``MIN_SCALE``); if even they leave too little (the teacher's nose on the board), ``MIN_SCALE``."""
    scale = min(1.0, (PANEL_TOP - hud_top()) / height)
    for kept, least in ((boards + others, COMFORT), (boards, MIN_SCALE)):
        free = 2 * aspect
        for r in kept:
            if r[2] < PANEL_TOP and r[3] > PANEL_TOP - height * scale:  # beside the panel's rows
                free = min(free, aspect - r[1] - GAP)
        fitted = min(scale, max(0.0, free) / width)
        if fitted >= min(least, scale):
            return (aspect - width * fitted, PANEL_TOP, fitted)
    return (aspect - width * MIN_SCALE, PANEL_TOP, MIN_SCALE)
