"""A throw-away TURN server for tests: Debian's coturn on the host side of a school network's veth.

``with turn_server(net, folder) as turn:`` starts ``turnserver`` with its own configuration in ``folder``:
listening on ``net.host_ip`` only, TURN over TCP (and UDP) on port 3478 and over TLS on port 443 (a fresh
self-signed certificate whose subject names ``net.host_ip``, ``turn.cert``), relaying from ``net.host_ip`` to
peers on ``net.host_ip`` or the loopback only (nothing outside this machine), the TURN REST scheme
(``use-auth-secret``, ``turn.secret``) for credentials. ``turn.urls(...)`` gives the ICE URLs to hand out.

Each school network has its own host address, so parallel test runs each bind their own 3478 and 443.
Needs ``apt-get install -y coturn`` (scripts/install-test-system-deps.sh).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import ipaddress
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.net.netns import SchoolNetwork

TURNSERVER = "/usr/bin/turnserver"
INSTALL = "apt-get install -y --no-install-recommends coturn (scripts/install-test-system-deps.sh)"
TCP_PORT = 3478
TLS_PORT = 443
REALM = "cybercollege.test"


@dataclass(frozen=True, slots=True)
class TurnServer:
    host: str
    tcp_port: int
    tls_port: int
    secret: str
    """coturn's static-auth-secret: give it to ``SfuConfig(ice_secret=...)``."""
    cert: Path
    """The self-signed certificate (PEM) of the TLS listener: a TLS client's trusted CA file."""
    log: Path

    def urls(self, *, tcp: bool = True, tls: bool = False) -> tuple[str, ...]:
        """ICE URLs: ``turn:HOST:3478?transport=tcp`` and/or ``turns:HOST:443?transport=tcp``."""
        chosen = []
        if tcp:
            chosen.append(f"turn:{self.host}:{self.tcp_port}?transport=tcp")
        if tls:
            chosen.append(f"turns:{self.host}:{self.tls_port}?transport=tcp")
        return tuple(chosen)

    def spki(self) -> str:
        """base64(SHA-256) of the certificate's public key, for Chromium's ``--ignore-certificate-errors-spki-list``
        (its TURN/TLS client checks the certificate; that flag trusts this one key only)."""
        cert = x509.load_pem_x509_certificate(self.cert.read_bytes())
        der = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    def sessions(self, user: str) -> list[str]:
        """The log lines of the TURN sessions ``user`` opened (REST user names end with ``:user``); a TLS
        session's line names its ``method=TLSv1.x``."""
        log = self.log.read_text(errors="replace")
        return re.findall(rf"session \S+: new, realm=<[^>]*>, username=<\d+:{re.escape(user)}>.*", log)


def make_certificate(folder: Path, ip: str) -> tuple[Path, Path]:
    """A self-signed certificate naming ``ip`` (subject alternative name), usable as its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "turn.key", folder / "turn.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def config_text(net: SchoolNetwork, secret: str, key: Path, cert: Path, folder: Path) -> str:
    """The turnserver.conf of the test server."""
    return "\n".join(
        [
            f"listening-ip={net.host_ip}",
            f"relay-ip={net.host_ip}",
            f"listening-port={TCP_PORT}",
            f"tls-listening-port={TLS_PORT}",
            "min-port=49152",
            "max-port=65535",
            "fingerprint",
            "use-auth-secret",
            f"static-auth-secret={secret}",
            f"realm={REALM}",
            f"cert={cert}",
            f"pkey={key}",
            "no-dtls",
            "no-tlsv1",
            "no-tlsv1_1",
            "no-cli",
            "no-multicast-peers",
            # Relay only to this machine's test peers: everything else is refused.
            "allow-loopback-peers",
            "denied-peer-ip=0.0.0.0-255.255.255.255",
            f"allowed-peer-ip={net.host_ip}",
            "allowed-peer-ip=127.0.0.1",
            f"userdb={folder / 'turndb.sqlite'}",
            f"pidfile={folder / 'turnserver.pid'}",
            f"log-file={folder / 'turnserver.log'}",
            "simple-log",
            "verbose",
            "",
        ]
    )


def _wait_listening(proc: subprocess.Popen[bytes], host: str, ports: tuple[int, ...], log: Path) -> None:
    deadline = time.monotonic() + 20
    for port in ports:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"turnserver exited ({proc.returncode}): {_tail(log)}")
            with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"turnserver not listening on {host}:{port} after 20 s: {_tail(log)}")
            time.sleep(0.05)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"


@contextlib.contextmanager
def turn_server(net: SchoolNetwork, folder: Path) -> Iterator[TurnServer]:
    """coturn serving ``net``'s namespace from the host side; stopped on exit."""
    if shutil.which(TURNSERVER) is None:
        raise RuntimeError(f"coturn is not installed: {INSTALL}")
    folder.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    key, cert = make_certificate(folder, net.host_ip)
    conf = folder / "turnserver.conf"
    conf.write_text(config_text(net, secret, key, cert, folder))
    proc = subprocess.Popen([TURNSERVER, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = folder / "turnserver.log"
    try:
        _wait_listening(proc, net.host_ip, (TCP_PORT, TLS_PORT), log)
        yield TurnServer(net.host_ip, TCP_PORT, TLS_PORT, secret, cert, log)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
