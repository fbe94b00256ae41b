"""The built clients: built once per run by scripts/build_client.py (no Windows installer: the zip is the same
program), served by a real world server, downloaded from it, unpacked and started as a school's technician would.

Builds take minutes (docs/client.md, "On school PCs"): each test module is marked ``installers``, and .ci/run runs
them beside the rest of the suite. ``CYBERCOLLEGE_INSTALLERS_REUSE=1`` reuses the builds of an earlier run (local
iterations only; CI always builds).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES
from tests.server.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "test-installers"
"""The tests' builds (in the clone: nothing is cached outside it)."""
SHOTS = ROOT / "var" / "installers"
"""The screenshots the tests save, to look at."""
BUILD_HANG = 1200.0
"""Seconds before a build counts as hung (a build takes one to four minutes on the loaded CI machine)."""
RUN_HANG = 240.0
"""Seconds before a run of a built client counts as hung (it walks to its classroom in well under a minute)."""


@pytest.fixture(scope="session")
def built() -> Callable[[str], Path]:
    """``built("linux")``: the folder of that platform's build (its archive and downloads.json), built once."""
    done: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in done:
            dist = OUT / name
            if not (os.environ.get("CYBERCOLLEGE_INSTALLERS_REUSE") and (dist / "downloads.json").exists()):
                command = [sys.executable, str(ROOT / "scripts" / "build_client.py"), "--platforms", name]
                command += ["--no-installer", "--clean", "--dist", str(dist)]
                subprocess.run(command, check=True, cwd=ROOT, timeout=BUILD_HANG)
            done[name] = dist
        return done[name]

    return get


@pytest.fixture
def serve(tmp_path: Path) -> Callable[[Path], AsyncIterator[TestServer]]:
    """``async with serve(dist) as server``: a demo world server offering the builds in ``dist``."""
    import contextlib

    @contextlib.asynccontextmanager
    async def start(dist: Path):
        srv = TestServer(build(make_settings(tmp_path, downloads=dist, resume_grace=0.5)), host="127.0.0.1")
        await srv.start_server()
        srv.url = str(srv.make_url("")).rstrip("/")  # type: ignore[attr-defined]
        srv.world = srv.app[SERVICES].world  # type: ignore[attr-defined]
        try:
            yield srv
        finally:
            await srv.close()

    return start


async def download(base: str, platform: str, suffix: str, into: Path) -> Path:
    """Download ``platform``'s file ending in ``suffix`` as the downloads page links it, and check it against the
    SHA-256 the page shows."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/downloads/") as resp:
            assert resp.status == 200
            page = await resp.text()
        async with http.get(f"{base}/downloads/latest.json") as resp:
            files = (await resp.json())["files"]
        entry = next(f for f in files if f["platform"] == platform and f["url"].endswith(suffix))
        name = entry["url"].rsplit("/", 1)[1]
        assert f'href="/downloads/{name}"' in page and entry["sha256"] in page
        async with http.get(entry["url"]) as resp:
            assert resp.status == 200
            body = await resp.read()
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    path = into / name
    path.write_bytes(body)
    return path


def unpack(archive: Path, into: Path) -> Path:
    """Unpack as the technician does; returns the ``cybercollege`` folder."""
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="tar")
    else:
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
            for info in z.infolist():  # zipfile drops the executable bit
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(into / info.filename, mode & 0o777)
    return into / "cybercollege"


def missing_native(app: Path, data: Path, suffix: str, libraries: Path | None = None) -> list[str]:
    """The compiled modules the build froze (``data/native.json``) whose library is not in the build."""
    where = libraries or app
    names = json.loads((data / "native.json").read_text())
    assert len(names) > 50, "the build lists its compiled modules"
    return [n for n in names if not (where / f"{n}{suffix}").is_file()]


def read_png(path: Path) -> tuple[int, int, int]:
    """Width, height and how many distinct colours a 16-px grid of the picture has (a blank frame has one)."""
    from PIL import Image

    with Image.open(io.BytesIO(path.read_bytes())) as image:
        rgb = image.convert("RGB")
        colours = {rgb.getpixel((x, y)) for x in range(0, rgb.width, 16) for y in range(0, rgb.height, 16)}
        return rgb.width, rgb.height, len(colours)


async def run(*command: str, env: dict[str, str]) -> tuple[int, str]:
    """Run a built client to its end; its status and what it printed."""
    proc = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), RUN_HANG)
    return proc.returncode or 0, out.decode(errors="replace")


async def walk_to_salle_103(server, *command: str, env: dict[str, str]) -> tuple[int, str, set]:
    """Run the scripted walk (``command``), watching from the server which animations the pupil shows in salle
    103; returns the status, the output and those animations (none if she never got there)."""
    anims: set = set()

    async def watch() -> None:
        while True:
            anims.update(a.anim for a in server.world.avatars.values() if a.room.id == "salle-103")
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    try:
        status, out = await run(*command, env=env)
    finally:
        watcher.cancel()
    return status, out, anims
