"""Video panels above avatars: the nearest publishers get one (never me), each picture is uploaded once, muted
video and avatars gone have none; in the amphitheatre, a publishing teacher's panel shows her video."""

from __future__ import annotations

import aioice.ice
import numpy as np
import pytest
from panda3d.core import NodePath

from cybercollege.client import panels
from cybercollege.client.media import Picture
from cybercollege.protocol.conference import ConfMute
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import PINK, Solid, into_amphi, teacher_peer

PINK_F = tuple(c / 255 for c in PINK)


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1; offering only it keeps every connection local (tests only)."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


def picture(serial: int, width: int = 320, height: int = 240) -> Picture:
    return Picture(width, height, np.zeros((height, width, 3), np.uint8).tobytes(), serial)


def test_the_nearest_publishers_get_panels():
    positions = [(1, (0.0, 5.0)), (2, (1.0, 0.0)), (3, (0.0, -2.0)), (4, (9.0, 9.0)), (5, (-1.0, 0.0))]
    assert panels.nearest(positions, (0.0, 0.0), 3) == [2, 5, 3]  # 2 and 5 tie: smaller id first
    assert panels.nearest(positions, (9.0, 8.0), 1) == [4]
    assert panels.nearest([], (0.0, 0.0)) == []


def test_panels_follow_avatars_pictures_and_mutes(base):
    avatars = NodePath("avatars")
    for pid in range(1, 13):  # avatar 1 is me; all twelve publish video
        node = avatars.attach_new_node(f"avatar-{pid}")
        node.set_pos(pid, 0, 0)
        node.attach_new_node("tag-lod").set_z(1.95)
    shown = list(range(1, 13))
    pictures = {pid: picture(1) for pid in shown}
    layer = panels.PanelLayer(base, avatars, lambda: shown, pictures.get, lambda: 1, lambda: (0.0, 0.0))
    try:
        base.taskMgr.remove(layer.task)  # refreshed by hand here
        layer.refresh()
        assert sorted(layer.panels) == list(range(2, 10)), "the 8 nearest, never me"
        assert layer.uploads == 8
        panel = layer.panels[2]
        assert panel.root.get_parent() == avatars.find("avatar-2") and not panel.root.is_hidden()
        assert panel.root.get_z() == pytest.approx(1.95 + panels.ABOVE_TAG)
        assert tuple(panel.card.get_scale()) == pytest.approx((0.75, 1.0, 1.0), abs=1e-4)  # 4:3 in a 16:9 card
        layer.refresh()
        assert layer.uploads == 8, "the same pictures are not uploaded again"
        pictures[2] = picture(2)
        layer.refresh()
        assert layer.uploads == 9

        shown.remove(3)  # its video muted by the host
        avatars.find("avatar-4").remove_node()  # left my room
        layer.refresh()
        assert sorted(layer.panels) == [2, 5, 6, 7, 8, 9, 10, 11]
        back = avatars.attach_new_node("avatar-4")  # back in my room: a new node
        layer.refresh()
        assert 4 in layer.panels and layer.panels[4].root.get_parent() == back
        assert layer.panels[4].root.is_hidden() is False
    finally:
        layer.destroy()


async def test_a_publishers_panel_in_the_amphitheatre(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    try:
        host = teacher.conn.mirror.me
        await into_amphi(server, host, (29.5, 6.0, 90.0))  # facing Léa
        await into_amphi(server, session.conn.mirror.me, (26.0, 6.0, 270.0))  # facing east: the screen out of view
        await until(lambda: session.view.walker.room.id == "amphi", what="Léa in the amphitheatre")
        await teacher.publish(Solid(PINK))
        layer = session.conference.panels
        await until(lambda: host in layer.panels and layer.uploads >= 3, 15, "the teacher's panel")
        panel = layer.panels[host]
        assert panel.root.get_parent() == session.view.layer.views[host].root, "above the teacher's avatar"
        assert session.conn.mirror.me not in layer.panels
        await driver.frames_later(3)
        shown = count_pixels(screenshot(base), PINK_F, tolerance=0.1)
        assert shown > 40, f"the teacher's video above her head ({shown} pink pixels)"
        panel.card.hide()
        await driver.frames_later(2)
        assert count_pixels(screenshot(base), PINK_F, tolerance=0.1) < shown / 10, "the pink was the panel's"
        panel.card.show()

        await teacher.conn.send(ConfMute(host, "video", True))  # the host mutes her own video: no panel
        await until(lambda: host not in layer.panels, 5, "the muted video's panel gone")
        await teacher.conn.send(ConfMute(host, "video", False))
        await until(lambda: host in layer.panels, 10, "the panel back")
        world = server.world
        hall = world.rooms["hall"]
        world.move_to(world.avatars[host], hall, hall.spec.spawn_points[0])  # she leaves the room
        await until(lambda: host not in layer.panels, 5, "no panel once she has left")
    finally:
        await teacher.close()
        await stop(session, task)
