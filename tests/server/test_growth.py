"""What one pupil can make the server keep is bounded: walking back and forth through a door."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.messages import Room
from cybercollege.server.classroom.teacher import TeacherTools
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect, make_settings
from tests.server.test_world_flow import walk_to
from tests.server.waits import caught_up


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(tmp_path, door_rate=0.001, door_burst=3)  # three passages, then hardly any more


async def test_back_and_forth_through_a_door_is_rate_limited(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    await walk_to(lea, *services.world.spec.doors["hall-couloir"].landing("hall")[:2])
    rooms: list[str] = []
    lea.mirror.listeners.append(lambda msg: rooms.append(msg.room) if isinstance(msg, Room) else None)
    for _ in range(20):  # she stands on the hall's door to the corridor and keeps going through
        await lea.use_door("hall-couloir")
    await lea.wait_for(lambda m: ErrorCode.RATE_LIMITED in [e.code for e in m.errors])
    await caught_up(lea, services)
    assert rooms == ["couloir", "hall", "couloir"]  # the burst, then refused: "patientez un peu"
    assert "patientez" in next(e.message for e in lea.mirror.errors if e.code == ErrorCode.RATE_LIMITED)
    hall = services.world.features.get(TeacherTools).control(services.world.rooms["hall"])
    stays = [s for s in hall.attendance if s.user_id == "demo:lea.martin"]
    assert len(stays) == 1  # out and back at once is the same stay, not a new attendance line
