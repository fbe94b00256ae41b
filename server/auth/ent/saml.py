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
import re
import shutil
import time
from dataclasses import dataclass
from urllib.parse import unquote_plus
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, xmldsig
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.request import LogoutRequest
from saml2.s_utils import success_status_factory
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.sigver import SIGNER_ALGS, extract_rsa_key_from_x509_cert, pem_format
from saml2.time_util import str_to_time

from cybercollege.server.auth.ent.config import EntConfigError, SamlConfig
from cybercollege.server.auth.ent.errors import LoginError, code_part
from cybercollege.server.auth.ent.logout import seen_tokens

log = logging.getLogger("cybercollege.ent")
REFUSED = "La réponse de votre fournisseur d'identité n'a pas pu être vérifiée. Recommencez la connexion."
MAX_RESPONSE = 512 * 1024
MAX_LOGOUT_REQUEST = 64 * 1024
MAX_LOGOUT_AGE = 600  # seconds; a LogoutRequest is delivered at once (front or back channel)
# Signature and digest algorithms we accept from an IdP, in and out (SHA-1 only with allow_sha1).
ACCEPTED_SIGNATURES = {xmldsig.SIG_RSA_SHA256, xmldsig.SIG_RSA_SHA384, xmldsig.SIG_RSA_SHA512}
ACCEPTED_DIGESTS = {xmldsig.DIGEST_SHA256, xmldsig.DIGEST_SHA384, xmldsig.DIGEST_SHA512}
MAX_RESPONSE_AGE = 300  # seconds between the IdP's IssueInstant and our check, plus the ENT's clock_skew_seconds
SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
REFUSED_BY_IDP = "Votre fournisseur d'identité n'a pas autorisé la connexion. Recommencez ou contactez l'ENT."
STALE = (
    "La réponse de votre fournisseur d'identité est arrivée trop tard ou l'horloge d'un des serveurs est "
    "décalée. Recommencez la connexion."
)
STATUS_MESSAGES = {
    "authnfailed": "Votre fournisseur d'identité n'a pas pu vous authentifier. Recommencez la connexion.",
    "requestdenied": REFUSED_BY_IDP,
    "nopassive": "Vous n'êtes pas connecté·e à votre ENT. Recommencez pour saisir vos identifiants.",
    "unknownprincipal": "Votre fournisseur d'identité ne connaît pas ce compte.",
}


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
        if cfg.allow_sha1:
            log.warning("ENT %s: allow_sha1 is on, SHA-1 signatures are accepted from %s", cfg.id, self.idp_entity_id)

    def metadata(self) -> str:
        """Our SP metadata (XML) for the IdP administrator."""
        return _metadata(self._config, self.cfg)

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
        """Verify a base64 Response that must answer ``request_id``; :class:`LoginError` otherwise.

        Checked here before pysaml2 (which would only say "no"): size, status, algorithms, Destination and
        IssueInstant; then pysaml2 checks the signature, InResponseTo, Audience and Conditions."""
        if len(saml_response) > MAX_RESPONSE:
            raise LoginError("saml_response_too_large", REFUSED)
        _precheck(saml_response, self.acs_url, self.cfg)
        try:
            response = self._client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding={request_id: self.acs_url}
            )
        except Exception as exc:  # pysaml2 raises dozens of unrelated exception types
            reason = _reason(exc)
            log.warning("saml response refused ent=%s reason=%s", self.cfg.id, reason)
            raise LoginError(reason, REFUSED) from None
        if response is None or response.in_response_to != request_id:
            raise LoginError("saml_unsolicited", REFUSED)
        if response.assertion is None:  # pysaml2 leaves it unset when its response-level checks fail
            raise LoginError("saml_no_assertion", REFUSED)
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
            if binding == BINDING_HTTP_POST and not self.cfg.allow_sha1 and _weak_algorithms(_xml(xml)):
                raise SamlLogoutError("saml_logout_weak_algorithm")
            # HTTP-POST: must=True makes pysaml2 (xmlsec1) require a valid enveloped signature.
            request = request.loads(xml, binding, origdoc=saml_request, must=binding == BINDING_HTTP_POST)
            valid = request.verify()
        except SamlLogoutError:
            raise
        except Exception as exc:  # pysaml2 raises dozens of unrelated exception types
            log.warning("saml logout request refused ent=%s error=%s", self.cfg.id, type(exc).__name__)
            raise SamlLogoutError("saml_logout_bad_request") from None
        parsed = request.message
        if not valid or not _recent(parsed.issue_instant):
            raise SamlLogoutError("saml_logout_stale")
        if parsed.issuer is None or (parsed.issuer.text or "").strip() != self.idp_entity_id:
            raise SamlLogoutError("saml_logout_bad_issuer")
        if parsed.not_on_or_after and _expired(parsed.not_on_or_after):
            raise SamlLogoutError("saml_logout_expired")
        if not parsed.id or not self._seen_logout_ids.first_use(parsed.id, time.time() + 2 * MAX_LOGOUT_AGE):
            raise SamlLogoutError("saml_logout_replayed")
        name_id = parsed.name_id.text if parsed.name_id is not None else ""
        if not name_id:
            raise SamlLogoutError("saml_logout_no_name_id")
        indexes = tuple(i.text.strip() for i in parsed.session_index or [] if i.text and i.text.strip())
        return SamlLogout(name_id.strip(), indexes, relay_state, parsed)

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
        if sigalg not in accepted_algorithms(self.cfg)[0]:
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


