"""One whiteboard's state, rebuilt deterministically from its operation log.

An :class:`Op` has a server-assigned ``seq``. :meth:`Board.apply` is the only way state changes, live
or on replay after a restart, and returns what clients must be told (:class:`Change`). Undo and redo
are per author: each author has a stack of their done operations and of their undone ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgpack

from cybercollege.protocol.whiteboard import BoardItem

ITEM, UNDO, REDO, CLEAR, PAGE = "item", "undo", "redo", "clear", "page"
BACKGROUND = "bg"
"""A page's background image: body ``[page, sha256, width, height]`` (sha256 "" removes it)."""


@dataclass(slots=True)
class Op:
    """One logged operation. ``body``: the item's fields (ITEM), the target seq (UNDO/REDO), the page."""

    seq: int
    author: str
    kind: str
    body: Any


@dataclass(slots=True, eq=False)
class Item:
    """A drawn thing; shown unless its author undid it or a clear covers it."""

    wire: BoardItem
    author: str
    undone: bool = False
    cleared_by: int = 0
    blob: bytes = b""
    """The encoded wire record, cached (a late join splices 10,000 of them)."""

    @property
    def visible(self) -> bool:
        return not self.undone and not self.cleared_by


@dataclass(slots=True)
class Clear:
    author: str
    page: int
    targets: list[int]
    undone: bool = False


@dataclass(slots=True)
class Change:
    """What an operation changed, for the clients."""

    shown: list[Item] = field(default_factory=list)
    hidden: list[int] = field(default_factory=list)
    page: bool = False
    background: int | None = None
    """The page whose background changed."""


@dataclass(slots=True)
class History:
    done: list[int] = field(default_factory=list)
    undone: list[int] = field(default_factory=list)


