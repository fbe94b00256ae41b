"""HTTP routes of ENT login: login page, CAS / OIDC / SAML flows, single logout, desktop tokens, demo.

See docs/sso.md for the whole flow. User-facing pages are French HTML; JSON endpoints answer
``{"error": code, "message": French text}`` on failure (``endpoint.py``: what every ENT endpoint shares).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent import cas, pages
from cybercollege.server.auth.ent.attributes import identity_from_attributes
from cybercollege.server.auth.ent.config import CasConfig, EntConfig, OidcConfig, SamlConfig
from cybercollege.server.auth.ent.demo import add_demo_routes
from cybercollege.server.auth.ent.desktop import desktop_request
from cybercollege.server.auth.ent.endpoint import (
    BROWSER_COOKIE,
    DEMO_ENABLED,
    LOGIN_SERVICE,
    NO_STORE,
    browser_of,
    html_errors,
    json_errors,
    read_json,
    redirect,
    service_of,
)
from cybercollege.server.auth.ent.errors import LoginError, code_part
from cybercollege.server.auth.ent.logout import add_oidc_logout_routes
from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.auth.ent.service import College, LoginService
from cybercollege.server.auth.ent.sessions import SessionStore, ent_session_key, subject_key
from cybercollege.server.auth.tokens import TokenError, TokenService

log = logging.getLogger("cybercollege.ent")

OIDC_ERRORS = {  # RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6 error codes a user can act on
    "access_denied": "L'ENT n'a pas autorisé la connexion (accès refusé). Recommencez ou contactez l'ENT.",
    "login_required": "Vous n'êtes pas connecté·e à l'ENT : recommencez pour saisir vos identifiants.",
    "interaction_required": "L'ENT demande une confirmation : recommencez la connexion.",
    "consent_required": "L'ENT demande votre accord pour Cybercollège : recommencez la connexion.",
    "temporarily_unavailable": "L'ENT est momentanément indisponible. Réessayez dans quelques minutes.",
}


def setup_ent(
    app: web.Application,
    ents: list[EntConfig],
    tokens: TokenService,
    *,
    public_url: str,
    demo: DemoDirectory | None,
    on_logout: Callable[[str], Awaitable[None]] | None,
    access_ttl: int = 900,
    college: College | None = None,
    sessions: SessionStore | None = None,
) -> None:
    """Add the ``/auth/...`` routes for ``ents`` (and demo logins when ``demo`` is given) to ``app``; ``college``
    says which schools sign in here, ``sessions`` where login sessions live (this process when None)."""
    service = LoginService(
        ents,
        tokens,
        public_url=public_url,
        on_logout=on_logout,
        access_ttl=access_ttl,
        college=college,
        sessions=sessions,
    )
    app[LOGIN_SERVICE] = service
    app.on_cleanup.append(lambda _app: service.http.close())
    app.on_cleanup.append(lambda _app: service.store.close())
    app.add_routes(
        [
            web.get("/auth/login", html_errors(login_page)),
            web.get("/auth/desktop/start", html_errors(desktop_start)),
            web.get("/auth/ent/{ent}/start", html_errors(ent_start)),
            web.get("/auth/cas/{ent}/callback", html_errors(cas_callback)),
            web.post("/auth/cas/{ent}/callback", cas_single_logout),
            web.post("/auth/cas/{ent}/logout", cas_single_logout),
            web.get("/auth/oidc/{ent}/callback", html_errors(oidc_callback)),
            web.post("/auth/desktop/token", json_errors(desktop_token)),
            web.post("/auth/refresh", json_errors(refresh)),
            web.post("/auth/logout", json_errors(logout)),
            web.get("/auth/me", json_errors(me)),
            web.get("/auth/ents", json_errors(list_ents)),
        ]
    )
    add_oidc_logout_routes(app)
    if any(isinstance(e, SamlConfig) for e in ents):
        from cybercollege.server.auth.ent.saml_routes import add_saml_routes  # pysaml2 is only imported when needed

        add_saml_routes(app, service)
    if demo is not None:
        add_demo_routes(app, demo)


# --- login pages -----------------------------------------------------------------------------------------


async def desktop_start(request: web.Request) -> web.StreamResponse:
    """``/auth/desktop/start?redirect_uri=&code_challenge=&state=``: bind the browser, show the ENT list."""
    service = service_of(request)
    browser = browser_of(request) or secrets.token_urlsafe(24)
    query = dict(request.query)
    request_id = service.open_request(desktop_request(query, browser, request.remote or "", service.web_completions))
    ent = request.query.get("ent")  # `cybercollege ent try NAME`: straight to that ENT
    if ent:
        service.ent(ent)
        response = redirect(f"/auth/ent/{ent}/start?{urlencode({'req': request_id})}")
    elif request.query.get("demo") == "1" and request.app.get(DEMO_ENABLED, False):  # the portal's demo button
        response = redirect(f"/auth/demo/pick?{urlencode({'req': request_id})}")
    else:
        response = redirect(f"/auth/login?{urlencode({'req': request_id})}")
    secure = service.public_url.startswith("https://")
    response.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=3600,
        path="/auth",
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
    )
    raise response


async def login_page(request: web.Request) -> web.StreamResponse:
    service = service_of(request)
    request_id = request.query.get("req", "")
    service.request_for(request_id, browser_of(request))
    ents = [(e.id, e.name) for e in service.ents.values()]
    html = pages.login_page(ents, request_id, demo=request.app.get(DEMO_ENABLED, False))
    return web.Response(text=html, content_type="text/html", headers=NO_STORE)


async def ent_start(request: web.Request) -> web.StreamResponse:
    """Send the browser to the chosen ENT's own login page."""
    service = service_of(request)
    ent = service.ent(request.match_info["ent"])
    request_id = request.query.get("req", "")
    desktop = service.request_for(request_id, browser_of(request))
    if isinstance(ent, CasConfig):
        state = service.begin(request_id, desktop, ent.id)
        gateway = False if request.query.get("gateway") == "0" else None
        raise redirect(cas.login_url(ent, cas_service_url(service, ent.id, state), gateway=gateway))
    if isinstance(ent, OidcConfig):
        verifier, challenge = pkce_pair()
        nonce, redirect_uri = secrets.token_urlsafe(24), oidc_redirect_uri(service, ent.id)
        state = service.begin(request_id, desktop, ent.id, nonce=nonce, verifier=verifier, redirect_uri=redirect_uri)
        raise redirect(await service.oidc[ent.id].authorization_url(redirect_uri, state, nonce, challenge))
    from cybercollege.server.auth.ent.saml_routes import saml_start

    return await saml_start(request, service, ent, request_id, desktop)


