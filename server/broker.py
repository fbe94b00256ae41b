"""The one way this server opens a Redis client (presence, collège lock, login sessions, revocations).

A bounded pool that *waits* for a free connection: at 8:00 a collège's sign-ins arrive by the hundred at once,
and redis-py's default pool raises « Too many connections » past 100 instead of queueing them (seen in
``benchmarks.capacity_bench``: 456 of 600 simultaneous sign-ins refused). Every command is quick, so 64
connections serve a burst in turn; one that cannot get a connection within ``timeout`` seconds fails as when Redis
is down, and its caller says so.
"""

from __future__ import annotations

from typing import Any

POOL_SIZE = 64
"""Connections to Redis per process and client."""
TIMEOUT_S = 5.0
"""Seconds to wait for a connection, to connect, or for an answer."""


def connect(url: str, *, pool_size: int = POOL_SIZE, timeout: float = TIMEOUT_S) -> Any:
    """A ``redis.asyncio.Redis`` on ``url`` with a bounded, blocking connection pool."""
    import redis.asyncio as redis

    pool = redis.BlockingConnectionPool.from_url(
        url, max_connections=pool_size, timeout=timeout, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    return redis.Redis(connection_pool=pool)
