"""The ENT administrator's tools behind ``cybercollege ent``: make the SAML key pair, say what to register at
the ENT, and check an ENT file against the live providers (docs/sso.md follows them step by step).

Every problem found is one :class:`Finding`: one sentence saying what is wrong and how to fix it.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from cybercollege.server.auth.ent.cas import CAS_NS
from cybercollege.server.auth.ent.config import CasConfig, EntConfig, EntConfigError, OidcConfig, SamlConfig
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.http import EntHttp

Level = Literal["ok", "warning", "error"]
KEY_BITS = 3072
CLOCK_TOLERANCE = 60  # seconds; the SAML and OIDC checks allow this much (SAML: clock_skew_seconds)
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
ALG = "{urn:oasis:names:tc:SAML:metadata:algsupport}"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SHA1_SIGNATURES = {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#dsa-sha1"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of ``ent check``: ``level`` ok, warning or error; ``message`` says what and how to fix it."""

    ent: str
    level: Level
    message: str

    def __str__(self) -> str:
        return f"[{self.level}] {self.ent}: {self.message}"


# --- keys and registration -------------------------------------------------------------------------------


def self_signed(name: str, days: int, bits: int = KEY_BITS) -> tuple[str, str]:
    """A fresh RSA key and a self-signed SHA-256 certificate for it, both PEM: ``(key, certificate)``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    return pem.decode(), cert.public_bytes(serialization.Encoding.PEM).decode()


def make_keys(folder: Path, name: str, days: int = 1826, overwrite: bool = False) -> tuple[Path, Path]:
    """Write ``sp.key`` (RSA 3072, readable by the owner only) and ``sp.crt`` (self-signed, SHA-256) in
    ``folder``; returns their paths. Refuses to replace existing files unless ``overwrite``."""
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / "sp.key", folder / "sp.crt"
    existing = [p for p in (key_path, cert_path) if p.exists()]
    if existing and not overwrite:
        raise EntConfigError(f"{existing[0]} exists: keep it (the ENT trusts it) or pass --force to replace it")
    key_pem, cert_pem = self_signed(name, days)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key_pem)
    cert_path.write_text(cert_pem)
    return key_path, cert_path


def registration(ent: EntConfig, public_url: str) -> str:
    """What the ENT's administrator must be given for ``ent``: URLs for CAS and OIDC, our metadata for SAML."""
    base = public_url.rstrip("/")
    if isinstance(ent, CasConfig):
        return (
            f"# CAS service for {ent.name}\n"
            f"service URL (allow this prefix): {base}/auth/cas/{ent.id}/callback\n"
            f"single logout URL (back channel, POST logoutRequest): {base}/auth/cas/{ent.id}/logout\n"
            "attributes to release: ENTPersonJointure, ENTPersonProfils, ENTPersonStructRattach, "
            "ENTPersonNom, ENTPersonPrenom, ENTEleveClasses, ENTAuxEnsClasses (groups optional)\n"
        )
    if isinstance(ent, OidcConfig):
        return (
            f"# OpenID Connect client for {ent.name}\n"
            f"client_id: {ent.client_id}\n"
            f"redirect URI: {base}/auth/oidc/{ent.id}/callback\n"
            f"back-channel logout URI (sid required): {base}/auth/oidc/{ent.id}/backchannel-logout\n"
            f"grant: authorization_code with PKCE S256; client authentication: {ent.token_auth}; "
            "ID token signed with RS256\n"
            f"scopes: {' '.join(ent.scopes)}; claims: sub, given_name, family_name, and the SDET attributes "
            "(ENTPersonProfils, ENTPersonStructRattach, ENTEleveClasses, ENTAuxEnsClasses)\n"
        )
    from cybercollege.server.auth.ent.saml import sp_metadata  # pysaml2 only when a SAML ENT is configured

    return sp_metadata(ent, base)


# --- check -----------------------------------------------------------------------------------------------


async def check(ents: list[EntConfig], public_url: str) -> list[Finding]:
    """Check every ENT of the file against its live provider; never raises for a provider's fault."""
    findings = list(_check_public_url(public_url))
    if not ents:
        findings.append(Finding("-", "error", "the ENT file lists no [[ent]]: add one per ENT (docs/sso.md)"))
    http = EntHttp()
    try:
        for ent in ents:
            if isinstance(ent, CasConfig):
                findings += await _check_cas(http, ent, public_url)
            elif isinstance(ent, OidcConfig):
                findings += await _check_oidc(http, ent)
            else:
                findings += list(_check_saml(ent))
    finally:
        await http.close()
    return findings


def _check_public_url(public_url: str) -> Iterator[Finding]:
    if not public_url:
        yield Finding("-", "error", "no public URL: pass --public-url https://… (or set CYBERCOLLEGE_PUBLIC_URL)")
    elif not public_url.startswith("https://"):
        yield Finding(
            "-", "warning", f"public URL {public_url} is not HTTPS: ENTs require HTTPS outside a test machine"
        )


