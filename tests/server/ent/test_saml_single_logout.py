"""SAML 2 single logout with the real LemonLDAP::NG portal.

LemonLDAP::NG 2.16 sends the LogoutRequest through the browser: its logout page holds an iframe whose
``src`` is our SingleLogoutService URL with a signed HTTP-Redirect ``SAMLRequest`` (front channel). The
scripted browser loads that iframe and follows our redirect (the signed LogoutResponse) back to the portal.
"""

from __future__ import annotations

import base64
import re
import shutil
import zlib
from urllib.parse import parse_qsl, quote, urlsplit

import aiohttp
import pytest
from defusedxml.ElementTree import fromstring
from saml2 import samlp, xmldsig
from saml2.sigver import CryptoBackendXmlSec1, pre_signature_part
from yarl import URL

from cybercollege.server.auth.tokens import TokenError
from tests.idp import browser

from .flows import desktop_login, idp_logout, post_json, redeem

ENT = "llng-saml"
MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
SAMLP = "{urn:oasis:names:tc:SAML:2.0:protocol}"


async def saml_login(sp_url: str, b: browser.Browser, tokens) -> tuple[dict, str]:
    got = await desktop_login(sp_url, b.login, ENT, b)
    status, body = await redeem(sp_url, got["code"], got["verifier"])
    assert status == 200, body
    return body, tokens.verify(body["access_token"])[1]


async def logout_request_url(llng, b: browser.Browser) -> str:
    """Log out on the portal but capture the iframe URL (the signed LogoutRequest) instead of loading it."""
    async with await b.get(f"{llng.url}?logout=1") as answer:
        page = await answer.text()
    start = page.index(f"/auth/saml/{ENT}/slo?")
    url = page[page.rindex('"', 0, start) + 1 : page.index('"', start)]
    return url.replace("&amp;", "&")


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(URL(url, encoded=True), allow_redirects=False) as resp:
        return resp.status, resp.headers.get("Location", "") or await resp.text()


def query_with(url: str, **changes: str | None) -> str:
    """``url`` with some raw query parameters replaced or added (``None`` removes one), other octets unchanged."""
    base, _, query = url.partition("?")
    pieces = [p.partition("=") for p in query.split("&")]
    out = [f"{k}={changes.get(k, v)}" for k, _, v in pieces if changes.get(k, "") is not None]
    present = {k for k, _, _ in pieces}
    out += [f"{k}={v}" for k, v in changes.items() if k not in present and v is not None]
    return f"{base}?{'&'.join(out)}"


# --- end to end ------------------------------------------------------------------------------------------


async def test_logout_at_the_idp_ends_our_saml_session(sp, sp_url, llng, tokens, logouts):
    b = browser.Browser("rtyler", ent=ENT)
    try:
        body, sid = await saml_login(sp_url, b, tokens)
        seen = await idp_logout(b, llng.url)
    finally:
        await b.close()
    assert len(seen.frames) == 1, seen.page[-2000:]
    frame = seen.frames[0]
    assert frame[0].startswith(f"{sp_url}/auth/saml/{ENT}/slo?SAMLRequest=")  # the portal's LogoutRequest
    assert "/saml/singleLogoutReturn?SAMLResponse=" in frame[1]  # our signed LogoutResponse, to the portal
    assert frame[-1].endswith("/common/icons/ok.png")  # the portal accepted it (warning.png otherwise)
    portal_log = llng.log()
    assert "Could not verify signature" not in portal_log and "Fail to process logout response" not in portal_log
    assert logouts.sids == [sid]
    with pytest.raises(TokenError):
        tokens.verify(body["access_token"])
    status, refused = await post_json(f"{sp_url}/auth/refresh", {"refresh_token": body["refresh_token"]})
    assert status == 401 and refused["error"] == "refresh_unknown"


async def test_logout_of_one_user_leaves_the_others(sp, sp_url, llng, tokens, logouts):
    rose, who = browser.Browser("rtyler", ent=ENT), browser.Browser("dwho", ent=ENT)
    try:
        _, rose_sid = await saml_login(sp_url, rose, tokens)
        who_body, _ = await saml_login(sp_url, who, tokens)
        await idp_logout(rose, llng.url)
    finally:
        await rose.close()
        await who.close()
    assert logouts.sids == [rose_sid]
    assert tokens.verify(who_body["access_token"])[0].user_id == f"{ENT}:LLNG-DWHO"


