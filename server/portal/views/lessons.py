"""« Mes cours »: her lessons (the next first, then the past ones), « Nouveau cours », a lesson's page with its
attendance, its CSV and its boards, editing and cancelling (docs/portal.md). The domain is
server/classroom/lessons/; every page asks it who may see what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from cybercollege.server.classroom import export
from cybercollege.server.classroom.control import attendance_words
from cybercollege.server.classroom.feature import Classrooms
from cybercollege.server.classroom.lessons.feature import Lessons, TooMany
from cybercollege.server.classroom.lessons.model import MAX_TITLE_CHARS, Draft, Lesson, Presence, check
from cybercollege.server.classroom.lessons.sheet import attendance_csv
from cybercollege.server.classroom.rooms import Classroom
from cybercollege.server.classroom.slides import SlideError
from cybercollege.server.conference import archive
from cybercollege.server.persistence.records import utcnow
from cybercollege.server.portal.pages import NO_STORE, Context, Refusal, page, redirect

FIELDS = ("class_name", "room_id", "day", "start", "end", "title")


@dataclass(frozen=True, slots=True)
class Row:
    """A lesson as the pages show it: times in the college's zone."""

    id: str
    title: str
    class_name: str
    room: str
    day: str
    start: str
    end: str
    teacher: str
    state: str
    """``coming``, ``running``, ``past`` or ``cancelled``."""


def _lessons(ctx: Context) -> Lessons:
    return ctx.portal.world.features.get(Lessons)


def _row(ctx: Context, lesson: Lesson, now: datetime) -> Row:
    zone = _lessons(ctx).zone
    start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
    if lesson.cancelled is not None:
        state = "cancelled"
    elif lesson.end <= now:
        state = "past"
    else:
        state = "running" if lesson.start <= now else "coming"
    day = ctx.t("lessons.date", day=start.strftime("%d/%m/%Y"), weekday=ctx.t(f"lessons.weekday_{start.weekday()}"))
    return Row(lesson.id, lesson.title, lesson.class_name, _room_name(ctx, lesson.room_id), day,
               start.strftime("%H:%M"), end.strftime("%H:%M"), lesson.teacher_name, state)  # fmt: skip


def _room_name(ctx: Context, room_id: str) -> str:
    room = ctx.portal.world.rooms.get(room_id)
    return room.spec.name if room is not None else room_id


@page("GET", "/portal/lessons", template="lessons.html", nav="nav.lessons")
async def lessons(ctx: Context) -> dict[str, Any]:
    """Hers (her school's for staff): those to come, the next first; then the past ones, the latest first."""
    now = utcnow()
    coming, past = await _lessons(ctx).listed(ctx.me, now)
    done = ctx.request.query.get("done", "")
    return {
        "coming": [_row(ctx, lesson, now) for lesson in coming],
        "past": [_row(ctx, lesson, now) for lesson in past],
        "done": done if done in ("created", "changed", "cancelled") else "",
        "staff": ctx.me.role.value == "staff",
    }


@page("GET", "/portal/lessons/new", template="lesson_form.html")
async def new(ctx: Context) -> dict[str, Any]:
    today = utcnow().astimezone(_lessons(ctx).zone).date().isoformat()
    return _form(ctx, Draft(day=today), {}, None)


@page("POST", "/portal/lessons/new", template="lesson_form.html")
async def create(ctx: Context) -> dict[str, Any] | web.StreamResponse:
    """Check each field, schedule the lesson, then show its page."""
    draft = _draft(ctx)
    feature = _lessons(ctx)
    values, errors = _check(ctx, draft)
    if values is None:
        return _invalid(ctx, draft, errors, None)
    try:
        lesson = await feature.create(ctx.me, values)
    except TooMany:
        return _invalid(ctx, draft, {"day": "lessons.error.too_many"}, None)
    except Exception:
        raise Refusal(503, "lessons.save_failed_title", "lessons.save_failed") from None
    return redirect(f"/portal/lessons/{quote(lesson.id, safe='')}?done=created")


