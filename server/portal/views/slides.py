"""A board's slides from the portal: « Diapositives » lists the pages that show one (their number and a thumbnail),
adds a PDF or images (a form that works without JavaScript) and takes one off (« Retirer »). The import is the API's
(server/classroom/slides.py: ``board_for``, ``import_slides``, ``remove_slide``), with its sandbox and limits; every
refusal is said next to the file field in her language (docs/portal.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from cybercollege.server.classroom.feature import Classrooms
from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.classroom.slides import (
    MAX_SLIDES,
    MAX_UPLOAD_BYTES,
    SlideError,
    board_for,
    import_slides,
    remove_slide,
)
from cybercollege.server.classroom.whiteboard.host import BoardHost
from cybercollege.server.portal.audit import audit
from cybercollege.server.portal.pages import Context, Refusal, page, redirect

ACCEPT = ".pdf,application/pdf,image/png,image/jpeg,image/webp,image/gif,image/bmp"
"""What the file input offers (the server checks the bytes, not the name)."""
KNOWN = frozenset({
    "no_file", "upload_too_large", "bad_multipart", "unsupported_file", "pdf_unreadable", "image_unreadable",
    "image_too_large", "too_many_pages", "page_too_large", "too_much_memory", "too_slow", "conversion_failed",
    "busy", "not_saved_yet", "board_loading",
})  # fmt: skip
"""The refusals said in her language (``portal.slides.error.<code>``); any other is the import's French sentence."""


@page("GET", "/portal/boards/{board}/slides", template="board_slides.html")
async def slides_page(ctx: Context) -> dict[str, Any]:
    host = await _board(ctx)
    return await _values(ctx, host, None)


@page("POST", "/portal/boards/{board}/slides", template="board_slides.html", upload=True)
async def add(ctx: Context) -> dict[str, Any] | web.StreamResponse:
    """Import the file(s) through the API's import; back to the page with what was added, or the form with why not."""
    host = await _board(ctx)
    try:
        if ctx.upload_error is not None:
            raise ctx.upload_error
        pages = await import_slides(_classrooms(ctx).store, _classrooms(ctx).sandbox, host, ctx.me.user_id,
                                    ctx.files)  # fmt: skip
    except SlideError as refused:
        ctx.status = refused.status
        return await _values(ctx, host, refused)
    audit(ctx, "slides_added", _room_of(ctx, host), f"{host.id} · {len(pages)} pages")
    return redirect(_self(ctx, host, done="added", count=len(pages)))


@page("POST", "/portal/boards/{board}/slides/{page}/remove")
async def take_off(ctx: Context) -> web.StreamResponse:
    host = await _board(ctx)
    number = ctx.request.match_info["page"]
    try:
        await remove_slide(host, ctx.me.user_id, number)
    except SlideError as refused:
        raise Refusal(refused.status, "slides.remove_failed_title", "slides.remove_failed") from None
    audit(ctx, "slide_removed", _room_of(ctx, host), f"{host.id} · page {int(number) + 1}")
    return redirect(_self(ctx, host, done="removed"))


# --- helpers ---------------------------------------------------------------------------------------------


def _classrooms(ctx: Context) -> Classrooms:
    return ctx.portal.world.features.get(Classrooms)


async def _board(ctx: Context) -> BoardHost:
    """The board of the path if she teaches in its room (the API's rule), else 403/404 in her language."""
    try:
        return await board_for(ctx.portal.world, ctx.me, ctx.request.match_info["board"][:128])
    except SlideError as refused:
        if refused.status == 403:
            raise Refusal(403, "forbidden.title", "slides.teachers_only") from None
        if refused.status == 404:
            raise Refusal(404, "slides.unknown_title", "slides.unknown") from None
        raise Refusal(409, "slides.loading_title", "slides.loading") from None


def _room_of(ctx: Context, host: BoardHost) -> str | None:
    for room in ctx.portal.world.rooms.values():
        if any(b.id == host.id for b in room.spec.whiteboards):
            return room.spec.id
    return None


def _lesson_id(ctx: Context) -> str:
    posted = ctx.form.get("lesson", "") if ctx.form is not None else ""
    return str(ctx.request.query.get("lesson") or posted)[:128]


def _self(ctx: Context, host: BoardHost, **query: object) -> str:
    lesson = _lesson_id(ctx)
    more = "".join(f"&{k}={v}" for k, v in query.items())
    tail = f"?lesson={quote(lesson, safe='')}{more}" if lesson else "?" + more.lstrip("&")
    return f"/portal/boards/{quote(host.id, safe='')}/slides{tail}"


async def _values(ctx: Context, host: BoardHost, refused: SlideError | None) -> dict[str, Any]:
    """The page's values: the board, its slides by page, the form's limits, the error, the lesson to go back to."""
    room_id = _room_of(ctx, host)
    room = ctx.portal.world.rooms.get(room_id or "")
    board = host.board
    slides = [(n + 1, n, f"/slides/{sha}") for n, (sha, _w, _h) in sorted(board.backgrounds.items()) if sha]
    lesson_id = _lesson_id(ctx)
    lesson = await ctx.portal.world.features.get(Lessons).visible(ctx.me, lesson_id) if lesson_id else None
    done = ctx.request.query.get("done", "")
    count = ctx.request.query.get("count", "")
    return {
        "board": host.id,
        "room": room.spec.name if room is not None else host.id,
        "slides": slides,
        "pages": board.pages,
        "accept": ACCEPT,
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_pages": MAX_SLIDES,
        "error": _error(ctx, refused) if refused is not None else "",
        "lesson": lesson,
        "action": _self(ctx, host),
        "done": done if done in ("added", "removed") else "",
        "count": int(count) if count.isdigit() else 0,
    }


def _error(ctx: Context, refused: SlideError) -> str:
    """Why the upload was refused, in her language."""
    if refused.code not in KNOWN:
        return refused.message
    pool = _classrooms(ctx).sandbox
    return ctx.t(f"slides.error.{refused.code}", max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), max_pages=MAX_SLIDES,
                 memory_mb=pool.limits.memory_mb, seconds=f"{pool.limits.wall_seconds:g}")  # fmt: skip
