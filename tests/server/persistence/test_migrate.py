"""Migrations: shipped in the package, run at start-up, idempotent, and equal to the declared schema."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from cybercollege.server.persistence import Place, Store
from cybercollege.server.persistence.migrate import ALEMBIC_INI, current_revision, head_revision
from cybercollege.server.persistence.schema import metadata

BIN = Path(sys.executable).parent


HEAD = "0008"
"""The newest migration: update it with each new migration file."""


async def tables(store: Store) -> set[str]:
    async with store.engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_start_migrates_an_empty_database_to_head(db_url):
    async with Store(db_url) as store:
        assert await current_revision(store.engine) == head_revision() == HEAD
        assert await tables(store) == {"alembic_version", *metadata.tables}


async def test_the_migrated_schema_is_the_declared_schema(store):
    async with store.engine.connect() as connection:
        diffs = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diffs == []


async def test_running_migrations_again_is_a_no_op(db_url):
    place = Place("demo:lea.martin", "hall", 1.0, 2.0, 90.0)
    async with Store(db_url) as store:
        await store.save_places([place])
    async with Store(db_url) as store:  # a restart migrates again
        await store.start()  # and so does a second start() on a running store
        assert await current_revision(store.engine) == head_revision()
        assert await store.load_place(place.user_id) == place


def run(*args: str, cwd: Path, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CYBERCOLLEGE_DATABASE_URL"}
    if url:
        env["CYBERCOLLEGE_DATABASE_URL"] = url
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_alembic_command_with_the_shipped_ini(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/by-hand.db"
    alembic = (str(BIN / "alembic"), "-c", str(ALEMBIC_INI))
    done = run(*alembic, "-x", f"url={url}", "upgrade", "head", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Running upgrade  -> 0001" in done.stderr and f"-> {HEAD}" in done.stderr
    current = run(*alembic, "current", cwd=tmp_path, url=url)
    assert current.returncode == 0, current.stderr
    assert f"{HEAD} (head)" in current.stdout


def test_alembic_offline_mode_prints_the_postgresql_sql(tmp_path):
    done = run(
        str(BIN / "alembic"), "-c", str(ALEMBIC_INI), "upgrade", "head", "--sql",
        cwd=tmp_path, url="postgresql+asyncpg://cc@db.example/cc",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "CREATE TABLE chat" in done.stdout
    assert "BIGSERIAL" in done.stdout


def test_python_module_migrates_the_default_database_in_the_working_directory(tmp_path):
    done = run(sys.executable, "-m", "cybercollege.server.persistence", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"database at revision {HEAD}"
    assert (tmp_path / "var" / "cybercollege.db").is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@db/x", "error: unsupported database 'mysql'"),
        ("postgresql+asyncpg://postgres@127.0.0.1:1/none", "error: cannot migrate the database"),
    ],
)
def test_python_module_reports_bad_urls_without_a_traceback(tmp_path, url, message):
    done = run(sys.executable, "-m", "cybercollege.server.persistence", url, cwd=tmp_path)
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.postgres
async def test_servers_starting_together_on_postgresql_migrate_once(pg_database):
    stores = [Store(pg_database.url) for _ in range(3)]
    await asyncio.gather(*(store.start() for store in stores))
    for store in stores:
        assert await current_revision(store.engine) == head_revision()
        await store.close()


async def test_a_database_from_a_newer_server_is_refused_clearly(db_url):
    async with Store(db_url) as store, store.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(RuntimeError, match="schema revision '0099', unknown to this version of the server"):
        await Store(db_url).start()
