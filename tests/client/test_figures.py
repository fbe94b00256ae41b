"""People-like avatars (new looks): one modest Geom per palette with every body part, poses blended over 0.2 s,
and name tags small near the camera yet readable at 8 m (measured by projection at 1280×720)."""

from __future__ import annotations

from panda3d.core import GeomVertexReader, NodePath, Point2, Point3, TextNode

from cybercollege.client import avatars, figures, lighting, style
from cybercollege.client.avatars import AvatarLayer
from cybercollege.protocol.messages import Anim

WINDOW_HEIGHT = 720  # the reference window (the test window has the same 16:9 aspect, fewer pixels)


def parts_and_vertices(palette: int) -> tuple[set[int], int]:
    geom = figures.person(palette).node().get_geom(0)
    data = geom.get_vertex_data()
    reader = GeomVertexReader(data, "part")
    parts = set()
    while not reader.is_at_end():
        parts.add(round(reader.get_data1f()))
    return parts, data.get_num_rows()


def test_every_palette_is_a_whole_person_in_one_modest_geom(base):
    hair = set()
    for palette in range(len(figures.SHIRTS) * len(figures.SKINS)):
        parts, vertices = parts_and_vertices(palette)
        assert parts == set(range(9)), "body, head, both arms, thighs, shins and the mouth"
        assert vertices < 1500, f"palette {palette}: {vertices} vertices (30 in a room at 20 Hz on software GL)"
        assert figures.person(palette).node().get_num_geoms() == 1, "one draw call per avatar"
        hair.add(figures.hair_style(palette))
    assert hair == set(figures.HAIR_STYLES)


def test_poses_blend_over_a_fifth_of_a_second():
    sit, hand = figures.pose_of(Anim.SIT, False), figures.pose_of(Anim.HAND_UP, True)
    assert hand == (0.0, 1.0, 1.0, 0.0), "a hand raised while seated keeps sitting"
    assert figures.blended(sit, hand, 0.0) == sit
    assert figures.blended(sit, hand, figures.BLEND) == hand
    half = figures.blended(sit, hand, figures.BLEND / 2)
    assert half == (0.0, 1.0, 0.5, 0.0)


def cap_height_px(base, view, distance: float) -> float:
    """The tag's capital height in pixels of a 720-pixel-high window, ``distance`` metres in front of the
    camera, after the layer's task sized it."""
    probe = TextNode("probe")
    font = style.font(bold=True)
    if font is not None:
        probe.set_font(font)
    probe.set_text("H")
    bounds = NodePath(probe.generate()).get_tight_bounds()
    cap = (bounds[1].z - bounds[0].z) * view.text.get_scale().z  # metres
    tag = view.tag.get_pos(base.render)
    top, bottom = Point2(), Point2()
    assert base.camLens.project(base.cam.get_relative_point(base.render, tag + Point3(0, 0, cap)), top)
    assert base.camLens.project(base.cam.get_relative_point(base.render, tag), bottom)
    return (top.y - bottom.y) / 2 * WINDOW_HEIGHT


async def test_name_tags_are_small_near_and_readable_at_8_m(base, driver):
    if lighting.LOOKS == "old":
        return
    base.camLens.set_fov(70)  # as the world view sets it
    layer = AvatarLayer(base.render)
    try:
        view = layer.add(7, "Hugo M.", "pupil", 0.0, 8.0, 180.0, Anim.IDLE)
        base.camera.set_pos(0, 0, avatars.TAG_HEIGHT)
        base.camera.set_hpr(0, 0, 0)
        await driver.frames_later(2)
        far = cap_height_px(base, view, 8.0)
        assert far >= 10.0, f"{far:.1f} px at 8 m"
        view.place(0.0, 2.0, 0.0, 180.0)
        await driver.frames_later(2)
        near = cap_height_px(base, view, 2.0)
        assert view.text.get_scale().z < avatars.TAG_SCALE * 0.6, "near, the tag is half the old size"
        assert near < 50, f"{near:.1f} px at 2 m: a name, not a banner"
    finally:
        layer.destroy()
