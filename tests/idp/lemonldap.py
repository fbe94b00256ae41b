"""A real identity provider for tests: LemonLDAP::NG 2.16 (Debian) on a free 127.0.0.1 port.

:func:`start_portal` writes an isolated configuration (CAS, OpenID Connect and SAML issuers, the Demo user
backend with SDET attributes computed by macros) into a temporary directory and runs the portal with
``plackup -E deployment``. Demo users: ``dwho`` (the teacher of tests/idp/people.py), ``rtyler`` (the
pupil), ``msmith`` (the parent), and, added by portal.psgi, ``jbrun`` (the director) and ``vhugo`` (a teacher of
another school) and ``lmartin`` (a pupil of a school of no collège); the password is the login.
Multi-valued attributes are packed with LemonLDAP::NG's default ``multiValuesSeparator`` (``; ``), as a real ENT
running it sends them.
The template sets ``sameSite`` to ``Lax``: with SAML on, the portal defaults to ``SameSite=None`` cookies,
which a real browser drops over plain HTTP (no ``Secure``), losing the pending SAML request (Lasso -407).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cybercollege.server.auth.ent.admin import self_signed
from tests.idp import people
from tests.idp.process import stop_process, wait_until_served

HERE = Path(__file__).parent
INSTALL = "sudo scripts/install-test-idp.sh"
PORTAL_MODULE = Path("/usr/share/perl5/Lemonldap/NG/Portal/Main.pm")
SCHOOL_UAI = people.SCHOOL_UAI
OIDC_CLIENT_ID = "cybercollege"
OIDC_CLIENT_SECRET = "llng-test-secret-0123456789"

# The Demo backend's three accounts play people of tests/idp/people.py (its passwords are the logins), and
# portal.psgi adds a fourth, the school's director.
ACCOUNTS = {"dwho": people.TEACHER, "rtyler": people.PUPIL, "msmith": people.PARENT, "jbrun": people.STAFF,
            "vhugo": people.B_TEACHER, "lmartin": people.NO_COLLEGE_PUPIL}  # fmt: skip


def _per_user(values: dict[str, str]) -> str:
    """A Perl expression choosing a value by ``$uid`` (the Demo backend's login)."""
    expression = "''"
    for login, value in values.items():
        expression = f"$uid eq '{login}' ? {_perl_string(value)} : {expression}"
    return expression


def _perl_string(value: str) -> str:
    """A double-quoted Perl string holding the UTF-8 *bytes* of ``value`` (``\\x{c3}\\x{a9}`` for é), as an
    LDAP directory hands them to the portal; Perl character strings would come out as Latin-1."""
    escaped = "".join(
        (f"\\{chr(b)}" if chr(b) in '\\"$@' else chr(b)) if b < 128 else f"\\x{{{b:02x}}}"
        for b in value.encode("utf-8")
    )
    return f'"{escaped}"'


def _packed(attribute: str) -> dict[str, str]:
    """Every account's values of ``attribute``, packed with LemonLDAP::NG's default separator ``; ``."""
    return {login: people.packed(p.sdet().get(attribute, []), "; ") for login, p in ACCOUNTS.items()}


# SDET attributes computed from the Demo backend's uid (Perl expressions), multi-valued ones packed.
MACROS = {
    "ENTPersonProfils": _per_user(_packed("ENTPersonProfils")),
    "ENTPersonStructRattach": _per_user({login: p.school for login, p in ACCOUNTS.items()}),
    "ENTPersonJointure": "'LLNG-' . uc($uid)",
    "ENTPersonNom": _per_user(_packed("ENTPersonNom")),
    "ENTPersonPrenom": _per_user(_packed("ENTPersonPrenom")),
    "ENTEleveClasses": _per_user({"rtyler": people.packed(list(people.PUPIL.classes), "; ")}),
    "ENTAuxEnsClasses": _per_user({t: people.packed(list(ACCOUNTS[t].classes), "; ") for t in ("dwho", "vhugo")}),
}
SDET = list(MACROS)


class IdpMissing(RuntimeError):
    """LemonLDAP::NG is not installed on this machine."""


@dataclass
class Portal:
    """A running portal. ``url`` ends with a slash (it is also the OIDC issuer)."""

    url: str
    process: subprocess.Popen
    workdir: Path
    saml_cert_pem: str
    signing_key_pem: str = ""  # the portal's OIDC/SAML signing key (tests sign what LL::NG 2.16 cannot send)

    @property
    def cas_url(self) -> str:
        return self.url + "cas"

    @property
    def saml_metadata_url(self) -> str:
        return self.url + "saml/metadata"

    def stop(self) -> None:
        stop_process(self.process)

    def log(self) -> str:
        return (self.workdir / "portal.log").read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_installed() -> str:
    """The path of ``plackup``; raises :class:`IdpMissing` with the install command."""
    plackup = shutil.which("plackup")
    if plackup is None or not PORTAL_MODULE.exists():
        raise IdpMissing(f"LemonLDAP::NG is not installed: run `{INSTALL}` (Debian packages, about 40 s)")
    return plackup


def start_portal(workdir: Path, sp_url: str, saml_sp_metadata: str | None = None) -> Portal:
    """Configure and start a portal that trusts our service provider at ``sp_url`` (no trailing slash)."""
    plackup = check_installed()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    key_pem, cert_pem = key_and_cert()
    _write_config(workdir, url, sp_url, key_pem, cert_pem, saml_sp_metadata)
    env = {**os.environ, "LLNG_DEFAULTCONFFILE": str(workdir / "lemonldap-ng.ini")}
    log = (workdir / "portal.log").open("wb")
    child = subprocess.Popen(
        [
            plackup,
            "-E",
            "deployment",
            "-s",
            "HTTP::Server::PSGI",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            str(HERE / "portal.psgi"),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=workdir,
    )
    portal = Portal(url, child, workdir, cert_pem, key_pem)
    _wait_ready(portal)
    return portal


def _wait_ready(portal: Portal) -> None:
    url = portal.url + ".well-known/openid-configuration"
    wait_until_served(portal.process, url, "LemonLDAP::NG portal", portal.log)


def key_and_cert(common_name: str = "llng-test-idp") -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate (PEM), valid 30 days (what `cybercollege ent keys` makes)."""
    return self_signed(common_name, days=30, bits=2048)


def _write_config(
    workdir: Path, url: str, sp_url: str, key_pem: str, cert_pem: str, sp_md: str | None
) -> None:
    for sub in ("conf", "sessions/lock", "psessions/lock", "cache", "notifications"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    template = (HERE / "lemonldap-ng.ini.template").read_text()
    (workdir / "lemonldap-ng.ini").write_text(template.format(workdir=workdir))
    conf = json.loads((HERE / "lmConf.template.json").read_text())
    public_key = (
        x509.load_pem_x509_certificate(cert_pem.encode())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    conf.update(
        cfgDate=int(time.time()),
        portal=url,
        macros=MACROS,
        globalStorageOptions={
            "Directory": f"{workdir}/sessions",
            "LockDirectory": f"{workdir}/sessions/lock",
        },
        persistentStorageOptions={
            "Directory": f"{workdir}/psessions",
            "LockDirectory": f"{workdir}/psessions/lock",
        },
        localSessionStorageOptions={
            "cache_root": f"{workdir}/cache",
            "namespace": "lemonldap-ng-sessions",
            "default_expires_in": 600,
            "directory_umask": "007",
            "cache_depth": 3,
        },
        casAttributes={name: name for name in SDET} | {"cn": "cn", "uid": "uid"},
        oidcServicePrivateKeySig=key_pem,
        oidcServicePublicKeySig=public_key,
        samlServicePrivateKeySig=key_pem,
        samlServicePublicKeySig=cert_pem,
    )
    rp = conf["oidcRPMetaDataOptions"]["cybercollege"]
    rp["oidcRPMetaDataOptionsRedirectUris"] = f"{sp_url}/auth/oidc/llng-oidc/callback"
    rp["oidcRPMetaDataOptionsClientSecret"] = OIDC_CLIENT_SECRET
    # Back-channel logout, as an ENT should configure it (LL::NG 2.16 only implements the front channel:
    # `Issuer/OpenIDConnect.pm` has `# TODO #1194` for type "back", so it never calls this URL).
    rp["oidcRPMetaDataOptionsLogoutUrl"] = f"{sp_url}/auth/oidc/llng-oidc/backchannel-logout"
    rp["oidcRPMetaDataOptionsLogoutType"] = "back"
    rp["oidcRPMetaDataOptionsLogoutSessionRequired"] = 1
    conf["oidcRPMetaDataExportedVars"] = {"cybercollege": {n: n for n in SDET} | {"name": "cn"}}
    if sp_md:
        conf["samlSPMetaDataXML"] = {"cybercollege": {"samlSPMetaDataXML": sp_md}}
        conf["samlSPMetaDataExportedAttributes"] = {
            "cybercollege": {n: f"0;{n};urn:oasis:names:tc:SAML:2.0:attrname-format:basic;" for n in SDET}
        }
    (workdir / "conf" / "lmConf-1.json").write_text(json.dumps(conf, indent=1))
