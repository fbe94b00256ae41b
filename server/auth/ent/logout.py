"""OpenID Connect Back-Channel Logout 1.0: the provider POSTs a signed Logout Token; we end the sessions it names.

``POST /auth/oidc/{ent}/backchannel-logout`` with the form field ``logout_token``. The token is a JWT signed
with the provider's key (same JWKS and pinned algorithm as ID tokens). We check ``iss``, ``aud``, ``iat``
(present and recent), ``exp`` (when present), ``jti`` (never seen before), the back-channel logout event,
``sid`` and/or ``sub``, and the absence of ``nonce``; then every session of that ENT login (``sid``) or of
that user (``sub`` alone) ends: its tokens are revoked and the world server's ``on_logout`` removes the avatar.

Answers (``Cache-Control: no-store``): 200 ``{"ok": true}`` (also when no session matched: the spec does not
treat it as an error), 400 ``{"error": "invalid_request", "error_description": <reason>}`` for a bad token,
413 for an oversized body, 404 for an unknown ENT, 502 when the provider's keys cannot be fetched.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from aiohttp import web
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cybercollege.server.auth.ent.config import OidcConfig
from cybercollege.server.auth.ent.endpoint import NO_STORE, service_of
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.oidc import ALGORITHM, CLOCK_LEEWAY, OidcClient
from cybercollege.server.auth.ent.sessions import SessionStore, SessionsUnavailable, ent_session_key, subject_key
from cybercollege.server.auth.ent.store import OneTimeStore, digest

log = logging.getLogger("cybercollege.ent")

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_BODY = 16 * 1024
MAX_TOKEN = 8 * 1024
MAX_AGE = 300  # a Logout Token issued longer ago than this is refused (its jti may have been forgotten)
ACCEPTED_TYP = {None, "JWT", "logout+jwt", "application/logout+jwt"}


class LogoutTokenError(Exception):
    """A Logout Token was refused; ``reason`` is a stable code (answered and logged, never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def seen_tokens(max_items: int = 100_000, clock: Callable[[], float] = time.time) -> OneTimeStore[bool]:
    """The ``jti`` of accepted Logout Tokens (``first_use``), kept until the token could no longer be accepted:
    on the wall clock, as the tokens' ``iat`` and ``exp`` are."""
    return OneTimeStore(MAX_AGE, max_items, clock)


def _header(token: str) -> dict:
    parts = token.split(".")
    if len(parts) != 3:
        raise LogoutTokenError("logout_token_malformed")
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise LogoutTokenError("logout_token_malformed") from None
    if not isinstance(header, dict):
        raise LogoutTokenError("logout_token_malformed")
    return header


def _decode(token: str, keys: KeySet) -> dict:
    try:
        claims = jwt.decode(token, keys, algorithms=[ALGORITHM]).claims
    except (ValueError, TypeError, KeyError):
        raise LogoutTokenError("logout_token_malformed") from None
    if not isinstance(claims, dict):
        raise LogoutTokenError("logout_token_malformed")
    return claims


async def verify_logout_token(
    client: OidcClient, token: str, seen: OneTimeStore[bool], now: float | None = None
) -> dict[str, object]:
    """The claims of a valid, never seen Logout Token for ``client``'s provider; :class:`LogoutTokenError`."""
    now = time.time() if now is None else now
    if not token or len(token) > MAX_TOKEN:
        raise LogoutTokenError("logout_token_missing" if not token else "logout_token_too_large")
    header = _header(token)
    if header.get("alg") != ALGORITHM:
        raise LogoutTokenError("logout_token_bad_alg")
    if header.get("typ") not in ACCEPTED_TYP:
        raise LogoutTokenError("logout_token_bad_typ")
    provider = await client.provider()
    try:
        claims = _decode(token, await client.signing_keys())
    except JoseError:
        try:  # the provider may have rotated its keys
            claims = _decode(token, await client.signing_keys(refresh=True))
        except JoseError:
            raise LogoutTokenError("logout_token_bad_signature") from None
    _check_claims(claims, provider.issuer, client.cfg.client_id, now)
    until = max(float(claims.get("exp") or 0), float(claims["iat"]) + MAX_AGE) + CLOCK_LEEWAY
    if not seen.first_use(f"{provider.issuer}\x00{claims['jti']}", until):
        raise LogoutTokenError("logout_token_replayed")
    return claims


def _check_claims(claims: dict, issuer: str, client_id: str, now: float) -> None:
    """Back-Channel Logout 1.0 §2.6, steps 3–7 (the signature was checked before)."""
    if claims.get("iss") != issuer:
        raise LogoutTokenError("logout_token_bad_iss")
    aud = claims.get("aud")
    if not (aud == client_id or (isinstance(aud, list) and client_id in aud)):
        raise LogoutTokenError("logout_token_bad_aud")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise LogoutTokenError("logout_token_no_iat")
    if iat > now + CLOCK_LEEWAY:
        raise LogoutTokenError("logout_token_iat_in_future")
    if iat < now - MAX_AGE - CLOCK_LEEWAY:
        raise LogoutTokenError("logout_token_stale")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int | float) or isinstance(exp, bool) or exp < now - CLOCK_LEEWAY):
        raise LogoutTokenError("logout_token_expired")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise LogoutTokenError("logout_token_no_jti")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise LogoutTokenError("logout_token_bad_events")
    if "nonce" in claims:
        raise LogoutTokenError("logout_token_nonce_present")
    sid, sub = claims.get("sid"), claims.get("sub")
    for value in (sid, sub):
        if value is not None and (not isinstance(value, str) or not value or len(value) > 512):
            raise LogoutTokenError("logout_token_bad_sid_or_sub")
    if sid is None and sub is None:
        raise LogoutTokenError("logout_token_no_sid_or_sub")


