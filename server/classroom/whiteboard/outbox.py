"""Board events go out at once, in extra FRAMEs between ticks, so a stroke is seen live.

The world tick (20 Hz) would add up to 50 ms to every point of a stroke. Instead board events are handed to
each member's delivery with :meth:`~cybercollege.server.core.delivery.Delivery.push_now`: they leave as
soon as the event loop is free, after everything already pending for that member, through the connection's
one writer (docs/adr/0002). A member waiting for its first snapshot, or too slow to take them, gets them
with its next tick frame; one that falls too far behind is closed with 4008 like for any event.

This class only names that for the whiteboard, the answers and the breakouts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cybercollege.server.core.session import Session

FRAME_BYTES = 48 * 1024
"""Most bytes of one board event (a chunk of a board's items): many fit in one frame."""


class Outbox:
    """Board events for members, through their deliveries."""

    def send(self, session: Session, *events: bytes) -> None:
        """Send events to one member at once."""
        session.push_now(*events)

    def send_all(self, sessions: Iterable[Session], event: bytes) -> None:
        """Send one event to several members at once (encoded once, spliced into each frame)."""
        for s in sessions:
            s.push_now(event)

    def forget(self, session: Session) -> None:
        """Nothing to drop: events already handed over stay in order before the next ROOM or BOARD, which
        make the client forget them (docs/whiteboard.md)."""
