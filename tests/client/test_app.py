"""The command line: headless scripted runs with screenshots, and one-line errors."""

from __future__ import annotations

import asyncio

from panda3d.core import PNMImage

from cybercollege.client import app
from cybercollege.protocol.messages import Anim


def test_unreachable_server_headless_says_one_sentence(base, tmp_path, capsys):
    shot = tmp_path / "error.png"
    status = app.main(["--offscreen", "--url", "http://127.0.0.1:9", "--login", "lea.martin",
                       "--screenshot", str(shot), "--cache", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    assert status == 1
    assert "Le serveur est injoignable" in err and "Traceback" not in err
    assert shot.is_file() and PNMImage(str(shot)).get_x_size() > 0


def test_bad_size_is_a_usage_error(capsys):
    assert app.main(["--size", "huge"]) == 2
    assert "--size" in capsys.readouterr().err


async def test_scripted_walk_to_salle_103(base, server, tmp_path):
    seen: dict[str, object] = {}

    async def watch() -> None:
        while True:
            for avatar in server.world.avatars.values():
                if avatar.room.id == "salle-103":
                    seen["room"] = avatar.room.id
                    seen.setdefault("anims", set()).add(avatar.anim)
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    shot = tmp_path / "salle-103.png"
    args = app.parser().parse_args(["--offscreen", "--url", server.url, "--login", "lea.martin",
                                    "--script", "walk-to-salle-103", "--screenshot", str(shot),
                                    "--cache", str(tmp_path / "cache")])
    try:
        status = await asyncio.wait_for(app._run(args), 60)
    finally:
        watcher.cancel()
    assert status == 0
    assert seen["room"] == "salle-103"
    assert {Anim.SIT, Anim.HAND_UP} <= seen["anims"]
    image = PNMImage(str(shot))
    assert image.get_x_size() == base.win.get_x_size()
    colours = {image.get_xel_val(x, y) for x in range(0, image.get_x_size(), 16)
               for y in range(0, image.get_y_size(), 16)}
    assert len(colours) > 20, "a real picture, not a blank frame"
