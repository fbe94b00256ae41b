"""asyncio owns the loop: each frame runs Panda3D's task manager once, then awaits the rest of the budget.

Networking runs in ordinary asyncio tasks on the same thread between frames (see FIELD-NOTES: stepping
asyncio from a Panda3D task costs ~50 ms per round trip).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque


class FrameDriver:
    """Renders frames at up to ``fps`` until :meth:`stop`; keeps the last frame times (seconds)."""

    def __init__(self, base, fps: float = 60.0) -> None:
        self.base = base
        self.budget = 1.0 / fps
        self.frames = 0
        self.times: deque[float] = deque(maxlen=600)
        self.closed = asyncio.Event()
        self._stop = False

    async def run(self) -> None:
        try:
            while not self._stop:
                await asyncio.sleep(0)  # answer what arrived during the sleep's last instant first
                start = time.perf_counter()
                try:
                    self.base.taskMgr.step()
                except SystemExit:  # the window was closed
                    break
                spent = time.perf_counter() - start
                self.frames += 1
                self.times.append(spent)
                await asyncio.sleep(max(0.0, self.budget - spent))
        finally:
            self.closed.set()

    def stop(self) -> None:
        self._stop = True

    async def frames_later(self, n: int) -> None:
        """Wait until ``n`` more frames are drawn."""
        target = self.frames + n
        while self.frames < target and not self.closed.is_set():
            await asyncio.sleep(self.budget / 2)
