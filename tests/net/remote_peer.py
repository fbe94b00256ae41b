"""Run tests/net/conference_peer.py in another process (e.g. ``net.command(...)``) as an SFU participant.

```python
async with RemotePeer(participant, net.command) as peer:   # participant = await sfu.join(...)
    peer.deliver(sfu.config.ice_for(str(participant_id)))  # what the world server sends first: CONF_ICE
    report = await peer.wait(lambda r: r["pub"] == "completed", 60, "the publish connection")
```

Every message goes through the wire encoding both ways; the peer's stderr is kept in ``peer.stderr`` for
failure messages.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from cybercollege.protocol import Direction, decode, encode
from cybercollege.server.conference import Participant

ROOT = Path(__file__).resolve().parents[2]


def _line(msg: Any) -> bytes:
    return b"M " + base64.b64encode(encode(msg)) + b"\n"


class RemotePeer:
    def __init__(
        self,
        participant: Participant,
        wrap: Callable[..., list[str]] = lambda *argv: list(argv),
        env: dict[str, str] | None = None,
    ) -> None:
        self.participant = participant
        self.argv = wrap(sys.executable, "-m", "tests.net.conference_peer")
        self.env = env
        self.report: dict[str, Any] = {}
        self.reports = 0
        self.stderr = b""
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> RemotePeer:
        self._proc = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._tasks = [asyncio.create_task(t) for t in (self._from_peer(), self._to_peer(), self._stderr())]
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        for task in self._tasks[1:2]:
            task.cancel()
        self._proc.stdin.close()
        try:
            await asyncio.wait_for(self._proc.wait(), 15)
        except TimeoutError:
            self._proc.kill()
            await self._proc.wait()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def deliver(self, msg: Any) -> None:
        """Send ``msg`` to the peer as the server would."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(_line(msg))

    async def wait(self, condition: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict[str, Any]:
        """The first report satisfying ``condition``; fails with the last report and stderr after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not (self.report and condition(self.report)):
            if time.monotonic() > deadline or (self._proc is not None and self._proc.returncode is not None):
                raise AssertionError(
                    f"waiting for {what}: last report {self.report}\nstderr: {self.stderr.decode(errors='replace')}"
                )
            await asyncio.sleep(0.1)
        return self.report

    async def _from_peer(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            kind, _, data = line.decode().partition(" ")
            if kind == "R":
                self.report, self.reports = json.loads(data), self.reports + 1
            elif kind == "M":
                msg = decode(base64.b64decode(data), Direction.TO_SERVER, max_bytes=1 << 20)
                for reply in await self.participant.handle(msg):
                    self.deliver(reply)

    async def _to_peer(self) -> None:
        while True:
            self.deliver(await self.participant.outbox.get())

    async def _stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        while chunk := await self._proc.stderr.read(4096):
            self.stderr = (self.stderr + chunk)[-20000:]
