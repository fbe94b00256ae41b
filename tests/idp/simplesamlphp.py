"""A second, independent SAML 2 identity provider for tests: SimpleSAMLphp 1.19 (Debian) on PHP's built-in server.

:func:`start` writes an isolated configuration directory (read by SimpleSAMLphp through the
``SIMPLESAMLPHP_CONFIG_DIR`` environment variable) into ``workdir``: the ``exampleauth:UserPass`` source with
every person of :mod:`tests.idp.people`, a hosted IdP signing its Responses with a fresh RSA key (RSA-SHA256),
and our SP read from its own metadata XML. Attributes go out in SimpleSAMLphp's shapes: one ``AttributeValue``
per profile (a real multi-valued ``ENTPersonProfils``) but the classes packed into one value with ``;``;
NameFormat basic, a transient NameID and a SessionIndex.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cybercollege.server.auth.ent.config import SamlConfig
from cybercollege.server.auth.ent.saml import sp_metadata
from tests.idp import people
from tests.idp.lemonldap import free_port, key_and_cert
from tests.idp.process import stop_process, wait_until_served

INSTALL = "sh scripts/install-test-system-deps.sh"
SSP = Path("/usr/share/simplesamlphp")
ENT_ID = "ssp-saml"
ENT_NAME = "ENT de test (SimpleSAMLphp)"
AUTH_SOURCE = "ent-test"
PACKED = ("ENTEleveClasses", "ENTAuxEnsClasses")  # sent as ONE value "a;b;c", as many ENTs do
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
BASIC = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"


@dataclass
class Running:
    """A running IdP. ``url`` ends with a slash; ``ent`` is our server's configuration for it."""

    url: str
    process: subprocess.Popen
    workdir: Path
    ent: SamlConfig

    @property
    def metadata_url(self) -> str:
        return self.url + "saml2/idp/metadata.php"

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        """PHP's output, then SimpleSAMLphp's own log."""
        parts = [self.workdir / "php.log", self.workdir / "log" / "simplesamlphp.log"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())


def check_installed() -> str:
    """The path of ``php``; raises RuntimeError with the install command when SimpleSAMLphp or PHP is missing."""
    php = shutil.which("php")
    if php is None or not (SSP / "www" / "saml2" / "idp" / "SSOService.php").exists():
        raise RuntimeError(f"SimpleSAMLphp or php-cli is not installed: run `{INSTALL}`")
    return php


def start(workdir: Path, sp_url: str, saml_sp: SamlConfig, sp_xml: str | None = None) -> Running:
    """Configure and start an IdP trusting our SP at ``sp_url`` (no trailing slash); writes the IdP metadata to
    ``saml_sp.idp_metadata_file``. Only the key, certificate and metadata paths of ``saml_sp`` are used;
    ``sp_xml`` is our SP metadata as an administrator hands it over (default: made from ``saml_sp``)."""
    php = check_installed()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    ent = saml_sp.model_copy(update={"id": ENT_ID, "name": ENT_NAME})
    _write_config(workdir, url, sp_xml or sp_metadata(ent, sp_url))
    env = {**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(workdir / "config")}
    log = (workdir / "php.log").open("wb")
    process = subprocess.Popen(
        # PHP errors go to php.log (see log()), never into the pages, whatever the machine's php.ini says.
        [php, "-d", "display_errors=stderr", "-S", f"127.0.0.1:{port}", "-t", str(SSP / "www")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    running = Running(url, process, workdir, ent)
    saml_sp.idp_metadata_file.write_bytes(_wait_ready(running))
    return running


async def sign_in(page, person: people.Person) -> None:
    """On the IdP's login form loaded in the Playwright ``page``, type ``person``'s login and password, submit."""
    await page.fill("input#username:visible", person.login)
    await page.fill("input#password:visible", person.password)
    await page.click("button#submit_button")


def _wait_ready(running: Running) -> bytes:
    """The IdP metadata, once it is served."""
    return wait_until_served(
        running.process,
        running.metadata_url,
        "SimpleSAMLphp (php -S)",
        running.log,
        accept=lambda body: b"IDPSSODescriptor" in body,
    )


def released(person: people.Person) -> dict[str, list[str]]:
    """``person``'s attributes as this IdP releases them (classes packed with ``;``)."""
    attrs = person.sdet()
    return {k: [people.packed(v)] if k in PACKED else v for k, v in attrs.items()}


def _php(variable: str, value: object) -> str:
    """A PHP file setting ``$variable`` (e.g. ``config``, ``metadata['x']``) to a JSON-encodable ``value``."""
    data = json.dumps(value, ensure_ascii=False, indent=1)
    return f"<?php\n${variable} = json_decode(<<<'JSON'\n{data}\nJSON, true, 512, JSON_THROW_ON_ERROR);\n"


def _write_config(workdir: Path, url: str, sp_xml: str) -> None:
    config, metadata, log = workdir / "config", workdir / "metadata", workdir / "log"
    for folder in (config, metadata, log, workdir / "tmp", workdir / "data", workdir / "sessions"):
        folder.mkdir(parents=True, exist_ok=True)
    key_pem, cert_pem = key_and_cert("ssp-test-idp")
    (workdir / "idp.key").write_text(key_pem)
    (workdir / "idp.crt").write_text(cert_pem)
    (workdir / "sp.xml").write_text(sp_xml)
    settings = {
        "baseurlpath": url,  # a full URL: SimpleSAMLphp builds every link from it
        "certdir": str(workdir),
        "loggingdir": str(log),
        "datadir": str(workdir / "data"),
        "tempdir": str(workdir / "tmp"),
        "metadatadir": str(metadata),
        "attributenamemapdir": str(SSP / "attributemap"),
        "secretsalt": os.urandom(16).hex(),
        "auth.adminpassword": os.urandom(16).hex(),
        "technicalcontact_email": "idp@ac-test.fr",
        "timezone": "UTC",
        "admin.checkforupdates": False,  # no internet here
        "logging.handler": "file",
        "logging.logfile": "simplesamlphp.log",
        "logging.level": 7,  # SimpleSAML\Logger::DEBUG
        "showerrors": True,
        "errorreporting": False,
        "enable.saml20-idp": True,
        "module.enable": {"exampleauth": True, "core": True, "saml": True},
        "store.type": "phpsession",
        "session.phpsession.savepath": str(workdir / "sessions"),
        "session.cookie.secure": False,  # plain http on the loopback
        "session.cookie.samesite": None,
        "language.default": "fr",
        "language.cookie.secure": False,
        "language.cookie.samesite": None,
        "metadata.sources": [
            {"type": "flatfile", "directory": str(metadata)},
            {"type": "xml", "file": str(workdir / "sp.xml")},
        ],
    }
    (config / "config.php").write_text(_php("config", settings))
    users = {f"{p.login}:{p.password}": released(p) for p in people.EVERYONE}
    (config / "authsources.php").write_text(_php("config", {AUTH_SOURCE: {"0": "exampleauth:UserPass", **users}}))
    idp = {
        "entityid": url + "saml2/idp/metadata.php",
        "host": "__DEFAULT__",
        "privatekey": "idp.key",
        "certificate": "idp.crt",
        "auth": AUTH_SOURCE,
        "signature.algorithm": RSA_SHA256,
        "saml20.sign.response": True,  # our SP requires a signed Response
        "attributes.NameFormat": BASIC,
        "NameIDFormat": TRANSIENT,
        "validate.authnrequest": True,
    }
    (metadata / "saml20-idp-hosted.php").write_text(_php("metadata['__DYNAMIC:1__']", idp))
