"""The Linux build, downloaded from a world server, unpacked and started headless: it opens on that server, a demo
pupil walks into classroom 103, and the screenshot shows the room."""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from cybercollege.protocol.messages import Anim
from tests.installers.conftest import SHOTS, download, missing_native, read_png, run, unpack, walk_to_salle_103

pytestmark = pytest.mark.installers

PLATFORM = "manylinux2014_x86_64"


def headless_env(home) -> dict[str, str]:
    """A fresh user (nothing remembered), software GL on one rasteriser thread (tests/client/conftest.py)."""
    dirs = {"XDG_CONFIG_HOME": ".config", "XDG_CACHE_HOME": ".cache", "XDG_DATA_HOME": ".local"}
    return {**os.environ, "HOME": str(home), **{k: str(home / v) for k, v in dirs.items()}, "LP_NUM_THREADS": "1"}


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

        shot = tmp_path / "salle-103.png"
        start = time.monotonic()
        exe = str(app / "cybercollege")  # no --url: it opens on the server it was downloaded from
        walk = ("--offscreen", "--login", "lea.martin", "--script", "walk-to-salle-103", "--screenshot", str(shot))
        status, out, anims = await walk_to_salle_103(server, exe, *walk, env=env)
        print(f"Linux build: walked to salle 103 in {time.monotonic() - start:.1f} s")
    assert status == 0, out
    assert {Anim.SIT, Anim.HAND_UP} <= anims, "she sat in salle 103 and raised her hand"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SHOTS / "linux-salle-103.png")
    width, height, colours = read_png(shot)
    assert (width, height) == (1280, 720)
    assert colours > 20, "a real picture of the room, not a blank frame"
