"""A département's processes for a test: collèges (copies of the default world under their own ids), each a real
``cybercollege serve`` on one database and one broker, and a standby for one of them."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.server.conftest import another_college
from tests.server.processes import Process, serve
from tests.server.waits import HANG, until


@dataclass
class Departement:
    serving: dict[str, Process]
    """Each collège's label ("a", "b"...) and the process serving it (its world id is ``college-<label>``)."""
    standby: Process

    def upstreams(self, standby_of: str) -> dict[str, list[int]]:
        """The ports nginx tries for each collège (tests/deploy/nginx.py): the standby's after its collège's."""
        ports = {label: [p.port] for label, p in self.serving.items()}
        ports[standby_of].append(self.standby.port)
        return ports


@asynccontextmanager
async def departement(
    tmp_path: Path, database: str, broker: str, http: aiohttp.ClientSession, labels: str = "ab", standby_of: str = "a"
) -> AsyncIterator[Departement]:
    """The collèges ``labels`` serving, and a standby of ``standby_of`` waiting; all killed at the end."""
    worlds = {c: another_college(tmp_path / f"college-{c}", f"college-{c}") for c in labels}
    processes: list[Process] = []
    try:
        for c in labels:
            processes.append(await serve(database, broker, "--world", str(worlds[c])))
        for p in processes:
            await p.wait_serving(http)
        standby = await serve(database, broker, "--world", str(worlds[standby_of]))
        processes.append(standby)
        waiting = f"standby: collège college-{standby_of} is served by"
        await until(lambda: standby.said(waiting), f"collège {standby_of}'s standby waiting", 2 * HANG)
        yield Departement(dict(zip(labels, processes, strict=False)), standby)
    finally:
        for p in processes:
            await p.stop(signal.SIGKILL)
