"""Database URLs: two supported backends, clear errors, the SQLite directory created."""

import pytest

from cybercollege.server.persistence import DEFAULT_URL, Store
from cybercollege.server.persistence.engine import resolve_url


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///var/x.db", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_the_async_driver_is_chosen(given, driver, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_url(given).drivername == driver


@pytest.mark.parametrize(
    "url", ["mysql+aiomysql://root:hunter2@db/x", "postgresql+psycopg2://u:hunter2@h/db"]
)
def test_unsupported_backends_are_refused_without_echoing_the_password(url):
    with pytest.raises(ValueError, match="unsupported database") as caught:
        Store(url)
    assert "hunter2" not in str(caught.value)


def test_a_malformed_url_is_refused():
    with pytest.raises(ValueError, match="invalid database URL: expected sqlite"):
        Store("not a url")


def test_the_default_database_lives_under_var_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert DEFAULT_URL == "sqlite+aiosqlite:///var/cybercollege.db"
    Store()  # does not touch the disk yet
    assert not (tmp_path / "var").exists()
    resolve_url(DEFAULT_URL)
    assert (tmp_path / "var").is_dir()


def test_repr_hides_the_password():
    assert "hunter2" not in repr(Store("postgresql+asyncpg://cc:hunter2@db.example/cc"))


async def test_using_a_store_before_start_says_so(tmp_path):
    store = Store(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    with pytest.raises(RuntimeError, match=r"await store\.start\(\) first"):
        await store.load_place("demo:lea.martin")


def test_libpq_sslmode_becomes_asyncpg_ssl():
    url = resolve_url("postgresql://u@db.example/cc?sslmode=require")
    assert dict(url.query) == {"ssl": "require"}
