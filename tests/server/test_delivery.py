"""One way out per connection: the tick never waits for a client, and no frame passes the limits a client
checks (a catch-up after many events is split, never rejected by the client's decoder)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from cybercollege.protocol import CloseCode, Direction, decode, encode, encode_update
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import Appear, Avatar, Chat, Frame
from cybercollege.server.core.interest import Counters, deliver
from cybercollege.server.edge.services import SERVICES
from tests.server.conftest import make_settings


class Stale:
    """What :func:`deliver` needs of a session: one that missed frames and has events waiting."""

    def __init__(self, pending: list[bytes]) -> None:
        self.pending, self.stale, self.slow_since = pending, True, None

    def writable(self) -> bool:
        return True


def catch_up(pending: list[bytes], snapshot: list[bytes]) -> list[Frame]:
    out: list = []
    member = SimpleNamespace(session=Stale(pending))
    deliver(out, member, 7, [], [], lambda _a: snapshot, Counters())  # type: ignore[arg-type]
    return [decode(frame, Direction.TO_CLIENT) for _s, frame in out]  # the client's own decoder and limits


def appear(i: int) -> bytes:
    return encode(Appear(Avatar(i, f"Élève {i}", "pupil", 100 * i, 0, 0, 0)))


def test_813_arrivals_missed_by_a_slow_client_come_in_frames_it_accepts():
    frames = catch_up([appear(i) for i in range(1, 814)], [encode_update(i, 0, 0, 0, 0) for i in range(300)])
    assert len(frames) > 1
    assert all(len(f.events) <= L.MAX_EVENTS_PER_FRAME and len(f.updates) <= L.MAX_UPDATES_PER_FRAME for f in frames)
    assert [e.avatar.id for f in frames for e in f.events] == list(range(1, 814))  # all of them, in order
    assert sum(len(f.updates) for f in frames) == 300


def test_a_catch_up_of_long_chat_lines_stays_under_the_frame_size():
    line = "é" * L.MAX_CHAT_CHARS  # 1,000 bytes of UTF-8
    pending = [encode(Chat(1, "Léa M.", False, line, 1)) for _ in range(600)]
    out: list = []
    deliver(out, SimpleNamespace(session=Stale(pending)), 7, [], [], lambda _a: [], Counters())  # type: ignore[arg-type]
    assert sum(len(e) for e in pending) > L.MAX_SERVER_FRAME_BYTES
    assert all(len(frame) <= L.MAX_SERVER_FRAME_BYTES for _s, frame in out)
    assert sum(len(decode(frame, Direction.TO_CLIENT).events) for _s, frame in out) == 600


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(tmp_path, slow_client_seconds=1.0, send_buffer=4096)


async def test_a_stuck_connection_never_stalls_the_class(server, connect):
    """Léa's connection stops taking anything (its writes never complete); the tick goes on, Hugo and Chloé
    still see each other move at every tick, and Léa is closed as too slow after ``slow_client_seconds``."""
    services = server.app[SERVICES]
    lea, hugo, chloe = await connect("lea.martin"), await connect("hugo.moreau"), await connect("chloe.garcia")
    stuck = services.world.by_user["demo:lea.martin"].session
    never = asyncio.get_running_loop().create_future()

    async def send_bytes_forever(_data: bytes) -> None:
        await never

    stuck.ws.send_bytes = send_bytes_forever
    await lea.move(lea.mirror.position[0] + 0.2, lea.mirror.position[1])  # something for Léa's next frame
    start = services.world.tick_no
    for step in range(20):
        x, y, _ = hugo.mirror.position
        await hugo.move(x + (0.1 if step < 10 else -0.1), y)
        tick = services.world.tick_no
        await chloe.wait_for(lambda m, t=tick: m.tick > t)  # Chloé gets the next tick's frame
        await chloe.wait_for(lambda m: abs(m.avatars[hugo.mirror.me].x - hugo.mirror.position[0]) < 0.011)
    assert services.world.tick_no >= start + 20
    assert stuck.outbox_bytes > 0 or stuck.stale  # Léa's frames wait on her connection only
    async with asyncio.timeout(10):  # a condition, not a sleep: the bound is 1 s of being too slow
        while stuck.closing is None:
            await asyncio.sleep(0.05)
    assert stuck.closing[0] == CloseCode.TOO_SLOW
    never.cancel()
