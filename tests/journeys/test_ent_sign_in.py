"""Journey of a teacher and her pupil signing in with their ENT, through each of four identity providers.

Hélène (two profiles, classes 4A and 3C in this school and one in another) starts the 3D client, presses
Tab until "Se connecter avec mon ENT" and Enter; her system browser (a real Chromium) shows the college's
list of ENTs, she picks hers and signs in on the provider's own page; back in the client she is in the hall
as a teacher, and walks into salle 103, where class 4A has English. Then her pupil Zoé (4A) does the same
and sits down in that classroom. Every key goes through Panda3D's event system; screenshots of each step
are saved in var/journeys/<test>/.
"""

from __future__ import annotations

import asyncio
import webbrowser
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.i18n import tr
from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginScreen
from cybercollege.protocol.messages import Anim
from cybercollege.server.auth.ent.config import CasConfig, EntConfig, SamlConfig
from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from tests.client.helpers import until
from tests.client.sessions import in_world, stop
from tests.idp import djangocas, lemonldap, oidc_provider, people, simplesamlphp
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.system_browser import browser_command

CLASSROOM = "salle-103"  # admits 4A and 4B (worlds/college/salles.toml)
SEAT = "salle-103-b-2-2"


@dataclass
class Platform:
    """Four identity providers and the address our server must answer at (they know its redirect URIs)."""

    port: int
    ents: dict[str, EntConfig]  # provider key -> our configuration for it


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    port = lemonldap.free_port()
    sp_url = f"http://127.0.0.1:{port}"
    folder = tmp_path_factory.mktemp("four-idps")
    llng = lemonldap.start_portal(_dir(folder / "llng"), sp_url)
    djcas = djangocas.start(_dir(folder / "djcas"), sp_url)
    node = oidc_provider.start(_dir(folder / "node"), sp_url)
    key_pem, cert_pem = lemonldap.key_and_cert("cybercollege-journey-sp")
    (folder / "sp.key").write_text(key_pem)
    (folder / "sp.crt").write_text(cert_pem)
    saml = SamlConfig(id=simplesamlphp.ENT_ID, name=simplesamlphp.ENT_NAME, protocol="saml",
                      idp_metadata_file=folder / "ssp-idp.xml", sp_key_file=folder / "sp.key",
                      sp_cert_file=folder / "sp.crt")
    ssp = simplesamlphp.start(_dir(folder / "ssp"), sp_url, saml)
    ents: dict[str, EntConfig] = {
        "lemonldap": CasConfig(id="llng-cas", name="ENT de test (LemonLDAP::NG)", protocol="cas",
                               server_url=llng.cas_url),
        "django-cas-server": djcas.ent,
        "oidc-provider": node.ent,
        "simplesamlphp": saml,
    }
    yield Platform(port, ents)
    for idp in (llng, djcas, node, ssp):
        idp.stop()


def _dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
async def world(platform: Platform, tmp_path: Path) -> AsyncIterator[TestServer]:
    """The college with every ENT configured and demo mode off, as a département would run it."""
    settings = Settings(port=platform.port, public_url=f"http://127.0.0.1:{platform.port}", demo=False,
                        database_url=f"sqlite+aiosqlite:///{tmp_path}/college.db", flush_interval=0.2)
    server = TestServer(build(settings, ents=list(platform.ents.values())), host="127.0.0.1", port=platform.port)
    await server.start_server()
    yield server
    await server.close()


def system_browser(monkeypatch: pytest.MonkeyPatch, provider: str, person: people.Person, ent_name: str,
                   shots: Path) -> None:
    """Make Chromium the system browser, signing ``person`` in on ``provider`` (tests/journeys/system_browser)."""
    monkeypatch.setenv("BROWSER", browser_command())
    monkeypatch.setenv("JOURNEY_PROVIDER", {"lemonldap": "lemonldap-cas"}.get(provider, provider))
    monkeypatch.setenv("JOURNEY_PERSON", person.login)
    monkeypatch.setenv("JOURNEY_ENT_NAME", ent_name)
    monkeypatch.setenv("JOURNEY_SHOTS", str(shots))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read $BROWSER again, as a new desktop session would


async def sign_in_with_the_ent(session: Session) -> None:
    """On the login screen: Tab to the ENT button, Enter; the browser does the rest."""
    await until(lambda: isinstance(session.screen, LoginScreen), what="the login screen")
    for _ in range(40):
        current = session.screen.ring.current
        if current is not None and current["text"] == tr("ent_button"):
            await keyboard.press(session.base, "enter")
            break
        await keyboard.press(session.base, "tab")
    else:
        raise AssertionError("no ENT button on the login screen")
    await in_world(session)


async def walk_in(session: Session, world: TestServer, shots: Path, who: str) -> None:
    await save_shot(session.base, shots / f"{who}-1-hall.png")
    await keyboard.go_to_room(session, CLASSROOM)
    assert session.hud.room.getText() == "Salle 103 – Anglais"
    avatar = world.app[SERVICES].world.avatars[session.conn.mirror.me]
    assert avatar.room.id == CLASSROOM
    await keyboard.hold(session.base, keyboard.FORWARD, 30)  # in, so that the camera is behind me
    await save_shot(session.base, shots / f"{who}-2-in-salle-103.png")


@pytest.mark.parametrize("provider", ["lemonldap", "django-cas-server", "oidc-provider", "simplesamlphp"])
async def test_teacher_then_her_pupil_sign_in_and_go_to_class(
    provider, platform, world, base, driver, http, tmp_path, shots, monkeypatch
):
    ent = platform.ents[provider]
    url = f"http://127.0.0.1:{platform.port}"
    teacher, pupil = people.TEACHER, people.PUPIL

    system_browser(monkeypatch, provider, teacher, ent.name, shots / "teacher-browser")
    session = Session(base, http, driver, Options(url=url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        await sign_in_with_the_ent(session)
        you = session.welcome.you
        assert (you.name, you.role) == (teacher.display_name, "teacher")
        avatar = world.app[SERVICES].world.avatars[session.conn.mirror.me]
        assert avatar.identity.classes == teacher.expected_classes  # 4A and 3C, not the other school's
        assert avatar.identity.school_uai == people.SCHOOL_UAI
        await walk_in(session, world, shots, "teacher")
    finally:
        await stop(session, task)

    system_browser(monkeypatch, provider, pupil, ent.name, shots / "pupil-browser")
    session = Session(base, http, driver, Options(url=url, cache=tmp_path / "cache"))
    task = asyncio.create_task(session.run())
    try:
        await sign_in_with_the_ent(session)
        you = session.welcome.you
        assert (you.name, you.role) == (pupil.display_name, "pupil")  # first name and initial only
        await walk_in(session, world, shots, "pupil")
        seat = session.world.rooms[CLASSROOM].seat(SEAT)
        await keyboard.go_to(session, seat.x, seat.y, within=0.15)
        await keyboard.sit_down(session)
        avatar = world.app[SERVICES].world.avatars[session.conn.mirror.me]
        await until(lambda: avatar.anim == Anim.SIT, what="the server sees Zoé seated")
        await save_shot(base, shots / "pupil-3-seated.png")
    finally:
        await stop(session, task)
