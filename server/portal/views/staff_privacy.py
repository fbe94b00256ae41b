"""« Données personnelles »: a family's request about a pupil's data, answered by the school's staff (RGPD
rights of access and erasure): find the person, download everything held about her as JSON, erase it after a
confirmation that names her. Export and erasure run across every holder of personal data (server/privacy.py);
both are audited with who asked, and the erasure leaves only its proof."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from cybercollege.server.persistence import AuditEvent
from cybercollege.server.persistence.records import check_id
from cybercollege.server.portal.i18n import strings
from cybercollege.server.portal.pages import NO_STORE, Context, Refusal, Who, page
from cybercollege.server.privacy import Privacy

SECTIONS = ("places", "chat", "audit")
"""The database's sections of an export, counted on the person's page (the other holders follow)."""


def privacy_of(ctx: Context) -> Privacy:
    writer = ctx.portal.world.writer
    if writer is None:
        raise Refusal(503, "privacy.no_database_title", "privacy.no_database")
    return Privacy.of(ctx.portal.world, writer)


def user_of(ctx: Context, value: str | None) -> str:
    """The ``user`` asked for, checked (a clear 400 page otherwise)."""
    try:
        check_id(value, "user")
    except ValueError:
        raise Refusal(400, "privacy.bad_user_title", "privacy.bad_user") from None
    assert value is not None
    return value


@page("GET", "/portal/privacy", template="staff_privacy.html", who=Who.STAFF, nav="nav.privacy")
async def search(ctx: Context) -> dict[str, Any]:
    """The search form and, with ``?q=``, the people whose id or name contains it."""
    query = ctx.request.query.get("q", "").strip()[:128]
    found = await privacy_of(ctx).find(query) if query else []
    return {"q": query, "found": found, "searched": bool(query)}


@page("GET", "/portal/privacy/person", template="staff_person.html", who=Who.STAFF)
async def person(ctx: Context) -> dict[str, Any]:
    """What is held about ``?user=``, counted by holder, with the export and erasure buttons."""
    user = user_of(ctx, ctx.request.query.get("user"))
    data = await privacy_of(ctx).export(user)
    found = counts(data)
    return {"user": user, "name": data["name"], "connected": data["connected"], "empty": not any(n for _, n in found),
            "counts": [(section(ctx, k), n) for k, n in found]}  # fmt: skip


@page("POST", "/portal/privacy/export", who=Who.STAFF)
async def export(ctx: Context) -> web.StreamResponse:
    """Everything held about the posted ``user``, as a JSON download; audited (``data_exported``, who asked)."""
    assert ctx.form is not None
    user = user_of(ctx, ctx.form.get("user"))
    data = await privacy_of(ctx).export(user)
    _audit(ctx, AuditEvent("data_exported", user, None, f"by=portal:{ctx.me.user_id}"))
    body = json.dumps(data, ensure_ascii=False, indent=2)
    name = "donnees-" + "".join(c if c.isalnum() or c in "-." else "-" for c in user) + ".json"
    return web.Response(
        text=body,
        content_type="application/json",
        headers={"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
                 **NO_STORE},
    )  # fmt: skip


@page("GET", "/portal/privacy/erase", template="staff_erase.html", who=Who.STAFF)
async def confirm(ctx: Context) -> dict[str, Any]:
    """The confirmation step: whose data, how much, and what stays (the proof of erasure)."""
    user = user_of(ctx, ctx.request.query.get("user"))
    data = await privacy_of(ctx).export(user)
    found = [(section(ctx, k), n) for k, n in counts(data)]
    return {"user": user, "name": data["name"] or user, "connected": data["connected"], "counts": found}


@page("POST", "/portal/privacy/erase", template="staff_erased.html", who=Who.STAFF)
async def erase(ctx: Context) -> dict[str, Any]:
    """Erase the posted ``user`` everywhere (she is signed out of the world first); audited as ``user_forgotten``."""
    assert ctx.form is not None
    user = user_of(ctx, ctx.form.get("user"))
    privacy = privacy_of(ctx)
    name = privacy.names().get(user) or user
    try:
        erased = await privacy.forget(user, by=f"portal:{ctx.me.user_id}")
    except Exception:
        raise Refusal(503, "privacy.failed_title", "privacy.failed") from None
    return {"user": user, "name": name, "counts": [(section(ctx, k), n) for k, n in erased.items()]}


def section(ctx: Context, name: str) -> str:
    """A holder's name in the page's language (its key ``privacy.section_<name>``), else the name itself."""
    key = f"privacy.section_{name}"
    return ctx.t(key) if key in strings(ctx.lang) else name


def counts(data: dict[str, Any]) -> list[tuple[str, int]]:
    """(section, items) of an export: the database's places, chat and audit, then every other holder."""
    held = data["data"]
    database = held["database"]
    found = [("places", 0 if database["place"] is None else 1), ("chat", len(database["chat"])),
             ("audit", len(database["audit"]))]  # fmt: skip
    found += [(name, len(items)) for name, items in held.items() if name != "database"]
    return found


def _audit(ctx: Context, event: AuditEvent) -> None:
    writer = ctx.portal.world.writer
    if writer is not None:
        writer.audit(event)
