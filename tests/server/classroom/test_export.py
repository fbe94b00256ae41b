"""Export to PNG and PDF: what the teacher drew is there, in its colours, over the slide."""

from __future__ import annotations

import aiohttp
import pypdfium2 as pdfium
from aiohttp.test_utils import TestServer

from cybercollege.client.network import WorldConnection
from cybercollege.protocol import whiteboard as W
from tests.server.classroom.conftest import BLUE, GREEN, RED, export, image, near, png_pixel, upload
from tests.server.whiteboard.conftest import BOARD

WHITE = (255, 255, 255)


def line(y: int, x0: int = 1000, x1: int = 9000) -> list[int]:
    return [v for x in range(x0, x1 + 1, 100) for v in (x, y)]


async def test_a_red_stroke_is_red_in_the_png(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof, _lea, _hugo = lesson
    height = prof.mirror.boards[BOARD].height  # 3333 units for a 3 x 1 board
    await prof.draw(BOARD, line(1000), colour=0xFF0000, width=100)
    cid = await prof.draw(BOARD, line(2000), tool=W.Tool.HIGHLIGHTER, colour=0x00A000, width=200)
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    status, png = await export(http, server, "png", query="?width=1000")
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_pixel(png, 0.5, 1000 / height) == RED
    highlighted = png_pixel(png, 0.5, 2000 / height)
    assert highlighted != WHITE and highlighted != GREEN and highlighted[1] > highlighted[0]  # translucent green
    assert png_pixel(png, 0.5, 0.9) == WHITE and png_pixel(png, 0.05, 1000 / height) == WHITE


async def test_strokes_are_drawn_over_the_slide_and_the_eraser_shows_it_again(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof, _lea, _hugo = lesson
    status, _ = await upload(http, server, image(BLUE, size=(300, 100)))  # the board's 3:1 shape: fills it
    assert status == 201
    await prof.draw(BOARD, line(1500), colour=0xFF0000, width=100)
    cid = await prof.draw(BOARD, line(1500, 4000, 6000), tool=W.Tool.ERASER, width=300)
    await prof.wait_for(lambda m: cid in m.boards[BOARD].acks)
    _, png = await export(http, server, "png")
    y = 1500 / prof.mirror.boards[BOARD].height
    assert png_pixel(png, 0.2, y) == RED and near(png_pixel(png, 0.5, y), BLUE) and near(png_pixel(png, 0.5, 0.9), BLUE)


async def test_the_pdf_has_one_page_per_board_page(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    prof, _lea, _hugo = lesson
    await prof.send(W.DrawShape(BOARD, prof.new_cid(), 0, W.Shape.RECTANGLE, 0x0000FF, 80, [1000, 500, 9000, 2800]))
    await prof.send(W.ShowPage(BOARD, prof.new_cid(), 1))
    await prof.send(W.WriteText(BOARD, prof.new_cid(), 1, 0xFF0000, 400, 500, 500, "Théorème de Pythagore"))
    await prof.send(W.ShowPage(BOARD, prof.new_cid(), 2))
    await prof.wait_for(lambda m: len(m.boards[BOARD].acks) == 4)
    status, data = await export(http, server, "pdf")
    assert status == 200 and data[:5] == b"%PDF-"
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 3
    first = pdf[0].render(scale=2).to_pil().convert("RGB")
    top = int(first.height * 540 / prof.mirror.boards[BOARD].height)  # the middle of the 80-unit edge
    assert near(first.getpixel((first.width // 2, top)), BLUE)  # the rectangle's top edge
    assert near(first.getpixel((first.width // 2, first.height // 2)), WHITE)  # inside it: empty
    second = pdf[1].render(scale=1).to_pil().convert("RGB")
    assert any(near(second.getpixel((x, y)), RED, 60) for x in range(second.width // 10, second.width // 2, 2)
               for y in range(second.height // 6, second.height // 3, 2))  # fmt: skip  # the red text
    _, one = await export(http, server, "pdf", query="?page=1")
    assert len(pdfium.PdfDocument(one)) == 1


async def test_bad_export_requests(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    assert (await export(http, server, "png", query="?page=3"))[0] == 400
    assert (await export(http, server, "png", query="?width=99999"))[0] == 400
    assert (await export(http, server, "pdf", board="tableau-999"))[0] == 404


async def test_a_long_text_is_wrapped_at_the_boards_edge_as_the_client_wraps_it(
    lesson: tuple[WorldConnection, ...], server: TestServer, http: aiohttp.ClientSession
) -> None:
    """The export draws the lines the clients draw (protocol/boardtext.py): one band of red ink per line, each
    ending inside the page, the first baseline one letter size below the point written at."""
    import io

    from PIL import Image

    from cybercollege.protocol import boardtext
    from cybercollege.server.classroom.export import text_layout

    prof, _lea, _hugo = lesson
    text = "Le present perfect se forme avec have et le participe passé : I have visited Paris twice."
    await prof.send(W.WriteText(BOARD, prof.new_cid(), 0, 0xFF0000, 460, 5000, 400, text))
    await prof.wait_for(lambda m: len(m.boards[BOARD].items) == 1)
    item = next(iter(prof.mirror.boards[BOARD].items.values()))
    height = prof.mirror.boards[BOARD].height
    laid = text_layout(item, height)
    assert len(laid.lines) >= 3 and " ".join(laid.lines) == text, "wrapped at spaces, nothing lost"
    assert boardtext.layout(text, 5000, 400, 460, height).lines == laid.lines
    status, png = await export(http, server, "png", query="?width=2000")
    assert status == 200
    page = Image.open(io.BytesIO(png)).convert("RGB")
    red = [y for y in range(page.height) if any(near(page.getpixel((x, y)), RED, 90) for x in range(1000, 2000, 2))]
    bands = [y for i, y in enumerate(red) if i == 0 or y > red[i - 1] + 1]  # the top row of each line's ink
    assert len(bands) == len(laid.lines), f"{len(bands)} lines of ink, {len(laid.lines)} laid out"
    scale = 2000 / W.BOARD_UNITS
    for band, i in zip(bands, range(len(bands)), strict=True):
        baseline = (400 + laid.size * (1 + i * boardtext.LINE_HEIGHT)) * scale
        assert baseline - laid.size * scale <= band < baseline, f"line {i} in its place"
    assert not any(near(page.getpixel((page.width - 1, y)), RED, 90) for y in red), "no line runs off the page"
