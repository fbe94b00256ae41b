"""SAML 2 service provider (EduConnect, GAR...) on pysaml2 + xmlsec1.

AuthnRequests are signed (HTTP-Redirect binding); Responses (HTTP-POST binding) must be signed and answer
the one request id we expect; that id is forgotten after use, so a replayed Response is refused.
Single logout: the IdP's LogoutRequest (HTTP-Redirect or HTTP-POST) must be signed by the IdP; we answer
with a signed LogoutResponse to the IdP's SingleLogoutService.
pysaml2 is synchronous and shells out to xmlsec1: callers run it in a worker thread.
"""

from __future__ import annotations

import base64
import calendar
import logging
import shutil
import time
from dataclasses import dataclass
from urllib.parse import unquote_plus

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, xmldsig
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.request import LogoutRequest
from saml2.s_utils import success_status_factory
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.sigver import SIGNER_ALGS, extract_rsa_key_from_x509_cert, pem_format
from saml2.time_util import str_to_time

from server.ent.config import EntConfigError, SamlConfig
from server.ent.errors import LoginError
from server.ent.logout import seen_tokens

log = logging.getLogger("cybercollege.ent")
REFUSED = "La réponse de votre fournisseur d'identité n'a pas pu être vérifiée. Recommencez la connexion."
MAX_RESPONSE = 512 * 1024
MAX_LOGOUT_REQUEST = 64 * 1024
MAX_LOGOUT_AGE = 600  # seconds; a LogoutRequest is delivered at once (front or back channel)
# Redirect-binding signature algorithms we accept on a LogoutRequest (no SHA-1).
LOGOUT_SIG_ALGS = {xmldsig.SIG_RSA_SHA256, xmldsig.SIG_RSA_SHA384, xmldsig.SIG_RSA_SHA512}


