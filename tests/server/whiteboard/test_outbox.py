"""Board events leave at once, in order, after the member's regular frame, and never pile up forever."""

from __future__ import annotations

from cybercollege.protocol import Direction, decode, encode
from cybercollege.protocol.whiteboard import LivePoints
from cybercollege.server.classroom.whiteboard import outbox as outbox_module
from cybercollege.server.classroom.whiteboard.outbox import Outbox
from tests.server.waits import until


class FakeTransport:
    def is_closing(self) -> bool:
        return False


class FakeSession:
    """What the outbox uses of a :class:`cybercollege.server.core.session.Session`."""

    def __init__(self) -> None:
        self.transport = FakeTransport()
        self._pending: list[bytes] = []
        self.looks = 0
        self.stale = False
        self.closing: tuple[int, str] | None = None
        self.frames: list[bytes] = []
        self.full = False

    @property
    def pending(self) -> list[bytes]:
        """The tick's events not sent yet; each pass of the outbox's pump reads it once (counted)."""
        self.looks += 1
        return self._pending

    @pending.setter
    def pending(self, events: list[bytes]) -> None:
        self._pending = events

    def writable(self) -> bool:
        return not self.full

    def queue(self, frame: bytes) -> None:
        self.frames.append(frame)

    def close_later(self, code: int, reason: str) -> None:
        self.closing = (code, reason)

    def events(self) -> list[object]:
        return [e for f in self.frames for e in decode(f, Direction.TO_CLIENT).events]


def points(i: int) -> bytes:
    return encode(LivePoints("tableau-103", 1, [i, i]))


async def sent(box: Outbox) -> None:
    """The pump has written everything queued."""
    await until(lambda: not box.queues, "the outbox emptied")


async def passed_over(s: FakeSession) -> None:
    """The pump has looked at ``s`` twice since now (a pass, then its retry) without being able to write."""
    looks = s.looks
    await until(lambda: s.looks >= looks + 2, "two passes of the pump")


async def test_events_go_out_at_once_in_one_shared_frame() -> None:
    box = Outbox(lambda: 7)
    a, b = FakeSession(), FakeSession()
    box.send_all([a, b], points(1))  # type: ignore[list-item]
    box.send_all([a, b], points(2))  # type: ignore[list-item]
    await sent(box)
    assert a.frames == b.frames and len(a.frames) == 1  # encoded once for both
    assert [e.points[0] for e in a.events()] == [1, 2]  # type: ignore[attr-defined]
    assert decode(a.frames[0], Direction.TO_CLIENT).tick == 7


async def test_a_member_waiting_for_its_tick_frame_or_its_socket_gets_events_later_in_order() -> None:
    box = Outbox(lambda: 1)
    s = FakeSession()
    s.pending = [b"regular frame first"]
    box.send(s, points(1))  # type: ignore[arg-type]
    await passed_over(s)
    assert not s.frames
    s.pending = []
    s.full = True
    box.send(s, points(2))  # type: ignore[arg-type]
    await passed_over(s)
    assert not s.frames
    s.full = False
    await sent(box)
    assert [e.points[0] for e in s.events()] == [1, 2]  # type: ignore[attr-defined]


async def test_a_member_that_never_reads_is_closed_as_too_slow(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox_module, "MAX_QUEUED", 10)
    box = Outbox(lambda: 1)
    s = FakeSession()
    s.full = True
    for i in range(11):
        box.send(s, points(i))  # type: ignore[arg-type]
    assert s.closing is not None and s.closing[0] == 4008
    assert s not in box.queues
