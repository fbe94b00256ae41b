"""Page backgrounds are board operations: replayed, snapshotted, and still there after a restart."""

from __future__ import annotations

import aiohttp
from aiohttp.test_utils import TestServer

from cybercollege.protocol.classroom import PageBackground
from cybercollege.server.classroom.whiteboard.board import BACKGROUND, ITEM, Board, Op
from cybercollege.server.config import Settings
from cybercollege.server.edge import app as server_app
from cybercollege.server.edge.services import SERVICES
from tests.server.classroom.conftest import RED, Seen, near, pdf, png_pixel, upload
from tests.server.whiteboard.conftest import BOARD, seat
from tests.server.whiteboard.test_durability import login

SLIDE = ("ab" * 32, 1920, 1440)


def test_a_background_adds_its_page_and_survives_a_snapshot() -> None:
    board = Board(BOARD, 3333)
    change = board.apply(Op(1, "prof", BACKGROUND, [2, *SLIDE]))
    assert change.background == 2 and board.pages == 3 and board.page == 0
    board.apply(Op(2, "prof", ITEM, [2, 0, 0, 0xFF0000, 30, [1, 1], ""]))
    copy = Board(BOARD, 3333)
    copy.restore(board.snapshot())
    assert copy.backgrounds == {2: SLIDE} and copy.pages == 3
    copy.apply(Op(3, "prof", BACKGROUND, [2, "", 0, 0]))  # removed
    assert copy.backgrounds == {}


async def test_slides_are_still_there_after_a_restart(settings: Settings) -> None:
    async with aiohttp.ClientSession() as http:
        srv = TestServer(server_app.build(settings), host="127.0.0.1")
        await srv.start_server()
        status, body = await upload(http, srv, pdf(RED))
        assert status == 201
        await srv.close()

        srv = TestServer(server_app.build(settings), host="127.0.0.1")
        await srv.start_server()
        prof = await login(http, str(srv.make_url("")).rstrip("/"), "mme.durand")
        watch = Seen(prof)
        if prof.mirror.room != "salle-103":
            await seat(prof, srv.app[SERVICES])
        await prof.wait_for(lambda m: watch.of(PageBackground))
        sha = watch.of(PageBackground)[0].sha256
        assert sha == body["pages"][0]["sha256"]
        async with http.get(srv.make_url(f"/slides/{sha}")) as r:
            assert near(png_pixel(await r.read(), 0.5, 0.5), RED)
        await prof.close()
        await srv.close()