class SamlLogoutError(Exception):
    """A LogoutRequest was refused; ``reason`` is a stable code (logged and answered)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SamlLogout:
    """A verified LogoutRequest: who (NameID), which IdP sessions (SessionIndex, maybe none: all)."""

    name_id: str
    session_indexes: tuple[str, ...]
    relay_state: str | None  # to send back with the LogoutResponse
    message: object  # the pysaml2 LogoutRequest, to answer it


@dataclass(frozen=True, slots=True)
class SamlLogin:
    """A verified assertion: the NameID, the SessionIndex and the attributes."""

    name_id: str
    session_index: str | None
    attributes: dict[str, list[str]]


class SamlServiceProvider:
    """Our SP for one SAML identity provider."""

    def __init__(self, cfg: SamlConfig, public_url: str) -> None:
        self.cfg = cfg
        self.acs_url = acs_url(cfg, public_url)
        self._config = _sp_config(cfg, public_url, with_idp=True)
        self._client = Saml2Client(config=self._config)
        idps = list(self._config.metadata.identity_providers())
        if len(idps) != 1:
            raise EntConfigError(f"ENT {cfg.id}: {cfg.idp_metadata_file} must describe exactly one IdP")
        self.idp_entity_id = idps[0]
        self._seen_logout_ids = seen_tokens()  # LogoutRequest ids, refused if presented again

    def metadata(self) -> str:
        """Our SP metadata (XML) for the IdP administrator."""
        return str(entity_descriptor(self._config))

    def authn_request(self, relay_state: str) -> tuple[str, str]:
        """A signed AuthnRequest: ``(request id, redirect URL)``."""
        request_id, info = self._client.prepare_for_authenticate(
            entityid=self.idp_entity_id,
            relay_state=relay_state,
            binding=BINDING_HTTP_REDIRECT,
            sign=True,
            sigalg=xmldsig.SIG_RSA_SHA256,
            digest_alg=xmldsig.DIGEST_SHA256,
        )
        return request_id, dict(info["headers"])["Location"]

    def parse_response(self, saml_response: str, request_id: str) -> SamlLogin:
        """Verify a base64 Response that must answer ``request_id``; :class:`LoginError` otherwise."""
        if len(saml_response) > MAX_RESPONSE:
            raise LoginError("saml_response_too_large", REFUSED)
        try:
            response = self._client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding={request_id: self.acs_url}
            )
        except Exception as exc:  # pysaml2 raises dozens of unrelated exception types
            log.warning("saml response refused ent=%s error=%s", self.cfg.id, type(exc).__name__)
            raise LoginError("saml_bad_response", REFUSED) from None
        if response is None or response.in_response_to != request_id:
            raise LoginError("saml_unsolicited", REFUSED)
        statements = response.assertion.authn_statement or []
        index = statements[0].session_index if statements else None
        name_id = response.name_id.text if response.name_id is not None else ""
        return SamlLogin(name_id or "", index, {k: list(v) for k, v in response.ava.items()})

    def parse_logout_request(self, binding: str, message: str, relay_state: str | None = None) -> SamlLogout:
        """Verify a LogoutRequest from our IdP: its signature, issuer, destination, age and id (single use).

        HTTP-Redirect: ``message`` is the raw query string as received; the signature covers its octets and
        ``SAMLRequest``/``RelayState`` are read from those same octets. HTTP-POST: ``message`` is the form's
        ``SAMLRequest`` (an enveloped XML signature is required) and ``relay_state`` its ``RelayState``."""
        if len(message) > 2 * MAX_LOGOUT_REQUEST:
            raise SamlLogoutError("saml_logout_too_large")
        if binding == BINDING_HTTP_REDIRECT:
            fields = self._signed_redirect_fields(message)
            saml_request, relay_state = fields.get("SAMLRequest", ""), fields.get("RelayState")
        else:
            saml_request = message
        if not saml_request or len(saml_request) > MAX_LOGOUT_REQUEST:
            raise SamlLogoutError("saml_logout_missing" if not saml_request else "saml_logout_too_large")
        receivers = self._config.endpoint("single_logout_service", binding, "sp")
        request = LogoutRequest(self._client.sec, receivers, self._config.attribute_converters, timeslack=60)
        try:
            xml = self._client.unravel(saml_request, binding, LogoutRequest.msgtype)
            # HTTP-POST: must=True makes pysaml2 (xmlsec1) require a valid enveloped signature.
            request = request.loads(xml, binding, origdoc=saml_request, must=binding == BINDING_HTTP_POST)
            valid = request.verify()
        except Exception as exc:  # pysaml2 raises dozens of unrelated exception types
            log.warning("saml logout request refused ent=%s error=%s", self.cfg.id, type(exc).__name__)
            raise SamlLogoutError("saml_logout_bad_request") from None
        message = request.message  # from here on, the parsed LogoutRequest
        if not valid or not _recent(message.issue_instant):
            raise SamlLogoutError("saml_logout_stale")
        if message.issuer is None or (message.issuer.text or "").strip() != self.idp_entity_id:
            raise SamlLogoutError("saml_logout_bad_issuer")
        if message.not_on_or_after and _expired(message.not_on_or_after):
            raise SamlLogoutError("saml_logout_expired")
        if not message.id or not self._seen_logout_ids.first_use(message.id, time.time() + 2 * MAX_LOGOUT_AGE):
            raise SamlLogoutError("saml_logout_replayed")
        name_id = message.name_id.text if message.name_id is not None else ""
        if not name_id:
            raise SamlLogoutError("saml_logout_no_name_id")
        indexes = tuple(i.text.strip() for i in message.session_index or [] if i.text and i.text.strip())
        return SamlLogout(name_id.strip(), indexes, relay_state, message)

    def logout_response(self, logout: SamlLogout, binding: str, relay_state: str | None) -> dict:
        """A signed LogoutResponse (Success: the user has no session left here, whether we had one or not)
        to the IdP's SingleLogoutService, in the binding of the request:
        ``{"method": "GET", "headers": [("Location", url)]}`` or ``{"method": "POST", "data": html}``."""
        status = success_status_factory()
        response = self._client.create_logout_response(
            logout.message,
            bindings=[binding],
            status=status,
            sign=binding == BINDING_HTTP_POST,
            sign_alg=xmldsig.SIG_RSA_SHA256,
            digest_alg=xmldsig.DIGEST_SHA256,
        )
        destination = self._client.response_args(logout.message, [binding])["destination"]
        return self._client.apply_binding(
            binding,
            str(response),
            destination,
            relay_state or "",
            response=True,
            sign=binding == BINDING_HTTP_REDIRECT,
            sigalg=xmldsig.SIG_RSA_SHA256,
        )

    def _signed_redirect_fields(self, raw_query: str) -> dict[str, str]:
        """The decoded ``SAMLRequest`` and ``RelayState`` of a raw query whose signature is valid.

        SAML bindings §3.4.4.1: the signature covers ``SAMLRequest=…&RelayState=…&SigAlg=…`` exactly as the
        octets appear in the URL (re-encoding them could differ from the IdP's encoding), so the values
        are taken from those octets too, never from a differently parsed copy of the query."""
        raw: dict[str, str] = {}
        for piece in raw_query.split("&"):
            key, _, value = piece.partition("=")
            key = unquote_plus(key)
            if key in raw:
                raise SamlLogoutError("saml_logout_bad_signature")  # a repeated parameter: which one was signed?
            raw[key] = value
        if "SAMLRequest" not in raw:
            raise SamlLogoutError("saml_logout_missing")
        if not self._redirect_signature_ok(raw):
            raise SamlLogoutError("saml_logout_bad_signature")
        return {k: unquote_plus(raw[k]) for k in ("SAMLRequest", "RelayState") if k in raw}

    def _redirect_signature_ok(self, raw: dict[str, str]) -> bool:
        if "Signature" not in raw or "SigAlg" not in raw:
            return False
        sigalg = unquote_plus(raw["SigAlg"])
        if sigalg not in LOGOUT_SIG_ALGS:
            return False
        signed = "&".join(f"{k}={raw[k]}" for k in ("SAMLRequest", "RelayState", "SigAlg") if k in raw)
        try:
            signed_bytes = signed.encode("ascii")
            signature = base64.b64decode(unquote_plus(raw["Signature"]), validate=True)
        except ValueError:  # also UnicodeEncodeError: a URL is ASCII
            return False
        signer = SIGNER_ALGS[sigalg]
        for _name, cert in self._config.metadata.certs(self.idp_entity_id, "idpsso", "signing"):
            try:
                if signer.verify(signed_bytes, signature, extract_rsa_key_from_x509_cert(pem_format(cert))):
                    return True
            except Exception:  # a bad signature or an unusable certificate: try the next one
                continue
        return False


def _recent(issue_instant: str | None) -> bool:
    """``IssueInstant`` at most :data:`MAX_LOGOUT_AGE` seconds old (and not in the future, 60 s of skew)."""
    try:
        issued = calendar.timegm(str_to_time(issue_instant))
    except (ValueError, TypeError):
        return False
    return time.time() - MAX_LOGOUT_AGE <= issued <= time.time() + 60


def _expired(not_on_or_after: str) -> bool:
    """A LogoutRequest's ``NotOnOrAfter`` has passed (60 s of clock skew allowed); unparsable counts as passed."""
    try:
        return calendar.timegm(str_to_time(not_on_or_after)) < time.time() - 60
    except (ValueError, TypeError):
        return True


def slo_url(cfg: SamlConfig, public_url: str) -> str:
    return f"{public_url}/auth/saml/{cfg.id}/slo"


def acs_url(cfg: SamlConfig, public_url: str) -> str:
    return f"{public_url}/auth/saml/{cfg.id}/acs"


def sp_metadata(cfg: SamlConfig, public_url: str) -> str:
    """Our SP metadata without loading the IdP's (to register the SP before the IdP exists)."""
    return str(entity_descriptor(_sp_config(cfg, public_url, with_idp=False)))


def _sp_config(cfg: SamlConfig, public_url: str, with_idp: bool) -> SPConfig:
    xmlsec = str(cfg.xmlsec_binary) if cfg.xmlsec_binary else shutil.which("xmlsec1")
    if not xmlsec:
        raise EntConfigError("xmlsec1 not found: install the Debian package xmlsec1")
    settings = {
        "entityid": cfg.sp_entity_id or f"{public_url}/auth/saml/{cfg.id}/metadata",
        "xmlsec_binary": xmlsec,
        "key_file": str(cfg.sp_key_file),
        "cert_file": str(cfg.sp_cert_file),
        "allow_unknown_attributes": True,
        "accepted_time_diff": 60,
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(acs_url(cfg, public_url), BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (slo_url(cfg, public_url), BINDING_HTTP_REDIRECT),
                        (slo_url(cfg, public_url), BINDING_HTTP_POST),
                    ],
                },
                "logout_requests_signed": True,
                "logout_responses_signed": True,
                "authn_requests_signed": True,
                "want_response_signed": True,
                "want_assertions_signed": False,
                "allow_unsolicited": False,
                "name_id_format": NAMEID_FORMAT_TRANSIENT,
                "name_id_policy_format": NAMEID_FORMAT_TRANSIENT,
                "signing_algorithm": xmldsig.SIG_RSA_SHA256,
                "digest_algorithm": xmldsig.DIGEST_SHA256,
            }
        },
    }
    if with_idp:
        settings["metadata"] = {"local": [str(cfg.idp_metadata_file)]}
    config = SPConfig()
    try:
        config.load(settings)
    except Exception as exc:  # pysaml2 reports bad files with many exception types
        raise EntConfigError(f"ENT {cfg.id}: invalid SAML settings or files: {exc}") from None
    return config
