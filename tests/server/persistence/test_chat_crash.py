"""kill -9 mid-lesson, ten times: every chat line any client was shown is in the database afterwards.

A real server process, a teacher and two pupils saying lines (and the teacher whispering) continuously;
once each client has been shown a few lines the process is killed (SIGKILL) and started again on the same
database, ten times. Then the chat table must hold every line any client received, in the order they saw
them (a room's lines; whispers have their own way). On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol.messages import Chat
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.schema import chat
from tests.server.persistence.conftest import fresh_pg_database
from tests.server.test_lifecycle import start_process
from tests.server.waits import HANG, until

KILLS = 10
SHOWN_BEFORE_KILL = 4
"""Lines each client has been shown in a round before the kill (more are being said meanwhile)."""
TEACHER, PUPILS = "mme.durand", ("lea.martin", "hugo.moreau")
FAST_CHAT = ("--chat-rate", "100", "--chat-burst", "100")  # continuous chat: no rate limit in the way


async def join(http: aiohttp.ClientSession, base: str, login: str) -> WorldConnection:
    conn = WorldConnection(http, base, await fetch_demo_token(http, base, login))
    await conn.connect()
    await conn.wait_for(lambda m: m.tick > 0 and m.members, HANG)
    return conn


async def talk(conn: WorldConnection, login: str, kill: int, said: list[str], whisper_to: int | None) -> None:
    """Say lines (every third one a whisper, if ``whisper_to``) until the connection dies."""
    for i in range(10_000):
        if conn.closed:
            return
        text = f"k{kill} {login} {i}"
        said.append(text)  # before sending: a line the server got may be shown even if the send then fails
        try:
            if whisper_to is not None and i % 3 == 2:
                await conn.whisper(whisper_to, text)
            else:
                await conn.say(text)
        except Exception:
            return  # the server is gone
        await asyncio.sleep(0.02)


async def one_lesson(proc: subprocess.Popen[bytes], base: str, kill: int, said: list[str]) -> list[list[Chat]]:
    """Everyone talks; kill -9 once each client has been shown a few lines; what each client was shown."""
    async with aiohttp.ClientSession() as http:
        conns = {login: await join(http, base, login) for login in (TEACHER, *PUPILS)}
        lea = conns[PUPILS[0]].mirror.me
        talkers = [
            asyncio.create_task(talk(conn, login, kill, said, lea if login == TEACHER else None))
            for login, conn in conns.items()
        ]
        await until(
            lambda: all(len(c.mirror.chat) >= SHOWN_BEFORE_KILL for c in conns.values()),
            f"every client shown {SHOWN_BEFORE_KILL} lines",
        )
        proc.kill()  # SIGKILL, mid-conversation
        await asyncio.to_thread(proc.wait, HANG)
        for conn in conns.values():
            await asyncio.wait_for(conn.wait_closed(), HANG)
        await asyncio.wait_for(asyncio.gather(*talkers), HANG)
        return [list(c.mirror.chat) for c in conns.values()]


async def kill_nine_times_ten(tmp_path: Path, *database: str) -> None:
    said: list[str] = []
    shown: list[list[Chat]] = []  # per client and lesson, in the order received
    for kill in range(KILLS):
        proc, base = await start_process(tmp_path, *FAST_CHAT, *database)  # restarted on the same database
        try:
            shown += await one_lesson(proc, base, kill, said)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(HANG)
            if proc.stdout is not None:
                proc.stdout.close()

    url = database[-1] if database else f"sqlite+aiosqlite:///{tmp_path}/life.db"
    async with Store(url) as store, store.engine.connect() as connection:
        stored = [row.text for row in await connection.execute(select(chat.c.text).order_by(chat.c.id))]
    received = {line.text for lines in shown for line in lines}
    lost = sorted(received - set(stored))
    assert not lost, f"{len(lost)} of {len(received)} lines shown to a client are not in the database: {lost[:5]}"
    assert len(received) >= KILLS * SHOWN_BEFORE_KILL
    assert set(stored) <= set(said)
    assert len(set(said)) > len(received), "the kills should have come while lines were still being said"
    position = {text: i for i, text in enumerate(stored)}
    for lines in shown:  # each client was shown a room's lines in the order they are stored (said)
        order = [position[line.text] for line in lines if not line.private]
        assert order == sorted(order)


@pytest.mark.slow
async def test_kill_9_ten_times_loses_no_shown_chat_line_on_sqlite(tmp_path: Path) -> None:
    await kill_nine_times_ten(tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
async def test_kill_9_ten_times_loses_no_shown_chat_line_on_postgresql(tmp_path: Path) -> None:
    async with fresh_pg_database() as database:
        await kill_nine_times_ten(tmp_path, "--database-url", database.url)
