"""Room changes in the audit log, coalesced: a pupil pacing through a door makes a few rows, not thousands.

The first room change of an avatar is written at once; the ones that follow within ``window`` seconds are
counted and written as ONE row when the window has passed (or when she leaves): "from hall, 12 passages".
Nothing is lost: the row says where she came from, where she ended, and how many passages in between.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class _Pending:
    since: str
    """The room she was in before the first uncounted passage."""
    last: str
    passages: int
    opened: float
    """When the window of the last written row began."""


@dataclass(frozen=True, slots=True)
class MoveRow:
    """One room_change row to write: ``room`` is where she is, ``detail`` says from where and how often."""

    user_key: int
    room: str
    detail: str


class MoveAudit:
    """Per avatar (by id): the time of its last written room change and what is counted since."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._written: dict[int, float] = {}
        self._pending: dict[int, _Pending] = {}

    def moved(self, avatar: int, old: str, new: str, now: float) -> MoveRow | None:
        """A passage from ``old`` to ``new``: the row to write now, or None if it is counted for later."""
        pending = self._pending.get(avatar)
        if pending is not None:
            pending.last = new
            pending.passages += 1
            return None
        if now - self._written.get(avatar, -self.window) >= self.window:
            self._written[avatar] = now
            return MoveRow(avatar, new, f"from {old}")
        self._pending[avatar] = _Pending(old, new, 1, self._written[avatar])
        return None

    def due(self, now: float) -> list[MoveRow]:
        """The counted passages whose window has passed (call once a second)."""
        rows = []
        for avatar, pending in list(self._pending.items()):
            if now - pending.opened >= self.window:
                rows.append(self._row(avatar, pending))
                self._written[avatar] = now
        return rows

    def left(self, avatar: int) -> MoveRow | None:
        """She leaves the world: what was counted is written now."""
        self._written.pop(avatar, None)
        pending = self._pending.get(avatar)
        return None if pending is None else self._row(avatar, pending)

    def _row(self, avatar: int, pending: _Pending) -> MoveRow:
        del self._pending[avatar]
        return MoveRow(avatar, pending.last, f"from {pending.since}, {pending.passages} passages")
