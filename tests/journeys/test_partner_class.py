"""Journeys (a)–(f) of issue 11 end to end: Mme Durand's partner class in Köln joins from a browser and is
seen and heard in the amphitheatre.

Three people at three screens, all real: Mme Durand at the Panda3D client in this process (keys through
Panda's event system), Léa at a second Panda3D client in its own process (tests/journeys/remote_client.py:
one ShowBase per process), and the Köln teacher at Debian's Chromium through Playwright, with its fake
camera (a dark green picture) and microphone (a beep). The world server and its SFU run here.

(a) Mme Durand creates the invitation in her panel and reads the whole code on screen.
(b) Chromium opens the link: the page is in German; the partner teacher types a name and waits in the lobby.
(c) Mme Durand admits her from her panel and gives her the floor from the people list.
(d) Léa's client shows the browser's camera on the amphitheatre's big screen (pixels) and plays its sound;
    the browser decodes Mme Durand's test pattern and tone.
(e) Mme Durand mutes the partner and takes the floor back: Léa's screen returns to her, nothing from the
    browser is forwarded any more.
(f) Mme Durand records: the indicator shows in the browser and in Léa's client; the file plays.

Screenshots of every step, from all three screens, go to var/journeys/<test name>/.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aioice.ice
import av
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client import sources
from cybercollege.client.i18n import tr
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.client.test_invitation_card import window_size
from tests.idp.chromium import chromium
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.remote_client import RemoteClient
from tests.journeys.test_teacher_invites import FORM, tab_to, type_text
from tests.net.browser import browser_in
from tests.net.fixtures import school_net, turn  # noqa: F401
from tests.server.conftest import make_settings
from tests.server.test_invitation import invite as invite_by_api

MEDIA_ARGS = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
)
WAIT = 30_000  # ms, the browser's waits
CHROMIUM_GREEN = [0.0, 135 / 255, 0.0]  # the fake camera's background (measured: rgb 0, 135, 0)
PATTERN_MAGENTA = [235 / 255, 16 / 255, 235 / 255]  # a bar of the teacher's test pattern (client/sources.py)
AUDIENCE = (26.0, 6.0)  # a place in the amphitheatre's rows with the big screen in front
TEACHER_WINDOW = (960, 540)
SEEN = 1500  # pixels (of the 800x450 window, sampled every other pixel): a picture fills the big screen
BAR_SEEN = SEEN // 8 // 2  # one bar of eight of the test pattern (4:3 in the screen's 16:9: half its width)


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1 (FIELD-NOTES): the server's and the teacher client's peers offer it only."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[TestServer]:
    """A world server with its SFU, demo users and a recordings folder, its public URL its own."""
    settings = make_settings(tmp_path, recordings_dir=tmp_path / "recordings")
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    srv.url = str(srv.make_url("")).rstrip("/")
    srv.app[SERVICES].settings.public_url = srv.url
    yield srv
    await srv.close()


async def page_shot(page: Any, path: Path) -> None:
    await page.screenshot(path=str(path), full_page=True)


async def press_button(session: Session, button: Any) -> None:
    """Tab to ``button`` and press Enter, as a keyboard user does."""
    await tab_to(session, button)
    await keyboard.press(session.base, "enter")


async def invite_in_the_client(session: Session, shots: Path) -> str:
    """(a) F2, the form typed field by field, Enter on Create; the code read off the card."""
    base = session.base
    await keyboard.press(base, "f2")
    panel = session.classroom.panel
    await until(lambda: panel.shown, what="the teacher's panel")
    await press_button(session, panel.tabs["invitations"])  # the panel's tabs: the invitation form
    for key, value in FORM:
        field = panel.fields[key]
        await tab_to(session, field)
        await type_text(session, value, erase=len(field.get()))
    await press_button(session, panel.buttons["inv_create"])
    await until(lambda: panel.card is not None, timeout=15, what="the invitation card")
    await save_shot(base, shots / "a1-teacher-invitation-card.png")
    code = panel.card.code_text.getText().replace("\n", "")
    assert len(code) == 19 and code.count("-") == 3, f"the whole code is on screen: {code!r}"
    await press_button(session, panel.card.buttons["close"])
    await until(lambda: panel.card is None, what="the card closed")
    return code


async def join_from_browser(page: Any, link: str, shots: Path, prefix: str) -> None:
    """(b) The link, the page in German, a name typed, Enter, the lobby."""
    await page.goto(link)
    assert await page.get_attribute("html", "lang") == "de"
    await page.wait_for_function("() => document.body.dataset.state === 'name'", timeout=WAIT)
    await page_shot(page, shots / f"{prefix}1-browser-name.png")
    await page.fill("#name-input", "Frau Schmidt")
    await page.press("#name-input", "Enter")
    await page.wait_for_function("() => document.body.dataset.state === 'lobby'", timeout=WAIT)
    assert "Lehrkraft" in await page.inner_text("#lobby-message")
    await page_shot(page, shots / f"{prefix}2-browser-lobby.png")


async def admit_and_give_the_floor(session: Session, page: Any, shots: Path, prefix: str) -> int:
    """(c) F2, Admit on Frau Schmidt's line, F2 again, "give the floor" on her row of the people list."""
    base = session.base
    await keyboard.press(base, "f2")
    panel = session.classroom.panel
    await press_button(session, panel.tabs["conference"])  # the waiting room is on the conference tab
    await until(lambda: len(panel.guest_rows) == 3, 15, "Frau Schmidt waiting in the panel")
    assert "Frau Schmidt" in panel.guest_rows[0].getText()
    await save_shot(base, shots / f"{prefix}1-teacher-lobby.png")
    await press_button(session, panel.guest_rows[1])  # her line: name, Admit, Dismiss
    await page.wait_for_function("() => document.body.dataset.state === 'conference'", timeout=WAIT)
    members = session.conn.mirror.members.items()
    guest = next(i for i, m in members if m.name.startswith("Frau Schmidt · "))  # shown with her school
    await keyboard.press(base, "f2")  # the panel closed: the people list shows
    people = session.hud.people
    await until(lambda: guest in people.rows and "floor" in people.rows[guest].buttons, 15,
                "Frau Schmidt's row with the host's controls")
    await press_button(session, people.rows[guest].buttons["floor"])
    await until(lambda: tr("conf_has_floor") in people.rows[guest].status.getText(), 15, "'has the floor'")
    await page.wait_for_function("() => window.cybercollege.pub !== null", timeout=WAIT)
    assert "Sie haben das Wort" in await page.inner_text("#my-floor")
    await save_shot(base, shots / f"{prefix}2-teacher-gave-the-floor.png")
    return guest


