"""The server as a process: graceful shutdown on SIGTERM, PostgreSQL by configuration, the CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import CloseCode
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from cybercollege.server.persistence import Store
from tests.server.conftest import make_settings
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.waits import until

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_process(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cybercollege.server",
            "serve",
            "--demo",
            "true",
            "--port",
            str(port),
            "--secret",
            "s" * 40,
            "--database-url",
            f"sqlite+aiosqlite:///{tmp_path}/life.db",
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(600):  # a hang detector (60 s): a loaded machine takes a while to import and start
            if proc.poll() is not None:
                break  # it stopped: say why below
            try:
                async with http.get(f"{base}/health") as r:
                    if r.status == 200:
                        return proc, base
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not start: {proc.stdout.read().decode() if proc.stdout else ''}")


async def test_sigterm_tells_clients_and_saves_state(tmp_path: Path) -> None:
    proc, base = await start_process(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            lea = WorldConnection(http, base, await fetch_demo_token(http, base, "lea.martin"))
            await lea.connect()
            await lea.wait_for(lambda m: m.members)
            x, y, _ = lea.mirror.position
            await lea.move(x + 0.4, y)
            await lea.say("dernier message avant l'arrêt")
            await lea.wait_for(lambda m: m.chat)
            proc.send_signal(signal.SIGTERM)
            await lea.wait_for(lambda m: m.closing is not None, timeout=5)
            assert lea.mirror.closing is not None and lea.mirror.closing.retry_ms > 0
            await until(lambda: lea.closed, "the connection closed")
            assert lea.close_code == CloseCode.GOING_AWAY
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    output = proc.stdout.read().decode() if proc.stdout else ""
    assert "Traceback" not in output
    async with Store(f"sqlite+aiosqlite:///{tmp_path}/life.db") as store:
        place = await store.load_place("demo:lea.martin")
        chat = await store.recent_chat("hall")
    assert place is not None and abs(place.x - (x + 0.4)) < 0.01
    assert [c.text for c in chat] == ["dernier message avant l'arrêt"]


async def test_bad_configuration_is_refused_clearly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cybercollege.server", "serve", "--production", "true", "--demo", "true", "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "demo mode is refused in production" in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "cybercollege.server", "serve", "--tick-hz", "fast"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "tick_hz" in result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "world.toml").write_text('[world]\nid = "x"\n')
    result = subprocess.run(
        [sys.executable, "-m", "cybercollege.server", "serve", "--world", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "world.toml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.postgres
async def test_postgresql_by_configuration(tmp_path: Path) -> None:
    async with fresh_pg_database() as database:
        srv = TestServer(build(make_settings(tmp_path, database_url=database.url)), host="127.0.0.1")
        await srv.start_server()
        base = str(srv.make_url("")).rstrip("/")
        try:
            async with aiohttp.ClientSession() as http:
                lea = WorldConnection(http, base, await fetch_demo_token(http, base, "lea.martin"))
                await lea.connect()
                await lea.say("bonjour PostgreSQL")
                await lea.wait_for(lambda m: m.chat)
                await lea.close()
            services = srv.app[SERVICES]
            await services.writer.flush()
            assert [c.text for c in await services.store.recent_chat("hall")] == ["bonjour PostgreSQL"]
            events = [e.event for e in await services.store.audit_log("demo:lea.martin")]
            assert [e for e in events if e in ("join", "leave")] == ["join", "leave"]
        finally:
            await srv.close()


def test_world_check_command() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "cybercollege.server", "world", "check", str(ROOT / "worlds" / "college")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0 and "OK" in ok.stdout


async def test_bot_command_walks_bots(tmp_path: Path) -> None:
    proc, base = await start_process(tmp_path, "--log-level", "WARNING")
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "benchmarks.bot", "--count", "5", "--duration", "4", "--url", base],
            cwd=ROOT,
            env=os.environ | {"LANG": "en_GB.UTF-8", "LANGUAGE": ""},  # its lines in English (French by default)
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "[bots] done (time is up)" in result.stdout and ": 5 bots," in result.stdout
        async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as r:
            text = await r.text()
        moves = next(float(x.split()[1]) for x in text.splitlines() if x.startswith("cybercollege_messages_in_total"))
        assert moves > 5 * 4 * 10  # at least 10 moves a second each
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
