"""Login sessions in Redis (issue 15): the standby that takes a killed process's collège over keeps everyone
signed in, and an ENT's single logout reaching it ends the session.

Real server processes of one collège on one PostgreSQL database and a Redis of the test's own; the ENT is the fake
CAS of the ENT tests (a real server in this test's process), its single logout the CAS ``logoutRequest`` POST.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import CloseCode
from tests.idp import browser
from tests.server.conftest import another_college
from tests.server.ent.conftest import start_server
from tests.server.ent.fake_ent import FakeEnt
from tests.server.ent.flows import LOOPBACK, start_url
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import Process, serve
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.waits import HANG, until

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

COLLEGE = "college-jean-moulin"
TICKET = "ST-1-fake-ticket-secret"  # the fake CAS's; its single logout names it as the SessionIndex
LOGOUT_REQUEST = (
    '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" '
    'IssueInstant="2026-12-02T10:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
    f"<samlp:SessionIndex>{TICKET}</samlp:SessionIndex></samlp:LogoutRequest>"
)


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_pg_database() as db:
        yield db.url


@pytest.fixture
async def ent_args(tmp_path: Path) -> AsyncIterator[tuple[str, ...]]:
    """``serve`` arguments: the fake CAS as the collège's ENT, and a world whose school is its pupil's."""
    fake = FakeEnt()
    server = await start_server(fake.app)
    fake.url = str(server.make_url("")).rstrip("/")
    ents = tmp_path / "ents.toml"
    ents.write_text(
        f'[[ent]]\nid = "fake-cas"\nname = "ENT de test"\nprotocol = "cas"\nserver_url = "{fake.url}/cas"\n'
    )
    world = another_college(tmp_path / "world", COLLEGE, schools=("0691234X",))  # the fake CAS's Léa is of 0691234X
    yield "--world", str(world), "--ent-config", str(ents)
    await server.close()


async def cas_sign_in(http: aiohttp.ClientSession, base: str) -> dict[str, str]:
    """Léa signs in through the fake CAS as the desktop client does: ``{access_token, refresh_token, ...}``."""
    started = start_url(base)
    b = browser.Browser(ent="fake-cas")
    try:
        code = browser.query_of(await b.run(started.url, stop_at=LOOPBACK))["code"]
    finally:
        await b.close()
    body = {"code": code, "code_verifier": started.verifier}
    async with http.post(f"{base}/auth/desktop/token", json=body) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


async def refresh(http: aiohttp.ClientSession, base: str, token: str) -> tuple[int, dict]:
    async with http.post(f"{base}/auth/refresh", json={"refresh_token": token}) as answer:
        return answer.status, await answer.json()


async def test_the_standby_keeps_her_signed_in_and_obeys_her_single_logout(
    database: str, broker: PrivateRedis, ent_args: tuple[str, ...]
) -> None:
    processes: list[Process] = []
    try:
        async with aiohttp.ClientSession() as http:
            first = await serve(database, broker.url, *ent_args)
            processes.append(first)
            await first.wait_serving(http)
            second = await serve(database, broker.url, *ent_args)
            processes.append(second)
            await until(lambda: second.said(f"standby: collège {COLLEGE} is served by"), "standby", 2 * HANG)

            tokens = await cas_sign_in(http, first.base)
            lea = WorldConnection(http, first.base, tokens["access_token"])
            await lea.connect()
            await first.stop(signal.SIGKILL)  # the process dies without a word: its memory is gone
            await second.wait_serving(http)

            status, renewed = await refresh(http, second.base, tokens["refresh_token"])
            assert status == 200, renewed  # the standby knows her session: she is still signed in
            lea = WorldConnection(http, second.base, renewed["access_token"])
            await lea.connect()
            await lea.wait_for(lambda m: m.me in m.members)  # she sees herself in the hall, on the standby

            form = {"logoutRequest": LOGOUT_REQUEST}
            async with http.post(f"{second.base}/auth/cas/fake-cas/logout", data=form) as answer:
                assert answer.status == 200 and await answer.text() == "ok"
            assert await lea.wait_closed() == CloseCode.LOGGED_OUT  # her ENT signed her out: so does the collège
            status, refused = await refresh(http, second.base, renewed["refresh_token"])
            assert status == 401 and refused["error"] == "refresh_unknown"
    finally:
        for p in processes:
            await p.stop(signal.SIGKILL)
