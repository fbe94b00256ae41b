"""Joining a conference is a bounded wait with Cancel and Escape: while my subscribe connection does not
connect (here: the server never gets my answer, as when a school's network swallows it), the bar says
"joining…", then why; Escape gives up (and the world goes on); a new room starts afresh."""

from __future__ import annotations

from cybercollege.client.i18n import tr
from cybercollege.client.ui import media as media_ui
from cybercollege.protocol.conference import ConfSubscribeAnswer
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import PINK, Solid, into_amphi, loopback_ice, teacher_peer  # noqa: F401 - fixture
from tests.server.conference.media import Tone


async def test_joining_that_never_connects_says_so_and_escape_gives_up(base, server, http, driver, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setattr(media_ui, "JOIN_S", 1.0)  # the bound, shortened
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    try:
        media = session.conference.media
        send = media.send

        async def lost_answers(msg):  # my answers never reach the server
            if not isinstance(msg, ConfSubscribeAnswer):
                await send(msg)

        media.send = lost_answers
        await into_amphi(server, teacher.conn.mirror.me, (26.0, -6.0, 0.0))
        await into_amphi(server, session.conn.mirror.me, (26.0, 6.0, 180.0))
        await teacher.publish(Solid(PINK), Tone())
        await until(lambda: session.conference.bar is not None and media.connecting() is not None, 10,
                    "a subscribe connection trying to connect")
        bar = session.conference.bar
        await until(lambda: bar.joining.getText() in (tr("conf_joining"), tr("conf_join_failed", seconds=1)), 3,
                    "'joining…' in the bar")
        assert not bar.cancel.is_hidden(), "a Cancel button"
        await until(lambda: bar.joining.getText() == tr("conf_join_failed", seconds=1), 5, "why, after the bound")
        session.screenshot(tmp_path / "join-failed.png")

        base.messenger.send("escape")  # gives up joining; it does not open the menu
        await until(lambda: media.declined and session.conference.bar is None, 5, "joining given up")
        assert session.screen is None and media.sub is None
        await session.conn.wait_for(lambda m: True)  # more conference messages come: they are ignored
        assert not media.joined

        world = server.world  # a new room starts afresh
        hall = world.rooms["hall"]
        world.move_to(world.avatars[session.conn.mirror.me], hall, hall.spec.spawn_points[0])
        await until(lambda: not media.declined, 5, "a new room: no longer declined")
    finally:
        await teacher.close()
        await stop(session, task)
