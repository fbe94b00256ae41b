"""Database URLs and engines: SQLite (aiosqlite) by default, PostgreSQL (asyncpg) by configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_URL = "sqlite+aiosqlite:///var/cybercollege.db"
"""The default database: a file under ``var/`` in the working directory."""

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
_PG_TIMEOUTS = {"timeout": 10, "command_timeout": 30}
"""Seconds to connect and to run a statement: an unreachable server fails a flush, never hangs it."""
_EXPECTED = "expected sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host/database"


def resolve_url(url: str | URL, *, create_dirs: bool = True) -> URL:
    """Check ``url`` names a supported backend, pick its async driver, create a SQLite file's directory.

    Raises ValueError (which never repeats the URL, as it may hold a password).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"invalid database URL: {_EXPECTED}") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError(f"unsupported database {parsed.drivername!r}: {_EXPECTED}")
    parsed = parsed.set(drivername=driver)
    if driver.startswith("postgresql") and "sslmode" in parsed.query:  # libpq's name; asyncpg calls it ssl
        mode = parsed.query["sslmode"]
        parsed = parsed.difference_update_query(["sslmode"]).update_query_dict({"ssl": mode})
    database = parsed.database
    if driver.startswith("sqlite") and database and database != ":memory:" and create_dirs:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    return parsed


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for ``url`` that checks pooled connections (the database may restart)."""
    resolved = resolve_url(url)
    connect_args = _PG_TIMEOUTS if resolved.drivername.startswith("postgresql") else {}
    engine = create_async_engine(resolved, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run during a flush; wait for a lock rather than fail at once."""
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
