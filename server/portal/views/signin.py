"""Signing in through the ENT and out again (docs/portal.md, "Signing in").

``/portal/signin/start`` opens a login of the ENT package (server/auth/ent/) whose ``redirect_uri`` is the portal's
own ``/portal/signin/done`` instead of a desktop client's loopback address, with a PKCE challenge whose verifier
and state stay in this browser's server-side session. The ENT's flow (or the demo picker) ends there with a one-time
code; the portal redeems it with the verifier, and the session, under a new id, is signed in.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.oidc import pkce_pair
from cybercollege.server.portal.pages import Context, Refusal, Who, done_url, forbidden, page, personnel, redirect
from cybercollege.server.portal.session import PortalSession


@page("GET", "/portal/", template="signin.html", who=Who.ANYONE)
async def portal_home(ctx: Context) -> dict[str, Any] | web.StreamResponse:
    """Signed in: on to "Mes classes". Otherwise the sign-in page: the configured ENTs, and the demo picker."""
    if ctx.identity is not None:
        if personnel(ctx.identity, ctx.portal.schools):
            return redirect("/portal/classes", status=302)
        raise forbidden(ctx)
    ents = [(e.id, e.name) for e in ctx.portal.login.ents.values()]
    return {"ents": ents, "signed_out": ctx.request.query.get("out") == "1"}


@page("GET", "/portal/signin/start", who=Who.ANYONE)
async def start(ctx: Context) -> web.StreamResponse:
    """``?ent=ID`` (or ``?demo=1``): to the ENT's login through ``/auth/desktop/start``."""
    ent = ctx.request.query.get("ent", "")
    demo = ctx.request.query.get("demo") == "1" and ctx.portal.demo
    if not demo and ent not in ctx.portal.login.ents:
        raise Refusal(404, "signin.failed_title", "signin.unknown_ent")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    ctx.session.login = (state, verifier)
    query = {
        "redirect_uri": done_url(ctx.portal.settings.base_url()),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": state,
        **({"demo": "1"} if demo else {"ent": ent}),
    }
    return redirect(f"/auth/desktop/start?{urlencode(query)}", status=302)


@page("GET", "/portal/signin/done", who=Who.ANYONE)
async def done(ctx: Context) -> web.StreamResponse:
    """The ENT's login comes back with ``?code=&state=``: redeem it, sign the session in under a new id."""
    pending, ctx.session.login = ctx.session.login, None
    state = ctx.request.query.get("state", "")
    if pending is None or not secrets.compare_digest(state.encode(), pending[0].encode()):
        raise Refusal(400, "signin.failed_title", "signin.expired")
    try:
        login = ctx.portal.login.redeem_session(ctx.request.query.get("code"), pending[1])
    except LoginError:
        raise Refusal(400, "signin.failed_title", "signin.expired") from None
    await ctx.portal.store.delete(ctx.session.id)
    ctx.session = PortalSession.new(ctx.session.lang)  # a new id once signed in: no session fixation
    ctx.session.identity, ctx.session.sid = login.identity, login.sid
    return redirect("/portal/", status=302)


@page("POST", "/portal/signout", who=Who.ANYONE)
async def signout(ctx: Context) -> web.StreamResponse:
    """End the portal's session and its login session (its tokens revoked); the ENT's own session stays."""
    if ctx.session.sid is not None:
        await ctx.portal.login.end_session(ctx.session.sid, "portal_logout")
    ctx.portal.streams.close(ctx.session.id)  # its live lobby page, if open
    await ctx.portal.store.delete(ctx.session.id)
    ctx.session = PortalSession.new(ctx.session.lang)
    return redirect("/portal/?out=1")
