"""Where connected users stand is saved every few seconds (place_checkpoint_seconds), not only when they leave:
a process killed mid-lesson loses at most those seconds of where everyone was."""

from __future__ import annotations

from pathlib import Path

import pytest

from cybercollege.server.config import Settings
from cybercollege.server.edge.services import Services
from tests.server.conftest import Connect, make_settings
from tests.server.waits import until


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, place_checkpoint_seconds=1)


async def test_a_connected_pupils_place_is_saved_while_she_stays(connect: Connect, services: Services) -> None:
    lea = await connect("lea.martin")
    hugo = await connect("hugo.moreau")
    x, y, _ = lea.mirror.position
    await lea.move(x + 0.5, y)
    await hugo.wait_for(lambda m: lea.mirror.me in m.avatars and abs(m.avatars[lea.mirror.me].x - (x + 0.5)) < 0.02)
    world = services.world
    seen = world.tick_no
    await until(lambda: world.tick_no > seen + 2 * world.settings.tick_hz, "two checkpoints")
    await services.writer.flush()

    place = await services.store.load_place("demo:lea.martin")
    assert place is not None and abs(place.x - (x + 0.5)) < 0.02 and place.room_id == lea.mirror.room
    assert not lea.closed  # saved while she is still here: a crash now would not lose it
    hx, hy, _ = hugo.mirror.position
    his = await services.store.load_place("demo:hugo.moreau")
    assert his is not None and (round(his.x, 2), round(his.y, 2)) == (round(hx, 2), round(hy, 2))  # where he stands
