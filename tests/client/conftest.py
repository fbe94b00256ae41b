"""Headless client fixtures: one offscreen ShowBase for the whole run, a real server per test."""

from __future__ import annotations

import asyncio
import contextlib
import os

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.config import Settings
from cybercollege.server.edge.app import build
from cybercollege.server.edge.services import SERVICES


@pytest.fixture(scope="session")
def base():
    """The process's only ShowBase, offscreen (p3headlessgl), small for speed.

    Software GL (llvmpipe) rasterises on one thread per core by default; on a 2-core machine those threads
    take the CPU from the client's own thread mid-frame, which a GPU never does. One rasteriser thread, at a
    lower priority, leaves the client's thread its core, as a GPU would (see docs/client.md, "Round trip
    while rendering").
    """
    os.environ.setdefault("LP_NUM_THREADS", "1")  # read once, when Mesa creates the context
    from cybercollege.client import display

    display.configure(offscreen=True, size=(640, 360))
    base = display.base()
    base.graphicsEngine.render_frame()  # Mesa starts its rasteriser thread with the first frame
    _yield_to_the_client("llvmpipe")
    return base


def _yield_to_the_client(prefix: str) -> None:
    """Lower the priority of this process's threads named ``prefix...`` (nice 10): when the cores are
    busy, the software rasteriser waits, not the client's own thread (a GPU takes no CPU from it)."""
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as comm:
                if comm.read().startswith(prefix):
                    os.setpriority(os.PRIO_PROCESS, int(tid), 10)
        except OSError:
            continue  # the thread ended meanwhile


@pytest.fixture
async def server(tmp_path):
    """A real world server on a loopback port, with demo users and a throwaway SQLite database."""
    settings = Settings(port=0, database_url=f"sqlite+aiosqlite:///{tmp_path}/server.db", flush_interval=0.2, demo=True)
    app = build(settings)
    test_server = TestServer(app, host="127.0.0.1", port=0)
    await test_server.start_server()
    test_server.url = str(test_server.make_url("")).rstrip("/")
    test_server.world = app[SERVICES].world  # the running world, to poke at in tests
    yield test_server
    await test_server.close()


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def driver(base):
    """Frames rendered by asyncio, as in the real client."""
    from cybercollege.client.loop import FrameDriver

    frames = FrameDriver(base, fps=60)
    task = asyncio.create_task(frames.run())
    yield frames
    frames.stop()
    with contextlib.suppress(asyncio.CancelledError):
        await task
