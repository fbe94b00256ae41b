"""From the ENT's login form to an avatar in the world, and out again by ENT single logout.

A real LemonLDAP::NG portal (CAS, OIDC, SAML), the real world server, a real WebSocket client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode
from cybercollege.server.auth.ent.accesslog import PathOnlyAccessLogger
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from tests.idp import browser
from tests.server.conftest import make_settings
from tests.server.waits import until

from .conftest import llng_ents
from .flows import desktop_login, redeem


@pytest.fixture
async def world(llng, saml_sp, sp_port: int, sp_url: str, tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = make_settings(tmp_path, port=sp_port, public_url=sp_url)
    server = TestServer(build(settings, ents=llng_ents(llng, saml_sp)), host="127.0.0.1", port=sp_port)
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    yield server
    await server.close()


async def enter(sp_url: str, http: aiohttp.ClientSession, token: str) -> WorldConnection:
    conn = WorldConnection(http, sp_url, token)
    await conn.connect()
    await conn.wait_for(lambda m: m.members)
    return conn


@pytest.mark.parametrize(
    ("ent", "user", "name", "role", "classes"),
    [
        ("llng-cas", "rtyler", "Zoé É.", "pupil", ("4A",)),
        ("llng-oidc", "dwho", "Hélène Lefèvre-Dubœuf", "teacher", ("4A", "3C")),
        ("llng-saml", "rtyler", "Zoé É.", "pupil", ("4A",)),
    ],
)
async def test_ent_user_appears_in_the_world(
    world: TestServer, sp_url: str, ent: str, user: str, name: str, role: str, classes: tuple[str, ...]
) -> None:
    got = await desktop_login(sp_url, user, ent)
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200, body
    async with aiohttp.ClientSession() as http:
        demo = await enter(sp_url, http, await fetch_demo_token(http, sp_url, "mme.durand"))
        conn = await enter(sp_url, http, body["access_token"])
        await demo.wait_for(lambda m: conn.mirror.me in m.avatars)
        seen = demo.mirror.avatars[conn.mirror.me]
        assert (seen.name, seen.role) == (name, role)
        services: Services = world.app[SERVICES]
        avatar = services.world.avatars[conn.mirror.me]
        assert avatar.identity.user_id == f"{ent}:LLNG-{user.upper()}"
        assert set(avatar.identity.classes) == set(classes)
        assert services.world.rooms["salle-103"].allows(avatar.identity)  # 4A's classroom
        assert not services.world.rooms["salle-104"].allows(avatar.identity) or role == "teacher"
        await conn.close()
        await demo.close()


async def test_ent_single_logout_removes_the_avatar(world: TestServer, sp_url: str, llng) -> None:
    b = browser.Browser("rtyler", ent="llng-cas")
    async with aiohttp.ClientSession() as http:
        try:
            got = await desktop_login(sp_url, "rtyler", "llng-cas", b)
            _status, body = await redeem(sp_url, got["code"], got["verifier"])
            demo = await enter(sp_url, http, await fetch_demo_token(http, sp_url, "mme.durand"))
            rose = await enter(sp_url, http, body["access_token"])
            await demo.wait_for(lambda m: rose.mirror.me in m.avatars)
            async with await b.get(f"{llng.url}?logout=1") as answer:  # logout on the ENT itself
                await answer.read()
        finally:
            await b.close()
        await until(lambda: rose.closed, "the logged-out connection closed")
        assert rose.close_code == CloseCode.LOGGED_OUT
        await demo.wait_for(lambda m: rose.mirror.me not in m.members)
        await demo.close()
