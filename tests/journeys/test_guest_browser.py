"""Journey: the partner teacher in Köln joins the conference from a browser, with nothing to install.

A real world server with its SFU, a French teacher on a plain protocol connection with real aiortc peers, and
Debian's Chromium through Playwright with its fake camera (a green picture) and microphone (a beep), or
Debian's Firefox ESR through WebDriver BiDi (tests/journeys/firefox.py).
Screenshots of each step go to var/journeys/<test name>/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import av
import numpy as np
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.conference import ConfFloor, ConfRecord, ConfRole
from cybercollege.protocol.invitation import Admit
from cybercollege.protocol.messages import Say
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.guests.feature import Guests
from tests.idp.chromium import chromium
from tests.journeys.firefox import firefox
from tests.server.conference.client import wait_for
from tests.server.conference.media import CounterVideo, Tone
from tests.server.conference.test_world_conference import WorldConferenceClient, into
from tests.server.conftest import make_settings
from tests.server.test_invitation import invite

MEDIA_ARGS = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
)
WAIT = 60_000  # ms, for the browser's side (generous: the machine's cores are shared)
GARBAGE = (
    "[]", "[255, 'x']", "[20]", "[20, 7]", "[22, 5, 'x']", "[19]", "[16, 1, 'not a list', []]", "[16, 1, [[20]], 0]",
    "[83, null, null]", "[82, 'x']", "[81, 1, 'not sdp']", "'text'", "null", "[128, 'x']", "[85]", "[23]", "[87, 3]",
    "[2]", "[24, 'bye', 'soon']", "[22, [[1], ['x', 'y'], 7], []]", "[19, 1, 2, false, 3, 4]", "[128, [], 1]",
)  # fmt: skip
AUTOPLAY = {"media.autoplay.default": 0, "media.autoplay.blocking_policy": 0}  # Firefox: sound without a click


HOST_ADDRESSES = aioice.ice.get_host_addresses


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's aiortc peers offer 127.0.0.1 only (aioice skips it by default): FIELD-NOTES."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"])


def local_and_loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Firefox offers no 127.0.0.1 candidate when the machine has another address, whatever its
    ``media.peerconnection.ice.loopback``: the server's peers offer this machine's IPv4 addresses as well."""
    addresses = ["127.0.0.1", *HOST_ADDRESSES(use_ipv4=True, use_ipv6=False)]
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=True: addresses)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[TestServer]:
    """A world server with the SFU and a recordings folder."""
    settings = make_settings(tmp_path, recordings_dir=tmp_path / "recordings")
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


class Watcher(WorldConferenceClient):
    """The French teacher's subscriber: keeps what it decodes of the browser's camera and microphone."""

    def __init__(self, conn: WorldConnection) -> None:
        super().__init__(conn)
        self.video_frames = 0
        self.last_rgb: np.ndarray | None = None
        self.audio_frames = 0
        self.loudest = 0.0

    def on_frame(self, kind: str, frame: Any) -> None:
        if kind == "video":
            self.video_frames += 1
            if self.video_frames % 10 == 1:
                self.last_rgb = frame.to_ndarray(format="rgb24")
        else:
            self.audio_frames += 1
            samples = frame.to_ndarray().astype(np.float64)
            self.loudest = max(self.loudest, float(np.sqrt(np.mean(samples**2))))


class Silence(Tone):
    """An audio track of silence: audio level 0 at the browser."""

    async def recv(self) -> Any:
        frame = await super().recv()
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        return frame


def decoded_frames(path: Path) -> int:
    """Video frames a player decodes from a recorded take (0 while it is not readable yet)."""
    try:
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0))
    except (av.error.FFmpegError, IndexError):
        return 0


