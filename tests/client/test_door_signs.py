"""Each door's two signs on each side — the plate over the opening and the flag beside it — are apart: seen from
anywhere in the room in front of the door (eyes of a pupil, a teacher, the follow camera), neither covers the
other on the screen; both name where the door leads; the plate fits the wall above the opening."""

from __future__ import annotations

import math

import pytest

from cybercollege.client import scene
from cybercollege.worlds import default_world_path, geometry, load_world

EYES = (1.45, 1.75, 2.6)  # a pupil's, a teacher's and the follow camera's heights


@pytest.fixture(scope="module")
def world():
    return load_world(default_world_path())


def project(eye, target, point) -> tuple[float, float] | None:
    """``point`` on the film of a pinhole camera at ``eye`` looking at ``target`` (None: behind it)."""
    fx, fy, fz = (t - e for t, e in zip(target, eye, strict=True))
    n = math.sqrt(fx * fx + fy * fy + fz * fz)
    fx, fy, fz = fx / n, fy / n, fz / n
    rx, ry = fy, -fx  # right, horizontal
    r = math.hypot(rx, ry)
    rx, ry = rx / r, ry / r
    ux, uy, uz = ry * fz, -rx * fz, rx * fy - ry * fx  # up = right x forward
    dx, dy, dz = (p - e for p, e in zip(point, eye, strict=True))
    depth = dx * fx + dy * fy + dz * fz
    if depth <= 0.05:
        return None
    return (dx * rx + dy * ry) / depth, (dx * ux + dy * uy + dz * uz) / depth


def outline(eye, target, box) -> list[tuple[float, float]] | None:
    """The convex outline of a box on the film (None: partly behind the camera)."""
    low, high = box
    points = [project(eye, target, (x, y, z)) for x in (low[0], high[0]) for y in (low[1], high[1])
              for z in (low[2], high[2])]
    if any(p is None for p in points):
        return None
    return hull([p for p in points if p is not None])


def hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain, counter-clockwise."""
    pts = sorted(set(points))

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for chain, seq in ((lower, pts), (upper, list(reversed(pts)))):
        for p in seq:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], p) <= 0:
                chain.pop()
            chain.append(p)
    return lower[:-1] + upper[:-1]


def cover(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    """Two convex outlines overlap (no separating axis among their edges' normals)."""
    for poly in (a, b):
        for (px, py), (qx, qy) in zip(poly, poly[1:] + poly[:1], strict=True):
            nx, ny = qy - py, px - qx
            pa, pb = [nx * x + ny * y for x, y in a], [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
    return True


def viewpoints(room, door):
    """Places in the room in front of the door, 1.5 to 8 m away and at most 60° off its axis."""
    nx, ny = scene._inward(room, door)
    for d in (1.5, 2.5, 4.0, 6.0, 8.0):
        for off in (-5.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 5.0):
            if abs(math.degrees(math.atan2(abs(off), d))) > 60:
                continue
            x, y = door.x + nx * d - ny * off, door.y + ny * d + nx * off
            if geometry.strictly_in_polygon(x, y, room.polygon):
                yield x, y


def test_the_plate_and_the_flag_never_cover_each_other(world):
    checked = 0
    for room in world.rooms.values():
        for door in room.doors:
            text = scene.leads_to(world, door, room.id)
            places = scene.sign_places(room, door, text)
            plate, flag = places.plate_box, places.flag_box
            assert plate[1][2] <= room.wall_height, f"{door.id} in {room.id}: the plate goes through the ceiling"
            assert plate[0][2] >= min(door.height * 0.75, flag[1][2]), f"{door.id}: the plate hangs too low"
            assert flag[0][2] >= 1.9, f"{door.id}: the flag at head height"
            root = ((flag[0][0] + flag[1][0]) / 2, (flag[0][1] + flag[1][1]) / 2)  # on the wall, beside the door
            assert any(geometry.point_segment_distance(*root, *p, *q) < 0.9 for p, q in geometry.edges(room.polygon))
            assert all(math.dist(root, (o.x, o.y)) > o.width / 2 + 0.3 for o in room.doors), f"{door.id}: in a door"
            target = tuple((lo + hi) / 2 for lo, hi in zip(*plate, strict=True))
            for x, y in viewpoints(room, door):
                for eye_z in EYES:
                    a, b = outline((x, y, eye_z), target, plate), outline((x, y, eye_z), target, flag)
                    if a is None or b is None:
                        continue
                    assert not cover(a, b), f"{door.id} from {room.id} at ({x:.1f}, {y:.1f}, {eye_z}): {a} and {b}"
                    checked += 1
    assert checked > 300


def test_both_signs_name_where_the_door_leads(base, world):
    from panda3d.core import NodePath

    root = NodePath("signs")
    try:
        scene._room_signs(world, world.rooms["salle-103"], root)
        reads = {np.get_tag("reads") for np in root.find_all_matches("**/=door=porte-103")}
        flags = {np.get_tag("reads") for np in root.find_all_matches("**/=flag=1")}
        assert reads == flags == {"Couloir – Hall d'entrée"}
    finally:
        root.remove_node()
