"""The follow camera's rule, without Panda3D: the camera never shows the inside of a wall.

The camera wants to stand a boom's length behind my avatar. A cast in the plan, from her head towards that
spot, against the room's outline (door openings included: the camera stays in my room) and its tall solid
furniture (a pillar), stops it :data:`MARGIN` in front of the first thing it would pass into. It pulls in at
once and lets out smoothly. Where the room is tight (a 3 m corridor, a wall just ahead) the boom is shorter and
the camera looks down at the floor ahead, so that the walls never fill the view; in open rooms it looks far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cybercollege.worlds import Room, geometry

Pt = tuple[float, float]
Seg = tuple[Pt, Pt]

FAR = 4.0  # metres behind me in an open room
CLOSE = 2.4  # ... in a tight place
MARGIN = 0.3  # the camera keeps this far from a wall (its near plane is 0.1 m away)
EASE = 2.5  # m/s: how fast the boom lets out again after a pull-in
TALL = 2.0  # solid furniture at least this tall stops the camera (a pillar; not a desk or a locker)
NARROW, WIDE = 3.5, 7.0  # metres across: tight below, open above
NEAR_WALL, FAR_WALL = 1.5, 4.5  # metres of free floor ahead: tight below, open above
SETTLE = 4.0  # 1/s: how fast the view follows a change from tight to open
EYE = (2.7, 2.35)  # metres above the floor (tight, open), before the mouse's tilt
AHEAD = (2.0, 6.0)  # the camera looks at a point this far ahead of me (tight, open)...
LOOK_Z = (0.2, 0.9)  # ... this high above the floor


def blockers(room: Room) -> list[Seg]:
    """What the camera may not pass: the room's outline and the sides of its tall solid furniture."""
    segs = list(geometry.edges(room.polygon))
    for f in room.furniture:
        if not f.solid or f.z + f.sz < TALL:
            continue
        fx, fy = geometry.direction(f.heading)
        ax, ay = fy * f.sx / 2, -fx * f.sx / 2  # across
        bx, by = fx * f.sy / 2, fy * f.sy / 2  # depth
        corners = [(f.x - ax - bx, f.y - ay - by), (f.x + ax - bx, f.y + ay - by),
                   (f.x + ax + bx, f.y + ay + by), (f.x - ax + bx, f.y - ay + by)]
        segs += geometry.edges(corners)
    return segs


def cast(segs: list[Seg], ox: float, oy: float, dx: float, dy: float, length: float,
         margin: float = 0.0) -> float:
    """How far (at most ``length``) a disc of radius ``margin`` moves from (ox, oy) along the unit vector
    (dx, dy) before it touches a segment. A segment the disc already overlaps stops it only at its line."""
    best = length
    for (ax, ay), (bx, by) in segs:
        if geometry.point_segment_distance(ox, oy, ax, ay, bx, by) < margin:
            t = _ray_segment(ox, oy, dx, dy, ax, ay, bx, by)
            if t is not None:
                best = min(best, max(0.0, t - margin))
            continue
        best = min(best, _ray_capsule(ox, oy, dx, dy, ax, ay, bx, by, margin, best))
    return best


def _ray_segment(ox, oy, dx, dy, ax, ay, bx, by) -> float | None:
    """The distance along the ray to where it crosses segment ab, if it does."""
    ex, ey = bx - ax, by - ay
    denom = dx * ey - dy * ex
    if abs(denom) < 1e-12:
        return None
    t = ((ax - ox) * ey - (ay - oy) * ex) / denom
    s = ((ax - ox) * dy - (ay - oy) * dx) / denom
    return t if t >= 0.0 and 0.0 <= s <= 1.0 else None


def _ray_capsule(ox, oy, dx, dy, ax, ay, bx, by, r, limit) -> float:
    """The distance along the ray to the capsule of radius ``r`` around segment ab (``limit`` if none)."""
    if r <= 0.0:
        t = _ray_segment(ox, oy, dx, dy, ax, ay, bx, by)
        return limit if t is None else min(limit, t)
    best = limit
    length = math.hypot(bx - ax, by - ay)
    if length > 1e-12:
        nx, ny = -(by - ay) / length * r, (bx - ax) / length * r
        for sx, sy in ((nx, ny), (-nx, -ny)):  # the two sides, offset by r
            t = _ray_segment(ox, oy, dx, dy, ax + sx, ay + sy, bx + sx, by + sy)
            if t is not None:
                best = min(best, t)
    for cx, cy in ((ax, ay), (bx, by)):  # the round ends
        fx, fy = ox - cx, oy - cy
        b = fx * dx + fy * dy
        disc = b * b - (fx * fx + fy * fy - r * r)
        if disc >= 0.0:
            t = -b - math.sqrt(disc)
            if t >= 0.0:
                best = min(best, t)
    return best


@dataclass
class Shot:
    """Where the camera stands and the point it looks at (metres, world frame)."""

    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    length: float
    openness: float


class Boom:
    """The camera's arm behind my avatar for one room; :meth:`aim` is called once a frame."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.segs = blockers(room)
        self.length: float | None = None  # None: a new room, no easing from the last one
        self.openness: float | None = None

    def openness_at(self, x: float, y: float, heading: float) -> float:
        """How open the room is around me, 0 (a corridor, a wall just ahead) to 1 (the hall)."""
        fx, fy = geometry.direction(heading)
        across = (cast(self.segs, x, y, fy, -fx, 50.0) + cast(self.segs, x, y, -fy, fx, 50.0))
        ahead = cast(self.segs, x, y, fx, fy, 50.0)
        return min(_ramp(across, NARROW, WIDE), _ramp(ahead, NEAR_WALL, FAR_WALL))

    def aim(self, x: float, y: float, floor: float, heading: float, pitch: float, dt: float) -> Shot:
        """The camera for me at (x, y) on a floor ``floor`` high, facing ``heading``, tilted by ``pitch``
        (degrees, the mouse's; -12 is level), ``dt`` seconds after the last frame."""
        room, (fx, fy) = self.room, geometry.direction(heading)
        opened = self.openness_at(x, y, heading)
        if self.openness is None:
            self.openness = opened
        else:
            self.openness += (opened - self.openness) * min(1.0, dt * SETTLE)
        o = self.openness
        reach = cast(self.segs, x, y, -fx, -fy, CLOSE + (FAR - CLOSE) * o, MARGIN)
        if self.length is None or reach < self.length:
            self.length = reach  # pulled in at once: never a frame inside a wall
        else:
            self.length = min(reach, self.length + EASE * dt)
        d = self.length
        eye_z = floor + _mix(EYE, o) - math.sin(math.radians(pitch)) * d * 0.5
        if not room.outdoor:
            eye_z = min(eye_z, floor + room.wall_height - 0.3)
        free = cast(self.segs, x, y, fx, fy, 50.0)
        ahead = min(_mix(AHEAD, o), max(0.5, free))  # never a point behind the wall in front of me
        look_z = floor + _mix(LOOK_Z, o) + ahead * math.sin(math.radians(pitch + 12.0))
        return Shot((x - fx * d, y - fy * d, eye_z), (x + fx * ahead, y + fy * ahead, look_z), d, o)


def _mix(pair: tuple[float, float], o: float) -> float:
    return pair[0] + (pair[1] - pair[0]) * o


def _ramp(value: float, low: float, high: float) -> float:
    """0 at ``low`` and below, 1 at ``high`` and above, linear between."""
    return max(0.0, min(1.0, (value - low) / (high - low)))
