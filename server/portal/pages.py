"""How a portal page is declared: one decorated view per page (docs/portal.md, "Adding a page").

    @page("GET", "/portal/classes", template="classes.html", nav="nav.classes")
    async def classes(ctx: Context) -> dict[str, object]:
        return {"classes": ...}

The decorator records a :class:`Page`; :func:`cybercollege.server.portal.app.setup_portal` registers every page with
one wrapper that loads the cookie session, picks the language, checks who may open the page (``who``) and the CSRF
token of every POST, then renders ``template`` with what the view returned (or sends the view's own response).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aiohttp import web

from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.portal.i18n import translate
from cybercollege.server.portal.session import PortalSession

if TYPE_CHECKING:
    from multidict import MultiDictProxy

    from cybercollege.server.classroom.slides import SlideError
    from cybercollege.server.portal.app import Portal


class Who(StrEnum):
    """Who may open a page."""

    ANYONE = "anyone"
    PERSONNEL = "personnel"
    """Teachers and staff of this college's school, signed in (pupils, guests and other schools: 403)."""
    STAFF = "staff"
    """The school's staff (direction, vie scolaire, administration) of this college's school: teachers get 403."""


View = Callable[["Context"], Awaitable[dict[str, Any] | web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Page:
    method: str
    path: str
    view: View
    template: str | None
    who: Who
    nav: str | None
    """The catalogue key of its link in the navigation bar, if it has one."""
    upload: bool = False
    """A POST of files (multipart): read once she may post here, into ``ctx.form`` and ``ctx.files``."""


NO_STORE = {"Cache-Control": "no-store"}
PAGES: list[Page] = []
"""Every declared page, in declaration order (the navigation bar's order)."""


def page(
    method: str,
    path: str,
    *,
    template: str | None = None,
    who: Who = Who.PERSONNEL,
    nav: str | None = None,
    upload: bool = False,
) -> Callable[[View], View]:
    """Declare ``view`` as the page ``method path`` (see the module's docstring)."""

    def declare(view: View) -> View:
        PAGES.append(Page(method, path, view, template, who, nav, upload))
        return view

    return declare


@dataclass(slots=True)
class Context:
    """What a view gets: the request, the portal's services, the session, the language and the posted form."""

    request: web.Request
    portal: Portal
    session: PortalSession
    lang: str
    form: MultiDictProxy[Any] | None = None
    status: int = 200
    """The status of the rendered page (a view sets 400 to show a form again with its errors)."""
    files: list[bytes] = field(default_factory=list)
    """The files of an ``upload`` page's POST."""
    upload_error: SlideError | None = None
    """Why an ``upload`` page's POST could not be read (too big, not a form): the view shows it by its field."""

    @property
    def identity(self) -> Identity | None:
        return self.session.identity

    @property
    def me(self) -> Identity:
        """The signed-in identity (pages for ``Who.PERSONNEL`` only run with one)."""
        assert self.session.identity is not None
        return self.session.identity

    def t(self, key: str, **fields: object) -> str:
        return translate(self.lang, key, **fields)


def personnel(identity: Identity | None, schools: frozenset[str]) -> bool:
    """A teacher or a staff member of this college's school."""
    return (
        identity is not None
        and identity.role in (Role.TEACHER, Role.STAFF)
        and identity.school_uai is not None
        and identity.school_uai in schools
    )


def staff(identity: Identity | None, schools: frozenset[str]) -> bool:
    """A staff member (``Role.STAFF``) of this college's school."""
    return personnel(identity, schools) and identity is not None and identity.role is Role.STAFF


def admits(who: Who, identity: Identity | None, schools: frozenset[str]) -> bool:
    """Whether ``identity`` may open a page for ``who`` (and see its link in the navigation bar)."""
    if who is Who.STAFF:
        return staff(identity, schools)
    return who is Who.ANYONE or personnel(identity, schools)


class Refusal(Exception):
    """A page the user may not see or an action that cannot be done: a short page in her language."""

    def __init__(self, status: int, title: str, message: str, **fields: object) -> None:
        super().__init__(title)
        self.status, self.title, self.message, self.fields = status, title, message, fields


def forbidden(ctx: Context) -> Refusal:
    """403 for a signed-in user who is not of this school's personnel: a pupil, a guest, another school."""
    identity = ctx.me
    if identity.role.value in ("teacher", "staff"):
        return Refusal(403, "forbidden.title", "forbidden.other_school", school=ctx.portal.school_name)
    return Refusal(403, "forbidden.title", "forbidden.message")


def forbidden_to(ctx: Context, who: Who) -> Refusal:
    """403 for a signed-in user ``who`` does not admit: a teacher on a staff page, else :func:`forbidden`."""
    if who is Who.STAFF and personnel(ctx.me, ctx.portal.schools):
        return Refusal(403, "forbidden.title", "forbidden.staff_only")
    return forbidden(ctx)


def redirect(location: str, status: int = 303) -> web.Response:
    """A redirect returned by a view (a 303 after a POST), so that the session cookie goes with it."""
    return web.Response(status=status, headers={"Location": location, **NO_STORE})


def local_path(value: str | None, default: str = "/portal/") -> str:
    """``value`` if it is a path of this site (not ``//elsewhere``), else ``default``: no open redirect."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")) and len(value) < 300:
        return value
    return default


def done_url(public_url: str) -> str:
    """Where the ENT's login comes back to the portal (``/auth/desktop/start``'s ``redirect_uri``)."""
    return public_url.rstrip("/") + "/portal/signin/done"
