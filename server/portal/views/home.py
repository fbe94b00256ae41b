"""The server's home page (``/``), the guest code form and the language switch."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from cybercollege.server.guests.invitation import display_code, normalise_code
from cybercollege.server.portal.i18n import LANGUAGES
from cybercollege.server.portal.pages import Context, Who, local_path, page, redirect


@page("GET", "/", template="home.html", who=Who.ANYONE)
async def home(ctx: Context) -> dict[str, Any]:
    """What the college is, and the three ways in: the portal, the 3D client, an invitation code."""
    return {"url": ctx.portal.settings.base_url(), "people": len(ctx.portal.world.avatars)}


@page("GET", "/portal/invite", who=Who.ANYONE)
async def invite(ctx: Context) -> web.StreamResponse:
    """The home page's code form: on to the guest page of that code (which says why if it is not valid)."""
    code = normalise_code(ctx.request.query.get("code", ""))[:64]
    return redirect(f"/invite/{quote(display_code(code), safe='')}" if code else "/", status=302)


@page("GET", "/portal/language/{lang}", who=Who.ANYONE)
async def language(ctx: Context) -> web.StreamResponse:
    """The language switch: kept in the session, then back to the page it was chosen on."""
    lang = ctx.request.match_info["lang"]
    if lang in LANGUAGES:
        ctx.session.lang = lang
    return redirect(local_path(ctx.request.query.get("next"), "/"), status=302)
