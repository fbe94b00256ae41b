"""A logged-out token stays refused after a restart, and in a process started after the logout (issue 12)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestServer

from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_tokens
from cybercollege.protocol import CloseCode, ErrorCode
from cybercollege.server.auth.tokens import MESSAGES
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from tests.server.auth.conftest import Start
from tests.server.conftest import another_college, make_settings

REDIS_URL = "redis://127.0.0.1:6379/13"  # not the presence tests' database: they flush theirs
REVOKED = MESSAGES["session_revoked"]


def url_of(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


async def refused_hello(http: aiohttp.ClientSession, url: str, token: str) -> ConnectionRefused:
    with pytest.raises(ConnectionRefused) as refused:
        await WorldConnection(http, url, token).connect()
    return refused.value


async def invitations(http: aiohttp.ClientSession, url: str, token: str) -> tuple[int, dict]:
    """An HTTP API route that needs a bearer token: the teacher's invitations."""
    async with http.get(f"{url}/api/invitations", headers={"Authorization": f"Bearer {token}"}) as resp:
        return resp.status, await resp.json()


async def logout(http: aiohttp.ClientSession, url: str, token: str) -> None:
    async with http.post(f"{url}/auth/logout", headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200, await resp.text()


async def test_a_logged_out_token_is_refused_after_a_restart(start: Start) -> None:
    server = await start()
    async with aiohttp.ClientSession() as http:
        url = url_of(server)
        token, _refresh = await fetch_demo_tokens(http, url, "mme.durand")
        conn = WorldConnection(http, url, token)
        await conn.connect()
        assert (await invitations(http, url, token))[0] == 200
        await logout(http, url, token)  # the real route: the avatar leaves, the session is revoked
        assert await conn.wait_closed() == CloseCode.LOGGED_OUT
        await server.close()

        server = await start()  # same database, same secret: a restart
        url = url_of(server)
        refused = await refused_hello(http, url, token)
        assert (refused.code, refused.close_code) == (ErrorCode.TOKEN_INVALID, CloseCode.UNAUTHORIZED)
        assert str(refused) == REVOKED
        assert await invitations(http, url, token) == (401, {"error": "token_invalid", "message": REVOKED})

        fresh, _ = await fetch_demo_tokens(http, url, "mme.durand")  # a new login is a new session: welcome
        assert (await invitations(http, url, fresh))[0] == 200
        again = WorldConnection(http, url, fresh)
        await again.connect()
        await again.close()


async def test_a_revocation_by_the_cluster_is_saved_too(start: Start) -> None:
    """An ENT single logout reaches the world through the cluster's broadcast (services.logout): saved as well."""
    server = await start()
    async with aiohttp.ClientSession() as http:
        token, _ = await fetch_demo_tokens(http, url_of(server), "lea.martin")
        sid = server.app[SERVICES].tokens.verify(token)[1]
        await server.app[SERVICES].logout(sid)
        await server.close()
        server = await start()
        refused = await refused_hello(http, url_of(server), token)
        assert refused.code == ErrorCode.TOKEN_INVALID and str(refused) == REVOKED


@pytest.mark.redis
async def test_a_process_started_after_a_logout_refuses_the_token(tmp_path: Path) -> None:
    """With Redis, a process that starts later (here on a database of its own) reads the revocation at start."""
    client = redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except (OSError, redis.ConnectionError) as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); start redis-server", pytrace=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    college_a = another_college(tmp_path / "a" / "world", "college-a")
    first = TestServer(build(make_settings(tmp_path / "a", broker_url=REDIS_URL, world=college_a)), host="127.0.0.1")
    await first.start_server()
    later: TestServer | None = None
    try:
        async with aiohttp.ClientSession() as http:
            token, _ = await fetch_demo_tokens(http, url_of(first), "lea.martin")
            await logout(http, url_of(first), token)
            assert [key async for key in client.scan_iter(match="cybercollege:revoked:*")]
            await first.close()  # the collège's next process (its token is this collège's), on a database of its own
            later = TestServer(
                build(make_settings(tmp_path / "b", broker_url=REDIS_URL, world=college_a)), host="127.0.0.1"
            )
            await later.start_server()
            refused = await refused_hello(http, url_of(later), token)
            assert (refused.code, str(refused)) == (ErrorCode.TOKEN_INVALID, REVOKED)
            answer = await invitations(http, url_of(later), token)
            assert answer == (401, {"error": "token_invalid", "message": REVOKED})
    finally:
        await first.close()
        if later is not None:
            await later.close()
        await client.flushdb()
        await client.aclose()
