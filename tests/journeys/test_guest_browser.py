"""Journey: the partner teacher in Köln joins the conference from a browser, with nothing to install.

A real world server with its SFU, a French teacher on a plain protocol connection with real aiortc peers, and
Debian's Chromium through Playwright with its fake camera (a green picture) and microphone (a beep).
Screenshots of each step go to var/journeys/<test name>/.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import numpy as np
import pytest
from aiohttp.test_utils import TestServer

from client.network import WorldConnection, fetch_demo_token
from protocol.conference import ConfFloor, ConfRecord, ConfRole
from protocol.invitation import Admit
from protocol.messages import Say
from server.app import build
from server.services import SERVICES
from tests.idp.chromium import chromium
from tests.server.conference.client import wait_for
from tests.server.conference.test_world_conference import WorldConferenceClient, into
from tests.server.conftest import make_settings

MEDIA_ARGS = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
)
WAIT = 30_000  # ms, for the browser's side


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's aiortc peers offer 127.0.0.1 only (aioice skips it by default): FIELD-NOTES."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"])


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


async def shot(page: Any, folder: Path, name: str) -> None:
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def state(page: Any, wanted: str) -> None:
    await page.wait_for_function(f"document.body.dataset.state === {wanted!r}", timeout=WAIT)


async def test_partner_teacher_joins_from_a_browser(
    world: TestServer, http: aiohttp.ClientSession, shots: Path
) -> None:
    base = str(world.make_url("")).rstrip("/")
    services = world.app[SERVICES]
    token = await fetch_demo_token(http, base, "mme.durand")
    body = {
        "partner_school": "Gesamtschule Köln",
        "country": "Allemagne",
        "language": "de",
        "room": "amphi",
        "classes": ["4A"],
        "valid_until": time.time() + 3600,
        "max_guests": 5,
    }
    async with http.post(f"{base}/api/invitations", json=body, headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 201
        created = await r.json()
    teacher = WorldConnection(http, base, token)
    await teacher.connect()
    host = Watcher(teacher)
    try:
        await into(teacher, services, "amphi")
        async with chromium(locale="fr-FR", extra_args=MEDIA_ARGS) as context:  # a French browser...
            page = await context.new_page()
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
            await page.wait_for_function("document.getElementById('name-error').textContent.length > 0")
            assert "nur Buchstaben" in await page.inner_text("#name-error")
            await page.fill("#name-input", "Frau Schmidt")
            await page.press("#name-input", "Enter")  # the keyboard is enough
            await state(page, "lobby")
            assert "Lehrkraft Sie hereinlässt" in await page.inner_text("#lobby-message")
            await shot(page, shots, "02-lobby")

            # (c) the French teacher admits her, then gives her the floor
            await teacher.wait_for(lambda m: m.lobby, 10)
            guest_id = teacher.mirror.lobby[0].id
            assert teacher.mirror.lobby[0].name == "Frau Schmidt"
            await teacher.send(Admit([guest_id]))
            await state(page, "conference")
            await page.wait_for_function("document.getElementById('preview').videoWidth > 0", timeout=WAIT)
            assert "Publikum" in await page.inner_text("#my-floor")
            await shot(page, shots, "03-admitted")

            await teacher.send(ConfFloor(guest_id, True))
            await page.wait_for_function(
                "document.getElementById('my-floor').textContent.includes('Sie haben das Wort')", timeout=WAIT
            )
            # (d) the teacher's peer decodes the browser's camera (green) and microphone
            await wait_for(lambda: host.video_frames >= 20 and host.last_rgb is not None, 30, "the browser's video")
            assert host.last_rgb is not None
            r, g, b = (float(host.last_rgb[..., c].mean()) for c in range(3))
            assert g > r + 40 and g > b + 40, (r, g, b)  # Chromium's fake camera is green
            await wait_for(lambda: host.loudest > 300, 30, "the browser's beep")

            # the teacher publishes: the browser decodes her video and sound, on an unmuted <video>
            await host.publish()
            await page.wait_for_function(
                "document.querySelector('#stage video') && document.querySelector('#stage video').videoWidth > 0",
                timeout=WAIT,
            )
            await page.wait_for_function(
                """async () => { const s = await window.cybercollege.stats();
                   return s.framesDecoded > 0 && s.totalAudioEnergy > 0 }""",
                timeout=WAIT,
            )
            stats = await page.evaluate("window.cybercollege.stats()")
            assert stats["framesDecoded"] > 0 and stats["totalAudioEnergy"] > 0, stats
            assert all(v["width"] > 0 and not v["muted"] for v in stats["videos"]), stats
            assert "Mme" in await page.inner_text("#floor-status") or "Durand" in await page.inner_text(
                "#floor-status"
            )
            await shot(page, shots, "04-teacher-on-stage")

            # chat both ways
            await teacher.send(Say("Bonjour Köln !"))
            await page.wait_for_function(
                "document.getElementById('chat-log').textContent.includes('Bonjour Köln')", timeout=WAIT
            )
            await page.fill("#chat-input", "Hallo Paris!")
            await page.press("#chat-input", "Enter")
            await teacher.wait_for(lambda m: any(c.text == "Hallo Paris!" for c in m.chat), 10)
            assert next(c for c in teacher.mirror.chat if c.text == "Hallo Paris!").name == "Frau Schmidt"
            await shot(page, shots, "05-chat")

            # (f) recording: the indicator shows in the browser
            assert await page.is_hidden("#recording")
            await teacher.send(ConfRecord(True))
            await page.wait_for_selector("#recording", state="visible", timeout=WAIT)
            assert "Aufnahme" in await page.inner_text("#recording")
            await shot(page, shots, "06-recording")

            # (e) the floor taken back: the page says so and stops publishing
            await teacher.send(ConfFloor(guest_id, False))
            await page.wait_for_function("document.getElementById('my-floor').textContent.includes('Publikum')")
            await page.wait_for_function("window.cybercollege.pub === null", timeout=WAIT)
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
