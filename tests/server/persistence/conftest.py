"""Database fixtures: every test that takes ``db_url`` runs on SQLite and on PostgreSQL.

Each PostgreSQL test gets its own database (created and dropped here). PostgreSQL must run on
127.0.0.1:5432 (user postgres, trust auth, database ``test``): if it does not, those tests FAIL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
import pytest

from cybercollege.server.persistence import Store

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


async def pg_admin() -> asyncpg.Connection:
    """A connection to the maintenance database, or a loud failure."""
    try:
        return await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    pytest.fail(
        f"PostgreSQL is not reachable at {PG_ADMIN_DSN} ({problem}). "
        "Start it (trust auth for user postgres, database 'test'); PostgreSQL tests never skip.",
        pytrace=False,
    )


async def create_database(name: str) -> None:
    admin = await pg_admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(name: str) -> None:
    admin = await pg_admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class PgDatabase:
    """A uniquely named PostgreSQL database of this test, which the test may drop and create again."""

    name: str = field(default_factory=lambda: f"cc_persistence_{uuid.uuid4().hex[:12]}")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{self.name}"

    async def create(self) -> None:
        await create_database(self.name)

    async def drop(self) -> None:
        await drop_database(self.name)


@asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[PgDatabase]:
    database = PgDatabase()
    await database.create()
    try:
        yield database
    finally:
        await database.drop()


@pytest.fixture
async def pg_database() -> AsyncIterator[PgDatabase]:
    """A fresh PostgreSQL database, dropped after the test (mark the test ``postgres``)."""
    async with fresh_pg_database() as database:
        yield database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[str]:
    """An empty database URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/cybercollege.db"
    else:
        async with fresh_pg_database() as database:
            yield database.url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    """A started store on an empty, migrated database."""
    async with Store(db_url) as started:
        yield started
