"""What every ENT endpoint shares: the app's login service, the browser binding cookie, errors rendered as a French
page or as JSON, byte-exact redirects and small JSON bodies.

``routes.py``, ``demo.py``, ``logout.py`` and ``saml_routes.py`` each add their own routes and import this module,
never each other.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable

from aiohttp import web
from yarl import URL

from cybercollege.server.auth.ent import pages
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.service import LoginService

log = logging.getLogger("cybercollege.ent")

LOGIN_SERVICE = web.AppKey("ent_login_service", LoginService)
DEMO_ENABLED = web.AppKey("ent_demo_enabled", bool)
BROWSER_COOKIE = "cc_login"
MAX_JSON = 4096
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RefusalPage = Callable[[web.Request, LoginError], Awaitable[web.Response | None]]
REFUSAL_PAGE: web.AppKey[RefusalPage] = web.AppKey("ent_refusal_page")
"""Optional: renders a refused login in the page's own layout (the portal's, in the user's language), or None."""
NO_STORE = {"Cache-Control": "no-store"}
INTERNAL = (
    "Une erreur inattendue a interrompu la connexion. Recommencez ; si cela se reproduit, "
    "signalez-le à l'administrateur du collège virtuel (code internal_error)."
)
_BROWSER_ID = re.compile(r"[A-Za-z0-9_-]{32}")


def html_errors(handler: Handler) -> Handler:
    """Render :class:`LoginError` as a French HTML page and log its code (never a secret)."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise  # our own redirects and 404s
        except LoginError as exc:
            log.warning("login failed code=%s path=%s", exc.code, request.path)
            if (render := request.app.get(REFUSAL_PAGE)) is not None and (page := await render(request, exc)):
                return page
            html = pages.message_page("Connexion impossible", exc.message)
            return web.Response(text=html, status=exc.status, content_type="text/html", headers=NO_STORE)
        except Exception:  # a bug: logged with its traceback for us, a short page for the user
            log.exception("login failed code=internal_error path=%s", request.path)
            html = pages.message_page("Connexion impossible", INTERNAL)
            return web.Response(text=html, status=400, content_type="text/html", headers=NO_STORE)

    return wrapped


def json_errors(handler: Handler) -> Handler:
    """Render :class:`LoginError` as ``{"error", "message"}`` and log its code."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except LoginError as exc:
            log.warning("request refused code=%s path=%s", exc.code, request.path)
            body = {"error": exc.code, "message": exc.message}
            return web.json_response(body, status=exc.status, headers=NO_STORE)
        except Exception:
            log.exception("request refused code=internal_error path=%s", request.path)
            body = {"error": "internal_error", "message": INTERNAL}
            return web.json_response(body, status=400, headers=NO_STORE)

    return wrapped


def service_of(request: web.Request) -> LoginService:
    return request.app[LOGIN_SERVICE]


def browser_of(request: web.Request) -> str | None:
    """The browser binding cookie, if well-formed (we only ever set ``token_urlsafe(24)`` values)."""
    value = request.cookies.get(BROWSER_COOKIE, "")
    return value if _BROWSER_ID.fullmatch(value) else None


def redirect(location: str) -> web.HTTPFound:
    """A 302 to ``location`` byte for byte (signed SAML redirects break if the query is re-quoted)."""
    return web.HTTPFound(URL(location, encoded=True), headers=NO_STORE)


async def read_json(request: web.Request) -> dict:
    """A small JSON object body, or LoginError."""
    if request.content_length is not None and request.content_length > MAX_JSON:
        raise LoginError("body_too_large", "Requête trop volumineuse.", status=413)
    raw = await request.content.read(MAX_JSON + 1)
    try:
        data = json.loads(raw) if len(raw) <= MAX_JSON else None
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise LoginError("bad_json", "Corps JSON attendu.")
    return data
