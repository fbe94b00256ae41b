"""nginx in front of a département's collèges (issue 15): routing by host name, WebSocket upgrades, a collège's
standby reached when its process dies, the other collège untouched. Real processes: nginx, three world servers
(collège A and its standby, collège B), one PostgreSQL database, one Redis."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from cybercollege.client.network import ConnectionRefused, WorldConnection, fetch_demo_token
from tests.deploy.nginx import DOMAIN, nginx, session
from tests.server.conftest import another_college
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import Process, serve
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.test_lifecycle import free_port
from tests.server.waits import HANG, until

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path / "redis") as server:
        yield server


async def connect_through(http: aiohttp.ClientSession, base: str, login: str) -> WorldConnection:
    """Sign in and connect through nginx, trying again while the collège has no process serving (502)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2 * HANG
    while True:
        try:
            conn = WorldConnection(http, base, await fetch_demo_token(http, base, login))
            await conn.connect()
            return conn
        except (ConnectionRefused, aiohttp.ClientError):
            assert loop.time() < deadline, f"hung: {login} never got back in through {base}"
            await asyncio.sleep(0.2)


async def test_nginx_routes_each_college_and_fails_over_to_the_standby(tmp_path: Path, broker: PrivateRedis) -> None:
    a_world = another_college(tmp_path / "college-a", "college-a")
    b_world = another_college(tmp_path / "college-b", "college-b")
    processes: list[Process] = []
    async with fresh_pg_database() as database:
        try:
            a1 = await serve(database.url, broker.url, "--world", str(a_world))
            b1 = await serve(database.url, broker.url, "--world", str(b_world))
            processes += [a1, b1]
            async with session() as http:
                await a1.wait_serving(http)
                await b1.wait_serving(http)
                a2 = await serve(database.url, broker.url, "--world", str(a_world))
                processes.append(a2)
                await until(lambda: a2.said("standby: collège college-a is served by"), "a standby", 2 * HANG)

                port = free_port()
                async with nginx(tmp_path / "nginx", port, {"a": [a1.port, a2.port], "b": [b1.port]}) as logs:
                    front_a, front_b = f"http://a.{DOMAIN}:{port}", f"http://b.{DOMAIN}:{port}"
                    async with http.get(f"{front_a}/health") as answer:
                        assert answer.status == 200
                    async with http.get(f"http://nobody.{DOMAIN}:{port}/health") as answer:
                        assert answer.status == 404  # a host name of no collège

                    lea = await connect_through(http, front_a, "lea.martin")  # the WebSocket upgrade goes through
                    hugo = await connect_through(http, front_b, "hugo.moreau")
                    await lea.wait_for(lambda m: m.me in m.members)
                    await hugo.wait_for(lambda m: m.me in m.members)
                    assert lea.mirror.me not in hugo.mirror.members or len(hugo.mirror.members) == 1

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
        finally:
            for p in processes:
                await p.stop(signal.SIGKILL)
