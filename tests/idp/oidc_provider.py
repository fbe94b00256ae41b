"""A second, independent OpenID Connect provider for tests: panva's ``oidc-provider`` (npm, OpenID Certified).

:func:`start` installs the pinned package (``npm ci`` in ``tests/idp/oidc_provider`` when ``node_modules`` is
missing or stale), writes the people of :mod:`tests.idp.people` and an RS256 key, and runs ``server.mjs`` on a
free 127.0.0.1 port. Its login form checks the people's passwords; claims come at the userinfo endpoint for the
scopes ``profile`` and ``sdet``, in oidc-provider's shapes: ``ENTPersonProfils`` a JSON array, classes packed
into one string with ``"; "``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from joserfc.jwk import RSAKey

from cybercollege.server.auth.ent.config import OidcConfig
from tests.idp import people
from tests.idp.lemonldap import free_port
from tests.idp.process import stop_process, wait_until_served

if TYPE_CHECKING:
    from playwright.async_api import Page

HERE = Path(__file__).parent / "oidc_provider"
ENT_ID = "node-oidc"
ENT_NAME = "ENT de test (oidc-provider)"
CLIENT_ID = "cybercollege"
CLIENT_SECRET = "node-oidc-test-secret-0123456789"
INSTALL = "apt-get install -y --no-install-recommends nodejs npm (Node.js >= 20.18)"


@dataclass
class Running:
    """A running provider; ``url`` is its issuer, exactly as its discovery document writes it."""

    url: str
    port: int
    process: subprocess.Popen
    workdir: Path
    keys: list[dict] = field(default_factory=list)  # private JWKs, the first one signs

    @property
    def ent(self) -> OidcConfig:
        return OidcConfig(
            id=ENT_ID,
            name=ENT_NAME,
            protocol="oidc",
            issuer=self.url,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            scopes=("openid", "profile", "sdet"),
        )

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return (self.workdir / "oidc-provider.log").read_text(errors="replace")


def claims_of(person: people.Person) -> dict[str, object]:
    """The claims oidc-provider releases for ``person`` (standard names plus SDET, in this ENT's shapes)."""
    sdet = person.sdet()
    claims: dict[str, object] = {
        "given_name": person.given,
        "family_name": person.family,
        "name": person.cn,
        "ENTPersonProfils": sdet["ENTPersonProfils"],
        "ENTPersonStructRattach": people.SCHOOL_UAI,
        "ENTPersonJointure": person.jointure,
    }
    for key in ("ENTAuxEnsClasses", "ENTEleveClasses"):
        if key in sdet:
            claims[key] = people.packed(sdet[key], "; ")
    return claims


def new_key() -> dict:
    """A fresh private RS256 signing JWK with its own ``kid``."""
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    return dict(key.as_dict(private=True))


def check_installed() -> tuple[str, str]:
    """The paths of ``node`` and ``npm``; raises RuntimeError with the install command when missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise RuntimeError(f"Node.js and npm are needed by the oidc-provider tests: {INSTALL}")
    return node, npm


def ensure_installed(npm: str) -> None:
    """``npm ci`` unless ``node_modules`` holds the pinned oidc-provider (a file lock serialises installs)."""
    pinned = json.loads((HERE / "package.json").read_text())["dependencies"]["oidc-provider"]
    installed = HERE / "node_modules" / "oidc-provider" / "package.json"
    lock_path = Path(tempfile.gettempdir()) / "cybercollege-oidc-provider-npm.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed.exists() and json.loads(installed.read_text())["version"] == pinned:
            return
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci failed in {HERE}:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


def start(workdir: Path, sp_url: str, *, port: int | None = None, keys: list[dict] | None = None) -> Running:
    """Start a provider trusting our login server at ``sp_url`` (no trailing slash).

    ``port`` and ``keys`` let a test restart the same issuer with rotated keys (the first key signs).
    """
    node, npm = check_installed()
    ensure_installed(npm)
    port = port or free_port()
    keys = keys or [new_key()]
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "people.json").write_text(
        json.dumps([{"login": p.login, "password": p.password, "claims": claims_of(p)} for p in people.EVERYONE])
    )
    (workdir / "jwks.json").write_text(json.dumps({"keys": keys}))
    redirect_uri = f"{sp_url}/auth/oidc/{ENT_ID}/callback"
    args = ["--port", str(port), "--redirect-uri", redirect_uri, "--client-id", CLIENT_ID]
    args += ["--people", str(workdir / "people.json"), "--jwks", str(workdir / "jwks.json")]
    env = {**os.environ, "OIDC_CLIENT_SECRET": CLIENT_SECRET}
    with (workdir / "oidc-provider.log").open("ab") as log:
        process = subprocess.Popen(
            [node, str(HERE / "server.mjs"), *args], cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    running = Running("", port, process, workdir, keys)
    running.url = _wait_ready(running, f"http://127.0.0.1:{port}/")
    return running


def _wait_ready(running: Running, base: str) -> str:
    """The issuer the discovery document names, once it is served."""
    url = base + ".well-known/openid-configuration"
    return json.loads(wait_until_served(running.process, url, "oidc-provider", running.log))["issuer"]


async def sign_in(page: Page, person: people.Person) -> None:
    """On the provider's login page loaded in the Playwright ``page``, sign in as ``person`` like a user."""
    await page.get_by_label("Identifiant").fill(person.login)
    await page.get_by_label("Mot de passe").fill(person.password)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Se connecter").click()
    consent = page.get_by_role("button", name="Autoriser")  # none for our first-party client, but an ENT may ask
    if await consent.count():
        async with page.expect_navigation():
            await consent.click()