async def seen_and_heard(lea: RemoteClient, page: Any, guest: int, shots: Path, prefix: str) -> dict[str, Any]:
    """(d) Léa's big screen shows the browser's camera and her client plays its sound; the browser decodes
    Mme Durand's picture and sound."""
    seen = await lea.wait_until(
        lambda s: guest in s["on_screen"] and s["pixels"] > SEEN and s["audio_frames"].get(str(guest), 0) > 50,
        60, "the browser's camera on Léa's big screen and its sound", rgb=CHROMIUM_GREEN)
    await lea.do("shot", name=f"{prefix}1-pupil-sees-the-partner-class.png")
    await lea.wait_until(lambda s: guest in s["speaking"], 30, "the beep heard as speech", rgb=None)
    await page.wait_for_function(
        """async () => { const s = await window.cybercollege.stats();
           return s.framesDecoded > 0 && s.totalAudioEnergy > 0 }""", timeout=WAIT)
    await page_shot(page, shots / f"{prefix}2-browser-sees-the-teacher.png")
    return seen


async def teacher_and_pupil(base, driver, http, url: str, tmp_path: Path, shots: Path,
                            ) -> tuple[Session, asyncio.Task, RemoteClient]:
    """Mme Durand logged in with the keyboard (her test pattern and tone as camera and microphone), Léa too in
    her own process; both in the amphitheatre, Léa in the rows facing the big screen."""
    session = Session(base, http, driver, Options(url=url, cache=tmp_path / "cache",
                                                  devices=sources.Devices(synthetic=True)))
    task = asyncio.create_task(session.run())
    await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
    await keyboard.log_in(session, "mme.durand")
    await in_world(session)
    lea = await RemoteClient.start(url, "lea.martin", shots)
    return session, task, lea


