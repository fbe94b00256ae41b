"""A whole school arriving at once is placed, never refused because the entrance hall is full."""

from __future__ import annotations

from benchmarks.tick_bench import Sink  # a connection that takes everything
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.session import Session
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect


def fill(services: Services, room_id: str) -> None:
    """As many pupils as ``room_id`` holds, arrived before."""
    world = services.world
    for i in range(world.rooms[room_id].spec.capacity - len(world.rooms[room_id].members)):
        pupil = Identity(f"demo:early-{i}", f"Élève {i}", Role.PUPIL, "demo", classes=("6A",))
        world.attach(pupil, Session(Sink(), services.settings), None, None)


async def test_when_the_hall_is_full_the_next_pupils_appear_in_the_courtyard(
    connect: Connect, services: Services
) -> None:
    fill(services, "hall")
    assert len(services.world.rooms["hall"].members) == 300
    lea = await connect("lea.martin")
    assert lea.mirror.room == "cour" and not lea.mirror.errors  # in, not refused ROOM_FULL
    hugo = await connect("hugo.moreau")
    assert hugo.mirror.room == "cour"
    await lea.wait_for(lambda m: hugo.mirror.me in m.avatars)  # and they see each other there
