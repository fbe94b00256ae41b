"""``cybercollege ent check`` explains every mistake in one sentence that says how to fix it."""

from __future__ import annotations

import email.utils
import re
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cybercollege.server.auth.ent.admin import check, make_keys, registration, self_signed
from cybercollege.server.auth.ent.config import CasConfig, EntConfigError, OidcConfig, SamlConfig

CAS_FAILURE = (
    b"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>"
    b"<cas:authenticationFailure code='INVALID_TICKET'>no</cas:authenticationFailure></cas:serviceResponse>"
)


class Provider:
    """A provider whose discovery, keys, CAS endpoints and clock each test bends."""

    def __init__(self) -> None:
        self.url = ""
        self.discovery: dict = {}
        self.jwks: dict = {"keys": [{"kty": "RSA", "use": "sig", "n": "AQAB", "e": "AQAB", "kid": "k"}]}
        self.cas3 = True
        self.clock_offset = 0.0
        self.app = web.Application()
        self.app.router.add_get("/.well-known/openid-configuration", self.doc)
        self.app.router.add_get("/jwks", self.keys)
        self.app.router.add_get("/cas/login", self.cas_login)
        self.app.router.add_get("/cas/p3/serviceValidate", self.p3)
        self.app.router.add_get("/cas/serviceValidate", self.p2)
        self.app.on_response_prepare.append(self.date)

    async def doc(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url + "/",
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
            | self.discovery
        )

    async def keys(self, _request: web.Request) -> web.Response:
        return web.json_response(self.jwks)

    async def cas_login(self, _request: web.Request) -> web.Response:
        return web.Response(text="<form>login</form>")

    async def p2(self, _request: web.Request) -> web.Response:
        return web.Response(body=CAS_FAILURE)

    async def p3(self, _request: web.Request) -> web.Response:
        return web.Response(body=CAS_FAILURE) if self.cas3 else web.Response(status=404)

    async def date(self, _request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Date"] = email.utils.formatdate(time.time() + self.clock_offset, usegmt=True)


@pytest.fixture
async def provider():
    p = Provider()
    server = TestServer(p.app, host="127.0.0.1")
    await server.start_server()
    p.url = str(server.make_url("")).rstrip("/")
    yield p
    await server.close()


def oidc(p: Provider, **changes) -> OidcConfig:
    values = {
        "id": "monent",
        "name": "Mon ENT",
        "protocol": "oidc",
        "issuer": p.url + "/",
        "client_id": "c",
        "client_secret": "s",
    } | changes
    return OidcConfig(**values)


async def messages(ents, public_url: str = "https://college.example") -> list[str]:
    return [str(f) for f in await check(ents, public_url)]


async def test_a_good_openid_provider_is_ready(provider):
    assert await messages([oidc(provider)]) == [f"[ok] monent: OpenID Connect provider {provider.url}/ is usable"]


@pytest.mark.parametrize(
    ("bend", "config", "expected"),
    [
        (
            {"issuer": "https://elsewhere/"},
            {},
            "issuer mismatch: the provider says 'https://elsewhere/'; copy it exactly",
        ),
        ({"id_token_signing_alg_values_supported": ["HS256", "none"]}, {}, "ID tokens are not offered in RS256"),
        ({"token_endpoint_auth_methods_supported": ["client_secret_post"]}, {}, "use one of ['client_secret_post']"),
        ({"code_challenge_methods_supported": ["plain"]}, {}, "does not support PKCE S256: enable it"),
        ({}, {"client_secret": None, "client_secret_env": "NOT_SET_ANYWHERE"}, "NOT_SET_ANYWHERE is not set"),
    ],
)
async def test_openid_mistakes_are_explained(provider, bend, config, expected):
    provider.discovery = bend
    found = await messages([oidc(provider, **config)])
    assert any(expected in line and line.startswith("[error] monent: ") for line in found), found


async def test_an_openid_provider_without_rsa_keys(provider):
    provider.jwks = {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}
    assert any("holds no RSA signing key" in line for line in await messages([oidc(provider)]))


async def test_clock_drift_is_found(provider):
    provider.clock_offset = 600
    found = [line for line in await messages([oidc(provider)]) if "clocks differ by" in line]
    assert len(found) == 1 and "NTP" in found[0], found
    seconds = int(re.search(r"clocks differ by \+(\d+) s", found[0]).group(1))  # type: ignore[union-attr]
    assert 598 <= seconds <= 601  # HTTP dates are whole seconds


async def test_cas_2_server_configured_as_cas_3(provider):
    provider.cas3 = False
    cas = CasConfig(id="monent", name="Mon ENT", protocol="cas", server_url=provider.url + "/cas")
    found = await messages([cas])
    assert (
        f"[error] monent: {provider.url}/cas/p3/serviceValidate not found: this server speaks CAS 2, "
        "set cas_version = 2" in found
    )
    assert "[ok] monent: CAS 2 server answers" in (await messages([cas.model_copy(update={"cas_version": 2})]))[0]


async def test_unreachable_ent_and_http_public_url():
    cas = CasConfig(id="monent", name="Mon ENT", protocol="cas", server_url="http://127.0.0.1:9/cas", timeout_seconds=2)
    found = await messages([cas], "http://college.example")
    assert found[0].startswith("[warning] -: public URL http://college.example is not HTTPS")
    assert "cannot fetch http://127.0.0.1:9/cas/login" in found[1] and "firewall" in found[1]


def saml(folder: Path, **changes) -> SamlConfig:
    values = {
        "id": "monent",
        "name": "Mon ENT",
        "protocol": "saml",
        "idp_metadata_file": folder / "idp.xml",
        "sp_key_file": folder / "sp.key",
        "sp_cert_file": folder / "sp.crt",
    } | changes
    return SamlConfig(**values)


async def test_saml_files_are_checked_in_the_order_of_the_guide(tmp_path):
    assert "make it with `cybercollege ent keys`" in (await messages([saml(tmp_path)]))[0]
    make_keys(tmp_path, "cybercollege-sp")
    assert "download the IdP's metadata into it" in (await messages([saml(tmp_path)]))[0]
    other_key, _cert = self_signed("other", days=10, bits=2048)
    (tmp_path / "other.key").write_text(other_key)
    found = await messages([saml(tmp_path, sp_key_file=tmp_path / "other.key")])
    assert "[error] monent: sp_key_file and sp_cert_file do not belong together: make a new pair" in found


async def test_keys_are_not_replaced_by_mistake(tmp_path):
    make_keys(tmp_path, "cybercollege-sp")
    with pytest.raises(EntConfigError, match=r"keep it .* or pass --force"):
        make_keys(tmp_path, "cybercollege-sp")
    assert (tmp_path / "sp.key").stat().st_mode & 0o077 == 0  # the private key is the owner's only


def test_registration_names_the_urls_to_register():
    cas = CasConfig(id="monent", name="Mon ENT", protocol="cas", server_url="https://ent.example.fr/cas")
    text = registration(cas, "https://college.example")
    assert "https://college.example/auth/cas/monent/callback" in text
    assert "https://college.example/auth/cas/monent/logout" in text