async def _get(http: EntHttp, ent: EntConfig, url: str) -> tuple[int, dict[str, str], bytes] | str:
    """``(status, headers, body)``, or a sentence saying why ``url`` could not be fetched."""
    try:
        reply = await http.request("GET", url, timeout=ent.timeout_seconds, max_bytes=ent.max_response_bytes)
    except LoginError as exc:
        return f"cannot fetch {url} ({exc.code}): check the address, DNS and the firewall from this server"
    return reply.status, {"Date": reply.date}, reply.body


def _clock(ent: EntConfig, headers: dict[str, str]) -> Iterator[Finding]:
    date = headers.get("Date")
    if not date:
        return
    try:
        remote = email.utils.parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return
    drift = remote - time.time()
    if abs(drift) > CLOCK_TOLERANCE:
        yield Finding(
            ent.id, "error", f"clocks differ by {drift:+.0f} s from the ENT: synchronise this server with NTP"
        )


async def _check_cas(http: EntHttp, ent: CasConfig, public_url: str) -> list[Finding]:
    base = ent.server_url.rstrip("/")
    service = f"{public_url.rstrip('/')}/auth/cas/{ent.id}/callback"
    login = await _get(http, ent, f"{base}/login?{urlencode({'service': service})}")
    if isinstance(login, str):
        return [Finding(ent.id, "error", login)]
    findings = list(_clock(ent, login[1]))
    if login[0] not in (200, 302, 303):
        findings.append(Finding(ent.id, "error", f"{base}/login answered HTTP {login[0]}: check server_url"))
    path = "/p3/serviceValidate" if ent.cas_version == 3 else "/serviceValidate"
    validation = await _get(http, ent, f"{base}{path}?{urlencode({'service': service, 'ticket': 'ST-check'})}")
    if isinstance(validation, str):
        return [*findings, Finding(ent.id, "error", validation)]
    status, _headers, body = validation
    if status == 404 and ent.cas_version == 3:
        findings.append(
            Finding(ent.id, "error", f"{base}{path} not found: this server speaks CAS 2, set cas_version = 2")
        )
    elif not _is_cas_answer(body):
        findings.append(
            Finding(ent.id, "error", f"{base}{path} did not answer a cas:serviceResponse: check server_url")
        )
    else:
        findings.append(Finding(ent.id, "ok", f"CAS {ent.cas_version} server answers at {base}"))
    return findings


def _is_cas_answer(body: bytes) -> bool:
    try:
        return fromstring(body, forbid_dtd=True).tag == f"{CAS_NS}serviceResponse"
    except (ParseError, ValueError, DefusedXmlException):  # DTDs and entities are refused: not CAS either
        return False


async def _check_oidc(http: EntHttp, ent: OidcConfig) -> list[Finding]:
    url = f"{ent.issuer.rstrip('/')}/.well-known/openid-configuration"
    got = await _get(http, ent, url)
    if isinstance(got, str):
        return [Finding(ent.id, "error", got)]
    status, headers, body = got
    findings = list(_clock(ent, headers))
    if status != 200:
        return [*findings, Finding(ent.id, "error", f"{url} answered HTTP {status}: check issuer")]
    try:
        doc = json.loads(body)
    except ValueError:
        return [*findings, Finding(ent.id, "error", f"{url} is not JSON: check issuer")]
    if doc.get("issuer") != ent.issuer:
        findings.append(
            Finding(ent.id, "error", f"issuer mismatch: the provider says {doc.get('issuer')!r}; copy it exactly")
        )
    algs = doc.get("id_token_signing_alg_values_supported") or []
    if "RS256" not in algs:
        findings.append(Finding(ent.id, "error", f"ID tokens are not offered in RS256 (only {algs}): enable RS256"))
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if ent.token_auth not in methods:
        findings.append(Finding(ent.id, "error", f"token_auth {ent.token_auth} is not supported; use one of {methods}"))
    if "S256" not in (doc.get("code_challenge_methods_supported") or ["S256"]):
        findings.append(Finding(ent.id, "error", "the provider does not support PKCE S256: enable it"))
    missing = sorted(set(ent.scopes) - set(doc.get("scopes_supported") or ent.scopes))
    if missing:
        findings.append(Finding(ent.id, "warning", f"scopes {missing} are not advertised: check the client's scopes"))
    try:
        ent.secret()
    except EntConfigError as exc:
        findings.append(Finding(ent.id, "error", str(exc).removeprefix(f"ENT {ent.id}: ")))
    findings += await _check_jwks(http, ent, str(doc.get("jwks_uri", "")))
    if not any(f.level == "error" for f in findings):
        findings.append(Finding(ent.id, "ok", f"OpenID Connect provider {ent.issuer} is usable"))
    return findings


