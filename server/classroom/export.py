"""Export a board to PNG (one page) or PDF (every page, or one), for the room's teachers.

``GET /api/boards/{board}/export.png?page=N&width=W`` and ``GET /api/boards/{board}/export.pdf[?page=N]``.
Each page is drawn with Pillow, in a sandboxed worker process (server/sandbox), after the items and pixels
to draw were counted (``MAX_ITEMS``, ``MAX_PIXELS``): white, the page's slide fitted inside it (centred,
aspect kept), then its visible strokes, shapes and texts in ``seq`` order, as the clients draw them.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

from cybercollege.protocol import boardtext
from cybercollege.protocol import whiteboard as W
from cybercollege.protocol.whiteboard import BoardItem
from cybercollege.server.classroom.slides import SlideError, load, refusal, teacher_board
from cybercollege.server.classroom.whiteboard.board import Board
from cybercollege.server.classroom.whiteboard.host import BoardHost
from cybercollege.server.core.feature import Route
from cybercollege.server.http import api_error
from cybercollege.server.sandbox import Pool, SandboxError

if TYPE_CHECKING:
    from cybercollege.server.core.world import World
    from cybercollege.server.persistence import Store

DEFAULT_WIDTH = 2000
"""Pixels across an exported page."""
MAX_WIDTH = 4000
MAX_ITEMS = 20_000
"""Strokes, shapes and texts in one export, counted before drawing."""
MAX_PIXELS = 250_000_000
"""Pixels of all the pages of one export together (50 pages of 2000 pixels across fit), counted before drawing."""
HIGHLIGHTER_ALPHA = 96
"""Opacity (0..255) of highlighter strokes."""
PDF_DPI = 200.0
"""A 2000-pixel page is 10 inches wide in the PDF."""
JPEG_QUALITY = 90
FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "DejaVuSans.ttf"


# --- drawing (in a sandbox worker) -----------------------------------------------------------------

Page = tuple[list[BoardItem], bytes | None]
"""What one page needs: its visible items in ``seq`` order, its slide (PNG) or None."""


def png_job(height: int, page: Page, width: int) -> bytes:
    """One page as PNG (run it in the sandbox)."""
    return to_png(draw_page(height, page[0], page[1], width))


def pdf_job(height: int, pages: list[Page], width: int) -> bytes:
    """The pages as one PDF, drawn one at a time (run it in the sandbox)."""
    return to_pdf(draw_page(height, items, background, width) for items, background in pages)


def draw_page(height: int, items: list[BoardItem], background: bytes | None, width: int) -> Image.Image:
    """One page, ``width`` pixels across; ``height`` in board units; ``background`` a PNG or None."""
    scale = width / W.BOARD_UNITS
    base = Image.new("RGBA", (width, max(1, round(height * scale))), "white")
    if background is not None:
        _fit(base, Image.open(io.BytesIO(background)))
    canvas = base.copy()
    for item in items:
        _draw(canvas, base, item, scale, height)
    return canvas.convert("RGB")


def _fit(base: Image.Image, image: Image.Image) -> None:
    """Paste ``image`` inside ``base``, centred, as large as fits with its aspect kept."""
    ratio = min(base.width / image.width, base.height / image.height)
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    image = image.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    base.paste(image, ((base.width - size[0]) // 2, (base.height - size[1]) // 2))


def _draw(canvas: Image.Image, base: Image.Image, item: BoardItem, scale: float, height: int) -> None:
    points = [(item.points[i] * scale, item.points[i + 1] * scale) for i in range(0, len(item.points), 2)]
    width = max(1, round(item.width * scale))
    colour = _rgb(item.colour)
    if item.kind == W.Kind.STROKE and item.style in (W.Tool.HIGHLIGHTER, W.Tool.ERASER):
        _translucent(canvas, base, item.style, points, colour, width)
    elif item.kind == W.Kind.STROKE:
        _line(ImageDraw.Draw(canvas), points, colour, width)
    elif item.kind == W.Kind.SHAPE:
        _shape(ImageDraw.Draw(canvas), item.style, points, colour, width)
    else:
        _write(ImageDraw.Draw(canvas), item, scale, height, colour)


def text_layout(item: BoardItem, height: int) -> boardtext.Layout:
    """A text item's lines and letter size on a board ``height`` units high, as every client draws it."""
    return boardtext.layout(item.text, item.points[0], item.points[1], item.width, height)


