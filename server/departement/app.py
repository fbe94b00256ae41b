"""The département's front door (``cybercollege departement``): a home page listing the collèges, the ENT sign-in
(server/auth/ent/, completed here as the portal completes it), then a redirect to the user's collège by her UAI.

It keeps nothing: the login session the ENT package opens is ended as soon as her UAI is read; between the start
and the end of a sign-in, only a cookie of this browser holds its PKCE verifier and state.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from cybercollege.server.auth.ent.endpoint import LOGIN_SERVICE, REFUSAL_PAGE
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.departement.config import Departement
from cybercollege.server.departement.i18n import choose, translate
from cybercollege.server.portal.headers import HEADERS
from cybercollege.server.portal.i18n import NAMES

log = logging.getLogger("cybercollege.departement")

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent / "portal" / "static"  # the portal's look
COOKIE = "cc_departement"
COOKIE_TTL = 15 * 60
DONE = "/signin/done"
FRONT = web.AppKey("departement", Departement)
PUBLIC_URL = web.AppKey("departement_public_url", str)
NO_STORE = {"Cache-Control": "no-store", **HEADERS}
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(default=True),
    undefined=jinja2.StrictUndefined,
)


@dataclass(frozen=True, slots=True)
class SignIn:
    """What the browser's cookie holds while it is at the ENT: the state, the PKCE verifier, where to, the language."""

    state: str
    verifier: str
    client: bool
    lang: str

    def cookie(self) -> str:
        return ".".join((self.state, self.verifier, "client" if self.client else "portal", self.lang))

    @classmethod
    def of(cls, value: str) -> SignIn | None:
        parts = value.split(".")
        if len(parts) != 4 or parts[2] not in ("client", "portal"):
            return None
        return cls(parts[0], parts[1], parts[2] == "client", choose(parts[3], ""))


def build(departement: Departement, public_url: str) -> web.Application:
    """The front door's application for ``departement``, answering at ``public_url``."""
    app = web.Application()
    app[FRONT] = departement
    app[PUBLIC_URL] = public_url.rstrip("/")
    tokens = TokenService(secrets.token_urlsafe(48), audience="departement")  # never issued: sessions end at once
    setup_ent(app, list(departement.ents), tokens, public_url=public_url, demo=None, on_logout=None)
    app[LOGIN_SERVICE].allow_web_completion(app[PUBLIC_URL] + DONE)
    app[REFUSAL_PAGE] = _refused_by_ent
    app.router.add_get("/", home)
    app.router.add_get("/signin", start)
    app.router.add_get(DONE, done)
    app.router.add_get("/health", health)
    app.router.add_static("/static", STATIC)
    return app


def render(request: web.Request, template: str, lang: str, status: int = 200, **values: Any) -> web.Response:
    departement = request.app[FRONT]
    html = _TEMPLATES.get_template(template).render(
        lang=lang,
        languages=NAMES,
        path=request.path,
        name=departement.name,
        t=lambda key, **fields: translate(lang, key, **fields),
        **values,
    )
    return web.Response(text=html, status=status, content_type="text/html", headers=NO_STORE)


def language(request: web.Request) -> str:
    return choose(request.query.get("lang"), request.headers.get("Accept-Language", ""))


def message(request: web.Request, lang: str, status: int, title: str, text: str, **fields: object) -> web.Response:
    """A short page: ``title`` and ``text`` are catalogue keys."""
    return render(request, "message.html", lang, status, title=translate(lang, title),
                  text=translate(lang, text, **fields))  # fmt: skip


async def home(request: web.Request) -> web.StreamResponse:
    """What this is, the collèges, and « Se connecter avec mon ENT » (one button per ENT when there are several)."""
    departement, lang = request.app[FRONT], language(request)
    ents = [(e.id, e.name) for e in departement.ents]
    return render(request, "home.html", lang, colleges=departement.colleges, ents=ents)


async def start(request: web.Request) -> web.StreamResponse:
    """``/signin?ent=ID[&next=client]``: to the ENT through ``/auth/desktop/start``, its verifier in a cookie."""
    departement, lang = request.app[FRONT], language(request)
    ent = request.query.get("ent", "")
    if ent not in {e.id for e in departement.ents}:
        return message(request, lang, 404, "failed_title", "unknown_ent")
    verifier, challenge = pkce_pair()
    sign_in = SignIn(secrets.token_urlsafe(24), verifier, request.query.get("next") == "client", lang)
    query = {
        "redirect_uri": request.app[PUBLIC_URL] + DONE,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": sign_in.state,
        "ent": ent,
    }
    response = web.HTTPFound(f"/auth/desktop/start?{urlencode(query)}", headers=NO_STORE)
    secure = request.app[PUBLIC_URL].startswith("https://")
    response.set_cookie(COOKIE, sign_in.cookie(), max_age=COOKIE_TTL, path=DONE, httponly=True, secure=secure,
                        samesite="Lax")  # fmt: skip
    raise response


async def done(request: web.Request) -> web.StreamResponse:
    """The ENT's login comes back: read her UAI, end the login session, send her to her collège."""
    sign_in = SignIn.of(request.cookies.get(COOKIE, ""))
    lang = sign_in.lang if sign_in else language(request)
    state = request.query.get("state", "")
    if sign_in is None or not secrets.compare_digest(state.encode(), sign_in.state.encode()):
        return _forget(message(request, lang, 400, "failed_title", "expired"))
    service = request.app[LOGIN_SERVICE]
    try:
        login = service.redeem_session(request.query.get("code"), sign_in.verifier)
    except LoginError:
        return _forget(message(request, lang, 400, "failed_title", "expired"))
    await service.end_session(login.sid, "departement_routed")  # nothing kept: she signs in at her collège
    uai = login.identity.school_uai
    college = request.app[FRONT].college_of(uai)
    if college is None:
        log.info("sign-in of a school of no collège school=%s", uai)
        key = "no_college" if uai else "no_school"
        return _forget(message(request, lang, 404, "no_college_title", key, uai=uai or ""))
    log.info("sign-in routed college=%s", college.id)
    if sign_in.client:
        return _forget(render(request, "client.html", lang, college=college))
    return _forget(web.Response(status=303, headers={"Location": college.portal, **NO_STORE}))


async def health(request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok", headers={"Cache-Control": "no-store"})


async def _refused_by_ent(request: web.Request, error: LoginError) -> web.Response:
    """A login the ENT package refused (expired, an account with no role here): in the front door's layout."""
    lang = language(request)
    return render(request, "message.html", lang, error.status, title=translate(lang, "failed_title"),
                  text=error.message)  # fmt: skip


def _forget(response: web.Response) -> web.Response:
    response.del_cookie(COOKIE, path=DONE)
    return response
