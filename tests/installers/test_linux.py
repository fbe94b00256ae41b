"""The Linux build, downloaded from a world server, unpacked and started headless: it opens on that server, a demo
pupil walks into classroom 103, and the screenshot shows the room."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time

import pytest

from cybercollege.protocol.messages import Anim
from tests.installers.conftest import RUN_HANG, SHOTS, download, missing_native, read_png, unpack

pytestmark = pytest.mark.installers

PLATFORM = "manylinux2014_x86_64"


def headless_env(home) -> dict[str, str]:
    """A fresh user (nothing remembered), software GL on one rasteriser thread (tests/client/conftest.py)."""
    dirs = {"XDG_CONFIG_HOME": ".config", "XDG_CACHE_HOME": ".cache", "XDG_DATA_HOME": ".local"}
    return {**os.environ, "HOME": str(home), **{k: str(home / v) for k, v in dirs.items()}, "LP_NUM_THREADS": "1"}


async def run(*command, env) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.STDOUT)  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), RUN_HANG)
    return proc.returncode or 0, out.decode(errors="replace")


async def test_linux_build_opens_on_its_server_and_walks_into_a_classroom(built, serve, tmp_path):
    dist = built("linux")
    async with serve(dist) as server:
        archive = await download(server.url, PLATFORM, ".tar.gz", tmp_path)
        app = unpack(archive, tmp_path / "school-pc")
        assert json.loads((app / "data" / "server.json").read_text()) == {"url": server.url}
        assert missing_native(app, app / "data", ".so") == []
        env = headless_env(tmp_path / "home")

        status, out = await run(str(app / "cybercollege"), "--check-modules", env=env)
        assert status == 0, out
        assert out.strip().endswith("modules imported") and ": ok" in out

        seen: dict[str, object] = {"anims": set()}

        async def watch() -> None:
            while True:
                for avatar in server.world.avatars.values():
                    if avatar.room.id == "salle-103":
                        seen["room"] = avatar.room.id
                        seen["anims"].add(avatar.anim)  # type: ignore[union-attr]
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch())
        shot = tmp_path / "salle-103.png"
        start = time.monotonic()
        try:  # no --url: the server it was downloaded from
            status, out = await run(str(app / "cybercollege"), "--offscreen", "--login", "lea.martin", "--script",
                                    "walk-to-salle-103", "--screenshot", str(shot), env=env)  # fmt: skip
        finally:
            watcher.cancel()
        print(f"Linux build: walked to salle 103 in {time.monotonic() - start:.1f} s")
    assert status == 0, out
    assert seen.get("room") == "salle-103"
    assert {Anim.SIT, Anim.HAND_UP} <= seen["anims"]  # type: ignore[operator]
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SHOTS / "linux-salle-103.png")
    width, height, colours = read_png(shot)
    assert (width, height) == (1280, 720)
    assert colours > 20, "a real picture of the room, not a blank frame"
