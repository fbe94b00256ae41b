"""Headless client fixtures: one offscreen ShowBase for the whole run, a real server per test."""

from __future__ import annotations

import asyncio
import contextlib
import os

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from server.app import build
from server.config import Settings
from server.services import SERVICES


@pytest.fixture(scope="session")
def base():
    """The process's only ShowBase, offscreen (p3headlessgl), small for speed.

    Software GL (llvmpipe) rasterises on one thread per core by default; on a 2-core machine those threads
    take the CPU from the client's own thread mid-frame, which a GPU never does. One rasteriser thread
    leaves the other core to the client, as a GPU would (see docs/client.md, "Round trip while rendering").
    """
    os.environ.setdefault("LP_NUM_THREADS", "1")  # read once, when Mesa creates the context
    from client import display

    display.configure(offscreen=True, size=(640, 360))
    return display.base()


@pytest.fixture
async def server(tmp_path):
    """A real world server on a loopback port, with demo users and a throwaway SQLite database."""
    settings = Settings(port=0, database_url=f"sqlite+aiosqlite:///{tmp_path}/server.db", flush_interval=0.2)
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
    from client.loop import FrameDriver

    frames = FrameDriver(base, fps=60)
    task = asyncio.create_task(frames.run())
    yield frames
    frames.stop()
    with contextlib.suppress(asyncio.CancelledError):
        await task
