"""A SAML identity provider under the test's control (pysaml2's IdP side, signing with xmlsec1), to send our
service provider what a real IdP never would: stale, misdirected, unsigned, weakly signed, failed Responses.

The real IdPs (LemonLDAP::NG, SimpleSAMLphp) prove the happy paths; this one proves every refusal.
"""

from __future__ import annotations

import base64
import datetime
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from defusedxml.ElementTree import fromstring
from saml2 import BINDING_HTTP_REDIRECT, saml, samlp, xmldsig
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_TRANSIENT
from saml2.server import Server
from saml2.sigver import CryptoBackendXmlSec1, pre_signature_part

from tests.idp.lemonldap import key_and_cert

ENTITY_ID = "http://forged-idp.test/metadata"
SSO_URL = "http://forged-idp.test/sso"
SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"


@dataclass
class ForgedIdp:
    """Makes Responses to our SP's AuthnRequests; ``metadata_file`` is what our SP trusts."""

    server: Server
    key_file: Path
    metadata_file: Path

    def response(
        self,
        request_id: str,
        attributes: dict[str, list[str]],
        *,
        acs: str,
        audience: str,
        destination: str | None = None,
        other_audience: str | None = None,
        issued: datetime.datetime | None = None,
        status: str | None = None,
        sign_alg: str | None = xmldsig.SIG_RSA_SHA256,
        digest_alg: str = xmldsig.DIGEST_SHA256,
        with_assertion: bool = True,
    ) -> str:
        """A base64 Response to ``request_id``; every keyword bends one rule (``sign_alg=None``: unsigned)."""
        xml = self.server.create_authn_response(
            identity=attributes,
            in_response_to=request_id,
            destination=acs,
            sp_entity_id=audience,
            name_id=saml.NameID(format=NAMEID_FORMAT_TRANSIENT, text="forged-name-id"),
            authn={"class_ref": saml.AUTHN_PASSWORD, "authn_auth": ENTITY_ID},
            sign_response=False,
            sign_assertion=False,
        )
        response = samlp.response_from_string(str(xml))
        if destination is not None:
            response.destination = destination
        if other_audience is not None:
            response.assertion[0].conditions.audience_restriction[0].audience[0].text = other_audience
        if issued is not None:
            response.issue_instant = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
        if status is not None:
            response.status = samlp.Status(
                status_code=samlp.StatusCode(value=samlp.STATUS_RESPONDER, status_code=samlp.StatusCode(value=status))
            )
        if not with_assertion or status is not None:
            response.assertion = []
        if sign_alg is None:
            return base64.b64encode(str(response).encode()).decode()
        response.signature = pre_signature_part(response.id, sign_alg=sign_alg, digest_alg=digest_alg)
        backend = CryptoBackendXmlSec1(shutil.which("xmlsec1"))
        signed = backend.sign_statement(
            str(response), "urn:oasis:names:tc:SAML:2.0:protocol:Response", str(self.key_file), response.id
        )
        return base64.b64encode(signed.encode() if isinstance(signed, str) else signed).decode()


def start(folder: Path, sp_metadata: list[str]) -> ForgedIdp:
    """An IdP trusting the SPs described by ``sp_metadata`` (XML); writes its key and metadata in ``folder``."""
    key_pem, cert_pem = key_and_cert("forged-idp")
    key_file, cert_file = folder / "forged-idp.key", folder / "forged-idp.crt"
    key_file.write_text(key_pem)
    cert_file.write_text(cert_pem)
    sp_files = [folder / f"sp-{n}-for-forged-idp.xml" for n in range(len(sp_metadata))]
    for sp_file, xml in zip(sp_files, sp_metadata, strict=True):
        sp_file.write_text(xml)
    config = IdPConfig()
    config.load(
        {
            "entityid": ENTITY_ID,
            "xmlsec_binary": shutil.which("xmlsec1"),
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "metadata": {"local": [str(f) for f in sp_files]},
            "service": {
                "idp": {
                    "endpoints": {"single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)]},
                    "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_BASIC}},
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                }
            },
        }
    )
    metadata_file = folder / "forged-idp-metadata.xml"
    metadata_file.write_text(str(entity_descriptor(config)))
    return ForgedIdp(Server(config=config), key_file, metadata_file)


def authn_request_id(redirect_url: str) -> str:
    """The ID of the AuthnRequest our SP sent in an HTTP-Redirect URL."""
    encoded = parse_qs(urlsplit(redirect_url).query)["SAMLRequest"][0]
    xml = zlib.decompress(base64.b64decode(encoded), -15)
    return fromstring(xml).get("ID")
