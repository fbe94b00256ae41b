"""Cross-reference and geometry rules that need more than one value (or more than one room)."""

from __future__ import annotations

import math
from collections import deque

from cybercollege.worlds import geometry
from cybercollege.worlds.build import Draft, platform_edges, step_interval
from cybercollege.worlds.errors import Issue
from cybercollege.worlds.model import Door, Panel, Room
from cybercollege.worlds.schema import DoorSpec, PlatformSpec

TOL = 1e-6  # metres: how exactly doors must sit on walls
PANEL_TOL = 0.05  # metres: boards and screens hang on walls, let them stick out this much
FACING_CHECK = 0.3  # metres: a point this far in front of a board or screen must be in the room


class Checker:
    """Collects issues for one world; each rule appends ``Issue(file, path, reason)``."""

    def __init__(self, world_file: str, drafts: list[Draft]) -> None:
        self.world_file = world_file
        self.drafts = drafts
        self.by_id: dict[str, Draft] = {}
        self.issues: list[Issue] = []

    def add(self, draft: Draft, suffix: str, reason: str) -> None:
        self.issues.append(Issue(draft.located.file, draft.located.path(suffix), reason))

    def where(self, draft: Draft) -> str:
        return f"{draft.located.file} {draft.located.path()}"

    # -- ids and references --------------------------------------------------------------------

    def unique_ids(self) -> None:
        """Rooms, doors, seats, whiteboards and screens each have world-unique ids."""
        seen: dict[tuple[str, str], str] = {}

        def claim(kind: str, ident: str, draft: Draft, suffix: str) -> None:
            first = seen.get((kind, ident))
            if first is None:
                seen[(kind, ident)] = f"{draft.located.file} {draft.located.path(suffix)}"
            else:
                self.add(draft, suffix, f"duplicate {kind} id '{ident}' (first defined at {first})")

        for d in self.drafts:
            spec = d.located.spec
            claim("room", spec.id, d, ".id")
            self.by_id.setdefault(spec.id, d)
            for i, door in enumerate(spec.doors):
                claim("door", door.id, d, f".doors[{i}].id")
            for seat, suffix in d.seat_paths:
                claim("seat", seat.id, d, suffix if suffix.startswith(".seat_blocks") else suffix + ".id")
            for i, w in enumerate(spec.whiteboards):
                claim("whiteboard", w.id, d, f".whiteboards[{i}].id")
            if d.room.screen is not None:
                claim("screen", d.room.screen.id, d, ".screen")
            for i, p in enumerate(spec.platforms):
                claim("platform", p.id, d, f".platforms[{i}].id")

    def spawn_room(self, spawn_room: str, where: str = "world.spawn_room") -> None:
        """The spawn room (or an overflow room) exists and has at least one spawn point."""
        draft = self.by_id.get(spawn_room)
        if draft is None:
            self.issues.append(Issue(self.world_file, where, f"unknown room '{spawn_room}'"))
        elif not draft.room.spawn_points:
            self.add(draft, ".spawn_points", f"the spawn room '{spawn_room}' needs at least one spawn point")

    # -- one room at a time --------------------------------------------------------------------

    def room_contents(self, d: Draft) -> None:
        """Capacity, spawn points, seats, furniture, boards, screen and platforms fit the room."""
        room, spec = d.room, d.located.spec
        if len(room.seats) > room.capacity:
            self.add(d, ".capacity", f"capacity {room.capacity} is less than the {len(room.seats)} seats")
        if room.kind == "classroom" and not room.whiteboards:
            self.add(d, ".whiteboards", "a classroom needs at least one whiteboard")
        for i, (x, y, _) in enumerate(room.spawn_points):
            if not room.contains(x, y):
                reason = f"({x:g}, {y:g}) is not in the walkable area of room '{room.id}'"
                self.add(d, f".spawn_points[{i}]", reason)
        for seat, suffix in d.seat_paths:
            if not room.contains(seat.x, seat.y):
                reason = f"seat '{seat.id}' at ({seat.x:g}, {seat.y:g}) is not in the walkable area"
                self.add(d, suffix, reason)
        for f, suffix in d.furniture_paths:
            if f.kind in ("whiteboard", "screen"):
                continue
            corners = _footprint(f.x, f.y, f.sx, f.sy, f.heading)
            if not all(geometry.in_polygon(x, y, room.polygon, TOL) for x, y in corners):
                self.add(d, suffix, f"{f.kind} at ({f.x:g}, {f.y:g}) sticks out of room '{room.id}'")
        for i, w in enumerate(room.whiteboards):
            self._panel(d, f".whiteboards[{i}]", "whiteboard", w)
        if room.screen is not None:
            self._panel(d, ".screen", "screen", room.screen)
        for i, p in enumerate(spec.platforms):
            self._platform(d, i, p)

    def _panel(self, d: Draft, suffix: str, what: str, p: Panel) -> None:
        ux, uy = math.cos(math.radians(p.heading)), math.sin(math.radians(p.heading))  # along the panel
        fx, fy = geometry.direction(p.heading)  # the way it faces
        half = p.width / 2
        ends = [(p.x, p.y), (p.x + ux * half, p.y + uy * half), (p.x - ux * half, p.y - uy * half)]
        if not all(geometry.in_polygon(x, y, d.room.polygon, PANEL_TOL) for x, y in ends):
            self.add(d, suffix, f"{what} '{p.id}' is outside room '{d.room.id}'")
        elif not geometry.in_polygon(p.x + fx * FACING_CHECK, p.y + fy * FACING_CHECK, d.room.polygon, 0.0):
            self.add(d, suffix, f"{what} '{p.id}' faces the wall: its heading {p.heading:g} must point "
                                "into the room")
        elif p.z - p.height / 2 < 0 or p.z + p.height / 2 > d.room.wall_height + TOL:
            self.add(d, suffix, f"{what} '{p.id}' must fit between the floor and the wall height "
                                f"{d.room.wall_height:g} m (z is its centre)")

    def _platform(self, d: Draft, i: int, p: PlatformSpec) -> None:
        x0, y0, x1, y1 = p.rect
        corners = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
        if not all(geometry.in_polygon(x, y, d.room.polygon, TOL) for x, y in corners):
            self.add(d, f".platforms[{i}].rect", f"platform '{p.id}' sticks out of room '{d.room.id}'")
        for k, s in enumerate(p.steps):
            if not any(step_interval(e, s) for e in platform_edges(p)):
                self.add(d, f".platforms[{i}].steps[{k}]", f"steps must lie on an edge of platform '{p.id}'")

    # -- between rooms -------------------------------------------------------------------------

    def overlaps(self) -> None:
        """No two rooms' floors overlap (sharing a wall is expected)."""
        for a_i, a in enumerate(self.drafts):
            for b in self.drafts[a_i + 1:]:
                if not _bbox_overlap(a.room.bounds, b.room.bounds):
                    continue
                if geometry.polygons_overlap(a.room.polygon, b.room.polygon):
                    shape = ".rect" if b.located.spec.rect is not None else ".polygon"
                    self.add(b, shape, f"room '{b.room.id}' overlaps room '{a.room.id}' ({self.where(a)})")

    def doors(self) -> dict[str, Door]:
        """Each door leads to a known other room, sits on a wall both rooms share, and lands inside both."""
        doors: dict[str, Door] = {}
        openings: dict[str, list[tuple[int, float, float, str]]] = {}
        for d in self.drafts:
            for i, spec in enumerate(d.located.spec.doors):
                path = f".doors[{i}]"
                target = self.by_id.get(spec.to)
                if spec.to == d.room.id:
                    self.add(d, path + ".to", "a door must lead to another room")
                    continue
                if target is None:
                    self.add(d, path + ".to", f"unknown room '{spec.to}'")
                    continue
                wall_a = wall_of(d.room, spec.x, spec.y, spec.width)
                wall_b = wall_of(target.room, spec.x, spec.y, spec.width)
                if wall_a is None or wall_b is None or not _opposite(wall_a, wall_b):
                    self.add(d, path, f"door '{spec.id}' at ({spec.x:g}, {spec.y:g}) is not on a wall shared "
                                      f"by rooms '{d.room.id}' and '{spec.to}' (or is wider than that wall)")
                    continue
                ux, uy = wall_a[1], wall_a[2]
                heading = geometry.heading_of(uy, -ux)  # outward normal of a counter-clockwise edge
                door = Door(spec.id, (d.room.id, spec.to), spec.x, spec.y, spec.width, spec.height, heading,
                            spec.label)
                if spec.height > min(d.room.wall_height, target.room.wall_height) + TOL:
                    self.add(d, path + ".height", "door is higher than the walls around it")
                for draft in (d, target):
                    x, y, _ = door.landing(draft.room.id)
                    if not draft.room.contains(x, y):
                        self.add(d, path, f"the landing point ({x:.2f}, {y:.2f}) of door '{spec.id}' is not "
                                          f"walkable in room '{draft.room.id}' (keep 0.8 m clear)")
                    wall = wall_a if draft is d else wall_b
                    self._no_overlap(openings.setdefault(draft.room.id, []), wall, spec, d, path)
                doors.setdefault(spec.id, door)
        return doors

    def _no_overlap(self, seen: list, wall: tuple[int, float, float, float], spec: DoorSpec, d: Draft,
                    path: str) -> None:
        edge, _, _, t = wall
        lo, hi = t - spec.width / 2, t + spec.width / 2
        for other_edge, o_lo, o_hi, other_id in seen:
            if other_edge == edge and lo < o_hi - TOL and o_lo < hi - TOL:
                self.add(d, path, f"door '{spec.id}' overlaps door '{other_id}'")
        seen.append((edge, lo, hi, spec.id))

    def reachable(self, spawn_room: str, doors: dict[str, Door]) -> None:
        """Every room can be reached from the spawn room through doors."""
        if spawn_room not in self.by_id:
            return
        links: dict[str, set[str]] = {}
        for door in doors.values():
            links.setdefault(door.rooms[0], set()).add(door.rooms[1])
            links.setdefault(door.rooms[1], set()).add(door.rooms[0])
        seen, todo = {spawn_room}, deque([spawn_room])
        while todo:
            for nxt in links.get(todo.popleft(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for d in self.drafts:
            if d.room.id not in seen and self.by_id.get(d.room.id) is d:
                reason = f"room '{d.room.id}' cannot be reached from the spawn room '{spawn_room}'"
                self.add(d, ".doors", reason)


def _footprint(x: float, y: float, sx: float, sy: float, heading: float) -> list[tuple[float, float]]:
    c, s = math.cos(math.radians(heading)), math.sin(math.radians(heading))
    return [(x + u * c - v * s, y + u * s + v * c) for u in (-sx / 2, sx / 2) for v in (-sy / 2, sy / 2)]


def _bbox_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def wall_of(room: Room, x: float, y: float, width: float) -> tuple[int, float, float, float] | None:
    """The edge of ``room`` holding an opening of ``width`` centred at (x, y): (index, ux, uy, offset)."""
    for i, ((ax, ay), (bx, by)) in enumerate(geometry.edges(room.polygon)):
        length = math.hypot(bx - ax, by - ay)
        ux, uy = (bx - ax) / length, (by - ay) / length
        if abs((x - ax) * uy - (y - ay) * ux) > TOL:
            continue
        t = (x - ax) * ux + (y - ay) * uy
        if t - width / 2 >= -TOL and t + width / 2 <= length + TOL:
            return (i, ux, uy, t)
    return None


def _opposite(a: tuple[int, float, float, float], b: tuple[int, float, float, float]) -> bool:
    return abs(a[1] + b[1]) < 1e-6 and abs(a[2] + b[2]) < 1e-6
