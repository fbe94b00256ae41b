"""The Redis client waits for a free connection instead of refusing (the 8:00 burst of sign-ins)."""

from __future__ import annotations

import asyncio

import pytest

from cybercollege.server import broker

REDIS_URL = "redis://127.0.0.1:6379/11"


@pytest.mark.redis
async def test_a_burst_larger_than_the_pool_is_served_in_turn() -> None:
    client = broker.connect(REDIS_URL, pool_size=4)  # redis-py's own pool refuses past its size
    try:
        await client.ping()
        answers = await asyncio.gather(*(client.incr("cybercollege:test:burst") for _ in range(300)))
        assert sorted(answers)[-1] - sorted(answers)[0] == 299  # all 300, none refused
        pool = client.connection_pool
        assert len(pool._available_connections) + len(pool._in_use_connections) <= 4  # never more than the pool
    finally:
        await client.delete("cybercollege:test:burst")
        await client.aclose()
