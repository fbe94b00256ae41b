"""Desktop login parameters (RFC 8252) and PKCE."""

from __future__ import annotations

import pytest

from cybercollege.server.auth.ent.desktop import desktop_request, loopback_uri, redirect_with_code, verifier_matches
from cybercollege.server.auth.ent.errors import LoginError
from cybercollege.server.auth.ent.oidc import pkce_pair, s256


def test_rfc7636_example_challenge():
    assert (
        s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_verifier_check():
    verifier, challenge = pkce_pair()
    assert verifier_matches(verifier, challenge)
    assert not verifier_matches(pkce_pair()[0], challenge)
    assert not verifier_matches(None, challenge)
    assert not verifier_matches(challenge, challenge)


def test_loopback_uri_keeps_the_path_and_query():
    assert loopback_uri("http://[::1]:8123/cb?x=1") == "http://[::1]:8123/cb?x=1"


@pytest.mark.parametrize("uri", ["http://127.0.0.1:8000/cb#frag", "http://127.0.0.1:0/cb", "HTTP://evil"])
def test_loopback_uri_refusals(uri):
    with pytest.raises(LoginError) as refused:
        loopback_uri(uri)
    assert refused.value.code == "desktop_bad_redirect"


def test_code_goes_back_with_the_client_state():
    _, challenge = pkce_pair()
    request = desktop_request(
        {"redirect_uri": "http://127.0.0.1:5000/cb?a=b", "code_challenge": challenge, "state": "st"},
        "browser",
    )
    assert redirect_with_code(request, "C0DE") == "http://127.0.0.1:5000/cb?a=b&code=C0DE&state=st"


@pytest.mark.parametrize("state", ["", "has space", "x" * 201, "<script>"])
def test_client_state_is_required_and_plain(state):
    _, challenge = pkce_pair()
    with pytest.raises(LoginError):
        desktop_request(
            {"redirect_uri": "http://127.0.0.1:1/", "code_challenge": challenge, "state": state}, "b"
        )
