"""Plane geometry helpers (metres, x east, y north; headings in degrees, 0 = +y, counter-clockwise)."""

from __future__ import annotations

import math
from collections.abc import Sequence

Pt = tuple[float, float]
EPS = 1e-9


def direction(heading_deg: float) -> Pt:
    """Unit vector an object with this heading faces (Panda3D H: 0 = +y, 90 = -x)."""
    r = math.radians(heading_deg)
    return (-math.sin(r), math.cos(r))


def heading_of(dx: float, dy: float) -> float:
    """Heading (degrees in [0, 360)) of the direction (dx, dy)."""
    return round(math.degrees(math.atan2(-dx, dy)), 9) % 360.0


def signed_area(points: Sequence[Pt]) -> float:
    """Shoelace area: positive when the points turn counter-clockwise."""
    n = len(points)
    return 0.5 * sum(
        points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1] for i in range(n)
    )


def edges(points: Sequence[Pt]) -> list[tuple[Pt, Pt]]:
    """Closed polygon edges as (start, end) pairs."""
    return [(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]


def orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
    """Twice the signed area of triangle abc (> 0 when c is left of a->b)."""
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def _sign(v: float) -> int:
    return 0 if abs(v) < EPS else (1 if v > 0 else -1)


def segments_cross(p0: Pt, p1: Pt, q0: Pt, q1: Pt) -> bool:
    """True when the segments cross at a single interior point of both (touching does not count)."""
    d1 = _sign(orient(*q0, *q1, *p0))
    d2 = _sign(orient(*q0, *q1, *p1))
    d3 = _sign(orient(*p0, *p1, *q0))
    d4 = _sign(orient(*p0, *p1, *q1))
    return d1 * d2 < 0 and d3 * d4 < 0


def segments_touch(p0: Pt, p1: Pt, q0: Pt, q1: Pt) -> bool:
    """True when the closed segments share at least one point."""
    if segments_cross(p0, p1, q0, q1):
        return True
    return any(
        point_segment_distance(*a, *b0, *b1) < 1e-7
        for a, (b0, b1) in ((p0, (q0, q1)), (p1, (q0, q1)), (q0, (p0, p1)), (q1, (p0, p1)))
    )


def is_simple(points: Sequence[Pt]) -> bool:
    """A polygon is simple when no two edges meet except neighbours at their shared vertex."""
    if len({(round(x, 9), round(y, 9)) for x, y in points}) != len(points):
        return False
    es = edges(points)
    n = len(es)
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue
            if segments_touch(*es[i], *es[j]):
                return False
    return True


def is_convex(points: Sequence[Pt]) -> bool:
    """True for a convex polygon given counter-clockwise."""
    n = len(points)
    return all(
        orient(*points[i], *points[(i + 1) % n], *points[(i + 2) % n]) >= -EPS for i in range(n)
    )


def point_segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    """Euclidean distance from point p to the closed segment ab."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def in_polygon(x: float, y: float, points: Sequence[Pt], tol: float = 1e-7) -> bool:
    """Point in the closed polygon (points within ``tol`` of an edge count as inside)."""
    inside = False
    n = len(points)
    for i in range(n):
        ax, ay = points[i]
        bx, by = points[(i + 1) % n]
        if point_segment_distance(x, y, ax, ay, bx, by) <= tol:
            return True
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


def strictly_in_polygon(x: float, y: float, points: Sequence[Pt], tol: float = 1e-7) -> bool:
    """Point in the polygon's interior, farther than ``tol`` from every edge."""
    if any(point_segment_distance(x, y, *a, *b) <= tol for a, b in edges(points)):
        return False
    return in_polygon(x, y, points, tol=0.0)


def polygons_overlap(a: Sequence[Pt], b: Sequence[Pt]) -> bool:
    """True when the interiors of two simple polygons overlap (touching along walls is fine)."""
    for ea in edges(a):
        for eb in edges(b):
            if segments_cross(*ea, *eb):
                return True
    samples_a = [*a, *(_mid(p, q) for p, q in edges(a)), interior_point(a)]
    samples_b = [*b, *(_mid(p, q) for p, q in edges(b)), interior_point(b)]
    return any(strictly_in_polygon(x, y, b) for x, y in samples_a) or any(
        strictly_in_polygon(x, y, a) for x, y in samples_b
    )


def _mid(p: Pt, q: Pt) -> Pt:
    return ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)


def interior_point(points: Sequence[Pt]) -> Pt:
    """A point strictly inside a simple polygon (centroid of a triangle cut off by an ear or the centroid)."""
    n = len(points)
    cx = sum(p[0] for p in points) / n
    cy = sum(p[1] for p in points) / n
    if strictly_in_polygon(cx, cy, points):
        return (cx, cy)
    for i in range(n):
        a, b, c = points[i - 1], points[i], points[(i + 1) % n]
        tx, ty = (a[0] + b[0] + c[0]) / 3, (a[1] + b[1] + c[1]) / 3
        if strictly_in_polygon(tx, ty, points):
            return (tx, ty)
    return (cx, cy)


def segment_hits_rect(
    x0: float, y0: float, x1: float, y1: float, rect: tuple[float, float, float, float]
) -> bool:
    """True when the closed segment meets the closed axis-aligned rectangle (Liang-Barsky)."""
    t0, t1 = 0.0, 1.0
    dx, dy = x1 - x0, y1 - y0
    for p, q in ((-dx, x0 - rect[0]), (dx, rect[2] - x0), (-dy, y0 - rect[1]), (dy, rect[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True
