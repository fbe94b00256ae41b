"""One way out per connection: the tick never waits for a client, and no frame passes the limits a client
checks (a catch-up after many events is split, never rejected by the client's decoder)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from cybercollege import worlds
from cybercollege.client.mirror import Mirror
from cybercollege.protocol import CloseCode, Direction, decode, encode, encode_update
from cybercollege.protocol import limits as L
from cybercollege.protocol.messages import Appear, Avatar, Chat, Frame, Pong
from cybercollege.protocol.whiteboard import LivePoints
from cybercollege.server.core.delivery import Delivery
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.interest import GridInterest
from cybercollege.server.core.session import Session
from cybercollege.server.core.world import World
from cybercollege.server.edge.services import SERVICES
from tests.server.conftest import make_settings
from tests.server.waits import until

ARENA = Path(__file__).resolve().parents[2] / "benchmarks" / "arena"


class Pipe:
    """A connection that takes every write at once, unless it is ``full`` (a client that stopped reading)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.full = False
        self.closed: int | None = None

    async def send(self, data: bytes) -> None:
        self.sent.append(data)

    async def close(self, code: int, reason: str) -> None:
        self.closed = code

    def buffered(self) -> int:
        return 1 << 30 if self.full else 0

    def is_closing(self) -> bool:
        return self.closed is not None

    def frames(self) -> list[Frame]:
        """What arrived, through the client's own decoder and its limits (it raises past them)."""
        return [decode(data, Direction.TO_CLIENT) for data in self.sent]


def appear(i: int) -> bytes:
    return encode(Appear(Avatar(i, f"Élève {i}", "pupil", 100 * i, 0, 0, 0)))


def catch_up(pending: list[bytes], snapshot: list[bytes]) -> list[Frame]:
    delivery = Delivery(Pipe(), make_settings(Path("/tmp"), max_pending_events=4096))
    for event in pending:
        delivery.push(event)
    frames = delivery.tick_frames(7, [], [], lambda: snapshot)
    return [decode(frame, Direction.TO_CLIENT) for frame in frames]  # the client's own decoder and limits


def test_813_arrivals_missed_by_a_slow_client_come_in_frames_it_accepts() -> None:
    frames = catch_up([appear(i) for i in range(1, 814)], [encode_update(i, 0, 0, 0, 0) for i in range(300)])
    assert len(frames) > 1
    assert all(len(f.events) <= L.MAX_EVENTS_PER_FRAME and len(f.updates) <= L.MAX_UPDATES_PER_FRAME for f in frames)
    assert [e.avatar.id for f in frames for e in f.events] == list(range(1, 814))  # all of them, in order
    assert sum(len(f.updates) for f in frames) == 300
    assert {f.tick for f in frames} == {7}


def test_a_catch_up_of_long_chat_lines_stays_under_the_frame_size() -> None:
    line = "é" * L.MAX_CHAT_CHARS  # 1,000 bytes of UTF-8
    pending = [encode(Chat(1, "Léa M.", False, line, 1)) for _ in range(600)]
    assert sum(len(e) for e in pending) > L.MAX_SERVER_FRAME_BYTES
    delivery = Delivery(Pipe(), make_settings(Path("/tmp")))
    for event in pending:
        delivery.push(event)
    frames = delivery.tick_frames(7, [], [], lambda: [])
    assert all(len(frame) <= L.MAX_SERVER_FRAME_BYTES for frame in frames)
    assert sum(len(decode(frame, Direction.TO_CLIENT).events) for frame in frames) == 600


async def test_board_events_leave_at_once_after_what_is_pending_and_wait_for_a_first_snapshot() -> None:
    pipe = Pipe()
    delivery = Delivery(pipe, make_settings(Path("/tmp")))
    delivery.push(appear(1))
    delivery.push_now(encode(LivePoints("tableau-103", 1, [1, 1])))
    await asyncio.sleep(0)
    assert pipe.sent == []  # its first frame (a snapshot) has not gone out: the board waits for the tick
    for frame in delivery.tick_frames(1, [], [], lambda: [encode_update(1, 0, 0, 0, 0)]):
        delivery.queue(frame)
    delivery.push(appear(2))  # for the next tick, but a board event after it takes it along, in order
    delivery.push_now(encode(LivePoints("tableau-103", 1, [2, 2])))
    await until(lambda: len(pipe.sent) == 2, "the board's extra frame")
    first, extra = pipe.frames()
    assert [type(e).__name__ for e in first.events] == ["Appear", "LivePoints"] and len(first.updates) == 1
    assert [type(e).__name__ for e in extra.events] == ["Appear", "LivePoints"] and extra.tick == 1
    delivery.answer(encode(Pong(5, 0)))
    await until(lambda: len(pipe.sent) == 3, "the PONG")
    assert isinstance(decode(pipe.sent[2], Direction.TO_CLIENT), Pong)  # on its own, not in a FRAME


