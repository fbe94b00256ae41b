"""A PDF bomb uploaded by a teacher: she gets a clear French error, the world never notices (issue 12).

The bomb is the reviewer's: a 3 MB PDF whose one page has three content streams that each inflate to 1 GiB of
zeros. Rendered inside the world's process it aborted the server (every pupil disconnected with 1006); in the
sandbox the worker converting it dies at its memory limit and is replaced.
"""

from __future__ import annotations

import asyncio
import json
import zlib

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.classroom import PageBackground
from cybercollege.server.classroom import export as export_module
from cybercollege.server.classroom.feature import Classrooms
from cybercollege.server.edge.services import Services
from tests.server.classroom.conftest import RED, export, pdf, seen, upload
from tests.server.waits import answered, until
from tests.server.whiteboard.conftest import BOARD


def pdf_bomb(inflated_mib: int = 1024, streams: int = 3) -> bytes:
    """One page whose ``streams`` content streams each inflate (FlateDecode) to ``inflated_mib`` MiB of zeros."""
    z = zlib.compressobj(9)
    mib = bytes(1 << 20)
    deflated = b"".join(z.compress(mib) for _ in range(inflated_mib)) + z.flush()
    contents = b" ".join(b"%d 0 R" % (4 + i) for i in range(streams))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [" + contents + b"] >>",
        *[b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(deflated) + deflated + b"\nendstream"] * streams,
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


async def test_a_pdf_bomb_gets_a_clear_error_and_the_pupils_never_notice(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession, services: Services
) -> None:
    _prof, lea, _hugo = lesson
    sandbox = services.world.features.get(Classrooms).sandbox
    bomb = pdf_bomb()
    assert len(bomb) < 4 * 1024 * 1024  # small on the wire: 3 GiB once inflated
    job = asyncio.create_task(upload(http, server, bomb))
    await until(lambda: sandbox.running == 1 or job.done(), "the bomb in a sandbox worker")
    world = services.world
    tick, pongs = world.tick_no, 0
    while not job.done():  # Léa keeps playing while the bomb is converted: a PING a tick (no flood)
        await answered(lea)
        pongs += 1
        await until(lambda after=world.tick_no: world.tick_no > after, "the next tick")
    status, body = await job
    assert (status, body["error"]) == (422, "too_much_memory")
    assert body["message"].startswith("Ce PDF demande trop de mémoire pour être converti (plus de 1024 Mo)")
    assert pongs >= 1 and world.tick_no > tick  # answered and ticking while the job ran
    assert sandbox.replaced == 1  # the worker died at its limit, not the server
    await answered(lea)
    assert not lea.closed and lea.close_code is None  # never disconnected
    status, body = await upload(http, server, pdf(RED), query="?page=0")  # the next teacher's slides work
    assert status == 201
    await lea.wait_for(lambda m: seen(lea).of(PageBackground) and m.boards[BOARD].pages == 1)


async def test_a_page_larger_than_the_pdf_format_allows_is_refused_before_it_is_drawn(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    huge = pdf_bomb(inflated_mib=1, streams=1).replace(b"/MediaBox [0 0 595 842]", b"/MediaBox [0 0 99999 842]")
    status, body = await upload(http, server, huge)
    assert (status, body["error"]) == (413, "page_too_large") and "508 cm" in body["message"]


async def test_an_export_past_its_items_or_pixels_is_refused_before_drawing(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession, services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    prof, _lea, _hugo = lesson
    sandbox = services.world.features.get(Classrooms).sandbox
    for y in (1000, 2000):
        cid = await prof.draw(BOARD, [1000, y, 9000, y], colour=0xFF0000, width=50)
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    monkeypatch.setattr(export_module, "MAX_ITEMS", 1)
    status, body = await export(http, server, "pdf")
    assert status == 413 and json.loads(body)["error"] == "too_many_items"
    monkeypatch.setattr(export_module, "MAX_ITEMS", 2)
    monkeypatch.setattr(export_module, "MAX_PIXELS", 4000 * 1000)
    status, body = await export(http, server, "png", query="?width=4000")
    assert status == 413 and json.loads(body)["error"] == "too_many_pixels"
    assert sandbox.running == 0 and sandbox.replaced == 0  # refused without a job
    status, png = await export(http, server, "png", query="?width=1000")
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"  # within the limits: drawn in the sandbox
