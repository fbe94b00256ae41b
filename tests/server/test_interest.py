"""Interest management in a big space: a cap on what each client sees, far avatars at a lower rate,
and idle avatars cost nothing."""

from __future__ import annotations

import random
from pathlib import Path

from cybercollege import worlds
from cybercollege.protocol import Direction, decode
from cybercollege.protocol.messages import Appear, Frame
from cybercollege.server.core.avatar import Avatar
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.interest import GridInterest
from cybercollege.server.core.world import World
from tests.server.conftest import make_settings

ARENA = Path(__file__).resolve().parents[2] / "benchmarks" / "arena"


class FakeTransport:
    """Stands in for a connection: always writable (the real path is tested in test_backpressure)."""

    async def send(self, data: bytes) -> None:
        pass

    async def close(self, code: int, reason: str) -> None:
        pass

    def buffered(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return False


def arena(tmp_path: Path, n: int, **overrides: object) -> tuple[World, list[Avatar]]:
    from cybercollege.server.core.session import Session

    settings = make_settings(tmp_path, world=ARENA, **overrides)
    world = World(worlds.load_world(ARENA), settings)
    rng = random.Random(3)
    avatars = []
    for i in range(n):
        session = Session(FakeTransport(), settings)
        identity = Identity(f"demo:bot-{i}", f"Bot {i}", Role.PUPIL, "demo")
        a = world.attach(identity, session, None, None)
        a.place(rng.uniform(1, 99), rng.uniform(1, 99), 0.0)
        avatars.append(a)
    return world, avatars


def frames_by_avatar(world: World) -> dict[int, Frame]:
    return {s.avatar.id: decode(data, Direction.TO_CLIENT) for s, data in world.step()}  # type: ignore[union-attr]


def test_each_client_sees_at_most_the_cap(tmp_path: Path) -> None:
    world, avatars = arena(tmp_path, 200, interest_cap=30)
    frames = frames_by_avatar(world)
    for a in avatars:
        appeared = [e for e in frames[a.id].events if isinstance(e, Appear) and e.avatar.id != a.id]
        assert len(appeared) == 30
        assert any(isinstance(e, Appear) and e.avatar.id == a.id for e in frames[a.id].events)  # itself too
        nearest = sorted(avatars, key=lambda o: (o.x - a.x) ** 2 + (o.y - a.y) ** 2)[1:31]
        assert {e.avatar.id for e in appeared} == {o.id for o in nearest}


def test_idle_avatars_cost_nothing(tmp_path: Path) -> None:
    world, _ = arena(tmp_path, 100)
    world.step()  # first frames: snapshots
    for _ in range(3):
        world.step()
    before = world.counters.frames
    for _ in range(4):
        out = world.step()
        assert out == []
    assert world.counters.frames == before


def test_near_every_tick_far_at_a_lower_rate(tmp_path: Path) -> None:
    world, avatars = arena(
        tmp_path, 60, interest_cap=59, near_radius=30.0, far_divisor=4, interest_every=1000
    )
    world.step()
    observer = avatars[0]
    interest = observer.room.interest
    assert isinstance(interest, GridInterest)
    near = {o.id for o in interest.views[observer.id].near}
    far = {o.id for o in interest.views[observer.id].far}
    assert near and far
    seen_updates: dict[int, int] = {}
    for _ in range(8):
        for a in avatars[1:]:
            a.x += 0.01
            a.xq += 1
            a.room.changed.add(a)
        frames = frames_by_avatar(world)
        for u in frames[observer.id].updates:
            seen_updates[u.id] = seen_updates.get(u.id, 0) + 1
    assert all(seen_updates[i] == 8 for i in near)
    assert all(seen_updates[i] == 2 for i in far)  # every 4th tick, with the latest position


def test_one_encoding_per_change_in_room_interest(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    from cybercollege.server.core.session import Session

    world = World(worlds.load_world(worlds.default_world_path()), settings)
    cdi = world.rooms["cdi"]
    avatars = []
    for i in range(10):
        s = Session(FakeTransport(), settings)
        a = world.attach(Identity(f"demo:p{i}", f"P {i}", Role.PUPIL, "demo"), s, None, None)
        world.move_to(a, cdi, cdi.spec.spawn_points[0][:3])
        avatars.append(a)
    world.step()
    avatars[0].xq += 5
    cdi.changed.add(avatars[0])
    out = world.step()
    assert len(out) == 10
    assert len({id(data) for _, data in out}) == 1  # everyone got the very same bytes object
