"""Conferences in included rooms: a pupil in a classroom a teacher links to the amphitheatre's conference sees
the teacher's video on the classroom's screen and gets the bar, until the room is left out; a host client's
room toggles send CONF_LINK and follow CONF_ROOMS."""

from __future__ import annotations

from pathlib import Path

import aioice.ice
import pytest

from cybercollege import worlds
from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.client.sources import Devices
from cybercollege.client.ui.linkrooms import linkable
from cybercollege.protocol.conference import ConfIce, ConfLeft, ConfLink, ConfRooms
from tests.client.helpers import count_pixels, screenshot, until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import PINK, Peer, Solid, into_amphi, teacher_peer
from tests.server.test_invitation import invite

CLASSROOM = "salle-101"  # class 6A/6B: Louis (6A) may enter; Mme Durand teaches 6A
COLLEGE = Path(__file__).resolve().parents[2] / "worlds" / "college"
PINK_F = tuple(c / 255 for c in PINK)


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1; offering only it keeps every connection local (tests only)."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


def into(server, avatar_id: int, room_id: str, position: tuple[float, float, float]) -> None:
    world = server.world
    world.move_to(world.avatars[avatar_id], world.rooms[room_id], position)


def test_rooms_a_host_may_include():
    rooms = dict(linkable(worlds.load_world(COLLEGE), "amphi"))
    assert {"salle-101", "salle-102", "salle-103", "salle-104", "cdi", "hall", "cour"} == set(rooms)
    assert rooms["salle-101"] == "Salle 101 – Mathématiques"


async def test_a_linked_classroom_shows_the_conference(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "louis.girard", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    try:
        host = teacher.conn.mirror.me
        await into_amphi(server, host, (26.0, -6.0, 0.0))
        into(server, session.conn.mirror.me, CLASSROOM, (19.6, 16.9, 90.0))  # the screen ahead, right of me
        await until(lambda: session.view.walker.room.id == CLASSROOM, what="Louis in salle 101")
        conference = session.conference
        media = conference.media
        assert conference.bar is None and not media.joined, "a classroom alone has no conference"
        await teacher.publish(Solid(PINK))

        await teacher.conn.send(ConfLink(CLASSROOM, True))
        await until(lambda: conference.bar is not None, 5, "the conference bar in the linked classroom")
        await until(lambda: media.rooms == (CLASSROOM,) and media.conference == "amphi", 5, "CONF_ROOMS")
        await until(lambda: conference.bar.live.getText() == "En direct : Amphithéâtre", 2, "where it comes from")
        await until(lambda: host in media.pictures, 15, "the teacher's video decoded in the classroom")
        await until(lambda: conference.screen.uploads >= 5, 5, "pictures uploaded to the classroom's screen")
        await driver.frames_later(3)
        shown = count_pixels(screenshot(base), PINK_F, tolerance=0.1)
        assert shown > 300, f"the teacher's video on the classroom's screen ({shown} pink pixels)"
        assert conference.bar.links is not None and conference.bar.links.toggle.isHidden(), "no toggles for pupils"
        assert not conference.panels.panels, "the teacher is not in my room: no panel"

        await teacher.conn.send(ConfLink(CLASSROOM, False))  # left out: the conference goes
        await until(lambda: conference.bar is None and media.sub is None, 5, "the conference left")
        assert not media.pictures and not media.joined
        await driver.frames_later(3)
        assert count_pixels(screenshot(base), PINK_F, tolerance=0.1) == 0, "the screen is blank again"
        assert session.view.walker.room.id == CLASSROOM, "Louis stays in class"
    finally:
        await teacher.close()
        await stop(session, task)


async def test_the_host_includes_a_room_from_the_bar(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path,
                                devices=Devices("none", "none"))
    await in_world(session)
    status, _ = await invite(http, server)  # opens the amphitheatre; Mme Durand hosts
    assert status == 201
    pupil = Peer(WorldConnection(http, server.url, await fetch_demo_token(http, server.url, "louis.girard")))
    await pupil.conn.connect()
    try:
        into(server, pupil.conn.mirror.me, CLASSROOM, (19.6, 16.9, 90.0))
        await into_amphi(server, session.conn.mirror.me, (26.0, -6.0, 0.0))
        conference = session.conference
        await until(lambda: conference.bar is not None and conference.media.roles.get(session.conn.mirror.me)
                    == "host", 5, "the host's bar")
        links = conference.bar.links
        await until(lambda: not links.toggle.isHidden(), 2, "the rooms toggle for the host")
        assert links.toggle["text"] == "Salles reliées (0)"
        assert all(item.isHidden() for item in links.items.values()), "the list starts closed"
        assert conference.bar.live.getText() == "", "in the conference's own room"

        links.toggle["command"]()  # open the list
        item = links.items[CLASSROOM]
        assert not item.isHidden() and item["text"] == "Salle 101 – Mathématiques — inclure"
        assert "amphi" not in links.items and "couloir" not in links.items
        item["command"](*item["extraArgs"])  # include salle 101
        await until(lambda: any(isinstance(m, ConfIce) for m in pupil.received), 5, "the pupil included")
        await until(lambda: any(isinstance(m, ConfRooms) and m.rooms == [CLASSROOM] for m in pupil.received), 5,
                    "the pupil told the conference's rooms")
        await until(lambda: item["text"] == "✓ Salle 101 – Mathématiques — incluse", 2, "the room marked included")
        assert links.toggle["text"] == "Salles reliées (1)"

        item["command"](*item["extraArgs"])  # leave it out again
        me = pupil.conn.mirror.me
        await until(lambda: any(isinstance(m, ConfLeft) and m.participant == me for m in pupil.received), 5,
                    "the pupil out of the conference")
        await until(lambda: item["text"] == "Salle 101 – Mathématiques — inclure", 2, "the room no longer included")
        assert conference.media.rooms == ()
    finally:
        await pupil.close()
        await stop(session, task)