async def shot(page: Any, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def state(page: Any, wanted: str) -> None:
    await page.wait_for_function(f"() => document.body.dataset.state === {wanted!r}", timeout=WAIT)


async def test_partner_teacher_joins_from_a_browser(
    world: TestServer, http: aiohttp.ClientSession, shots: Path
) -> None:
    base = str(world.make_url("")).rstrip("/")
    services = world.app[SERVICES]
    recordings = services.settings.recordings_dir
    token = await fetch_demo_token(http, base, "mme.durand")
    status, created = await invite(http, world, max_guests=5)
    assert status == 201, created
    teacher = WorldConnection(http, base, token)
    await teacher.connect()
    host = Watcher(teacher)
    try:
        await into(teacher, services, "amphi")
        async with chromium(locale="fr-FR", extra_args=MEDIA_ARGS) as context:  # a French browser...
            page = await context.new_page()
            page.set_default_timeout(WAIT)
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(str(exc)))

            # (b) the link opens the page in the invitation's language, German
            await page.goto(f"{base}/invite/{created['code'].lower().replace('-', ' ')}")
            assert await page.get_attribute("html", "lang") == "de"
            assert await page.title() == "Cybercollège — Einladung"
            assert await page.inner_text("#heading") == "Konferenz im Cybercollège"
            assert "Gesamtschule Köln" in await page.inner_text("#name-step")
            await state(page, "name")
            await shot(page, shots, "01-name")

            await page.fill("#name-input", "Frau Schmidt und die 9b")  # digits are refused, in German
            await page.click("#join-button")
            await page.wait_for_function("() => document.getElementById('name-error').textContent.length > 0")
            assert "nur Buchstaben" in await page.inner_text("#name-error")
            await page.fill("#name-input", "Frau Schmidt")
            await page.press("#name-input", "Enter")  # the keyboard is enough
            await state(page, "lobby")
            assert "Lehrkraft Sie hereinlässt" in await page.inner_text("#lobby-message")
            await shot(page, shots, "02-lobby")
            for garbage in GARBAGE:  # unexpected server messages are ignored, one by one
                await page.evaluate(f"window.cybercollege.receive({garbage})")
            assert await page.evaluate("document.body.dataset.state") == "lobby"
            assert await page.evaluate("document.getElementById('chat-log').children.length") == 0

            # (c) the French teacher admits her, then gives her the floor
            await teacher.wait_for(lambda m: m.lobby, 30)
            guest_id = teacher.mirror.lobby[0].id
            assert teacher.mirror.lobby[0].name == "Frau Schmidt"
            await teacher.send(Admit([guest_id]))
            await state(page, "conference")
            await page.wait_for_function("() => document.getElementById('preview').videoWidth > 0", timeout=WAIT)
            assert "Publikum" in await page.inner_text("#my-floor")
            await shot(page, shots, "03-admitted")

            await teacher.send(ConfFloor(guest_id, True))
            await page.wait_for_function(
                "() => document.getElementById('my-floor').textContent.includes('Sie haben das Wort')", timeout=WAIT
            )
            # (d) the teacher's peer decodes the browser's camera (green) and microphone
            await wait_for(lambda: host.video_frames >= 20 and host.last_rgb is not None, 60, "the browser's video")
            assert host.last_rgb is not None
            red, green, blue = (float(host.last_rgb[..., c].mean()) for c in range(3))
            assert green > red + 40 and green > blue + 40, (red, green, blue)  # Chromium's fake camera is green
            await wait_for(lambda: host.loudest > 300, 60, "the browser's beep")
            codecs = await page.evaluate(
                """window.cybercollege.pub.pc.getSenders().filter(s => s.track)
                   .map(s => s.track.kind + ' ' + s.getParameters().codecs[0].mimeType).sort()"""
            )
            assert codecs == ["audio audio/opus", "video video/VP8"], codecs

            # the teacher publishes: the browser decodes her video and sound, on an unmuted <video>
            await host.publish()
            await page.wait_for_function(
                "() => document.querySelector('#stage video') && document.querySelector('#stage video').videoWidth > 0",
                timeout=WAIT,
            )
            await page.wait_for_function(  # one reading: a new SSRC on a slot starts its inbound stats again
                """async () => { const s = await window.cybercollege.stats();
                   return s.framesDecoded > 0 && s.totalAudioEnergy > 0 && s.videos.length > 0
                          && s.videos.every(v => v.width > 0 && !v.muted) && s }""",
                timeout=WAIT,
            )
            assert "Mme" in await page.inner_text("#floor-status") or "Durand" in await page.inner_text("#floor-status")
            await shot(page, shots, "04-teacher-on-stage")

            # chat both ways
            await teacher.send(Say("Bonjour Köln !"))
            await page.wait_for_function(
                "() => document.getElementById('chat-log').textContent.includes('Bonjour Köln')", timeout=WAIT
            )
            await page.fill("#chat-input", "Hallo Paris!")
            await page.press("#chat-input", "Enter")
            await teacher.wait_for(lambda m: any(c.text == "Hallo Paris!" for c in m.chat), 30)
            said = next(c for c in teacher.mirror.chat if c.text == "Hallo Paris!")
            assert said.name == "Frau Schmidt · Gesamtschule Köln"  # a guest is shown with her school (issue 12)
            await shot(page, shots, "05-chat")

            # (f) recording: the indicator shows in the browser
            assert await page.is_hidden("#recording")
            await teacher.send(ConfRecord(True))
            await page.wait_for_selector("#recording", state="visible", timeout=WAIT)
            assert "Aufnahme" in await page.inner_text("#recording")
            await shot(page, shots, "06-recording")
            await wait_for(  # the browser's take starts at its first keyframe
                lambda: any(recordings.glob(f"**/{guest_id}-*.webm")), 60, "the recording of the browser's media"
            )
            await asyncio.sleep(1)  # a second of it
            await teacher.send(ConfRecord(False))
            await page.wait_for_selector("#recording", state="hidden")
            take = next(recordings.glob(f"**/{guest_id}-*.webm"))
            await wait_for(lambda: decoded_frames(take) > 0, 30, "a playable recording of the browser's camera")

            # (e) the floor taken back: the page says so and stops publishing
            await teacher.send(ConfFloor(guest_id, False))
            await page.wait_for_function("() => document.getElementById('my-floor').textContent.includes('Publikum')")
            await page.wait_for_function("() => window.cybercollege.pub === null", timeout=WAIT)
            assert any(isinstance(m, ConfRole) and m.role == "audience" for m in host.received)

            # leave, then rejoin: back in the waiting room
            await page.click("#leave-button")
            await state(page, "left")
            assert "verlassen" in await page.inner_text("#ended-message")
            await shot(page, shots, "07-left")
            await page.click("#rejoin-button")
            await state(page, "lobby")
            assert problems == []
    finally:
        await host.close()
        await teacher.close()


