"""Slide images are kept while a board shows them: the others go a day after they were stored.

Slide pages are content-addressed PNGs (``slide_images``); a board page refers to one by its sha256 as its
background. Backgrounds are not part of the undo history, so a board's current state (its snapshot and the
operations logged since) names every image it can still show. An image stored less than ``grace`` ago is
kept anyway: its upload may still be turning into a background operation.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select, union

from cybercollege.server.classroom.whiteboard.board import Board
from cybercollege.server.classroom.whiteboard.storage import BoardStorage
from cybercollege.server.persistence import Store
from cybercollege.server.persistence.records import as_utc, utcnow
from cybercollege.server.persistence.schema import board_ops, board_snapshots, slide_images

log = logging.getLogger(__name__)

GRACE = timedelta(days=1)


async def shown_images(store: Store) -> set[str]:
    """The sha256 of every slide image some board of the store's collège shows as a page background."""
    boards = union(
        select(board_snapshots.c.board_id).where(store.mine(board_snapshots)),
        select(board_ops.c.board_id).where(store.mine(board_ops)),
    )
    async with store.engine.connect() as connection:
        board_ids = [row[0] for row in (await connection.execute(boards)).all()]
    storage = BoardStorage(store)
    shown: set[str] = set()
    for board_id in board_ids:
        saved = await storage.load(board_id)
        board = Board(board_id, 1)
        if saved.snapshot is not None:
            board.restore(saved.snapshot)
        for op in saved.ops:
            board.apply(op)
        shown.update(sha for sha, _, _ in board.backgrounds.values())
    return shown


async def purge_unshown(store: Store, now: datetime | None = None, grace: timedelta = GRACE) -> int:
    """Delete the slide images no board shows, stored more than ``grace`` ago; returns how many."""
    cutoff = (utcnow() if now is None else as_utc(now, "now")) - grace
    shown = await shown_images(store)
    async with store.engine.begin() as connection:
        old = select(slide_images.c.sha256).where(store.mine(slide_images), slide_images.c.at < cutoff)
        gone = [sha for (sha,) in (await connection.execute(old)).all() if sha not in shown]
        for start in range(0, len(gone), 500):
            chunk = gone[start : start + 500]
            await connection.execute(
                delete(slide_images).where(store.mine(slide_images), slide_images.c.sha256.in_(chunk))
            )
    if gone:
        log.info("retention: purged %d slide images no board shows", len(gone))
    return len(gone)
