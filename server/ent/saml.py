"""SAML 2 service provider (EduConnect, GAR...) on pysaml2 + xmlsec1.

AuthnRequests are signed (HTTP-Redirect binding); Responses (HTTP-POST binding) must be signed and answer
the one request id we expect; that id is forgotten after use, so a replayed Response is refused.
pysaml2 is synchronous and shells out to xmlsec1: callers run it in a worker thread.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, xmldsig
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_TRANSIENT

from server.ent.config import EntConfigError, SamlConfig
from server.ent.errors import LoginError

log = logging.getLogger("cybercollege.ent")
REFUSED = "La réponse de votre fournisseur d'identité n'a pas pu être vérifiée. Recommencez la connexion."
MAX_RESPONSE = 512 * 1024


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
                "endpoints": {"assertion_consumer_service": [(acs_url(cfg, public_url), BINDING_HTTP_POST)]},
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
