"""The loaded world: rooms, doors and what the server and the client read from them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cybercollege.worlds import geometry
from cybercollege.worlds.collision import Box, Walkable
from cybercollege.worlds.schema import AccessPolicy

LANDING_DEPTH = 0.8  # metres inside the room where an avatar arriving through a door stands


@dataclass(frozen=True, slots=True)
class Seat:
    """A place where an avatar can sit, facing ``heading``."""

    id: str
    room: str
    x: float
    y: float
    heading: float


@dataclass(frozen=True, slots=True)
class Furniture:
    """A box the client draws: centre ``x, y``, bottom ``z``, sizes ``sx`` (across) ``sy`` (depth) ``sz``."""

    kind: str
    x: float
    y: float
    z: float
    sx: float
    sy: float
    sz: float
    heading: float
    solid: bool
    color: str | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Panel:
    """A flat panel on a wall; ``x, y, z`` is the centre of its surface, ``heading`` the way it faces."""

    id: str
    room: str
    x: float
    y: float
    z: float
    width: float
    height: float
    heading: float


@dataclass(frozen=True, slots=True)
class Whiteboard(Panel):
    """A writable board."""


@dataclass(frozen=True, slots=True)
class Screen(Panel):
    """A projection screen (conference video)."""


@dataclass(frozen=True, slots=True)
class Platform:
    """A raised walkable area (stage) of ``height`` metres; reach it through ``steps`` openings."""

    id: str
    bounds: tuple[float, float, float, float]
    height: float


@dataclass(frozen=True, slots=True)
class Wall:
    """A straight piece of wall between two points (door openings already cut out)."""

    x0: float
    y0: float
    x1: float
    y1: float
    height: float


class Door:
    """An opening in the wall shared by ``rooms[0]`` and ``rooms[1]``.

    ``heading`` is the direction one faces when walking from ``rooms[0]`` into ``rooms[1]``.
    """

    __slots__ = ("_landings", "heading", "height", "id", "label", "rooms", "width", "x", "y")

    def __init__(self, id: str, rooms: tuple[str, str], x: float, y: float, width: float, height: float,
                 heading: float, label: str) -> None:
        self.id, self.rooms, self.x, self.y = id, rooms, x, y
        self.width, self.height, self.heading, self.label = width, height, heading, label
        nx, ny = geometry.direction(heading)
        d = LANDING_DEPTH
        self._landings = {
            rooms[1]: (x + d * nx, y + d * ny, heading),
            rooms[0]: (x - d * nx, y - d * ny, (heading + 180.0) % 360.0),
        }

    def __repr__(self) -> str:
        return f"Door({self.id!r}, {self.rooms[0]!r} <-> {self.rooms[1]!r})"

    def other(self, room_id: str) -> str:
        """The room on the other side from ``room_id``."""
        if room_id not in self._landings:
            raise ValueError(f"door {self.id!r} does not open on room {room_id!r}")
        return self.rooms[1] if room_id == self.rooms[0] else self.rooms[0]

    def landing(self, room_id: str) -> tuple[float, float, float]:
        """Where an avatar arriving into ``room_id`` through this door stands: ``(x, y, heading)``."""
        try:
            return self._landings[room_id]
        except KeyError:
            raise ValueError(f"door {self.id!r} does not open on room {room_id!r}") from None

    def ends(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The two ends of the opening."""
        nx, ny = geometry.direction(self.heading)
        ux, uy, h = ny, -nx, self.width / 2  # along the wall
        return (self.x - h * ux, self.y - h * uy), (self.x + h * ux, self.y + h * uy)

    def distance_to(self, x: float, y: float) -> float:
        """Distance in metres from (x, y) to the opening (0 on the door line between its jambs)."""
        (ax, ay), (bx, by) = self.ends()
        return geometry.point_segment_distance(x, y, ax, ay, bx, by)


