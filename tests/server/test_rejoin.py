"""Rejoining right after leaving puts me back where I left, even before the write-behind has saved it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect, make_settings
from tests.server.waits import until

from .test_world_flow import go_through


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(tmp_path, flush_interval=3600.0)  # nothing reaches the database during the test


async def test_rejoin_at_once_after_bye_keeps_the_last_place(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    await go_through(lea, services, "hall-couloir")
    x, y, _ = lea.mirror.position
    await lea.close()  # BYE
    assert services.writer.pending > 0  # her place is still only in memory
    again = await connect("lea.martin")
    assert again.mirror.room == "couloir"
    assert abs(again.mirror.position[0] - x) < 0.05 and abs(again.mirror.position[1] - y) < 0.05


async def test_rejoin_while_the_bye_is_still_closing_keeps_the_last_place(
    connect: Connect, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new connection loads her place while the old one is still leaving: what she left wins."""
    lea = await connect("lea.martin")
    await go_through(lea, services, "hall-couloir")
    x, y, _ = lea.mirror.position
    loading = asyncio.Event()

    async def load_places(user_ids: list[str]) -> dict:  # the database answers once she has left, without her place
        loading.set()
        await until(lambda: user_ids[0] not in services.world.by_user, "the old connection gone")
        return {}

    monkeypatch.setattr(services.store, "load_places", load_places)
    second = asyncio.create_task(connect("lea.martin"))
    await loading.wait()
    await lea.close()  # BYE, while the second connection waits for the database
    again = await second
    assert again.mirror.room == "couloir"
    assert abs(again.mirror.position[0] - x) < 0.05 and abs(again.mirror.position[1] - y) < 0.05
