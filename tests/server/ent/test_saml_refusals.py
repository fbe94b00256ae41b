"""Every way a SAML Response can be wrong gets a short French page with a 4xx and a logged reason, never a
500: failed status, no assertion, stale or future, misdirected, for another audience, unsigned, weakly
signed, replayed, not SAML at all, or sent by a binding we do not support.

The Responses come from an IdP under the test's control (tests/idp/forged_saml.py), signed with xmlsec1.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from saml2 import samlp, xmldsig

from cybercollege.server.auth.ent.config import SamlConfig
from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.auth.ent.saml import sp_metadata
from tests.idp import browser, forged_saml, lemonldap
from tests.idp.people import PUPIL

from .conftest import start_server
from .flows import LOOPBACK, start_url

NOW = datetime.datetime.now(datetime.UTC)


@dataclass
class Rig:
    url: str
    idp: forged_saml.ForgedIdp

    def acs(self, ent: str) -> str:
        return f"{self.url}/auth/saml/{ent}/acs"

    def audience(self, ent: str) -> str:
        return f"{self.url}/auth/saml/{ent}/metadata"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("forged-saml")


@pytest.fixture
async def rig(folder, tokens, logouts) -> AsyncIterator[Rig]:
    """Our server with two SAML ENTs on the forged IdP: ``forged`` (defaults) and ``old-idp`` (allow_sha1)."""
    port = lemonldap.free_port()
    url = f"http://127.0.0.1:{port}"
    key_pem, cert_pem = lemonldap.key_and_cert("sp-under-attack")
    (folder / "sp.key").write_text(key_pem)
    (folder / "sp.crt").write_text(cert_pem)
    common = {
        "protocol": "saml",
        "idp_metadata_file": folder / "forged-idp-metadata.xml",
        "sp_key_file": folder / "sp.key",
        "sp_cert_file": folder / "sp.crt",
    }
    ents = [
        SamlConfig(id="forged", name="IdP de test", **common),
        SamlConfig(id="old-idp", name="Ancien IdP", allow_sha1=True, **common),
    ]
    idp = forged_saml.start(folder, [sp_metadata(e, url) for e in ents])
    app = web.Application()
    setup_ent(app, ents, tokens, public_url=url, demo=None, on_logout=logouts)
    server = await start_server(app, port)
    yield Rig(url, idp)
    await server.close()


async def post_response(rig: Rig, ent: str = "forged", replay: bool = False, **bend) -> tuple[int, str, str]:
    """Start a login, answer its AuthnRequest with a Response bent by ``bend``; ``(status, page, Location)``."""
    b = browser.Browser(ent=ent)
    try:
        redirect = await b.run(start_url(rig.url).url, stop_at=forged_saml.SSO_URL)
        relay_state = browser.query_of(redirect)["RelayState"]
        request_id = forged_saml.authn_request_id(redirect)
        bend.setdefault("acs", rig.acs(ent))
        bend.setdefault("audience", rig.audience(ent))
        form = {"SAMLResponse": rig.idp.response(request_id, PUPIL.sdet(), **bend), "RelayState": relay_state}
        for _ in range(2 if replay else 1):
            async with b.session.post(rig.acs(ent), data=form, allow_redirects=False) as answer:
                status, text, location = answer.status, await answer.text(), answer.headers.get("Location", "")
        return status, text, location
    finally:
        await b.close()


async def test_a_good_response_signs_the_pupil_in(rig):
    status, _page, location = await post_response(rig)
    assert status == 302 and location.startswith(LOOPBACK)


REFUSALS = {
    "idp_says_authn_failed": ({"status": samlp.STATUS_AUTHN_FAILED}, 403, "saml_status_authnfailed", "authentifier"),
    "idp_says_request_denied": ({"status": samlp.STATUS_REQUEST_DENIED}, 403, "saml_status_requestdenied", "autorisé"),
    "no_assertion": ({"with_assertion": False}, 400, "saml_no_assertion", "pas pu être vérifiée"),
    "two_days_old": ({"issued": NOW - datetime.timedelta(days=2)}, 400, "saml_stale_response", "trop tard"),
    "an_hour_in_the_future": ({"issued": NOW + datetime.timedelta(hours=1)}, 400, "saml_stale_response", "horloge"),
    "for_another_acs": (
        {"destination": "https://other-sp.example/acs"},
        400,
        "saml_wrong_destination",
        "pas pu être vérifiée",
    ),
    "for_another_audience": ({"other_audience": "https://other-sp.example/sp"}, 400, "saml_", "pas pu être vérifiée"),
    "unsigned": ({"sign_alg": None}, 400, "saml_", "pas pu être vérifiée"),
    "rsa_sha1": ({"sign_alg": xmldsig.SIG_RSA_SHA1}, 400, "saml_weak_algorithm", "pas pu être vérifiée"),
    "sha1_digest": ({"digest_alg": xmldsig.DIGEST_SHA1}, 400, "saml_weak_algorithm", "pas pu être vérifiée"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
async def test_bad_responses_get_a_french_refusal_page(rig, caplog, case):
    bend, expected_status, code, words = REFUSALS[case]
    with caplog.at_level(logging.WARNING, logger="cybercollege.ent"):
        status, page, _location = await post_response(rig, **bend)
    assert status == expected_status, page
    assert '<html lang="fr">' in page and words in page and "Traceback" not in page
    assert f"code={code}" in caplog.text


async def test_clock_skew_within_the_documented_tolerance_is_accepted(rig):
    now = datetime.datetime.now(datetime.UTC)  # not NOW: the module's tests may have run for minutes
    for issued in (now + datetime.timedelta(seconds=120), now - datetime.timedelta(seconds=300 + 120)):
        status, page, location = await post_response(rig, issued=issued)
        assert status == 302 and location.startswith(LOOPBACK), page


async def test_sha1_is_accepted_only_from_an_idp_configured_for_it(rig):
    status, page, location = await post_response(rig, ent="old-idp", sign_alg=xmldsig.SIG_RSA_SHA1)
    assert status == 302 and location.startswith(LOOPBACK), page


async def test_a_replayed_response_is_refused(rig):
    status, page, _location = await post_response(rig, replay=True)
    assert status == 400 and "expiré ou a déjà servi" in page


async def test_garbage_instead_of_a_response(rig):
    b = browser.Browser(ent="forged")
    try:
        redirect = await b.run(start_url(rig.url).url, stop_at=forged_saml.SSO_URL)
        form = {"SAMLResponse": "not base64 %%%", "RelayState": browser.query_of(redirect)["RelayState"]}
        async with b.session.post(rig.acs("forged"), data=form) as answer:
            assert answer.status == 400 and "pas pu être vérifiée" in await answer.text()
    finally:
        await b.close()


@pytest.mark.parametrize("query", ["", "?SAMLResponse=abc&RelayState=x", "?SAMLart=AAQAA"])
async def test_redirect_and_artifact_bindings_are_explained(rig, query):
    b = browser.Browser()
    try:
        async with b.session.get(rig.acs("forged") + query) as answer:
            assert answer.status == 405
            assert "HTTP-POST" in await answer.text()
    finally:
        await b.close()


async def test_metadata_advertises_only_the_algorithms_accepted(rig):
    b = browser.Browser()
    try:
        async with b.session.get(f"{rig.url}/auth/saml/forged/metadata") as answer:
            metadata = await answer.text()
        async with b.session.get(f"{rig.url}/auth/saml/old-idp/metadata") as answer:
            old = await answer.text()
    finally:
        await b.close()
    for weak in ("md5", "sha1", "sha224", "ripemd160"):
        assert f'#{weak}"' not in metadata and f'-{weak}"' not in metadata
    assert "rsa-sha256" in metadata and "xmlenc#sha256" in metadata
    assert "xmldsig#rsa-sha1" in old


def test_allowing_sha1_is_logged_as_a_warning_at_start(folder, caplog):
    from cybercollege.server.auth.ent.saml import SamlServiceProvider

    key_pem, cert_pem = lemonldap.key_and_cert("sp-sha1")
    (folder / "sha1.key").write_text(key_pem)
    (folder / "sha1.crt").write_text(cert_pem)
    cfg = SamlConfig(id="old-idp", name="Ancien IdP", protocol="saml", allow_sha1=True,
                     idp_metadata_file=folder / "forged-idp-metadata.xml",
                     sp_key_file=folder / "sha1.key", sp_cert_file=folder / "sha1.crt")
    forged_saml.start(folder, [sp_metadata(cfg, "http://127.0.0.1:9")])
    with caplog.at_level(logging.WARNING, logger="cybercollege.ent"):
        SamlServiceProvider(cfg, "http://127.0.0.1:9")
    assert "allow_sha1 is on" in caplog.text
