"""« Invitations »: the teacher's invitations of partner classes (from the guests feature): create one (its code,
link, QR code and printable sheet), list them, revoke one."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import segno
from aiohttp import web

from cybercollege.server.classroom.lessons.feature import Lessons
from cybercollege.server.classroom.lessons.model import Lesson
from cybercollege.server.core.identity import Role
from cybercollege.server.guests.invitation import MAX_GUESTS, MAX_VALIDITY, Invitation, InvitationError, display_code
from cybercollege.server.guests.sheet import sheet_response
from cybercollege.server.portal.audit import audit
from cybercollege.server.portal.i18n import LANGUAGES, NAMES
from cybercollege.server.portal.pages import Context, Refusal, page, redirect

FORM_TIME = "%Y-%m-%dT%H:%M"
"""The value of an ``<input type="datetime-local">``, in the college's time zone."""
KEPT_CODES = 20
"""Codes of the invitations created in a session that their pages still show (the newest)."""


@page("GET", "/portal/invitations", template="invitations.html", nav="nav.invitations")
async def invitations(ctx: Context) -> dict[str, Any]:
    """Hers (her school's for staff), newest first, with their state: active, to come, ended, revoked."""
    zone = ZoneInfo(ctx.portal.settings.timezone)
    now = time.time()
    rows = [_row(ctx, i, zone, now) for i in ctx.portal.guests.invitations_of(ctx.me)]
    return {"invitations": rows, "revoked": ctx.request.query.get("revoked") == "1"}


@page("GET", "/portal/invitations/new", template="invitation_new.html")
async def new(ctx: Context) -> dict[str, Any]:
    """The form, filled with a two-hour window from now, the amphitheatre and 30 guests; for a lesson
    (``?lesson=ID``), with its room, its class and its time (from a quarter of an hour before)."""
    zone = ZoneInfo(ctx.portal.settings.timezone)
    start = datetime.now(zone).replace(second=0, microsecond=0)
    rooms = _rooms(ctx)
    values = {"partner_school": "", "country": "", "language": "en", "room": rooms[0][0] if rooms else "",
              "classes": [], "valid_from": start.strftime(FORM_TIME),
              "valid_until": (start + timedelta(hours=2)).strftime(FORM_TIME), "max_guests": "30",
              "lesson": ""}  # fmt: skip
    lesson = await _lesson(ctx, ctx.request.query.get("lesson"))
    if lesson is not None:
        opens = max(start, (lesson.start - timedelta(minutes=15)).astimezone(zone))
        room = lesson.room_id if lesson.room_id in dict(rooms) else values["room"]
        values |= {"room": room, "classes": [lesson.class_name], "valid_from": opens.strftime(FORM_TIME),
                   "valid_until": lesson.end.astimezone(zone).strftime(FORM_TIME), "lesson": lesson.id}  # fmt: skip
    return _form(ctx, values, {}, lesson)


@page("POST", "/portal/invitations/new", template="invitation_new.html")
async def create(ctx: Context) -> dict[str, Any] | web.StreamResponse:
    """Check each field (a message next to each wrong one), create the invitation, then show its page."""
    assert ctx.form is not None
    values: dict[str, Any] = {k: str(ctx.form.get(k, "")).strip() for k in
                              ("partner_school", "country", "language", "room", "valid_from", "valid_until",
                               "max_guests")}  # fmt: skip
    values["classes"] = [str(c) for c in ctx.form.getall("classes", [])]
    values["lesson"] = str(ctx.form.get("lesson", ""))
    lesson = await _lesson(ctx, values["lesson"])
    errors, fields = _checked(ctx, values)
    if not errors:
        try:
            invitation, code = ctx.portal.guests.book.create(ctx.me, **fields)
        except InvitationError as exc:
            errors["form"] = ctx.t("invitations.new.too_many") if exc.code == "invitation_too_many" else exc.message
        else:
            return await _created(ctx, invitation, code, lesson)
    ctx.status = 400
    return _form(ctx, values, errors, lesson)


