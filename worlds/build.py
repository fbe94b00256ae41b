"""Turn validated room specs into runtime rooms: expand seat blocks and platforms, precompute walking."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeVar

from cybercollege.worlds import geometry
from cybercollege.worlds.collision import Box, Walkable
from cybercollege.worlds.model import Furniture, Panel, Platform, Room, Screen, Seat, Whiteboard
from cybercollege.worlds.schema import (
    SOLID_BY_DEFAULT,
    FurnitureSpec,
    PanelSpec,
    PlatformSpec,
    RoomSpec,
    SeatBlockSpec,
    StepsSpec,
)

P = TypeVar("P", bound=Panel)
Edge = tuple[tuple[float, float], tuple[float, float]]
STAGE_EDGE = 0.1  # thickness (m) of the invisible barrier along a platform's edges, except at its steps
STEPS_DEPTH = 0.6  # depth (m) of the drawn steps in front of a platform opening
# How remote voices are heard by default (docs/worlds.md, client/audiozone.py); other kinds: "flat".
AUDIO_BY_KIND = {"amphitheatre": "stage", "hall": "distance", "courtyard": "distance"}


@dataclass
class Located:
    """A room spec with where it was written: ``file`` and its index in that file's ``rooms``."""

    file: str
    index: int
    spec: RoomSpec

    def path(self, suffix: str = "") -> str:
        """``rooms[i]`` followed by ``suffix`` (e.g. ``.doors[0]``)."""
        return f"rooms[{self.index}]{suffix}"


@dataclass
class Draft:
    """A built room plus the path each generated item comes from (for error messages)."""

    located: Located
    room: Room
    seat_paths: list[tuple[Seat, str]] = field(default_factory=list)
    furniture_paths: list[tuple[Furniture, str]] = field(default_factory=list)


def build_room(located: Located) -> Draft:
    """Build the runtime room of one spec (no cross-room checks here)."""
    spec = located.spec
    points = _ccw(spec)
    seat_paths = [
        (Seat(s.id, spec.id, s.x, s.y, s.heading), f".seats[{i}]") for i, s in enumerate(spec.seats)
    ]
    furniture_paths = [(_furniture(f), f".furniture[{i}]") for i, f in enumerate(spec.furniture)]
    for i, block in enumerate(spec.seat_blocks):
        seats, items = _expand_block(block, spec.id)
        seat_paths += [(s, f".seat_blocks[{i}]") for s in seats]
        furniture_paths += [(f, f".seat_blocks[{i}]") for f in items]
    whiteboards = [_panel(Whiteboard, w, spec.id, w.id) for w in spec.whiteboards]
    furniture_paths += [
        (_panel_box("whiteboard", w), f".whiteboards[{i}]") for i, w in enumerate(whiteboards)
    ]
    screen = None
    if spec.screen is not None:
        screen = _panel(Screen, spec.screen, spec.id, spec.screen.id or f"{spec.id}-ecran")
        furniture_paths.append((_panel_box("screen", screen), ".screen"))
    boxes = [Box(f.x, f.y, f.sx / 2, f.sy / 2, f.heading) for f, _ in furniture_paths if f.solid]
    for i, p in enumerate(spec.platforms):
        furniture_paths += [(f, f".platforms[{i}]") for f in _platform_furniture(p)]
        boxes += _platform_edges(p)
    room = Room(
        id=spec.id, name=spec.name, kind=spec.kind, capacity=spec.capacity, access=spec.access,
        interest=spec.interest or ("grid" if spec.kind in ("hall", "courtyard") else "room"),
        audio=spec.audio or AUDIO_BY_KIND.get(spec.kind, "flat"),
        polygon=tuple(points), wall_height=spec.wall_height,
        outdoor=spec.kind == "courtyard" if spec.outdoor is None else spec.outdoor,
        floor_color=spec.floor_color, wall_color=spec.wall_color,
        spawn_points=list(spec.spawn_points), whiteboards=whiteboards, screen=screen,
        furniture=[f for f, _ in furniture_paths], seats=[s for s, _ in seat_paths],
        platforms=[Platform(p.id, p.rect, p.height) for p in spec.platforms],
        walkable=Walkable(points, boxes), source=f"{located.file}: {located.path()}",
    )
    return Draft(located, room, seat_paths, furniture_paths)


def _ccw(spec: RoomSpec) -> list[tuple[float, float]]:
    if spec.rect is not None:
        x0, y0, x1, y1 = spec.rect
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    points = list(spec.polygon or [])
    return points if geometry.signed_area(points) > 0 else points[::-1]