# --- CAS -------------------------------------------------------------------------------------------------


def cas_service_url(service: LoginService, ent_id: str, state: str) -> str:
    """Our CAS service URL; validation must use this exact string."""
    return f"{service.public_url}/auth/cas/{ent_id}/callback?{urlencode({'state': state})}"


async def cas_callback(request: web.Request) -> web.StreamResponse:
    service = service_of(request)
    ent = service.ent(request.match_info["ent"])
    if not isinstance(ent, CasConfig):
        raise LoginError("unknown_ent", "Cet ENT n'utilise pas CAS.", status=404)
    state = request.query.get("state", "")
    pending = service.take_pending(state, ent.id, browser_of(request))
    ticket = request.query.get("ticket")
    if not ticket:
        return not_logged_in_page(pending.request_id, ent)
    success = await cas.validate(service.http, ent, ticket, cas_service_url(service, ent.id, state))
    identity = identity_from_attributes(ent.id, success.as_mapping(), user=success.user, policy=service.policy(ent))
    raise redirect(await service.complete(pending.request_id, pending.request, identity, ent_session=ticket))


def not_logged_in_page(request_id: str, ent: CasConfig) -> web.Response:
    """Gateway answer: the user has no ENT session; offer a normal login."""
    link = f"/auth/ent/{ent.id}/start?{urlencode({'req': request_id, 'gateway': '0'})}"
    html = pages.message_page(
        "Pas encore connecté·e à l'ENT",
        f"Vous n'êtes pas connecté·e à {ent.name}. Recommencez pour saisir vos identifiants sur l'ENT.",
        error=False,
        link=(link, "Se connecter sur l'ENT"),
    )
    return web.Response(text=html, content_type="text/html", headers=NO_STORE)


