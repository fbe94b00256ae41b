"""Chat lines are durable before visible: nobody, the sender included, sees a line before it is written.

The journal (server/persistence/chatlog.py) is tested alone, in a world without sockets, and through a real
server and real WebSocket clients; a database whose writes wait on a gate shows what is seen before the write.
The kill -9 test is tests/server/persistence/test_chat_crash.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from cybercollege import worlds
from cybercollege.protocol import Direction, ErrorCode, decode
from cybercollege.protocol.messages import Chat, Error, Frame, Say, Whisper
from cybercollege.server.core.avatar import Avatar
from cybercollege.server.core.chat import BACKLOG_FULL
from cybercollege.server.core.identity import Identity, Role
from cybercollege.server.core.session import Session
from cybercollege.server.core.world import World
from cybercollege.server.edge.services import Services
from cybercollege.server.persistence import ChatRecord, Store, WriteBehind
from cybercollege.server.persistence.chatlog import ChatJournal
from tests.server.conftest import Connect, make_settings
from tests.server.waits import HANG, caught_up, until

ARENA = Path(__file__).resolve().parents[3] / "benchmarks" / "arena"


class GatedStore:
    """A database whose chat writes wait for ``gate`` (and fail while ``down``); it keeps each batch."""

    def __init__(self, real: Store | None = None) -> None:
        self.real = real
        self.gate = asyncio.Event()
        self.writing = asyncio.Event()
        """Set when a write has started (and waits at the gate)."""
        self.down = False
        self.attempts = 0
        self.batches: list[list[str]] = []

    async def add_chat(self, messages: Sequence[ChatRecord]) -> None:
        self.attempts += 1
        self.writing.set()
        await self.gate.wait()
        if self.down:
            raise ConnectionError("the database is down")
        if self.real is not None:
            await self.real.add_chat(messages)
        self.batches.append([m.text for m in messages])


def line(text: str) -> ChatRecord:
    return ChatRecord("hall", "demo:lea.martin", None, text)


# --- the journal alone


async def test_a_line_is_shown_only_once_written_and_batches_grow_under_load() -> None:
    store = GatedStore()
    journal = ChatJournal(store)
    shown: list[str] = []
    assert journal.add(line("m0"), lambda: shown.append("m0"))
    await asyncio.wait_for(store.writing.wait(), HANG)
    for i in (1, 2, 3):  # said while m0 is being written: they wait for the next batch, together
        assert journal.add(line(f"m{i}"), lambda i=i: shown.append(f"m{i}"))
    assert shown == [] and journal.pending == 4
    store.gate.set()
    await until(lambda: len(shown) == 4, "the four lines shown")
    assert store.batches == [["m0"], ["m1", "m2", "m3"]]  # one write per batch, the second one grown
    assert shown == ["m0", "m1", "m2", "m3"]  # in the order they were said
    assert await journal.stop() is True


async def test_a_failing_database_delays_lines_in_order_and_beyond_the_bound_refuses_them() -> None:
    store = GatedStore()
    store.down = True
    store.gate.set()
    journal = ChatJournal(store, max_pending=3)
    shown: list[str] = []
    for i in range(3):
        assert journal.add(line(f"m{i}"), lambda i=i: shown.append(f"m{i}"))
    await until(lambda: journal.failures >= 2, "two failed writes")
    assert shown == [] and journal.pending == 3
    assert journal.add(line("m3"), lambda: shown.append("m3")) is False  # refused: nothing queued
    assert journal.refused == 1
    store.down = False  # the database is back
    await until(lambda: len(shown) == 3, "the waiting lines shown")
    assert shown == ["m0", "m1", "m2"] and store.batches == [["m0", "m1", "m2"]]
    assert journal.failures == 0
    assert await journal.stop() is True


async def test_stop_writes_what_waits_and_says_what_it_could_not() -> None:
    store = GatedStore()
    store.gate.set()
    journal = ChatJournal(store)
    journal.add(line("dernier"), lambda: None)
    assert await journal.stop() is True
    assert store.batches == [["dernier"]]

    store.down = True
    journal.add(line("perdu"), lambda: None)
    assert await journal.stop() is False  # one last attempt, then the server may stop


# --- in the world (no sockets): nothing in any frame before the write


def frames(world: World) -> dict[int, list[object]]:
    """One tick: the events each avatar's frame carries."""
    out: dict[int, list[object]] = {}
    for session, data in world.step():
        frame = decode(data, Direction.TO_CLIENT)
        assert isinstance(frame, Frame) and session.avatar is not None
        out[session.avatar.id] = list(frame.events)
    return out


