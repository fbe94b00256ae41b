"""Conference tests: ICE on loopback only, and an SFU that is closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aioice.ice
import pytest

from server.conference import Sfu, SfuConfig


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1; offering only it makes every connection local and fast."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


@pytest.fixture
async def sfu() -> AsyncIterator[Sfu]:
    sfu = Sfu(SfuConfig())
    yield sfu
    await sfu.close()
