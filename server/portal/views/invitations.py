"""« Invitations »: the teacher's invitations of partner classes (from the guests feature), each revocable."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from cybercollege.server.guests.invitation import Invitation
from cybercollege.server.portal.pages import Context, Refusal, page, redirect


@page("GET", "/portal/invitations", template="invitations.html", nav="nav.invitations")
async def invitations(ctx: Context) -> dict[str, Any]:
    """Hers (her school's for staff), newest first, with their state: active, to come, ended, revoked."""
    zone = ZoneInfo(ctx.portal.settings.timezone)
    now = time.time()
    rows = [_row(ctx, i, zone, now) for i in ctx.portal.guests.invitations_of(ctx.me)]
    return {"invitations": rows, "revoked": ctx.request.query.get("revoked") == "1"}


@page("POST", "/portal/invitations/{id}/revoke")
async def revoke(ctx: Context) -> web.StreamResponse:
    """Revoke one of hers: its guests leave at once (the guests feature's rule); a colleague's is not found."""
    try:
        invitation = await ctx.portal.guests.revoke_for(ctx.me, ctx.request.match_info["id"])
    except Exception:
        raise Refusal(503, "invitations.save_failed_title", "invitations.save_failed") from None
    if invitation is None:
        raise Refusal(404, "invitations.unknown_title", "invitations.unknown")
    return redirect("/portal/invitations?revoked=1")


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
        "room": room.spec.name if room is not None else invitation.room,
        "classes": ", ".join(invitation.classes),
        "from": _when(invitation.valid_from, zone),
        "until": _when(invitation.valid_until, zone),
        "guests": len(invitation.guests),
        "state": state,
    }


def _when(stamp: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(stamp, zone).strftime("%d/%m/%Y %H:%M")