async def _check_jwks(http: EntHttp, ent: OidcConfig, jwks_uri: str) -> list[Finding]:
    if not jwks_uri:
        return [Finding(ent.id, "error", "the discovery document has no jwks_uri")]
    got = await _get(http, ent, jwks_uri)
    if isinstance(got, str):
        return [Finding(ent.id, "error", got)]
    try:
        keys = json.loads(got[2]).get("keys", [])
    except (ValueError, AttributeError):
        return [Finding(ent.id, "error", f"{jwks_uri} is not a JSON key set")]
    if not any(k.get("kty") == "RSA" and k.get("use", "sig") == "sig" for k in keys if isinstance(k, dict)):
        return [Finding(ent.id, "error", f"{jwks_uri} holds no RSA signing key: RS256 tokens cannot be verified")]
    return []


def _check_saml(ent: SamlConfig) -> Iterator[Finding]:
    for label, path in (("sp_key_file", ent.sp_key_file), ("sp_cert_file", ent.sp_cert_file)):
        if not path.exists():
            yield Finding(ent.id, "error", f"{label} {path} does not exist: make it with `cybercollege ent keys`")
            return
    try:
        key = serialization.load_pem_private_key(ent.sp_key_file.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(ent.sp_cert_file.read_bytes())
    except ValueError:
        yield Finding(ent.id, "error", "sp_key_file or sp_cert_file is not PEM: make them with `cybercollege ent keys`")
        return
    spki = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    if cert.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        yield Finding(ent.id, "error", "sp_key_file and sp_cert_file do not belong together: make a new pair")
    yield from _check_validity(ent, "our certificate (sp_cert_file)", cert)
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        yield Finding(ent.id, "error", f"our key has {key.key_size} bits: make a new pair (3072 bits)")
    if not ent.idp_metadata_file.exists():
        yield Finding(
            ent.id,
            "error",
            f"idp_metadata_file {ent.idp_metadata_file} does not exist: download the IdP's metadata into it",
        )
        return
    yield from _check_idp_metadata(ent)


def _check_validity(ent: SamlConfig, what: str, cert: x509.Certificate) -> Iterator[Finding]:
    left = cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC)
    if left.total_seconds() <= 0:
        yield Finding(ent.id, "error", f"{what} expired on {cert.not_valid_after_utc:%Y-%m-%d}: renew it")
    elif left.days < 30:
        yield Finding(ent.id, "warning", f"{what} expires in {left.days} days: renew it and tell the other side")


def _check_idp_metadata(ent: SamlConfig) -> Iterator[Finding]:
    try:
        root = fromstring(ent.idp_metadata_file.read_bytes(), forbid_dtd=True)
    except (ParseError, ValueError, DefusedXmlException):
        yield Finding(ent.id, "error", f"{ent.idp_metadata_file} is not XML: download the IdP's metadata again")
        return
    idps = [e for e in _entities(root) if e.find(f"{MD}IDPSSODescriptor") is not None]
    if len(idps) != 1:
        yield Finding(ent.id, "error", f"{ent.idp_metadata_file} describes {len(idps)} IdPs: keep exactly one")
        return
    descriptor = idps[0].find(f"{MD}IDPSSODescriptor")
    assert descriptor is not None  # found just above
    bindings = {s.get("Binding") for s in descriptor.findall(f"{MD}SingleSignOnService")}
    if REDIRECT not in bindings:
        yield Finding(ent.id, "error", "the IdP offers no HTTP-Redirect SingleSignOnService: enable that binding")
    if not descriptor.findall(f"{MD}SingleLogoutService"):
        yield Finding(
            ent.id, "warning", "the IdP declares no SingleLogoutService: logging out of the ENT won't reach us"
        )
    certs = [c for c in descriptor.iter(f"{DS}X509Certificate") if (c.text or "").strip()]
    if not certs:
        yield Finding(ent.id, "error", "the IdP metadata holds no signing certificate: its Responses can't be checked")
    for element in certs:
        try:
            cert = x509.load_der_x509_certificate(_b64(element.text or ""))
        except ValueError:
            yield Finding(ent.id, "error", "an IdP certificate in the metadata is unreadable: download it again")
            continue
        yield from _check_validity(ent, "the IdP's certificate", cert)
    signing = {m.get("Algorithm", "") for m in idps[0].iter(f"{ALG}SigningMethod")}
    if signing and signing <= SHA1_SIGNATURES and not ent.allow_sha1:
        yield Finding(ent.id, "error", "the IdP only signs with SHA-1: configure RSA-SHA256 there (or allow_sha1)")
    if ent.allow_sha1:
        yield Finding(ent.id, "warning", "allow_sha1 is on: SHA-1 signatures are accepted from this IdP")
    yield Finding(ent.id, "ok", f"SAML IdP {idps[0].get('entityID')} and our key pair are consistent")


def _entities(root: Element) -> list[Element]:
    if root.tag == f"{MD}EntityDescriptor":
        return [root]
    return root.findall(f".//{MD}EntityDescriptor")


def _b64(text: str) -> bytes:
    return base64.b64decode("".join(text.split()))
