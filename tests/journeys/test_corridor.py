"""Walking the corridor: no frame's view is more than half wall.

Léa walks with the arrow keys from the hall into the corridor, along it to salle 103's door and in. Every
:data:`EVERY` frames while she is in the corridor, the wall mask (tests/journeys/wallmask.py: the same
college from the same camera in a second buffer, walls flat red, everything else as drawn) says which share of
the frame is wall; none may reach half. The worst frame and its mask are saved beside the step screenshots.
"""

from __future__ import annotations

import asyncio
import logging

from panda3d.core import Filename

from tests.client.sessions import in_world, start, stop
from tests.journeys import keyboard
from tests.journeys.conftest import save_shot
from tests.journeys.wallmask import WallMask

EVERY = 4  # frames between two measures
HALF = 0.5
log = logging.getLogger("journeys")


class WallWatch:
    """Measures the wall share every few frames while I am in ``room_id``; keeps the worst."""

    def __init__(self, session, room_id: str) -> None:
        self.session, self.room_id = session, room_id
        self.mask = WallMask(session.base, session.world, session.view.root, session.view.scene)
        self.samples: list[tuple[float, float, float, float]] = []  # share, x, y, heading
        self.worst = -1.0
        self._stop = False
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        base = self.session.base
        while not self._stop:
            self.mask.sync()
            await keyboard.frames(base, EVERY)
            w = self.session.view.walker
            if w is None or w.room.id != self.room_id:
                continue
            share = self.mask.fraction()
            self.samples.append((share, w.x, w.y, w.heading))
            if share > self.worst:
                self.worst = share
                base.win.save_screenshot(Filename.from_os_specific(str(self.folder / "worst.png")))
                self.mask.buffer.save_screenshot(Filename.from_os_specific(str(self.folder / "worst-mask.png")))

    async def stop(self) -> None:
        self._stop = True
        await self.task
        self.mask.destroy()


async def walk_the_corridor(session, shots) -> WallWatch:
    """From the hall to salle 103 by the corridor, measuring the corridor's frames; returns the measures."""
    base = session.base
    await keyboard.go_to_room(session, "couloir")
    watch = WallWatch(session, "couloir")
    watch.folder = shots
    try:
        await save_shot(base, shots / "1-into-the-corridor.png")
        door = session.world.doors["porte-103"]
        lx, ly, _ = door.landing("couloir")
        await keyboard.go_to(session, (lx + 16.5) / 2, ly)  # halfway to the door
        await save_shot(base, shots / "2-along-the-corridor.png")
        await keyboard.go_to(session, lx, ly)
        await keyboard.turn_to(session, door.landing("salle-103")[2])
        await save_shot(base, shots / "3-facing-the-door.png")
        await keyboard.through(session, door)
    finally:
        await watch.stop()
    await save_shot(base, shots / "4-in-salle-103.png")
    return watch


async def test_walking_the_corridor_no_frame_is_half_wall(base, driver, server, http, tmp_path, shots):
    session, task = await start(base, http, driver, server.url, "lea.martin", tmp_path)
    try:
        await in_world(session)
        watch = await walk_the_corridor(session, shots)
        shares = [s[0] for s in watch.samples]
        log.info("corridor: %d frames measured, wall share mean %.2f, max %.2f", len(shares),
                 sum(shares) / len(shares), max(shares))
        assert len(shares) >= 20, f"only {len(shares)} corridor frames measured"
        assert max(shares) > 0.1, "the mask sees no wall at all: it is not measuring"
        worst = max(watch.samples)
        assert worst[0] < HALF, (f"a corridor frame is {worst[0]:.0%} wall at ({worst[1]:.2f}, {worst[2]:.2f}) "
                                 f"heading {worst[3]:.0f}° (see {shots / 'worst.png'})")
        assert session.view.walker.room.id == "salle-103"
    finally:
        await stop(session, task)
