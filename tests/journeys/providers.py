"""The identity providers of the journeys, each behind the same small interface: started by the step of the
guide where the ENT's administrator registers us ("at the ENT"), and signed in to by a person in a browser.

LemonLDAP::NG (CAS, OIDC, SAML), django-cas-server (CAS), node oidc-provider (OIDC), SimpleSAMLphp (SAML).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from cybercollege.server.auth.ent.config import SamlConfig
from tests.idp import djangocas, lemonldap, oidc_provider, people, simplesamlphp

# The guide's placeholders (docs/sso.md) for the ENT's addresses.
CAS_URL = "https://ent.example.fr/cas"
ISSUER = "https://ent.example.fr/oidc/"
SAML_METADATA = "https://ent.example.fr/saml/metadata"
SECRET_ENV = "MONENT_CLIENT_SECRET"


@dataclass
class Running:
    """A started provider: what replaces the guide's placeholders, extra environment, and how to stop it."""

    substitutions: dict[str, str]
    stop: Callable[[], None]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Provider:
    """``key`` names it in test ids; ``ent_id`` replaces the guide's ``monent`` (some providers were set up
    with our redirect URI for that id); ``start(workdir, sp_url, ent_dir)`` runs at the "at the ENT" step."""

    key: str
    protocol: str
    ent_id: str
    start: Callable[[Path, str, Path], Running]
    sign_in: Callable[[object, people.Person], Awaitable[None]]


async def lemonldap_sign_in(page, person: people.Person) -> None:
    """LemonLDAP::NG's login form; its Demo accounts play the people (the password is the login)."""
    login = next(account for account, p in lemonldap.ACCOUNTS.items() if p == person)
    await page.fill("input[name=user]", login)
    await page.fill("input[name=password]", login)
    await page.click("button[type=submit]")


def _llng(protocol: str) -> Callable[[Path, str, Path], Running]:
    def start(workdir: Path, sp_url: str, ent_dir: Path) -> Running:
        sp_xml = (ent_dir / "cybercollege-sp.xml").read_text() if protocol == "saml" else None
        portal = lemonldap.start_portal(workdir, sp_url, sp_xml)
        return Running(
            {CAS_URL: portal.cas_url, ISSUER: portal.url, SAML_METADATA: portal.saml_metadata_url},
            portal.stop,
            {SECRET_ENV: lemonldap.OIDC_CLIENT_SECRET},
        )

    return start


def _djcas(workdir: Path, sp_url: str, ent_dir: Path) -> Running:
    server = djangocas.start(workdir, sp_url)
    return Running({CAS_URL: server.url}, server.stop)


def _node_oidc(workdir: Path, sp_url: str, ent_dir: Path) -> Running:
    provider = oidc_provider.start(workdir, sp_url)
    return Running({ISSUER: provider.url}, provider.stop, {SECRET_ENV: oidc_provider.CLIENT_SECRET})


def _ssp(workdir: Path, sp_url: str, ent_dir: Path) -> Running:
    scratch = SamlConfig(
        id="monent",
        name="-",
        protocol="saml",
        idp_metadata_file=workdir / "idp-metadata-unused.xml",
        sp_key_file=ent_dir / "sp.key",
        sp_cert_file=ent_dir / "sp.crt",
    )
    idp = simplesamlphp.start(workdir, sp_url, scratch, sp_xml=(ent_dir / "cybercollege-sp.xml").read_text())
    return Running({SAML_METADATA: idp.metadata_url}, idp.stop)


PROVIDERS = [
    Provider("lemonldap-cas", "cas", "llng-cas", _llng("cas"), lemonldap_sign_in),
    Provider("django-cas-server", "cas", "djcas", _djcas, djangocas.sign_in),
    Provider("lemonldap-oidc", "oidc", "llng-oidc", _llng("oidc"), lemonldap_sign_in),
    Provider("oidc-provider", "oidc", oidc_provider.ENT_ID, _node_oidc, oidc_provider.sign_in),
    Provider("lemonldap-saml", "saml", "llng-saml", _llng("saml"), lemonldap_sign_in),
    Provider("simplesamlphp", "saml", "ssp-saml", _ssp, simplesamlphp.sign_in),
]
BY_KEY = {p.key: p for p in PROVIDERS}
