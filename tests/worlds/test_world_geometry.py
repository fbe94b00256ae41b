"""Movement checks: contains, segment_allowed, doors and landings, stages, odd shapes, speed."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from cybercollege.worlds import Room, World, default_world_path, geometry, load_world
from cybercollege.worlds.bench import run
from cybercollege.worlds.collision import Box, Walkable

MakeWorld = Callable[..., Path]


@pytest.fixture(scope="module")
def college() -> World:
    return load_world(default_world_path())


@pytest.fixture
def mini(make_world: MakeWorld) -> World:
    return load_world(make_world())


def test_contains_inside_outside_and_furniture(mini: World) -> None:
    hall, s1 = mini.rooms["hall"], mini.rooms["s1"]
    assert hall.contains(5.0, 5.0) and hall.contains(0.0, 0.0)  # walls' inner face counts as inside
    assert not hall.contains(-0.01, 5.0) and not hall.contains(12.0, 5.0)
    assert not s1.contains(15.0, 5.0)  # inside the desk (14.5..15.5 x 4.75..5.25)
    assert s1.contains(15.0, 5.3) and s1.contains(15.5, 5.0)  # next to it / on its edge
    assert hall.bounds == (0.0, 0.0, 10.0, 10.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_coordinates_are_refused(mini: World, bad: float) -> None:
    room = mini.rooms["s1"]
    assert not room.contains(bad, 5.0) and not room.contains(12.0, bad)
    assert not room.segment_allowed(12.0, 2.0, bad, 2.0)


def test_segment_through_a_wall_is_refused(mini: World) -> None:
    hall = mini.rooms["hall"]
    assert hall.segment_allowed(1.0, 1.0, 9.0, 9.0)
    assert not hall.segment_allowed(9.0, 2.0, 11.0, 2.0)  # out through the wall, no door here


def test_segment_through_a_door_opening_is_refused_landing_is_used(mini: World) -> None:
    hall, s1 = mini.rooms["hall"], mini.rooms["s1"]
    door = mini.doors["d1"]
    # Walking straight through the opening leaves the room: the server must switch rooms explicitly.
    assert not hall.segment_allowed(9.5, 5.0, 10.5, 5.0)
    assert hall.door_near(9.7, 5.1) is door and hall.door_near(5.0, 5.0) is None
    x, y, heading = door.landing("s1")
    assert (x, y, heading) == pytest.approx((10.8, 5.0, 270.0))  # 0.8 m inside, facing east
    assert s1.contains(x, y) and not hall.contains(x, y)
    assert door.landing("hall") == pytest.approx((9.2, 5.0, 90.0))
    assert door.rooms == ("hall", "s1") and door.other("s1") == "hall"
    assert door.heading == 270.0  # from rooms[0] into rooms[1]: east
    with pytest.raises(ValueError, match="does not open on room 'cour'"):
        door.landing("cour")


def test_door_distance(mini: World) -> None:
    door = mini.doors["d1"]  # opening from (10, 4.5) to (10, 5.5)
    assert door.distance_to(10.0, 5.2) == pytest.approx(0.0)
    assert door.distance_to(9.0, 5.0) == pytest.approx(1.0)
    assert door.distance_to(10.0, 7.5) == pytest.approx(2.0)
    (ax, ay), (bx, by) = sorted(door.ends(), key=lambda p: p[1])
    assert (ax, ay, bx, by) == pytest.approx((10.0, 4.5, 10.0, 5.5))


def test_walls_have_a_gap_at_the_door(mini: World) -> None:
    east = [w for w in mini.rooms["hall"].walls if w.x0 == w.x1 == 10.0]
    assert sorted((min(w.y0, w.y1), max(w.y0, w.y1)) for w in east) == [(0.0, 4.5), (5.5, 10.0)]


def test_segment_across_furniture(mini: World) -> None:
    s1 = mini.rooms["s1"]
    assert not s1.segment_allowed(14.0, 5.0, 16.0, 5.0)  # straight through the desk
    assert not s1.segment_allowed(14.4, 4.6, 15.6, 5.4)  # diagonally through it, corner to corner
    assert s1.segment_allowed(14.0, 5.25, 16.0, 5.25)  # along its edge
    assert s1.segment_allowed(14.0, 6.0, 16.0, 6.0)  # around it


def test_stage_edge_blocks_but_the_steps_let_through(college: World) -> None:
    amphi = college.rooms["amphi"]
    assert amphi.floor_height(26.0, -6.5) == 0.8 and amphi.floor_height(26.0, -3.0) == 0.0
    assert not amphi.segment_allowed(26.0, -4.3, 26.0, -4.7)  # climbing the front edge
    assert not amphi.segment_allowed(17.9, -6.0, 18.2, -6.0)  # climbing the side edge
    assert amphi.segment_allowed(19.2, -4.2, 19.2, -4.8)  # up the west steps
    assert amphi.segment_allowed(32.8, -4.8, 32.8, -4.2)  # down the east steps
    assert not amphi.contains(26.0, -4.55)  # on the edge itself
    assert not amphi.contains(22.0, -5.5)  # inside the lectern


def test_long_moves_use_the_exact_path(college: World) -> None:
    amphi = college.rooms["amphi"]
    assert not amphi.segment_allowed(17.0, -3.0, 35.0, 6.0)  # across the rows of desks
    assert amphi.segment_allowed(17.0, -3.0, 17.0, 7.0)  # down the side aisle
    assert amphi.segment_allowed(26.0, -3.0, 26.0, 7.0)  # down the centre aisle


def test_huge_floor_gets_coarser_cells() -> None:
    side = 5000.0
    area = Walkable([(0.0, 0.0), (side, 0.0), (side, side), (0.0, side)], [Box(10.0, 10.0, 1.0, 1.0)])
    assert area.contains(4999.0, 4999.0) and not area.contains(10.0, 10.0)
    assert not area.segment_allowed(0.0, 0.0, 4000.0, 4000.0)


def test_rotated_obstacle() -> None:
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    area = Walkable(square, [Box(5.0, 5.0, 1.0, 0.2, heading=45.0)])
    assert not area.contains(5.5, 5.5) and area.contains(5.5, 4.5)
    assert not area.segment_allowed(5.0, 4.0, 5.0, 6.0)
    assert area.segment_allowed(3.0, 4.0, 7.0, 4.0)


L_SHAPE = """
[[rooms]]
id = "aile"
name = "Aile en L"
kind = "corridor"
capacity = 20
polygon = [[20.0, 0.0], [30.0, 0.0], [30.0, 10.0], [26.0, 10.0], [26.0, 3.0], [20.0, 3.0]]

