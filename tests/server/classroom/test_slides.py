"""Slides: uploaded as PDF or images, rendered on the server, shown live as page backgrounds, served by hash."""

from __future__ import annotations

import io

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image

from cybercollege.client.network import WorldConnection
from cybercollege.protocol.classroom import PageBackground
from cybercollege.protocol.whiteboard import PageShown
from cybercollege.server.classroom import slides
from tests.server.classroom.conftest import BLUE, GREEN, RED, enter, image, near, pdf, png_pixel, seen, upload
from tests.server.test_invitation import bearer
from tests.server.whiteboard.conftest import BOARD, stroke


async def test_a_pdf_becomes_board_pages_with_its_pages_behind(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    _prof, lea, _hugo = lesson
    status, body = await upload(http, server, pdf(RED, BLUE))
    assert status == 201 and [p["page"] for p in body["pages"]] == [0, 1]
    assert body["pages"][0]["width"] == slides.MAX_SIDE and body["pages"][0]["height"] == 1440  # 4:3 page
    await lea.wait_for(lambda m: len(seen(lea).of(PageBackground)) == 2 and m.boards[BOARD].pages == 2)
    red, blue = seen(lea).of(PageBackground)
    assert (red.page, red.sha256, blue.page) == (0, body["pages"][0]["sha256"], 1)
    async with http.get(server.make_url(f"/slides/{red.sha256}")) as r:
        assert r.status == 200 and r.content_type == "image/png"
        assert "immutable" in r.headers["Cache-Control"] and r.headers["ETag"] == f'"{red.sha256}"'
        assert near(png_pixel(await r.read(), 0.5, 0.5), RED)
    async with http.get(server.make_url(f"/slides/{red.sha256}"), headers={"If-None-Match": f'"{red.sha256}"'}) as r:
        assert r.status == 304
    async with http.get(server.make_url(f"/slides/{'0' * 64}")) as r:
        assert r.status == 404


async def test_images_in_a_multipart_upload_are_added_after_the_lesson_so_far(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof, lea, _hugo = lesson
    cid = await prof.draw(BOARD, stroke())
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    form = aiohttp.FormData()
    form.add_field("file", image(GREEN), filename="schema.png", content_type="image/png")
    form.add_field("file", image(BLUE, "JPEG", (4000, 1000)), filename="photo.jpg", content_type="image/jpeg")
    status, body = await upload(http, server, form)
    assert status == 201 and [p["page"] for p in body["pages"]] == [1, 2]  # page 0 has the teacher's drawing
    assert (body["pages"][1]["width"], body["pages"][1]["height"]) == (1920, 480)  # resized, aspect kept
    await lea.wait_for(lambda m: m.boards[BOARD].pages == 3 and len(seen(lea).of(PageBackground)) == 2)
    assert len(lea.mirror.boards[BOARD].items) == 1  # the drawing is still there, on page 0
    await lea.wait_for(lambda m: m.boards[BOARD].page == 1)  # the board switched to the first new slide
    await prof.wait_for(lambda m: m.boards[BOARD].page == 1)


async def test_slides_survive_in_the_board_state_sent_to_a_newcomer(
    connect, services, server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof = await enter(await connect("mme.durand"), services)
    status, body = await upload(http, server, pdf(RED), query="?page=0")
    assert status == 201
    lea = await enter(await connect("lea.martin"), services)  # arrives after the upload
    await lea.wait_for(lambda m: seen(lea).of(PageBackground))
    assert seen(lea).of(PageBackground)[0].sha256 == body["pages"][0]["sha256"]
    assert prof.mirror.boards[BOARD].pages == 1


async def test_bad_uploads_get_a_clear_error(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    _prof, lea, _hugo = lesson
    cases = {
        b"%PDF-1.7 this is not really a PDF": (400, "pdf_unreadable"),
        b"Bonjour, ceci est un texte.": (415, "unsupported_file"),
        b"": (400, "no_file"),
        pdf(*[RED] * (slides.MAX_SLIDES + 1), size=(20, 20)): (413, "too_many_pages"),
        _image_bomb(): (413, "image_too_large"),
        b"\x89PNG\r\n\x1a\n" + image(RED)[8:200]: (400, "image_unreadable"),  # truncated
    }
    for data, (status, code) in cases.items():
        got = await upload(http, server, data)
        assert got[0] == status and got[1]["error"] == code, (data[:20], got)
        assert got[1]["message"]
    big = b"%PDF-" + b"0" * slides.MAX_UPLOAD_BYTES
    assert (await upload(http, server, big))[1]["error"] == "upload_too_large"
    assert (await upload(http, server, pdf(RED), query="?page=7"))[1]["error"] == "bad_page"
    assert not seen(lea).of(PageBackground) and not any(m.pages > 1 for m in seen(lea).of(PageShown))


def _image_bomb() -> bytes:
    """A 60 KB PNG of 10,000 x 5,000 pixels (150 MB once decoded in colour)."""
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    return out.getvalue()


async def test_the_teacher_removes_a_slide_and_keeps_the_drawings(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof, lea, _hugo = lesson
    assert (await upload(http, server, pdf(RED)))[0] == 201
    cid = await prof.draw(BOARD, stroke())
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    url = server.make_url(f"/api/boards/{BOARD}/slides/0")
    async with http.delete(url, headers=await bearer(http, server, "lea.martin")) as r:
        assert r.status == 403
    async with http.delete(url, headers=await bearer(http, server, "mme.durand")) as r:
        assert r.status == 204
    await lea.wait_for(lambda m: seen(lea).of(PageBackground)[-1].sha256 == "")
    assert len(lea.mirror.boards[BOARD].items) == 1
    async with http.delete(url, headers=await bearer(http, server, "mme.durand")) as r:
        assert r.status == 404 and (await r.json())["error"] == "no_slide"


async def test_a_pdf_longer_than_the_board_has_room_for_is_refused_before_any_page_is_drawn(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession, monkeypatch
) -> None:
    """The page limits are checked first: a long PDF costs the server nothing to refuse (issue 12)."""
    import pypdfium2

    drawn: list[int] = []
    real = pypdfium2.PdfPage.render
    monkeypatch.setattr(pypdfium2.PdfPage, "render", lambda page, *a, **k: drawn.append(1) or real(page, *a, **k))
    long_pdf = pdf(*[RED] * (slides.MAX_SLIDES + 1), size=(20, 20))
    status, body = await upload(http, server, long_pdf)
    assert (status, body["error"]) == (413, "too_many_pages")
    status, body = await upload(http, server, pdf(RED, GREEN), query="?page=0")
    assert status == 201
    # the route renders in a sandbox worker (another process): what render() draws is watched here, in this one
    with pytest.raises(slides.SlideError, match="pages"):
        slides.render(long_pdf)
    assert drawn == []
    assert len(slides.render(pdf(RED, GREEN))) == 2 and len(drawn) == 2  # within the limits, the pages are drawn
