"""HTTP API of invitations (for teachers) and the guests' way in.

    POST   /api/invitations        teacher: create        -> {"invitation": {...}, "code": "ABCD-...", "link": url}
    GET    /api/invitations        teacher: list the ones I may manage
    DELETE /api/invitations/{id}   teacher: revoke (its guests are removed within a second)
    POST   /auth/guest             guest: {"code", "name"} -> {"access_token", "expires_in"}
    GET    /invite/{code}          the link: the browser page of server/guests/page.py

Teachers authenticate with their session token: ``Authorization: Bearer <access_token>``.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cybercollege.server.core.feature import Route
from cybercollege.server.core.identity import Role
from cybercollege.server.guests import page, sheet
from cybercollege.server.guests.invitation import InvitationError, display_code
from cybercollege.server.guests.names import impersonation
from cybercollege.server.http import api_error, bearer_identity, json_body

if TYPE_CHECKING:
    from cybercollege.server.guests.feature import Guests

GUEST_TOKEN_TTL = 4 * 3600


def routes(guests: Guests) -> list[Route]:
    """The invitations API, the printable sheet, and the guests' page (server/guests/page.py)."""
    return [
        Route("POST", "/api/invitations/sheet", functools.partial(sheet.sheet, guests)),
        Route("POST", "/api/invitations", functools.partial(create, guests)),
        Route("GET", "/api/invitations", functools.partial(list_invitations, guests)),
        Route("DELETE", "/api/invitations/{id}", functools.partial(revoke, guests)),
        Route("POST", "/auth/guest", functools.partial(guest_login, guests)),
        *page.routes(guests),
    ]


def _text(body: dict[str, Any], key: str, limit: int, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= limit or not value.isprintable():
        raise api_error(400, f"{key}_invalid", f"« {key} » : texte de 1 à {limit} caractères attendu.")
    return value.strip()


def _number(body: dict[str, Any], key: str, default: float | None = None) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise api_error(400, f"{key}_invalid", f"« {key} » : nombre attendu.")
    return float(value)


async def create(guests: Guests, request: web.Request) -> web.Response:
    teacher = bearer_identity(request)
    if teacher.role not in (Role.TEACHER, Role.STAFF):
        raise api_error(403, "invitation_forbidden", "Seuls les enseignants peuvent inviter.")
    body = await json_body(request)
    room_id = _text(body, "room", 64)
    room = guests.world.rooms.get(room_id)
    if room is None or room_id == "lobby" or room.spec.access.policy not in ("conference", "class"):
        raise api_error(400, "room_invalid", "Invitez dans l'amphithéâtre ou une salle de classe.")
    if not room.allows(teacher):
        raise api_error(403, "room_forbidden", "Vous n'avez pas accès à cette salle.")
    classes = body.get("classes", [])
    if not isinstance(classes, list) or not all(isinstance(c, str) and 0 < len(c) <= 16 for c in classes):
        raise api_error(400, "classes_invalid", '« classes » : liste de classes attendue (ex. ["4A"]).')
    if not set(classes) <= set(teacher.classes) and teacher.role is not Role.STAFF:
        raise api_error(403, "classes_forbidden", "Vous ne pouvez inviter que vos propres classes.")
    try:
        invitation, code = guests.book.create(
            teacher,
            partner_school=_text(body, "partner_school", 120),
            country=_text(body, "country", 60),
            language=_text(body, "language", 30),
            room=room_id,
            classes=tuple(classes),
            valid_from=_number(body, "valid_from", time.time()),
            valid_until=_number(body, "valid_until"),
            max_guests=int(_number(body, "max_guests", 30)),
        )
    except InvitationError as exc:
        raise api_error(exc.status, exc.code, exc.message) from None
    await _save(guests)
    link = f"{guests.world.settings.base_url()}/invite/{display_code(code)}"
    return web.json_response({"invitation": invitation.public(), "code": display_code(code), "link": link}, status=201)


async def list_invitations(guests: Guests, request: web.Request) -> web.Response:
    teacher = bearer_identity(request)
    mine = [i.public() for i in guests.book.by_id.values() if i.owned_by(teacher)]
    return web.json_response({"invitations": mine})


async def revoke(guests: Guests, request: web.Request) -> web.Response:
    teacher = bearer_identity(request)
    invitation = guests.book.by_id.get(request.match_info["id"])
    if invitation is None or not invitation.owned_by(teacher):
        raise api_error(404, "invitation_unknown", "Invitation inconnue.")  # a colleague's is not hers to see
    guests.book.revoke(invitation.id)
    await _save(guests)
    return web.json_response({"invitation": invitation.public()})


async def guest_login(guests: Guests, request: web.Request) -> web.Response:
    if not guests.attempt(request.remote):
        raise api_error(429, "too_many_attempts", "Trop d'essais : attendez une minute.")
    body = await json_body(request)
    code, name = body.get("code"), body.get("name")
    if not isinstance(code, str) or not isinstance(name, str) or len(code) > 64 or len(name) > 64:
        raise api_error(400, "guest_invalid", "« code » et « name » sont attendus.")
    why = impersonation(name, guests.member_names())
    if why is not None:
        raise api_error(400, "guest_name_impersonates", why)
    try:
        identity = guests.book.redeem(code, name)
    except InvitationError as exc:
        raise api_error(exc.status, exc.code, exc.message) from None
    await _save(guests)
    token = guests.tokens.issue(identity, ttl_seconds=GUEST_TOKEN_TTL)
    return web.json_response({"access_token": token, "expires_in": GUEST_TOKEN_TTL, "name": identity.display_name})


async def _save(guests: Guests) -> None:
    try:
        await guests.save()
    except Exception:
        raise api_error(503, "storage_unavailable", "Enregistrement impossible : réessayez dans un instant.") from None
