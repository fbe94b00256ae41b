"""The college and the avatars in the scene graph: few draw calls, readable signs, smooth motion."""

from __future__ import annotations

import pytest
from panda3d.core import ClockObject, SequenceNode

from cybercollege.client import figures, lighting, scene
from cybercollege.client.avatars import BUFFER, AvatarLayer
from cybercollege.protocol.messages import Anim
from cybercollege.worlds import default_world_path, load_world
from tests.client.helpers import count_pixels, screenshot


@pytest.fixture(scope="module")
def world():
    return load_world(default_world_path())


@pytest.fixture
def college(base, world):
    root = scene.build_world(world, base.render)
    scene.light(root)
    yield root
    root.remove_node()


def test_static_geometry_is_one_node_per_room(college, world):
    geom_nodes = college.find_all_matches("**/+GeomNode")
    assert {f"room-{r}" for r in world.rooms} <= {np.get_name() for np in geom_nodes}
    geoms = sum(np.node().get_num_geoms() for np in geom_nodes)
    assert geoms <= len(world.rooms) + 4, f"{geoms} geoms: static geometry must stay flattened"


def test_door_signs_are_readable_from_the_room(base, college, driver_frames):
    # In the hall, in front of the corridor door (x = 16, y = 9.5), looking east.
    base.camera.set_pos(12.5, 9.5, 1.7)
    base.camera.look_at(16, 9.5, 2.3)
    sign_pixels = count_pixels(driver_frames(), scene.SIGN_BG[:3], tolerance=0.03)
    base.camera.look_at(12.5, 0.5, 2.3)  # facing the south wall: no door there
    assert count_pixels(driver_frames(), scene.SIGN_BG[:3], tolerance=0.03) < sign_pixels / 10
    assert sign_pixels > 300
    assert scene.sign("Salle 103 – Anglais").get_text() == "Salle 103 – Anglais"


@pytest.fixture
def driver_frames(base):
    def render():
        for _ in range(2):
            base.graphicsEngine.render_frame()
        return screenshot(base)

    return render


@pytest.fixture
def frame_clock():
    """The scene's clock advances 1/60 s a frame, however long a frame takes (a busy machine)."""
    clock = ClockObject.get_global_clock()
    mode, dt = clock.get_mode(), clock.get_dt()
    clock.set_mode(ClockObject.M_non_real_time)
    clock.set_dt(1 / 60)
    yield 1 / 60
    clock.set_mode(mode)
    clock.set_dt(dt)


async def test_remote_avatars_glide_between_updates(base, driver, frame_clock):
    layer = AvatarLayer(base.render)
    glide = round(BUFFER / frame_clock)  # frames
    try:
        view = layer.add(7, "Hugo M.", "pupil", 0.0, 0.0, 350.0, Anim.IDLE)
        tasks = len(base.taskMgr.getAllTasks())
        layer.update(7, 1.0, 0.0, 10.0, Anim.WALK)  # a 20 Hz update
        if lighting.LOOKS == "old":
            assert isinstance(view.body.node(), SequenceNode) and view.body.node().is_playing()
        else:  # the new looks walk in the vertex shader (client/figures.py)
            assert view.pose == figures.POSES[Anim.WALK]
        await driver.frames_later(glide // 2)
        x, h = view.root.get_x(), view.root.get_h() % 360
        assert 0.1 < x < 0.95, "half way, not jumping"
        assert h > 350 or h < 10, "turns the short way through north"
        await driver.frames_later(glide)
        assert view.root.get_x() == pytest.approx(1.0)
        assert len(base.taskMgr.getAllTasks()) == tasks, "no Python task per avatar"
        layer.update(7, 30.0, 0.0, 10.0, Anim.IDLE)  # a jump (door, resume) teleports
        assert view.root.get_x() == pytest.approx(30.0)
    finally:
        layer.destroy()


def test_fifty_avatars_share_their_geometry(base):
    layer = AvatarLayer(base.render)
    try:
        for i in range(50):
            layer.add(i + 1, f"Élève {i}", "pupil", i * 0.5, 0.0, 0.0, Anim.WALK if i % 2 else Anim.SIT)
        cache = figures._frames if lighting.LOOKS == "old" else figures.person
        baked = cache.cache_info().currsize
        for i in range(50, 100):
            layer.add(i + 1, f"Élève {i}", "pupil", i * 0.5, 0.0, 0.0, Anim.WALK if i % 2 else Anim.SIT)
        assert cache.cache_info().currsize <= max(baked, 2 * 24), "figures are made once per palette"
        assert len(layer) == 100
        layer.clear()
        assert layer.root.get_num_children() == 0
    finally:
        layer.destroy()