async def test_a_client_that_never_catches_up_is_closed_past_the_bound() -> None:
    pipe = Pipe()
    delivery = Delivery(pipe, make_settings(Path("/tmp"), max_pending_events=16))
    pipe.full = True
    for i in range(17):
        delivery.tick_frames(i, [appear(i)], [], lambda: [])
    await until(lambda: pipe.closed is not None, "the close")
    assert pipe.closed == CloseCode.TOO_SLOW and pipe.sent == []


def join(world: World, i: int, rng: random.Random) -> Session:
    session = Session(Pipe(), world.settings)
    a = world.attach(Identity(f"demo:bot-{i}", f"Élève {i}", Role.PUPIL, "demo"), session, None, None)
    a.place(rng.uniform(1, 99), rng.uniform(1, 99), 0.0)
    return session


async def test_a_slow_watcher_while_600_avatars_arrive_gets_frames_it_accepts_and_ends_in_sync(
    tmp_path: Path,
) -> None:
    """The reproduced bug: 600 arrivals while one watcher is slow gave it an 813-event catch-up its decoder
    rejected, and it stayed out of sync. Here it is slow during the whole arrival, then reads again."""
    settings = make_settings(tmp_path, world=ARENA)
    world = World(worlds.load_world(ARENA), settings)
    rng = random.Random(5)
    watcher = join(world, 0, rng)
    pipe = watcher.transport
    assert isinstance(pipe, Pipe)
    mirror = Mirror()

    async def tick() -> None:
        for s, frame in world.step():
            s.queue(frame)
        await asyncio.sleep(0)  # the writers run
        for frame in pipe.frames()[len(seen) :]:
            seen.append(frame)
            mirror.apply(frame)

    seen: list[Frame] = []
    await tick()
    pipe.full = True
    for i in range(1, 601):
        session = join(world, i, rng)
        # each says hello with a long line: 600 kB of chat the watcher must get, past one frame's 256 KiB
        world.rooms["arena"].events.append(encode(Chat(i, f"Élève {i}", False, "é" * L.MAX_CHAT_CHARS, 1)))
        if i % 10 == 0:
            await tick()
            assert session.delivery.pending == []  # the others were served meanwhile
    assert watcher.delivery.stale and watcher.closing is None
    pipe.full = False
    for _ in range(3):
        await tick()
    assert all(len(f.events) <= L.MAX_EVENTS_PER_FRAME and len(f.updates) <= L.MAX_UPDATES_PER_FRAME for f in seen)
    assert all(len(data) <= L.MAX_SERVER_FRAME_BYTES for data in pipe.sent)
    catch_up_tick = seen[1].tick
    assert len([f for f in seen if f.tick == catch_up_tick]) >= 3  # split, not rejected
    assert len(mirror.chat) == 600
    me = watcher.avatar
    assert me is not None
    interest = world.rooms["arena"].interest
    assert isinstance(interest, GridInterest)
    view = interest.views[me.id]
    expected = {o.id: (o.xq, o.yq) for o in (*view.near, *view.far)}
    assert len(expected) == settings.interest_cap
    got = {i: (round(a.x * 100), round(a.y * 100)) for i, a in mirror.avatars.items() if i != me.id}
    assert got == expected  # it sees whom the server says it sees, where they are
    assert set(mirror.members) == set(expected) | {me.id}


@pytest.fixture
def settings(tmp_path: Path):
    return make_settings(tmp_path, slow_client_seconds=1.0, send_buffer=4096)


async def test_a_stuck_connection_never_stalls_the_class(server, connect) -> None:
    """Léa's connection stops taking anything (its writes never complete); the tick goes on, Hugo and Chloé
    still see each other move at every tick, and Léa is closed as too slow after ``slow_client_seconds``."""
    services = server.app[SERVICES]
    lea, hugo, chloe = await connect("lea.martin"), await connect("hugo.moreau"), await connect("chloe.garcia")
    stuck = services.world.by_user["demo:lea.martin"].session
    never = asyncio.get_running_loop().create_future()

    async def send_forever(_data: bytes) -> None:
        await never

    stuck.transport.send = send_forever
    await lea.move(lea.mirror.position[0] + 0.2, lea.mirror.position[1])  # something for Léa's next frame
    start = services.world.tick_no
    for step in range(20):
        x, y, _ = hugo.mirror.position
        await hugo.move(x + (0.1 if step < 10 else -0.1), y)
        tick = services.world.tick_no
        await chloe.wait_for(lambda m, t=tick: m.tick > t)  # Chloé gets the next tick's frame
        await chloe.wait_for(lambda m: abs(m.avatars[hugo.mirror.me].x - hugo.mirror.position[0]) < 0.011)
    assert services.world.tick_no >= start + 20
    assert stuck.delivery.queued_bytes > 0 or stuck.delivery.stale  # Léa's frames wait on her connection only
    await until(lambda: stuck.closing is not None, "Léa closed as too slow (1 s of being slow)")
    assert stuck.closing[0] == CloseCode.TOO_SLOW
    never.cancel()