def _write(draw: ImageDraw.ImageDraw, item: BoardItem, scale: float, height: int,
           colour: tuple[int, int, int]) -> None:
    """A text laid out as the clients lay it out (protocol/boardtext.py): the same lines, the same size, its
    first baseline one letter size below the point where it was written."""
    if not item.points or not item.text:
        return
    laid = text_layout(item, height)
    px = laid.size * scale
    font = _font(max(1, round(px)))
    x, y = item.points[0] * scale, item.points[1] * scale
    for i, line in enumerate(laid.lines):
        draw.text((x, y + px + i * boardtext.LINE_HEIGHT * px), line, fill=colour, font=font, anchor="ls")


def _translucent(canvas: Image.Image, base: Image.Image, tool: int, points: list[tuple[float, float]],
                 colour: tuple[int, int, int], width: int) -> None:  # fmt: skip
    """A highlighter or eraser stroke, drawn in its bounding box only (a full-page layer per stroke took seconds
    at 4000 pixels across)."""
    box = _box(points, width, canvas.size)
    if box is None:
        return  # nothing of it on the page
    x0, y0, x1, y1 = box
    shifted = [(x - x0, y - y0) for x, y in points]
    if tool == W.Tool.HIGHLIGHTER:
        layer = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
        _line(ImageDraw.Draw(layer), shifted, (*colour, HIGHLIGHTER_ALPHA), width)
        canvas.alpha_composite(layer, (x0, y0))
    else:
        mask = Image.new("L", (x1 - x0, y1 - y0), 0)
        _line(ImageDraw.Draw(mask), shifted, 255, width)
        canvas.paste(base.crop(box), (x0, y0), mask=mask)  # the eraser paints the board's background (the slide)


def _box(points: list[tuple[float, float]], width: int, size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    """The pixels a stroke of ``width`` through ``points`` may touch, within the page; None if none."""
    r = width / 2 + 2
    x0, y0 = max(0, math.floor(min(x for x, _ in points) - r)), max(0, math.floor(min(y for _, y in points) - r))
    x1 = min(size[0], math.ceil(max(x for x, _ in points) + r))
    y1 = min(size[1], math.ceil(max(y for _, y in points) + r))
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (every French accent), as the client; Pillow's own font if the file is missing."""
    if FONT.is_file():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def _line(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], fill: object, width: int) -> None:
    """A stroke with round joints and caps."""
    if len(points) > 1:
        draw.line(points, fill=fill, width=width, joint="curve")  # type: ignore[arg-type]
    r = width / 2
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)  # type: ignore[arg-type]


def _shape(draw: ImageDraw.ImageDraw, shape: int, points: list[tuple[float, float]], colour: tuple[int, int, int],
           width: int) -> None:  # fmt: skip
    (x0, y0), (x1, y1) = points[0], points[-1]
    box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    if shape == W.Shape.RECTANGLE:
        draw.rectangle(box, outline=colour, width=width)
    elif shape == W.Shape.ELLIPSE:
        draw.ellipse(box, outline=colour, width=width)
    else:
        _line(draw, [(x0, y0), (x1, y1)], colour, width)
        if shape == W.Shape.ARROW:
            draw.polygon(_arrow_head(x0, y0, x1, y1, max(4 * width, 12)), fill=colour)


def _arrow_head(x0: float, y0: float, x1: float, y1: float, size: float) -> list[tuple[float, float]]:
    angle = math.atan2(y1 - y0, x1 - x0)
    return [(x1, y1), *((x1 - size * math.cos(angle + a), y1 - size * math.sin(angle + a)) for a in (0.45, -0.45))]


def _rgb(colour: int) -> tuple[int, int, int]:
    return (colour >> 16) & 0xFF, (colour >> 8) & 0xFF, colour & 0xFF


def to_png(page: Image.Image) -> bytes:
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


def to_pdf(pages: Iterable[Image.Image]) -> bytes:
    """One PDF page per image (a JPEG each), drawn one at a time: a 50-page board never sits in memory."""
    pdf = pdfium.PdfDocument.new()
    try:
        for image in pages:
            jpeg = io.BytesIO()
            image.save(jpeg, "JPEG", quality=JPEG_QUALITY)
            width, height = image.width * 72 / PDF_DPI, image.height * 72 / PDF_DPI
            page = pdf.new_page(width, height)
            picture = pdfium.PdfImage.new(pdf)
            picture.load_jpeg(jpeg, inline=True)
            picture.set_matrix(pdfium.PdfMatrix().scale(width, height))
            page.insert_obj(picture)
            page.gen_content()
            page.close()
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
    finally:
        pdf.close()


# --- routes ---------------------------------------------------------------------------------------


async def _pages(store: Store, host: BoardHost, pages: list[int], width: int) -> list[Page]:
    """The board's ``pages`` as they are now; refused (413) past ``MAX_ITEMS`` or ``MAX_PIXELS``."""
    try:
        return await pages_of(store, host.board, pages, width)
    except SlideError as refused:
        raise refused.response() from None


