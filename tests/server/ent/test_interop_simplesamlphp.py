"""Interop with a second SAML 2 identity provider, SimpleSAMLphp: from its real login form, typed into
Chromium, to the identity in our access token. Its attribute shapes differ from LemonLDAP::NG's
(a multi-valued ``ENTPersonProfils``, classes packed into one ``;``-separated value)."""

from __future__ import annotations

import asyncio
from base64 import b64decode
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from aiohttp import web

from cybercollege.server.auth.ent.config import SamlConfig
from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.auth.tokens import TokenService
from tests.idp import lemonldap, simplesamlphp
from tests.idp.chromium import chromium
from tests.idp.people import PARENT, PUPIL, STAFF, TEACHER, Person
from tests.idp.simplesamlphp import Running

from .conftest import start_server
from .flows import LOOPBACK, assert_identity, redeem, start_url

BUTTON = f"text=Se connecter avec {simplesamlphp.ENT_NAME}"
TIMEOUT_MS = 15_000
DS = "{http://www.w3.org/2000/09/xmldsig#}"
SAML = "{urn:oasis:names:tc:SAML:2.0:assertion}"


@pytest.fixture(scope="module")
def ssp_sp(tmp_path_factory: pytest.TempPathFactory) -> SamlConfig:
    """Our SP towards SimpleSAMLphp: its own key pair and IdP metadata file (not LemonLDAP::NG's)."""
    folder = tmp_path_factory.mktemp("ssp-sp")
    key_pem, cert_pem = lemonldap.key_and_cert("cybercollege-test-sp")
    (folder / "sp.key").write_text(key_pem)
    (folder / "sp.crt").write_text(cert_pem)
    return SamlConfig(
        id=simplesamlphp.ENT_ID,
        name=simplesamlphp.ENT_NAME,
        protocol="saml",
        idp_metadata_file=folder / "idp.xml",
        sp_key_file=folder / "sp.key",
        sp_cert_file=folder / "sp.crt",
    )


@pytest.fixture(scope="module")
def ssp(tmp_path_factory: pytest.TempPathFactory, sp_url: str, ssp_sp: SamlConfig) -> Iterator[Running]:
    """A running SimpleSAMLphp IdP; fails (never skips) when it is not installed."""
    try:
        simplesamlphp.check_installed()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    running = simplesamlphp.start(tmp_path_factory.mktemp("ssp"), sp_url, ssp_sp)
    yield running
    running.stop()


@pytest.fixture
async def ssp_server(ssp: Running, sp_port: int, sp_url: str, tokens, logouts) -> AsyncIterator[web.Application]:
    """Our login server with SimpleSAMLphp as its only ENT, listening on ``sp_url``."""
    app = web.Application()
    setup_ent(app, [ssp.ent], tokens, public_url=sp_url, demo=None, on_logout=logouts)
    server = await start_server(app, sp_port)
    yield app
    await server.close()


@dataclass
class BrowserLogin:
    """What the browser went through: the SAML Response it posted to our ACS, our answer, where it went."""

    verifier: str
    saml_response: ElementTree.Element
    acs_status: int
    loopback_url: str = ""  # the URL our server sent the browser to (a success)
    page_text: str = ""  # the last page's text (a refusal)


async def browser_login(sp_url: str, ssp: Running, person: Person) -> BrowserLogin:
    """The desktop login in Chromium, from our start URL through the IdP's form to our ACS's answer.

    Nothing listens on the loopback: Playwright's ``page.route`` does not see the targets of redirects, so
    the browser's request to it is recorded from the ``request`` event (it then fails, harmlessly)."""
    started = start_url(sp_url)
    acs_url = f"{sp_url}/auth/saml/{ssp.ent.id}/acs"
    sent_back: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def on_request(request) -> None:
        if request.url.startswith(LOOPBACK) and not sent_back.done():
            sent_back.set_result(request.url)

    async with chromium() as ctx:
        page = await ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("request", on_request)
        try:
            await page.goto(started.url)
            await page.click(BUTTON)
            await page.wait_for_selector("input#username")
            async with page.expect_response(lambda r: r.url == acs_url) as acs:
                await simplesamlphp.sign_in(page, person)
            answer = await acs.value
            posted = parse_qs(answer.request.post_data or "")["SAMLResponse"][0]
            got = BrowserLogin(started.verifier, ElementTree.fromstring(b64decode(posted)), answer.status)
            if answer.status < 400:
                got.loopback_url = await asyncio.wait_for(sent_back, TIMEOUT_MS / 1000)
            else:
                await page.wait_for_url(acs_url)
                got.page_text = await page.inner_text("body")
            return got
        except Exception as exc:
            raise AssertionError(f"login of {person.login} stopped at {page.url}:\n{ssp.log()[-3000:]}") from exc


def check_response_shapes(response: ElementTree.Element, person: Person) -> None:
    """SimpleSAMLphp's Response as configured: signed (RSA-SHA256), a transient NameID, a SessionIndex, and the
    attributes of :func:`simplesamlphp.released` (basic NameFormat, one AttributeValue per value)."""
    method = response.find(f"{DS}Signature/{DS}SignedInfo/{DS}SignatureMethod")
    assert method is not None and method.get("Algorithm") == simplesamlphp.RSA_SHA256
    assertion = response.find(f"{SAML}Assertion")
    assert assertion is not None
    assert assertion.find(f"{SAML}Subject/{SAML}NameID").get("Format") == simplesamlphp.TRANSIENT
    assert assertion.find(f"{SAML}AuthnStatement").get("SessionIndex")
    attributes = assertion.findall(f"{SAML}AttributeStatement/{SAML}Attribute")
    assert {a.get("NameFormat") for a in attributes} == {simplesamlphp.BASIC}
    sent = {a.get("Name"): [v.text for v in a.findall(f"{SAML}AttributeValue")] for a in attributes}
    assert sent == simplesamlphp.released(person)


@pytest.mark.parametrize("person", [TEACHER, PUPIL, STAFF], ids=lambda p: p.login)
async def test_login_form_to_identity(ssp_server, ssp, sp_url: str, tokens: TokenService, person: Person) -> None:
    got = await browser_login(sp_url, ssp, person)
    check_response_shapes(got.saml_response, person)
    assert got.acs_status in (302, 303) and got.loopback_url, f"ACS answered {got.acs_status}"
    query = parse_qs(urlsplit(got.loopback_url).query)
    assert query["state"] == ["client-state-1"]
    status, body = await redeem(sp_url, query["code"][0], got.verifier)
    assert status == 200, body
    identity, _sid = tokens.verify(body["access_token"])
    assert_identity(identity, person, simplesamlphp.ENT_ID)


async def test_parent_is_refused(ssp_server, ssp, sp_url: str) -> None:
    got = await browser_login(sp_url, ssp, PARENT)
    check_response_shapes(got.saml_response, PARENT)
    assert (got.acs_status, got.loopback_url) == (403, "")
    assert "parents" in got.page_text
