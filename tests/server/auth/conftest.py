"""Fixtures of the token tests: a database URL per backend, and world servers that can be restarted on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.edge.app import build
from tests.server.conftest import make_settings
from tests.server.persistence.conftest import fresh_pg_database

Start = Callable[..., Awaitable[TestServer]]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database, once per backend (PostgreSQL on 127.0.0.1:5432 fails loudly if absent)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/tokens.db"
    else:
        async with fresh_pg_database() as database:
            yield database.url


@pytest.fixture
async def start(tmp_path: Path, db_url: str) -> AsyncIterator[Start]:
    """``await start()``: a world server on ``db_url`` with the same secret each time (a restart is
    ``await server.close()`` then ``await start()``)."""
    running: list[TestServer] = []

    async def _start(**overrides: object) -> TestServer:
        settings = make_settings(tmp_path, database_url=db_url, **overrides)
        server = TestServer(build(settings), host="127.0.0.1")
        await server.start_server()
        running.append(server)
        return server

    yield _start
    for server in running:
        await server.close()
