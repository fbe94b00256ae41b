"""Boards in the database: each board's latest snapshot and its operation log since.

Writes are batches (one transaction for every operation of every board gathered since the last
write). A snapshot replaces the previous one and deletes the operations it covers, in the same
transaction, so the log stays short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgpack
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from cybercollege.server.classroom.whiteboard.board import Op
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.records import utcnow
from cybercollege.server.persistence.schema import board_ops, board_snapshots


@dataclass(slots=True)
class Saved:
    """What the database holds for one board."""

    snapshot: bytes | None
    ops: list[Op]


@dataclass(slots=True)
class Snapshot:
    board_id: str
    seq: int
    state: bytes


class BoardStorage:
    """Reads and writes boards through the server's :class:`Store` (already started): its collège's boards only."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def load(self, board_id: str) -> Saved:
        """The board's snapshot (or None) and the operations after it, in order."""
        async with self.store.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(board_snapshots.c.seq, board_snapshots.c.state).where(
                        self.store.mine(board_snapshots), board_snapshots.c.board_id == board_id
                    )
                )
            ).first()
            since = row.seq if row is not None else 0
            query = (
                select(board_ops.c.seq, board_ops.c.author, board_ops.c.kind, board_ops.c.body)
                .where(self.store.mine(board_ops), board_ops.c.board_id == board_id, board_ops.c.seq > since)
                .order_by(board_ops.c.seq)
            )
            rows = (await connection.execute(query)).all()
        ops = [Op(r.seq, r.author, r.kind, msgpack.unpackb(r.body)) for r in rows]
        return Saved(row.state if row is not None else None, ops)

    async def write(self, ops: Sequence[tuple[str, Op]], snapshots: Sequence[Snapshot] = ()) -> None:
        """Insert ``(board_id, op)`` rows and replace snapshots, all in one transaction."""
        now = utcnow()
        college = self.store.college
        rows = [
            {"college": college, "board_id": b, "seq": o.seq, "author": o.author, "kind": o.kind,
             "body": msgpack.packb(o.body), "at": now}
            for b, o in ops
        ]  # fmt: skip
        async with self.store.engine.begin() as connection:
            if rows:
                await connection.execute(insert(board_ops), rows)
            for snap in snapshots:
                await connection.execute(self._upsert(), {
                    "college": college, "board_id": snap.board_id, "seq": snap.seq, "state": snap.state, "at": now
                })  # fmt: skip
                await connection.execute(
                    delete(board_ops).where(
                        self.store.mine(board_ops), board_ops.c.board_id == snap.board_id, board_ops.c.seq <= snap.seq
                    )
                )

    def _upsert(self) -> postgresql.Insert | sqlite.Insert:
        dialect = postgresql if self.store.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(board_snapshots)
        return statement.on_conflict_do_update(
            index_elements=[board_snapshots.c.college, board_snapshots.c.board_id],
            set_={name: statement.excluded[name] for name in ("seq", "state", "at")},
        )
