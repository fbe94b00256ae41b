"""Export a board to PNG (one page) or PDF (every page, or one), for the room's teachers.

``GET /api/boards/{board}/export.png?page=N&width=W`` and ``GET /api/boards/{board}/export.pdf[?page=N]``.
Each page is drawn with Pillow, in a worker thread: white, the page's slide fitted inside it (centred,
aspect kept), then its visible strokes, shapes and texts in ``seq`` order, as the clients draw them.
"""

from __future__ import annotations

import asyncio
import io
import math

from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

from protocol import whiteboard as W
from protocol.whiteboard import BoardItem
from server.api import api_error
from server.services import SERVICES
from server.slides import add_slide_routes, load, teacher_board
from server.whiteboard.host import BoardHost

DEFAULT_WIDTH = 2000
"""Pixels across an exported page."""
MAX_WIDTH = 4000
HIGHLIGHTER_ALPHA = 96
"""Opacity (0..255) of highlighter strokes."""
PDF_DPI = 200.0


# --- drawing (worker thread) ----------------------------------------------------------------------


def draw_page(height: int, items: list[BoardItem], background: bytes | None, width: int) -> Image.Image:
    """One page, ``width`` pixels across; ``height`` in board units; ``background`` a PNG or None."""
    scale = width / W.BOARD_UNITS
    base = Image.new("RGBA", (width, max(1, round(height * scale))), "white")
    if background is not None:
        _fit(base, Image.open(io.BytesIO(background)))
    canvas = base.copy()
    for item in items:
        _draw(canvas, base, item, scale)
    return canvas.convert("RGB")


def _fit(base: Image.Image, image: Image.Image) -> None:
    """Paste ``image`` inside ``base``, centred, as large as fits with its aspect kept."""
    ratio = min(base.width / image.width, base.height / image.height)
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    image = image.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    base.paste(image, ((base.width - size[0]) // 2, (base.height - size[1]) // 2))


def _draw(canvas: Image.Image, base: Image.Image, item: BoardItem, scale: float) -> None:
    points = [(item.points[i] * scale, item.points[i + 1] * scale) for i in range(0, len(item.points), 2)]
    width = max(1, round(item.width * scale))
    colour = _rgb(item.colour)
    if item.kind == W.Kind.STROKE and item.style == W.Tool.HIGHLIGHTER:
        layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        _line(ImageDraw.Draw(layer), points, (*colour, HIGHLIGHTER_ALPHA), width)
        canvas.alpha_composite(layer)
    elif item.kind == W.Kind.STROKE and item.style == W.Tool.ERASER:
        mask = Image.new("L", canvas.size, 0)
        _line(ImageDraw.Draw(mask), points, 255, width)
        canvas.paste(base, mask=mask)  # the eraser paints the board's background (the slide)
    elif item.kind == W.Kind.STROKE:
        _line(ImageDraw.Draw(canvas), points, colour, width)
    elif item.kind == W.Kind.SHAPE:
        _shape(ImageDraw.Draw(canvas), item.style, points, colour, width)
    else:
        font = ImageFont.load_default(size=width)
        ImageDraw.Draw(canvas).text(points[0], item.text, fill=colour, font=font)


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


def to_pdf(pages: list[Image.Image], title: str) -> bytes:
    """One PDF page per image."""
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=PDF_DPI, title=title)
    return out.getvalue()


# --- routes ---------------------------------------------------------------------------------------


async def _pages(request: web.Request, host: BoardHost, pages: list[int], width: int) -> list[Image.Image]:
    """Draw ``pages`` of the board as they are now (the items are copied before the thread starts)."""
    store = request.app[SERVICES].store
    b = host.board
    jobs = []
    for page in pages:
        items = [i.wire for i in b.visible() if i.wire.page == page]
        sha = b.backgrounds.get(page, ("",))[0]
        jobs.append((items, await load(store, sha) if sha else None))
    return await asyncio.to_thread(lambda: [draw_page(b.height, items, bg, width) for items, bg in jobs])


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


async def export_png(request: web.Request) -> web.Response:
    """``GET /api/boards/{board}/export.png``: one page (``?page=``, default the page shown)."""
    _identity, host = await teacher_board(request)
    page = _page(request, host)
    page = host.board.page if page is None else page
    (image,) = await _pages(request, host, [page], _width(request))
    png = await asyncio.to_thread(to_png, image)
    return _download(png, "image/png", f"{host.id}-page{page + 1}.png")


async def export_pdf(request: web.Request) -> web.Response:
    """``GET /api/boards/{board}/export.pdf``: every page (or ``?page=``), one PDF page each."""
    _identity, host = await teacher_board(request)
    page = _page(request, host)
    pages = list(range(host.board.pages)) if page is None else [page]
    images = await _pages(request, host, pages, _width(request))
    pdf = await asyncio.to_thread(to_pdf, images, host.id)
    return _download(pdf, "application/pdf", f"{host.id}.pdf")


def _download(body: bytes, media_type: str, name: str) -> web.Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return web.Response(body=body, content_type=media_type, headers=headers)


def add_classroom_routes(app: web.Application) -> None:
    """Slides (upload, files) and exports."""
    add_slide_routes(app)
    app.router.add_get("/api/boards/{board}/export.png", export_png)
    app.router.add_get("/api/boards/{board}/export.pdf", export_pdf)
