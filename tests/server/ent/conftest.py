"""Fixtures of the ENT tests: a real LemonLDAP::NG portal (session scope) and our login server."""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from cybercollege.server.auth.directory import DemoDirectory
from cybercollege.server.auth.ent.accesslog import PathOnlyAccessLogger
from cybercollege.server.auth.ent.config import CasConfig, OidcConfig, SamlConfig
from cybercollege.server.auth.ent.routes import setup_ent
from cybercollege.server.auth.ent.saml import sp_metadata
from cybercollege.server.auth.tokens import TokenService
from tests.idp import lemonldap

SECRET = "test-secret-for-cybercollege-tokens-0123456789"


@pytest.fixture(scope="session")
def sp_port() -> int:
    """Our server's port, fixed for the session because the IdP must know our redirect URIs."""
    return lemonldap.free_port()


@pytest.fixture(scope="session")
def sp_url(sp_port: int) -> str:
    return f"http://127.0.0.1:{sp_port}"


@pytest.fixture(scope="session")
def saml_sp(tmp_path_factory: pytest.TempPathFactory) -> SamlConfig:
    """Our SAML SP settings: a fresh key pair; the IdP metadata file is written once the IdP runs."""
    folder = tmp_path_factory.mktemp("saml-sp")
    key_pem, cert_pem = lemonldap.key_and_cert("cybercollege-test-sp")
    (folder / "sp.key").write_text(key_pem)
    (folder / "sp.crt").write_text(cert_pem)
    return SamlConfig(
        id="llng-saml",
        name="ENT de test (SAML)",
        protocol="saml",
        idp_metadata_file=folder / "idp.xml",
        sp_key_file=folder / "sp.key",
        sp_cert_file=folder / "sp.crt",
    )


@pytest.fixture(scope="session")
def llng(tmp_path_factory: pytest.TempPathFactory, sp_url: str, saml_sp: SamlConfig) -> Iterator:
    """A running LemonLDAP::NG portal; fails (never skips) when it is not installed."""
    try:
        lemonldap.check_installed()
    except lemonldap.IdpMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    portal = lemonldap.start_portal(tmp_path_factory.mktemp("llng"), sp_url, sp_metadata(saml_sp, sp_url))
    with urllib.request.urlopen(portal.saml_metadata_url, timeout=5) as answer:
        saml_sp.idp_metadata_file.write_bytes(answer.read())
    yield portal
    portal.stop()


def llng_ents(portal, saml_sp: SamlConfig) -> list:
    """CAS 3, CAS 2 (plain, gateway, renew), OIDC and SAML views of the same portal."""
    return [
        saml_sp,
        CasConfig(id="llng-cas", name="ENT de test (CAS 3)", protocol="cas", server_url=portal.cas_url),
        CasConfig(
            id="llng-cas2",
            name="ENT de test (CAS 2)",
            protocol="cas",
            server_url=portal.cas_url,
            cas_version=2,
        ),
        CasConfig(
            id="llng-gateway",
            name="ENT de test (gateway)",
            protocol="cas",
            server_url=portal.cas_url,
            gateway=True,
        ),
        CasConfig(
            id="llng-renew", name="ENT de test (renew)", protocol="cas", server_url=portal.cas_url, renew=True
        ),
        OidcConfig(
            id="llng-oidc",
            name="ENT de test (OIDC)",
            protocol="oidc",
            issuer=portal.url,
            client_id=lemonldap.OIDC_CLIENT_ID,
            client_secret=lemonldap.OIDC_CLIENT_SECRET,
            scopes=("openid", "profile"),
        ),
    ]


class LogoutRecorder:
    """The ``on_logout`` callback of the world server, recording session ids."""

    def __init__(self) -> None:
        self.sids: list[str] = []

    async def __call__(self, sid: str) -> None:
        self.sids.append(sid)


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(SECRET, ttl_seconds=3600)


@pytest.fixture
def logouts() -> LogoutRecorder:
    return LogoutRecorder()


async def start_server(app: web.Application, port: int | None = None) -> TestServer:
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server(access_log_class=PathOnlyAccessLogger)
    return server


@pytest.fixture
async def sp(llng, saml_sp, sp_port: int, sp_url: str, tokens, logouts) -> AsyncIterator[web.Application]:
    """Our login server, configured with the test IdP and demo mode, listening on ``sp_url``."""
    app = web.Application()
    setup_ent(
        app, llng_ents(llng, saml_sp), tokens, public_url=sp_url, demo=DemoDirectory.load(), on_logout=logouts
    )
    server = await start_server(app, sp_port)
    yield app
    await server.close()
