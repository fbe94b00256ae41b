"""Acknowledged operations survive a restart, a snapshot, and a kill -9 of the server process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection, fetch_demo_token
from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.whiteboard import host as host_module
from cybercollege.server.classroom.whiteboard.storage import BoardStorage
from cybercollege.server.config import Settings
from cybercollege.server.edge import app as server_app
from cybercollege.server.edge.services import SERVICES
from tests.server.test_lifecycle import start_process
from tests.server.whiteboard.conftest import BOARD, board_ready, seat, stroke, walk_into_classroom


async def login(http: aiohttp.ClientSession, base: str, user: str) -> WorldConnection:
    conn = WorldConnection(http, base, await fetch_demo_token(http, base, user))
    await conn.connect()
    await conn.wait_for(lambda m: m.tick > 0 and m.members)
    return conn


async def test_a_restart_brings_back_the_board_from_its_snapshot_and_log(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(host_module, "SNAPSHOT_EVERY", 5)
    async with aiohttp.ClientSession() as http:
        srv = TestServer(server_app.build(settings), host="127.0.0.1")
        await srv.start_server()
        base = str(srv.make_url("")).rstrip("/")
        prof = await login(http, base, "mme.durand")
        await seat(prof, srv.app[SERVICES])
        for i in range(12):
            await prof.draw(BOARD, stroke(10, 300 * i))
            await asyncio.sleep(0.03)
        await prof.send(W.Undo(BOARD, prof.new_cid()))
        await prof.wait_for(lambda m: len(m.boards[BOARD].acks) == 13)
        before = dict(prof.mirror.boards[BOARD].items)
        saved = await BoardStorage(srv.app[SERVICES].store).load(BOARD)
        assert saved.snapshot is not None and [op.seq for op in saved.ops] == [11, 12, 13]
        await prof.close()
        await srv.close()

        srv = TestServer(server_app.build(settings), host="127.0.0.1")
        await srv.start_server()
        base = str(srv.make_url("")).rstrip("/")
        prof = await login(http, base, "mme.durand")
        if prof.mirror.room != "salle-103":
            await seat(prof, srv.app[SERVICES])
        await board_ready(prof)
        assert prof.mirror.boards[BOARD].items == before and len(before) == 11
        assert prof.mirror.boards[BOARD].seq == 13
        await prof.send(W.Redo(BOARD, prof.new_cid()))  # the undo history survived too
        await prof.wait_for(lambda m: len(m.boards[BOARD].items) == 12)
        await prof.close()
        await srv.close()


@pytest.mark.slow
async def test_kill_9_mid_lesson_loses_no_acknowledged_operation(tmp_path: Path) -> None:
    proc, base = await start_process(tmp_path)
    sent: dict[int, list[int]] = {}
    try:
        async with aiohttp.ClientSession() as http:
            prof = await login(http, base, "mme.durand")
            await walk_into_classroom(prof)
            for i in range(20):
                points = stroke(30, 200 * i, 50 * i)
                sent[await prof.draw(BOARD, points)] = points
                await asyncio.sleep(0.03)
            await prof.wait_for(lambda m: len(m.boards[BOARD].acks) == 20)
            for i in range(10):  # still drawing when the server dies
                points = stroke(30, 200 * i, 2000)
                sent[await prof.draw(BOARD, points)] = points
            await prof.send(W.StrokeBegin(BOARD, prof.new_cid(), 0, 0, 0, 30, stroke(10)))  # pen down
            await asyncio.sleep(0.01)
            proc.kill()
            proc.wait(timeout=10)
            await prof.wait_closed()
            acked = dict(prof.mirror.boards[BOARD].acks)
        assert len(acked) >= 20
    finally:
        if proc.poll() is None:
            proc.kill()

    proc, base = await start_process(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            prof = await login(http, base, "mme.durand")
            await walk_into_classroom(prof)
            items = prof.mirror.boards[BOARD].items
            for cid, seq in acked.items():
                assert items[seq].points == sent[cid], f"acknowledged operation {seq} was lost"
            await prof.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)
