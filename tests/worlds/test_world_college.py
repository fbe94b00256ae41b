"""The default world is a real collège with everything the server and the client rely on."""

from __future__ import annotations

import math
import re

import pytest

from cybercollege.worlds import Room, World, default_world_path, load_world
from cybercollege.worlds.geometry import direction


@pytest.fixture(scope="module")
def world() -> World:
    return load_world(default_world_path())


def classrooms(world: World) -> list[Room]:
    return [r for r in world.rooms.values() if r.kind == "classroom"]


def test_identity_and_files(world: World) -> None:
    assert world.name == "Collège Jean Moulin"
    assert world.version >= 1 and world.id
    files = world.files()
    assert files[0] == default_world_path() / "world.toml"
    assert all(f.is_file() and f.suffix == ".toml" for f in files)
    assert len(files) == 4
    assert re.fullmatch(r"[0-9a-f]{64}", world.content_hash())
    assert load_world(default_world_path() / "world.toml").content_hash() == world.content_hash()


def test_entrance_hall_is_the_spawn_room(world: World) -> None:
    hall = world.rooms[world.spawn_room]
    assert (hall.name, hall.kind, hall.interest) == ("Hall d'entrée", "hall", "grid")
    assert hall.access.policy == "open"
    assert 250 <= hall.capacity <= 350
    assert len(hall.spawn_points) >= 4
    assert all(hall.contains(x, y) for x, y, _ in hall.spawn_points)
    assert world.room_at(*hall.spawn_points[0][:2]) is hall


def test_a_whole_school_fits_at_8_am(world: World) -> None:
    """The hall holds 300; the courtyard takes the next arrivals (a collège of 600 to 1,000 pupils)."""
    assert world.overflow_rooms == ("cour",)
    assert world.rooms[world.spawn_room].capacity + world.rooms["cour"].capacity >= 1000


def test_four_classrooms_with_desks_facing_the_board(world: World) -> None:
    names = {r.name for r in classrooms(world)}
    assert {"Salle 101 – Mathématiques", "Salle 102 – Français", "Salle 103 – Anglais",
            "Salle 104 – Histoire-Géographie"} <= names
    for room in classrooms(world):
        assert room.capacity == 32 and room.interest == "room"
        assert room.access.policy == "class" and room.access.classes
        assert all(re.fullmatch(r"[3-6][A-Z]", c) for c in room.access.classes)
        kinds = [f.kind for f in room.furniture]
        assert kinds.count("desk") == 28 and kinds.count("teacher_desk") == 1
        [board] = room.whiteboards
        pupils = [s for s in room.seats if not s.id.endswith("prof")]
        assert len(pupils) == 28 <= room.capacity
        for seat in pupils:  # each pupil looks towards the board, and the board looks back
            fx, fy = direction(seat.heading)
            assert fx * (board.x - seat.x) + fy * (board.y - seat.y) > 0
            bx, by = direction(board.heading)
            assert bx * (seat.x - board.x) + by * (seat.y - board.y) > 0


def test_amphitheatre(world: World) -> None:
    [amphi] = [r for r in world.rooms.values() if r.kind == "amphitheatre"]
    assert (amphi.name, amphi.capacity, amphi.access.policy) == ("Amphithéâtre", 120, "conference")
    [stage] = amphi.platforms
    assert stage.height > 0
    x0, y0, x1, y1 = stage.bounds
    assert amphi.floor_height((x0 + x1) / 2, (y0 + y1) / 2) == stage.height
    assert amphi.floor_height(26.0, 6.0) == 0.0
    assert any(f.kind == "stage" and f.sz == stage.height for f in amphi.furniture)
    screen = amphi.screen
    assert screen is not None and screen.width >= 6 and screen.height >= 3
    audience = [s for s in amphi.seats if amphi.floor_height(s.x, s.y) == 0.0]
    assert 100 <= len(audience) <= amphi.capacity
    assert len({round(s.y, 2) for s in audience}) >= 5  # rows
    for seat in audience:
        fx, fy = direction(seat.heading)
        assert fx * (screen.x - seat.x) + fy * (screen.y - seat.y) > 0


def test_cdi(world: World) -> None:
    cdi = world.rooms["cdi"]
    assert (cdi.name, cdi.kind, cdi.access.policy) == ("CDI", "library", "open")
    kinds = [f.kind for f in cdi.furniture]
    assert kinds.count("shelf") >= 4 and kinds.count("table") >= 2
    assert all(f.label for f in cdi.furniture if f.kind == "shelf")


def test_courtyard(world: World) -> None:
    [cour] = [r for r in world.rooms.values() if r.kind == "courtyard"]
    assert (cour.name, cour.capacity, cour.interest) == ("Cour de récréation", 1200, "grid")
    assert cour.access.policy == "open"
    assert cour.outdoor and not world.rooms["hall"].outdoor
    kinds = [f.kind for f in cour.furniture]
    assert kinds.count("bench") >= 2 and kinds.count("tree") >= 2
    assert all(not cour.contains(f.x, f.y) for f in cour.furniture if f.kind == "tree")


def test_doors_link_rooms_with_french_signs(world: World) -> None:
    assert len(world.doors) >= 8
    for door in world.doors.values():
        a, b = (world.rooms[r] for r in door.rooms)
        assert door in a.doors and door in b.doors
        assert door.label and door.width >= 0.8
    assert world.doors["couloir-cdi"].label.startswith("CDI")
    assert {world.doors[d].label for d in ("hall-amphi", "couloir-amphi")} == {"Amphithéâtre"}


def test_door_landings_are_inside_the_right_room(world: World) -> None:
    for door in world.doors.values():
        for room_id in door.rooms:
            x, y, heading = door.landing(room_id)
            room, other = world.rooms[room_id], world.rooms[door.other(room_id)]
            assert room.contains(x, y) and not other.contains(x, y)
            assert world.room_at(x, y) is room
            assert door.distance_to(x, y) == pytest.approx(0.8)
            fx, fy = direction(heading)  # arriving avatars face into the room, away from the door
            assert fx * (x - door.x) + fy * (y - door.y) > 0


def test_every_seat_spawn_point_and_landing_is_walkable(world: World) -> None:
    for room in world.rooms.values():
        assert all(room.contains(s.x, s.y) for s in room.seats)
        assert all(room.contains(x, y) for x, y, _ in room.spawn_points)
    assert len(world.seats()) == sum(len(r.seats) for r in world.rooms.values())


def test_walls_are_the_outline_minus_the_door_openings(world: World) -> None:
    for room in world.rooms.values():
        x0, y0, x1, y1 = room.bounds
        perimeter = 2 * ((x1 - x0) + (y1 - y0))
        walls = sum(math.hypot(w.x1 - w.x0, w.y1 - w.y0) for w in room.walls)
        assert walls == pytest.approx(perimeter - sum(d.width for d in room.doors))
        assert all(w.height == room.wall_height for w in room.walls)


def test_rooms_do_not_overlap_and_are_adjacent(world: World) -> None:
    rooms = list(world.rooms.values())
    for i, a in enumerate(rooms):
        for b in rooms[i + 1:]:
            ax0, ay0, ax1, ay1 = a.bounds
            bx0, by0, bx1, by1 = b.bounds
            assert min(ax1, bx1) <= max(ax0, bx0) or min(ay1, by1) <= max(ay0, by0), (a.id, b.id)
