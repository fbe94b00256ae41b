"""Read a world directory (``world.toml`` and its includes), validate it, and build the ``World``."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from cybercollege.worlds import geometry
from cybercollege.worlds.build import Located, build_room
from cybercollege.worlds.errors import Issue, WorldError, format_loc
from cybercollege.worlds.model import Room, Wall, World
from cybercollege.worlds.rules import Checker, wall_of
from cybercollege.worlds.schema import RoomsFileSpec, WorldSpec

WORLD_FILE = "world.toml"
M = TypeVar("M", bound=BaseModel)


def default_world_path() -> Path:
    """The directory of the default world, the collège shipped with the package."""
    return Path(__file__).resolve().parent / "college"


def load_world(path: str | Path) -> World:
    """Load and validate a world; ``path`` is its directory or its ``world.toml``. Raises ``WorldError``."""
    path = Path(path)
    main = path / WORLD_FILE if path.is_dir() else path
    spec = _parse(main, WorldSpec)
    located = [Located(str(main), i, room) for i, room in enumerate(spec.rooms)]
    files = [main]
    claimed = {main.resolve()}
    issues: list[Issue] = []
    for i, name in enumerate(spec.world.include):
        included = _include_path(main, i, name, claimed, issues)
        if included is None:
            continue
        claimed.add(included.resolve())
        try:
            rooms = _parse(included, RoomsFileSpec).rooms
        except WorldError as err:
            issues += err.issues
            continue
        files.append(included)
        located += [Located(str(included), k, room) for k, room in enumerate(rooms)]
    if issues:
        raise WorldError(issues)
    if not located:
        raise WorldError.single(main, "rooms", "the world has no rooms")
    return _assemble(spec, located, files)


def _assemble(spec: WorldSpec, located: list[Located], files: list[Path]) -> World:
    drafts = [build_room(loc) for loc in located]
    check = Checker(str(files[0]), drafts)
    check.unique_ids()
    check.spawn_room(spec.world.spawn_room)
    for i, room_id in enumerate(spec.world.overflow_rooms):
        check.spawn_room(room_id, f"world.overflow_rooms[{i}]")
    check.overlaps()
    for draft in drafts:
        check.room_contents(draft)
    doors = check.doors()
    check.reachable(spec.world.spawn_room, doors)
    if check.issues:
        raise WorldError(check.issues)
    rooms = {d.room.id: d.room for d in drafts}
    for door in doors.values():
        for room_id in door.rooms:
            rooms[room_id].doors.append(door)
    for room in rooms.values():
        room.walls = cut_walls(room)
    header = spec.world
    return World(id=header.id, name=header.name, version=header.version, description=header.description,
                 spawn_room=header.spawn_room, rooms=rooms, doors=doors, files=[f.absolute() for f in files],
                 overflow_rooms=tuple(header.overflow_rooms), schools=tuple(header.schools))


def cut_walls(room: Room) -> list[Wall]:
    """The room's polygon edges with its door openings cut out."""
    walls: list[Wall] = []
    for i, ((ax, ay), (bx, by)) in enumerate(geometry.edges(room.polygon)):
        length = math.hypot(bx - ax, by - ay)
        ux, uy = (bx - ax) / length, (by - ay) / length
        gaps = sorted(
            (w[3] - door.width / 2, w[3] + door.width / 2)
            for door in room.doors
            if (w := wall_of(room, door.x, door.y, door.width)) is not None and w[0] == i
        )
        start = 0.0
        for lo, hi in [*gaps, (length, length)]:
            if lo - start > 1e-6:
                x0, y0, x1, y1 = ax + ux * start, ay + uy * start, ax + ux * lo, ay + uy * lo
                walls.append(Wall(x0, y0, x1, y1, room.wall_height))
            start = max(start, hi)
    return walls


def _include_path(main: Path, i: int, name: str, claimed: set[Path], issues: list[Issue]) -> Path | None:
    root = main.parent.resolve()
    target = (main.parent / name).resolve()
    reason = None
    if not target.is_relative_to(root):
        reason = "included files must be inside the world directory"
    elif target in claimed:
        reason = f"'{name}' is included twice (or is world.toml itself)"
    elif not target.is_file():
        reason = f"no such file '{name}' next to {main.name}"
    if reason:
        issues.append(Issue(str(main), f"world.include[{i}]", reason))
        return None
    return main.parent / name


def _parse(path: Path, model: type[M]) -> M:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise WorldError.single(path, "(file)", "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise WorldError.single(path, "(file)", f"cannot read: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise WorldError.single(path, "(toml)", f"invalid TOML: {err}") from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise WorldError([
            Issue(str(path), format_loc(e["loc"]), e["msg"].removeprefix("Value error, "))
            for e in err.errors()
        ]) from None

