"""« Journal »: the audit log for the school's staff, filtered by user, event and dates, newest first, a page at a
time, in the college's timezone. It shows no secret: details are redacted when written (records.py) and again
when shown."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from cybercollege.server.persistence.records import MAX_EVENT_CHARS, MAX_ID_CHARS, redact
from cybercollege.server.portal.pages import Context, Refusal, Who, page

PAGE = 50
"""Entries per page."""


@page("GET", "/portal/audit", template="staff_audit.html", who=Who.STAFF, nav="nav.audit")
async def audit_log(ctx: Context) -> dict[str, Any]:
    """One page of the log; ``?user=&event=&from=&to=`` filter it, ``before=`` pages back."""
    store = _store(ctx)
    query = ctx.request.query
    zone = ZoneInfo(ctx.portal.settings.timezone)
    user, event = query.get("user", "").strip(), query.get("event", "").strip()
    if len(user) > MAX_ID_CHARS or len(event) > MAX_EVENT_CHARS:
        raise Refusal(400, "audit.bad_title", "audit.bad_filter")
    since, until = _day(query.get("from"), zone), _day(query.get("to"), zone)
    rows = await store.audit_page(
        user_id=user or None,
        event=event or None,
        since=since,
        until=until + timedelta(days=1) if until else None,
        before=_before(query.get("before")),
        limit=PAGE,
    )
    rooms = ctx.portal.world.rooms
    entries = [
        {"at": e.at.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S"), "event": e.event, "user": e.user_id or "",
         "room": rooms[e.room_id].spec.name if e.room_id in rooms else (e.room_id or ""), "detail": redact(e.detail)}
        for _, e in rows
    ]  # fmt: skip
    filters = {k: v for k, v in (("user", user), ("event", event), ("from", query.get("from", "")),
                                 ("to", query.get("to", ""))) if v}  # fmt: skip
    older = f"/portal/audit?{urlencode(filters | {'before': rows[-1][0]})}" if len(rows) == PAGE else None
    return {"entries": entries, "filters": filters, "events": await store.audit_events(), "older": older,
            "timezone": ctx.portal.settings.timezone, "paged": "before" in query}  # fmt: skip


def _store(ctx: Context) -> Any:
    writer = ctx.portal.world.writer
    if writer is None:
        raise Refusal(503, "privacy.no_database_title", "privacy.no_database")
    return writer.store


def _day(value: str | None, zone: ZoneInfo) -> datetime | None:
    """A ``YYYY-MM-DD`` day's start in the college's timezone, or None."""
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value[:10]), time(), zone)
    except ValueError:
        raise Refusal(400, "audit.bad_title", "audit.bad_date") from None


def _before(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise Refusal(400, "audit.bad_title", "audit.bad_filter")
    return int(value)