[[rooms.doors]]
id = "d-aile"
to = "s1"
x = 20.0
y = 1.5
width = 1.0
label = "Aile"
"""


def test_concave_room_refuses_cutting_the_inner_corner(make_world: MakeWorld) -> None:
    aile = load_world(make_world(append=L_SHAPE)).rooms["aile"]
    assert aile.contains(22.0, 1.0) and aile.contains(28.0, 8.0)
    assert not aile.contains(22.0, 8.0)  # in the notch, inside the bounding box
    assert not aile.segment_allowed(22.0, 2.0, 28.0, 8.0)  # would cut through the notch
    assert aile.segment_allowed(22.0, 1.5, 28.0, 1.5) and aile.segment_allowed(28.0, 1.5, 28.0, 8.0)
    assert aile.segment_allowed(25.0, 2.0, 27.0, 4.0)  # past the corner, inside
    assert not aile.segment_allowed(20.0, 3.0, 26.0, 10.0)  # corner to corner across the notch
    assert aile.segment_allowed(20.0, 3.0, 26.0, 3.0)  # along the wall
    assert aile.segment_allowed(26.0, 3.0, 26.0, 10.0)  # along the other wall


def _reference_contains(room: Room, x: float, y: float) -> bool:
    if not geometry.in_polygon(x, y, room.polygon):
        return False
    return not any(box.contains_open(x, y) for box in room.obstacles)


def _reference_segment(room: Room, x0: float, y0: float, x1: float, y1: float) -> bool:
    if not (_reference_contains(room, x0, y0) and _reference_contains(room, x1, y1)):
        return False
    if geometry.is_convex(room.polygon):
        return not any(box.hits_segment(x0, y0, x1, y1) for box in room.obstacles)
    steps = 400
    along = ((x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps) for k in range(steps + 1))
    if not all(geometry.in_polygon(x, y, room.polygon) for x, y in along):
        return False
    if any(geometry.segments_cross((x0, y0), (x1, y1), a, b) for a, b in geometry.edges(room.polygon)):
        return False
    return not any(box.hits_segment(x0, y0, x1, y1) for box in room.obstacles)


@pytest.mark.parametrize("room_id", ["amphi", "salle-102", "cdi", "hall", "cour"])
def test_fast_path_agrees_with_brute_force(college: World, room_id: str) -> None:
    room = college.rooms[room_id]
    rng = random.Random(room_id)
    x0, y0, x1, y1 = room.bounds
    for _ in range(3000):
        x, y = rng.uniform(x0 - 0.5, x1 + 0.5), rng.uniform(y0 - 0.5, y1 + 0.5)
        a = rng.uniform(0.0, 2 * math.pi)
        length = rng.choice((0.1, 0.5, 2.0))
        x2, y2 = x + length * math.cos(a), y + length * math.sin(a)
        assert room.contains(x, y) == _reference_contains(room, x, y), (x, y)
        assert room.segment_allowed(x, y, x2, y2) == _reference_segment(room, x, y, x2, y2), (x, y, x2, y2)


def test_fast_path_agrees_with_brute_force_in_a_concave_room(make_world: MakeWorld) -> None:
    room = load_world(make_world(append=L_SHAPE)).rooms["aile"]
    rng = random.Random(7)
    for _ in range(3000):
        x, y, x2, y2 = (rng.uniform(19.0, 31.0), rng.uniform(-1.0, 11.0), rng.uniform(19.0, 31.0),
                        rng.uniform(-1.0, 11.0))
        assert room.contains(x, y) == _reference_contains(room, x, y)
        assert room.segment_allowed(x, y, x2, y2) == _reference_segment(room, x, y, x2, y2)


def test_the_geometry_benchmark_times_both_checks_in_every_room(college: World) -> None:
    # How fast they are is measured by `python -m cybercollege.worlds.bench` (docs/worlds.md, docs/benchmarks.md),
    # not held to a threshold here: this only keeps the benchmark working.
    results = run(per_room=20)
    assert set(results) == set(college.rooms)
    assert all(c > 0 and s > 0 for c, s in results.values())