async def into_the_amphitheatre(session: Session, lea: RemoteClient) -> None:
    """Both walk there with the arrow keys; Léa sits in the rows facing the big screen."""
    await keyboard.go_to_room(session, "amphi")
    await lea.do("go_to_room", room="amphi", timeout=120)
    screen = session.world.rooms["amphi"].screen
    assert screen is not None, "the amphitheatre has its big screen"
    await lea.do("go_to", x=AUDIENCE[0], y=AUDIENCE[1], timeout=120)
    await lea.do("face", x=screen.x, y=screen.y)
    host = session.conn.mirror.me
    await lea.wait_until(lambda s: host in s["on_screen"] and s["pixels"] > BAR_SEEN, 60,
                         "Mme Durand's test pattern on Léa's screen", rgb=PATTERN_MAGENTA)


async def test_partner_class_is_seen_and_heard_in_the_amphitheatre(base, driver, world, http, shots, tmp_path):
    services = world.app[SERVICES]
    with window_size(base, *TEACHER_WINDOW):
        session, task, lea = await teacher_and_pupil(base, driver, http, world.url, tmp_path, shots)
        try:
            code = await invite_in_the_client(session, shots)  # (a)
            await keyboard.press(base, "f2")  # her panel closed, she walks to the amphitheatre, and so does Léa
            await into_the_amphitheatre(session, lea)
            await lea.do("shot", name="a2-pupil-sees-her-teacher.png")
            host = session.conn.mirror.me

            async with chromium(locale="fr-FR", extra_args=MEDIA_ARGS) as context:  # a French browser: the
                page = await context.new_page()  # invitation's language wins
                problems: list[str] = []
                page.on("pageerror", lambda exc: problems.append(str(exc)))
                await join_from_browser(page, f"{world.url}/invite/{code}", shots, "b")  # (b)
                guest = await admit_and_give_the_floor(session, page, shots, "c")  # (c)
                seen = await seen_and_heard(lea, page, guest, shots, "d")  # (d)
                await save_shot(base, shots / "d3-teacher-amphitheatre.png")

                # (e) muted, then the floor taken back: Léa's screen returns to Mme Durand, nothing forwarded
                people = session.hud.people
                await press_button(session, people.rows[guest].buttons["audio"])
                await until(lambda: tr("conf_audio_muted") in people.rows[guest].status.getText(), 10, "'muted'")
                conference = services.world.features.get(Conferencing).sfu.conferences["amphi"]
                await until(lambda: all(f.muted for f in conference.forwarders
                                        if f.publisher == guest and f.kind.value == "audio"), 10,
                            "her sound no longer forwarded")
                await press_button(session, people.rows[guest].buttons["floor"])
                await until(lambda: not any(f.publisher == guest for f in conference.forwarders), 15,
                            "no forwarder left for the browser")
                await page.wait_for_function("() => window.cybercollege.pub === null", timeout=WAIT)
                back = await lea.wait_until(
                    lambda s: guest not in s["on_screen"] and host in s["on_screen"] and s["pixels"] > BAR_SEEN,
                    30, "Léa's screen back to Mme Durand", rgb=PATTERN_MAGENTA)
                green = await lea.do("screen", rgb=CHROMIUM_GREEN)
                assert green["pixels"] < seen["pixels"] // 10, "the partner's picture left the screen"
                heard = back["audio_frames"].get(str(guest), 0)
                later = await lea.wait_until(lambda s: s["audio_frames"].get(str(host), 0) >
                                             back["audio_frames"].get(str(host), 0) + 100, 30,
                                             "two more seconds of Mme Durand's tone", rgb=None)
                assert later["audio_frames"].get(str(guest), 0) == heard, "nothing of the browser's sound arrives"
                await lea.do("shot", name="e1-pupil-screen-back-to-the-teacher.png")

                # (f) recording: the indicator in the browser and in Léa's client; the file plays
                bar = session.conference.bar
                await press_button(session, bar.record)
                await page.wait_for_selector("#recording", state="visible", timeout=WAIT)
                assert "Aufnahme" in await page.inner_text("#recording")
                rec = await lea.wait_until(lambda s: s["recording"] and s["rec_text"], 15, "the REC indicator",
                                           rgb=None)
                assert rec["rec_text"].endswith(tr("conf_recording"))
                await page_shot(page, shots / "f1-browser-recording.png")
                await lea.do("shot", name="f2-pupil-recording.png")
                await save_shot(base, shots / "f3-teacher-recording.png")
                recorded = await until_recorded(conference, host)
                await press_button(session, bar.record)
                await page.wait_for_selector("#recording", state="hidden", timeout=WAIT)
                await lea.wait_until(lambda s: not s["recording"], 15, "the REC indicator gone", rgb=None)
                assert plays(recorded) > 0, "the recording has pictures that decode"
                assert problems == [], problems
        finally:
            await lea.close()
            await stop(session, task)


