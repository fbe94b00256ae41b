"""CAS answers: success shapes, failure codes, hostile XML, single logout requests, URLs."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cybercollege.server.auth.ent.cas import login_url, parse_logout_request, parse_validation, validate_url
from cybercollege.server.auth.ent.config import CasConfig
from cybercollege.server.auth.ent.errors import EntUnavailable, LoginError

RESPONSES = Path(__file__).parent / "responses"
SERVICE = "https://college.example/auth/cas/x/callback?state=abc"


def cfg(**kw) -> CasConfig:
    return CasConfig(id="x", name="X", protocol="cas", server_url="https://ent.example/cas", **kw)


def test_success_keeps_attributes_from_containers_and_top_level():
    success = parse_validation((RESPONSES / "cas3-laclasse-nested.xml").read_bytes())
    attrs = success.as_mapping()
    assert success.user == "VAA60001"
    assert attrs["givenName"] == ["Léa"]
    assert attrs["ENTEleveClasses"] == ["0691234X$4A", "0699999Z$CLUB"]
    assert attrs["ENTPersonProfils"] == ["National_elv", "National_elv"]  # flatten() de-duplicates


def test_failure_gives_a_refusal_with_the_cas_code_and_no_ticket():
    with pytest.raises(LoginError) as refused:
        parse_validation((RESPONSES / "cas-failure.xml").read_bytes())
    assert refused.value.code == "cas_invalid_ticket"
    assert "ST-" not in str(refused.value)


@pytest.mark.parametrize("name", ["cas-entity-bomb.xml", "cas-external-entity.xml"])
def test_entities_are_never_expanded(name):
    with pytest.raises(EntUnavailable) as refused:
        parse_validation((RESPONSES / name).read_bytes())
    assert refused.value.code == "cas_bad_xml"


@pytest.mark.parametrize("body", [b"", b"no\n\n", b"<html>maintenance</html>", b"<a><b></a>"])
def test_garbage_is_an_unusable_answer(body):
    with pytest.raises(EntUnavailable):
        parse_validation(body)


def test_logout_request_gives_the_session_index():
    body = (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" '
        'IssueInstant="2026-11-28T10:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
        "<samlp:SessionIndex>ST-123-abc</samlp:SessionIndex></samlp:LogoutRequest>"
    )
    assert parse_logout_request(body) == "ST-123-abc"


@pytest.mark.parametrize(
    "body",
    ["", "not xml", "<other/>", (RESPONSES / "cas-entity-bomb.xml").read_text()],
)
def test_bad_logout_requests_are_ignored(body):
    assert parse_logout_request(body) is None


def test_login_url_renew_and_gateway():
    assert parse_qs(urlsplit(login_url(cfg(), SERVICE)).query) == {"service": [SERVICE]}
    assert parse_qs(urlsplit(login_url(cfg(renew=True), SERVICE)).query)["renew"] == ["true"]
    assert parse_qs(urlsplit(login_url(cfg(gateway=True), SERVICE)).query)["gateway"] == ["true"]
    assert "gateway" not in login_url(cfg(gateway=True), SERVICE, gateway=False)


def test_validate_url_by_version():
    assert urlsplit(validate_url(cfg(), "ST-1", SERVICE)).path == "/cas/p3/serviceValidate"
    assert urlsplit(validate_url(cfg(cas_version=2), "ST-1", SERVICE)).path == "/cas/serviceValidate"
    assert parse_qs(urlsplit(validate_url(cfg(), "ST-1", SERVICE)).query)["service"] == [SERVICE]


def test_foreign_failure_codes_cannot_inject_log_lines():
    body = (
        b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
        b"<cas:authenticationFailure code='BAD&#10;login ok user=admin'>x</cas:authenticationFailure>"
        b"</cas:serviceResponse>"
    )
    with pytest.raises(LoginError) as refused:
        parse_validation(body)
    assert refused.value.code == "cas_badloginokuseradmin"
