"""nginx (Debian's) run by a test, in front of its server processes, from deploy/nginx/cybercollege.conf."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from tests.server.waits import eventually

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "cybercollege.conf"
DOMAIN = "cybercollege.test"


def render(
    listen: int, colleges: dict[str, list[int]], default: str | None = None, departement: int | None = None
) -> str:
    """The site with its @...@ words filled: ``colleges`` maps a host label to its processes' ports; ``default``
    is the label any other host name (127.0.0.1: the desktop client, which resolves names itself) goes to;
    ``departement`` the port of the département's entry point, at the bare ``cybercollege.test``."""
    blocks = []
    for label, ports in colleges.items():
        servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;\n" for p in ports)
        blocks.append(f"upstream college_{label} {{\n{servers}}}\n")
    hosts = "".join(f"    {label}.{DOMAIN} college_{label};\n" for label in colleges)
    names = [f"{label}.{DOMAIN}" for label in colleges]
    if departement is not None:
        blocks.append(f"upstream departement {{\n    server 127.0.0.1:{departement} max_fails=1 fail_timeout=1s;\n}}\n")
        hosts += f"    {DOMAIN} departement;\n"
        names.append(DOMAIN)
    fallback = f"college_{default}" if default else '""'
    blocks.append(f"map $host $college {{\n    default {fallback};\n{hosts}}}\n")
    site = SITE.read_text(encoding="utf-8")
    site = site.replace("@UPSTREAMS@", "".join(blocks)).replace("@LISTEN@", f"127.0.0.1:{listen}")
    return site.replace("@SERVER_NAMES@", " ".join(names))


def main_conf(directory: Path, site: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {directory / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {directory / 'nginx.pid'};\nerror_log {directory / 'error.log'} info;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log {directory / 'access.log'};\n{temp}    include {site};\n}}\n"
    )


@asynccontextmanager
async def nginx(
    directory: Path,
    listen: int,
    colleges: dict[str, list[int]],
    default: str | None = None,
    departement: int | None = None,
) -> AsyncIterator[Path]:
    """nginx listening on ``listen`` until the block ends; yields its directory (error.log, access.log)."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is missing: sh scripts/install-test-system-deps.sh installs nginx-light"
    directory.mkdir(parents=True, exist_ok=True)
    site = directory / "cybercollege.conf"
    site.write_text(render(listen, colleges, default, departement), encoding="utf-8")
    conf = directory / "nginx.conf"
    conf.write_text(main_conf(directory, site), encoding="utf-8")
    check = subprocess.run([binary, "-t", "-p", str(directory), "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([binary, "-p", str(directory), "-c", str(conf), "-g", "daemon off;"])
    try:
        await _wait_port(listen, proc)
        yield directory
    finally:
        proc.terminate()
        proc.wait()


async def _wait_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    async def listening() -> bool:
        assert proc.poll() is None, "nginx stopped"
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    await eventually(listening, "nginx listening")


class TestDomain(AbstractResolver):
    """Every name under ``cybercollege.test`` is this machine (as the département's DNS would point them at nginx)."""

    async def resolve(self, host: str, port: int = 0, family: Any = socket.AF_INET) -> list[ResolveResult]:
        assert host.endswith(DOMAIN) or host == "127.0.0.1", host
        return [
            ResolveResult(hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0)
        ]

    async def close(self) -> None:
        pass


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=TestDomain()))
