"""Journeys of issue 14: during a lesson the teacher admits the partner class from the portal's lobby page while
the pupils are in the 3D client; afterwards she plays, downloads and deletes the recording in the portal.

Hélène (teacher of 4A, LemonLDAP::NG's CAS) signs in to the portal in Debian's Chromium, creates an invitation of
Gymnasium Köln into the amphitheatre for her 4A (a wrong field first: its message next to it) and gets its code,
link and QR code. Léa (4A) logs in to the Panda3D client (offscreen, in this process) and walks into the
amphitheatre with the arrow keys. The Köln teacher opens the link in a second browser context, types her name and
waits; Hélène's lobby page lists her without being reloaded (server-sent events); Hélène clicks Admit: the guest
page enters the conference and Léa's people list shows « Frau Schmidt · Gymnasium Köln ».

Then Hélène records a few seconds from the amphitheatre (a world connection of hers with real aiortc peers: a
counter picture and a tone), and in the portal plays the recording in the page (the <video> element's currentTime
advances, readyState >= 2), downloads it and deletes it. Every new page passes axe-core (WCAG 2.1 AA) at desktop
and phone sizes, with no Content-Security-Policy refusal. Screenshots in var/journeys/<test>/.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import av
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.conference import ConfRecord
from cybercollege.server.auth.ent.config import CasConfig
from cybercollege.server.conference import archive
from cybercollege.server.conference.conferencing import Conferencing
from cybercollege.server.config import Settings
from cybercollege.server.core.identity import Identity
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.portal.app import PORTAL
from tests.client.helpers import until as client_until
from tests.client.sessions import in_world, start, stop
from tests.client.test_invitation_card import window_size
from tests.idp import people
from tests.idp.chromium import chromium
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.portal_axe import assert_accessible, csp_reports
from tests.journeys.providers import lemonldap_sign_in
from tests.journeys.test_portal_sign_in import ENT_NAME, idp
from tests.server.conference.test_world_conference import into
from tests.server.conference.world_client import Peer
from tests.server.waits import until

__all__ = ["idp"]

WAIT = 60_000  # ms, the browser's waits (generous: the machine's two cores are shared)
BROWSER_ARGS = (
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
)
GUEST = "Frau Schmidt"
PARTNER = "Gymnasium Köln"


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's aiortc peers offer 127.0.0.1 only (aioice skips it by default): FIELD-NOTES."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"])


@pytest.fixture
async def world(idp: tuple[int, CasConfig], tmp_path: Path) -> AsyncIterator[TestServer]:
    """The college with its ENT (the teachers), the demo accounts (Léa's client), the SFU and a recordings folder."""
    port, ent = idp
    settings = Settings(port=port, public_url=f"http://127.0.0.1:{port}", demo=True, school_uai=people.SCHOOL_UAI,
                        database_url=f"sqlite+aiosqlite:///{tmp_path}/college.db", flush_interval=0.2,
                        recordings_dir=tmp_path / "recordings")  # fmt: skip
    server = TestServer(build(settings, ents=[ent]), host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


async def test_she_admits_the_partner_class_from_the_lobby_page_then_plays_the_recording(
    base: Any, driver: Any, world: TestServer, http: aiohttp.ClientSession, shots: Path, tmp_path: Path
) -> None:
    url = str(world.make_url("")).rstrip("/")
    async with chromium(extra_args=BROWSER_ARGS) as context:
        page = await context.new_page()
        page.set_default_timeout(WAIT)
        refused = csp_reports(page)
        await sign_in(page, url, shots)
        link = await create_invitation(page, url, shots)
        lea, task = await start(base, http, driver, url, "lea.martin", tmp_path)
        try:
            with window_size(base, 960, 540):
                await in_world(lea)
                await keyboard.go_to_room(lea, "amphi")  # 4A is invited: the amphitheatre lets her in
                await save_shot(base, shots / "05-pupil-in-the-amphitheatre.png")
                guest_context = await context.browser.new_context(
                    locale="de-DE", viewport={"width": 1000, "height": 760}
                )
                try:
                    guest = await guest_context.new_page()
                    guest.set_default_timeout(WAIT)
                    await admit_from_the_lobby(page, guest, link, shots)
                    await client_until(lambda: f"{GUEST} · {PARTNER}" in lea.hud.people.getText(), timeout=60,
                                       what="the guest in Léa's people list")  # fmt: skip
                    await save_shot(base, shots / "10-pupil-sees-the-guest.png")
                finally:
                    await guest_context.close()
        finally:
            await stop(lea, task)
        host = await record_a_few_seconds(world, http, url)
        await play_download_delete(page, url, shots, tmp_path / "recordings", host)
        assert refused == []


async def sign_in(page: Any, url: str, shots: Path) -> None:
    await page.goto(url + "/portal/")
    await page.get_by_role("link", name=f"Se connecter avec {ENT_NAME}").click()
    await page.wait_for_load_state()
    assert not page.url.startswith(url)  # LemonLDAP::NG's own page
    await lemonldap_sign_in(page, people.TEACHER)
    await page.wait_for_url(url + "/portal/classes")


async def create_invitation(page: Any, url: str, shots: Path) -> str:
    """« Nouvelle invitation »: a country left out is told next to its field; then the invitation's page."""
    await page.get_by_role("link", name="Invitations", exact=True).click()
    await page.get_by_role("link", name="Nouvelle invitation").click()
    await page.wait_for_url(url + "/portal/invitations/new")
    await assert_accessible(page, shots, "01-new-invitation")
    await page.get_by_label("Établissement partenaire").fill(PARTNER)
    await page.get_by_label("Langue de la classe partenaire").select_option("de")
    await page.get_by_label("Salle", exact=True).select_option("amphi")
    await page.get_by_label("4A").check()
    await page.get_by_role("button", name="Créer l'invitation").click()
    country = page.get_by_label("Pays")
    await page.wait_for_selector("#country-error")
    assert await country.get_attribute("aria-invalid") == "true"
    assert await page.inner_text("#country-error") == "Indiquez le pays (60 caractères au plus)."
    assert await page.get_by_label("Établissement partenaire").input_value() == PARTNER  # nothing typed is lost
    await assert_accessible(page, shots, "02-new-invitation-error")
    await country.fill("Allemagne")
    await page.get_by_role("button", name="Créer l'invitation").click()
    await page.wait_for_selector("#invitation-code")
    code = await page.inner_text("#invitation-code")
    link = await page.inner_text("#invitation-link")
    assert len(code) == 19 and link == f"{url}/invite/{code}"
    qr = page.get_by_role("img", name=f"QR code du lien d'invitation {link}")
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 100")  # a data: image the CSP allows
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Feuille à imprimer (PDF)").click()
    sheet = Path(await (await info.value).path())
    assert sheet.read_bytes().startswith(b"%PDF") and sheet.stat().st_size > 1000
    await assert_accessible(page, shots, "03-invitation")
    return link


async def admit_from_the_lobby(page: Any, guest: Any, link: str, shots: Path) -> None:
    """The lobby page lists the guest as she arrives (no reload), and Admit lets her in."""
    await page.get_by_role("link", name="Salle d'attente : Amphithéâtre").click()
    await page.wait_for_selector("#lobby-live:not([hidden])")  # the live list is connected
    assert "Personne n'attend" in await page.inner_text("#lobby-list")
    await assert_accessible(page, shots, "04-lobby-empty")
    await page.evaluate("() => { window.notReloaded = true; }")

    await guest.goto(link)
    await guest.wait_for_function("() => document.body.dataset.state === 'name'")
    await guest.fill("#name-input", GUEST)
    await guest.press("#name-input", "Enter")
    await guest.wait_for_function("() => document.body.dataset.state === 'lobby'")
    await guest.screenshot(path=str(shots / "06-guest-waits.png"), full_page=True)

    admit = page.get_by_role("button", name=f"Admettre {GUEST} · {PARTNER}")
    await admit.wait_for()
    assert await page.evaluate("() => window.notReloaded === true"), "the list came without a reload"
    assert f"{GUEST} · {PARTNER}" in await page.inner_text("#lobby-list")
    await assert_accessible(page, shots, "07-lobby-guest-waiting")
    await admit.click()
    await page.wait_for_selector("text=Admis : l'invité est dans la salle.")
    await guest.wait_for_function("() => document.body.dataset.state === 'conference'")
    await guest.screenshot(path=str(shots / "08-guest-admitted.png"), full_page=True)
    await assert_accessible(page, shots, "09-lobby-admitted")


async def record_a_few_seconds(world: TestServer, http: aiohttp.ClientSession, url: str) -> str:
    """Hélène in the amphitheatre with real peers (a counter picture and a tone) records a few seconds; her user
    id."""
    services = world.app[SERVICES]
    (session,) = [s for s in world.app[PORTAL].store._kinds[True].values() if s.identity is not None]
    identity: Identity = session.identity
    conn = WorldConnection(http, url, services.tokens.issue(identity))
    await conn.connect()
    host = Peer(conn)
    try:
        await into(conn, services, "amphi")
        await host.publish()
        conference = services.world.features.get(Conferencing).sfu.conferences["amphi"]
        await conn.send(ConfRecord(True))
        await until(lambda: conference.recording is not None and host.me in conference.recording.takes,
                    "her take started")  # fmt: skip
        recording = conference.recording
        assert recording is not None
        take = recording.takes[host.me]
        await until(lambda: any(s.kind.value == "video" and s.last_pts > 3 * 90_000 for s in take.sinks),
                    "three seconds of her pictures recorded")  # fmt: skip
        await conn.send(ConfRecord(False))
        await asyncio.wait_for(asyncio.shield(recording.finished), 60)
    finally:
        await host.close()
        await conn.close()
    return identity.user_id


async def play_download_delete(page: Any, url: str, shots: Path, root: Path, host: str) -> None:
    (recording,) = archive.finished(root)
    assert recording.host_user == host  # the portal shows it to her (and the school's staff) only
    (take,) = recording.files
    with av.open(str(recording.directory / take.name)) as container:
        assert sorted(s.codec_context.name for s in container.streams) == ["opus", "vp8"]

    await page.get_by_role("link", name="Enregistrements", exact=True).click()
    await page.wait_for_url(url + "/portal/recordings")
    await assert_accessible(page, shots, "11-recordings")
    await page.locator(f'a[href="/portal/recordings/{recording.id}"]').click()
    await page.wait_for_url(f"{url}/portal/recordings/{recording.id}")
    video = page.locator("video")
    await video.evaluate("v => v.play()")
    await page.wait_for_function("() => { const v = document.querySelector('video');"
                                 " return v.readyState >= 2 && v.currentTime > 1; }")  # fmt: skip
    assert await video.evaluate("v => v.videoWidth") > 0
    await video.evaluate("v => { v.pause(); v.currentTime = 0.5; }")  # seeking: Range requests
    await page.wait_for_function(
        "() => { const v = document.querySelector('video');"
        " return !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - 0.5) < 0.2; }"
    )
    await assert_accessible(page, shots, "12-recording-plays")

    async with page.expect_download() as info:
        await page.get_by_role("link", name="Télécharger (WebM").click()
    downloaded = Path(await (await info.value).path())
    assert downloaded.stat().st_size == take.size > 0

    await page.get_by_role("link", name="Supprimer l'enregistrement").click()
    await page.wait_for_url(f"{url}/portal/recordings/{recording.id}/delete")
    await assert_accessible(page, shots, "13-delete-confirmation")
    await page.get_by_role("button", name="Supprimer définitivement").click()
    await page.wait_for_url(url + "/portal/recordings?deleted=1")
    assert await page.get_by_role("status").inner_text() == "L'enregistrement est supprimé."
    await assert_accessible(page, shots, "14-recording-deleted")
    assert not recording.directory.exists()
