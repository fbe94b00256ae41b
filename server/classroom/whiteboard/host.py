"""One whiteboard in a live classroom: checks each action, applies it, tells everyone, logs it durably.

Live strokes (begin / points / end) are relayed at once and become one logged operation at pen-up.
Every other action is one logged operation. The author's BOARD_ACK waits for the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgpack

from cybercollege import worlds
from cybercollege.protocol import ErrorCode, encode
from cybercollege.protocol import whiteboard as W
from cybercollege.protocol.classroom import PageBackground
from cybercollege.server.classroom.whiteboard import rules
from cybercollege.server.classroom.whiteboard.board import (
    BACKGROUND,
    CLEAR,
    ITEM,
    PAGE,
    REDO,
    UNDO,
    Board,
    Change,
    Item,
    Op,
)
from cybercollege.server.classroom.whiteboard.journal import Journal
from cybercollege.server.classroom.whiteboard.outbox import FRAME_BYTES, Outbox
from cybercollege.server.classroom.whiteboard.storage import BoardStorage, Snapshot

if TYPE_CHECKING:
    from cybercollege.server.core.avatar import Avatar

SNAPSHOT_EVERY = 1000
"""Operations between two snapshots in the database."""
_ITEMS_CODE: int = W.BoardItems.__protocol__.code  # type: ignore[attr-defined]
_packer = msgpack.Packer()


class BoardRefused(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Live:
    """A stroke being drawn."""

    live: int
    author: Avatar
    cid: int
    page: int
    tool: int
    colour: int
    width: int
    points: list[int]

    def event(self, board: str) -> bytes:
        return encode(W.LiveStroke(board, self.live, self.author.id, self.page, self.tool, self.colour,
                                   self.width, self.points))  # fmt: skip


class BoardHost:
    """A board, who holds its pen, and the strokes being drawn on it."""

    def __init__(
        self, spec: worlds.Whiteboard, members: Mapping[int, Avatar], journal: Journal, outbox: Outbox
    ) -> None:
        self.id = spec.id
        self.board = Board(spec.id, max(1, round(W.BOARD_UNITS * spec.height / spec.width)))
        self.members = members
        self.journal = journal
        self.outbox = outbox
        self.pens: set[str] = set()
        self.live: dict[int, Live] = {}
        """Strokes being drawn, by author avatar id."""
        self.loaded = journal.storage is None
        self.snapshot_seq = 0
        self._next_live = 1

    async def load(self, storage: BoardStorage) -> None:
        """Rebuild the board from its snapshot and the operations logged since."""
        saved = await storage.load(self.id)
        if saved.snapshot is not None:
            self.board.restore(saved.snapshot)
        for op in saved.ops:
            self.board.apply(op)
        self.snapshot_seq = self.board.seq
        self.loaded = True

    # --- what a member is sent ------------------------------------------------------------------

    def sync_events(self) -> list[bytes]:
        """BOARD, the page backgrounds, the visible items in chunks, then the strokes being drawn."""
        b = self.board
        items = b.visible()
        head = W.Board(self.id, b.seq, b.height, b.pages, b.page, self._pen_avatars(), len(items))
        backgrounds = [self._background_event(page) for page in sorted(b.backgrounds)]
        return [encode(head), *backgrounds, *self._items_events(items), *(s.event(self.id) for s in self.live.values())]

    def _background_event(self, page: int) -> bytes:
        sha, width, height = self.board.backgrounds.get(page, ("", 0, 0))
        return encode(PageBackground(self.id, page, sha, width, height))

    def _items_events(self, items: list[Item]) -> list[bytes]:
        events: list[bytes] = []
        chunk: list[bytes] = []
        size = 0
        for item in items:
            if chunk and (len(chunk) == W.MAX_ITEMS_PER_EVENT or size + len(item.blob) > FRAME_BYTES - 100):
                events.append(self._items_event(chunk))
                chunk, size = [], 0
            chunk.append(item.blob)
            size += len(item.blob)
        if chunk:
            events.append(self._items_event(chunk))
        return events

    def _items_event(self, blobs: list[bytes]) -> bytes:
        """``[49, board, [item, ...]]`` spliced from the items' cached encodings."""
        p = _packer
        return b"".join(
            (
                p.pack_array_header(3),
                p.pack(_ITEMS_CODE),
                p.pack(self.id),
                p.pack_array_header(len(blobs)),
                *blobs,
            )
        )

    def _pen_avatars(self) -> list[int]:
        return [m.id for m in self.members.values() if m.identity.user_id in self.pens]

    def broadcast(self, event: bytes) -> None:
        self.outbox.send_all([m.session for m in self.members.values() if m.session is not None], event)

    # --- actions ----------------------------------------------------------------------------------

    def handle(self, a: Avatar, msg: Any) -> None:
        """Apply one board message of ``a``; raises :class:`BoardRefused`."""
        if not self.loaded:
            raise BoardRefused(ErrorCode.BOARD_NOT_READY, "le tableau se charge, réessayez")
        handler = _HANDLERS[type(msg)]
        handler(self, a, msg)

    def _need_pen(self, a: Avatar) -> None:
        if not rules.may_draw(a.identity, self.pens):
            raise BoardRefused(ErrorCode.NOT_ALLOWED, "il faut le stylet du professeur pour écrire")

    def _need_room(self, page: int) -> None:
        b = self.board
        if page >= b.pages:
            raise BoardRefused(ErrorCode.BAD_PAGE, f"la page {page} n'existe pas ({b.pages} pages)")
        if b.visible_on.get(page, 0) + self._live_on(page) >= W.MAX_ITEMS_PER_PAGE:
            raise BoardRefused(ErrorCode.PAGE_FULL, "page pleine : ajoutez une page")
        if len(b.items) >= W.MAX_ITEMS_PER_BOARD:
            raise BoardRefused(ErrorCode.BOARD_FULL, "tableau plein")

    def _live_on(self, page: int) -> int:
        return sum(1 for s in self.live.values() if s.page == page)

    def stroke_begin(self, a: Avatar, m: W.StrokeBegin) -> None:
        self._need_pen(a)
        self._need_room(m.page)
        if a.id in self.live:
            self.stroke_end(a, W.StrokeEnd(self.id, self.live[a.id].cid))
        stroke = Live(self._next_live, a, m.cid, m.page, m.tool, m.colour, m.width, list(m.points))
        self._next_live += 1
        self.live[a.id] = stroke
        self.broadcast(stroke.event(self.id))

    def _own_stroke(self, a: Avatar, cid: int) -> Live:
        stroke = self.live.get(a.id)
        if stroke is None or stroke.cid != cid:
            raise BoardRefused(ErrorCode.NO_STROKE, f"pas de trait {cid} en cours")
        return stroke

    def stroke_points(self, a: Avatar, m: W.StrokePoints) -> None:
        stroke = self._own_stroke(a, m.cid)
        if len(stroke.points) + len(m.points) > 2 * W.MAX_POINTS_PER_STROKE:
            raise BoardRefused(ErrorCode.STROKE_TOO_LONG, f"{W.MAX_POINTS_PER_STROKE} points au plus")
        stroke.points.extend(m.points)
        self.broadcast(encode(W.LivePoints(self.id, stroke.live, m.points)))

    def stroke_end(self, a: Avatar, m: W.StrokeEnd) -> None:
        s = self._own_stroke(a, m.cid)
        del self.live[a.id]
        body = [s.page, W.Kind.STROKE, s.tool, s.colour, s.width, s.points, ""]
        seq = self._commit(a, ITEM, body, m.cid, announce=False)
        self.broadcast(encode(W.LiveEnd(self.id, s.live, seq)))

    def drop_live(self, a: Avatar) -> None:
        """``a`` left or lost the pen: its unfinished stroke is dropped."""
        stroke = self.live.pop(a.id, None)
        if stroke is not None:
            self.broadcast(encode(W.LiveEnd(self.id, stroke.live, 0)))

    def shape(self, a: Avatar, m: W.DrawShape) -> None:
        self._need_pen(a)
        self._need_room(m.page)
        self._commit(a, ITEM, [m.page, W.Kind.SHAPE, m.shape, m.colour, m.width, m.points, ""], m.cid)

    def text(self, a: Avatar, m: W.WriteText) -> None:
        self._need_pen(a)
        self._need_room(m.page)
        self._commit(a, ITEM, [m.page, W.Kind.TEXT, 0, m.colour, m.size, [m.x, m.y], m.text], m.cid)

    def undo(self, a: Avatar, m: W.Undo) -> None:
        self._need_pen(a)
        target = self.board.undo_target(a.identity.user_id)
        if target is None:
            raise BoardRefused(ErrorCode.NOTHING_TO_UNDO, "rien à annuler")
        self._commit(a, UNDO, target, m.cid)

    def redo(self, a: Avatar, m: W.Redo) -> None:
        self._need_pen(a)
        target = self.board.redo_target(a.identity.user_id)
        if target is None:
            raise BoardRefused(ErrorCode.NOTHING_TO_REDO, "rien à rétablir")
        self._commit(a, REDO, target, m.cid)

    def clear(self, a: Avatar, m: W.ClearPage) -> None:
        if not rules.may_clear(a.identity):
            raise BoardRefused(ErrorCode.NOT_ALLOWED, "seul le professeur efface le tableau")
        if m.page >= self.board.pages:
            raise BoardRefused(ErrorCode.BAD_PAGE, f"la page {m.page} n'existe pas")
        self._commit(a, CLEAR, m.page, m.cid)

    def show_page(self, a: Avatar, m: W.ShowPage) -> None:
        self._need_pen(a)
        if m.page > self.board.pages:
            raise BoardRefused(ErrorCode.BAD_PAGE, f"la page {m.page} n'existe pas")
        self._commit(a, PAGE, m.page, m.cid)

    def give_pen(self, a: Avatar, m: W.GivePen) -> None:
        if not rules.may_give_pen(a.identity):
            raise BoardRefused(ErrorCode.NOT_ALLOWED, "seul le professeur donne le stylet")
        target = self.members.get(m.avatar)
        if target is None:
            raise BoardRefused(ErrorCode.BAD_TARGET, f"l'avatar {m.avatar} n'est pas dans la salle")
        if m.give:
            self.pens.add(target.identity.user_id)
        else:
            self.pens.discard(target.identity.user_id)
            if not rules.may_draw(target.identity, self.pens):
                self.drop_live(target)
        self.pens_changed()

    def pens_changed(self) -> None:
        self.broadcast(encode(W.Pens(self.id, self._pen_avatars())))

    # --- the log ----------------------------------------------------------------------------------

    def set_background(self, author: str, page: int, image: tuple[str, int, int], saved: Callable[[int], None]) -> int:
        """Show ``image`` (sha256, width, height; sha256 "" for none) behind ``page``, adding pages up to it.

        ``saved(seq)`` runs once the operation is in the database (HTTP callers wait for it)."""
        if page >= W.MAX_PAGES:
            raise BoardRefused(ErrorCode.BAD_PAGE, f"{W.MAX_PAGES} pages au plus")
        return self._log(author, BACKGROUND, [page, *image], saved)

    def turn_to(self, author: str, page: int, saved: Callable[[int], None]) -> int:
        """Show ``page`` to everyone (the server's doing: the first of the slides just sent)."""
        return self._log(author, PAGE, page, saved)

    def write_results(self, author: str, lines: list[str], colour: int = 0x1F4E79) -> int:
        """Write ``lines`` from the top left of a page of their own (the server's writing: poll results): the
        page shown if it is blank, else a new page, shown to everyone; the page shown if the board is full."""
        b = self.board
        page = b.page
        if (b.visible_on.get(page, 0) or page in b.backgrounds) and b.pages < W.MAX_PAGES:
            page = b.pages
            self.turn_to(author, page, lambda seq: None)
        size, seq = 220, 0
        for i, line in enumerate(lines):
            y = min(W.BOARD_UNITS - size, 300 + i * int(size * 1.4))
            seq = self._log(author, ITEM, [page, W.Kind.TEXT, 0, colour, size, [400, y], line[:W.MAX_TEXT_CHARS]],
                            lambda seq: None)  # fmt: skip
        return seq

    def _commit(self, a: Avatar, kind: str, body: Any, cid: int, *, announce: bool = True) -> int:
        """Log an operation: apply it, tell everyone now, acknowledge the author once saved."""
        return self._log(a.identity.user_id, kind, body, lambda seq: self._ack(a, cid, seq), announce=announce)

    def _log(self, author: str, kind: str, body: Any, ack: Callable[[int], None], *, announce: bool = True) -> int:
        b = self.board
        op = Op(b.seq + 1, author, kind, body)
        change = b.apply(op)
        if announce:
            self._announce(change)
        self.journal.add(self.id, op, lambda: ack(op.seq))
        if op.seq - self.snapshot_seq >= SNAPSHOT_EVERY:
            self.snapshot_seq = op.seq
            self.journal.snapshot(Snapshot(self.id, op.seq, b.snapshot()))
        return op.seq

    def _announce(self, change: Change) -> None:
        if change.hidden:
            self.broadcast(encode(W.BoardHide(self.id, change.hidden)))
        for event in self._items_events(change.shown):
            self.broadcast(event)
        if change.background is not None:
            self.broadcast(self._background_event(change.background))
        if change.page:
            self.broadcast(encode(W.PageShown(self.id, self.board.pages, self.board.page)))

    def _ack(self, a: Avatar, cid: int, seq: int) -> None:
        s = a.session
        if s is None:
            return
        ack = encode(W.BoardAck(self.id, cid, seq))
        if a.id in self.members:
            self.outbox.send(s, ack)
        else:
            s.push(ack)


_HANDLERS: dict[type, Callable[[BoardHost, Avatar, Any], None]] = {
    W.StrokeBegin: BoardHost.stroke_begin,
    W.StrokePoints: BoardHost.stroke_points,
    W.StrokeEnd: BoardHost.stroke_end,
    W.DrawShape: BoardHost.shape,
    W.WriteText: BoardHost.text,
    W.Undo: BoardHost.undo,
    W.Redo: BoardHost.redo,
    W.ClearPage: BoardHost.clear,
    W.ShowPage: BoardHost.show_page,
    W.GivePen: BoardHost.give_pen,
}
MESSAGES = tuple(_HANDLERS)
"""The board messages a classroom handles."""
