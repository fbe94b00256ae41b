"""The portal on the edge's aiohttp application: its middleware, its pages, its templates and static files.

:func:`setup_portal` runs after the ENT routes (it completes their logins, server/auth/ent/) and registers every
:class:`~cybercollege.server.portal.pages.Page` the views declare with one wrapper (:func:`_serve`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from cybercollege.server.auth.ent.endpoint import DEMO_ENABLED, LOGIN_SERVICE, REFUSAL_PAGE
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.service import LoginService
from cybercollege.server.auth.tokens import TokenService
from cybercollege.server.classroom.slides import SlideError, read_form
from cybercollege.server.config import Settings
from cybercollege.server.core.world import World
from cybercollege.server.guests.feature import Guests
from cybercollege.server.http import COOKIE_CSRF_OK, COOKIE_IDENTITY
from cybercollege.server.portal import csrf, headers, views
from cybercollege.server.portal.i18n import NAMES, choose
from cybercollege.server.portal.live import LiveStreams
from cybercollege.server.portal.pages import (
    NO_STORE,
    PAGES,
    Context,
    Page,
    Refusal,
    Who,
    admits,
    done_url,
    forbidden_to,
    personnel,
    redirect,
)
from cybercollege.server.portal.session import COOKIE, MemoryStore, PortalSession, SessionStore, set_cookie

log = logging.getLogger("cybercollege.portal")

HERE = Path(__file__).resolve().parent
SESSION: web.RequestKey[PortalSession] = web.RequestKey("portal_session", PortalSession)
"""Request key: the request's portal session, if its cookie named a live one."""


@dataclass(slots=True)
class Portal:
    """What the views use: the world, the guests feature, tokens, settings, the session store, the school."""

    app: web.Application
    world: World
    guests: Guests
    tokens: TokenService
    settings: Settings
    store: SessionStore
    schools: frozenset[str]
    """The UAIs of the school(s) this college serves: only their teachers and staff see its data."""
    school_name: str
    streams: LiveStreams
    """The open server-sent event streams (the live lobby pages), ended at sign-out and shutdown."""

    @property
    def login(self) -> LoginService:
        return self.app[LOGIN_SERVICE]

    @property
    def demo(self) -> bool:
        return self.app.get(DEMO_ENABLED, False)

    def live(self, session: PortalSession) -> bool:
        """The session's login still stands: not ended (sign-out, single logout), revoked, nor the user disabled."""
        if session.identity is None or session.sid is None:
            return False
        return (
            self.login.sessions.get(session.sid) is not None
            and not self.tokens.is_revoked(session.sid)
            and not self.tokens.is_disabled(session.identity.user_id)
        )


PORTAL = web.AppKey("portal", Portal)


def setup_portal(
    app: web.Application,
    *,
    world: World,
    guests: Guests,
    tokens: TokenService,
    settings: Settings,
    schools: frozenset[str],
    school_name: str,
    store: SessionStore | None = None,
) -> Portal:
    """Add the portal to ``app`` (after ``setup_ent``): middleware, pages, static files, templates."""
    portal = Portal(app, world, guests, tokens, settings, store or MemoryStore(), schools, school_name, LiveStreams())
    app[PORTAL] = portal
    app.on_shutdown.append(lambda _app: _end_streams(portal))
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.globals["languages"] = NAMES
    env.globals["asset"] = lambda name: str(app.router["portal-static"].url_for(filename=name))
    app.middlewares.append(middleware)
    app.router.add_static("/portal/static", HERE / "static", name="portal-static", append_version=True)
    app[LOGIN_SERVICE].allow_web_completion(done_url(settings.base_url()))
    app[REFUSAL_PAGE] = _login_refused
    for declared in PAGES:
        app.router.add_route(declared.method, declared.path, _serve(portal, declared))
    return portal


async def _end_streams(portal: Portal) -> None:
    portal.streams.close_all()


@web.middleware
async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """The cookie session for the portal and the API (server/http.py), and the portal's security headers."""
    portal = request.app[PORTAL]
    session_id = request.cookies.get(COOKIE)
    if session_id and len(session_id) <= 64:
        session = await portal.store.get(session_id)
        if session is not None:
            if session.identity is not None and not portal.live(session):
                session.identity, session.sid = None, None  # signed out elsewhere: anonymous again
                await portal.store.put(session)
            request[SESSION] = session
            identity = session.identity
            if identity is not None and personnel(identity, portal.schools):
                request[COOKIE_IDENTITY] = identity
                request[COOKIE_CSRF_OK] = csrf.matches(session.csrf, request.headers.get(csrf.HEADER))
    if not headers.is_portal(request.path):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers.HEADERS)
        raise
    response.headers.update(headers.HEADERS)
    return response


class SignIn(Exception):
    """Not signed in, on a page for someone: to the sign-in page."""