@page("GET", "/portal/invitations/{id}", template="invitation.html")
async def invitation(ctx: Context) -> dict[str, Any]:
    """One of hers: its facts, and if created in this session its code, link, QR code and printable sheet."""
    found = _mine(ctx)
    zone = ZoneInfo(ctx.portal.settings.timezone)
    code = ctx.session.codes.get(found.id)
    link = f"{ctx.portal.settings.base_url()}/invite/{display_code(code)}" if code else None
    qr = segno.make(link, error="m").png_data_uri(scale=6, border=4) if link else None
    return {
        "i": _row(ctx, found, zone, time.time()),
        "code": display_code(code) if code else None,
        "link": link,
        "qr": qr,
        "created": ctx.request.query.get("created") == "1",
        "lobby": f"/portal/lobby/{quote(found.room, safe='')}",
    }


@page("GET", "/portal/invitations/{id}/sheet.pdf")
async def sheet(ctx: Context) -> web.StreamResponse:
    """The printable sheet (PDF, in the partner's language) of an invitation created in this session."""
    found = _mine(ctx)
    code = ctx.session.codes.get(found.id)
    if code is None:
        raise Refusal(404, "invitations.no_code_title", "invitations.no_code")
    if found.revoked or found.valid_until <= time.time():
        raise Refusal(410, "invitations.over_title", "invitations.over")
    return sheet_response(ctx.portal.guests, found, code)


@page("POST", "/portal/invitations/{id}/revoke")
async def revoke(ctx: Context) -> web.StreamResponse:
    """Revoke one of hers: its guests leave at once (the guests feature's rule); a colleague's is not found."""
    try:
        invitation = await ctx.portal.guests.revoke_for(ctx.me, ctx.request.match_info["id"])
    except Exception:
        raise Refusal(503, "invitations.save_failed_title", "invitations.save_failed") from None
    if invitation is None:
        raise Refusal(404, "invitations.unknown_title", "invitations.unknown")
    audit(ctx, "invitation_revoke", invitation.room, f"{invitation.id} {invitation.partner_school}")
    return redirect("/portal/invitations?revoked=1")


async def _created(ctx: Context, invitation: Invitation, code: str, lesson: Lesson | None) -> web.StreamResponse:
    try:
        await ctx.portal.guests.save()
        if lesson is not None:
            await ctx.portal.world.features.get(Lessons).invite(ctx.me, lesson, invitation.id)
    except Exception:
        ctx.portal.guests.book.revoke(invitation.id)  # not saved: it must not open the college either
        raise Refusal(503, "invitations.save_failed_title", "invitations.save_failed") from None
    codes = ctx.session.codes
    codes[invitation.id] = code
    for old in list(codes)[:-KEPT_CODES]:
        del codes[old]
    audit(ctx, "invitation_create", invitation.room, f"{invitation.id} {invitation.partner_school}")
    return redirect(f"/portal/invitations/{quote(invitation.id, safe='')}?created=1")


def _form(ctx: Context, values: dict[str, Any], errors: dict[str, str], lesson: Lesson | None = None) -> dict[str, Any]:
    for_lesson = None
    if lesson is not None:
        start = lesson.start.astimezone(ZoneInfo(ctx.portal.settings.timezone)).strftime("%d/%m/%Y %H:%M")
        for_lesson = ctx.t("invitations.new.for_lesson", title=lesson.title, class_name=lesson.class_name, start=start)
    return {"values": values, "errors": errors, "rooms": _rooms(ctx), "my_classes": _classes(ctx),
            "language_choices": [(code, NAMES[code]) for code in LANGUAGES], "max_guests": MAX_GUESTS,
            "for_lesson": for_lesson}  # fmt: skip


async def _lesson(ctx: Context, lesson_id: str | None) -> Lesson | None:
    """The lesson the invitation is for (hers, to come or running), or None; an unknown one is refused."""
    if not lesson_id:
        return None
    lessons = ctx.portal.world.features.get(Lessons)
    lesson = await lessons.visible(ctx.me, lesson_id[:128])
    if lesson is None or lesson.cancelled is not None or lesson.end.timestamp() <= time.time():
        raise Refusal(404, "lessons.unknown_title", "lessons.unknown")
    return lesson