@pytest.fixture
async def school_world(tmp_path: Path, school_net, turn) -> AsyncIterator[TestServer]:  # noqa: F811
    """The world server on the host side of the school's network, its TURN server over TCP in CONF_ICE."""
    settings = make_settings(tmp_path, ice_servers=",".join(turn.urls(tcp=True)), ice_secret=turn.secret)
    srv = TestServer(build(settings), host=school_net.host_ip)
    await srv.start_server()
    srv.url = f"http://{school_net.host_ip}:{srv.port}"
    srv.app[SERVICES].settings.public_url = srv.url
    yield srv
    await srv.close()


async def test_partner_class_behind_a_school_firewall_comes_through_turn_over_tcp(
    base, driver, school_world, school_net, turn, http, shots, tmp_path  # noqa: F811
):
    """(g): (c)–(d) again with the Köln school's network dropping every UDP packet: its browser reaches the
    conference through TURN over TCP; the French side is on an open network."""
    url = school_world.url
    status, created = await invite_by_api(http, school_world)  # journey (a) types it in the client
    assert status == 201, created
    code = created["code"]
    dropped = school_net.udp_dropped()
    with window_size(base, *TEACHER_WINDOW):
        session, task, lea = await teacher_and_pupil(base, driver, http, url, tmp_path, shots)
        try:
            await into_the_amphitheatre(session, lea)
            async with browser_in(school_net, tmp_path, locale="de-DE", origins=[url]) as context:
                page = await context.new_page()
                await join_from_browser(page, f"{url}/invite/{code}", shots, "g-b")
                guest = await admit_and_give_the_floor(session, page, shots, "g-c")
                await seen_and_heard(lea, page, guest, shots, "g-d")
                pairs = await page.evaluate(SELECTED_PAIRS)
                assert pairs and all(p["type"] == "relay" and p["relayProtocol"] == "tcp" for p in pairs), pairs
            assert school_net.udp_dropped() > dropped, "the school's firewall dropped the browser's UDP"
            assert turn.sessions(str(guest)), "the browser's media went through coturn"
        finally:
            await lea.close()
            await stop(session, task)


SELECTED_PAIRS = """async () => {
  const out = [];
  const app = window.cybercollege;
  for (const pc of [app.pub && app.pub.pc, app.sub]) {
    if (!pc) continue;
    const stats = [...(await pc.getStats()).values()];
    const byId = Object.fromEntries(stats.map((s) => [s.id, s]));
    const transport = stats.find((s) => s.type === "transport" && s.selectedCandidatePairId);
    const pair = transport && byId[transport.selectedCandidatePairId];
    const local = pair && byId[pair.localCandidateId];
    out.push({type: local ? local.candidateType : null, relayProtocol: local ? local.relayProtocol || null : null});
  }
  return out;
}"""


async def until_recorded(conference: Any, host: int, timeout: float = 30.0) -> Path:
    """The host's take once a second of her pictures is in it (a take starts on her next keyframe)."""
    second = 90_000  # VP8's time base is 1/90000
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        take = conference.recording.takes.get(host) if conference.recording is not None else None
        if take is not None and any(s.kind.value == "video" and s.last_pts > second for s in take.sinks):
            return take.path
        await asyncio.sleep(0.2)
    raise AssertionError(f"no second of Mme Durand's pictures recorded in {timeout} s")


def plays(path: Path) -> int:
    """Pictures decoded from a finished recording."""
    decoded = 0
    with contextlib.suppress(av.error.InvalidDataError, av.error.EOFError), av.open(str(path)) as container:
        for _ in container.decode(video=0):
            decoded += 1
    return decoded
