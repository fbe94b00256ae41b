"""Demo mode ("Démonstration"): log in as a fictitious user of the demo directory, without an ENT.

Only added by :func:`cybercollege.server.auth.ent.routes.setup_ent` when a :class:`DemoDirectory` is given.
Browser users pick an account on a page and go through the same one-time-code path as ENT logins;
bots call ``POST /auth/demo {"login": "bot-17"}`` and get tokens directly.
"""

from __future__ import annotations

from aiohttp import web

from cybercollege.server.auth.directory import DemoDirectory, UnknownUser
from cybercollege.server.auth.ent import pages
from cybercollege.server.auth.ent.endpoint import (
    DEMO_ENABLED,
    NO_STORE,
    browser_of,
    html_errors,
    json_errors,
    read_json,
    redirect,
    service_of,
)
from cybercollege.server.auth.ent.errors import LoginError

DEMO_DIRECTORY = web.AppKey("ent_demo_directory", DemoDirectory)
UNKNOWN = "Ce compte de démonstration n'existe pas."


def add_demo_routes(app: web.Application, directory: DemoDirectory) -> None:
    app[DEMO_DIRECTORY] = directory
    app[DEMO_ENABLED] = True
    app.add_routes(
        [
            web.get("/auth/demo/pick", html_errors(pick_page)),
            web.post("/auth/demo/pick", html_errors(pick)),
            web.post("/auth/demo", json_errors(bot_login)),
        ]
    )


async def pick_page(request: web.Request) -> web.StreamResponse:
    request_id = request.query.get("req", "")
    service_of(request).request_for(request_id, browser_of(request))
    users = sorted(request.app[DEMO_DIRECTORY].users.items(), key=lambda kv: (kv[1].role.value, kv[0]))
    return web.Response(text=pages.demo_page(users, request_id), content_type="text/html", headers=NO_STORE)


async def pick(request: web.Request) -> web.StreamResponse:
    """The form of :func:`pick_page`: the same browser-bound request, then the one-time code."""
    service = service_of(request)
    form = await request.post()
    request_id = str(form.get("req", ""))
    desktop = service.request_for(request_id, browser_of(request))
    identity = _identity(request.app[DEMO_DIRECTORY], str(form.get("login", "")))
    raise redirect(await service.complete(request_id, desktop, identity))


async def bot_login(request: web.Request) -> web.StreamResponse:
    """``{"login": ...}`` → ``{"access_token", "refresh_token", "expires_in"}`` (demo mode only)."""
    login = (await read_json(request)).get("login")
    identity = _identity(request.app[DEMO_DIRECTORY], login if isinstance(login, str) else "")
    tokens = await service_of(request).start_direct(identity)
    return web.json_response(tokens.as_json(), headers=NO_STORE)


def _identity(directory: DemoDirectory, login: str):
    try:
        return directory.identity(login[:64])
    except UnknownUser:
        raise LoginError("demo_unknown_user", UNKNOWN, status=404) from None
