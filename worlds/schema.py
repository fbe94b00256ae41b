"""Pydantic models of the TOML world files (what an author writes, before geometry checks)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cybercollege.worlds import geometry

FORMAT: Final = 1

RoomKind = Literal["hall", "classroom", "amphitheatre", "library", "courtyard", "corridor"]
Policy = Literal["open", "class", "conference", "staff"]
Interest = Literal["room", "grid"]
Audio = Literal["flat", "stage", "distance"]  # how remote voices are heard (client/audiozone.py)

# Furniture kinds the client knows how to draw, and whether each blocks walking by default.
SOLID_BY_DEFAULT: dict[str, bool] = {
    "desk": True, "teacher_desk": True, "table": True, "shelf": True, "tree": True, "plant": True,
    "lectern": True, "counter": True, "cabinet": True, "locker": True, "sofa": True, "pillar": True,
    "board": True, "ping_pong": True, "hoop": True, "computer": True,
    "chair": False, "armchair": False, "bench": False, "whiteboard": False, "screen": False,
    "stage": False, "steps": False, "rug": False, "sign": False, "lamp": False,
}
FurnitureKind = Literal[
    "desk", "teacher_desk", "table", "shelf", "tree", "plant", "lectern", "counter", "cabinet", "locker",
    "sofa", "pillar", "board", "ping_pong", "hoop", "computer", "chair", "armchair", "bench", "whiteboard",
    "screen", "stage", "steps", "rug", "sign", "lamp",
]

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Coord = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-10_000, le=10_000)]
Size = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1_000)]
Height = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=100)]
Heading = Annotated[float, Field(strict=True, allow_inf_nan=False), AfterValidator(lambda h: h % 360.0)]
Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
ClassName = Annotated[str, StringConstraints(pattern=r"^(\d{7}[A-Z]\$)?[0-9A-Za-z][0-9A-Za-z _-]{0,15}$")]
"""A class: ``4A`` (of the world's first school) or ``0750001A$4A`` (of the school with that UAI)."""
Uai = Annotated[str, StringConstraints(pattern=r"^\d{7}[A-Z]$")]
"""A school's UAI (its national identifier: seven digits and a letter)."""
Point = tuple[Coord, Coord]
Rect = tuple[Coord, Coord, Coord, Coord]


class Spec(BaseModel):
    """Base: unknown keys are errors (catches typos), values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_rect(rect: Rect | None) -> Rect | None:
    if rect is not None and not (rect[0] < rect[2] and rect[1] < rect[3]):
        raise ValueError("rect must be [min_x, min_y, max_x, max_y] with min < max")
    return rect


def _check_polygon(points: list[Point] | None) -> list[Point] | None:
    if points is None:
        return None
    if len(points) < 3:
        raise ValueError("a polygon needs at least 3 points")
    if not geometry.is_simple(points):
        raise ValueError("polygon edges cross each other or repeat a point")
    if abs(geometry.signed_area(points)) < 0.01:
        raise ValueError("polygon has (almost) no area")
    return points


class AccessPolicy(Spec):
    """Who may enter a room: ``open``, ``class`` (members of ``classes``), ``conference`` or ``staff``."""

    policy: Policy = "open"
    classes: tuple[ClassName, ...] = ()

    @model_validator(mode="after")
    def _classes_match_policy(self) -> AccessPolicy:
        if self.policy == "class" and not self.classes:
            raise ValueError("policy 'class' needs a non-empty 'classes' list")
        if self.policy != "class" and self.classes:
            raise ValueError(f"'classes' is only allowed with policy 'class', not '{self.policy}'")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("'classes' lists a class twice")
        return self


class DoorSpec(Spec):
    id: Id
    to: Id
    x: Coord
    y: Coord
    width: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.6, le=20)]
    height: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=1.5, le=10)] = 2.1
    label: Text


class PanelSpec(Spec):
    """A flat vertical surface: whiteboard or screen. ``x, y, z`` is its centre."""

    id: Id | None = None
    x: Coord
    y: Coord
    z: Height = 1.4
    width: Size
    height: Size
    heading: Heading = 0.0


class WhiteboardSpec(PanelSpec):
    id: Id


class FurnitureSpec(Spec):
    kind: FurnitureKind
    x: Coord
    y: Coord
    z: Height = 0.0
    sx: Size
    sy: Size
    sz: Size
    heading: Heading = 0.0
    solid: bool | None = None
    color: Color | None = None
    label: str = ""


class SeatSpec(Spec):
    id: Id
    x: Coord
    y: Coord
    heading: Heading = 0.0


class SeatBlockSpec(Spec):
    """A grid of seats (``rows`` x ``columns``), each with an optional chair and desk in front."""

    id: Id
    first: Point
    rows: Annotated[int, Field(strict=True, ge=1, le=100)] = 1
    columns: Annotated[int, Field(strict=True, ge=1, le=100)] = 1
    column_step: Point = (0.0, 0.0)
    row_step: Point = (0.0, 0.0)
    heading: Heading = 0.0
    chair: Literal["chair", "armchair", "none"] = "chair"
    chair_size: tuple[Size, Size, Size] = (0.45, 0.45, 0.9)
    desk: Literal["desk", "none"] = "none"
    desk_size: tuple[Size, Size, Size] = (0.65, 0.45, 0.75)
    desk_offset: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=5)] = 0.45
    color: Color | None = None


class StepsSpec(Spec):
    x: Coord
    y: Coord
    width: Size


class PlatformSpec(Spec):
    """A raised walkable area (stage); its edges block walking except at ``steps``."""

    id: Id
    rect: Annotated[Rect, AfterValidator(_check_rect)]
    height: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=3)]
    steps: list[StepsSpec] = []
    color: Color = "#8b5a2b"


class RoomSpec(Spec):
    id: Id
    name: Text
    kind: RoomKind
    capacity: Annotated[int, Field(strict=True, gt=0, le=100_000)]
    access: AccessPolicy = AccessPolicy()
    interest: Interest | None = None
    audio: Audio | None = None
    rect: Annotated[Rect | None, AfterValidator(_check_rect)] = None
    polygon: Annotated[list[Point] | None, AfterValidator(_check_polygon)] = None
    wall_height: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=1, le=30)] = 3.0
    outdoor: bool | None = None
    floor_color: Color = "#b8b0a0"
    wall_color: Color = "#f2eee4"
    spawn_points: list[tuple[Coord, Coord, Heading]] = []
    doors: list[DoorSpec] = []
    whiteboards: list[WhiteboardSpec] = []
    screen: PanelSpec | None = None
    furniture: list[FurnitureSpec] = []
    seats: list[SeatSpec] = []
    seat_blocks: list[SeatBlockSpec] = []
    platforms: list[PlatformSpec] = []

    @model_validator(mode="after")
    def _one_shape(self) -> RoomSpec:
        if (self.rect is None) == (self.polygon is None):
            raise ValueError("give exactly one of 'rect' or 'polygon'")
        return self


class WorldSpec(Spec):
    """``world.toml``: the ``[world]`` table plus optional ``[[rooms]]``."""

    world: WorldHeader
    rooms: list[RoomSpec] = []


class WorldHeader(Spec):
    format: Literal[1] = FORMAT
    id: Id
    name: Text
    version: Annotated[int, Field(strict=True, ge=1)]
    description: str = ""
    spawn_room: Id
    overflow_rooms: list[Id] = []
    """Where newcomers appear, in this order, when the spawn room is full (a whole school arriving at once)."""
    include: list[Annotated[str, StringConstraints(pattern=r"\.toml$")]] = []
    schools: list[Uai] = []
    """The UAIs of the schools this collège serves: only their users sign in and enter (docs/scaling.md)."""

    @model_validator(mode="after")
    def _schools_once(self) -> WorldHeader:
        if len(set(self.schools)) != len(self.schools):
            raise ValueError("'schools' lists a UAI twice")
        return self


class RoomsFileSpec(Spec):
    """An included file: only ``[[rooms]]``."""

    rooms: list[RoomSpec] = Field(min_length=1)


WorldSpec.model_rebuild()
