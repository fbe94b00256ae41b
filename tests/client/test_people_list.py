"""The people list: a host's floor controls against a real server and a real aiortc pupil (who has the floor,
who speaks, who is muted, removal); rows that do not fit scroll."""

from __future__ import annotations

import pytest

from cybercollege.client import sources
from cybercollege.client.i18n import tr
from cybercollege.client.ui.focus import FocusRing
from cybercollege.client.ui.people import PeopleList, Person, Powers
from cybercollege.protocol.conference import ConfLeft, ConfMuted, ConfRole
from tests.client.helpers import until
from tests.client.sessions import in_world, start, stop
from tests.client.test_media import (  # noqa: F401 - loopback_ice is a fixture
    PINK,
    Solid,
    hosted_pupil,
    into_amphi,
    loopback_ice,
    teacher_peer,
)
from tests.server.conference.media import Tone


async def press(base, driver, hud, button) -> None:
    """Tab to the button (the HUD's ring) and press Enter, as a keyboard user does."""
    hud.ring.focus(button)
    base.messenger.send("enter")
    base.messenger.send("enter-up")
    await driver.frames_later(1)


def got(peer, message, **fields) -> bool:
    return any(isinstance(m, message) and all(getattr(m, k) == v for k, v in fields.items()) for m in peer.received)


async def test_the_host_gives_mutes_takes_back_and_removes_from_the_people_list(base, server, http, driver,
                                                                                 tmp_path):
    session, task = await start(base, http, driver, server.url, "mme.durand", tmp_path,
                                devices=sources.Devices("none", "none"))
    await in_world(session)
    pupil = await hosted_pupil(http, server, session)
    lea = pupil.conn.mirror.me
    hud = session.hud
    try:
        await until(lambda: lea in hud.people.rows and "floor" in hud.people.rows[lea].buttons, 10,
                    "Léa's row with the host's controls")
        row = hud.people.rows[lea]
        assert row.buttons["floor"]["text"] == tr("conf_give_floor")
        assert row.buttons["remove"]["text"] == tr("conf_remove")
        assert "host" not in row.buttons, "make host is for guests only"

        await press(base, driver, hud, row.buttons["floor"])
        await until(lambda: got(pupil, ConfRole, participant=lea, role="speaker"), 5, "the server's CONF_ROLE")
        row = hud.people.rows[lea]
        await until(lambda: tr("conf_has_floor") in row.status.getText(), 3, "'has the floor' in her row")
        assert row.buttons["floor"]["text"] == tr("conf_take_floor")

        await pupil.publish(Solid(PINK), Tone())  # she speaks: the host's list says so, from the audio level
        await until(lambda: tr("conf_is_speaking") in hud.people.rows[lea].status.getText(), 15, "'speaking'")

        await press(base, driver, hud, hud.people.rows[lea].buttons["audio"])
        await until(lambda: got(pupil, ConfMuted, participant=lea, kind="audio", muted=True), 5, "CONF_MUTED")
        await until(lambda: tr("conf_audio_muted") in hud.people.rows[lea].status.getText(), 3, "'muted'")
        assert hud.people.rows[lea].buttons["audio"]["text"] == tr("conf_unmute_audio")
        await press(base, driver, hud, hud.people.rows[lea].buttons["video"])
        await until(lambda: got(pupil, ConfMuted, participant=lea, kind="video", muted=True), 5, "video muted")
        await until(lambda: tr("conf_video_muted") in hud.people.rows[lea].status.getText(), 3, "'video muted'")
        session.screenshot(tmp_path / "people-list-host.png")

        await press(base, driver, hud, hud.people.rows[lea].buttons["floor"])
        await until(lambda: got(pupil, ConfRole, participant=lea, role="audience"), 5, "the floor taken back")
        await until(lambda: tr("conf_has_floor") not in hud.people.rows[lea].status.getText(), 3, "label gone")
        assert hud.people.rows[lea].buttons["floor"]["text"] == tr("conf_give_floor")

        await press(base, driver, hud, hud.people.rows[lea].buttons["remove"])
        await until(lambda: got(pupil, ConfLeft, participant=lea, removed=True), 5, "Léa removed")
        await until(lambda: "floor" not in getattr(hud.people.rows.get(lea), "buttons", {}), 3,
                    "no controls for someone out of the conference")
    finally:
        await pupil.close()
        await stop(session, task)


async def test_a_pupil_sees_who_has_the_floor_and_has_no_controls(base, server, http, driver, tmp_path):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    await in_world(session)
    teacher = await teacher_peer(http, server)
    try:
        await into_amphi(server, teacher.conn.mirror.me, (26.0, -6.0, 0.0))
        await into_amphi(server, session.conn.mirror.me, (26.0, 6.0, 180.0))
        host = teacher.conn.mirror.me
        hud = session.hud
        await until(lambda: host in hud.people.rows and hud.people.rows[host].status is not None, 10,
                    "the teacher's conference line")
        await until(lambda: tr("conf_is_host") in hud.people.rows[host].status.getText(), 5, "'host' label")
        assert all(not row.buttons for row in hud.people.rows.values()), "a pupil has no floor controls"
    finally:
        await teacher.close()
        await stop(session, task)


@pytest.mark.parametrize("powers", [Powers(host=True), Powers()])
async def test_rows_that_do_not_fit_scroll(base, driver, powers):
    ring = FocusRing()
    people = [Person(i, f"Élève {i}", "pupil", i == 1, conf="audience") for i in range(1, 21)]
    plist = PeopleList(base.aspect2d, ring)
    try:
        plist.show(people, powers, (0.8, 1.7, -0.5, 0.9))
        shown = list(plist.rows)
        assert 2 <= len(shown) < 20 and shown[0] == 1, "the first rows fit, the rest wait"
        assert not plist.down.is_hidden()
        plist.scroll(1)
        assert next(iter(plist.rows)) == 2
        frame = plist.panel["frameSize"]
        assert frame[2] >= -0.5 - 1e-6 and frame[3] <= 0.9 + 1e-6, "the panel stays inside its rectangle"
        if powers.host:
            assert all(set(r.buttons) == {"floor", "audio", "video", "remove"} for i, r in plist.rows.items()
                       if i != 1)
        plist.show(people, powers, None)
        assert plist.root.is_hidden() and plist.frame is None
    finally:
        plist.destroy()
        ring.destroy()


def test_who_gets_which_controls():
    pupil = Person(2, "Léa M.", "pupil", conf="speaker", speaking=True, audio_muted=True)
    emma = Person(3, "Emma", "guest", conf="audience")
    me = Person(1, "Claire Durand", "teacher", me=True, conf="host")
    outside = Person(4, "Hugo M.", "pupil")
    college_host = Powers(host=True, make_host=True)
    guest_host = Powers(host=True, guests_only=True)
    assert [college_host.controls(p) for p in (pupil, emma, me, outside)] == [True, True, False, False]
    assert [guest_host.controls(p) for p in (pupil, emma)] == [False, True], "a guest host: her guests only"
    assert not Powers().controls(pupil)
    assert pupil.status() == f"★ {tr('conf_has_floor')} · ♪ {tr('conf_is_speaking')} · {tr('conf_audio_muted')}"
    assert me.status() == f"★ {tr('conf_is_host')}" and outside.status() == ""