def chats(events: dict[int, list[object]], avatar: Avatar) -> list[str]:
    """The chat lines in an avatar's frame (room lines and whispers may come in either order)."""
    return sorted(e.text for e in events.get(avatar.id, []) if isinstance(e, Chat))


def arena(tmp_path: Path, writer: WriteBehind | None) -> tuple[World, Avatar, Avatar]:
    from benchmarks.tick_bench import Sink  # a connection that takes everything

    settings = make_settings(tmp_path, world=ARENA)
    world = World(worlds.load_world(ARENA), settings, writer)
    lea, tom = (
        world.attach(Identity(f"demo:{name}", name, Role.PUPIL, "demo"), Session(Sink(), settings), None, None)
        for name in ("lea", "tom")
    )
    lea.place(10, 10, 0)
    tom.place(11, 10, 0)
    frames(world)  # the first frames (snapshots)
    return world, lea, tom


async def test_in_the_world_the_echo_waits_for_the_write(tmp_path: Path) -> None:
    store = GatedStore()
    world, lea, tom = arena(tmp_path, WriteBehind(store))  # type: ignore[arg-type]
    assert lea.session is not None
    world.handle(lea, Say("bonjour"))
    world.handle(lea, Whisper(tom.id, "psst"))
    await asyncio.wait_for(store.writing.wait(), HANG)
    for _ in range(3):
        events = frames(world)
        assert chats(events, lea) == chats(events, tom) == []  # neither the sender nor the others
    store.gate.set()
    await until(lambda: store.batches, "the write")
    await until(lambda: world.chatlog is not None and world.chatlog.pending == 0, "both lines written")
    events = frames(world)
    assert chats(events, lea) == chats(events, tom) == ["bonjour", "psst"]
    assert [text for batch in store.batches for text in batch] == ["bonjour", "psst"]


def test_without_a_database_lines_are_shown_at_once(tmp_path: Path) -> None:
    world, lea, tom = arena(tmp_path, None)
    world.handle(lea, Say("bonjour"))
    world.handle(lea, Whisper(tom.id, "psst"))
    events = frames(world)
    assert chats(events, lea) == chats(events, tom) == ["bonjour", "psst"]


# --- through a real server and real clients


@pytest.fixture
def gated(services: Services) -> GatedStore:
    """The server's chat writes wait at a gate (then go to its real database)."""
    store = GatedStore(services.store)
    services.writer.chatlog.store = store
    return store


async def test_no_client_gets_the_line_before_it_is_in_the_database(
    connect: Connect, services: Services, gated: GatedStore
) -> None:
    lea, tom = await connect("lea.martin"), await connect("hugo.moreau")
    await lea.say("bonjour la classe")
    await tom.whisper(lea.mirror.me, "salut Léa")
    await until(lambda: gated.attempts >= 1, "the write began")
    for conn in (lea, tom):
        await caught_up(conn, services)  # what the server sent has arrived...
        assert conn.mirror.chat == []  # ...and no line was among it
    assert await services.store.recent_chat("hall") == []
    gated.gate.set()
    for conn in (lea, tom):
        await conn.wait_for(lambda m: len(m.chat) == 2, HANG)
        assert sorted(c.text for c in conn.mirror.chat) == ["bonjour la classe", "salut Léa"]
    assert [c.text for c in await services.store.recent_chat("hall")] == ["bonjour la classe"]
    assert [c.text for c in (await services.store.export_user("demo:lea.martin")).chat] == [
        "bonjour la classe",
        "salut Léa",
    ]


async def test_while_the_database_is_down_lines_wait_and_past_the_bound_the_sender_is_told(
    connect: Connect, services: Services, gated: GatedStore
) -> None:
    services.writer.chatlog.max_pending = 2
    gated.down = True
    gated.gate.set()
    lea, tom = await connect("lea.martin"), await connect("hugo.moreau")
    await lea.say("un")
    await lea.say("deux")
    await until(lambda: gated.attempts >= 2, "two failed writes")
    await lea.say("trois")  # two lines wait already: refused, and Léa is told
    await lea.wait_for(lambda m: m.errors, HANG)
    error: Error = lea.mirror.errors[0]
    assert error.code == ErrorCode.RATE_LIMITED and error.message == BACKLOG_FULL
    for conn in (lea, tom):
        await caught_up(conn, services)
        assert conn.mirror.chat == []
    gated.down = False  # the database is back: the waiting lines appear, in order; the refused one never
    for conn in (lea, tom):
        await conn.wait_for(lambda m: len(m.chat) == 2, HANG)
    await caught_up(tom, services)
    assert [c.text for c in tom.mirror.chat] == ["un", "deux"]
    assert [c.text for c in await services.store.recent_chat("hall")] == ["un", "deux"]
