"""« Salle d'attente »: the guests waiting for a room she invited a partner class into, admitted or sent back with
forms that work without JavaScript, and kept up to date by server-sent events (static/lobby.js).

Only the invitation's owner and her school's staff see and admit its guests (``Invitation.owned_by``); every
admission and sending back is audited.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import aiohttp_jinja2
from aiohttp import web

from cybercollege.protocol.invitation import Guest
from cybercollege.server.portal.audit import audit
from cybercollege.server.portal.live import TooManyStreams
from cybercollege.server.portal.pages import Context, Refusal, page, redirect

MAX_ID_DIGITS = 10


@page("GET", "/portal/lobby", template="lobby_rooms.html", nav="nav.lobby")
async def rooms(ctx: Context) -> dict[str, Any]:
    """The rooms of her invitations open now, each with its partner classes and how many guests wait."""
    now = time.time()
    open_ones = [i for i in ctx.portal.guests.invitations_of(ctx.me) if i.active(now)]
    found = []
    for room_id in dict.fromkeys(i.room for i in open_ones):
        room = ctx.portal.world.rooms.get(room_id)
        partners = ", ".join(dict.fromkeys(i.partner_school for i in open_ones if i.room == room_id))
        waiting = len(ctx.portal.guests.lobby_of(ctx.me, room_id))
        name = room.spec.name if room is not None else room_id
        found.append({"href": _href(room_id), "name": name, "partners": partners, "waiting": waiting})
    return {"rooms": found}


@page("GET", "/portal/lobby/{room}", template="lobby.html")
async def lobby(ctx: Context) -> dict[str, Any]:
    """Who waits for this room (name · school), with the buttons; lobby.js replaces the list as it changes."""
    room_id, name = _room(ctx)
    done = ctx.request.query.get("done", "")
    return _values(ctx, room_id) | {
        "room_name": name,
        "events": _href(room_id) + "/events",
        "done": done if done in ("admitted", "sent_back", "gone") else None,
    }


@page("POST", "/portal/lobby/{room}/admit")
async def admit(ctx: Context) -> web.StreamResponse:
    """``guest=<id>`` (or ``all=1``): into the room (the guests feature moves them there)."""
    room_id, _ = _room(ctx)
    assert ctx.form is not None
    guests = ctx.portal.guests
    ids = [g.id for g in guests.lobby_of(ctx.me, room_id)] if ctx.form.get("all") == "1" else [_guest_id(ctx)]
    waiting = _waiting_ids(ctx, room_id)  # this room's: another room's guest is not admitted from here
    admitted = guests.admit_for(ctx.me, [i for i in ids if i in waiting])
    for guest in admitted:
        audit(ctx, "portal_admit", room_id, _who(guest))
    return redirect(_href(room_id) + ("?done=admitted" if admitted else "?done=gone"))


@page("POST", "/portal/lobby/{room}/dismiss")
async def dismiss(ctx: Context) -> web.StreamResponse:
    """``guest=<id>``: sent back (disconnected; she may come back with the code and wait again)."""
    room_id, _ = _room(ctx)
    guest_id = _guest_id(ctx)
    guest = ctx.portal.guests.dismiss_for(ctx.me, guest_id) if guest_id in _waiting_ids(ctx, room_id) else None
    if guest is not None:
        audit(ctx, "portal_send_back", room_id, _who(guest))
    return redirect(_href(room_id) + ("?done=sent_back" if guest is not None else "?done=gone"))


@page("GET", "/portal/lobby/{room}/events")
async def events(ctx: Context) -> web.StreamResponse:
    """The list as server-sent events (``event: lobby``, its HTML), a heartbeat when nothing changes."""
    room_id, _ = _room(ctx)
    portal, session = ctx.portal, ctx.session
    try:
        response = await portal.streams.serve(
            ctx.request,
            session.id,
            "lobby",
            lambda: _fragment(ctx, room_id),
            portal.guests.watchers,
            lambda: portal.live(session),
        )
    except TooManyStreams:
        raise Refusal(503, "lobby.busy_title", "lobby.busy") from None
    if not portal.live(session):  # signed out meanwhile: the session kept after the stream is anonymous
        session.identity, session.sid = None, None
    return response


def _values(ctx: Context, room_id: str) -> dict[str, Any]:
    return {"t": ctx.t, "csrf": ctx.session.csrf, "room": room_id, "action": _href(room_id),
            "waiting": ctx.portal.guests.lobby_of(ctx.me, room_id)}  # fmt: skip


def _fragment(ctx: Context, room_id: str) -> str:
    template = aiohttp_jinja2.get_env(ctx.request.app).get_template("lobby_list.html")
    return template.render(_values(ctx, room_id))


def _room(ctx: Context) -> tuple[str, str]:
    """The room of the URL, if one of her invitations (her school's for staff) is for it; else 404."""
    room_id = ctx.request.match_info["room"]
    room = ctx.portal.world.rooms.get(room_id)
    if room is None or not any(i.room == room_id for i in ctx.portal.guests.invitations_of(ctx.me)):
        raise Refusal(404, "lobby.unknown_title", "lobby.unknown")
    return room_id, room.spec.name


def _guest_id(ctx: Context) -> int:
    assert ctx.form is not None
    value = str(ctx.form.get("guest", ""))
    if not value.isdigit() or len(value) > MAX_ID_DIGITS:
        raise Refusal(400, "lobby.bad_guest_title", "lobby.bad_guest")
    return int(value)


def _waiting_ids(ctx: Context, room_id: str) -> set[int]:
    return {g.id for g in ctx.portal.guests.lobby_of(ctx.me, room_id)}


def _who(guest: Guest) -> str:
    return f"{guest.name} · {guest.school}"


def _href(room_id: str) -> str:
    return f"/portal/lobby/{quote(room_id, safe='')}"
