"""Starting a real client session (the whole flow, rendered offscreen) against the test server."""

from __future__ import annotations

import asyncio
import contextlib

from cybercollege.client.session import Options, Session
from cybercollege.client.ui.login import LoginChoice
from tests.client.helpers import until


async def start(base, http, driver, url: str, login: str, tmp_path,
                **options) -> tuple[Session, asyncio.Task]:
    opts = Options(url=url, choice=LoginChoice("demo", login, url), cache=tmp_path / "cache", **options)
    session = Session(base, http, driver, opts)
    return session, asyncio.create_task(session.run())


async def in_world(session: Session) -> None:
    def ready() -> bool:  # the welcome and the first frame (room, presence) are in
        if session.view is None or session.view.walker is None or session.screen is not None:
            return False
        return session.conn.mirror.me in session.conn.mirror.members

    await until(ready, timeout=60, what="the world")  # a fresh cache downloads the world first


async def in_room(session: Session, driver, room_id: str) -> None:
    """Wait until my client shows me in ``room_id`` and has drawn two frames there (the camera follows my
    avatar on each frame: only then is what the room shows on screen where a user would see it)."""
    await until(lambda: session.view.walker is not None and session.view.walker.room.id == room_id,
                what=f"me in {room_id}")
    await driver.frames_later(2)


async def stop(session: Session, task: asyncio.Task) -> None:
    session.quit(0)
    try:
        await asyncio.wait_for(asyncio.shield(task), 5)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def screen_text(session: Session) -> str:
    """Every text shown by the current full-screen message or login screen."""
    from direct.gui.DirectGuiBase import DirectGuiWidget

    screen = session.screen
    if screen is None:
        return ""
    texts = []
    for np in screen.root.find_all_matches("**/+PGItem"):
        widget = DirectGuiWidget.guiDict.get(np.node().get_id())
        if widget is not None and isinstance(widget.cget("text"), str):
            texts.append(widget["text"])
    return "\n".join(texts)
