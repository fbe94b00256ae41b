import pytest

from cybercollege.client.scripts import route
from cybercollege.client.walker import Walker, plan_path
from cybercollege.protocol.messages import Anim
from cybercollege.worlds import default_world_path, load_world


@pytest.fixture(scope="module")
def world():
    return load_world(default_world_path())


def walk(w: Walker, seconds: float, forward=1.0, strafe=0.0):
    door = None
    for _ in range(int(seconds * 60)):
        door = w.step(1 / 60, forward, strafe, 0.0) or door
    return door


def test_walls_stop_me_and_i_slide_along_them(world):
    hall = world.rooms["hall"]
    w = Walker(hall, 2.0, 2.0, 90.0)  # facing west, wall at x = 0
    walk(w, 3.0)
    assert 0.0 <= w.x < 0.3 and w.y == pytest.approx(2.0)
    assert hall.contains(w.x, w.y)
    w.heading = 135.0  # south-west: slides south along the wall
    walk(w, 0.3)
    assert w.y < 2.0 and w.x >= 0.0
    assert w.anim == Anim.WALK
    w.step(1 / 60, 0, 0, 0)
    assert w.anim == Anim.IDLE


def test_walking_into_a_door_opening_asks_for_the_door(world):
    hall = world.rooms["hall"]
    w = Walker(hall, 14.5, 9.5, 270.0)  # facing east, towards the corridor door at x = 16
    door = walk(w, 1.5)
    assert door is not None and door.id == "hall-couloir"
    assert hall.contains(w.x, w.y)  # the server moves me, not the prediction
    w2 = Walker(hall, 14.5, 12.5, 270.0)  # along the same wall, no door there
    assert walk(w2, 1.5) is None


def test_sit_at_the_nearest_free_seat_and_raise_a_hand(world):
    room = world.rooms["salle-103"]
    seat = room.seat("salle-103-b-2-2")
    w = Walker(room, seat.x + 0.5, seat.y, 90.0)
    assert w.nearest_seat([]) == seat
    assert w.nearest_seat([(seat.x, seat.y)]) != seat  # taken
    w.sit(seat)
    assert (w.x, w.y, w.anim, w.seated) == (seat.x, seat.y, Anim.SIT, True)
    w.toggle_hand()
    assert w.anim == Anim.HAND_UP
    w.toggle_hand()
    assert w.anim == Anim.SIT
    walk(w, 0.1, forward=-1.0)
    assert not w.seated


def test_paths_go_around_desks(world):
    room = world.rooms["salle-103"]
    seat = room.seat("salle-103-b-3-2")
    start, goal = (35.2, 11.8), (seat.x + 0.5, seat.y)
    assert not room.segment_allowed(*start, *goal)
    path = plan_path(room, start, goal)
    assert path and path[-1] == goal
    here = start
    for point in path:
        assert room.segment_allowed(*here, *point)
        here = point


def test_route_through_the_college(world):
    assert route(world, "hall", "salle-103") == ["hall-couloir", "porte-103"]
    assert route(world, "salle-103", "salle-103") == []