async def pages_of(store: Store, b: Board, pages: list[int], width: int) -> list[Page]:
    """What drawing ``pages`` of ``b`` needs; :class:`SlideError` (413) past ``MAX_ITEMS`` or ``MAX_PIXELS``."""
    items: dict[int, list[BoardItem]] = {page: [] for page in pages}
    for item in b.visible():
        items.get(item.wire.page, []).append(item.wire)
    count = sum(len(page_items) for page_items in items.values())
    if count > MAX_ITEMS:
        raise SlideError("too_many_items", f"{count} tracés à dessiner : {MAX_ITEMS} au plus par export. "
                         "Exportez une page à la fois.", 413)  # fmt: skip
    pixels = len(pages) * width * max(1, round(b.height * width / W.BOARD_UNITS))
    if pixels > MAX_PIXELS:
        raise SlideError("too_many_pixels", f"{len(pages)} pages de {width} pixels de large : trop grand. "
                         "Choisissez une largeur plus petite ou une seule page.", 413)  # fmt: skip
    shas = {page: b.backgrounds[page][0] for page in pages if b.backgrounds.get(page, ("",))[0]}
    slides = {sha: await load(store, sha) for sha in set(shas.values())}
    return [(items[page], slides.get(shas.get(page, ""))) for page in pages]


async def _drawn(sandbox: Pool, job: Callable[..., bytes], *args: object) -> bytes:
    try:
        return await drawn(sandbox, job, *args)
    except SlideError as refused:
        raise refused.response() from None


async def drawn(sandbox: Pool, job: Callable[..., bytes], *args: object) -> bytes:
    """``job(*args)`` in the sandbox; :class:`SlideError` if the sandbox stopped it."""
    try:
        return await sandbox.run(job, *args)
    except SandboxError as error:
        advice = "exportez une page à la fois, ou choisissez une largeur plus petite."
        raise refusal(error, "Cet export", sandbox, advice) from None


async def kept_pdf(store: Store, sandbox: Pool, board_id: str, height: int, state: bytes) -> bytes:
    """A board kept as a snapshot (a lesson's, at its end) as one PDF of every page, drawn in the sandbox;
    :class:`SlideError` if too big to draw."""
    b = Board(board_id, height)
    b.restore(state)
    pages = await pages_of(store, b, list(range(b.pages)), DEFAULT_WIDTH)
    return await drawn(sandbox, pdf_job, height, pages, DEFAULT_WIDTH)


def _page(request: web.Request, host: BoardHost) -> int | None:
    asked = request.query.get("page")
    if asked is None:
        return None
    if not asked.isdigit() or int(asked) >= host.board.pages:
        raise api_error(400, "bad_page", f"page doit être un nombre de 0 à {host.board.pages - 1}.")
    return int(asked)


def _width(request: web.Request) -> int:
    asked = request.query.get("width", str(DEFAULT_WIDTH))
    if not asked.isdigit() or not 100 <= int(asked) <= MAX_WIDTH:
        raise api_error(400, "bad_width", f"width doit être un nombre de 100 à {MAX_WIDTH}.")
    return int(asked)


async def export_png(world: World, store: Store, sandbox: Pool, request: web.Request) -> web.Response:
    """``GET /api/boards/{board}/export.png``: one page (``?page=``, default the page shown)."""
    _identity, host = await teacher_board(world, request)
    page = _page(request, host)
    page = host.board.page if page is None else page
    width = _width(request)
    (drawn,) = await _pages(store, host, [page], width)
    png = await _drawn(sandbox, png_job, host.board.height, drawn, width)
    return _download(png, "image/png", f"{host.id}-page{page + 1}.png")


async def export_pdf(world: World, store: Store, sandbox: Pool, request: web.Request) -> web.Response:
    """``GET /api/boards/{board}/export.pdf``: every page (or ``?page=``), one PDF page each."""
    _identity, host = await teacher_board(world, request)
    page = _page(request, host)
    pages = list(range(host.board.pages)) if page is None else [page]
    width = _width(request)
    drawn = await _pages(store, host, pages, width)
    pdf = await _drawn(sandbox, pdf_job, host.board.height, drawn, width)
    return _download(pdf, "application/pdf", f"{host.id}.pdf")


def _download(body: bytes, media_type: str, name: str) -> web.Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return web.Response(body=body, content_type=media_type, headers=headers)


def routes(world: World, store: Store, sandbox: Pool) -> list[Route]:
    return [
        Route("GET", "/api/boards/{board}/export.png", functools.partial(export_png, world, store, sandbox)),
        Route("GET", "/api/boards/{board}/export.pdf", functools.partial(export_pdf, world, store, sandbox)),
    ]