class Board:
    """Items by seq, pages, and each author's undo history."""

    def __init__(self, board_id: str, height: int) -> None:
        self.id = board_id
        self.height = height
        self.seq = 0
        self.pages = 1
        self.page = 0
        self.items: dict[int, Item] = {}
        self.clears: dict[int, Clear] = {}
        self.history: dict[str, History] = {}
        self.visible_on: dict[int, int] = {}
        """Visible items per page."""
        self.backgrounds: dict[int, tuple[str, int, int]] = {}
        """Background image of a page: sha256, width, height (server/classroom/slides.py)."""

    # --- queries --------------------------------------------------------------------------------

    def visible(self) -> list[Item]:
        return [i for i in self.items.values() if i.visible]

    def undo_target(self, author: str) -> int | None:
        done = self.history.get(author)
        return done.done[-1] if done and done.done else None

    def redo_target(self, author: str) -> int | None:
        done = self.history.get(author)
        return done.undone[-1] if done and done.undone else None

    # --- changes --------------------------------------------------------------------------------

    def apply(self, op: Op) -> Change:
        """Apply ``op`` (its seq must follow the board's); returns what changed."""
        if op.seq <= self.seq:
            raise ValueError(f"operation {op.seq} is not after {self.seq}")
        self.seq = op.seq
        history = self.history.setdefault(op.author, History())
        if op.kind == ITEM:
            return self._add(op, history)
        if op.kind == CLEAR:
            return self._clear(op, history)
        if op.kind == UNDO:
            return self._undo(op.body, history)
        if op.kind == REDO:
            return self._redo(op.body, history)
        if op.kind == PAGE:
            self.pages = max(self.pages, op.body + 1)
            self.page = op.body
            return Change(page=True)
        if op.kind == BACKGROUND:
            return self._background(op.body)
        raise ValueError(f"unknown operation {op.kind!r}")

    def _add(self, op: Op, history: History) -> Change:
        wire = BoardItem(op.seq, *op.body)
        item = Item(wire, op.author, blob=msgpack.packb(BoardItem.__protocol__.to_fields(wire)))  # type: ignore[attr-defined]
        self.items[op.seq] = item
        self._count(item, 1)
        history.done.append(op.seq)
        history.undone.clear()
        return Change(shown=[item])

    def _clear(self, op: Op, history: History) -> Change:
        page = op.body
        targets = [s for s, i in self.items.items() if i.wire.page == page and i.visible]
        self.clears[op.seq] = Clear(op.author, page, targets)
        history.done.append(op.seq)
        history.undone.clear()
        return self._set_cleared(targets, op.seq)

    def _background(self, body: list[Any]) -> Change:
        page, sha, width, height = body
        self.pages = max(self.pages, page + 1)
        if sha:
            self.backgrounds[page] = (sha, width, height)
        else:
            self.backgrounds.pop(page, None)
        return Change(page=True, background=page)

    def _undo(self, target: int, history: History) -> Change:
        _pop(history.done, target)
        history.undone.append(target)
        return self._toggle(target, undone=True)

    def _redo(self, target: int, history: History) -> Change:
        _pop(history.undone, target)
        history.done.append(target)
        return self._toggle(target, undone=False)

    def _toggle(self, target: int, *, undone: bool) -> Change:
        clear = self.clears.get(target)
        if clear is None:
            item = self.items[target]
            was = item.visible
            item.undone = undone
            return self._diff([item], [was])
        clear.undone = undone
        if undone:
            items = [self.items[s] for s in clear.targets if self.items[s].cleared_by == target]
            before = [i.visible for i in items]
            for i in items:
                i.cleared_by = 0
            return self._diff(items, before)
        return self._set_cleared([s for s in clear.targets if self.items[s].visible], target)

    def _set_cleared(self, seqs: list[int], by: int) -> Change:
        items = [self.items[s] for s in seqs]
        before = [i.visible for i in items]
        for i in items:
            i.cleared_by = by
        return self._diff(items, before)

    def _diff(self, items: list[Item], before: list[bool]) -> Change:
        change = Change()
        for item, was in zip(items, before, strict=True):
            if item.visible and not was:
                change.shown.append(item)
                self._count(item, 1)
            elif was and not item.visible:
                change.hidden.append(item.wire.seq)
                self._count(item, -1)
        return change

    def _count(self, item: Item, delta: int) -> None:
        page = item.wire.page
        self.visible_on[page] = self.visible_on.get(page, 0) + delta

    # --- snapshots ------------------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The whole state as MessagePack (see :meth:`restore`)."""
        return msgpack.packb(
            {
                "seq": self.seq,
                "pages": self.pages,
                "page": self.page,
                "items": [
                    [i.author, i.undone, i.cleared_by, BoardItem.__protocol__.to_fields(i.wire)]  # type: ignore[attr-defined]
                    for i in self.items.values()
                ],
                "clears": [[s, c.author, c.page, c.targets, c.undone] for s, c in self.clears.items()],
                "history": {a: [h.done, h.undone] for a, h in self.history.items()},
                "backgrounds": [[p, *bg] for p, bg in self.backgrounds.items()],
            }
        )

    def restore(self, data: bytes) -> None:
        """Load a :meth:`snapshot` into this (empty) board."""
        state = msgpack.unpackb(data)
        self.seq, self.pages, self.page = state["seq"], state["pages"], state["page"]
        for author, undone, cleared_by, fields in state["items"]:
            wire = BoardItem(*fields)
            item = Item(wire, author, undone, cleared_by, msgpack.packb(fields))
            self.items[wire.seq] = item
            if item.visible:
                self._count(item, 1)
        for seq, author, page, targets, undone in state["clears"]:
            self.clears[seq] = Clear(author, page, targets, undone)
        for author, (done, undone) in state["history"].items():
            self.history[author] = History(done, undone)
        for page, sha, width, height in state.get("backgrounds", ()):
            self.backgrounds[page] = (sha, width, height)


def _pop(stack: list[int], target: int) -> None:
    """Remove ``target``, the top of ``stack`` (undo and redo always act on the latest)."""
    if not stack or stack[-1] != target:
        raise ValueError(f"operation {target} is not the latest of its author's history")
    stack.pop()
