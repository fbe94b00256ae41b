"""A second real client, in its own process: one ShowBase per process, so a journey with two people at
their screens (the teacher in the test process, a pupil here) runs the pupil's client as a child.

``python -m tests.journeys.remote_client URL LOGIN SHOTS`` logs ``LOGIN`` in with the keyboard, then obeys
one JSON command per line on stdin and answers one JSON line on stdout (``{"ok": ..., "error": ...}``):

* ``{"do": "go_to_room", "room": "amphi"}`` — walk there with the arrow keys (tests/journeys/keyboard.py);
* ``{"do": "go_to", "x": 26, "y": 6}`` — walk to a point of the room, around the furniture;
* ``{"do": "face", "x": 26, "y": -12}`` — turn to face a point (arrow keys);
* ``{"do": "screen", "rgb": [r, g, b], "tolerance": 0.1}`` — what the person sees: pixels of that colour in
  the window, who is on the room's big screen, whose sound is heard, the recording indicator;
* ``{"do": "shot", "name": "4-pupil.png"}`` — save the window into SHOTS;
* ``{"do": "quit"}``.

:class:`RemoteClient` drives it from a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class RemoteClient:
    """The test's side: start the child, send commands, read answers."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, url: str, login: str, shots: Path, size: tuple[int, int] = (800, 450)) -> RemoteClient:
        env = dict(os.environ, LP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-X", "faulthandler", "-m", "tests.journeys.remote_client", url, login, str(shots),
            f"{size[0]}x{size[1]}",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT, env=env,
        )
        client = cls(proc)
        await client._answer(timeout=60)  # logged in and in the world
        return client

    async def do(self, command: str, timeout: float = 60, **args: Any) -> Any:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((json.dumps({"do": command, **args}) + "\n").encode())
            await self.proc.stdin.drain()
        except (ConnectionError, BrokenPipeError):
            raise AssertionError(f"the second client exited (code {await self.proc.wait()})") from None
        return await self._answer(timeout)

    async def _answer(self, timeout: float) -> Any:
        assert self.proc.stdout is not None
        while True:
            line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
            if not line:
                raise AssertionError(f"the second client exited (code {await self.proc.wait()})")
            if line.startswith(b"{"):
                answer = json.loads(line)
                if answer.get("error"):
                    raise AssertionError(f"the second client: {answer['error']}")
                return answer.get("ok")

    async def wait_until(self, predicate, timeout: float = 30, what: str = "condition", **screen_args: Any) -> Any:
        """Ask ``screen`` until ``predicate(answer)`` holds; return the last answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            seen = await self.do("screen", **screen_args)
            if predicate(seen):
                return seen
            if loop.time() > deadline:
                raise AssertionError(f"the second client: timed out waiting for {what}; it sees {seen}")
            await asyncio.sleep(0.3)

    async def close(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(AssertionError, TimeoutError, ConnectionError):
                await self.do("quit", timeout=10)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# --- the child ----------------------------------------------------------------------------------------


def _reply(**answer: Any) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def _seen(session: Any, base: Any, rgb: list[float] | None, tolerance: float) -> dict[str, Any]:
    from tests.client.helpers import count_pixels, screenshot

    conference = session.conference
    media = conference.media if conference is not None else None
    bar = conference.bar if conference is not None else None
    view = session.view
    return {
        "room": view.walker.room.id if view is not None and view.walker is not None else None,
        "pixels": count_pixels(screenshot(base), tuple(rgb), tolerance) if rgb else 0,
        "on_screen": list(media.on_screen()) if media is not None else [],
        "speaking": list(media.speaking()) if media is not None else [],
        "audio_frames": {str(k): v for k, v in media.audio_frames.items()} if media is not None else {},
        "recording": bool(media.recording) if media is not None else False,
        "rec_text": bar.rec.getText() if bar is not None else "",
        "me": session.conn.mirror.me if session.conn is not None else None,
        "tracks": {mid: list(v) for mid, v in media.mids.items()} if media is not None else {},
        "pictures": sorted(media.pictures) if media is not None else [],
    }


async def _child(url: str, login: str, shots: Path, size: tuple[int, int]) -> None:
    import aiohttp
    import aioice.ice
    from panda3d.core import Filename

    from cybercollege.client import display
    from cybercollege.client.loop import FrameDriver
    from cybercollege.client.session import Options, Session
    from cybercollege.client.ui.login import LoginScreen
    from tests.client.helpers import until
    from tests.client.sessions import in_world, stop
    from tests.journeys import keyboard

    # aioice skips 127.0.0.1 (FIELD-NOTES): offer only it, as the test process does.
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]
    display.configure(offscreen=True, size=size)
    base = display.base()
    driver = FrameDriver(base, fps=30)
    frames = asyncio.create_task(driver.run())
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with aiohttp.ClientSession() as http:
        session = Session(base, http, driver, Options(url=url, cache=shots / f".cache-{login}"))
        task = asyncio.create_task(session.run())
        try:
            await until(lambda: isinstance(session.screen, LoginScreen), 30, "the login screen")
            await keyboard.log_in(session, login)
            await in_world(session)
            _reply(ok=session.conn.mirror.me)
            while line := await reader.readline():
                command = json.loads(line)
                try:
                    match command["do"]:
                        case "go_to_room":
                            await keyboard.go_to_room(session, command["room"])
                            _reply(ok=session.view.walker.room.id)
                        case "go_to":
                            await keyboard.go_to(session, command["x"], command["y"])
                            _reply(ok=True)
                        case "face":
                            w = session.view.walker
                            await keyboard.turn_to(session, keyboard._bearing(w, command["x"], command["y"]))
                            _reply(ok=w.heading)
                        case "screen":
                            _reply(ok=_seen(session, base, command.get("rgb"), command.get("tolerance", 0.1)))
                        case "shot":
                            await driver.frames_later(2)
                            base.win.save_screenshot(Filename.from_os_specific(str(shots / command["name"])))
                            _reply(ok=command["name"])
                        case "quit":
                            _reply(ok=True)
                            break
                        case other:
                            _reply(error=f"unknown command {other}")
                except Exception as exc:  # the test reads it as a failure of this step
                    _reply(error=f"{type(exc).__name__}: {exc}")
        finally:
            await stop(session, task)
            driver.stop()
            await asyncio.gather(frames, return_exceptions=True)


if __name__ == "__main__":
    url_, login_, shots_, size_ = sys.argv[1:5]
    width, height = (int(v) for v in size_.split("x"))
    asyncio.run(_child(url_, login_, Path(shots_), (width, height)))
