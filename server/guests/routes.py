"""HTTP API of invitations (for teachers) and the guests' way in.

    POST   /api/invitations        teacher: create        -> {"invitation": {...}, "code": "ABCD-...", "link": url}
    GET    /api/invitations        teacher: list the ones I may manage
    DELETE /api/invitations/{id}   teacher: revoke (its guests are removed within a second)
    POST   /auth/guest             guest: {"code", "name"} -> {"access_token", "expires_in"}
    GET    /invite/{code}          the link: the browser page of server/guests/page.py

Teachers authenticate with their session token: ``Authorization: Bearer <access_token>``.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from cybercollege.server.core.identity import Role
from cybercollege.server.core.ratelimit import TokenBucket
from cybercollege.server.edge.api import api_error, bearer_identity, json_body
from cybercollege.server.edge.services import SERVICES, Services
from cybercollege.server.guests.invitation import InvitationError, display_code
from cybercollege.server.guests.page import add_guest_page_routes
from cybercollege.server.guests.sheet import sheet

GUEST_TOKEN_TTL = 4 * 3600
GUEST_ATTEMPTS: web.AppKey[dict[str, TokenBucket]] = web.AppKey("guest_attempts", dict)
ATTEMPTS_PER_MINUTE = 10


def add_invitation_routes(app: web.Application) -> None:
    app[GUEST_ATTEMPTS] = {}
    app.router.add_post("/api/invitations/sheet", sheet)  # the printable sheet (server/guests/sheet.py)
    app.add_routes(
        [
            web.post("/api/invitations", create),
            web.get("/api/invitations", list_invitations),
            web.delete("/api/invitations/{id}", revoke),
            web.post("/auth/guest", guest_login),
        ]
    )
    add_guest_page_routes(app, GUEST_ATTEMPTS)


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


async def create(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    teacher = bearer_identity(request)
    if teacher.role not in (Role.TEACHER, Role.STAFF):
        raise api_error(403, "invitation_forbidden", "Seuls les enseignants peuvent inviter.")
    body = await json_body(request)
    room_id = _text(body, "room", 64)
    room = services.world.rooms.get(room_id)
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
        invitation, code = services.invitations.create(
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
    await _save(services)
    link = f"{services.settings.base_url()}/invite/{display_code(code)}"
    return web.json_response({"invitation": invitation.public(), "code": display_code(code), "link": link}, status=201)


async def list_invitations(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    teacher = bearer_identity(request)
    mine = [i.public() for i in services.invitations.by_id.values() if i.may_manage(teacher)]
    return web.json_response({"invitations": mine})


async def revoke(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    teacher = bearer_identity(request)
    invitation = services.invitations.by_id.get(request.match_info["id"])
    if invitation is None or not invitation.may_manage(teacher):
        raise api_error(404, "invitation_unknown", "Invitation inconnue.")
    services.invitations.revoke(invitation.id)
    await _save(services)
    return web.json_response({"invitation": invitation.public()})


async def guest_login(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    attempts = request.app[GUEST_ATTEMPTS]
    bucket = attempts.setdefault(request.remote or "?", TokenBucket(ATTEMPTS_PER_MINUTE / 60, ATTEMPTS_PER_MINUTE))
    if not bucket.take():
        raise api_error(429, "too_many_attempts", "Trop d'essais : attendez une minute.")
    body = await json_body(request)
    code, name = body.get("code"), body.get("name")
    if not isinstance(code, str) or not isinstance(name, str) or len(code) > 64 or len(name) > 64:
        raise api_error(400, "guest_invalid", "« code » et « name » sont attendus.")
    try:
        identity = services.invitations.redeem(code, name)
    except InvitationError as exc:
        raise api_error(exc.status, exc.code, exc.message) from None
    await _save(services)
    token = services.tokens.issue(identity, ttl_seconds=GUEST_TOKEN_TTL)
    return web.json_response({"access_token": token, "expires_in": GUEST_TOKEN_TTL, "name": identity.display_name})


async def _save(services: Services) -> None:
    try:
        await services.save_invitations()
    except Exception:
        raise api_error(503, "storage_unavailable", "Enregistrement impossible : réessayez dans un instant.") from None