class Room:
    """One room; the geometry queries are precomputed for the server's per-move checks.

    ``contains(x, y) -> bool``: inside the floor polygon and not inside a solid obstacle.
    ``segment_allowed(x0, y0, x1, y1) -> bool``: both ends contained, no wall crossed, no obstacle
    entered. Never true across rooms: moving through a door is ``door.landing(other_room)``.
    """

    contains: Callable[[float, float], bool]
    segment_allowed: Callable[[float, float, float, float], bool]

    def __init__(self, *, id: str, name: str, kind: str, capacity: int, access: AccessPolicy, interest: str,
                 polygon: tuple[tuple[float, float], ...], wall_height: float, outdoor: bool,
                 floor_color: str, wall_color: str, spawn_points: list[tuple[float, float, float]],
                 whiteboards: list[Whiteboard], screen: Screen | None, furniture: list[Furniture],
                 seats: list[Seat], platforms: list[Platform], walkable: Walkable, source: str,
                 audio: str = "flat") -> None:
        self.id, self.name, self.kind, self.capacity = id, name, kind, capacity
        self.access, self.interest, self.polygon = access, interest, polygon
        self.audio = audio  # "flat", "stage" or "distance": how remote voices are heard here
        self.wall_height, self.outdoor = wall_height, outdoor
        self.floor_color, self.wall_color = floor_color, wall_color
        self.spawn_points, self.whiteboards, self.screen = spawn_points, whiteboards, screen
        self.furniture, self.seats, self.platforms = furniture, seats, platforms
        self.doors: list[Door] = []
        self.walls: list[Wall] = []
        self.source = source  # "file: rooms[i]", for messages
        self._walkable = walkable
        # Bound methods of the precomputed area: the server calls these ~20,000 times a second.
        self.contains = walkable.contains
        self.segment_allowed = walkable.segment_allowed

    def __repr__(self) -> str:
        return f"Room({self.id!r}, {self.name!r})"

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_x, min_y, max_x, max_y)`` of the floor."""
        return self._walkable.bounds

    @property
    def obstacles(self) -> tuple[Box, ...]:
        """The solid boxes walking is checked against (solid furniture and stage edges)."""
        return self._walkable.boxes

    def floor_height(self, x: float, y: float) -> float:
        """Height of the floor at (x, y): a platform's height on a stage, else 0."""
        for p in self.platforms:
            b = p.bounds
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]:
                return p.height
        return 0.0

    def door_near(self, x: float, y: float, reach: float = 1.0) -> Door | None:
        """The closest door of this room within ``reach`` metres of (x, y), if any."""
        best, best_d = None, reach
        for door in self.doors:
            d = door.distance_to(x, y)
            if d <= best_d:
                best, best_d = door, d
        return best

    def seat(self, seat_id: str) -> Seat | None:
        """The seat with this id, if it is in this room."""
        return next((s for s in self.seats if s.id == seat_id), None)


class World:
    """A whole building: rooms by id, doors by id, the spawn room and the files it came from."""

    def __init__(self, *, id: str, name: str, version: int, description: str, spawn_room: str,
                 rooms: dict[str, Room], doors: dict[str, Door], files: list[Path],
                 overflow_rooms: tuple[str, ...] = (), schools: tuple[str, ...] = ()) -> None:
        self.id, self.name, self.version, self.description = id, name, version, description
        self.schools = schools
        """The UAIs of the schools this collège serves (the first is the one of bare class names); empty: any."""
        self.spawn_room, self.rooms, self.doors = spawn_room, rooms, doors
        self.overflow_rooms = overflow_rooms
        """Where newcomers appear, in order, when the spawn room is full."""
        self._files = files

    def __repr__(self) -> str:
        return f"World({self.id!r}, {len(self.rooms)} rooms, {len(self.doors)} doors)"

    def files(self) -> list[Path]:
        """Every file the world was loaded from (``world.toml`` first)."""
        return list(self._files)

    def content_hash(self) -> str:
        """SHA-256 over the files' names and bytes: changes whenever the world changes."""
        h = hashlib.sha256()
        root = self._files[0].parent
        for path in self._files:
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
        return h.hexdigest()

    def room_at(self, x: float, y: float) -> Room | None:
        """The room whose walkable area contains (x, y), if any."""
        return next((r for r in self.rooms.values() if r.contains(x, y)), None)

    def seats(self) -> dict[str, Seat]:
        """Every seat of the world by id."""
        return {s.id: s for r in self.rooms.values() for s in r.seats}
