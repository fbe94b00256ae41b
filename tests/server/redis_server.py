"""A redis-server of a test's own, on a free port, that the test kills (SIGKILL) and starts again."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import redis.asyncio as redis

from tests.server.waits import HANG


class PrivateRedis:
    """``redis-server`` without persistence in ``directory``: ``start``, ``kill``, ``start`` again on its port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.from_url(self.url)
        try:
            await until_async(client.ping, "the test's redis-server answers")
        finally:
            await client.aclose()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


async def until_async(probe: Callable[[], Awaitable[object]], what: str) -> None:
    """Wait until ``probe()`` succeeds (a hang detector only)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + HANG
    while True:
        try:
            await probe()
            return
        except (OSError, redis.ConnectionError):
            if loop.time() > deadline:
                raise AssertionError(f"hung: {what}") from None
            await asyncio.sleep(0.05)


@asynccontextmanager
async def private_redis(directory: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(directory)
    await server.start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.kill()
