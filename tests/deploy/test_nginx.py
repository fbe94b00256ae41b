"""nginx in front of a département's collèges (issue 15): routing by host name, WebSocket upgrades, a collège's
standby reached when its process dies, the other collège untouched. Real processes: nginx, three world servers
(collège A and its standby, collège B), one PostgreSQL database, one Redis."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_token
from tests.deploy.colleges import departement
from tests.deploy.nginx import DOMAIN, nginx, session
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.test_lifecycle import free_port
from tests.server.waits import HANG, eventually, until

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path / "redis") as server:
        yield server


async def connect_through(http: aiohttp.ClientSession, base: str, login: str) -> WorldConnection:
    """Sign in and connect through nginx, trying again while the collège has no process serving (502)."""

    async def attempt() -> WorldConnection | None:
        try:
            conn = WorldConnection(http, base, await fetch_demo_token(http, base, login))
            await conn.connect()
            return conn
        except (ConnectionRefused, aiohttp.ClientError):
            return None

    conn = await eventually(attempt, f"{login} back in through {base}", 2 * HANG, every=0.2)
    assert isinstance(conn, WorldConnection)
    return conn


async def test_nginx_routes_each_college_and_fails_over_to_the_standby(tmp_path: Path, broker: PrivateRedis) -> None:
    async with (
        fresh_pg_database() as database,
        session() as http,
        departement(tmp_path, database.url, broker.url, http) as dep,
    ):
        a1, a2 = dep.serving["a"], dep.standby
        port = free_port()
        async with nginx(tmp_path / "nginx", port, dep.upstreams("a")) as logs:
            front_a, front_b = f"http://a.{DOMAIN}:{port}", f"http://b.{DOMAIN}:{port}"
            async with http.get(f"{front_a}/health") as answer:
                assert answer.status == 200
            async with http.get(f"http://nobody.{DOMAIN}:{port}/health") as answer:
                assert answer.status == 404  # a host name of no collège

            lea = await connect_through(http, front_a, "lea.martin")  # the WebSocket upgrade goes through
            hugo = await connect_through(http, front_b, "hugo.moreau")
            await lea.wait_for(lambda m: m.me in m.members)
            await hugo.wait_for(lambda m: m.me in m.members)
            assert len(lea.mirror.members) == len(hugo.mirror.members) == 1  # each alone in her collège's hall

            await a1.stop(signal.SIGKILL)  # collège A's process dies mid-lesson
            await until(lambda: lea.closed, "Léa's connection dropped")
            lea = await connect_through(http, front_a, "lea.martin")  # the same address: the standby
            await lea.wait_for(lambda m: m.me in m.members)
            assert a2.said("standby: took over collège college-a")

            assert not hugo.closed  # collège B never noticed
            await hugo.ping()
            await lea.close()
            await hugo.close()
            errors = (logs / "error.log").read_text()
            assert "[emerg]" not in errors and "[crit]" not in errors