async def test_guest_host_runs_her_class_from_the_browser(
    world: TestServer, http: aiohttp.ClientSession, shots: Path
) -> None:
    """The partner teacher, made guest host, gives the floor to a pupil of her class, mutes him and sends him
    back to the waiting room from her page; her connection drops and she rejoins; the invitation is revoked."""
    base = str(world.make_url("")).rstrip("/")
    services = world.app[SERVICES]
    token = await fetch_demo_token(http, base, "mme.durand")
    auth = {"Authorization": f"Bearer {token}"}
    status, created = await invite(http, world, max_guests=5)
    assert status == 201, created
    teacher = WorldConnection(http, base, token)
    await teacher.connect()
    closing: list[WorldConferenceClient] = []
    try:
        await into(teacher, services, "amphi")
        async with chromium(locale="de-DE", extra_args=MEDIA_ARGS) as context:
            schmidt, jonas = await context.new_page(), await context.new_page()
            schmidt.set_default_timeout(WAIT)
            jonas.set_default_timeout(WAIT)
            for page, name in ((schmidt, "Frau Schmidt"), (jonas, "Jonas")):
                await page.goto(f"{base}/invite/{created['code']}")
                await page.fill("#name-input", name)
                await page.click("#join-button")
                await state(page, "lobby")
            await teacher.wait_for(lambda m: len(m.lobby) == 2, 30)
            ids = {g.name: g.id for g in teacher.mirror.lobby}
            await teacher.send(Admit([]))  # everyone waiting
            await state(schmidt, "conference")
            await state(jonas, "conference")

            await teacher.send(ConfFloor(ids["Frau Schmidt"], True, True))  # guest host of her class
            await schmidt.wait_for_function(
                "() => document.getElementById('my-floor').textContent.includes('moderieren die Konferenz')",
                timeout=WAIT,
            )
            row = f'#people li[data-participant="{ids["Jonas"]}"]'
            await schmidt.wait_for_selector(f'{row} button[data-action="floor"]', timeout=WAIT)
            teacher_row = f'#people li[data-participant="{teacher.mirror.me}"]'
            assert await schmidt.locator(f"{teacher_row} button").count() == 0  # only her own class's guests
            await shot(schmidt, shots, "01-guest-host")

            # the French teacher's picture, silent, is big on her page until a louder speaker comes
            french = WorldConferenceClient(teacher)
            closing.append(french)
            await french.publish(CounterVideo(), Silence())
            big = '#stage .tile.big[data-participant="{}"]'
            await schmidt.wait_for_selector(big.format(teacher.mirror.me), timeout=WAIT)

            await schmidt.click(f'{row} button[data-action="floor"]')
            await jonas.wait_for_function(
                "() => document.getElementById('my-floor').textContent.includes('Sie haben das Wort')", timeout=WAIT
            )
            await jonas.wait_for_function("() => window.cybercollege.pub !== null", timeout=WAIT)
            await schmidt.wait_for_function(
                f"() => document.querySelector('{row} button[data-action=floor]').textContent === 'Das Wort entziehen'",
                timeout=WAIT,
            )
            # Jonas's beeping microphone makes him the active speaker on her page; the teacher's tile stays, small
            await schmidt.wait_for_selector(big.format(ids["Jonas"]), timeout=WAIT)
            assert await schmidt.locator("#stage .tile").count() == 2
            await shot(schmidt, shots, "02-active-speaker")
            await schmidt.click(f'{row} button[data-action="mute"]')
            await jonas.wait_for_function(
                "() => document.getElementById('status').textContent.includes('Mikrofon stummgeschaltet')", timeout=WAIT
            )
            await shot(jonas, shots, "03-pupil-muted")

            await schmidt.click(f'{row} button[data-action="remove"]')
            await state(jonas, "lobby")
            assert "Warteraum zurückgeschickt" in await jonas.inner_text("#status")
            await shot(jonas, shots, "04-pupil-back-in-lobby")

            # a raised hand reaches the French teacher
            await schmidt.click("#hand-button")
            await teacher.wait_for(lambda m: m.room_state is not None and ids["Frau Schmidt"] in m.room_state.hands, 30)
            await schmidt.wait_for_function(
                "() => document.getElementById('hand-button').textContent === 'Hand senken'", timeout=WAIT
            )

            # the connection drops: a message and a rejoin button, and she is back where she was
            session = services.world.avatars[ids["Frau Schmidt"]].session
            assert session is not None
            await session.close(1011, "test: network lost")
            await state(schmidt, "lost")
            assert "unterbrochen" in await schmidt.inner_text("#ended-message")
            await shot(schmidt, shots, "05-connection-lost")
            await schmidt.click("#rejoin-button")
            await state(schmidt, "conference")

            # the invitation is revoked: both are told at once, and the link says so
            async with http.delete(f"{base}/api/invitations/{created['invitation']['id']}", headers=auth) as r:
                assert r.status == 200
            await state(schmidt, "ended")
            await state(jonas, "ended")
            assert "Einladung ist abgelaufen" in await jonas.inner_text("#ended-message")
            assert await schmidt.is_hidden("#rejoin-button")
            await shot(schmidt, shots, "06-invitation-revoked")
            world.app[SERVICES].world.features.get(Guests).attempts.clear()
            await jonas.goto(f"{base}/invite/{created['code']}")
            assert "nicht mehr gültig" in await jonas.inner_text("#invitation-error")
            assert await jonas.is_hidden("#name-form")
            await shot(jonas, shots, "07-revoked-link")
    finally:
        for client in closing:
            await client.close()
        await teacher.close()


