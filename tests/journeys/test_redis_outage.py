"""Redis restarted mid-lesson (issue 15): the lessons go on, a sign-in during the outage is refused with a clear
message (login sessions live in Redis) and done once it is back, a logout during the outage is done, none is lost,
the restart does not move the collège to its standby, and a later failover still knows the logout.

Real processes behind Debian's nginx: collège A and its standby, collège B, one PostgreSQL database and one Redis
(which the test kills, then starts again empty, as a Redis without persistence comes back). The people are the
world's own clients (client/network.py, the library the Panda3D client is built on): there is no page to see.
"""

from __future__ import annotations

import itertools
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as redis

from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_token, fetch_demo_tokens
from cybercollege.protocol import CloseCode
from tests.deploy.colleges import departement
from tests.deploy.nginx import DOMAIN, nginx, session
from tests.deploy.test_nginx import connect_through
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import Process
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.test_lifecycle import free_port
from tests.server.waits import HANG, eventually

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path / "redis") as server:
        yield server


async def renewed_twice(broker: PrivateRedis, key: str) -> None:
    """Wait until the serving process has renewed its collège key twice (its time-to-live went up twice)."""
    client = redis.from_url(broker.url)
    ttls: list[int] = []

    async def twice() -> bool:
        ttls.append(await client.pttl(key))
        return sum(later > earlier for earlier, later in itertools.pairwise(ttls)) >= 2

    try:
        await eventually(twice, "collège A's key renewed twice")  # a poll of the key
    finally:
        await client.aclose()


async def test_redis_restarted_mid_lesson(tmp_path: Path, broker: PrivateRedis) -> None:
    async with (
        fresh_pg_database() as database,
        session() as http,
        departement(tmp_path, database.url, broker.url, http) as dep,
    ):
        port = free_port()
        async with nginx(tmp_path / "nginx", port, dep.upstreams("a")):
            front_a, front_b = f"http://a.{DOMAIN}:{port}", f"http://b.{DOMAIN}:{port}"
            await outage(http, front_a, front_b, broker, dep.serving["a"], dep.standby)


async def outage(
    http: aiohttp.ClientSession, front_a: str, front_b: str, broker: PrivateRedis, a1: Process, a2: Process
) -> None:
    lea = await connect_through(http, front_a, "lea.martin")
    chloe_token, chloe_refresh = await fetch_demo_tokens(http, front_a, "chloe.garcia")
    chloe = WorldConnection(http, front_a, chloe_token)
    await chloe.connect()
    hugo = await connect_through(http, front_b, "hugo.moreau")  # collège B
    await lea.wait_for(lambda m: chloe.mirror.me in m.members)

    broker.kill()  # Redis is gone, mid-lesson
    await lea.say("on continue sans Redis ?")
    await chloe.wait_for(lambda m: any(c.text == "on continue sans Redis ?" for c in m.chat), timeout=HANG)
    x, y, _ = lea.mirror.position
    await lea.move(x + 0.5, y)
    moved = x + 0.5
    await chloe.wait_for(lambda m: lea.mirror.me in m.avatars and abs(m.avatars[lea.mirror.me].x - moved) < 0.02,
                         timeout=HANG)  # fmt: skip

    with pytest.raises(ConnectionRefused, match="Connexion impossible pour le moment"):  # a sign-in: refused, said
        await fetch_demo_token(http, front_a, "nathan.roux")
    async with http.post(f"{front_a}/auth/logout", json={"refresh_token": chloe_refresh}) as answer:
        assert answer.status == 200  # a logout during the outage: done, here and now
    assert await chloe.wait_closed() == CloseCode.LOGGED_OUT
    await lea.wait_for(lambda m: chloe.mirror.me not in m.members, timeout=HANG)

    await broker.start()  # Redis is back, empty
    nathan = await connect_through(http, front_a, "nathan.roux")  # the sign-in refused during the outage: done now
    await lea.wait_for(lambda m: nathan.mirror.me in m.members, timeout=HANG)
    await renewed_twice(broker, "cybercollege:college:college-a")
    assert not a2.said("took over")  # the restart did not move collège A to its standby
    assert not lea.closed and not nathan.closed and not hugo.closed  # nobody noticed
    await hugo.ping()

    await a1.stop(signal.SIGKILL)  # later, collège A's process dies: the standby takes over
    lea = await connect_through(http, front_a, "lea.martin")
    assert a2.said("standby: took over collège college-a")
    stale = WorldConnection(http, front_a, chloe_token)
    with pytest.raises(ConnectionRefused):  # Chloé's logout, made during the outage, holds on the standby too
        await stale.connect()
    await lea.close()
    await hugo.close()
