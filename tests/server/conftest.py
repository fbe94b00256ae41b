"""A real world server on a free loopback port, and real WebSocket clients for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES, Services

Connect = Callable[..., Awaitable[WorldConnection]]


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "port": 0,
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/test.db",
        "resume_grace": 3.0,
        "flush_interval": 0.2,
        "secret": "s" * 40,
        "demo": True,  # the tests' people are the demo directory's
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def another_college(directory: Path, college_id: str, schools: tuple[str, ...] | None = None) -> Path:
    """The default world under another id (a second collège), for several processes on one broker: two processes
    of the same collège would make the second a standby (server/cluster/lock.py). ``schools``: its UAIs (by default
    the demo directory's, as the default world's)."""
    from cybercollege.worlds import default_world_path

    directory.mkdir(parents=True, exist_ok=True)
    for source in default_world_path().glob("*.toml"):
        text = source.read_text(encoding="utf-8")
        if source.name == "world.toml":
            text = text.replace('id = "college-jean-moulin"', f'id = "{college_id}"', 1)
            if schools is not None:
                text = text.replace('schools = ["0699990Z"]', f"schools = {list(schools)!r}".replace("'", '"'), 1)
        (directory / source.name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(build(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
def services(server: TestServer) -> Services:
    return server.app[SERVICES]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def connect(server: TestServer, http: aiohttp.ClientSession) -> AsyncIterator[Connect]:
    """``await connect("lea.martin")``: a logged-in client whose first frame has arrived."""
    opened: list[WorldConnection] = []
    base = str(server.make_url("")).rstrip("/")

    async def _connect(login: str, resume: str | None = None, token: str | None = None) -> WorldConnection:
        token = token or await fetch_demo_token(http, base, login)
        conn = WorldConnection(http, base, token)
        await conn.connect(resume=resume)
        await conn.wait_for(lambda m: m.tick > 0 and m.members)
        opened.append(conn)
        return conn

    yield _connect
    for conn in opened:
        if not conn.closed:
            await conn.close()