async def test_partner_teacher_joins_from_firefox(
    world: TestServer, http: aiohttp.ClientSession, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same page in Firefox ESR (WebDriver BiDi): German, lobby, admitted, seen and heard, and she sees the
    French teacher."""
    local_and_loopback_ice(monkeypatch)
    base = str(world.make_url("")).rstrip("/")
    services = world.app[SERVICES]
    token = await fetch_demo_token(http, base, "mme.durand")
    status, created = await invite(http, world, max_guests=5)
    assert status == 201, created
    teacher = WorldConnection(http, base, token)
    await teacher.connect()
    host = Watcher(teacher)
    try:
        await into(teacher, services, "amphi")
        async with firefox({"intl.accept_languages": "fr-FR, fr", **AUTOPLAY}) as browser:
            await browser.goto(f"{base}/invite/{created['code']}")
            assert await browser.evaluate("document.documentElement.lang") == "de"
            await browser.click("#name-input")
            await browser.type("Frau Schmidt\n")
            await browser.wait_for("document.body.dataset.state === 'lobby'", 60)
            await browser.screenshot(shots / "01-lobby.png")

            await teacher.wait_for(lambda m: m.lobby, 30)
            guest_id = teacher.mirror.lobby[0].id
            await teacher.send(Admit([guest_id]))
            await browser.wait_for("document.getElementById('preview').videoWidth > 0", 60)
            await teacher.send(ConfFloor(guest_id, True))
            await wait_for(lambda: host.video_frames >= 20, 60, "Firefox's video at the teacher")
            await wait_for(lambda: host.loudest > 300, 60, "Firefox's sound at the teacher")

            await host.publish()
            await browser.wait_for(
                """window.cybercollege.stats().then(s => s.framesDecoded > 0 && s.totalAudioEnergy > 0
                   && s.videos.length > 0 && s.videos.every(v => v.width > 0 && !v.muted))""",
                60,
            )
            await teacher.send(ConfRecord(True))
            await browser.wait_for("!document.getElementById('recording').hidden", 60)
            await browser.screenshot(shots / "02-conference.png")
            await browser.evaluate("document.getElementById('leave-button').scrollIntoView({block: 'center'})")
            await browser.click("#leave-button")
            await browser.wait_for("document.body.dataset.state === 'left'", 60)
    finally:
        await host.close()
        await teacher.close()