def _rooms(ctx: Context) -> list[tuple[str, str]]:
    """``(id, name)`` of the rooms she may invite into: the amphitheatre first, then her classrooms."""
    rooms = ctx.portal.guests.invitable_rooms(ctx.me)
    rooms.sort(key=lambda r: (r.spec.access.policy != "conference", r.spec.name))
    return [(r.id, r.spec.name) for r in rooms]


def _classes(ctx: Context) -> list[str]:
    """The classes she may bring: hers; every class the world's rooms admit for staff."""
    me = ctx.me
    if me.role is Role.STAFF:
        return sorted({c for r in ctx.portal.world.rooms.values() for c in r.spec.access.classes})
    return list(me.classes)


def _checked(ctx: Context, values: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """The errors by field (in her language), and the fields of ``InvitationBook.create`` if there are none."""
    errors: dict[str, str] = {}
    for key, limit in (("partner_school", 120), ("country", 60)):
        text = values[key]
        if not 1 <= len(text) <= limit or not text.isprintable():
            errors[key] = ctx.t(f"invitations.new.{key}_invalid", limit=limit)
    if values["language"] not in LANGUAGES:
        errors["language"] = ctx.t("invitations.new.language_invalid")
    if values["room"] not in dict(_rooms(ctx)):
        errors["room"] = ctx.t("invitations.new.room_invalid")
    if not set(values["classes"]) <= set(_classes(ctx)):
        errors["classes"] = ctx.t("invitations.new.classes_invalid")
    zone = ZoneInfo(ctx.portal.settings.timezone)
    start, end = _when_of(values["valid_from"], zone), _when_of(values["valid_until"], zone)
    if start is None:
        errors["valid_from"] = ctx.t("invitations.new.time_invalid")
    if end is None:
        errors["valid_until"] = ctx.t("invitations.new.time_invalid")
    elif end <= time.time():
        errors["valid_until"] = ctx.t("invitations.new.until_past")
    elif start is not None and not 0 < end - start <= MAX_VALIDITY:
        errors["valid_until"] = ctx.t("invitations.new.window_invalid", days=MAX_VALIDITY // 86400)
    guests = values["max_guests"]
    if not (guests.isdigit() and 1 <= int(guests) <= MAX_GUESTS):
        errors["max_guests"] = ctx.t("invitations.new.guests_invalid", most=MAX_GUESTS)
    if errors:
        return errors, {}
    fields = {"partner_school": values["partner_school"], "country": values["country"],
              "language": values["language"], "room": values["room"], "classes": tuple(values["classes"]),
              "valid_from": start, "valid_until": end, "max_guests": int(guests)}  # fmt: skip
    return errors, fields


def _when_of(text: str, zone: ZoneInfo) -> float | None:
    """Unix seconds of a ``datetime-local`` value in ``zone``; None if it is not one."""
    try:
        return datetime.strptime(text[:16], FORM_TIME).replace(tzinfo=zone).timestamp()
    except ValueError:
        return None


def _mine(ctx: Context) -> Invitation:
    found = ctx.portal.guests.book.by_id.get(ctx.request.match_info["id"])
    if found is None or not found.owned_by(ctx.me):
        raise Refusal(404, "invitations.unknown_title", "invitations.unknown")
    return found


def _row(ctx: Context, invitation: Invitation, zone: ZoneInfo, now: float) -> dict[str, Any]:
    room = ctx.portal.world.rooms.get(invitation.room)
    if invitation.revoked:
        state = "revoked"
    elif now < invitation.valid_from:
        state = "future"
    elif now >= invitation.valid_until:
        state = "ended"
    else:
        state = "active"
    return {
        "id": invitation.id,
        "partner": invitation.partner_school,
        "country": invitation.country,
        "language": NAMES.get(invitation.language, invitation.language),
        "room": room.spec.name if room is not None else invitation.room,
        "room_id": invitation.room,
        "classes": ", ".join(invitation.classes),
        "from": _when(invitation.valid_from, zone),
        "until": _when(invitation.valid_until, zone),
        "guests": len(invitation.guests),
        "max_guests": invitation.max_guests,
        "state": state,
    }


def _when(stamp: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(stamp, zone).strftime("%d/%m/%Y %H:%M")