async def test_metadata_publishes_the_single_logout_service(sp, sp_url):
    async with aiohttp.ClientSession() as http, http.get(f"{sp_url}/auth/saml/{ENT}/metadata") as resp:
        root = fromstring(await resp.read())
    services = {(s.get("Binding"), s.get("Location")) for s in root.iter(f"{MD}SingleLogoutService")}
    slo = f"{sp_url}/auth/saml/{ENT}/slo"
    assert services == {
        ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", slo),
        ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", slo),
    }


# --- refusals (the portal's own LogoutRequest, altered) ----------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"Signature": quote(base64.b64encode(b"\x00" * 256).decode(), safe="")},  # bad signature
        {"Signature": None, "SigAlg": None},  # unsigned
        {"SigAlg": quote("http://www.w3.org/2000/09/xmldsig#rsa-sha1", safe="")},  # SHA-1 is not accepted
        {"RelayState": "added-after-signing"},
        {"SAMLRequest": None},
    ],
    ids=["bad-signature", "unsigned", "sha1", "relaystate-added", "no-request"],
)
async def test_altered_logout_requests_are_refused(sp, sp_url, llng, tokens, logouts, change):
    b = browser.Browser("rtyler", ent=ENT)
    try:
        body, sid = await saml_login(sp_url, b, tokens)
        url = await logout_request_url(llng, b)
    finally:
        await b.close()
    status, page = await get(query_with(url, **change))
    assert status == 400 and "Demande de déconnexion refusée" in page
    assert logouts.sids == [] and tokens.verify(body["access_token"])[1] == sid
    status, location = await get(url)  # the genuine request still works
    assert status == 302 and "SAMLResponse=" in location and logouts.sids == [sid]


@pytest.mark.parametrize("key", ["SAMLRequest", "SAMLRequ%65st"], ids=["plain", "percent-encoded-key"])
async def test_repeated_parameter_is_refused(sp, sp_url, llng, tokens, logouts, key):
    """A second SAMLRequest (first, so that a lax parser would read it) next to the signed one."""
    b = browser.Browser("rtyler", ent=ENT)
    try:
        await saml_login(sp_url, b, tokens)
        url = await logout_request_url(llng, b)
    finally:
        await b.close()
    base, _, query = url.partition("?")
    saml_request = dict(parse_qsl(query))["SAMLRequest"]
    status, _page = await get(f"{base}?{key}={quote(saml_request, safe='')}&{query}")
    assert status == 400 and logouts.sids == []


async def test_unsigned_logout_request_by_post_is_refused(sp, sp_url, llng, tokens, logouts):
    """The portal's LogoutRequest XML carries no enveloped signature: posted as HTTP-POST it is refused."""
    b = browser.Browser("rtyler", ent=ENT)
    try:
        await saml_login(sp_url, b, tokens)
        url = await logout_request_url(llng, b)
    finally:
        await b.close()
    deflated = base64.b64decode(dict(parse_qsl(urlsplit(url).query))["SAMLRequest"])
    xml = zlib.decompress(deflated, -15)
    assert fromstring(xml).tag == f"{SAMLP}LogoutRequest"
    async with aiohttp.ClientSession() as http:
        form = {"SAMLRequest": base64.b64encode(xml).decode()}
        async with http.post(f"{sp_url}/auth/saml/{ENT}/slo", data=form) as resp:
            assert resp.status == 400
            assert resp.headers["Cache-Control"] == "no-store"
    assert logouts.sids == []


@pytest.mark.parametrize("size", [70_000, 200_000])
async def test_oversized_logout_requests_are_refused(sp, sp_url, logouts, size):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sp_url}/auth/saml/{ENT}/slo", data={"SAMLRequest": "A" * size}) as resp:
            assert resp.status in (400, 413)
        async with http.get(f"{sp_url}/auth/saml/{ENT}/slo?SAMLRequest={'A' * 70_000}") as resp:
            assert resp.status in (400, 414)
    assert logouts.sids == []