@page("GET", "/portal/lessons/{id}", template="lesson.html")
async def lesson_page(ctx: Context) -> dict[str, Any]:
    """Its room, class and time, who came (from when to when), its CSV and boards, its invitation and recordings."""
    lesson = await _visible(ctx)
    feature, now = _lessons(ctx), utcnow()
    rows = await feature.attendance(lesson)
    room = ctx.portal.world.rooms.get(lesson.room_id)
    whiteboards = room.spec.whiteboards if room is not None else ()
    many = len(whiteboards) > 1
    back = f"?lesson={quote(lesson.id, safe='')}"
    kept = await feature.kept_boards(lesson)
    boards = [(f"{_room_name(ctx, lesson.room_id)} {n}" if many else _room_name(ctx, lesson.room_id),
               f"/api/boards/{quote(b.id, safe='')}/export.pdf", f"/portal/boards/{quote(b.id, safe='')}/slides{back}",
               f"/portal/lessons/{quote(lesson.id, safe='')}/boards/{quote(b.id, safe='')}/end.pdf"
               if b.id in kept else "")
              for n, b in enumerate(whiteboards, 1)]  # fmt: skip
    done = ctx.request.query.get("done", "")
    return {
        "lesson": _row(ctx, lesson, now),
        "attendance": [_presence(ctx, row, now) for row in rows],
        "csv": f"/portal/lessons/{quote(lesson.id, safe='')}/attendance.csv",
        "boards": boards,
        "invitations": _invitations(ctx, lesson),
        "recordings": _recordings(ctx, lesson),
        "editable": lesson.cancelled is None and lesson.end > now,
        "done": done if done in ("created", "changed") else "",
    }


@page("GET", "/portal/lessons/{id}/boards/{board}/end.pdf")
async def board_at_end(ctx: Context) -> web.StreamResponse:
    """The board as it was when the lesson ended (kept then), as a PDF of every page: not as it is now."""
    lesson = await _visible(ctx)
    board_id = ctx.request.match_info["board"][:128]
    room = ctx.portal.world.rooms.get(lesson.room_id)
    host = room.host(board_id) if isinstance(room, Classroom) else None
    state = await _lessons(ctx).kept_board(lesson, board_id) if host is not None else None
    if host is None or state is None:
        raise Refusal(404, "lessons.board_unknown_title", "lessons.board_unknown")
    classrooms = ctx.portal.world.features.get(Classrooms)
    try:
        pdf = await export.kept_pdf(classrooms.store, classrooms.sandbox, board_id, host.board.height, state)
    except SlideError:
        raise Refusal(503, "lessons.board_failed_title", "lessons.board_failed") from None
    day = lesson.start.astimezone(_lessons(ctx).zone).strftime("%Y-%m-%d")
    name = f"tableau-{lesson.class_name}-{day}.pdf".replace('"', "")
    return web.Response(body=pdf, content_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE})  # fmt: skip


@page("GET", "/portal/lessons/{id}/edit", template="lesson_form.html")
async def edit(ctx: Context) -> dict[str, Any]:
    lesson = await _editable(ctx)
    return _form(ctx, Draft.of(lesson, _lessons(ctx).zone), {}, lesson)


@page("POST", "/portal/lessons/{id}/edit", template="lesson_form.html")
async def change(ctx: Context) -> dict[str, Any] | web.StreamResponse:
    lesson = await _editable(ctx)
    draft = _draft(ctx)
    values, errors = _check(ctx, draft)
    if values is None:
        return _invalid(ctx, draft, errors, lesson)
    try:
        await _lessons(ctx).change(ctx.me, lesson, values)
    except Exception:
        raise Refusal(503, "lessons.save_failed_title", "lessons.save_failed") from None
    return redirect(f"/portal/lessons/{quote(lesson.id, safe='')}?done=changed")


@page("POST", "/portal/lessons/{id}/cancel")
async def cancel(ctx: Context) -> web.StreamResponse:
    lesson = await _editable(ctx)
    try:
        await _lessons(ctx).cancel(ctx.me, lesson)
    except Exception:
        raise Refusal(503, "lessons.save_failed_title", "lessons.save_failed") from None
    return redirect("/portal/lessons?done=cancelled")


@page("GET", "/portal/lessons/{id}/attendance.csv")
async def attendance(ctx: Context) -> web.StreamResponse:
    """The lesson's attendance as CSV in her language (the room's attendance file has the same columns)."""
    lesson = await _visible(ctx)
    feature = _lessons(ctx)
    text = attendance_csv(await feature.attendance(lesson), attendance_words(ctx.lang), feature.zone, utcnow())
    day = lesson.start.astimezone(feature.zone).strftime("%Y-%m-%d")
    name = f"presences-{lesson.class_name}-{day}.csv".replace('"', "")
    return web.Response(body=text.encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE})  # fmt: skip


# --- helpers ---------------------------------------------------------------------------------------------


