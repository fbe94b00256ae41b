"""Routes of SAML logins: SP metadata, the signed AuthnRequest redirect, the assertion consumer service,
and single logout (the IdP's LogoutRequest by HTTP-Redirect or HTTP-POST, answered with a LogoutResponse)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from cybercollege.server.auth.ent import pages
from cybercollege.server.auth.ent.attributes import identity_from_attributes
from cybercollege.server.auth.ent.config import SamlConfig
from cybercollege.server.auth.ent.desktop import DesktopRequest
from cybercollege.server.auth.ent.endpoint import NO_STORE, browser_of, html_errors, redirect, service_of
from cybercollege.server.auth.ent.errors import EntUnavailable, LoginError
from cybercollege.server.auth.ent.saml import MAX_LOGOUT_REQUEST, SamlLogoutError, SamlServiceProvider
from cybercollege.server.auth.ent.service import LoginService
from cybercollege.server.auth.ent.sessions import ent_session_key, subject_key

SAML_SPS = web.AppKey("ent_saml_sps", dict)
log = logging.getLogger("cybercollege.ent")
WRONG_BINDING = (
    "Votre fournisseur d'identité a envoyé sa réponse d'une façon que ce service n'accepte pas. "
    "Son administrateur doit utiliser la liaison HTTP-POST vers ce service (voir les métadonnées)."
)
REFUSED_LOGOUT = "Demande de déconnexion refusée : elle ne vient pas de votre fournisseur d'identité ou a expiré."


def add_saml_routes(app: web.Application, service: LoginService) -> None:
    ents = [e for e in service.ents.values() if isinstance(e, SamlConfig)]
    app[SAML_SPS] = {e.id: SamlServiceProvider(e, service.public_url) for e in ents}
    app.add_routes(
        [
            web.get("/auth/saml/{ent}/metadata", html_errors(metadata)),
            web.post("/auth/saml/{ent}/acs", html_errors(acs)),
            web.get("/auth/saml/{ent}/acs", html_errors(acs_other_binding)),
            web.get("/auth/saml/{ent}/slo", html_errors(single_logout)),
            web.post("/auth/saml/{ent}/slo", html_errors(single_logout)),
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
    # How the IdP will name this login in a LogoutRequest: NameID + SessionIndex (or the NameID alone).
    ent_session = (
        ent_session_key("saml", sp.cfg.id, login.name_id, login.session_index) if login.session_index else None
    )
    subject = subject_key(sp.cfg.id, login.name_id) if login.name_id else None
    raise redirect(await service.complete(pending.request_id, pending.request, identity, ent_session, subject))


async def acs_other_binding(request: web.Request) -> web.StreamResponse:
    """A Response by HTTP-Redirect or an artifact (HTTP-Artifact): we only take HTTP-POST."""
    sp_of(request)
    raise LoginError("saml_unsupported_binding", WRONG_BINDING, status=405)


async def single_logout(request: web.Request) -> web.StreamResponse:
    """The IdP's LogoutRequest: end our sessions of that NameID (and SessionIndex), answer a LogoutResponse."""
    service = service_of(request)
    sp = sp_of(request)
    if request.method == "GET":  # HTTP-Redirect: the signature covers the query octets as received
        binding, message, relay_state = BINDING_HTTP_REDIRECT, request.raw_path.partition("?")[2], None
    else:
        if request.content_length is not None and request.content_length > 2 * MAX_LOGOUT_REQUEST:
            raise LoginError("saml_logout_too_large", REFUSED_LOGOUT, status=413)
        form = await request.post()
        relay_state = str(form["RelayState"]) if "RelayState" in form else None
        binding, message = BINDING_HTTP_POST, str(form.get("SAMLRequest", ""))
    try:
        logout = await asyncio.to_thread(sp.parse_logout_request, binding, message, relay_state)
    except SamlLogoutError as exc:
        raise LoginError(exc.reason, REFUSED_LOGOUT) from None
    if logout.session_indexes:
        keys = [ent_session_key("saml", sp.cfg.id, logout.name_id, i) for i in logout.session_indexes]
        sids = await service.sids_for_ent_sessions(keys)
    else:  # no SessionIndex: every session of that NameID
        sids = await service.sids_for_subject(subject_key(sp.cfg.id, logout.name_id))
    ended = await service.end_sessions(sids, f"single_logout:{sp.cfg.id}")
    log.info("saml single logout ent=%s sessions_ended=%d", sp.cfg.id, ended)
    try:
        answer = await asyncio.to_thread(sp.logout_response, logout, binding, logout.relay_state)
    except Exception:  # pysaml2 signing failures (xmlsec1, key files, no SLO endpoint) come in many types
        log.exception("saml logout response failed ent=%s", sp.cfg.id)
        html = pages.message_page("Déconnexion", "Vous êtes déconnecté·e du collège virtuel.", error=False)
        return web.Response(text=html, content_type="text/html", headers=NO_STORE)
    if answer.get("method") == "POST":
        return web.Response(text=answer["data"], content_type="text/html", headers=NO_STORE)
    raise redirect(dict(answer["headers"])["Location"])
