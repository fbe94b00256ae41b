"""Name tags leave faces visible in the amphitheatre's rows: every seat taken, seen through the follow camera of a
pupil in the third row and of the speaker on the stage (the real ``camera.Boom``), no tag covers more than a
quarter of another person's head on the screen (projected tag card against the projected head,
when the tag is nearer the camera than that head: a head in front of a tag hides it, depth-tested)."""

from __future__ import annotations

import pytest
from panda3d.core import Point2, Point3

from cybercollege.client import avatars, lighting, scene
from cybercollege.client.avatars import AvatarLayer
from cybercollege.client.camera import Boom
from cybercollege.client.posing import HEAD_Z, HIP_Z, SEAT_HEIGHT
from cybercollege.protocol.messages import Anim
from cybercollege.worlds import default_world_path, load_world
from tests.client.helpers import screenshot
from tests.client.test_teacher_tabs import shots

SEATED_HEAD = HEAD_Z - (HIP_Z - (SEAT_HEIGHT + 0.04)) + 0.02  # the head's centre, hair included
HEAD_RADIUS = 0.15
Rect = tuple[float, float, float, float]


@pytest.fixture(scope="module")
def world():
    return load_world(default_world_path())


@pytest.fixture
def amphi(base, world):
    """The amphitheatre drawn and lit as the world view does it (the pose shader seats the figures)."""
    root = base.render.attach_new_node("view")
    scene.build_world(world, root)
    scene.light(root)
    yield world.rooms["amphi"], root
    root.remove_node()


def film(base, point: Point3) -> tuple[float, float] | None:
    """A camera-space point on the film (-1..1), or None behind the camera."""
    if point.y <= base.camLens.get_near():
        return None
    p = Point2()
    base.camLens.project(point, p)
    return p.x, p.y


def rect_of(base, center: Point3, left: float, right: float, bottom: float, top: float) -> Rect | None:
    """A camera-facing rectangle around a camera-space ``center`` on the film."""
    corners = [film(base, center + Point3(x, 0, z)) for x in (left, right) for z in (bottom, top)]
    if any(c is None for c in corners):
        return None
    xs, ys = [c[0] for c in corners if c], [c[1] for c in corners if c]
    return min(xs), max(xs), min(ys), max(ys)


def covered(tag: Rect, head: Rect) -> float:
    w = min(tag[1], head[1]) - max(tag[0], head[0])
    h = min(tag[3], head[3]) - max(tag[2], head[2])
    return max(0.0, w) * max(0.0, h) / ((head[1] - head[0]) * (head[3] - head[2]))


def worst_cover(base, layer: AvatarLayer) -> tuple[float, int]:
    """The largest share of a head any other person's tag covers, and how many tags are drawn."""
    heads, tags = {}, {}
    for vid, view in layer.views.items():
        c = base.cam.get_relative_point(view.root, Point3(0, 0, SEATED_HEAD))
        if (r := rect_of(base, c, -HEAD_RADIUS, HEAD_RADIUS, -HEAD_RADIUS, HEAD_RADIUS)) is not None:
            heads[vid] = r, c.y - HEAD_RADIUS
        distance = view.tag.get_distance(base.camera)
        lod = view.tag.node()  # the tag shows between its LOD switch's near and far distances
        if view.tag.is_hidden() or not lod.get_out(0) <= distance <= lod.get_in(0):
            continue
        node, s = view.text.node(), view.text.get_scale().z
        left, right, bottom, top = node.get_card_actual()
        c = base.cam.get_relative_point(view.tag, Point3(0, 0, 0))
        if view.seated:  # the badge is drawn this much nearer the camera (its billboard's offset)
            c = c * (1.0 - avatars.SEATED_TAG_OFFSET / c.length())
        if (r := rect_of(base, c, left * s, right * s, bottom * s, top * s)) is not None:
            tags[vid] = r, c.y
    worst = max((covered(t, h) for tid, (t, td) in tags.items() for hid, (h, hd) in heads.items()
                 if hid != tid and td < hd), default=0.0)  # a tag behind a head is hidden by it, not over it
    return worst, len(tags)


@pytest.mark.parametrize("viewer", ["third-row", "stage"])
async def test_name_tags_leave_the_faces_of_the_rows_visible(base, driver, amphi, viewer):
    if lighting.LOOKS == "old":
        return
    amphi, root = amphi
    base.camLens.set_fov(70)  # as the world view sets it
    layer = AvatarLayer(root, amphi.floor_height)
    mine = "amphi-g-3-5"
    try:
        for i, seat in enumerate(s for s in amphi.seats if not s.id.startswith("amphi-tribune")):
            if seat.id != mine or viewer == "stage":
                layer.add(100 + i, f"Élève {i}", "pupil", seat.x, seat.y, seat.heading, Anim.SIT)
        if viewer == "stage":
            x, y, heading = 22.6, -5.6, 0.0  # the speaker at the lectern, facing the audience
        else:
            seat = next(s for s in amphi.seats if s.id == mine)
            x, y, heading = seat.x, seat.y, seat.heading
        shot = Boom(amphi).aim(x, y, amphi.floor_height(x, y), heading, -12.0, 1.0)
        base.camera.set_pos(*shot.eye)
        base.camera.look_at(*shot.target)
        await driver.frames_later(3)
        covered, shown = worst_cover(base, layer)
        folder = shots("test_name_tags")
        screenshot(base).write(str(folder / f"{viewer}.png"))
        assert shown >= 10, f"{shown} tags drawn: the names are still there"
        assert covered <= 0.25, f"from the {viewer}, a tag covers {covered:.0%} of a head"
    finally:
        layer.destroy()
