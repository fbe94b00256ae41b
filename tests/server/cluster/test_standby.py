"""A collège served by one process at a time: a second one waits as its standby and takes over (issue 15).

Real server processes on one PostgreSQL database and a Redis of the test's own; the first is killed (SIGKILL),
then the second is stopped cleanly (SIGTERM) with a third waiting.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from cybercollege.client.network import WorldConnection, fetch_demo_token
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.processes import Process, serve
from tests.server.redis_server import PrivateRedis, private_redis
from tests.server.waits import HANG, until

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    async with private_redis(tmp_path) as server:
        yield server


@pytest.fixture
async def database() -> AsyncIterator[str]:
    async with fresh_pg_database() as db:
        yield db.url


async def test_a_second_process_waits_as_standby_and_takes_over(database: str, broker: PrivateRedis) -> None:
    processes: list[Process] = []
    try:
        async with aiohttp.ClientSession() as http:
            first = await serve(database, broker.url)
            processes.append(first)
            await first.wait_serving(http)
            second = await serve(database, broker.url)
            processes.append(second)
            await until(lambda: second.said("standby: collège college-jean-moulin is served by"), "standby", 2 * HANG)
            assert not await second.serving(http)  # its port is not open: a proxy sends nobody there

            lea = WorldConnection(http, first.base, await fetch_demo_token(http, first.base, "lea.martin"))
            await lea.connect()
            await first.stop(signal.SIGKILL)  # the process dies without a word
            await second.wait_serving(http)
            assert second.said("standby: took over collège college-jean-moulin")
            lea = WorldConnection(http, second.base, await fetch_demo_token(http, second.base, "lea.martin"))
            await lea.connect()  # she is back, on the standby
            await lea.wait_for(lambda m: m.me in m.members)  # she sees herself in the hall

            third = await serve(database, broker.url)
            processes.append(third)
            await until(lambda: third.said("standby: collège college-jean-moulin is served by"), "standby", 2 * HANG)
            await second.stop(signal.SIGTERM)  # a clean stop hands the collège over at once
            await third.wait_serving(http)
            assert third.said("standby: took over collège college-jean-moulin")
            assert second.proc.returncode == 0
    finally:
        for p in processes:
            await p.stop(signal.SIGKILL)
