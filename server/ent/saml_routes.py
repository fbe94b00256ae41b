"""Routes of SAML logins: SP metadata, the signed AuthnRequest redirect, the assertion consumer service."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from server.ent.attributes import identity_from_attributes
from server.ent.config import SamlConfig
from server.ent.desktop import DesktopRequest
from server.ent.errors import EntUnavailable, LoginError
from server.ent.routes import browser_of, html_errors, redirect, service_of
from server.ent.saml import SamlServiceProvider
from server.ent.service import LoginService

SAML_SPS = web.AppKey("ent_saml_sps", dict)
log = logging.getLogger("cybercollege.ent")


def add_saml_routes(app: web.Application, service: LoginService) -> None:
    ents = [e for e in service.ents.values() if isinstance(e, SamlConfig)]
    app[SAML_SPS] = {e.id: SamlServiceProvider(e, service.public_url) for e in ents}
    app.add_routes(
        [
            web.get("/auth/saml/{ent}/metadata", html_errors(metadata)),
            web.post("/auth/saml/{ent}/acs", html_errors(acs)),
        ]
    )


def sp_of(request: web.Request) -> SamlServiceProvider:
    sp = request.app[SAML_SPS].get(request.match_info["ent"])
    if sp is None:
        raise LoginError("unknown_ent", "Ce fournisseur d'identité SAML n'est pas configuré.", status=404)
    return sp


async def metadata(request: web.Request) -> web.StreamResponse:
    sp = sp_of(request)
    return web.Response(text=sp.metadata(), content_type="application/samlmetadata+xml")


async def saml_start(
    request: web.Request, service: LoginService, ent: SamlConfig, request_id: str, desktop: DesktopRequest
) -> web.StreamResponse:
    """Called by ``/auth/ent/{ent}/start``: record the state, redirect with a signed AuthnRequest."""
    sp = request.app[SAML_SPS][ent.id]
    state = service.new_state()
    try:
        saml_id, location = await asyncio.to_thread(sp.authn_request, state)
    except Exception:  # pysaml2 signing failures (xmlsec1, key files) come in many types
        log.exception("saml authn request failed ent=%s", ent.id)
        raise EntUnavailable("saml_request_failed") from None
    service.begin(request_id, desktop, ent.id, state=state, saml_request_id=saml_id)
    raise redirect(location)


async def acs(request: web.Request) -> web.StreamResponse:
    """The IdP posts ``SAMLResponse`` and ``RelayState`` (our single-use state)."""
    service = service_of(request)
    sp = sp_of(request)
    form = await request.post()
    pending = service.take_pending(str(form.get("RelayState", "")), sp.cfg.id, browser_of(request))
    saml_response = str(form.get("SAMLResponse", ""))
    login = await asyncio.to_thread(sp.parse_response, saml_response, pending.saml_request_id)
    identity = identity_from_attributes(sp.cfg.id, login.attributes, user=login.name_id, policy=service.policy(sp.cfg))
    raise redirect(service.complete(pending.request_id, pending.request, identity, login.session_index))
