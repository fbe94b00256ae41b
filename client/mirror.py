"""The client's copy of the world, fed with decoded server messages (sans I/O).

The Panda3D client draws from it, tests and bots assert on it. Rules from docs/protocol.md: a FRAME's
events are applied in order, then its updates; a ROOM message forgets every avatar of the previous room;
updates for unknown avatars are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cybercollege.protocol.invitation import Guest, Lobby
from cybercollege.protocol.messages import (
    Appear,
    Chat,
    Closing,
    Correction,
    Error,
    Frame,
    Member,
    Pong,
    Presence,
    Room,
    Vanish,
    Welcome,
)
from cybercollege.protocol.quantize import from_cm, heading_from_wire
from cybercollege.protocol.teacher import Poll, RoomState
from cybercollege.protocol.whiteboard import (
    Board,
    BoardAck,
    BoardHide,
    BoardItem,
    BoardItems,
    LiveEnd,
    LivePoints,
    LiveStroke,
    PageShown,
    Pens,
)


@dataclass(slots=True)
class AvatarState:
    id: int
    name: str
    role: str
    x: float
    y: float
    heading: float
    anim: int
    tick: int = 0
    """Tick of the last update (for interpolation)."""


@dataclass
class BoardView:
    """One whiteboard as the server last described it (docs/whiteboard.md)."""

    seq: int = 0
    height: int = 1
    pages: int = 1
    page: int = 0
    pens: list[int] = field(default_factory=list)
    expected: int = 0
    """Items announced by the last BOARD; ``len(items) >= expected`` once the snapshot is in."""
    items: dict[int, BoardItem] = field(default_factory=dict)
    live: dict[int, LiveStroke] = field(default_factory=dict)
    acks: dict[int, int] = field(default_factory=dict)
    """My operation ids (cid) the server saved, with their seq."""


@dataclass
class Mirror:
    """What one client knows. ``me`` is its avatar id (0 before WELCOME)."""

    me: int = 0
    room: str = ""
    resume: str = ""
    world_hash: str = ""
    tick_hz: int = 20
    limits: dict[str, int] = field(default_factory=dict)
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    tick: int = 0
    avatars: dict[int, AvatarState] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    chat: list[Chat] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    closing: Closing | None = None
    pongs: list[Pong] = field(default_factory=list)
    boards: dict[str, BoardView] = field(default_factory=dict)
    room_state: RoomState | None = None
    """Hands, mute, freeze, lock, spotlight of my room (docs/teacher-tools.md)."""
    polls: dict[int, Poll] = field(default_factory=dict)
    lobby: list[Guest] = field(default_factory=list)
    """Guests waiting for me (teachers)."""
    listeners: list[Callable[[Any], None]] = field(default_factory=list)
    """Called with each message after it is applied (a FRAME's events first, then the FRAME)."""

    def apply(self, msg: Any) -> None:
        """Apply one decoded server message."""
        handler = _HANDLERS.get(type(msg))
        if handler is not None:
            handler(self, msg)
        for listener in self.listeners:
            listener(msg)

    def others(self) -> Iterable[AvatarState]:
        return (a for a in self.avatars.values() if a.id != self.me)

    # --- handlers ---

    def _welcome(self, m: Welcome) -> None:
        self.me, self.room, self.resume = m.you.id, m.room, m.resume
        self.world_hash, self.tick_hz, self.limits = m.world, m.tick_hz, dict(m.limits)
        self.position = (from_cm(m.you.x), from_cm(m.you.y), heading_from_wire(m.you.heading))

    def _frame(self, m: Frame) -> None:
        self.tick = m.tick
        for event in m.events:
            self.apply(event)
        avatars = self.avatars
        for u in m.updates:
            a = avatars.get(u.id)
            if a is not None:
                a.x, a.y, a.heading, a.anim, a.tick = (
                    from_cm(u.x),
                    from_cm(u.y),
                    heading_from_wire(u.heading),
                    u.anim,
                    m.tick,
                )

    def _room(self, m: Room) -> None:
        self.room = m.room
        self.position = (from_cm(m.x), from_cm(m.y), heading_from_wire(m.heading))
        self.avatars.clear()
        self.members.clear()
        self.boards.clear()
        self.room_state = None
        self.polls.clear()

    def _appear(self, m: Appear) -> None:
        a = m.avatar
        self.avatars[a.id] = AvatarState(
            a.id, a.name, a.role, from_cm(a.x), from_cm(a.y), heading_from_wire(a.heading), a.anim, self.tick
        )
        self.members[a.id] = Member(a.id, a.name, a.role)  # grid rooms: the people around are those in view

    def _vanish(self, m: Vanish) -> None:
        self.avatars.pop(m.id, None)
        self.members.pop(m.id, None)

    def _presence(self, m: Presence) -> None:
        for member in m.joined:
            self.members[member.id] = member
        for gone in m.left:
            self.members.pop(gone, None)

    def _board(self, m: Board) -> None:
        self.boards[m.board] = BoardView(m.seq, m.height, m.pages, m.page, list(m.pens), m.count)

    def _board_items(self, m: BoardItems) -> None:
        items = self.boards.setdefault(m.board, BoardView()).items
        for item in m.items:
            items[item.seq] = item

    def _board_hide(self, m: BoardHide) -> None:
        items = self.boards.setdefault(m.board, BoardView()).items
        for seq in m.seqs:
            items.pop(seq, None)

    def _live_end(self, m: LiveEnd) -> None:
        board = self.boards.setdefault(m.board, BoardView())
        s = board.live.pop(m.live, None)
        if s is not None and m.seq:
            board.items[m.seq] = BoardItem(m.seq, s.page, 0, s.tool, s.colour, s.width, s.points)

    def _live_points(self, m: LivePoints) -> None:
        s = self.boards.setdefault(m.board, BoardView()).live.get(m.live)
        if s is not None:
            s.points.extend(m.points)

    def _page_shown(self, m: PageShown) -> None:
        board = self.boards.setdefault(m.board, BoardView())
        board.pages, board.page = m.pages, m.page

    def _correction(self, m: Correction) -> None:
        self.corrections.append(m)
        self.position = (from_cm(m.x), from_cm(m.y), heading_from_wire(m.heading))


_HANDLERS: dict[type, Callable[[Mirror, Any], None]] = {
    Welcome: Mirror._welcome,
    Frame: Mirror._frame,
    Room: Mirror._room,
    Appear: Mirror._appear,
    Vanish: Mirror._vanish,
    Presence: Mirror._presence,
    Correction: Mirror._correction,
    Chat: lambda self, m: self.chat.append(m),
    Error: lambda self, m: self.errors.append(m),
    Closing: lambda self, m: setattr(self, "closing", m),
    Pong: lambda self, m: self.pongs.append(m),
    Board: Mirror._board,
    BoardItems: Mirror._board_items,
    BoardHide: Mirror._board_hide,
    LiveStroke: lambda self, m: self.boards.setdefault(m.board, BoardView()).live.__setitem__(m.live, m),
    LivePoints: Mirror._live_points,
    LiveEnd: Mirror._live_end,
    PageShown: Mirror._page_shown,
    Pens: lambda self, m: setattr(self.boards.setdefault(m.board, BoardView()), "pens", list(m.avatars)),
    BoardAck: lambda self, m: self.boards.setdefault(m.board, BoardView()).acks.__setitem__(m.cid, m.seq),
    RoomState: lambda self, m: setattr(self, "room_state", m),
    Poll: lambda self, m: self.polls.__setitem__(m.id, m),
    Lobby: lambda self, m: setattr(self, "lobby", list(m.waiting)),
}
