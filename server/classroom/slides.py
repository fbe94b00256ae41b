"""Slides: a teacher uploads a PDF or images, and each page becomes a board page with the image behind it.

``POST /api/boards/{board}/slides[?page=N]`` (bearer token, the room's teachers), raw body or
multipart/form-data (one or more files). PDF pages are rendered with pypdfium2 and images resized with
Pillow, in a sandboxed worker process (server/sandbox: memory, CPU and wall time bounded; a bomb gets a
clear error, the world does not notice), to PNG of at most ``MAX_SIDE`` pixels; each PNG is stored once by its sha256
(table ``slide_images``), served at ``GET /slides/{sha256}``, and set as a page background through the
board's operation log (durable, live to everyone in the room). See docs/classroom.md.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pypdfium2 as pdfium
from aiohttp import BodyPartReader, web
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from cybercollege.protocol import whiteboard as W
from cybercollege.server.classroom.rooms import Classroom
from cybercollege.server.classroom.whiteboard.host import BoardHost
from cybercollege.server.core.feature import Route
from cybercollege.server.core.identity import Identity
from cybercollege.server.http import api_error, bearer_identity
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.records import utcnow
from cybercollege.server.persistence.schema import slide_images
from cybercollege.server.sandbox import Pool, SandboxError

if TYPE_CHECKING:
    from cybercollege.server.core.world import World

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
"""One upload, all files together."""
MAX_SLIDES = 30
"""Pages in one upload (a board has at most ``W.MAX_PAGES`` pages)."""
MAX_SIDE = 1920
"""Longest side of a rendered slide, pixels."""
MAX_SOURCE_PIXELS = 40_000_000
"""An image larger than this is refused from its header, before it is decoded (no image bombs)."""
MAX_PAGE_POINTS = 14_400
"""Longest side of a PDF page, points (200 inches, the PDF format's own limit): checked before rendering."""
MAX_FIELDS = 20
MAX_FIELD_BYTES = 4096
"""A web form's text fields (the CSRF token, the page) around its files."""
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
SAVE_TIMEOUT_S = 10.0


class SlideError(Exception):
    """A refused upload: HTTP ``status``, stable ``code``, French ``message``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def __reduce__(self) -> tuple[type[SlideError], tuple[str, str, int]]:
        return SlideError, (self.code, self.message, self.status)  # raised in a worker, re-raised here

    def response(self) -> web.HTTPException:
        body = json.dumps({"error": self.code, "message": self.message}, ensure_ascii=False)
        if self.status == 413:
            return web.HTTPRequestEntityTooLarge(MAX_UPLOAD_BYTES, 0, text=body, content_type="application/json")
        if self.status == 503:
            return web.HTTPServiceUnavailable(text=body, content_type="application/json", headers={"Retry-After": "30"})
        cls = {415: web.HTTPUnsupportedMediaType, 422: web.HTTPUnprocessableEntity}.get(self.status)
        if cls is not None:
            return cls(text=body, content_type="application/json")
        return api_error(self.status, self.code, self.message)


def refusal(error: SandboxError, what: str, pool: Pool, advice: str) -> SlideError:
    """What the teacher reads when the sandbox stopped a job on ``what`` ("Ce PDF", "Cet export"...)."""
    if error.reason == "busy":
        return SlideError("busy", "Serveur occupé : d'autres fichiers sont en cours de conversion. Réessayez dans "
                          "une minute.", 503)  # fmt: skip
    if error.reason == "memory":
        message = f"{what} demande trop de mémoire pour être converti (plus de {pool.limits.memory_mb} Mo)"
        return SlideError("too_much_memory", f"{message} : {advice}", 422)
    if error.reason == "time":
        message = f"{what} est trop long à convertir (plus de {pool.limits.wall_seconds:g} s)"
        return SlideError("too_slow", f"{message} : {advice}", 422)
    return SlideError("conversion_failed", f"{what} n'a pas pu être converti (le convertisseur s'est arrêté) : "
                      f"{advice}", 422)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Slide:
    png: bytes
    width: int
    height: int
    sha256: str


# --- rendering (in a sandbox worker) ---------------------------------------------------------------


def render(data: bytes, max_pages: int = MAX_SLIDES) -> list[Slide]:
    """The slides of one file: every page of a PDF (at most ``max_pages`` pages of at most ``MAX_PAGE_POINTS``,
    checked before any is drawn), or one image. Raises :class:`SlideError`. Run it in the sandbox."""
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS  # Pillow's own guard, behind the header check of _image
    if data[:5] == b"%PDF-":
        return _pdf(data, max_pages)
    return [_png(_image(data))]


def _pdf(data: bytes, max_pages: int) -> list[Slide]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise SlideError("pdf_unreadable", f"PDF illisible ou protégé par un mot de passe ({exc}).") from None
    try:
        count = len(pdf)
        if not 1 <= count <= max_pages:  # before rendering: a long PDF costs nothing to refuse
            raise SlideError("too_many_pages", f"{count} pages : de 1 à {max_pages} pages ici.", 413)
        sizes = [pdf.get_page_size(i) for i in range(count)]  # from the page tree: no page is loaded yet
        for i, (width, height) in enumerate(sizes):
            if not (0 < width <= MAX_PAGE_POINTS and 0 < height <= MAX_PAGE_POINTS):
                size = f"{width / 72 * 2.54:.0f} x {height / 72 * 2.54:.0f} cm"
                raise SlideError("page_too_large", f"Page {i + 1} de {size} : 508 cm de côté au plus.", 413)
        slides = []
        for i, (width, height) in enumerate(sizes):
            page = pdf[i]
            scale = MAX_SIDE / max(width, height, 1.0)  # at most MAX_SIDE x MAX_SIDE pixels
            slides.append(_png(page.render(scale=scale).to_pil()))
            page.close()
        return slides
    except pdfium.PdfiumError as exc:
        raise SlideError("pdf_unreadable", f"Page de PDF illisible ({exc}).") from None
    finally:
        pdf.close()


def _image(data: bytes) -> Image.Image:
    try:
        with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                size = f"{image.width} x {image.height}"
                raise SlideError("image_too_large", f"Image de {size} pixels : trop grande.", 413)
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
            return _flatten(image)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise SlideError("unsupported_file", "Ni un PDF ni une image (PNG, JPEG, WebP, GIF, BMP).", 415) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise SlideError("image_unreadable", f"Image illisible ({exc}).") from None


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white (transparency becomes the board's white), at most ``MAX_SIDE`` pixels."""
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    flat.thumbnail((MAX_SIDE, MAX_SIDE))
    return flat


def _png(image: Image.Image) -> Slide:
    image = image.convert("RGB")
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    png = out.getvalue()
    return Slide(png, image.width, image.height, hashlib.sha256(png).hexdigest())


# --- storage ----------------------------------------------------------------------------------------


async def save(store: Store, slides: list[Slide]) -> None:
    """Insert the slides not stored yet (the same page uploaded twice is stored once)."""
    dialect = postgresql if store.engine.dialect.name == "postgresql" else sqlite
    now = utcnow()
    rows = {s.sha256: {"college": store.college, "sha256": s.sha256, "width": s.width, "height": s.height,
                       "png": s.png, "at": now} for s in slides}  # fmt: skip
    async with store.engine.begin() as connection:
        await connection.execute(dialect.insert(slide_images).on_conflict_do_nothing(), list(rows.values()))


async def load(store: Store, sha256: str) -> bytes | None:
    async with store.engine.connect() as connection:
        query = select(slide_images.c.png).where(store.mine(slide_images), slide_images.c.sha256 == sha256)
        row = (await connection.execute(query)).first()
    return row.png if row is not None else None


# --- the upload -----------------------------------------------------------------------------------


async def teacher_board(world: World, request: web.Request) -> tuple[Identity, BoardHost]:
    """The board of ``{board}`` (loaded) if the bearer is a teacher of its room; else 401/403/404."""
    identity = bearer_identity(request)
    try:
        return identity, await board_for(world, identity, request.match_info["board"])
    except SlideError as refused:
        raise refused.response() from None


async def board_for(world: World, identity: Identity, board_id: str) -> BoardHost:
    """The board ``board_id`` (loaded) if ``identity`` teaches in its room; else :class:`SlideError` 403/404/409."""
    for room in world.rooms.values():
        if isinstance(room, Classroom) and (host := room.host(board_id)) is not None:
            if not room.teaches(identity):
                raise SlideError("teachers_only", "Réservé aux enseignants de la salle.", 403)
            try:
                await asyncio.wait_for(room.ready(), SAVE_TIMEOUT_S)
            except TimeoutError:
                raise SlideError("board_loading", "Le tableau se charge encore : réessayez.", 409) from None
            return host
    raise SlideError("board_unknown", "Tableau inconnu.", 404)


async def read_upload(request: web.Request) -> list[bytes]:
    """The uploaded files (raw body, or every file part of a multipart body), ``MAX_UPLOAD_BYTES`` in all."""
    if not request.content_type.startswith("multipart/"):
        if (request.content_length or 0) > MAX_UPLOAD_BYTES:
            raise _too_large()
        data = await _read_limited(request.content.read, MAX_UPLOAD_BYTES)
        return [data] if data else []
    return (await read_form(request))[1]


async def read_form(request: web.Request) -> tuple[dict[str, str], list[bytes]]:
    """A multipart form: its text fields (``MAX_FIELDS`` of ``MAX_FIELD_BYTES`` at most) and its files,
    ``MAX_UPLOAD_BYTES`` in all (a web page's form: the portal's upload, server/portal/views/slides.py)."""
    if (request.content_length or 0) > MAX_UPLOAD_BYTES:
        raise _too_large()
    fields: dict[str, str] = {}
    files: list[bytes] = []
    budget = MAX_UPLOAD_BYTES
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.filename is not None:
                data = await _read_limited(part.read_chunk, budget)
                budget -= len(data)
                if data:  # a form's empty file input sends an empty part
                    files.append(data)
            elif part.name and len(fields) < MAX_FIELDS:
                fields[part.name] = (await _read_limited(part.read_chunk, MAX_FIELD_BYTES)).decode("utf-8", "replace")
    except ValueError as exc:
        raise SlideError("bad_multipart", f"Envoi multipart illisible ({exc}).") from None
    return fields, files


async def _read_limited(read: Callable[[int], Awaitable[bytes]], limit: int) -> bytes:
    data = bytearray()
    while chunk := await read(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise _too_large()
    return bytes(data)


def _too_large() -> SlideError:
    return SlideError("upload_too_large", f"Envoi trop gros : {MAX_UPLOAD_BYTES // (1024 * 1024)} Mo au plus.", 413)


def first_page(host: BoardHost, asked: str | None) -> int:
    """Where the slides go: ``?page=N`` (at most the page count), else page 0 of a blank board, else after."""
    b = host.board
    if asked is None:
        blank = b.pages == 1 and not b.visible_on.get(0) and not b.backgrounds
        return 0 if blank else b.pages
    if not asked.isdigit() or int(asked) > b.pages:
        raise SlideError("bad_page", f"page doit être un nombre de 0 à {b.pages}.")
    return int(asked)


async def upload(world: World, store: Store, sandbox: Pool, request: web.Request) -> web.Response:
    """``POST /api/boards/{board}/slides``: render, store, and show the slides as page backgrounds."""
    identity, host = await teacher_board(world, request)
    try:
        pages = await import_slides(store, sandbox, host, identity.user_id, await read_upload(request),
                                    request.query.get("page"))  # fmt: skip
    except SlideError as refused:
        raise refused.response() from None
    return web.json_response({"board": host.id, "pages": pages}, status=201)


async def import_slides(store: Store, sandbox: Pool, host: BoardHost, author: str, files: list[bytes],
                        asked_page: str | None = None) -> list[dict[str, object]]:  # fmt: skip
    """Render ``files`` in the sandbox, store them and show them behind the board's pages from ``asked_page`` (see
    :func:`first_page`); the pages made (``page``, ``sha256``, ``width``, ``height``, ``url``). Raises
    :class:`SlideError` (nothing shown then). The API and the portal's upload both come here."""
    if not files:
        raise SlideError("no_file", "Aucun fichier envoyé (un PDF ou des images).")
    room = min(MAX_SLIDES, W.MAX_PAGES - first_page(host, asked_page))  # checked before rendering
    slides: list[Slide] = []
    for data in files:
        slides += await _rendered(sandbox, data, max(1, room - len(slides)))
    page = first_page(host, asked_page)  # the board as it is now, after rendering
    if len(slides) > MAX_SLIDES or page + len(slides) > W.MAX_PAGES:
        raise SlideError("too_many_pages", f"{len(slides)} pages à partir de la page {page} : le tableau "
                         f"en a {W.MAX_PAGES} au plus ({MAX_SLIDES} par envoi).", 413)  # fmt: skip
    await save(store, slides)
    await _saved(show(host, author, page, [(s.sha256, s.width, s.height) for s in slides]))
    return [{"page": page + i, "sha256": s.sha256, "width": s.width, "height": s.height,
             "url": f"/slides/{s.sha256}"} for i, s in enumerate(slides)]  # fmt: skip


async def _rendered(sandbox: Pool, data: bytes, max_pages: int) -> list[Slide]:
    try:
        return await sandbox.run(render, data, max_pages)
    except SandboxError as error:
        if data[:5] == b"%PDF-":
            raise refusal(error, "Ce PDF", sandbox, "réenregistrez-le en PDF « taille réduite », ou envoyez ses "
                          "pages en images.") from None  # fmt: skip
        raise refusal(error, "Ce fichier", sandbox, "envoyez une image PNG ou JPEG plus petite.") from None


def show(host: BoardHost, author: str, page: int, images: list[tuple[str, int, int]],
         turn: bool = True) -> asyncio.Future[int]:
    """Set ``images`` (sha256, width, height) behind pages ``page``, ``page + 1``..., and (``turn``) show the
    first of them: the board switches to the new slide. Resolved once saved (acks come in order)."""
    saved: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    acks: list[Callable[[int], None]] = [lambda _seq: None] * (len(images) - (0 if turn else 1))
    acks.append(saved.set_result)
    for i, image in enumerate(images):
        host.set_background(author, page + i, image, acks[i])
    if turn:
        host.turn_to(author, page, acks[-1])
    return saved


async def _saved(saved: asyncio.Future[int]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(saved), SAVE_TIMEOUT_S)
    except TimeoutError:
        message = "Modification affichée, pas encore enregistrée (base indisponible)."
        raise SlideError("not_saved_yet", message, 409) from None


async def remove(world: World, request: web.Request) -> web.Response:
    """``DELETE /api/boards/{board}/slides/{page}``: no more slide behind this page (its drawings stay)."""
    identity, host = await teacher_board(world, request)
    try:
        await remove_slide(host, identity.user_id, request.match_info["page"])
    except SlideError as refused:
        raise refused.response() from None
    return web.Response(status=204)


async def remove_slide(host: BoardHost, author: str, page: str) -> None:
    """No more slide behind ``page`` (its drawings stay); :class:`SlideError` 404 if it has none."""
    if not page.isdigit() or int(page) not in host.board.backgrounds:
        raise SlideError("no_slide", "Pas de diapositive sur cette page.", 404)
    await _saved(show(host, author, int(page), [("", 0, 0)], turn=False))


async def slide_route(store: Store, request: web.Request) -> web.Response:
    """``GET /slides/{sha256}``: a rendered slide (PNG), cacheable forever."""
    sha = request.match_info["sha256"]
    if request.headers.get("If-None-Match") == f'"{sha}"':
        return web.Response(status=304)
    png = await load(store, sha) if len(sha) == 64 else None
    if png is None:
        raise web.HTTPNotFound(text=f"no slide with sha256 {sha[:64]}")
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha}"'}
    return web.Response(body=png, content_type="image/png", headers=headers)


def routes(world: World, store: Store, sandbox: Pool) -> list[Route]:
    return [
        Route("POST", "/api/boards/{board}/slides", functools.partial(upload, world, store, sandbox)),
        Route("DELETE", "/api/boards/{board}/slides/{page}", functools.partial(remove, world)),
        Route("GET", "/slides/{sha256}", functools.partial(slide_route, store)),
    ]