async def _visible(ctx: Context) -> Lesson:
    """The lesson of the path if she may see it (hers; her school's for staff), else 404: another's is unknown."""
    lesson = await _lessons(ctx).visible(ctx.me, ctx.request.match_info["id"][:128])
    if lesson is None:
        raise Refusal(404, "lessons.unknown_title", "lessons.unknown")
    return lesson


async def _editable(ctx: Context) -> Lesson:
    lesson = await _visible(ctx)
    if lesson.cancelled is not None or lesson.end <= utcnow():
        raise Refusal(409, "lessons.closed_title", "lessons.closed")
    return lesson


def _draft(ctx: Context) -> Draft:
    form = ctx.form
    assert form is not None
    values = {name: str(form.get(name, ""))[:400] for name in FIELDS}
    return Draft(**values)


def _check(ctx: Context, draft: Draft) -> tuple[Any, dict[str, str]]:
    feature = _lessons(ctx)
    classes = feature.classes_for(ctx.me)
    return check(draft, classes=classes, rooms=feature.class_rooms(), zone=feature.zone, now=utcnow())


def _invalid(ctx: Context, draft: Draft, errors: dict[str, str], lesson: Lesson | None) -> dict[str, Any]:
    """The form again, with what she typed and a message next to each wrong field (422)."""
    ctx.status = 422
    return _form(ctx, draft, errors, lesson)


def _form(ctx: Context, draft: Draft, errors: dict[str, str], lesson: Lesson | None) -> dict[str, Any]:
    """The form's values: what she typed, her classes, the rooms that admit one of them, the errors by field."""
    feature = _lessons(ctx)
    classes = feature.classes_for(ctx.me)
    rooms = [(room_id, _room_name(ctx, room_id), ", ".join(admitted))
             for room_id, admitted in feature.class_rooms().items() if set(admitted) & set(classes)]  # fmt: skip
    action = "/portal/lessons/new" if lesson is None else f"/portal/lessons/{quote(lesson.id, safe='')}/edit"
    return {
        "draft": draft,
        "classes": classes,
        "rooms": rooms,
        "errors": {field: ctx.t(key) for field, key in errors.items()},
        "order": [f for f in FIELDS if f in errors],
        "action": action,
        "lesson": lesson,
        "max_title": MAX_TITLE_CHARS,
        "zone": feature.zone.key,
    }


def _invitations(ctx: Context, lesson: Lesson) -> list[tuple[str, str]]:
    """``(label, link)`` of the lesson's invitations: its own, and those of its teacher valid during its time."""
    start, end = lesson.start.timestamp(), lesson.end.timestamp()
    found = sorted(
        (i for i in ctx.portal.guests.book.by_id.values()
         if i.id == lesson.invitation_id
         or (i.teacher == lesson.teacher_id and i.valid_from < end and i.valid_until > start)),
        key=lambda i: i.valid_from,
    )  # fmt: skip
    return [(ctx.t("lessons.invited", partner=i.partner_school, room=_room_name(ctx, i.room)),
             f"/portal/invitations/{quote(i.id, safe='')}") for i in found]  # fmt: skip


def _recordings(ctx: Context, lesson: Lesson) -> list[tuple[str, str]]:
    """``(label, link)`` of the conferences its teacher recorded during its time (server/conference/archive.py)."""
    zone = _lessons(ctx).zone
    found = sorted(
        (r for r in archive.finished(Path(ctx.portal.settings.recordings_dir))
         if r.host_user == lesson.teacher_id and lesson.start <= r.started < lesson.end),
        key=lambda r: r.started,
    )  # fmt: skip
    return [(ctx.t("lessons.recording", room=_room_name(ctx, r.room), start=f"{r.started.astimezone(zone):%H:%M}"),
             f"/portal/recordings/{quote(r.id, safe='')}") for r in found]  # fmt: skip


def _presence(ctx: Context, row: Presence, now: datetime) -> dict[str, str]:
    zone = _lessons(ctx).zone
    left = row.left.astimezone(zone).strftime("%H:%M:%S") if row.left else ""
    minutes = round(((row.left or now) - row.joined).total_seconds() / 60)
    return {
        "name": row.display_name,
        "role": ctx.t(f"lessons.role_{row.role}"),
        "joined": row.joined.astimezone(zone).strftime("%H:%M:%S"),
        "left": left or ctx.t("lessons.still_here"),
        "minutes": str(minutes),
    }