def _precheck(saml_response: str, acs: str, cfg: SamlConfig) -> None:
    """Refuse, with a precise reason, a Response that failed at the IdP, was meant for another service,
    is too old, or is signed with an algorithm we do not accept."""
    try:
        root = fromstring(base64.b64decode(saml_response, validate=False), forbid_dtd=True)
    except (ValueError, ParseError, DefusedXmlException):
        raise LoginError("saml_not_a_response", REFUSED) from None
    if root.tag != f"{SAMLP}Response":
        raise LoginError("saml_not_a_response", REFUSED)
    status = root.find(f"{SAMLP}Status/{SAMLP}StatusCode")
    value = status.get("Value", "") if status is not None else ""
    if value != STATUS_SUCCESS:
        inner = status.find(f"{SAMLP}StatusCode") if status is not None else None
        detail = (inner.get("Value", "") if inner is not None else "") or value
        code = code_part(detail.rsplit(":", 1)[-1])
        raise LoginError(f"saml_status_{code}", STATUS_MESSAGES.get(code, REFUSED_BY_IDP), status=403)
    if root.find(f"{SAML}Assertion") is None and root.find(f"{SAML}EncryptedAssertion") is None:
        raise LoginError("saml_no_assertion", REFUSED)
    destination = root.get("Destination")
    if destination is not None and destination != acs:
        raise LoginError("saml_wrong_destination", REFUSED)
    if not _recent(root.get("IssueInstant"), MAX_RESPONSE_AGE, cfg.clock_skew_seconds):
        raise LoginError("saml_stale_response", STALE)
    weak = sorted(_weak_algorithms(root)) if not cfg.allow_sha1 else []
    if weak:
        log.warning("saml response refused ent=%s reason=saml_weak_algorithm algorithms=%s", cfg.id, weak)
        raise LoginError("saml_weak_algorithm", REFUSED)


def _xml(text: str | bytes) -> Element:
    """Our parse of an XML message (no DTD, no entities); an unreadable one has no algorithms to check."""
    try:
        return fromstring(text, forbid_dtd=True)
    except (ValueError, ParseError, DefusedXmlException):
        return Element("unreadable")


def _weak_algorithms(root: Element) -> set[str]:
    """The signature and digest algorithms of ``root`` that are not SHA-256 or better."""
    used = {m.get("Algorithm", "") for tag in ("SignatureMethod", "DigestMethod") for m in root.iter(f"{DS}{tag}")}
    return used - ACCEPTED_SIGNATURES - ACCEPTED_DIGESTS


def _reason(exc: Exception) -> str:
    """A stable log code for a pysaml2 exception (``SignatureError`` → ``saml_signature_error``)."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(exc).__name__).lower()
    return f"saml_{code_part(name)}"


def accepted_algorithms(cfg: SamlConfig) -> tuple[set[str], set[str]]:
    """``(signature, digest)`` algorithm URIs accepted from this IdP (SHA-1 only when ``allow_sha1``)."""
    if cfg.allow_sha1:
        return ACCEPTED_SIGNATURES | {xmldsig.SIG_RSA_SHA1}, ACCEPTED_DIGESTS | {xmldsig.DIGEST_SHA1}
    return set(ACCEPTED_SIGNATURES), set(ACCEPTED_DIGESTS)


def _recent(issue_instant: str | None, max_age: float = 0, skew: float = 0) -> bool:
    """``IssueInstant`` at most ``max_age`` seconds old and not in the future, ``skew`` seconds of clock
    difference allowed either way (defaults: a LogoutRequest's :data:`MAX_LOGOUT_AGE` and 60 s)."""
    max_age, skew = max_age or MAX_LOGOUT_AGE, skew or 60
    try:
        issued = calendar.timegm(str_to_time(issue_instant))
    except (ValueError, TypeError):
        return False
    return time.time() - max_age - skew <= issued <= time.time() + skew


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
    return _metadata(_sp_config(cfg, public_url, with_idp=False), cfg)


def _metadata(config: SPConfig, cfg: SamlConfig) -> str:
    """The metadata pysaml2 writes, advertising only the algorithms we accept (it lists all of xmlsec1's,
    MD5 and SHA-1 included)."""
    descriptor = entity_descriptor(config)
    signatures, digests = accepted_algorithms(cfg)
    if descriptor.extensions is not None:
        descriptor.extensions.extension_elements = [
            e
            for e in descriptor.extensions.extension_elements
            if e.tag not in ("DigestMethod", "SigningMethod")
            or e.attributes.get("Algorithm") in (digests if e.tag == "DigestMethod" else signatures)
        ]
    return str(descriptor)


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
        "accepted_time_diff": cfg.clock_skew_seconds,
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
