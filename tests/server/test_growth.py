"""What one pupil can make the server keep is bounded: walking back and forth through a door."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cybercollege.protocol import ErrorCode
from cybercollege.protocol.messages import Room
from cybercollege.server.classroom.teacher import TeacherTools
from cybercollege.server.edge.services import Services
from cybercollege.server.persistence import AuditEvent
from tests.server.conftest import Connect, make_settings
from tests.server.test_world_flow import walk_to
from tests.server.waits import HANG, caught_up, until


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest):
    overrides = getattr(request, "param", {"door_rate": 0.001, "door_burst": 3})  # 3 passages, then hardly any
    return make_settings(tmp_path, **overrides)


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


@pytest.mark.parametrize("settings", [{"door_rate": 100.0, "door_burst": 100, "room_change_audit_window": 2.0}],
                         indirect=True)
async def test_pacing_through_a_door_makes_a_few_audit_rows_that_still_say_everything(
    connect: Connect, services: Services
) -> None:
    lea = await connect("lea.martin")
    await walk_to(lea, *services.world.spec.doors["hall-couloir"].landing("hall")[:2])
    rooms: list[str] = []
    lea.mirror.listeners.append(lambda msg: rooms.append(msg.room) if isinstance(msg, Room) else None)
    for _ in range(12):
        await lea.use_door("hall-couloir")
    await until(lambda: len(rooms) == 12, "twelve passages")
    store = services.store

    async def moves() -> list[AuditEvent]:
        await services.writer.flush()
        return [e for e in await store.audit_log("demo:lea.martin") if e.event == "room_change"]

    def passages(rows: list[AuditEvent]) -> int:
        return sum(int(e.detail.split(", ")[1].split()[0]) for e in rows if ", " in e.detail)

    async with asyncio.timeout(HANG):  # the counted passages are written once their window has passed
        while passages(rows := sorted(await moves(), key=lambda e: e.at)) < 11:
            await asyncio.sleep(0.05)
    assert (rows[0].room_id, rows[0].detail) == ("couloir", "from hall")  # the first passage at once
    assert rows[1].detail.startswith("from couloir, ")  # then counted: where from, how often, where she ended
    assert rows[-1].room_id == "hall" and passages(rows) == 11
    assert len(rows) <= 3  # twelve passages (unless the machine stalled for the length of a window: three)
