"""Small helpers of the JSON HTTP API, shared by the edge and the features' routes: errors with stable codes,
request bodies, and the caller's identity."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from cybercollege.server.auth.tokens import TokenError, TokenService
from cybercollege.server.core.identity import Identity

TOKENS: web.AppKey[TokenService] = web.AppKey("tokens", TokenService)
"""The server's token service (set by the edge): who a bearer token names."""
COOKIE_IDENTITY: web.RequestKey[Identity] = web.RequestKey("cookie_identity", Identity)
"""Request key: the identity of the portal's cookie session, set by the portal's middleware (server/portal/)."""
COOKIE_CSRF_OK: web.RequestKey[bool] = web.RequestKey("cookie_csrf_ok", bool)
"""Request key: True when the request carries its cookie session's CSRF token (``X-CSRF-Token``)."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_STATUS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    410: web.HTTPGone,
    429: web.HTTPTooManyRequests,
    503: web.HTTPServiceUnavailable,
}


def api_error(status: int, code: str, message: str) -> web.HTTPException:
    """``{"error": code, "message": message}`` with ``status``; ``message`` is French, for people."""
    return _STATUS[status](text=json.dumps({"error": code, "message": message}, ensure_ascii=False),
                           content_type="application/json")  # fmt: skip


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or 400 ``bad_json``."""
    try:
        body = await request.json()
    except ValueError:
        raise api_error(400, "bad_json", "Corps JSON attendu.") from None
    if not isinstance(body, dict):
        raise api_error(400, "bad_json", "Un objet JSON est attendu.")
    return body


def bearer_identity(request: web.Request) -> Identity:
    """The identity of ``Authorization: Bearer <access_token>``, else of the portal's cookie session (with its CSRF
    token on anything but GET), or 401."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        cookie: Identity | None = request.get(COOKIE_IDENTITY)
        if cookie is None:
            raise api_error(401, "token_missing", "Connexion requise (Authorization: Bearer <jeton>).")
        if request.method not in SAFE_METHODS and not request.get(COOKIE_CSRF_OK, False):
            raise api_error(403, "csrf_refused", "Demande refusée : jeton anti-falsification (CSRF) absent ou faux. "
                            "Rechargez la page du portail et recommencez.")  # fmt: skip
        return cookie
    try:
        identity, _sid = request.app[TOKENS].verify(header.removeprefix("Bearer ").strip())
    except TokenError as exc:
        status = 403 if exc.code == "wrong_college" else 401  # another collège's: signing in again here won't do
        raise api_error(status, exc.code, exc.message) from None  # revoked, expired, a disabled account: in French
    return identity
