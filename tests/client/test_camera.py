"""The follow camera never stands in a wall: pulled in front of the first wall or pillar behind me, at once, and
let out smoothly; looking down in tight places, far in open ones (client/camera.py)."""

from __future__ import annotations

import math

import pytest

from cybercollege.client import camera
from cybercollege.client.camera import Boom, cast
from cybercollege.worlds import default_world_path, geometry, load_world

DT = 1 / 60


@pytest.fixture(scope="module")
def world():
    return load_world(default_world_path())


def wall_clearance(room, x: float, y: float) -> float:
    return min(geometry.point_segment_distance(x, y, *a, *b) for a, b in camera.blockers(room))


def test_cast_stops_a_disc_in_front_of_a_wall():
    wall = [((0.0, -5.0), (0.0, 5.0))]
    assert cast(wall, 3.0, 0.0, -1.0, 0.0, 10.0) == pytest.approx(3.0)
    assert cast(wall, 3.0, 0.0, -1.0, 0.0, 10.0, margin=0.3) == pytest.approx(2.7)
    assert cast(wall, 3.0, 0.0, 1.0, 0.0, 10.0, margin=0.3) == 10.0  # going away
    assert cast(wall, 3.0, 0.0, -1.0, 0.0, 2.0, margin=0.3) == 2.0  # short of it
    # Grazing along a wall 0.2 m away: the disc touches its end's round cap, not the line.
    end = [((0.0, 0.2), (-5.0, 0.2))]
    assert cast(end, 3.0, 0.0, -1.0, 0.0, 10.0, margin=0.3) == pytest.approx(3.0 - math.sqrt(0.3**2 - 0.2**2))


def test_backing_against_a_corridor_wall_pulls_the_camera_in_at_once(world):
    corridor = world.rooms["couloir"]
    boom = Boom(corridor)
    boom.aim(30.0, 9.5, 0.0, 270.0, -12.0, DT)  # walking east along the corridor
    shot = boom.aim(30.0, 9.5, 0.0, 270.0, -12.0, DT)
    assert shot.length > 2.0
    shot = boom.aim(30.0, 9.5, 0.0, 0.0, -12.0, DT)  # turned to face a classroom door: the south wall is 1.5 m
    assert shot.length <= 1.5 - camera.MARGIN + 1e-9
    assert wall_clearance(corridor, *shot.eye[:2]) >= camera.MARGIN - 1e-6
    assert corridor.wall_height - shot.eye[2] >= 0.3 - 1e-9


def test_the_camera_lets_out_smoothly_after_a_pull_in(world):
    corridor = world.rooms["couloir"]
    boom = Boom(corridor)
    short = boom.aim(30.0, 9.5, 0.0, 0.0, -12.0, DT).length
    lengths = [boom.aim(30.0, 9.5, 0.0, 270.0, -12.0, DT).length for _ in range(120)]
    steps = [b - a for a, b in zip([short, *lengths], lengths, strict=False)]
    assert max(steps) <= camera.EASE * DT + 1e-9  # no jump back
    assert lengths[-1] > short + 0.5  # but it does get back


def test_the_hall_pillar_stops_the_camera(world):
    hall = world.rooms["hall"]
    pillar = next(f for f in hall.furniture if f.kind == "pillar")
    boom = Boom(hall)
    x, y = pillar.x, pillar.y - 1.5  # 1.5 m south of the pillar, facing south: it is behind me
    for _ in range(3):
        shot = boom.aim(x, y, 0.0, 180.0, -12.0, DT)
    assert shot.length <= 1.5 - pillar.sy / 2 - camera.MARGIN + 1e-9
    assert not (abs(shot.eye[0] - pillar.x) < pillar.sx / 2 and abs(shot.eye[1] - pillar.y) < pillar.sy / 2)


@pytest.mark.parametrize("room_id", ["couloir", "hall", "salle-103", "amphi", "cdi", "cour"])
def test_the_camera_stays_inside_every_room_whatever_the_way_i_face(world, room_id):
    room = world.rooms[room_id]
    x0, y0, x1, y1 = room.bounds
    boom = Boom(room)
    spots = [(x0 + (x1 - x0) * i / 6, y0 + (y1 - y0) * j / 6) for i in range(7) for j in range(7)]
    spots = [(x, y) for x, y in spots if room.contains(x, y)]
    assert len(spots) >= 8
    for x, y in spots:
        for heading in range(0, 360, 30):
            shot = boom.aim(x, y, room.floor_height(x, y), float(heading), -12.0, DT)
            ex, ey, _ = shot.eye
            assert geometry.in_polygon(ex, ey, room.polygon), (room_id, x, y, heading, shot)
            if wall_clearance(room, x, y) >= camera.MARGIN:  # I stand clear of the walls: so does the camera
                assert wall_clearance(room, ex, ey) >= camera.MARGIN - 1e-6, (room_id, x, y, heading, shot)


def test_the_camera_looks_far_in_the_hall_and_down_in_the_corridor(world):
    hall, corridor = Boom(world.rooms["hall"]), Boom(world.rooms["couloir"])
    open_shot = hall.aim(12.0, 5.0, 0.0, 0.0, -12.0, DT)
    tight_shot = corridor.aim(20.0, 9.5, 0.0, 270.0, -12.0, DT)
    assert open_shot.openness == 1.0 and tight_shot.openness == 0.0
    assert open_shot.length == camera.FAR and tight_shot.length == camera.CLOSE

    def down(shot) -> float:
        (ex, ey, ez), (tx, ty, tz) = shot.eye, shot.target
        return math.degrees(math.atan2(ez - tz, math.hypot(tx - ex, ty - ey)))

    assert down(tight_shot) > down(open_shot) + 5.0


def test_the_halls_spawn_points_face_the_way_in_clear_of_the_pillar(world):
    hall = world.rooms["hall"]
    door = world.doors["hall-couloir"]  # the way to the classrooms
    pillar = camera.blockers(hall)[len(hall.polygon):]
    assert pillar, "the hall's pillar stops the camera"
    for x, y, heading in hall.spawn_points:
        bearing = geometry.heading_of(door.x - x, door.y - y)
        assert abs((bearing - heading + 180) % 360 - 180) < 10, (x, y, heading)
        assert cast(pillar, x, y, *geometry.direction(heading), 30.0) == 30.0, f"the pillar hides the way from {x, y}"
