"""Conference tests: ICE on loopback only, and an SFU that is closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import aioice.ice
import pytest
from aiohttp.test_utils import TestServer

from cybercollege.server.conference import Sfu, SfuConfig
from cybercollege.server.edge.services import Services
from tests.server.conference.amphi import Amphi, open_amphi
from tests.server.conftest import Connect


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1; offering only it makes every connection local and fast."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


@pytest.fixture
async def sfu() -> AsyncIterator[Sfu]:
    sfu = Sfu(SfuConfig())
    yield sfu
    await sfu.close()


@pytest.fixture
async def amphi_world(
    server: TestServer, http: aiohttp.ClientSession, connect: Connect, services: Services
) -> AsyncIterator[Amphi]:
    """The amphitheatre over the world protocol: the host publishing, a pupil and an admitted guest."""
    async for amphi in open_amphi(server, http, connect, services):
        yield amphi
