"""Server processes of a test (``cybercollege serve``), their output read line by line."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp

from tests.server.test_lifecycle import ROOT, free_port
from tests.server.waits import HANG, eventually


class Process:
    """A running ``cybercollege serve``: its output (``lines``, ``said``), whether it serves, how to stop it."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc, self.port = proc, port
        self.base = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        async for line in self.proc.stdout:
            self.lines.append(line.decode(errors="replace").rstrip())

    def said(self, words: str) -> bool:
        return any(words in line for line in self.lines)

    async def serving(self, http: aiohttp.ClientSession) -> bool:
        try:
            async with http.get(f"{self.base}/health") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    async def wait_serving(self, http: aiohttp.ClientSession) -> None:
        async def up() -> bool:
            assert self.proc.returncode is None, "\n".join(self.lines)
            return await self.serving(http)

        # twice the usual hang detector: a loaded machine takes a while to import and start
        await eventually(up, "the server serving\n" + "\n".join(self.lines), 2 * HANG, every=0.1)

    async def stop(self, how: signal.Signals) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(how)
            await self.proc.wait()
        await self._reader


async def serve(database: str, broker_url: str, *extra: str, port: int | None = None) -> Process:
    """``cybercollege serve`` in demo mode on ``database`` and ``broker_url`` (the default collège unless
    ``extra`` says ``--world DIR``), on ``port`` or a free one."""
    port = port or free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cybercollege.server", "serve", "--demo", "true", "--port", str(port),
        "--secret", "s" * 40, "--database-url", database, "--broker-url", broker_url, "--log-level", "WARNING",
        *extra, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    return Process(proc, port)
