"""Precomputed walkable area of a room: fast ``contains`` and ``segment_allowed`` for the server.

The room's bounding box is cut into square cells. Each cell is classified once at load time as
fully walkable (``True``), fully blocked (``False``) or mixed (a tuple of the wall edges and
obstacles that touch it). Most queries stop at one list lookup; only mixed cells run exact tests.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Final

from cybercollege.worlds import geometry

Pt = tuple[float, float]
FREE: Final = True
BLOCKED: Final = False
Cell = bool | tuple[tuple[tuple[Pt, Pt], ...], tuple["Box", ...]]
"""A grid cell: FREE, BLOCKED, or mixed: (the walls, the boxes) that cross it."""
CELL = 0.5  # metres: grid cell size for small rooms
MAX_CELLS = 250_000  # bigger floors get bigger cells
MAX_CELLS_PER_SEGMENT = 16  # beyond this, test all obstacles directly


class Box:
    """A solid obstacle: a rectangle of half sizes ``hx, hy`` centred at ``cx, cy``, turned by ``heading``."""

    __slots__ = ("bbox", "c", "cx", "cy", "hx", "hy", "s")

    def __init__(self, cx: float, cy: float, hx: float, hy: float, heading: float = 0.0) -> None:
        self.cx, self.cy, self.hx, self.hy = cx, cy, hx, hy
        quarter = heading / 90.0
        if abs(quarter - round(quarter)) < 1e-9:  # exact axes for 0/90/180/270 degrees
            self.c, self.s = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))[round(quarter) % 4]
        else:
            self.c, self.s = math.cos(math.radians(heading)), math.sin(math.radians(heading))
        ex = abs(self.c) * hx + abs(self.s) * hy
        ey = abs(self.s) * hx + abs(self.c) * hy
        self.bbox = (cx - ex, cy - ey, cx + ex, cy + ey)

    def corners(self) -> list[Pt]:
        """The four corners, counter-clockwise."""
        c, s = self.c, self.s
        return [
            (self.cx + u * c - v * s, self.cy + u * s + v * c)
            for u, v in ((-self.hx, -self.hy), (self.hx, -self.hy), (self.hx, self.hy), (-self.hx, self.hy))
        ]

    def contains_open(self, x: float, y: float) -> bool:
        """Point strictly inside (the boundary is walkable)."""
        dx, dy = x - self.cx, y - self.cy
        u = dx * self.c + dy * self.s
        v = dy * self.c - dx * self.s
        return -self.hx < u < self.hx and -self.hy < v < self.hy

    def hits_segment(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """True when the segment passes through the open interior (sliding along an edge is fine)."""
        c, s = self.c, self.s
        dx, dy = x0 - self.cx, y0 - self.cy
        u0, v0 = dx * c + dy * s, dy * c - dx * s
        ex, ey = x1 - x0, y1 - y0
        du, dv = ex * c + ey * s, ey * c - ex * s
        lo, hi = 0.0, 1.0
        for p0, dp, h in ((u0, du, self.hx), (v0, dv, self.hy)):
            if dp == 0.0:
                if not -h < p0 < h:
                    return False
                continue
            ta, tb = (-h - p0) / dp, (h - p0) / dp
            if ta > tb:
                ta, tb = tb, ta
            lo, hi = max(lo, ta), min(hi, tb)
        return hi - lo > 1e-12


class Walkable:
    """The walkable area of one room: a polygon minus solid boxes, with a grid of precomputed cells."""

    __slots__ = ("_boxes", "_cells", "_inv", "_lines", "_nx", "_ny", "_points", "_rect", "_trivial", "bounds")

    def __init__(self, points: Sequence[Pt], boxes: Sequence[Box], cell: float = CELL) -> None:
        self._points = tuple(points)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        self.bounds = (min(xs), min(ys), max(xs), max(ys))
        self._rect = _is_axis_rect(self._points)
        self._boxes = tuple(boxes)
        # Walls only matter when the polygon is not its own bounding box.
        self._lines = () if self._rect else tuple(geometry.edges(self._points))
        self._trivial = self._rect and not self._boxes
        area = (self.bounds[2] - self.bounds[0] + cell) * (self.bounds[3] - self.bounds[1] + cell)
        cell = max(cell, math.sqrt(area / MAX_CELLS))
        self._inv = 1.0 / cell
        self._nx = int((self.bounds[2] - self.bounds[0]) * self._inv) + 1
        self._ny = int((self.bounds[3] - self.bounds[1]) * self._inv) + 1
        self._cells = self._classify(cell)

    @property
    def boxes(self) -> tuple[Box, ...]:
        """The solid obstacles."""
        return self._boxes

    # -- queries (hot path) -------------------------------------------------------------------

    def contains(self, x: float, y: float) -> bool:
        """Inside the walkable polygon and not inside a solid obstacle."""
        b = self.bounds
        if not (b[0] <= x <= b[2] and b[1] <= y <= b[3]):
            return False  # also rejects NaN
        if self._trivial:
            return True
        cell = self._cells[int((x - b[0]) * self._inv) * self._ny + int((y - b[1]) * self._inv)]
        if cell is FREE:
            return True
        if cell is BLOCKED:
            return False
        return self._exact_contains(x, y, cell[1])

    def segment_allowed(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Both ends walkable and the segment crosses no wall and enters no obstacle."""
        if not (self.contains(x0, y0) and self.contains(x1, y1)):
            return False
        if self._trivial:
            return True
        b, inv, ny, cells = self.bounds, self._inv, self._ny, self._cells
        i0, i1 = int((x0 - b[0]) * inv), int((x1 - b[0]) * inv)
        j0, j1 = int((y0 - b[1]) * inv), int((y1 - b[1]) * inv)
        if i0 > i1:
            i0, i1 = i1, i0
        if j0 > j1:
            j0, j1 = j1, j0
        if (i1 - i0 + 1) * (j1 - j0 + 1) > MAX_CELLS_PER_SEGMENT:
            return self._long_segment_allowed(x0, y0, x1, y1)
        # A segment that meets a blocked cell must meet an edge lying in a mixed cell of its bbox.
        near_wall = False
        for i in range(i0, i1 + 1):
            base = i * ny
            for j in range(j0, j1 + 1):
                cell = cells[base + j]
                if cell is FREE or cell is BLOCKED:
                    continue
                if cell[0]:
                    near_wall = True
                for box in cell[1]:
                    if box.hits_segment(x0, y0, x1, y1):
                        return False
        return not near_wall or self._inside_all_along(x0, y0, x1, y1)

    def _long_segment_allowed(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Long moves (rare, bounded cost): test every obstacle instead of visiting many cells."""
        if any(box.hits_segment(x0, y0, x1, y1) for box in self._boxes):
            return False
        return not self._lines or self._inside_all_along(x0, y0, x1, y1)

    def _inside_all_along(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Exact test for non-rectangular floors: cut the segment where it meets the outline and check
        that every piece lies inside (also catches paths that leave through a corner)."""
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        cuts = [0.0, 1.0]
        for (ax, ay), (bx, by) in self._lines:
            ex, ey = bx - ax, by - ay
            den = dx * ey - dy * ex
            if abs(den) < 1e-12:  # parallel: only collinear edges matter, cut at their ends
                if length2 > 0 and abs(geometry.orient(ax, ay, bx, by, x0, y0)) < geometry.EPS:
                    cuts += [((px - x0) * dx + (py - y0) * dy) / length2 for px, py in ((ax, ay), (bx, by))]
                continue
            t = ((ax - x0) * ey - (ay - y0) * ex) / den
            u = ((ax - x0) * dy - (ay - y0) * dx) / den
            if -1e-12 <= u <= 1 + 1e-12:
                cuts.append(t)
        cuts = sorted(t for t in cuts if 0.0 <= t <= 1.0)
        for a, b in itertools.pairwise(cuts):
            if b - a > 1e-12:
                m = (a + b) / 2
                if not geometry.in_polygon(x0 + m * dx, y0 + m * dy, self._points):
                    return False
        return True

    # -- precomputation ------------------------------------------------------------------------

    def _exact_contains(self, x: float, y: float, boxes: Sequence[Box]) -> bool:
        if not self._rect and not geometry.in_polygon(x, y, self._points):
            return False
        return not any(box.contains_open(x, y) for box in boxes)

    def _cell_rect(self, i: int, j: int, size: float) -> tuple[float, float, float, float]:
        x, y = self.bounds[0] + i * size, self.bounds[1] + j * size
        return (x, y, x + size, y + size)

    def _cell_range(self, bbox: tuple[float, float, float, float]) -> tuple[range, range]:
        b, inv = self.bounds, self._inv
        i0 = max(0, math.floor((bbox[0] - b[0]) * inv) - 1)
        i1 = min(self._nx - 1, math.floor((bbox[2] - b[0]) * inv) + 1)
        j0 = max(0, math.floor((bbox[1] - b[1]) * inv) - 1)
        j1 = min(self._ny - 1, math.floor((bbox[3] - b[1]) * inv) + 1)
        return range(i0, i1 + 1), range(j0, j1 + 1)

    def _classify(self, size: float) -> list[Cell]:
        lines: list[list[tuple[Pt, Pt]]] = [[] for _ in range(self._nx * self._ny)]
        boxes: list[list[Box]] = [[] for _ in range(self._nx * self._ny)]
        inside_box = [False] * (self._nx * self._ny)
        for a, c in self._lines:
            seg_box = (min(a[0], c[0]), min(a[1], c[1]), max(a[0], c[0]), max(a[1], c[1]))
            irange, jrange = self._cell_range(seg_box)
            for i in irange:
                for j in jrange:
                    if geometry.segment_hits_rect(*a, *c, _grow(self._cell_rect(i, j, size))):
                        lines[i * self._ny + j].append((a, c))
        for box in self._boxes:
            irange, jrange = self._cell_range(box.bbox)
            for i in irange:
                for j in jrange:
                    rect = self._cell_rect(i, j, size)
                    if not _overlap(rect, box.bbox):
                        continue
                    corners = ((rect[0], rect[1]), (rect[2], rect[1]), (rect[2], rect[3]), (rect[0], rect[3]))
                    if all(box.contains_open(*_shrink(p, box)) for p in corners):
                        inside_box[i * self._ny + j] = True
                    else:
                        boxes[i * self._ny + j].append(box)
        cells: list[Cell] = []
        for i in range(self._nx):
            for j in range(self._ny):
                k = i * self._ny + j
                if inside_box[k]:
                    cells.append(BLOCKED)
                elif lines[k] or boxes[k]:
                    cells.append((tuple(lines[k]), tuple(boxes[k])))
                else:
                    r = self._cell_rect(i, j, size)
                    centre_in = self._exact_contains((r[0] + r[2]) / 2, (r[1] + r[3]) / 2, ())
                    cells.append(FREE if centre_in else BLOCKED)
        return cells


def _grow(rect: tuple[float, float, float, float], eps: float = 1e-7) -> tuple[float, float, float, float]:
    return (rect[0] - eps, rect[1] - eps, rect[2] + eps, rect[3] + eps)


def _shrink(p: Pt, box: Box) -> Pt:
    """Move a cell corner a hair away from the box centre, so 'all corners inside' stays conservative."""
    return (p[0] + (p[0] - box.cx) * 1e-7, p[1] + (p[1] - box.cy) * 1e-7)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _is_axis_rect(points: Sequence[Pt]) -> bool:
    if len(points) != 4:
        return False
    xs = sorted({p[0] for p in points})
    ys = sorted({p[1] for p in points})
    return len(xs) == 2 and len(ys) == 2 and len({(p[0], p[1]) for p in points}) == 4