async def test_garbage_logout_request_is_refused_without_a_traceback(sp, sp_url, logouts, caplog):
    status, page = await get(f"{sp_url}/auth/saml/{ENT}/slo?SAMLRequest=%3Cnot-xml&SigAlg=x&Signature=y")
    assert status == 400 and "Traceback" not in page and "Traceback" not in caplog.text
    url = f"{sp_url}/auth/saml/{ENT}/slo"
    async with aiohttp.ClientSession() as http, http.post(url, data={"SAMLRequest": "PG5vdC14bWw+"}) as resp:
        assert resp.status == 400
    assert logouts.sids == []


async def test_replayed_logout_request_is_refused(sp, sp_url, llng, tokens, logouts):
    b = browser.Browser("rtyler", ent=ENT)
    try:
        _, sid = await saml_login(sp_url, b, tokens)
        url = await logout_request_url(llng, b)
    finally:
        await b.close()
    status, _location = await get(url)
    assert status == 302 and logouts.sids == [sid]
    status, page = await get(url)
    assert status == 400 and "Demande de déconnexion refusée" in page


def sign_as_the_portal(xml: bytes, llng, tmp_path) -> str:
    """The portal's LogoutRequest with an enveloped XML signature made with the portal's own key (what the
    portal sends by HTTP-POST), base64 encoded for the form field ``SAMLRequest``."""
    key_file = tmp_path / "idp.key"
    key_file.write_text(llng.signing_key_pem)
    request = samlp.logout_request_from_string(xml.decode())
    request.signature = pre_signature_part(
        request.id, sign_alg=xmldsig.SIG_RSA_SHA256, digest_alg=xmldsig.DIGEST_SHA256
    )
    backend = CryptoBackendXmlSec1(shutil.which("xmlsec1"))
    signed = backend.sign_statement(
        str(request), "urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest", str(key_file), request.id
    )
    return base64.b64encode(signed.encode() if isinstance(signed, str) else signed).decode()


async def test_signed_logout_request_by_post_ends_the_session(sp, sp_url, llng, tokens, logouts, tmp_path):
    """HTTP-POST binding: the portal's request, signed with its key; our signed LogoutResponse is posted
    back to the portal's SingleLogoutService, which accepts it."""
    b = browser.Browser("rtyler", ent=ENT)
    try:
        body, sid = await saml_login(sp_url, b, tokens)
        url = await logout_request_url(llng, b)
        xml = zlib.decompress(base64.b64decode(dict(parse_qsl(urlsplit(url).query))["SAMLRequest"]), -15)
        form = {"SAMLRequest": sign_as_the_portal(xml, llng, tmp_path), "RelayState": "r-1"}
        async with b.session.post(f"{sp_url}/auth/saml/{ENT}/slo", data=form, allow_redirects=False) as resp:
            assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
            page = await resp.text()
        assert logouts.sids == [sid]
        with pytest.raises(TokenError):
            tokens.verify(body["access_token"])
        [(action_form, fields, _buttons)] = browser.forms(page)
        assert fields["RelayState"] == "r-1" and action_form["action"].startswith(llng.url)
        async with b.session.post(action_form["action"], data=fields, allow_redirects=False) as back:
            assert back.headers["Location"].endswith("/common/icons/ok.png")
    finally:
        await b.close()


async def test_tampered_signed_logout_request_by_post_is_refused(sp, sp_url, llng, tokens, logouts, tmp_path):
    """Signed by the portal, then the NameID is changed: the XML signature breaks."""
    b = browser.Browser("rtyler", ent=ENT)
    try:
        await saml_login(sp_url, b, tokens)
        url = await logout_request_url(llng, b)
    finally:
        await b.close()
    xml = zlib.decompress(base64.b64decode(dict(parse_qsl(urlsplit(url).query))["SAMLRequest"]), -15)
    signed = base64.b64decode(sign_as_the_portal(xml, llng, tmp_path)).decode()
    tampered = re.sub(r"(<[^>]*:NameID\b[^>]*>)", r"\1X", signed)
    assert tampered != signed
    form = {"SAMLRequest": base64.b64encode(tampered.encode()).decode()}
    async with aiohttp.ClientSession() as http, http.post(f"{sp_url}/auth/saml/{ENT}/slo", data=form) as resp:
        assert resp.status == 400
    assert logouts.sids == []