def _furniture(f: FurnitureSpec) -> Furniture:
    solid = SOLID_BY_DEFAULT[f.kind] if f.solid is None else f.solid
    return Furniture(f.kind, f.x, f.y, f.z, f.sx, f.sy, f.sz, f.heading, solid, f.color, f.label)


def _expand_block(block: SeatBlockSpec, room_id: str) -> tuple[list[Seat], list[Furniture]]:
    seats: list[Seat] = []
    items: list[Furniture] = []
    h, color = block.heading, block.color
    fx, fy = geometry.direction(block.heading)
    for r in range(block.rows):
        for c in range(block.columns):
            x = block.first[0] + c * block.column_step[0] + r * block.row_step[0]
            y = block.first[1] + c * block.column_step[1] + r * block.row_step[1]
            seats.append(Seat(f"{block.id}-{r + 1}-{c + 1}", room_id, x, y, block.heading))
            if block.chair != "none":
                items.append(Furniture(block.chair, x, y, 0.0, *block.chair_size, h, False, color))
            if block.desk != "none":
                dx, dy = x + fx * block.desk_offset, y + fy * block.desk_offset
                items.append(Furniture("desk", dx, dy, 0.0, *block.desk_size, h, True, color))
    return seats, items


def _panel(cls: type[P], spec: PanelSpec, room_id: str, panel_id: str) -> P:
    return cls(panel_id, room_id, spec.x, spec.y, spec.z, spec.width, spec.height, spec.heading)


def _panel_box(kind: str, p: Panel) -> Furniture:
    return Furniture(kind, p.x, p.y, p.z - p.height / 2, p.width, 0.04, p.height, p.heading, False)


def platform_edges(p: PlatformSpec) -> list[Edge]:
    """The four edges of a platform, counter-clockwise."""
    x0, y0, x1, y1 = p.rect
    return geometry.edges([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


def step_interval(edge: Edge, steps: StepsSpec) -> tuple[float, float] | None:
    """Where ``steps`` (x, y, width) opens along ``edge``, as distances from its start; None if not on it."""
    (ax, ay), (bx, by) = edge
    length = math.hypot(bx - ax, by - ay)
    ux, uy = (bx - ax) / length, (by - ay) / length
    if abs((steps.x - ax) * uy - (steps.y - ay) * ux) > 1e-6:
        return None
    t = (steps.x - ax) * ux + (steps.y - ay) * uy
    lo, hi = t - steps.width / 2, t + steps.width / 2
    return (lo, hi) if lo >= -1e-6 and hi <= length + 1e-6 else None


def _platform_edges(p: PlatformSpec) -> list[Box]:
    boxes: list[Box] = []
    for edge in platform_edges(p):
        (ax, ay), (bx, by) = edge
        length = math.hypot(bx - ax, by - ay)
        ux, uy = (bx - ax) / length, (by - ay) / length
        gaps = sorted(iv for s in p.steps if (iv := step_interval(edge, s)) is not None)
        start = 0.0
        for lo, hi in [*gaps, (length, length)]:
            if lo - start > 1e-6:
                mid = (start + lo) / 2
                # inward normal of a counter-clockwise edge is to its left: (-uy, ux)
                cx = ax + ux * mid - uy * STAGE_EDGE / 2
                cy = ay + uy * mid + ux * STAGE_EDGE / 2
                boxes.append(Box(cx, cy, (lo - start) / 2, STAGE_EDGE / 2, math.degrees(math.atan2(uy, ux))))
            start = max(start, hi)
    return boxes


def _platform_furniture(p: PlatformSpec) -> list[Furniture]:
    x0, y0, x1, y1 = p.rect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    items = [Furniture("stage", cx, cy, 0.0, x1 - x0, y1 - y0, p.height, 0.0, False, p.color)]
    for s in p.steps:
        for edge in platform_edges(p):
            if step_interval(edge, s) is None:
                continue
            (ax, ay), (bx, by) = edge
            length = math.hypot(bx - ax, by - ay)
            nx, ny = (by - ay) / length, -(bx - ax) / length  # outward normal
            cx, cy = s.x + nx * STEPS_DEPTH / 2, s.y + ny * STEPS_DEPTH / 2
            items.append(Furniture("steps", cx, cy, 0.0, s.width, STEPS_DEPTH, p.height,
                                   geometry.heading_of(nx, ny), False, p.color))
            break
    return items
