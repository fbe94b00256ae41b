"""The ``cybercollege`` command: ``--help`` of every subcommand prints its usage (a ``%`` in a help text once crashed
``serve --help``); ``ent try`` says what to do; ``user export|forget`` run as an administrator would, in a process,
on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cybercollege.server.edge import cli
from cybercollege.server.persistence import AuditEvent, ChatRecord, Place, Store
from tests.server.persistence.conftest import fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]


def subcommands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path of ``parser`` (``("ent", "check")``...), found in the parser itself."""
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += subcommands(child, (*prefix, name))
    return found


COMMANDS = subcommands(cli.build_parser()) + [(name,) for name in cli.PASS_THROUGH]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cybercollege")
def test_help_of_every_subcommand(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(("utilisation :", "usage:")) and "Traceback" not in out  # languages: test_cli_language


def test_the_readme_run_command_passes_help_through():
    done = subprocess.run([sys.executable, "dev.py", "run", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--ent-config" in done.stdout and "--public-url" in done.stdout


def test_ent_try_without_a_server_says_what_to_do(capsys):
    assert cli.main(["ent", "try", "monent", "--url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "no Cybercollège server answers at http://127.0.0.1:9: start it first" in err and "Traceback" not in err


def test_ent_try_without_the_clients_login_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "cybercollege.client.login", None)  # as if it were not installed
    assert cli.main(["ent", "try", "monent"]) == 2
    err = capsys.readouterr().err
    assert "the client's login is not installed" in err and "pip install 'cybercollege[client]'" in err


# --- cybercollege user export | forget --------------------------------------------------------------------------

LEA, TOM = "demo:lea.martin", "demo:tom.petit"
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SCRIPT = Path(sys.executable).parent / "cybercollege"


def cybercollege(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``cybercollege`` command, in its own process."""
    command = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "cybercollege.server.edge.cli"]
    return subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a server's database where Léa and Tom have places, chat lines and audit events."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/cybercollege.db"
        await _fill(url)
        yield url
    else:
        async with fresh_pg_database() as pg:
            await _fill(pg.url)
            yield pg.url


async def _fill(url: str) -> None:
    async with Store(url) as store:
        await store.save_places([Place(LEA, "cdi", 3, 4, 0), Place(TOM, "hall", 1, 1, 0)])
        await store.add_chat([ChatRecord("hall", LEA, None, "bonjour", T0)])
        await store.add_chat([ChatRecord(None, TOM, LEA, "salut Léa", T0)])
        await store.add_chat([ChatRecord("hall", TOM, None, "coucou", T0)])
        await store.audit([AuditEvent("login", LEA, at=T0), AuditEvent("login", TOM, at=T0)])


async def test_user_export_prints_what_the_database_holds_about_them(database):
    done = cybercollege("user", "export", LEA, "--database-url", database)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)["data"]
    assert data["database"]["place"]["room_id"] == "cdi"
    assert [line["text"] for line in data["database"]["chat"]] == ["bonjour", "salut Léa"]
    assert [(e["event"], e["at"]) for e in data["database"]["audit"]] == [("login", "2026-11-02T08:00:00+00:00")]
    assert {"attendance", "lesson_attendance", "recordings"} <= set(data)  # every holder, as the portal's export


async def test_user_forget_erases_them_audits_it_and_leaves_the_others(database):
    done = cybercollege("user", "forget", LEA, "--database-url", database)
    assert done.returncode == 0, done.stderr
    assert f"{LEA} forgotten: places=1, chat=2, audit=1, " in done.stdout
    data = json.loads(cybercollege("user", "export", LEA, "--database-url", database).stdout)["data"]["database"]
    assert (data["place"], data["chat"]) == (None, [])
    (erasure,) = data["audit"]
    assert erasure["event"] == "user_forgotten" and erasure["detail"].startswith("places=1 chat=2 audit=1 ")
    assert " by=cli:" in erasure["detail"]
    tom = json.loads(cybercollege("user", "export", TOM, "--database-url", database).stdout)["data"]["database"]
    assert tom["place"]["room_id"] == "hall" and [line["text"] for line in tom["chat"]] == ["coucou"]


def test_user_forget_on_a_missing_database_file_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere" / "cybercollege.db"
    done = cybercollege("user", "forget", LEA, "--database-url", f"sqlite+aiosqlite:///{missing}")
    assert done.returncode == 2
    assert f"no database file at {missing}" in done.stderr and "Traceback" not in done.stderr
    assert not missing.parent.exists()