async def cas_single_logout(request: web.Request) -> web.StreamResponse:
    """The ENT POSTs ``logoutRequest``; its SessionIndex is the ticket we validated."""
    service = service_of(request)
    ent_id = request.match_info["ent"]
    if not isinstance(service.ents.get(ent_id), CasConfig):
        raise web.HTTPNotFound()
    if request.content_length is not None and request.content_length > 64 * 1024:
        raise web.HTTPRequestEntityTooLarge(64 * 1024, request.content_length)
    form = await request.post()
    index = cas.parse_logout_request(str(form.get("logoutRequest", "")))
    if index is None:
        log.warning("single logout refused: malformed request ent=%s", ent_id)
        return web.Response(status=400, text="bad logoutRequest")
    try:
        await service.ent_logout(index, ent_id)
    except LoginError as exc:  # the session store is out of reach: the ENT may send it again
        return web.Response(status=exc.status, text=exc.code)
    return web.Response(text="ok")


# --- OpenID Connect --------------------------------------------------------------------------------------


def oidc_redirect_uri(service: LoginService, ent_id: str) -> str:
    return f"{service.public_url}/auth/oidc/{ent_id}/callback"


async def oidc_callback(request: web.Request) -> web.StreamResponse:
    service = service_of(request)
    ent = service.ent(request.match_info["ent"])
    if not isinstance(ent, OidcConfig):
        raise LoginError("unknown_ent", "Cet ENT n'utilise pas OpenID Connect.", status=404)
    pending = service.take_pending(request.query.get("state"), ent.id, browser_of(request))
    code = request.query.get("code")
    if not code:
        error = code_part(request.query.get("error", "no_code"))
        raise LoginError(f"oidc_{error}", OIDC_ERRORS.get(error, "L'ENT n'a pas autorisé la connexion. Recommencez."))
    claims = await service.oidc[ent.id].login(code, pending.redirect_uri, pending.verifier, pending.nonce)
    identity = identity_from_attributes(ent.id, claims, user=str(claims["sub"]), policy=service.policy(ent))
    op_sid = claims.get("sid")  # the provider's session, named again by a back-channel Logout Token
    ent_session = ent_session_key("oidc", ent.id, op_sid) if isinstance(op_sid, str) and op_sid else None
    subject = subject_key(ent.id, str(claims["sub"]))
    raise redirect(await service.complete(pending.request_id, pending.request, identity, ent_session, subject))


# --- desktop tokens --------------------------------------------------------------------------------------


async def desktop_token(request: web.Request) -> web.StreamResponse:
    """``{code, code_verifier}`` → ``{access_token, refresh_token, expires_in}``."""
    data = await read_json(request)
    tokens = await service_of(request).redeem_code(data.get("code"), data.get("code_verifier"))
    return web.json_response(tokens.as_json(), headers=NO_STORE)


async def refresh(request: web.Request) -> web.StreamResponse:
    data = await read_json(request)
    tokens = await service_of(request).refresh(data.get("refresh_token"))
    return web.json_response(tokens.as_json(), headers=NO_STORE)


async def list_ents(request: web.Request) -> web.StreamResponse:
    """The configured ENTs ``{"ents": [{"id", "name", "protocol"}]}``, for the client's login screen."""
    ents = [{"id": e.id, "name": e.name, "protocol": e.protocol} for e in service_of(request).ents.values()]
    return web.json_response({"ents": ents, "demo": request.app.get(DEMO_ENABLED, False)})


async def me(request: web.Request) -> web.StreamResponse:
    """The identity of ``Authorization: Bearer <access token>`` as the ENT mapping made it (``ent try``)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        identity, _sid = service_of(request).tokens.verify(token.strip() if scheme.lower() == "bearer" else "")
    except TokenError as exc:
        raise LoginError(exc.code, "Jeton d'accès invalide ou expiré.", status=401) from None
    return web.json_response(identity.to_claims(), headers=NO_STORE)


async def logout(request: web.Request) -> web.StreamResponse:
    """Ends the session of ``Authorization: Bearer <access token>`` or of a body ``{refresh_token}``."""
    service = service_of(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        try:
            _identity, sid = service.tokens.verify(token.strip())
        except TokenError as exc:
            raise LoginError(exc.code, "Jeton d'accès invalide ou expiré.", status=401) from None
    else:
        sid = await service.sid_of_refresh_token((await read_json(request)).get("refresh_token"))
    await service.end_session(sid, "client_logout")
    return web.json_response({"ok": True}, headers=NO_STORE)
