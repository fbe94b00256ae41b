"""Alembic migrations shipped in the package, run at start-up on the server's async engine.

By hand: ``python -m cybercollege.server.persistence [URL]`` (see ``__main__``) or the ``alembic`` command with
the shipped ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
_PG_LOCK = 0x43594243  # "CYBC": one migrating server at a time on a shared PostgreSQL


def alembic_config() -> Config:
    """An ini-less Alembic config (the app's logging set-up is left alone)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection, config: Config, college: str | None = None) -> None:
    current = MigrationContext.configure(connection).get_current_revision()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if current is not None and current not in known:
        raise RuntimeError(
            f"the database is at schema revision {current!r}, unknown to this version of the server "
            f"(newest known: {head_revision()!r}): run a newer server or restore a matching backup"
        )
    config.attributes["connection"] = connection
    config.attributes["college"] = college  # whose are the rows made before collèges (0007)
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine, college: str | None = None) -> None:
    """Bring the database to the newest revision, in one transaction (a no-op when already there); rows made before
    collèges (migration 0007) become ``college``'s."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        await connection.run_sync(_upgrade, alembic_config(), college)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    async with engine.connect() as connection:
        return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
