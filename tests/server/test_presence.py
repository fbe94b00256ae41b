"""Cross-process concerns: one avatar per user across processes, and logout everywhere (Redis), broker down too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services
from tests.server.conftest import Connect, another_college, make_settings
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.waits import until

REDIS_URL = "redis://127.0.0.1:6379/15"


async def wait_closed(conn: WorldConnection) -> int | None:
    """The close code, once the server has closed ``conn``."""
    await until(lambda: conn.closed, "the connection closed")
    return conn.ws.close_code if conn.ws is not None else None


async def test_logout_removes_the_avatar_and_revokes_tokens(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    sid = services.world.by_user["demo:lea.martin"].session.sid  # type: ignore[union-attr]
    await services.logout(sid)
    assert await wait_closed(lea) == CloseCode.LOGGED_OUT
    await hugo.wait_for(lambda m: lea.mirror.me not in m.members)
    assert services.tokens.is_revoked(sid)


@pytest.fixture
async def two_servers(tmp_path: Path) -> AsyncIterator[tuple[TestServer, TestServer]]:
    client = redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except (OSError, redis.ConnectionError) as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({exc}); start redis-server", pytrace=False)
    finally:
        await client.aclose()
    servers = []
    for name in ("a", "b"):  # two collèges, one process each
        (tmp_path / name).mkdir()
        world = another_college(tmp_path / name / "world", f"college-{name}")
        settings = make_settings(tmp_path / name, broker_url=REDIS_URL, world=world)
        srv = TestServer(build(settings), host="127.0.0.1")
        await srv.start_server()
        servers.append(srv)
    yield servers[0], servers[1]
    for srv in servers:
        await srv.close()


@pytest.mark.redis
async def test_one_avatar_per_user_across_processes(two_servers: tuple[TestServer, TestServer]) -> None:
    a, b = two_servers
    async with aiohttp.ClientSession() as http:
        url_a, url_b = (str(s.make_url("")).rstrip("/") for s in (a, b))
        first = WorldConnection(http, url_a, await fetch_demo_token(http, url_a, "lea.martin"))
        await first.connect()
        second = WorldConnection(http, url_b, await fetch_demo_token(http, url_b, "lea.martin"))
        await second.connect()
        assert await wait_closed(first) == CloseCode.REPLACED
        assert "demo:lea.martin" not in a.app[SERVICES].world.by_user
        assert "demo:lea.martin" in b.app[SERVICES].world.by_user
        await second.close()


@pytest.mark.redis
async def test_logout_on_one_process_revokes_everywhere(two_servers: tuple[TestServer, TestServer]) -> None:
    a, b = two_servers
    async with aiohttp.ClientSession() as http:
        url_b = str(b.make_url("")).rstrip("/")
        lea = WorldConnection(http, url_b, await fetch_demo_token(http, url_b, "lea.martin"))
        await lea.connect()
        sid = b.app[SERVICES].world.by_user["demo:lea.martin"].session.sid  # type: ignore[union-attr]
        await a.app[SERVICES].logout(sid)  # e.g. the ENT's single logout reached process A
        assert await wait_closed(lea) == CloseCode.LOGGED_OUT
        assert a.app[SERVICES].tokens.is_revoked(sid) and b.app[SERVICES].tokens.is_revoked(sid)


@pytest.mark.redis
async def test_claims_are_refreshed_only_while_owned() -> None:
    from cybercollege.server.cluster.presence import CLAIM_TTL, RedisPresence

    a, b = RedisPresence(REDIS_URL), RedisPresence(REDIS_URL)
    client = redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
        await a.claim("demo:lea.martin")
        key = "cybercollege:user:demo:lea.martin"
        await client.expire(key, 5)
        await a.refresh(["demo:lea.martin"])
        assert await client.ttl(key) > CLAIM_TTL - 5  # renewed
        assert await b.claim("demo:lea.martin") == a.node  # the user logs in elsewhere
        await a.refresh(["demo:lea.martin"])  # the old home must not take the user back
        assert (await client.get(key)).decode() == b.node
    finally:
        await client.aclose()
        for p in (a, b):
            await p._redis.aclose()


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path) as server:
        yield server


@pytest.mark.redis
async def test_a_logout_while_the_broker_is_down_acts_here_at_once_and_elsewhere_when_it_is_back(
    broker: PrivateRedis, tmp_path: Path
) -> None:
    """Issue 15: a logout while Redis was down raised, and even the local avatar stayed."""
    servers = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        world = another_college(tmp_path / name / "world", f"college-{name}")
        srv = TestServer(build(make_settings(tmp_path / name, broker_url=broker.url, world=world)), host="127.0.0.1")
        await srv.start_server()
        servers.append(srv)
    a, b = servers
    try:
        async with aiohttp.ClientSession() as http:
            url_a, url_b = (str(s.make_url("")).rstrip("/") for s in (a, b))
            lea = WorldConnection(http, url_a, await fetch_demo_token(http, url_a, "lea.martin"))
            await lea.connect()
            hugo = WorldConnection(http, url_b, await fetch_demo_token(http, url_b, "hugo.moreau"))
            await hugo.connect()
            lea_sid = a.app[SERVICES].world.by_user["demo:lea.martin"].session.sid  # type: ignore[union-attr]
            hugo_sid = b.app[SERVICES].world.by_user["demo:hugo.moreau"].session.sid  # type: ignore[union-attr]

            broker.kill()
            await a.app[SERVICES].logout(lea_sid)  # her ENT's single logout reached process A: no exception
            assert await wait_closed(lea) == CloseCode.LOGGED_OUT  # here at once, Redis or not
            assert "demo:lea.martin" not in a.app[SERVICES].world.by_user
            await a.app[SERVICES].logout(hugo_sid)  # Hugo's reached A too, but he is on B
            assert not hugo.closed
            outbox = a.app[SERVICES].cluster.outbox
            assert [w.message["sid"] for w in outbox.waiting] == [lea_sid, hugo_sid]  # kept, in order

            await broker.start()  # the broker is back: B's subscription comes back and A's outbox sends
            assert await wait_closed(hugo) == CloseCode.LOGGED_OUT
            assert b.app[SERVICES].tokens.is_revoked(hugo_sid) and b.app[SERVICES].tokens.is_revoked(lea_sid)
            await until(lambda: not outbox.waiting, "the outbox emptied")
    finally:
        for srv in servers:
            await srv.close()
