"""``python -m benchmarks.bot`` (``cybercollege bot`` from a checkout), as a real process against a test server:
it says what it does, and when stopped (SIGTERM, SIGINT) every bot says BYE, so their avatars leave the world at
once, long before the server's resume grace period would remove them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cybercollege.server.config import Settings
from cybercollege.server.edge.services import Services
from tests.server.conftest import make_settings
from tests.server.waits import HANG, until

ROOT = Path(__file__).resolve().parents[2]
GRACE = 600.0
"""The server keeps a dropped avatar this long: avatars gone within HANG were not dropped, they left."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, resume_grace=GRACE)


def bots_in(services: Services) -> set[str]:
    return {a.identity.user_id for a in services.world.avatars.values() if a.identity.user_id.startswith("demo:bot-")}


@contextlib.asynccontextmanager
async def bot_process(base: str, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.bot", "--url", base, "--chat", "0", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env=os.environ | {"LANG": "en_GB.UTF-8", "LANGUAGE": ""},  # its lines in English (French by default)
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def lines_until(proc: asyncio.subprocess.Process, lines: list[str], wanted: str) -> None:
    """Read the process's output into ``lines`` until a line contains ``wanted``."""
    assert proc.stdout is not None
    async with asyncio.timeout(HANG):
        while not any(wanted in line for line in lines):
            line = await proc.stdout.readline()
            assert line, f"the bots ended without printing {wanted!r}: {lines}"
            lines.append(line.decode())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_stopped_bots_leave_at_once_and_say_so(server, services: Services, sig: signal.Signals) -> None:
    base = str(server.make_url("")).rstrip("/")
    lines: list[str] = []
    async with bot_process(base, "--count", "3", "--duration", "0", "--every", "0.5") as proc:
        await lines_until(proc, lines, "bots (bot-1…bot-3)")
        assert f"→ {base}, until stopped" in lines[0]
        await until(lambda: len(bots_in(services)) == 3, "three bots in the world")
        await lines_until(proc, lines, "3 bots in the world")  # the progress line, with its counts
        proc.send_signal(sig)
        await until(lambda: not bots_in(services), "the bots gone from the world (not after the grace period)")
        async with asyncio.timeout(HANG):
            rest, _ = await proc.communicate()
    lines += rest.decode().splitlines()
    assert proc.returncode == 0, lines
    summary = next(line for line in lines if "[bots] done" in line)
    assert f"done (stopped by {sig.name})" in summary and ": 3 bots," in summary and "0 bots failed" in summary
    assert "all have left" in summary