def _serve(portal: Portal, declared: Page) -> Any:
    """The aiohttp handler of one page (see pages.py)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        session: PortalSession | None = request.get(SESSION)
        fresh = session is None
        if session is None:
            session = PortalSession.new()
        ctx = Context(request, portal, session, choose(session.lang, request.headers.get("Accept-Language", "")))
        try:
            result = await _run(ctx, declared)
        except csrf.CsrfRefused:
            log.warning("portal: POST refused, CSRF token missing or wrong path=%s", request.path)
            result = message(ctx, Refusal(403, "csrf.title", "csrf.message"))
        except Refusal as refusal:
            result = message(ctx, refusal)
        except SignIn:
            result = redirect("/portal/", status=302)
        if not isinstance(result, web.StreamResponse):
            assert declared.template is not None, f"{declared.path}: a view with no template returns a response"
            result = render(ctx, declared.template, result, ctx.status)
        current = ctx.session  # a view may have replaced it (a new id at sign-in and at sign-out)
        await portal.store.put(current)
        if fresh or current is not session:
            set_cookie(result, current.id, portal.settings.base_url())
        return result

    return handle


async def _run(ctx: Context, declared: Page) -> dict[str, Any] | web.StreamResponse:
    files = declared.upload and ctx.request.content_type == "multipart/form-data"
    if ctx.request.method == "POST" and not files:
        ctx.form = await ctx.request.post()
        csrf.check(ctx.session.csrf, ctx.form, ctx.request.headers)
    _admit(ctx, declared)
    if ctx.request.method == "POST" and files:
        await _read_files(ctx)  # once she may post here: nobody else's megabytes are read
    return await declared.view(ctx)


async def _read_files(ctx: Context) -> None:
    """An upload page's multipart POST: its fields and files (the slides' limits), its CSRF token checked."""
    fields: dict[str, str] = {}
    try:
        fields, ctx.files = await read_form(ctx.request)
    except SlideError as error:
        ctx.upload_error = error  # too big, unreadable: nothing will be done, the form says why
    ctx.form = MultiDictProxy(MultiDict(fields))
    if ctx.upload_error is None:
        csrf.check(ctx.session.csrf, ctx.form, ctx.request.headers)


def _admit(ctx: Context, declared: Page) -> None:
    """Only who the page admits: else to the sign-in page (a GET), or 403."""
    if declared.who is not Who.ANYONE:
        if ctx.identity is None:
            if ctx.request.method == "GET":
                raise SignIn
            raise Refusal(403, "signin.needed_title", "signin.needed")
        if not admits(declared.who, ctx.identity, ctx.portal.schools):
            raise forbidden_to(ctx, declared.who)


async def _login_refused(request: web.Request, error: LoginError) -> web.Response | None:
    """A login refused on the ENT's way back, for a browser come from the portal: the portal's page, in her
    language, with its header and a link back (another school's account is told which collège this is)."""
    session: PortalSession | None = request.get(SESSION)
    if session is None:
        return None  # not from the portal (the desktop client's login): the ENT package's own page
    portal = request.app[PORTAL]
    ctx = Context(request, portal, session, choose(session.lang, request.headers.get("Accept-Language", "")))
    college = portal.login.college.name or portal.world.spec.name
    text = ctx.t("signin.other_school", college=college) if error.code == "other_school" else error.message
    values = {"title": ctx.t("signin.failed_title"), "message": text, "path": "/portal/"}  # the language switch: there
    response = render(ctx, "message.html", values, error.status)
    response.headers.update(headers.HEADERS)
    return response


def base_context(ctx: Context) -> dict[str, Any]:
    """What every template gets (templates/base.html)."""
    me = ctx.identity
    nav = [(p.path, ctx.t(p.nav)) for p in PAGES if p.nav and admits(p.who, me, ctx.portal.schools)]
    return {
        "t": ctx.t,
        "lang": ctx.lang,
        "me": me,
        "csrf": ctx.session.csrf,
        "path": ctx.request.path,
        "nav": nav,
        "school": ctx.portal.school_name,
        "college": ctx.portal.world.spec.name,
        "demo": ctx.portal.demo,
    }


def render(ctx: Context, template: str, values: dict[str, Any], status: int = 200) -> web.Response:
    response = aiohttp_jinja2.render_template(template, ctx.request, base_context(ctx) | values, status=status)
    response.headers.update(NO_STORE)
    response.headers["Content-Language"] = ctx.lang
    return response


def message(ctx: Context, refusal: Refusal) -> web.Response:
    """A short page: a title and a sentence from the catalogues, with the refusal's status."""
    values = {"title": ctx.t(refusal.title), "message": ctx.t(refusal.message, **refusal.fields)}
    return render(ctx, "message.html", values, status=refusal.status)


__all__ = ["PORTAL", "Portal", "setup_portal", "views"]