async def sessions_named(registry: SessionStore, ent_id: str, sid: object, sub: object) -> list[str]:
    """Our sessions a Logout Token names: the ENT login ``sid`` (of user ``sub`` when given), else every
    session of ``sub`` at this ENT."""
    if isinstance(sid, str):
        sids = await registry.sids_for_ent_session(ent_session_key("oidc", ent_id, sid))
        if isinstance(sub, str):
            wanted = digest(subject_key(ent_id, sub))
            sids = [s for s in sids if await registry.subject_of(s) == wanted]
        return sids
    if isinstance(sub, str):
        return await registry.sids_for_subject(subject_key(ent_id, sub))
    return []


SEEN_TOKENS = web.AppKey("ent_seen_logout_tokens", OneTimeStore[bool])


def add_oidc_logout_routes(app: web.Application) -> None:
    app[SEEN_TOKENS] = seen_tokens()
    app.router.add_post("/auth/oidc/{ent}/backchannel-logout", backchannel_logout)


def _refused(reason: str, status: int = 400) -> web.Response:
    body = {"error": "invalid_request" if status == 400 else reason, "error_description": reason}
    return web.json_response(body, status=status, headers=NO_STORE)


async def backchannel_logout(request: web.Request) -> web.StreamResponse:
    """The provider POSTs ``logout_token`` (application/x-www-form-urlencoded)."""
    service = service_of(request)
    ent_id = request.match_info["ent"]
    ent = service.ents.get(ent_id)
    if not isinstance(ent, OidcConfig):
        return _refused("unknown_ent", status=404)
    if request.content_length is not None and request.content_length > MAX_BODY:
        log.warning("back-channel logout refused ent=%s reason=body_too_large", ent_id)
        return _refused("body_too_large", status=413)
    if request.content_type != "application/x-www-form-urlencoded":
        return _refused("logout_token_missing")
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        log.warning("back-channel logout refused ent=%s reason=body_too_large", ent_id)
        return _refused("body_too_large", status=413)
    try:
        values = parse_qs(raw.decode("ascii"), strict_parsing=False).get("logout_token", [])
    except UnicodeDecodeError:
        values = []
    if len(values) != 1:
        log.warning("back-channel logout refused ent=%s reason=logout_token_missing", ent_id)
        return _refused("logout_token_missing")
    try:
        claims = await verify_logout_token(service.oidc[ent_id], values[0], request.app[SEEN_TOKENS])
    except LogoutTokenError as exc:
        log.warning("back-channel logout refused ent=%s reason=%s", ent_id, exc.reason)
        return _refused(exc.reason)
    except LoginError as exc:  # the provider's discovery or keys are unreachable
        log.warning("back-channel logout failed ent=%s code=%s", ent_id, exc.code)
        return _refused(exc.code, status=502)
    try:
        sids = await sessions_named(service.store, ent_id, claims.get("sid"), claims.get("sub"))
    except SessionsUnavailable:  # the provider may send it again
        log.error("back-channel logout failed ent=%s: session store unreachable", ent_id)
        return _refused("temporarily_unavailable", status=503)
    ended = await service.end_sessions(sids, f"backchannel_logout:{ent_id}")
    log.info("back-channel logout ent=%s sessions_ended=%d", ent_id, ended)
    return web.json_response({"ok": True}, headers=NO_STORE)
