"""Rejoining right after leaving puts me back where I left, even before the write-behind has saved it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect, make_settings

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
